"""The concern statistics page (charts, the children's table, downloads), its recompute
button, and the panels it adds to the area and cadre pages."""

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts import selectors as district_selectors
from districts.access import can
from districts.models import Area, AreaLevel
from liaison.common.charts import (
    CHART_SCRIPTS,
    Series,
    chart_spec,
    month_chart,
    percent,
    percent_value,
)
from liaison.common.dates import month_error, month_from_text
from liaison.common.exports import choice_label, export_response, register_export_converter
from liaison.common.ids import parse_id, register_id_converter
from liaison.core.models import Cadre

from . import selectors, statistics, stats_exports
from .models import OPEN_STATES, Channel, ConcernStats
from .stats_jobs import concern_stats_job_create

# Chart colours, at least 3:1 against white (WCAG 1.4.11 for graphics).
RECEIVED_COLOR = "#0d6efd"
RESOLVED_COLOR = "#198754"
ON_TIME_COLOR = "#6f42c1"


def _filters(request: HttpRequest) -> tuple[Area, datetime.date]:
    """The area (default: the top of the jurisdiction; 404 outside it) and the month
    (default: this one; a month out of range falls back to this one)."""
    raw = request.GET.get("area") or None
    area_id = parse_id(raw) if raw else None
    if raw and area_id is None:
        raise Http404(_("No such area."))
    area = statistics.stats_area(user=request.user, area_id=area_id)
    month = month_from_text(request.GET.get("month"))
    if month is None or month_error(month) is not None:
        month = timezone.localdate().replace(day=1)
    return area, month


def _breakdown_chart(rows: list[dict[str, Any]], key: str) -> dict[str, Any]:
    labels = [
        str(Channel(r["channel"]).label) if key == "channel" else r["category"]["name"]
        for r in rows
    ]
    return chart_spec(
        kind="bar",
        horizontal=True,
        value_labels=True,
        labels=labels,
        series=[
            Series(gettext_lazy("Received"), [r["received"] for r in rows], RECEIVED_COLOR),
            Series(gettext_lazy("Resolved"), [r["resolved"] for r in rows], RESOLVED_COLOR),
        ],
    )


def _charts(payload: dict[str, Any] | None, trend: list[dict[str, Any]]) -> dict[str, Any]:
    months = [r["month"] for r in trend]
    computed = [r for r in trend if r["computed"]]
    charts: dict[str, Any] = {}
    if computed:
        charts["months"] = chart_spec(
            kind="bar",
            labels=[f"{m:%Y-%m}" for m in months],
            series=[
                Series(
                    gettext_lazy("Received"),
                    [r["received"] if r["computed"] else None for r in trend],
                    RECEIVED_COLOR,
                ),
                Series(
                    gettext_lazy("Resolved"),
                    [r["resolved"] if r["computed"] else None for r in trend],
                    RESOLVED_COLOR,
                ),
            ],
        )
        charts["on_time"] = month_chart(
            key="on-time-chart",
            kind="line",
            months=months,
            series=[
                Series(
                    gettext_lazy("Resolved on time"),
                    [percent_value(r["resolved_on_time"], r["resolved"]) for r in trend],
                    ON_TIME_COLOR,
                )
            ],
        )
    if payload is not None and payload["by_category"]:
        charts["category"] = _breakdown_chart(payload["by_category"], "category")
    if payload is not None and payload["by_channel"]:
        charts["channel"] = _breakdown_chart(payload["by_channel"], "channel")
    return charts


def _rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with their rates as people read them (floored percentages)."""
    return [
        {
            **r,
            "on_time_pct": percent(r["resolved_on_time"], r["resolved"]),
            "reopen_pct": percent(r["reopened"], r["resolved"]),
            "satisfaction_pct": percent(r["callbacks_satisfied"], r["callbacks"]),
            "channel_label": choice_label(Channel, r["channel"]) if "channel" in r else "",
        }
        for r in rows
    ]


@login_required
def stats_page(request: HttpRequest) -> HttpResponse:
    """Concern statistics of an area and month: key figures, twelve months, by category and
    channel, the sub-areas; downloads; a recompute for administrators."""
    area, month = _filters(request)
    months = statistics.last_months(statistics.MONTHS_SHOWN, month)
    trend = statistics.stats_trend(area, months)
    payload = statistics.stats_payload(area, month)
    charts = _charts(payload, trend)
    areas = (
        district_selectors.area_list(user=request.user)
        .filter(Q(level__in=[AreaLevel.COUNTY, AreaLevel.TOWNSHIP]) | Q(pk=area.pk))
        .order_by("path")
    )
    return render(
        request,
        "concerns/stats/page.html",
        {
            "area": area,
            # The area above, when the user may see it (a link up).
            "parent": district_selectors.area_list(user=request.user)
            .filter(pk=area.parent_id)
            .first()
            if area.parent_id
            else None,
            "month": month,
            "months": [m for m in statistics.last_months(24) if month_error(m) is None][::-1],
            "areas": areas,
            "stats": _rows([payload])[0] if payload else None,
            "children": _rows(payload["children"]) if payload else [],
            "by_channel": _rows(payload["by_channel"]) if payload else [],
            "by_category": _rows(payload["by_category"]) if payload else [],
            "trend": _rows(trend),
            "charts": charts,
            "scripts": CHART_SCRIPTS if charts else (),
            "export_query": urlencode({"area": str(area.pk), "month": f"{month:%Y-%m}"}),
            "can_recompute": can(request.user, "recompute_statistics"),
        },
    )


@login_required
def stats_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Download what the page shows: the areas (CSV), and by month, channel and category
    (further sheets of the XLSX), with the labels people read."""
    area, month = _filters(request)
    payload = statistics.stats_payload(area, month)
    if payload is None:
        raise Http404(_("No concern statistics have been computed for this month yet."))
    trend = statistics.stats_trend(area, statistics.last_months(statistics.MONTHS_SHOWN, month))
    sheets = stats_exports.stats_sheets(payload, trend, labels=True)
    return export_response(
        fmt, stats_exports.stats_filename(payload, labels=True), sheets, request=request
    )


@login_required
def stats_recompute(request: HttpRequest) -> HttpResponse:
    """Recompute the last twelve months (administrators), then back to the page."""
    if request.method != "POST" or not can(request.user, "recompute_statistics"):
        raise PermissionDenied
    query = {k: request.POST[k] for k in ("area", "month") if request.POST.get(k)}
    url = reverse("concern-stats") + (f"?{urlencode(query)}" if query else "")
    try:
        concern_stats_job_create(by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(url)
    messages.success(
        request, _("The concern statistics are being computed; reload the page in a minute.")
    )
    return redirect(url)


register_id_converter()
register_export_converter()

urlpatterns = [
    path("concerns/stats/", stats_page, name="concern-stats"),
    path("concerns/stats/export.<export:fmt>", stats_export, name="concern-stats-export"),
    path("concerns/stats/recompute/", stats_recompute, name="concern-stats-recompute"),
]


# Panels ------------------------------------------------------------------------------------


def area_panel(request: HttpRequest, area: Area) -> tuple[str, dict[str, Any]] | None:
    """The area page's key figures: the latest month computed (of the last twelve)."""
    if area.level not in statistics.LEVELS:
        return None
    first = statistics.last_months(statistics.MONTHS_SHOWN)[0]
    row = (
        ConcernStats.objects.filter(area=area, channel="", category__isnull=True, month__gte=first)
        .order_by("-month")
        .first()
    )
    stats = _rows([{"month": row.month, **statistics.figures(row)}])[0] if row else None
    return "concerns/stats/_area_panel.html", {"area": area, "stats": stats}


def cadre_panel(request: HttpRequest, cadre: Cadre) -> tuple[str, dict[str, Any]]:
    """The cadre page's concerns: open, overdue, and this month's resolutions (on time), of
    the concerns the viewer may see. Counted now: one query."""
    today = timezone.localdate()
    start = statistics._local_midnight(today.replace(day=1))
    concerns = selectors.concern_list(user=request.user).filter(owner=cadre)
    figures = concerns.aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES, due__lt=today)),
        resolved=Count("pk", filter=Q(resolved_at__gte=start)),
        on_time=Count("pk", filter=Q(resolved_at__gte=start, resolved_at__date__lte=F("due"))),
    )
    figures["on_time_pct"] = percent(figures["on_time"], figures["resolved"])
    return "concerns/stats/_cadre_panel.html", {
        "cadre": cadre,
        "month": today.replace(day=1),
        "figures": figures,
    }


def register() -> None:
    """The panels on the area and cadre pages (called from ready()). The page has no menu
    entry of its own: the area page's panel links to it (the concerns' menu is the lead's)."""
    from liaison.common.registry import register_panel

    register_panel("area", area_panel)
    register_panel("cadre", cadre_panel)
