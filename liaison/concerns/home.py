"""Concerns' blocks on the home page (registered from apps.py).

For administrators: an alert when a year that deadlines already reach has no working-day
calendar (the chinese-calendar package does not know it and no override was entered):
its dates fall back to Monday–Friday, so holidays would count as working days.
"""

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from districts.access import has_permission
from liaison.common.registry import HomeWidget, register_home

from . import selectors
from .models import OPEN_STATES, State
from .workdays import Calendar, years_in_use


def concerns_widget(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    """The jurisdiction's concerns at a glance (counted now, one query): open and overdue,
    waiting for a cadre, waiting for the call-back, on the county supervision list."""
    today = timezone.localdate()
    figures = selectors.concern_list(user=request.user).aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES, due__lt=today)),
        unassigned=Count("pk", filter=Q(state=State.RECEIVED, owner__isnull=True)),
        callback=Count("pk", filter=Q(state=State.RESOLVED, feedback="")),
        supervised=Count("pk", filter=Q(state__in=OPEN_STATES, escalation_level__gte=3)),
    )
    queue = reverse("concern-queue")
    return "concerns/_home_concerns.html", {
        "figures": figures,
        "links": {
            "open": reverse("concern-list"),
            "overdue": f"{reverse('concern-list')}?overdue=true",
            "unassigned": queue,
            "callback": queue,
            "supervised": reverse("concern-supervision"),
        },
    }


def calendar_alert(request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    missing = Calendar.load().missing_years(years_in_use(timezone.localdate()))
    if not missing:
        return None
    return "concerns/_home_calendar.html", {
        "years": missing,
        "url": reverse("admin:concerns_workdayoverride_changelist"),
    }


def register() -> None:
    dashboard = has_permission("view_dashboard")
    register_home(HomeWidget("concerns", 21, concerns_widget, dashboard, "full"))
    register_home(
        HomeWidget(
            "concerns-calendar", 0, calendar_alert, has_permission("recompute_statistics"), "full"
        )
    )
