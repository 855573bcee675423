"""Downloads of the concern statistics: an area and its children for a month (the API's
CSV, the page's CSV and XLSX with the breakdowns by month, channel and category)."""

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.models import AreaLevel
from liaison.common.charts import percent
from liaison.common.exports import Column, Sheet, choice_label, local_time, table

from .models import Channel

Row = dict[str, Any]


def _count(key: str, label: Any) -> Column[Row]:
    return Column(key, label, lambda row: row[key])


def _rate(key: str, label: Any, part: str, whole: str) -> Column[Row]:
    return Column(key, label, lambda row: row[key], lambda row: percent(row[part], row[whole]))


def _median(row: Row) -> Any:
    value = row["median_days_to_resolve"]
    return "" if value is None else value


FIGURE_COLUMNS: list[Column[Row]] = [
    _count("received", gettext_lazy("Received")),
    _count("resolved", gettext_lazy("Resolved")),
    _count("resolved_on_time", gettext_lazy("Resolved on time")),
    _rate("on_time_rate", gettext_lazy("On-time rate"), "resolved_on_time", "resolved"),
    _count("open_overdue", gettext_lazy("Open and overdue")),
    Column(
        "median_days_to_resolve",
        gettext_lazy("Median working days to resolve"),
        lambda row: row["median_days_to_resolve"],
        _median,
    ),
    _count("reopened", gettext_lazy("Reopened")),
    _rate("reopen_rate", gettext_lazy("Reopen rate"), "reopened", "resolved"),
    _count("callbacks", gettext_lazy("Call-backs")),
    _count("callbacks_satisfied", gettext_lazy("Satisfied call-backs")),
    _rate(
        "callback_satisfaction",
        gettext_lazy("Call-back satisfaction"),
        "callbacks_satisfied",
        "callbacks",
    ),
]

AREA_COLUMNS: list[Column[Row]] = [
    Column("area_id", gettext_lazy("area"), lambda row: row["area"]["id"]),
    Column("code", gettext_lazy("code"), lambda row: row["area"]["code"]),
    Column("name", gettext_lazy("name"), lambda row: row["area"]["name"]),
    Column(
        "level",
        gettext_lazy("level"),
        lambda row: row["area"]["level"],
        lambda row: choice_label(AreaLevel, row["area"]["level"]),
    ),
    Column("month", gettext_lazy("month"), lambda row: row["month"]),
    Column(
        "computed_at",
        gettext_lazy("computed at"),
        lambda row: row["computed_at"],
        lambda row: local_time(row["computed_at"]),
    ),
    *FIGURE_COLUMNS,
]
# People read areas by code and name; the internal id is for systems.
AREA_LABEL_COLUMNS = AREA_COLUMNS[1:]

CHANNEL_COLUMNS: list[Column[Row]] = [
    Column(
        "channel",
        gettext_lazy("channel"),
        lambda row: row["channel"],
        lambda row: choice_label(Channel, row["channel"]),
    ),
    *FIGURE_COLUMNS,
]
CATEGORY_COLUMNS: list[Column[Row]] = [
    Column(
        "category",
        gettext_lazy("category"),
        lambda row: row["category"]["code"],
        lambda row: row["category"]["name"],
    ),
    *FIGURE_COLUMNS,
]
MONTH_COLUMNS: list[Column[Row]] = [
    Column("month", gettext_lazy("month"), lambda row: f"{row['month']:%Y-%m}"),
    *FIGURE_COLUMNS,
]


def stats_sheet(payload: Row, *, labels: bool) -> Sheet:
    """The area's figures and its children's (the API's CSV, the download's first sheet)."""
    columns = AREA_LABEL_COLUMNS if labels else AREA_COLUMNS
    rows = [
        payload,
        *(
            {**c, "month": payload["month"], "computed_at": payload["computed_at"]}
            for c in payload["children"]
        ),
    ]
    return table(_("Concern statistics"), columns, rows, labels=labels)


def stats_sheets(payload: Row, trend: Sequence[Row], *, labels: bool) -> list[Sheet]:
    """The download of the page: areas, then by month, by channel, by category (XLSX)."""
    return [
        stats_sheet(payload, labels=labels),
        table(_("By month"), MONTH_COLUMNS, [r for r in trend if r["computed"]], labels=labels),
        table(_("By channel"), CHANNEL_COLUMNS, payload["by_channel"], labels=labels),
        table(_("By category"), CATEGORY_COLUMNS, payload["by_category"], labels=labels),
    ]


def stats_filename(payload: Row, *, labels: bool) -> str:
    if labels:
        return f"{_('Concern statistics')}-{payload['area']['name']}-{payload['month']}"
    return f"concern-stats-{payload['area']['code']}-{payload['month']}"
