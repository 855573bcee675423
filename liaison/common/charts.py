"""Chart specifications for the vendored Chart.js; `static/js/charts.js` draws them.

A page builds a spec here, renders it with `json_script` and a `<canvas data-chart="ID">`,
and shows the same figures in a table (the chart's text alternative). Rates close to each
other (99.6% and 100%) look the same on an axis from zero, so a chart of rates may start its
axis just below the smallest value; the spec then carries a note saying so, which the chart
shows and the page repeats in its caption. Counts always start at zero.
"""

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.translation import gettext as _

# What a page loads to draw charts: the vendored Chart.js, then the drawing script.
CHART_SCRIPTS = ("vendor/chart.js-4.6.1/chart.umd.min.js", "js/charts.js")

# Round steps for where an axis starts (in the values' unit).
STEPS = (0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 25, 50)


@dataclass(frozen=True)
class Series:
    """One line or set of bars: its label, values (None where there is none) and colour."""

    label: Any  # a (lazy) translation
    values: Sequence[float | int | None]
    color: str
    dashed: bool = False


def axis_start(values: Iterable[float | int | None]) -> float:
    """Return where a value axis should start for the differences between `values` to show.

    Zero when there are no values, when they are all equal, when one is zero or less, or
    when they already differ by a quarter of the largest. Otherwise just below the smallest:
    a quarter of their spread below it, rounded down to a round step, never below zero.
    """
    present = [float(v) for v in values if v is not None]
    if not present:
        return 0.0
    low, high = min(present), max(present)
    spread = high - low
    if low <= 0 or spread == 0 or spread >= high / 4:
        return 0.0
    margin = round(spread / 4, 6)
    step = next((s for s in STEPS if s >= margin), STEPS[-1])
    # Round away float noise first: (99.6 - 0.1) / 0.1 is 994.99…, not 995.
    start = math.floor(round((low - margin) / step, 6)) * step
    return max(round(float(start), 6), 0.0)


def format_value(value: float, unit: str = "") -> str:
    """Return "99.5%" or "94%" (no trailing zeros), as the chart's ticks show it."""
    return f"{value:.6g}{unit}"


def chart_spec(
    *,
    kind: Literal["bar", "line"],
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    ceiling: float | None = None,
    zoom: bool = False,
    horizontal: bool = False,
    value_labels: bool = False,
) -> dict[str, Any]:
    """Return the spec `charts.js` draws: a bar or line chart of `series` over `labels`.

    `zoom` lets the value axis start just below the smallest value (rates); the spec's
    `note` then says where it starts. `ceiling` caps the axis (100 for percentages).
    `value_labels` writes each bar's value at its end.
    """
    start = axis_start(v for s in series for v in s.values) if zoom else 0.0
    note = (
        _("The axis starts at %(start)s, not at zero.") % {"start": format_value(start, unit)}
        if start
        else ""
    )
    return {
        "kind": kind,
        "labels": [str(label) for label in labels],
        "datasets": [
            {
                "label": str(s.label),
                "data": list(s.values),
                "color": s.color,
                "dashed": s.dashed,
            }
            for s in series
        ],
        "unit": unit,
        "min": start,
        "max": ceiling,
        "note": note,
        "horizontal": horizontal,
        "valueLabels": value_labels,
    }


def percent_value(part: int, whole: int) -> float | None:
    """Return part ÷ whole in percent, floored to one decimal (99.96% reads 99.9%, never
    100% while a household is still missing); None when `whole` is 0."""
    if not whole:
        return None
    return (part * 1000 // whole) / 10


def percent(part: int, whole: int) -> str:
    """Return "99.8%" (floored like `percent_value`), or "" when `whole` is 0."""
    value = percent_value(part, whole)
    return "" if value is None else f"{value:.1f}%"


def month_chart(
    *, key: str, kind: Literal["bar", "line"], months: list[datetime.date], series: list[Series]
) -> dict[str, Any]:
    """Return the template context of a month-by-month percentage chart.

    `chart` is the spec `charts.js` draws (axis from just below the lowest figure for
    lines); `rows` the same figures as table rows (["2026-03", "99.8%", "—", …]); `empty`
    whether no month has any figure; `scripts` what the page must load to draw it (nothing
    when empty).
    """
    labels = [f"{m:%Y-%m}" for m in months]
    empty = all(v is None for s in series for v in s.values)
    return {
        "key": key,
        "data_id": f"{key}-data",
        "chart": chart_spec(
            kind=kind, labels=labels, series=series, unit="%", ceiling=100, zoom=kind == "line"
        ),
        "headers": [str(s.label) for s in series],
        "rows": [
            [label, *("—" if s.values[i] is None else f"{s.values[i]:.1f}%" for s in series)]
            for i, label in enumerate(labels)
        ],
        "empty": empty,
        # The page loads the chart's scripts only when there is something to draw.
        "scripts": () if empty else CHART_SCRIPTS,
    }
