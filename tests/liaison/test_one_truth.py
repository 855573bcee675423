"""One truth for every figure (issue 8, item 2).

Every page and endpoint that gives an area's coverage or gap figures takes them from one
source (`selectors.coverage_of`: counted now for a township or smaller area, else the
snapshot that every change refreshes after commit) and says as of when; the gap lists agree
with them, area by area, after imports, assignments, transfers, ends, new cadres, zones and
zone leaders. A change whose recompute has not run yet is said to be being counted.
"""

import datetime
import io
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse

from districts.access import SYSTEM
from districts.imports import import_households
from districts.models import Area, HouseholdStatus, Zone
from districts.services import household_update
from dutydays.compliance import compliance_recompute
from liaison.core import selectors
from liaison.core.coverage import coverage_recompute
from liaison.core.models import Pairing

from ..conftest import Tree, api_client_for
from ..factories import CadreFactory, ZoneFactory
from ..html import Element, parse

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 3, 1)
KINDS = ("households", "cadres", "zones")


@dataclass(frozen=True)
class Figures:
    """(part, whole) of the three rates and the three gap sizes."""

    households: tuple[int, int]
    cadres: tuple[int, int]
    zones: tuple[int, int]

    @property
    def gaps(self) -> dict[str, int]:
        return {k: getattr(self, k)[1] - getattr(self, k)[0] for k in KINDS}


def number(text: str) -> int:
    found = re.search(r"\d[\d,]*", text)
    assert found, text
    return int(found.group().replace(",", ""))


def fraction(text: str) -> tuple[int, int]:
    part, whole = (int(x.replace(",", "")) for x in text.split("/"))
    return part, whole


def gap_links(element: Element) -> dict[str, int]:
    links = [a for a in element.find_all("a") if "data-gap" in a.attrs]
    return {a["data-gap"]: number(a.text) for a in links}


def truth(user, area: Area) -> dict[str, int]:
    """The gap lists themselves, counted row by row in the area: what users act on."""
    return {
        "households": selectors.uncovered_households(user=user).in_area(area).count(),
        "cadres": selectors.idle_cadres(user=user, area=area).count(),
        "zones": selectors.leaderless_zones(user=user, area=area).count(),
    }


def assert_one_truth(client, user, area: Area) -> Figures:
    """Read every figure of `area` the pages and the API give; assert they agree with each
    other and with the gap lists; return them."""
    expected = truth(user, area)

    coverage = parse(client.get(reverse("coverage"), {"area": area.pk}))
    summary = coverage.find(id="coverage-summary")
    figures = Figures(**{k: fraction(summary.find(data_figures=k).text) for k in KINDS})
    assert figures.gaps == expected, f"coverage page of {area.name}"
    assert gap_links(summary) == expected, f"coverage page's gap links of {area.name}"
    # Each gap link opens the list of the same area, and the list has that many rows.
    for kind in KINDS:
        link = summary.find("a", data_gap=kind)["href"]
        assert link == f"{reverse('gaps', args=[kind])}?within={area.pk}"
        gap_page = parse(client.get(link))
        tabs = {k: number(gap_page.find(id=f"count-{k}").text) for k in KINDS}
        assert tabs == expected, f"gap page tabs of {area.name}"
        cells = gap_page.find(id="gap-list").find_all("td")
        rows = {id(c.parent) for c in cells if "data-label" in c.attrs}
        assert len(rows) == expected[kind], f"gap list {kind} of {area.name}"
    assert coverage.find(id="coverage-when") is not None  # says as of when

    api = api_client_for(user)
    body = api.get("/api/v1/stats/coverage/", {"area": area.pk}).json()
    assert (body["covered_households"], body["households"]) == figures.households
    assert (body["cadres_with_households"], body["cadres"]) == figures.cadres
    assert (body["zones_with_leader"], body["zones"]) == figures.zones
    assert body["pending"] is False
    for kind in KINDS:
        listed = api.get(f"/api/v1/gaps/{kind}/", {"within": area.pk}).json()
        assert len(listed["results"]) == expected[kind], f"API gaps/{kind} of {area.name}"

    panel = parse(client.get(reverse("area-detail", args=[area.pk]))).find(id="area-liaison")
    assert gap_links(panel).get("households", 0) == expected["households"]
    return figures


AREAS = ("county", "town_a", "town_b", "village_a", "group_a1", "group_a2")


# Between changes: the snapshot's county, a live township and a live group (every area at
# the start and the end).
CHANGED = ("county", "town_a", "group_a1")


def assert_everywhere(client, user, tree: Tree, areas=CHANGED) -> dict[str, Figures]:
    found = {name: assert_one_truth(client, user, getattr(tree, name)) for name in areas}
    # The home page shows the jurisdiction's (the county's) figures and gap counts.
    home = parse(client.get(reverse("dashboard")))
    county = found["county"]
    for kind in KINDS:
        tile = home.find("section", data_figure=kind)
        assert fraction(tile.find(class_="tile-detail").text) == getattr(county, kind)
    assert gap_links(home.find("section", aria_labelledby="gaps-title")) == county.gaps
    return found


@pytest.fixture
def counted(tree, cadre_a, cadre_a2, cadre_b):
    """岩温 (A) has three households of group A1, 扎约 (B) one of B; 玉香 (A) none. A zone
    over township A without a leader."""
    for household in tree.households_a[:3]:
        Pairing.objects.create(cadre=cadre_a, household=household, start_date=START)
    Pairing.objects.create(cadre=cadre_b, household=tree.households_b[0], start_date=START)
    ZoneFactory(name="娜允镇责任区", level=Zone.Level.TOWNSHIP, areas=[tree.town_a])
    coverage_recompute(by=SYSTEM)
    return tree


def test_every_page_agrees_after_each_kind_of_change(
    counted, login, county_admin, cadre_a, cadre_a2, county_department,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    tree = counted
    client = login(county_admin)
    api = api_client_for(county_admin)
    first = assert_everywhere(client, county_admin, tree, AREAS)
    assert first["county"] == Figures(households=(4, 7), cadres=(2, 3), zones=(0, 1))
    assert first["group_a1"].gaps["households"] == 0

    # An import adds two households to group A1, without a cadre.
    data = "code,group_code,head_name\nH-NEW-1,530827100201001,岩香\nH-NEW-2,530827100201001,岩罕\n"
    with django_capture_on_commit_callbacks(execute=True):
        import_households(io.BytesIO(data.encode()), "h.csv", by=county_admin)
    after_import = assert_everywhere(client, county_admin, tree)
    assert after_import["county"].households == (4, 9)
    assert after_import["group_a1"].gaps["households"] == 2

    # An assignment covers one of them.
    new = selectors.uncovered_households(user=county_admin).get(code="H-NEW-1")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/pairings/", {"cadre": cadre_a2.pk, "household": new.pk}, format="json"
        )
    assert response.status_code == 201, response.content
    after_assign = assert_everywhere(client, county_admin, tree)
    assert after_assign["town_a"].cadres == (2, 2)

    # A transfer hands 岩温's households to 玉香, who is then the only one with households.
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/cadres/{cadre_a.pk}/transfer/", {"to": cadre_a2.pk}, format="json"
        )
    assert response.status_code == 200, response.content
    after_transfer = assert_everywhere(client, county_admin, tree)
    assert after_transfer["town_a"].cadres == (1, 2)

    # An end uncovers a household.
    pairing = Pairing.objects.active().filter(cadre=cadre_a2).order_by("pk").first()
    assert pairing is not None
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/pairings/{pairing.pk}/end/", {})
    assert response.status_code == 200, response.content
    after_end = assert_everywhere(client, county_admin, tree)
    assert after_end["county"].gaps["households"] == after_transfer["county"].gaps["households"] + 1

    # A new cadre serves in township B, without households.
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/cadres/",
            {"name": "岩坎", "gender": "male", "department": cadre_a.department_id,
             "rank": "ordinary", "area": tree.village_a.pk},
            format="json",
        )  # fmt: skip
    assert response.status_code == 201, response.content
    after_cadre = assert_everywhere(client, county_admin, tree, ("county", "village_a"))
    assert after_cadre["village_a"].cadres == (0, 1)

    # A county leader joins and leads the township's zone; then a new zone over group A2.
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/cadres/",
            {"name": "县领导", "gender": "female", "department": county_department.pk,
             "rank": "county_leader"},
            format="json",
        )  # fmt: skip
    assert response.status_code == 201, response.content
    leader = response.json()["id"]
    zone = Zone.objects.get(name="娜允镇责任区")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/zones/{zone.pk}/leader/", {"cadre": leader}, format="json")
    assert response.status_code in (200, 201), response.content
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/zones/",
            {"name": "芒街二组责任区", "level": "group", "areas": [tree.group_a2.pk]},
            format="json",
        )
    assert response.status_code == 201, response.content
    last = assert_everywhere(client, county_admin, tree, AREAS)
    assert last["county"].zones == (1, 2)
    assert last["group_a2"].zones == (0, 1)


def test_a_change_not_yet_counted_is_said_to_be_counted(
    counted, login, county_admin, django_capture_on_commit_callbacks
):
    """Between a commit and its recompute the county (read from its snapshot) says so; the
    township, counted now, already has the change."""
    tree = counted
    client = login(county_admin)
    household = tree.households_a[0]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        household_update(
            household=household,
            data={"status": HouseholdStatus.MOVED_OUT, "status_date": datetime.date(2026, 11, 1)},
            by=county_admin,
        )
    mark, *recomputes = callbacks
    mark()  # committed: the mark is set, the worker has not run yet

    county = parse(client.get(reverse("coverage"), {"area": tree.county.pk}))
    when = county.find(id="coverage-when")
    assert (when["data-live"], when["data-pending"]) == ("0", "1")
    assert county.find(id="coverage-pending") is not None
    assert fraction(county.find(data_figures="households").text) == (4, 7)  # before the change
    body = (
        api_client_for(county_admin).get("/api/v1/stats/coverage/", {"area": tree.county.pk}).json()
    )
    assert (body["pending"], body["households"]) == (True, 7)
    home = parse(client.get(reverse("dashboard")))
    assert "更新中" in home.find("section", data_figure="households").find(class_="tile-note").text

    town = parse(client.get(reverse("coverage"), {"area": tree.town_a.pk}))
    assert town.find(id="coverage-when")["data-live"] == "1"
    assert fraction(town.find(data_figures="households").text) == (2, 4)

    for recompute in recomputes:
        recompute()
    county = parse(client.get(reverse("coverage"), {"area": tree.county.pk}))
    assert county.find(id="coverage-when")["data-pending"] == "0"
    assert fraction(county.find(data_figures="households").text) == (3, 6)
    assert_one_truth(client, county_admin, tree.county)


def test_a_township_user_sees_the_same_figures_for_the_same_area(counted, login, admin_a):
    client = login(admin_a)
    town = assert_one_truth(client, admin_a, counted.town_a)
    home = parse(client.get(reverse("dashboard")))
    for kind in KINDS:
        tile = home.find("section", data_figure=kind)
        assert fraction(tile.find(class_="tile-detail").text) == getattr(town, kind)
    assert gap_links(home.find("section", aria_labelledby="gaps-title")) == town.gaps


def test_a_gap_list_outside_the_jurisdiction_is_not_found(counted, login, admin_a):
    client = login(admin_a)
    for kind in KINDS:
        response = client.get(reverse("gaps", args=[kind]), {"within": counted.town_b.pk})
        assert response.status_code == 404
        listed = api_client_for(admin_a).get(f"/api/v1/gaps/{kind}/", {"within": counted.town_b.pk})
        assert listed.json()["results"] == []  # a filter outside the jurisdiction: nothing


def test_a_large_area_is_read_from_its_snapshot_and_says_when(counted, login, county_admin):
    page = parse(login(county_admin).get(reverse("coverage"), {"area": counted.county.pk}))
    when = page.find(id="coverage-when")
    assert when["data-live"] == "0"
    assert "计算于" in when.text or "computed" in when.text


def test_the_compliance_page_counts_the_cadres_of_the_area(counted, login, county_admin, cadre_b):
    """娜允镇 has two cadres, the county three: the page for 娜允镇 counts two."""
    CadreFactory(name="县干部", department__area=counted.county, department__level="county")
    month = datetime.date(2026, 10, 1)
    compliance_recompute(month=month, by=SYSTEM)
    client = login(county_admin)
    town = parse(
        client.get(reverse("duty-compliance"), {"month": "2026-10", "area": counted.town_a.pk})
    )
    assert "（共 2 名干部）" in town.find(id="compliance-totals").text
    assert "娜允镇" in town.find(id="compliance-scope").text
    assert town.find(id="compliance-when") is not None
    everyone = parse(client.get(reverse("duty-compliance"), {"month": "2026-10"}))
    assert "（共 4 名干部）" in everyone.find(id="compliance-totals").text
    # The coverage page's duty-day months open the compliance of the same area.
    coverage = parse(client.get(reverse("coverage"), {"area": counted.town_a.pk}))
    links = coverage.find(id="duty-trend-table").links()
    assert f"{reverse('duty-compliance')}?month=2026-10&area={counted.town_a.pk}" in links
