"""Duty days per month on the coverage page: summed from the compliance rows of the cadres
serving in the area, within the viewer's jurisdiction, in one query."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from districts.access import scope_for
from districts.models import Role
from dutydays.selectors import compliance_trend

from ..factories import CadreFactory, MonthlyComplianceFactory, user_with_role
from ..html import parse

pytestmark = pytest.mark.django_db

THIS_MONTH = timezone.localdate().replace(day=1)


def months_ago(n: int) -> datetime.date:
    month = THIS_MONTH
    for _ in range(n):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return month


@pytest.fixture
def trend_compliance_rows(tree, cadre_a, cadre_a2, cadre_b, county_department):
    """Two months of township A (two cadres), one of township B, a county cadre's month, and
    a row too old for the trend."""
    county_cadre = CadreFactory(name="县干部", department=county_department)
    for cadre, month, counted, required in [
        (cadre_a, months_ago(2), 4, 5),
        (cadre_a2, months_ago(2), 6, 5),
        (cadre_a, months_ago(1), 5, 5),
        (cadre_a2, months_ago(1), 2, 5),
        (cadre_b, months_ago(1), 7, 4),
        (county_cadre, months_ago(1), 3, 3),
        (cadre_a, months_ago(12), 9, 9),  # thirteen months ago: outside the trend
    ]:
        MonthlyComplianceFactory(
            cadre=cadre, month=month, days_counted=counted, days_required=required
        )


@pytest.mark.usefixtures("trend_compliance_rows")
def test_trend_sums_the_areas_cadres_by_month_in_one_query(
    tree, county_admin, django_assert_num_queries
):
    scope_for(county_admin)  # resolved once per request, before any panel
    with django_assert_num_queries(1):
        county = compliance_trend(user=county_admin, area=tree.county)
    assert county == [
        {"month": months_ago(2), "cadres": 2, "days_counted": 10, "days_required": 10},
        {"month": months_ago(1), "cadres": 4, "days_counted": 17, "days_required": 17},
    ]
    assert compliance_trend(user=county_admin, area=tree.town_b) == [
        {"month": months_ago(1), "cadres": 1, "days_counted": 7, "days_required": 4}
    ]


@pytest.mark.usefixtures("trend_compliance_rows")
def test_a_township_sees_only_its_own_cadres_even_when_asking_for_the_county(
    tree, admin_a, admin_b
):
    township_a = [
        {"month": months_ago(2), "cadres": 2, "days_counted": 10, "days_required": 10},
        {"month": months_ago(1), "cadres": 2, "days_counted": 7, "days_required": 10},
    ]
    assert compliance_trend(user=admin_a, area=tree.town_a) == township_a
    assert compliance_trend(user=admin_a, area=tree.county) == township_a
    assert compliance_trend(user=admin_b, area=tree.town_a) == []


@pytest.mark.usefixtures("trend_compliance_rows")
def test_coverage_page_shows_the_townships_duty_days_and_nothing_of_others(login, tree, admin_a):
    client = login(admin_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # new messages: translations pending
    page = parse(client.get(reverse("coverage")))

    panel = page.find("section", id="duty-trend")
    assert panel.find("h2").text == "Duty days"
    assert page.table_rows("#duty-trend-table") == [
        [f"{months_ago(1):%Y-%m}", "7", "10", "2"],
        [f"{months_ago(2):%Y-%m}", "10", "10", "2"],
    ]
    spec = json.loads(page.find("script", id="duty-chart-data").text)
    assert spec["labels"] == [f"{months_ago(2):%Y-%m}", f"{months_ago(1):%Y-%m}"]
    assert [(d["label"], d["data"], d["dashed"]) for d in spec["datasets"]] == [
        ("Days in own zones", [10, 7], False),
        ("Days required", [10, 10], True),
    ]
    assert (spec["min"], spec["note"], spec["valueLabels"]) == (0.0, "", True)
    assert panel.find("canvas", id="duty-chart")["data-chart"] == "duty-chart-data"


def test_the_month_in_progress_is_marked_and_an_area_without_rows_says_so(
    login, tree, county_admin, cadre_a
):
    MonthlyComplianceFactory(cadre=cadre_a, month=THIS_MONTH, days_counted=1, days_required=5)
    client = login(county_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = parse(client.get(reverse("coverage")))
    assert page.table_rows("#duty-trend-table") == [
        [f"{THIS_MONTH:%Y-%m} in progress", "1", "5", "1"]
    ]
    spec = json.loads(page.find("script", id="duty-chart-data").text)
    assert spec["labels"] == [f"{THIS_MONTH:%Y-%m} (in progress)"]

    other = login(user_with_role(Role.VIEWER, tree.town_b, username="viewer_b"))
    empty = parse(other.get(reverse("coverage")))
    assert empty.find("section", id="duty-trend").find("p").text == (
        "No month's compliance has been computed yet for the cadres serving in 勐马镇."
    )
    assert empty.find_all("canvas", id="duty-chart") == []
