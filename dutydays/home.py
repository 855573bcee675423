"""Duty days' widgets on the home page (registered in apps.py).

For cadres: a large 登记下基层 button at the top (on a phone the menu is folded away) with
whether today is logged, and the month's progress as "My month" shows it. For those who run
or watch the work (`view_dashboard`): last month's compliance as the compliance page totals
it, and twelve months of it.
"""

import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from districts.access import has_permission, is_role
from districts.models import Role
from liaison.common.charts import Series, month_chart, percent, percent_value
from liaison.common.registry import HomeWidget, register_home
from liaison.core import selectors as liaison_selectors
from liaison.core.home import CHART, TILE, request_cadre

from . import selectors
from .compliance import month_bounds


def _last_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _compliance_url(month: datetime.date) -> str:
    return f"{reverse('duty-compliance')}?month={month:%Y-%m}"


def log_button_widget(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    cadre = request_cadre(request)
    if cadre is None:
        return "dutydays/_home_log.html", {"cadre": None}
    today = timezone.localdate()
    logged = (
        selectors.dutyday_list(user=request.user)
        .filter(cadre=cadre, date=today)
        .select_related("area")
        .first()
    )
    return "dutydays/_home_log.html", {"cadre": cadre, "today": logged}


def month_progress_widget(request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    cadre = request_cadre(request)
    if cadre is None:
        return None  # the log widget says the account is not linked to a cadre
    today = timezone.localdate()
    start, end = month_bounds(today)
    days = selectors.dutyday_list(user=request.user).filter(
        cadre=cadre, date__gte=start, date__lt=end
    )
    progress = selectors.month_progress(
        cadre=cadre,
        month=start,
        in_zone=days.values_list("in_zone", flat=True),
        today=today,
    )
    pairings = liaison_selectors.own_pairings(cadre).order_by()
    visited = (
        pairings.filter(
            household__visits__cadre=cadre,
            household__visits__date__gte=start,
            household__visits__date__lt=end,
        )
        .values("household_id")
        .distinct()
        .count()
    )
    return "dutydays/_home_progress.html", {
        "progress": progress,
        "households": pairings.count(),
        "visited": visited,
    }


def compliance_tile(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    month = _last_month(timezone.localdate())
    summary = selectors.compliance_summary(user=request.user, month=month)
    context: dict[str, Any] = {
        "figure": "compliance",
        "label": _("Met last month's quota"),
        "color": "#fd7e14",
        "url": _compliance_url(month),
    }
    if summary is None:
        context["note"] = _("%(month)s: not computed yet.") % {"month": f"{month:%Y-%m}"}
    elif not summary.with_quota:
        context["note"] = _("%(month)s: no cadre had a quota.") % {"month": f"{month:%Y-%m}"}
    else:
        context.update(
            value=percent(summary.met, summary.with_quota),
            part=summary.met,
            whole=summary.with_quota,
            note=_("%(month)s, cadres with a quota") % {"month": f"{month:%Y-%m}"},
        )
    return TILE, context


def compliance_trend_widget(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    last = _last_month(timezone.localdate())
    months = liaison_selectors.month_starts(last, 12)
    found = selectors.compliance_by_month(user=request.user, months=months)
    values = [
        percent_value(found[m].met, found[m].with_quota) if m in found else None for m in months
    ]
    context = month_chart(
        key="compliance-trend",
        kind="bar",
        months=months,
        series=[Series(_("Cadres with a quota who met it"), values, "#fd7e14")],
    )
    context.update(
        title=_("Duty-day compliance, month by month"),
        note=_("Months computed so far; the running month is not included."),
        url=_compliance_url(last),
        link_text=_("Open compliance"),
    )
    return CHART, context


def register() -> None:
    """Register duty days' home widgets (from DutydaysConfig.ready)."""
    cadre = is_role(Role.CADRE)
    dashboard = has_permission("view_dashboard")
    register_home(HomeWidget("duty-log", 1, log_button_widget, cadre, "full"))
    register_home(HomeWidget("duty-progress", 5, month_progress_widget, cadre, "half"))
    register_home(HomeWidget("duty-compliance", 13, compliance_tile, dashboard, "tile"))
    register_home(HomeWidget("compliance-trend", 41, compliance_trend_widget, dashboard, "half"))
