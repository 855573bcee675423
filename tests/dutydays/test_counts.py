"""Duty days inside the jurisdiction: compliance rows and totals, the duty-day API's
households, diaries, the household visits panel and a cadre's month, seen by a township
user and by a county administrator."""

import csv
import datetime
import io
import re
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from districts.access import SYSTEM
from districts.models import Household
from dutydays.compliance import compliance_recompute
from dutydays.models import DutyDay
from liaison.core.models import Cadre

from ..factories import CadreFactory, HouseholdFactory, user_with_role
from ..html import parse

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)
TODAY = timezone.localdate()
SECRET_NAMES = ("县甲", "扎甲", "县财政局", "勐马镇党政办")


def move(household: Household, tree) -> None:
    """Move a household to township B's group (as a correction of its address would)."""
    Household.objects.filter(pk=household.pk).update(
        group=tree.group_b1, village=tree.village_b, township=tree.town_b
    )


def day(cadre, date, area, *households, in_zone=True, diary="") -> DutyDay:
    record = DutyDay.objects.create(
        cadre=cadre, date=date, area=area, in_zone=in_zone, diary=diary,
        activities=["visited_households" if households else "talked_with_cadres"],
    )  # fmt: skip
    record.households.add(*households)
    return record


# Compliance


@dataclass
class March:
    county: Cadre  # 县甲: county leader, 2 days in A and 3 in B
    head_a: Cadre  # 岩甲: department head of A, 2 days in zone and 1 elsewhere
    plain_a: Cadre  # 岩乙: no quota, no days
    leader_b: Cadre  # 扎甲: county leader of B, 1 day


@pytest.fixture
def march(tree, county_department, township_a_department, township_b_department) -> March:
    a, b = tree.households_a, tree.households_b
    Household.objects.filter(pk=a[1].pk).update(categories=["petitioner"])
    county = CadreFactory(name="县甲", department=county_department, rank="county_leader")
    head_a = CadreFactory(name="岩甲", department=township_a_department, rank="department_head")
    plain_a = CadreFactory(name="岩乙", department=township_a_department, rank="ordinary")
    leader_b = CadreFactory(name="扎甲", department=township_b_department, rank="county_leader")
    day(county, MARCH, tree.group_a1, a[0])
    day(county, MARCH.replace(day=2), tree.group_a1)
    day(county, MARCH.replace(day=3), tree.group_b1, b[0])
    day(county, MARCH.replace(day=4), tree.group_b1)
    day(county, MARCH.replace(day=5), tree.group_b1)
    day(head_a, MARCH.replace(day=10), tree.group_a1, a[1], a[2])
    day(head_a, MARCH.replace(day=11), tree.group_a2)
    day(head_a, MARCH.replace(day=12), tree.group_b1, in_zone=False)
    day(leader_b, MARCH.replace(day=15), tree.group_b1, b[1])
    compliance_recompute(month=MARCH, by=SYSTEM)
    return March(county, head_a, plain_a, leader_b)


ROW_KEYS = ("name", "days_counted", "days_other", "days_required", "met", "households_visited",
            "special_households_visited")  # fmt: skip


def test_township_compliance_shows_only_its_own_cadres(tree, march, admin_a, api_for):
    body = api_for(admin_a).get("/api/v1/stats/duty-compliance/?month=2026-03").json()
    assert [tuple(r[k] for k in ROW_KEYS) for r in body["rows"]] == [
        ("岩甲", 2, 1, 7, False, 2, 1),
        ("岩乙", 0, 0, 0, True, 0, 0),
    ]
    assert body["totals"] == {
        "cadres": 2,
        "with_quota": 1,
        "met": 0,
        "days_counted": 2,
        "days_other": 1,
        "days_required": 7,
        "households_visited": 2,
        "special_households_visited": 1,
    }
    assert body["by_department"] == [
        {"department": march.head_a.department_id, "name": "娜允镇党政办",
         "cadres": 2, "with_quota": 1, "met": 0},
    ]  # fmt: skip
    assert body["by_area"] == [
        {"area": tree.town_a.pk, "name": "娜允镇", "level": "township",
         "cadres": 2, "with_quota": 1, "met": 0},
    ]  # fmt: skip
    text = str(body)
    assert not [name for name in SECRET_NAMES if name in text]


def test_county_compliance_shows_every_cadre_whole(tree, march, county_admin, api_for):
    body = api_for(county_admin).get("/api/v1/stats/duty-compliance/?month=2026-03").json()
    assert [tuple(r[k] for k in ROW_KEYS) for r in body["rows"]] == [
        ("岩甲", 2, 1, 7, False, 2, 1),
        ("扎甲", 1, 0, 5, False, 1, 0),
        ("县甲", 5, 0, 5, True, 2, 0),
        ("岩乙", 0, 0, 0, True, 0, 0),
    ]
    assert body["totals"] == {
        "cadres": 4,
        "with_quota": 3,
        "met": 1,
        "days_counted": 8,
        "days_other": 1,
        "days_required": 17,
        "households_visited": 5,
        "special_households_visited": 1,
    }
    assert [(a["name"], a["cadres"], a["with_quota"], a["met"]) for a in body["by_area"]] == sorted(
        [("孟连县", 1, 1, 1), ("娜允镇", 2, 1, 0), ("勐马镇", 1, 1, 0)]
    )


def test_township_compliance_csv_holds_the_same_rows(march, admin_a, api_for):
    response = api_for(admin_a).get("/api/v1/stats/duty-compliance/?month=2026-03&format=csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[1:] == [
        [str(march.head_a.pk), "岩甲", "department_head", "娜允镇党政办", "2", "1", "7", "False",
         "2", "1"],
        [str(march.plain_a.pk), "岩乙", "ordinary", "娜允镇党政办", "0", "0", "0", "True", "0",
         "0"],
    ]  # fmt: skip
    assert not [name for name in SECRET_NAMES if name in text]


def test_township_compliance_page_holds_the_same_rows(march, client, admin_a, county_admin):
    client.force_login(admin_a)
    page = parse(client.get(reverse("duty-compliance"), {"month": "2026-03", "all": "1"}))
    body = page.select("#compliance").find("tbody")
    assert [[td.text for td in tr.find_all("td")][:7] for tr in body.find_all("tr")] == [
        ["岩甲", "娜允镇党政办", "2", "7", "1", "2", "1"],
        ["岩乙", "娜允镇党政办", "0", "0", "0", "0", "0"],
    ]
    departments = page.select("#compliance-departments").find("tbody")
    assert [td.text for td in departments.find_all("td")] == ["娜允镇党政办", "1", "0", "0%"]
    assert not [name for name in SECRET_NAMES if name in page.all_text]
    client.force_login(county_admin)
    page = parse(client.get(reverse("duty-compliance"), {"month": "2026-03", "all": "1"}))
    names = [tr.find_all("a")[0].text for tr in page.select("#compliance").find_all("tr")[1:]]
    assert names == ["岩甲", "扎甲", "县甲", "岩乙"]


def test_a_cadre_sees_their_own_compliance_row(tree, march, api_for):
    user = user_with_role("cadre", tree.village_a, username="county_cadre_user")
    Cadre.objects.filter(pk=march.county.pk).update(user=user)
    body = api_for(user).get("/api/v1/stats/duty-compliance/?month=2026-03").json()
    assert [tuple(r[k] for k in ROW_KEYS) for r in body["rows"]] == [("县甲", 5, 0, 5, True, 2, 0)]
    assert body["totals"]["cadres"] == 1


def test_a_jurisdiction_without_own_cadres_gets_an_empty_report_not_others_rows(
    tree, march, api_for
):
    village_b = user_with_role("viewer", tree.village_b, username="viewer_village_b")
    body = api_for(village_b).get("/api/v1/stats/duty-compliance/?month=2026-03").json()
    assert (body["rows"], body["by_department"], body["by_area"]) == ([], [], [])
    assert set(body["totals"].values()) == {0}
    missing = api_for(village_b).get("/api/v1/stats/duty-compliance/?month=2026-04")
    assert missing.status_code == 404


# The duty-day API: households inside the jurisdiction only


@pytest.fixture
def moved_day(tree, township_a_department):
    """A township A cadre's day in A with two households; one has since moved to B."""
    cadre = CadreFactory(name="岩温", department=township_a_department)
    a = tree.households_a
    record = day(cadre, TODAY, tree.group_a1, a[0], a[1], diary="院坝会")
    move(a[0], tree)
    return record


def test_duty_day_households_are_those_in_the_jurisdiction(
    tree, moved_day, admin_a, county_admin, api_for
):
    a = tree.households_a
    township = api_for(admin_a)
    assert township.get(f"/api/v1/duty-days/{moved_day.pk}/").json()["households"] == [a[1].pk]
    listed = township.get("/api/v1/duty-days/").json()["results"]
    assert [(r["id"], r["households"]) for r in listed] == [(moved_day.pk, [a[1].pk])]
    county = api_for(county_admin)
    assert county.get(f"/api/v1/duty-days/{moved_day.pk}/").json()["households"] == sorted(
        [a[0].pk, a[1].pk]
    )


def test_replacing_households_keeps_those_the_editor_cannot_see(
    tree, moved_day, admin_a, county_admin, api_for
):
    a = tree.households_a
    response = api_for(admin_a).patch(
        f"/api/v1/duty-days/{moved_day.pk}/", {"households": [a[1].pk, a[2].pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["households"] == [a[1].pk, a[2].pk]
    assert set(moved_day.households.values_list("pk", flat=True)) == {a[0].pk, a[1].pk, a[2].pk}
    # The county sees the moved household, so its replacement removes it.
    response = api_for(county_admin).patch(
        f"/api/v1/duty-days/{moved_day.pk}/", {"households": [a[1].pk]}, format="json"
    )
    assert response.json()["households"] == [a[1].pk]
    assert set(moved_day.households.values_list("pk", flat=True)) == {a[1].pk}


def test_edit_page_neither_names_nor_drops_households_outside(tree, moved_day, client, admin_a):
    a = tree.households_a
    client.force_login(admin_a)
    url = reverse("duty-edit", args=[moved_day.pk])
    page = parse(client.get(url))
    boxes = page.find_all("input", name="households")
    assert a[0].head_name not in page.all_text
    assert {int(b.attrs["value"]) for b in boxes if "checked" in b.attrs} == {a[1].pk}
    response = client.post(
        url, {"activities": ["visited_households"], "households": [a[2].pk], "diary": "改"}
    )
    assert response.status_code == 302
    assert set(moved_day.households.values_list("pk", flat=True)) == {a[0].pk, a[2].pk}


def test_a_cadre_always_sees_their_own_days(tree, county_department, admin_a, api_for):
    county = CadreFactory(name="县甲", department=county_department)
    user = user_with_role("cadre", tree.village_a, username="county_cadre_user")
    Cadre.objects.filter(pk=county.pk).update(user=user)
    in_b = day(county, TODAY, tree.group_b1, diary="B镇")
    in_a = day(county, TODAY - datetime.timedelta(days=1), tree.group_a1, diary="A镇")
    own = api_for(user).get("/api/v1/duty-days/").json()["results"]
    assert [r["id"] for r in own] == [in_b.pk, in_a.pk]
    township = api_for(admin_a).get("/api/v1/duty-days/").json()["results"]
    assert [r["id"] for r in township] == [in_a.pk]
    assert api_for(admin_a).get(f"/api/v1/duty-days/{in_b.pk}/").status_code == 404


@pytest.mark.parametrize("page_size", [5, 30])
def test_duty_day_list_query_count_is_constant(
    tree, admin_a, township_a_department, api_for, django_assert_max_num_queries, page_size
):
    cadres = CadreFactory.create_batch(30, department=township_a_department)
    households = HouseholdFactory.create_batch(2, group=tree.group_a1)
    for cadre in cadres:
        day(cadre, TODAY, tree.group_a1, *households)
    client = api_for(admin_a)
    # token + user, jurisdiction, its areas, the page, its visible households
    with django_assert_max_num_queries(5):
        response = client.get(f"/api/v1/duty-days/?page_size={page_size}")
    rows = response.json()["results"]
    assert len(rows) == page_size
    assert {tuple(r["households"]) for r in rows} == {tuple(sorted(h.pk for h in households))}


# Diaries, household visits and a cadre's month


@pytest.fixture
def county_days(tree, county_department):
    county = CadreFactory(name="县甲", department=county_department)
    a = tree.households_a
    in_a = day(county, MARCH.replace(day=2), tree.group_a1, a[0], a[1],
               diary="在娜允镇走访")  # fmt: skip
    visitor = HouseholdFactory(group=tree.group_b1)
    in_b = day(county, MARCH.replace(day=3), tree.group_b1, visitor,
               diary="在勐马镇走访")  # fmt: skip
    # The visited household of B has since moved to A.
    Household.objects.filter(pk=visitor.pk).update(
        group=tree.group_a2, village=tree.village_a, township=tree.town_a
    )
    move(a[0], tree)
    return county, in_a, in_b, visitor


def test_diaries_show_only_days_in_the_jurisdiction(
    tree, county_days, client, admin_a, county_admin
):
    client.force_login(admin_a)
    page = parse(client.get(reverse("area-diaries", args=[tree.town_a.pk])))
    diaries = [p.text for p in page.select("#diaries").find_all("p")]
    assert diaries == ["在娜允镇走访"]
    assert client.get(reverse("area-diaries", args=[tree.town_b.pk])).status_code == 404
    client.force_login(county_admin)
    page = parse(client.get(reverse("area-diaries", args=[tree.county.pk])))
    assert [p.text for p in page.select("#diaries").find_all("p")] == [
        "在勐马镇走访",
        "在娜允镇走访",
    ]


def test_household_visits_show_only_days_in_the_jurisdiction(
    tree, county_days, client, admin_a, county_admin
):
    _county, _in_a, in_b, visitor = county_days
    url = reverse("household-detail", args=[visitor.pk])
    client.force_login(admin_a)
    visits = parse(client.get(url)).select("#household-visits").find_all("li")
    # Only the empty state: the one visit was on a day in township B.
    assert [(v.classes, "勐马镇" in v.all_text) for v in visits] == [
        (["text-body-secondary"], False)
    ]
    client.force_login(county_admin)
    visits = parse(client.get(url)).select("#household-visits").find_all("li")
    assert [v.text for v in visits] == [f"{in_b.date:%Y-%m-%d} · 县甲 — 在勐马镇走访"]


def test_someone_elses_month_shows_the_jurisdictions_part_marked(
    tree, county_days, client, admin_a, county_admin
):
    county, _in_a, _in_b, _visitor = county_days
    client.force_login(admin_a)

    def entries():
        url = reverse("duty-month")
        page = parse(client.get(url, {"cadre": county.pk, "month": "2026-03"}))
        return page, page.select("#month-entries").find_all("li")

    page, items = entries()
    assert len(page.find_all(id="partial-note")) == 1
    assert "在勐马镇走访" not in page.all_text
    visited = [i for i in items if "在娜允镇走访" in i.text]
    assert len(visited) == 1
    # Two households were visited; one has moved to B, so only one is the township's.
    assert re.findall(r"\d+", visited[0].find_all("div")[1].text) == ["1"]
    client.force_login(county_admin)
    page, items = entries()
    assert page.find_all(id="partial-note") == []
    visited = [i for i in items if "在娜允镇走访" in i.text]
    assert re.findall(r"\d+", visited[0].find_all("div")[1].text) == ["2"]


def test_an_own_cadres_month_is_marked_only_when_days_lie_elsewhere(
    tree, township_a_department, client, admin_a
):
    cadre = CadreFactory(name="岩温", department=township_a_department)
    day(cadre, MARCH.replace(day=2), tree.group_a1, diary="在娜允镇")
    client.force_login(admin_a)
    query = {"cadre": cadre.pk, "month": "2026-03"}
    assert parse(client.get(reverse("duty-month"), query)).find_all(id="partial-note") == []
    day(cadre, MARCH.replace(day=3), tree.group_b1, diary="在勐马镇", in_zone=False)
    page = parse(client.get(reverse("duty-month"), query))
    assert len(page.find_all(id="partial-note")) == 1
    assert "在勐马镇" not in page.all_text
