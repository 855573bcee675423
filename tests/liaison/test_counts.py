"""Counts inside the jurisdiction: cadres' household counts, `has_households`, the cadre gap
list and recompute / import jobs, seen by a township user and by a county administrator."""

import datetime
import json
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext

from districts.models import Household, ImportJob, Zone
from liaison.core.models import Cadre, CoverageJob, Pairing, ZoneLeadership
from liaison.core.views import phone_tail

from ..factories import CadreFactory, HouseholdFactory, UserFactory, user_with_role
from ..html import parse

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 1)
PERSONAL = ("id", "name", "phone")


def pair(cadre, household, *, start=DAY, end=None) -> Pairing:
    return Pairing.objects.create(cadre=cadre, household=household, start_date=start, end_date=end)


@dataclass
class World:
    county_cadre: Cadre  # 2 households in A, 1 in B (+ one ended, one moved out)
    county_b_only: Cadre  # 1 household, in B
    county_idle: Cadre  # no household anywhere
    cadre_a: Cadre  # 2 households in A
    cadre_a_abroad: Cadre  # a cadre of A whose only household is in B
    cadre_a_idle: Cadre  # a cadre of A with no household
    cadre_b: Cadre  # 1 household in B
    b: list[Household]


@pytest.fixture
def counts_world(tree, county_department, township_a_department, township_b_department) -> World:
    county_cadre = CadreFactory(name="县甲", department=county_department)
    county_b_only = CadreFactory(name="县乙", department=county_department)
    county_idle = CadreFactory(name="县丙", department=county_department)
    cadre_a = CadreFactory(name="岩甲", department=township_a_department)
    cadre_a_abroad = CadreFactory(name="岩乙", department=township_a_department)
    cadre_a_idle = CadreFactory(name="岩丙", department=township_a_department)
    cadre_b = CadreFactory(name="扎甲", department=township_b_department)
    a = tree.households_a
    b = [*tree.households_b, *HouseholdFactory.create_batch(3, group=tree.group_b1)]
    pair(county_cadre, a[0])
    pair(county_cadre, a[1])
    pair(county_cadre, b[0])
    pair(county_cadre, a[2], start=DAY - datetime.timedelta(days=30), end=DAY)  # ended
    pair(county_cadre, a[4])
    Household.objects.filter(pk=a[4].pk).update(status="moved_out", status_date=DAY)  # not counted
    pair(cadre_a, a[2])
    pair(cadre_a, a[3])
    pair(county_b_only, b[1])
    pair(cadre_a_abroad, b[2])
    pair(cadre_b, b[3])
    return World(
        county_cadre, county_b_only, county_idle, cadre_a, cadre_a_abroad, cadre_a_idle, cadre_b, b
    )


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def loads(response) -> dict[int, tuple[int, bool]]:
    return {r["id"]: (r["households"], r["households_partial"]) for r in rows(response)}


# The API's `households` and `households_partial`


def test_township_user_counts_only_households_in_the_township(counts_world, admin_a, api_for):
    w = counts_world
    assert loads(api_for(admin_a).get("/api/v1/cadres/?page_size=100")) == {
        w.county_cadre.pk: (2, True),
        w.county_b_only.pk: (0, True),
        w.county_idle.pk: (0, True),
        w.cadre_a.pk: (2, False),
        w.cadre_a_abroad.pk: (0, True),
        w.cadre_a_idle.pk: (0, False),
    }
    detail = api_for(admin_a).get(f"/api/v1/cadres/{w.county_cadre.pk}/").json()
    assert (detail["households"], detail["households_partial"]) == (2, True)


def test_county_administrator_counts_every_household(counts_world, county_admin, api_for):
    w = counts_world
    assert loads(api_for(county_admin).get("/api/v1/cadres/?page_size=100")) == {
        w.county_cadre.pk: (3, False),
        w.county_b_only.pk: (1, False),
        w.county_idle.pk: (0, False),
        w.cadre_a.pk: (2, False),
        w.cadre_a_abroad.pk: (1, False),
        w.cadre_a_idle.pk: (0, False),
        w.cadre_b.pk: (1, False),
    }
    detail = api_for(county_admin).get(f"/api/v1/cadres/{w.county_cadre.pk}/").json()
    assert (detail["households"], detail["households_partial"]) == (3, False)


def test_a_county_cadre_working_only_elsewhere_looks_like_one_without_households(
    counts_world, admin_a, viewer_a, api_for
):
    """Nothing about township B leaks: the two county cadres differ only in who they are."""
    for user in (admin_a, viewer_a):
        listed = {r["id"]: r for r in rows(api_for(user).get("/api/v1/cadres/?page_size=100"))}

        def impersonal(cadre_id, listed=listed):
            return {k: v for k, v in listed[cadre_id].items() if k not in PERSONAL}

        assert impersonal(counts_world.county_b_only.pk) == impersonal(counts_world.county_idle.pk)


def test_a_jurisdiction_of_several_areas_counts_in_each(tree, counts_world, api_for):
    user = user_with_role("viewer", tree.town_a, tree.village_b, username="viewer_a_and_b")
    counts = loads(api_for(user).get("/api/v1/cadres/?page_size=100"))
    assert counts[counts_world.county_cadre.pk] == (3, True)  # still serves above both areas
    assert counts[counts_world.cadre_a_abroad.pk] == (1, False)
    assert counts[counts_world.cadre_b.pk] == (1, True)


def test_counts_hold_when_the_household_filter_is_an_expression(
    tree, counts_world, admin_a, api_for, monkeypatch
):
    """A jurisdiction filter that cannot be moved onto the joined household (an expression)
    is applied as a subquery instead, with the same counts."""
    from django.db.models import Exists, OuterRef, Q

    from districts.access import Scope

    def household_q(self):
        inside = Household.objects.filter(pk=OuterRef("pk"), township_id=tree.town_a.pk)
        return Q(Exists(inside))

    monkeypatch.setattr(Scope, "household_q", household_q)
    counts = loads(api_for(admin_a).get("/api/v1/cadres/?page_size=100"))
    assert counts[counts_world.county_cadre.pk] == (2, True)
    assert counts[counts_world.cadre_a.pk] == (2, False)
    having = loads(api_for(admin_a).get("/api/v1/cadres/?has_households=true"))
    assert set(having) == {counts_world.county_cadre.pk, counts_world.cadre_a.pk}


def test_superuser_sees_whole_counts(counts_world, django_user_model, api_for):
    root = django_user_model.objects.create_superuser("root", password="pw-secret-123")
    assert loads(api_for(root).get("/api/v1/cadres/?page_size=100"))[
        counts_world.county_cadre.pk
    ] == (
        3,
        False,
    )


def test_households_partial_is_optional_in_the_schema(admin_a, api_for):
    schema = api_for(admin_a).get("/api/v1/schema/?format=json").json()
    cadre = schema["components"]["schemas"]["Cadre"]
    assert cadre["properties"]["households_partial"]["readOnly"] is True
    assert cadre["properties"]["households_partial"]["type"] == "boolean"
    assert cadre["properties"]["households_partial"]["default"] is False


# has_households


def test_has_households_follows_the_scoped_count(counts_world, admin_a, county_admin, api_for):
    w = counts_world

    def listed(user, value):
        return set(loads(api_for(user).get(f"/api/v1/cadres/?has_households={value}")))

    assert listed(admin_a, "true") == {w.county_cadre.pk, w.cadre_a.pk}
    assert listed(admin_a, "false") == {
        w.county_b_only.pk,
        w.county_idle.pk,
        w.cadre_a_abroad.pk,
        w.cadre_a_idle.pk,
    }
    assert listed(county_admin, "true") == {
        w.county_cadre.pk,
        w.county_b_only.pk,
        w.cadre_a.pk,
        w.cadre_a_abroad.pk,
        w.cadre_b.pk,
    }
    assert listed(county_admin, "false") == {w.county_idle.pk, w.cadre_a_idle.pk}


def test_a_moved_out_household_does_not_count_as_having_households(
    tree, admin_a, township_a_department, api_for
):
    cadre = CadreFactory(department=township_a_department)
    pair(cadre, tree.households_a[0])
    Household.objects.filter(pk=tree.households_a[0].pk).update(status="moved_out", status_date=DAY)
    client = api_for(admin_a)
    assert loads(client.get("/api/v1/cadres/?has_households=false")) == {cadre.pk: (0, False)}
    assert loads(client.get("/api/v1/cadres/?has_households=true")) == {}


# The gap list: own cadres without households anywhere


def test_gap_cadres_are_own_cadres_without_households_anywhere(
    counts_world, admin_a, county_admin, api_for
):
    w = counts_world
    township = rows(api_for(admin_a).get("/api/v1/gaps/cadres/"))
    assert [(r["id"], r["households"], r["households_partial"]) for r in township] == [
        (w.cadre_a_idle.pk, 0, False)
    ]
    county = rows(api_for(county_admin).get("/api/v1/gaps/cadres/"))
    # By name (code points: 县 U+53BF before 岩 U+5CA9); county cadres are the county's gap.
    assert [r["id"] for r in county] == [w.county_idle.pk, w.cadre_a_idle.pk]


def test_gap_page_counts_own_cadres_only(counts_world, client, admin_a, county_admin):
    client.force_login(admin_a)
    page = parse(client.get(reverse("gaps", args=["cadres"])))
    assert page.select("#count-cadres").text == "1"
    body = page.select("#gap-list").find("tbody")
    names = [row.find_all("a")[0].text for row in body.find_all("tr")]
    assert names == ["岩丙"]
    client.force_login(county_admin)
    page = parse(client.get(reverse("gaps", args=["cadres"])))
    assert page.select("#count-cadres").text == "2"


# Pages: the cadre list and detail, the assign page, the transfer form


def _cadre_table(response) -> dict[str, tuple[str, bool]]:
    """{name: (households cell without the marker, marked partial)} of the cadre list."""
    table = parse(response).select("#cadres")
    out = {}
    for row in table.find("tbody").find_all("tr"):
        cell = row.find("td", class_="households")
        marks = cell.find_all("span", class_="partial")
        number = "".join(c for c in cell.children if isinstance(c, str)).strip()
        out[row.find_all("a")[0].text] = (number, bool(marks))
    return out


def test_cadre_list_page_marks_partial_counts(counts_world, client, admin_a, county_admin):
    client.force_login(admin_a)
    response = client.get(reverse("cadre-list"))
    assert _cadre_table(response) == {
        "县甲": ("2", True),
        "县乙": ("0", True),
        "县丙": ("0", True),
        "岩甲": ("2", False),
        "岩乙": ("0", True),
        "岩丙": ("0", False),
    }
    assert len(parse(response).find_all(id="partial-note")) == 1
    filtered = client.get(reverse("cadre-list"), {"has_households": "true"})
    assert _cadre_table(filtered) == {"县甲": ("2", True), "岩甲": ("2", False)}
    client.force_login(county_admin)
    response = client.get(reverse("cadre-list"))
    assert _cadre_table(response) == {
        "县甲": ("3", False),
        "县乙": ("1", False),
        "县丙": ("0", False),
        "岩甲": ("2", False),
        "岩乙": ("1", False),
        "岩丙": ("0", False),
        "扎甲": ("1", False),
    }
    assert parse(response).find_all(id="partial-note") == []


def test_cadre_page_counts_and_marks_the_townships_part(
    counts_world, tree, client, admin_a, county_admin, day
):
    zone_b = Zone.objects.create(name="勐马镇责任区", level="township")
    zone_b.zone_areas.create(area=tree.town_b)
    zone_a = Zone.objects.create(name="娜允镇责任区", level="township")
    zone_a.zone_areas.create(area=tree.town_a)
    for zone in (zone_a, zone_b):
        ZoneLeadership.objects.create(zone=zone, cadre=counts_world.county_cadre, start_date=day)
    url = reverse("cadre-detail", args=[counts_world.county_cadre.pk])
    client.force_login(admin_a)
    page = parse(client.get(url))
    heading = page.select("#cadre-household-count")
    assert heading.find_all("span", class_="partial") != []
    assert heading.text.split()[0] == "2"
    assert len(page.find_all(id="partial-note")) == 1
    # Its active pairings in the township: two households, and one that moved out (marked).
    households = page.select("#cadre-households").find("tbody").find_all("tr")
    assert sorted(r.find_all("a")[0].text for r in households) == sorted(
        h.head_name for h in (tree.households_a[0], tree.households_a[1], tree.households_a[4])
    )
    assert "勐马镇责任区" not in page.all_text and "娜允镇责任区" in page.text
    client.force_login(county_admin)
    page = parse(client.get(url))
    heading = page.select("#cadre-household-count")
    assert heading.find_all("span", class_="partial") == []
    assert heading.text.split()[0] == "3"
    assert page.find_all(id="partial-note") == []
    assert "勐马镇责任区" in page.text


def _found(client, name: str, **context: int) -> dict[int, str]:
    """Every cadre the picker offers (searched by each department), by id."""
    found: dict[int, str] = {}
    for q in ("县财政局", "娜允镇党政办"):
        url = reverse("cadre-search") + "?" + urlencode({"field": name, f"{name}_q": q, **context})
        response = client.get(url)
        assert response.status_code == 200
        found |= {int(value): label for value, label in parse(response).radios(name)}
    return found


def _label(cadre: Cadre, n: int, partial: bool) -> str:
    with translation.override("zh-hans"):
        count = (
            gettext("%(n)d households in your jurisdiction") if partial
            else gettext("%(n)d households")
        ) % {"n": n}  # fmt: skip
        parts = [cadre.name, cadre.get_rank_display(), cadre.department.name, cadre.area.name]
    return " · ".join([*parts, count, phone_tail(cadre.phone)])


def test_assign_picker_offers_cadres_with_scoped_counts(
    counts_world, tree, client, admin_a, county_admin
):
    w = counts_world
    client.force_login(admin_a)
    assert _found(client, "cadre", area=tree.group_a1.pk) == {
        w.county_cadre.pk: _label(w.county_cadre, 2, True),
        w.county_b_only.pk: _label(w.county_b_only, 0, True),
        w.county_idle.pk: _label(w.county_idle, 0, True),
        w.cadre_a.pk: _label(w.cadre_a, 2, False),
        w.cadre_a_abroad.pk: _label(w.cadre_a_abroad, 0, True),
        w.cadre_a_idle.pk: _label(w.cadre_a_idle, 0, False),
    }
    client.force_login(county_admin)
    options = _found(client, "cadre", area=tree.group_a1.pk)
    assert options[w.county_cadre.pk] == _label(w.county_cadre, 3, False)
    assert options[w.county_b_only.pk] == _label(w.county_b_only, 1, False)


def test_transfer_picker_shows_scoped_counts(counts_world, client, admin_a, county_admin):
    w = counts_world
    url = reverse("cadre-detail", args=[w.county_cadre.pk])
    client.force_login(admin_a)
    # A township does not transfer a county cadre (the service answers 403): no form at all.
    page = parse(client.get(url))
    assert page.find_all("form", id="transfer-form") == []
    assert page.find_all("input", name="to_q") == []

    def label(c, n):
        with translation.override("zh-hans"):
            count = gettext("%(n)d households") % {"n": n}
            parts = [c.name, c.get_rank_display(), c.department.name, c.area.name]
        return " · ".join([*parts, count, phone_tail(c.phone)])

    client.force_login(county_admin)
    assert _found(client, "to", **{"from": w.county_cadre.pk}) == {
        w.county_b_only.pk: label(w.county_b_only, 1),
        w.county_idle.pk: label(w.county_idle, 0),
    }


# Pinned query counts


@pytest.mark.parametrize("page_size", [5, 30])
def test_scoped_cadre_list_query_count_is_constant(
    tree, admin_a, county_department, township_a_department, api_for,
    django_assert_max_num_queries, page_size,
):  # fmt: skip
    county = CadreFactory.create_batch(15, department=county_department)
    township = CadreFactory.create_batch(15, department=township_a_department)
    households = HouseholdFactory.create_batch(30, group=tree.group_a1)
    for cadre, household in zip([*county, *township], households, strict=True):
        pair(cadre, household)
    client = api_for(admin_a)
    # token + user, jurisdiction, its areas, the page (counts and flags in the same query)
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/cadres/?page_size={page_size}&has_households=true")
    assert len(rows(response)) == page_size
    assert {r["households"] for r in rows(response)} == {1}
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/gaps/cadres/?page_size={page_size}")
    assert rows(response) == []


def test_cadre_list_page_query_count_for_a_township_user(
    client, counts_world, admin_a, township_a_department, django_assert_max_num_queries
):
    CadreFactory.create_batch(30, department=township_a_department)
    client.force_login(admin_a)
    for url in (reverse("cadre-list"), reverse("gaps", args=["cadres"])):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200


# Jobs: someone else's job answers exactly like a missing one


def _missing_id(model) -> int:
    return (model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def _page_without_its_path_and_token(response, path: str) -> bytes:
    """The 404 page as any request for it reads, whatever the address asked for: the page
    echoes its own path (the language switch returns to it) and a fresh CSRF token."""
    page = re.sub(rb"[A-Za-z0-9]{64}", b"<csrf token>", response.content)
    return page.replace(path.encode(), b"<path>")


def test_someone_elses_coverage_job_is_exactly_a_missing_one(
    tree, county_admin, admin_a, viewer_a, api_for
):
    job = CoverageJob.objects.create(as_of=DAY, requested_by=county_admin)
    own = CoverageJob.objects.create(as_of=DAY, requested_by=viewer_a)
    missing = _missing_id(CoverageJob)
    for user in (admin_a, viewer_a):
        client = api_for(user)
        foreign = client.get(f"/api/v1/stats/coverage/jobs/{job.pk}/")
        absent = client.get(f"/api/v1/stats/coverage/jobs/{missing}/")
        assert foreign.status_code == absent.status_code == 404
        assert foreign.content == absent.content
        assert foreign["Content-Type"] == absent["Content-Type"]
    huge = api_for(admin_a).get("/api/v1/stats/coverage/jobs/99999999999999999999999/")
    assert (huge.status_code, huge.content) == (404, absent.content)
    mine = api_for(viewer_a).get(f"/api/v1/stats/coverage/jobs/{own.pk}/")
    assert (mine.status_code, mine.json()["id"]) == (200, own.pk)
    # Another administrator's job is not yours either: exactly a missing one.
    other_admin = user_with_role("administrator", tree.county, username="county_admin_2")
    unseen = api_for(other_admin).get(f"/api/v1/stats/coverage/jobs/{job.pk}/")
    assert (unseen.status_code, unseen.content) == (404, absent.content)
    # A superuser (the system's operator) follows every job.
    root = UserFactory(username="root2", is_superuser=True)
    seen = api_for(root).get(f"/api/v1/stats/coverage/jobs/{job.pk}/")
    assert (seen.status_code, seen.json()["id"], seen.json()["status"]) == (200, job.pk, "pending")


@pytest.fixture
def import_job(admin_a):
    return ImportJob.objects.create(
        kind="households",
        file="imports/2026/03/households.csv",
        original_name="households.csv",
        created_by=admin_a,
        status="failed",
        error_count=1,
        errors=[{"row": 2, "column": "code", "message": "勐马镇的秘密"}],
    )


def test_someone_elses_import_job_is_exactly_a_missing_one(
    tree, import_job, admin_a, county_admin, api_for, client
):
    other = user_with_role("area_admin", tree.town_a, username="admin_a_2")
    missing = _missing_id(ImportJob)
    for user in (other, county_admin):
        api = api_for(user)
        foreign = api.get(f"/api/v1/imports/{import_job.pk}/")
        absent = api.get(f"/api/v1/imports/{missing}/")
        assert foreign.status_code == absent.status_code == 404
        assert foreign.content == absent.content
        assert import_job.pk not in [j["id"] for j in api.get("/api/v1/imports/").json()["results"]]
        client.force_login(user)
        for name in ("import-detail", "import-errors-csv"):
            foreign_path, absent_path = (
                reverse(name, args=[pk]) for pk in (import_job.pk, missing)
            )
            foreign, absent = client.get(foreign_path), client.get(absent_path)
            assert foreign.status_code == absent.status_code == 404
            assert _page_without_its_path_and_token(
                foreign, foreign_path
            ) == _page_without_its_path_and_token(absent, absent_path)
            assert "勐马镇的秘密".encode() not in foreign.content
    owner = api_for(admin_a).get(f"/api/v1/imports/{import_job.pk}/")
    assert owner.status_code == 200
    assert json.loads(owner.content)["errors"] == import_job.errors
