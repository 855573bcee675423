"""Lists that say what matters: the cadre of each household, the leader of each zone, a
total on every pager, in a fixed number of queries per page."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from districts.access import SYSTEM
from dutydays.compliance import compliance_recompute
from dutydays.models import DutyDay
from liaison.common import pagination
from liaison.core.coverage import coverage_recompute

from ..factories import (
    CadreFactory,
    GroupFactory,
    HouseholdFactory,
    PairingFactory,
    ZoneFactory,
    ZoneLeadershipFactory,
)
from ..html import parse

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 1)


def _in_english(client):
    """The client's pages in English: the pager's words are pinned in English here, before
    their Chinese joins the catalogue."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _pair(cadre, households, start=START, end=None):
    for household in households:
        PairingFactory(cadre=cadre, household=household, start_date=start, end_date=end)


# Households: the responsible cadre ------------------------------------------------------


def test_area_page_shows_each_households_cadre(login, tree, viewer_a, cadre_a, cadre_a2):
    _pair(cadre_a, tree.households_a[:2])
    _pair(cadre_a2, tree.households_a[3:4])
    page = parse(login(viewer_a).get(reverse("area-detail", args=[tree.village_a.pk])))
    assert page.table_headers("#households") == [
        "编码",
        "户主",
        "家庭人口",
        "村民小组",
        "类别",
        "状态",
        "责任干部",
    ]
    assert [row[-1] for row in page.table_rows("#households")] == [
        "岩温 娜允镇党政办",
        "岩温 娜允镇党政办",
        "无",
        "玉香 娜允镇党政办",
        "无",
    ]
    cells = [
        tr.find_all("td")[-1] for tr in page.find(id="households").find("tbody").find_all("tr")
    ]
    assert [cell.links() for cell in cells] == [
        [reverse("cadre-detail", args=[cadre_a.pk])],
        [reverse("cadre-detail", args=[cadre_a.pk])],
        [],
        [reverse("cadre-detail", args=[cadre_a2.pk])],
        [],
    ]


def test_a_cadre_outside_the_jurisdiction_is_named_without_a_link(login, tree, viewer_a, cadre_b):
    """A county administrator paired a township-B cadre with a township-A household: the
    township-A viewer reads the name (as on the household page) but has no cadre page to open."""
    _pair(cadre_b, tree.households_a[:1])
    page = parse(login(viewer_a).get(reverse("area-detail", args=[tree.group_a1.pk])))
    assert [row[-1] for row in page.table_rows("#households")] == ["扎约 勐马镇党政办", "无", "无"]
    assert reverse("cadre-detail", args=[cadre_b.pk]) not in page.all_text


def test_an_ended_pairing_is_not_the_responsible_cadre(login, tree, viewer_a, cadre_a):
    _pair(cadre_a, tree.households_a[:1], end=datetime.date(2026, 2, 1))
    page = parse(login(viewer_a).get(reverse("area-detail", args=[tree.group_a1.pk])))
    assert [row[-1] for row in page.table_rows("#households")] == ["无", "无", "无"]


@pytest.mark.parametrize("households", [30, 60])
def test_area_page_queries_do_not_grow_with_households_or_cadres(
    login, tree, viewer_a, township_a_department, django_assert_num_queries, households
):
    # Every household its own cadre: a query per row would show.
    for household in HouseholdFactory.create_batch(households, group=tree.group_a1):
        _pair(CadreFactory(department=township_a_department), [household])
    client = login(viewer_a)
    # session, user, jurisdiction, area, breadcrumbs, child counts, children, the page,
    # the bounded total, the cadres, the zone, the history, the history's users, coverage,
    # the concerns' statistics
    with django_assert_num_queries(15):
        page = parse(client.get(reverse("area-detail", args=[tree.town_a.pk])))
    assert len(page.table_rows("#households")) == 25
    assert page.find(class_="pager-total")["data-total"] == str(households + 5)


def test_assign_page_shows_cadres_with_their_department(login, tree, admin_a, cadre_a, cadre_b):
    _pair(cadre_a, tree.households_a[:1])
    _pair(cadre_b, tree.households_a[1:2])
    page = parse(login(admin_a).get(reverse("assign", args=[tree.group_a1.pk])))
    assert [row[-1] for row in page.table_rows("#assign-households")] == [
        "岩温 娜允镇党政办",
        "扎约 勐马镇党政办",
        "无",
    ]
    assert page.find(id="assign-households").find("tbody").links() == [
        reverse("household-detail", args=[tree.households_a[0].pk]),
        reverse("cadre-detail", args=[cadre_a.pk]),
        reverse("household-detail", args=[tree.households_a[1].pk]),
        reverse("household-detail", args=[tree.households_a[2].pk]),
    ]


@pytest.mark.parametrize("households", [110, 220])
def test_assign_page_queries_do_not_grow_with_households(
    login, tree, admin_a, township_a_department, django_assert_num_queries, households
):
    cadres = CadreFactory.create_batch(3, department=township_a_department)
    for i, household in enumerate(HouseholdFactory.create_batch(households, group=tree.group_a1)):
        _pair(cadres[i % 3], [household])
    client = login(admin_a)
    # The cadre picker loads no cadres until asked (liaison/core/views.cadre_search).
    with django_assert_num_queries(15):
        page = parse(client.get(reverse("assign", args=[tree.group_a1.pk])))
    assert len(page.table_rows("#assign-households")) == 100
    assert page.find(class_="pager-total")["data-total"] == str(households + 3)


def test_gap_list_shows_who_had_the_household_before(login, tree, admin_a, cadre_a, cadre_a2):
    first, second = tree.households_a[:2]
    _pair(cadre_a2, [first], start=START, end=datetime.date(2026, 2, 1))
    _pair(cadre_a, [first], start=datetime.date(2026, 2, 1), end=datetime.date(2026, 3, 1))
    _pair(cadre_a, tree.households_a[2:3])  # covered: not a gap
    page = parse(_in_english(login(admin_a)).get(reverse("gaps", args=["households"])))
    assert page.table_headers("#gap-list") == [
        "Head of household",
        "Where",
        "Categories",
        "Cadre",
        "Actions",
    ]
    rows = page.table_rows("#gap-list")
    assert [row[3] for row in rows] == [
        "none Previously: 岩温 娜允镇党政办 (until 2026-03-01)",
        "none",
        "none",
        "none",
    ]
    assert [row[0] for row in rows] == [
        f"{h.head_name} {h.code}" for h in [first, second, *tree.households_a[3:]]
    ]
    assert page.find(class_="previous-cadre").links() == [
        reverse("cadre-detail", args=[cadre_a.pk])
    ]


@pytest.mark.parametrize("households", [60, 120])
def test_gap_list_queries_do_not_grow_with_households(
    login, tree, county_admin, township_a_department, django_assert_num_queries, households
):
    _pair(CadreFactory(department=township_a_department), tree.households_a + tree.households_b)
    for household in HouseholdFactory.create_batch(households, group=tree.group_a1):
        _pair(CadreFactory(department=township_a_department), [household], end=START)
    client = login(county_admin)
    # session, user, jurisdiction, its areas, the page, the bounded total, the previous
    # cadres, the county's coverage snapshot (none yet), then the three lists counted
    with django_assert_num_queries(11):
        page = parse(client.get(reverse("gaps", args=["households"])))
    assert len(page.find_all(class_="previous-cadre")) == 50
    # Once computed, the tabs read the snapshot the coverage page reads: no counting.
    coverage_recompute(by=SYSTEM)
    with django_assert_num_queries(8):
        page = parse(client.get(reverse("gaps", args=["households"])))
    assert len(page.find_all(class_="previous-cadre")) == 50


# Zones: the leader ------------------------------------------------------------------------


def test_zone_list_shows_the_current_leader(login, tree, admin_a, viewer_a, cadre_a, cadre_a2):
    led = ZoneFactory(name="芒街村第一片区", areas=[tree.group_a1])
    ZoneLeadershipFactory(
        zone=led, cadre=cadre_a2, start_date=START, end_date=datetime.date(2026, 2, 1)
    )
    ZoneLeadershipFactory(zone=led, cadre=cadre_a, start_date=datetime.date(2026, 2, 1))
    leaderless = ZoneFactory(name="芒街村第二片区", areas=[tree.group_a2])
    admin_page = parse(login(admin_a).get(reverse("zone-list")))
    assert admin_page.table_headers("#zones") == ["责任区", "级别", "覆盖区域", "负责人"]
    assert admin_page.table_rows("#zones") == [
        ["芒街村第一片区", "村组责任区", "芒街一组", "岩温 娜允镇党政办 自 2026-02-01 起"],
        ["芒街村第二片区", "村组责任区", "芒街二组", "暂无负责人。 设置负责人"],
    ]
    assert admin_page.find(id="zones").links() == [
        reverse("area-detail", args=[tree.group_a1.pk]),
        reverse("cadre-detail", args=[cadre_a.pk]),
        reverse("area-detail", args=[tree.group_a2.pk]),
        reverse("zone-leader", args=[leaderless.pk]),
    ]
    viewer_page = parse(login(viewer_a).get(reverse("zone-list")))
    assert [row[-1] for row in viewer_page.table_rows("#zones")] == [
        "岩温 娜允镇党政办 自 2026-02-01 起",
        "暂无负责人。",
    ]
    assert reverse("zone-leader", args=[leaderless.pk]) not in viewer_page.all_text


@pytest.mark.parametrize("zones", [3, 30])
def test_zone_list_queries_do_not_grow_with_zones(
    login, tree, viewer_a, township_a_department, django_assert_num_queries, zones
):
    for _ in range(zones):
        cadre = CadreFactory(department=township_a_department)
        zone = ZoneFactory(areas=[GroupFactory(parent=tree.village_a)])
        ZoneLeadershipFactory(zone=zone, cadre=cadre)
    client = login(viewer_a)
    # session, user, jurisdiction, its areas, the page, the zones' areas, the leaders
    with django_assert_num_queries(7):
        page = parse(client.get(reverse("zone-list")))
    assert len(page.table_rows("#zones")) == zones


# Pagers: a total on every paginated page --------------------------------------------------


def test_every_paginated_page_shows_its_total(client, tree, county_admin, cadre_a):
    """Each list's pager says how many rows it holds in all."""
    _pair(cadre_a, tree.households_a[:1])
    ZoneFactory(areas=[tree.group_a1])
    ZoneFactory(areas=[tree.group_b1])
    march = datetime.date(2026, 3, 1)
    DutyDay.objects.create(
        cadre=cadre_a, date=march, area=tree.group_a1, in_zone=True, diary="茶叶丰收"
    )
    compliance_recompute(month=march, by=SYSTEM)
    client.force_login(county_admin)
    _in_english(client)
    expected = {
        reverse("area-detail", args=[tree.county.pk]): 7,
        reverse("zone-list"): 2,
        reverse("assign", args=[tree.village_a.pk]): 5,
        reverse("cadre-list"): 1,
        reverse("gaps", args=["households"]): 6,
        reverse("gaps", args=["zones"]): 2,
        reverse("user-list"): 1,
        reverse("area-diaries", args=[tree.village_a.pk]): 1,
        reverse("duty-compliance") + "?month=2026-03&all=1": 1,
    }
    shown = {}
    for url in expected:
        pager = parse(client.get(url)).find(class_="pager")
        shown[url] = pager.find(class_="pager-total").text
        assert pager.find_all("nav") == []  # one page: no page links
    assert shown == {url: f"{n} in all" for url, n in expected.items()}


def test_a_long_list_says_more_than_the_limit_until_its_last_page(
    login, tree, viewer_a, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(pagination, "COUNT_LIMIT", 20)
    HouseholdFactory.create_batch(25, group=tree.group_a1)  # 30 in township A
    client = _in_english(login(viewer_a))
    first = parse(client.get(reverse("area-detail", args=[tree.town_a.pk])))
    total = first.find(class_="pager-total")
    assert (total.text, total["data-total"], total["data-capped"]) == ("20+ in all", "20", "true")
    assert first.find("ul", class_="pagination").texts("li") == ["Previous", "Page 1", "Next"]
    last = parse(client.get(reverse("area-detail", args=[tree.town_a.pk]), {"page": 2}))
    total = last.find(class_="pager-total")
    assert (total.text, total.get("data-capped")) == ("30 in all", None)
    assert last.find("ul", class_="pagination").texts("li") == ["Previous", "Page 2 of 2", "Next"]


def test_an_exact_total_numbers_the_pages(login, tree, viewer_a):
    HouseholdFactory.create_batch(50, group=tree.group_a1)  # 55 in township A
    page = parse(_in_english(login(viewer_a)).get(reverse("area-detail", args=[tree.town_a.pk])))
    assert page.find(class_="pager-total").text == "55 in all"
    assert page.find("ul", class_="pagination").texts("li") == ["Previous", "Page 1 of 3", "Next"]


def test_an_empty_list_shows_no_pager(login, tree, viewer_a):
    page = parse(login(viewer_a).get(reverse("zone-list")))
    assert page.table_rows("#zones") == [["您的管辖范围内暂无责任区。"]]
    assert page.find_all(class_="pager") == []
