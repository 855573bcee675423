"""Concerns' blocks on the home page (registered from apps.py).

For administrators: an alert when a year that deadlines already reach has no working-day
calendar (the chinese-calendar package does not know it and no override was entered):
its dates fall back to Monday–Friday, so holidays would count as working days.
"""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from districts.access import has_permission
from liaison.common.registry import HomeWidget, register_home

from .workdays import Calendar, years_in_use


def calendar_alert(request: HttpRequest) -> tuple[str, dict[str, Any]] | None:
    missing = Calendar.load().missing_years(years_in_use(timezone.localdate()))
    if not missing:
        return None
    return "concerns/_home_calendar.html", {
        "years": missing,
        "url": reverse("admin:concerns_workdayoverride_changelist"),
    }


def register() -> None:
    register_home(
        HomeWidget(
            "concerns-calendar", 0, calendar_alert, has_permission("recompute_statistics"), "full"
        )
    )
