"""Chart specifications for the vendored Chart.js; `static/js/charts.js` draws them.

A page builds a spec here, renders it with `json_script` and a `<canvas data-chart="ID">`,
and shows the same figures in a table (the chart's text alternative). Rates close to each
other (99.6% and 100%) look the same on an axis from zero, so a chart of rates may start its
axis just below the smallest value; the spec then carries a note saying so, which the chart
shows and the page repeats in its caption. Counts always start at zero.
"""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.utils.translation import gettext as _

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
