"""Rates and month-by-month charts, the same way on every page that shows them.

A rate is floored to tenths of a percent: 99.96% reads "99.9%", never "100.0%" while a
household is still missing. A chart goes to the page as a JSON spec (drawn by
static/js/charts.js with the vendored Chart.js: `CHART_SCRIPTS`) together with the same
figures as a table, for screen readers and for anyone who wants the numbers.
"""

import datetime
from dataclasses import dataclass
from typing import Any

CHART_SCRIPTS = ("vendor/chart.js-4.6.1/chart.umd.min.js", "js/charts.js")


def percent_value(part: int, whole: int) -> float | None:
    """Return part ÷ whole in percent, floored to one decimal; None when `whole` is 0."""
    if not whole:
        return None
    return (part * 1000 // whole) / 10


def percent(part: int, whole: int) -> str:
    """Return "99.8%" (floored, never rounded up to 100% while any part is missing), or ""
    when `whole` is 0."""
    value = percent_value(part, whole)
    return "" if value is None else f"{value:.1f}%"


@dataclass(frozen=True)
class Series:
    """One line (or set of bars) of a chart: a label, a colour and a value per month."""

    label: Any  # a (lazy) translation
    color: str
    values: list[float | None]


def month_chart(
    *, key: str, kind: str, months: list[datetime.date], series: list[Series]
) -> dict[str, Any]:
    """Return the template context of a month-by-month percentage chart.

    `chart` is the JSON spec for the script (labels "2026-03", one dataset per series,
    None for a month without figures); `rows` the same figures as table rows
    (["2026-03", "99.8%", "—", …]); `empty` whether no month has any figure; `scripts` what
    the page must load to draw it (nothing when empty).
    """
    labels = [f"{m:%Y-%m}" for m in months]
    empty = all(v is None for s in series for v in s.values)
    return {
        "key": key,
        "data_id": f"{key}-data",
        "chart": {
            "kind": kind,
            "labels": labels,
            "series": [
                {"label": str(s.label), "color": s.color, "values": s.values} for s in series
            ],
        },
        "headers": [str(s.label) for s in series],
        "rows": [
            [label, *("—" if s.values[i] is None else f"{s.values[i]:.1f}%" for s in series)]
            for i, label in enumerate(labels)
        ],
        "empty": empty,
        # The page loads the chart's scripts only when there is something to draw.
        "scripts": () if empty else CHART_SCRIPTS,
    }
