"""The coverage page's charts: labelled bars on an axis that shows 99.6% against 100%, trends
of households, cadres and zones, and the same figures in tables."""

import datetime
import json
from typing import Any

import pytest
from django.urls import reverse

from ..factories import CoverageSnapshotFactory
from ..html import Element, parse

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 10, 1)


def chart(page: Element, name: str) -> dict[str, Any]:
    """Return the spec the page hands Chart.js for the canvas `name`."""
    canvas = page.find("canvas", id=name)
    return json.loads(page.find("script", id=canvas["data-chart"]).text)


@pytest.fixture
def county_admin_in_english(login, county_admin):
    """The county administrator's client, asking for English (new messages are English until
    their translations are merged)."""
    client = login(county_admin)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def snapshot(area, as_of, households, covered, cadres, with_households, zones=4, led=4):
    return CoverageSnapshotFactory(
        area=area, as_of=as_of, households=households, covered_households=covered,
        cadres=cadres, cadres_with_households=with_households, zones=zones, zones_with_leader=led,
    )  # fmt: skip


def test_area_bars_carry_values_on_an_axis_that_separates_996_from_100(
    county_admin_in_english, tree
):
    snapshot(tree.county, DAY, 15000, 14996, 90, 90)
    snapshot(tree.town_a, DAY, 5000, 4980, 50, 50)  # 99.6%
    snapshot(tree.town_b, DAY, 10000, 9999, 40, 40)  # 99.99% is 99.9%, never 100%
    page = parse(county_admin_in_english.get(reverse("coverage")))

    spec = chart(page, "children-chart")
    assert spec["labels"] == ["娜允镇", "勐马镇"]
    assert [(d["label"], d["data"]) for d in spec["datasets"]] == [
        ("Households with a cadre", [99.6, 99.9]),
        ("Cadres with households", [100.0, 100.0]),
    ]
    assert (spec["kind"], spec["horizontal"], spec["valueLabels"]) == ("bar", True, True)
    assert (spec["min"], spec["max"], spec["unit"]) == (99.5, 100, "%")
    assert spec["note"] == "The axis starts at 99.5%, not at zero."
    # The chart's text alternative: a caption that repeats the axis note, and the table.
    assert page.find("canvas", id="children-chart")["role"] == "img"
    assert page.find(id="children-chart-caption").text == (
        "Households with a cadre and cadres with households, by area; the table below gives "
        "the figures. The axis starts at 99.5%, not at zero."
    )
    assert page.table_rows("#coverage-children") == [
        ["娜允镇", "5,000", "99.6%", "50/50", "4/4"],
        ["勐马镇", "10,000", "99.9%", "40/40", "4/4"],
    ]


def test_bars_far_apart_start_at_zero_and_say_nothing(county_admin_in_english, tree):
    snapshot(tree.county, DAY, 300, 200, 10, 5)
    snapshot(tree.town_a, DAY, 100, 100, 5, 5)
    snapshot(tree.town_b, DAY, 200, 100, 5, 0)
    page = parse(county_admin_in_english.get(reverse("coverage")))
    spec = chart(page, "children-chart")
    assert [d["data"] for d in spec["datasets"]] == [[100.0, 50.0], [100.0, 0.0]]
    assert (spec["min"], spec["note"]) == (0.0, "")
    assert page.find(id="children-chart-caption").text == (
        "Households with a cadre and cadres with households, by area; the table below gives "
        "the figures."
    )


def test_trend_shows_households_cadres_and_zones_with_its_figures(county_admin_in_english, tree):
    snapshot(tree.county, datetime.date(2026, 8, 1), 1000, 900, 100, 80, zones=10, led=8)
    snapshot(tree.county, datetime.date(2026, 9, 1), 1000, 950, 100, 90, zones=10, led=9)
    snapshot(tree.county, DAY, 1000, 996, 100, 97, zones=10, led=10)
    snapshot(tree.town_a, datetime.date(2026, 9, 1), 1000, 1000, 1, 1)  # another area's
    page = parse(county_admin_in_english.get(reverse("coverage")))

    spec = chart(page, "trend-chart")
    assert (spec["kind"], spec["labels"]) == ("line", ["2026-08-01", "2026-09-01", "2026-10-01"])
    assert [(d["label"], d["data"]) for d in spec["datasets"]] == [
        ("Households with a cadre", [90.0, 95.0, 99.6]),
        ("Cadres with households", [80.0, 90.0, 97.0]),
        ("Zones with a leader", [80.0, 90.0, 100.0]),
    ]
    assert (spec["min"], spec["note"]) == (75.0, "The axis starts at 75%, not at zero.")
    assert page.find(id="trend-chart-caption").text.endswith(spec["note"])
    assert page.table_rows("#coverage-trend") == [
        ["2026-10-01", "99.6%", "97.0%", "100.0%"],
        ["2026-09-01", "95.0%", "90.0%", "90.0%"],
        ["2026-08-01", "90.0%", "80.0%", "80.0%"],
    ]
