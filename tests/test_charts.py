"""Chart specs: where a value axis starts, and that a chart says so when it is not zero."""

import pytest
from django.utils import translation

from liaison.common.charts import Series, axis_start, chart_spec, format_value


@pytest.mark.parametrize(
    ("values", "start"),
    [
        ([99.6, 100.0], 99.5),  # the county's 99.6% no longer looks like 100%
        ([99.9, 100.0], 99.8),
        ([99.95, 100.0], 99.9),
        ([95.2, 99.8, 100.0], 94.0),
        ([80.0, 100.0], 75.0),
        ([78.1, None, 99.8, 100.0], 70.0),  # missing values are left out
    ],
)
def test_axis_starts_just_below_the_smallest_of_close_values(values, start):
    assert axis_start(values) == start
    assert start < min(v for v in values if v is not None)


@pytest.mark.parametrize(
    "values",
    [
        [],
        [None, None],
        [100.0, 100.0],  # no difference to show
        [70.0, 100.0],  # differences already take a quarter of the axis
        [45.0, 100.0],
        [0.0, 50.0],
        [14.2, 20.0, 0.0],
    ],
)
def test_axis_starts_at_zero_when_the_differences_show_anyway(values):
    assert axis_start(values) == 0.0


@pytest.mark.parametrize(
    ("value", "unit", "text"), [(99.5, "%", "99.5%"), (94.0, "%", "94%"), (3940.0, "", "3940")]
)
def test_values_are_written_without_trailing_zeros(value, unit, text):
    assert format_value(value, unit) == text


def test_a_zoomed_chart_says_where_its_axis_starts():
    series = [
        Series("households", [99.6, 100.0], "#198754"),
        Series("cadres", [None, 99.8], "#0a58ca", dashed=True),
    ]
    with translation.override("en"):  # the note's translation is still pending
        spec = chart_spec(
            kind="bar",
            labels=["娜允镇", "勐马镇"],
            series=series,
            unit="%",
            ceiling=100,
            zoom=True,
            horizontal=True,
            value_labels=True,
        )
    assert spec == {
        "kind": "bar",
        "labels": ["娜允镇", "勐马镇"],
        "datasets": [
            {"label": "households", "data": [99.6, 100.0], "color": "#198754", "dashed": False},
            {"label": "cadres", "data": [None, 99.8], "color": "#0a58ca", "dashed": True},
        ],
        "unit": "%",
        "min": 99.5,
        "max": 100,
        "note": "The axis starts at 99.5%, not at zero.",
        "horizontal": True,
        "valueLabels": True,
    }


def test_counts_and_unzoomed_charts_start_at_zero_and_say_nothing():
    spec = chart_spec(kind="bar", labels=["2026-10"], series=[Series("days", [3948], "#6f42c1")])
    assert (spec["min"], spec["max"], spec["note"]) == (0.0, None, "")
