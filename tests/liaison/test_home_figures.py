"""The jurisdiction's coverage for the home page: its top area's figures (counted now when
small, else its latest snapshot; added up when there are several), month by month; rates
floored to tenths."""

import datetime

import pytest
from django.utils import timezone

from districts.models import Role
from liaison.common.charts import Series, month_chart, percent, percent_value
from liaison.core import selectors

from ..factories import CoverageSnapshotFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

OCT_5, OCT_28, NOV_2 = (datetime.date(2026, 10, 5), datetime.date(2026, 10, 28),
                        datetime.date(2026, 11, 2))  # fmt: skip


def snapshot(area, as_of, households, covered, cadres=4, with_households=3, zones=2, led=1):
    return CoverageSnapshotFactory(
        area=area,
        as_of=as_of,
        households=households,
        covered_households=covered,
        cadres=cadres,
        cadres_with_households=with_households,
        zones=zones,
        zones_with_leader=led,
    )


@pytest.fixture
def snapshots(tree):
    """Township A and B on 10-05, 10-28 and (A only) 11-02; the county on 11-02."""
    return {
        "a": [snapshot(tree.town_a, OCT_5, 10, 5), snapshot(tree.town_a, OCT_28, 10, 9),
              snapshot(tree.town_a, NOV_2, 12, 12)],
        "b": [snapshot(tree.town_b, OCT_5, 6, 1), snapshot(tree.town_b, OCT_28, 6, 3)],
        "county": [snapshot(tree.county, NOV_2, 99, 98)],
    }  # fmt: skip


@pytest.fixture
def from_snapshots(settings):
    """Townships read from their snapshots (as counties do by default)."""
    settings.COVERAGE_COUNTED_LIVE = ["village", "group"]


def test_one_area_gets_its_latest_snapshot(tree, admin_a, snapshots, from_snapshots):
    summary = selectors.coverage_summary(user=admin_a)
    assert summary is not None and not summary.live
    assert summary.figures.pk == snapshots["a"][2].pk
    assert (summary.figures.as_of, summary.figures.household_coverage_pct) == (NOV_2, "100.0%")


def test_several_areas_add_up_their_latest_snapshots(tree, snapshots, from_snapshots):
    both = user_with_role(Role.VIEWER, tree.town_a, tree.town_b)
    # A's latest is of 11-02, B's of 10-28: the sum is as old as its oldest part.
    summary = selectors.coverage_summary(user=both)
    assert summary is not None and summary.area is None
    figures = summary.figures
    assert figures.pk is None  # a sum, not a stored row
    assert (figures.as_of, figures.households, figures.covered_households) == (OCT_28, 18, 15)
    assert (figures.cadres, figures.cadres_with_households) == (8, 6)
    assert (figures.zones, figures.zones_with_leader) == (4, 2)
    assert figures.computed_at == min(s.computed_at for s in (snapshots["a"][2], snapshots["b"][1]))
    assert summary.gaps == {"households": 3, "cadres": 2, "zones": 2}


def test_no_snapshot_or_no_area_gives_none(tree, admin_a, db, from_snapshots):
    assert selectors.coverage_summary(user=admin_a) is None
    assert selectors.coverage_summary(user=UserFactory()) is None


def test_a_small_jurisdiction_is_counted_now_without_any_snapshot(tree, admin_a, db):
    summary = selectors.coverage_summary(user=admin_a)
    assert summary is not None and summary.live and not summary.pending
    assert summary.figures.as_of == timezone.localdate()
    assert summary.figures.households == len(tree.households_a)


def test_each_month_takes_its_last_snapshot(tree, admin_a, snapshots):
    rows = selectors.coverage_by_month(user=admin_a, today=datetime.date(2026, 11, 20), months=3)
    assert [(month, s and (s.as_of, s.households, s.covered_households)) for month, s in rows] == [
        (datetime.date(2026, 9, 1), None),
        (datetime.date(2026, 10, 1), (OCT_28, 10, 9)),
        (datetime.date(2026, 11, 1), (NOV_2, 12, 12)),
    ]


def test_months_add_up_over_areas_and_stay_in_the_jurisdiction(tree, snapshots):
    both = user_with_role(Role.VIEWER, tree.town_a, tree.town_b)
    rows = selectors.coverage_by_month(user=both, today=datetime.date(2026, 11, 20), months=2)
    assert [(m, s.households, s.covered_households) for m, s in rows if s] == [
        (datetime.date(2026, 10, 1), 16, 12),
        (datetime.date(2026, 11, 1), 12, 12),  # the county's 99 households are not theirs
    ]


def test_twelve_months_cross_the_year():
    assert selectors.month_starts(datetime.date(2026, 2, 14), 4) == [
        datetime.date(2025, 11, 1),
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]


@pytest.mark.parametrize(
    ("part", "whole", "text", "value"),
    [(2, 3, "66.6%", 66.6), (9999, 10000, "99.9%", 99.9), (7, 7, "100.0%", 100.0),
     (0, 5, "0.0%", 0.0), (0, 0, "", None)],
)  # fmt: skip
def test_rates_are_floored_never_rounded_up_to_a_whole(part, whole, text, value):
    assert percent(part, whole) == text
    assert percent_value(part, whole) == value


def test_a_month_chart_has_its_figures_as_a_table():
    months = [datetime.date(2026, 9, 1), datetime.date(2026, 10, 1)]
    context = month_chart(
        key="k", kind="line", months=months, series=[Series("户", [None, 99.6], "#000")]
    )
    assert context["rows"] == [["2026-09", "—"], ["2026-10", "99.6%"]]
    # The spec the shared charts.js draws (liaison.common.charts.chart_spec).
    assert context["chart"]["datasets"] == [
        {"label": "户", "data": [None, 99.6], "color": "#000", "dashed": False}
    ]
    assert (context["chart"]["unit"], context["chart"]["max"]) == ("%", 100)
    assert (context["empty"], context["data_id"]) == (False, "k-data")
    assert context["scripts"] == ("vendor/chart.js-4.6.1/chart.umd.min.js", "js/charts.js")
    empty = month_chart(
        key="k", kind="bar", months=months, series=[Series("户", [None] * 2, "#000")]
    )
    assert (empty["empty"], empty["scripts"]) == (True, ())
