"""Reads of duty days and compliance, through the user's jurisdiction."""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from districts.access import Actor, read_scope, scope_for
from districts.models import Area, Household
from districts.selectors import household_list
from liaison.common.uploads import KeptUploadGone, kept_upload_name
from liaison.core.models import Cadre

from .compliance import leave_days_by_cadre, month_bounds, required_days
from .models import KEPT_PHOTOS, DutyDay, DutyQuota, MonthlyCompliance


def dutyday_list(*, user: Actor) -> QuerySet[DutyDay]:
    """Return duty days whose place the user may see, and the user's own days.

    A cadre account always sees its own days, wherever they were spent; a county cadre's days
    in another township stay hidden from a township user.
    """
    scope = read_scope(user, "view_duty_days")
    if scope.everything:
        return DutyDay.objects.all()
    own = Q(cadre__user=user) if user.is_authenticated else Q(pk__in=[])
    return DutyDay.objects.filter(scope.area_q("area__") | own)


def diary_list(*, user: Actor, area: Area) -> QuerySet[DutyDay]:
    """Return the days spent in `area` (and below) that the user may see, newest first,
    with or without a diary (a day without one is shown as such, never hidden), each with
    the households the user may see: the village feed and its download."""
    return with_visible_households(
        dutyday_list(user=user)
        .filter(area__path__startswith=area.path)
        .select_related("cadre", "cadre__department", "area")
        .order_by("-date", "-pk"),
        user=user,
    )


def dutyday_get(*, user: Actor, pk: Any) -> DutyDay:
    try:
        return dutyday_list(user=user).select_related("cadre", "area").get(pk=pk)
    except (DutyDay.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such duty day.")) from None


def with_visible_households(days: QuerySet[DutyDay], *, user: Actor) -> QuerySet[DutyDay]:
    """Prefetch `visible_households`: each day's households inside the user's jurisdiction
    (ids only; one query for the whole page)."""
    return days.prefetch_related(
        Prefetch(
            "households",
            queryset=household_list(user=user).only("id").order_by("pk"),
            to_attr="visible_households",
        )
    )


def dutyday_households(day: DutyDay, *, user: Actor) -> list[Household]:
    """Return the day's households inside the user's jurisdiction (prefetched if it was)."""
    prefetched = getattr(day, "visible_households", None)
    if prefetched is not None:
        return prefetched
    return list(household_list(user=user).filter(visits=day).only("id").order_by("pk"))


def cadre_days_partial(
    *, user: Actor, cadre: Cadre, start: datetime.date, end: datetime.date
) -> bool:
    """Return whether the user sees only part of the cadre's days in [start, end).

    As for household counts (liaison.core.selectors.cadres_with_load): always true for a
    cadre serving above the jurisdiction, whatever their days, so it says nothing about other
    areas; for a cadre serving inside it, true when some of their days were spent elsewhere.
    False for the cadre's own account and for users who see everything.
    """
    scope = scope_for(user)
    if scope.everything or (cadre.user_id is not None and cadre.user_id == user.pk):
        return False
    if not scope.contains(cadre.area):
        return True
    days = DutyDay.objects.filter(cadre=cadre, date__gte=start, date__lt=end)
    return days.exclude(pk__in=dutyday_list(user=user).values("pk")).exists()


def compliance_rows(*, user: Actor) -> QuerySet[MonthlyCompliance]:
    """Return the compliance rows, of every month, of the cadres serving in the user's
    jurisdiction, and the user's own rows.

    A county cadre seen from a township has no row there: the row counts the cadre's days
    everywhere, and cutting it to the township's days would not match the quota it is
    measured against. The county's users see it whole.
    """
    scope = scope_for(user)
    if scope.everything:
        return MonthlyCompliance.objects.all()
    own = Q(cadre__user=user) if user.is_authenticated else Q(pk__in=[])
    return MonthlyCompliance.objects.filter(scope.area_q("cadre__area__") | own)


def compliance_list(*, user: Actor, month: datetime.date) -> QuerySet[MonthlyCompliance]:
    """Return the month's compliance rows the user may see (see `compliance_rows`)."""
    return compliance_rows(user=user).filter(month=month)


class MonthTotals(TypedDict):
    """The duty days of an area's cadres in one month, summed from their compliance rows."""

    month: datetime.date
    cadres: int
    days_counted: int
    days_required: int


def compliance_trend(*, user: Actor, area: Area, months: int = 12) -> list[MonthTotals]:
    """Return, oldest first, the computed months among the last `months` (this one
    included) with the days that the cadres serving in `area` spent in their own zones and
    the days their quotas required, over the rows the user may see (one query).
    """
    first = timezone.localdate().replace(day=1)
    for _month in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    rows = (
        compliance_rows(user=user)
        .filter(cadre__area__path__startswith=area.path, month__gte=first)
        .values("month")
        .annotate(
            cadres=Count("id"), days_counted=Sum("days_counted"), days_required=Sum("days_required")
        )
        .order_by("month")
    )
    return [
        {
            "month": r["month"],
            "cadres": r["cadres"],
            "days_counted": r["days_counted"],
            "days_required": r["days_required"],
        }
        for r in rows
    ]


# What the compliance page's totals count: cadres, those with a quota, those who met it.
_TALLY = {
    "cadres": Count("pk"),
    "with_quota": Count("pk", filter=Q(days_required__gt=0)),
    "met": Count("pk", filter=Q(days_required__gt=0, met=True)),
}


@dataclass(frozen=True)
class ComplianceSummary:
    """A month's compliance in the user's jurisdiction: the compliance page's totals."""

    month: datetime.date
    cadres: int
    with_quota: int
    met: int
    computed_at: datetime.datetime | None


def compliance_summary(*, user: Actor, month: datetime.date) -> ComplianceSummary | None:
    """Return the month's totals over `compliance_list` (the rows the compliance page adds
    up) in one query, or None if the month has not been computed."""
    tally = compliance_list(user=user, month=month).aggregate(
        **_TALLY, computed_at=Max("computed_at")
    )
    if not tally["cadres"] and not compliance_computed(month=month):
        return None
    return ComplianceSummary(month=month, **tally)


def compliance_by_month(
    *, user: Actor, months: list[datetime.date]
) -> dict[datetime.date, ComplianceSummary]:
    """Return the totals of each computed month of `months` (first days), in one query;
    a month with no rows for this user is left out."""
    rows = (
        compliance_rows(user=user)
        .filter(month__in=months)
        .values("month")
        .annotate(
            cadres=_TALLY["cadres"],
            with_quota=_TALLY["with_quota"],
            met=_TALLY["met"],
            computed_at=Max("computed_at"),
        )
        .order_by("month")
    )
    return {
        row["month"]: ComplianceSummary(
            month=row["month"],
            cadres=row["cadres"],
            with_quota=row["with_quota"],
            met=row["met"],
            computed_at=row["computed_at"],
        )
        for row in rows
    }


@dataclass(frozen=True)
class MonthProgress:
    """A cadre's month against the quota, as "My month" and the cadre's home page show it."""

    month: datetime.date
    counted: int  # days in the cadre's own zones
    other: int  # days elsewhere: recorded, not counted
    required: int  # the rank's quota, reduced pro rata by leave
    leave: int
    days_left: int  # days of the month from today on (0 once the month is over)

    @property
    def percent(self) -> int:
        return min(100, self.counted * 100 // self.required) if self.required else 100

    @property
    def still_needed(self) -> int:
        return max(self.required - self.counted, 0)


def month_progress(
    *, cadre: Cadre, month: datetime.date, in_zone: Iterable[bool], today: datetime.date
) -> MonthProgress:
    """Return the cadre's progress in `month`, given the logged days' `in_zone` flags."""
    start, end = month_bounds(month)
    flags = list(in_zone)
    counted = sum(1 for flag in flags if flag)
    quota = DutyQuota.objects.filter(rank=cadre.rank).values_list("days_per_month", flat=True)
    leave = leave_days_by_cadre(start, end, cadres=[cadre.pk]).get(cadre.pk, 0)
    return MonthProgress(
        month=start,
        counted=counted,
        other=len(flags) - counted,
        required=required_days(quota.first() or 0, (end - start).days, leave),
        leave=leave,
        days_left=max((end - max(today, start)).days, 0),
    )


def compliance_computed(*, month: datetime.date) -> bool:
    """Return whether the month's compliance has been computed (for everyone at once, so
    this says nothing about any jurisdiction)."""
    return MonthlyCompliance.objects.filter(month=month).exists()


def household_visits(household: Household, *, user: Actor) -> QuerySet[DutyDay]:
    """Return the visits to a household that the user may see (days whose place lies in the
    jurisdiction, and the user's own), newest first."""
    return (
        dutyday_list(user=user)
        .filter(households=household)
        .select_related("cadre")
        .order_by("-date", "-pk")
    )


def place_list(*, user: Any) -> QuerySet[Area]:
    """Return the places where `user` may log a day: the jurisdiction's areas and, for a
    cadre's own account, the cadre's zones and households' villages even outside it.

    The page and the API offer the same places (the service checks them again).
    """
    from .services import zone_paths

    q = scope_for(user).area_q()
    cadre = Cadre.objects.filter(user=user).first() if user.is_authenticated else None
    if cadre is not None:
        for path in zone_paths(cadre, timezone.localdate()):
            q |= Q(path__startswith=path)
    return Area.objects.filter(q)


def kept_photo_get(*, user: Actor, token: Any) -> str:
    """Return the stored name of a photo kept for `user` from a log form that failed.

    Raise Http404 for a token that is forged, someone else's, too old or whose file is gone.
    """
    user_id = getattr(user, "pk", None)
    if not isinstance(token, str) or not isinstance(user_id, int):
        raise Http404(_("This photo is no longer kept."))
    try:
        return kept_upload_name(token, folder=KEPT_PHOTOS, user_id=user_id)
    except KeptUploadGone:
        raise Http404(_("This photo is no longer kept.")) from None
