"""Reads of duty days and compliance, through the user's jurisdiction."""

import datetime
from typing import Any, TypedDict

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from districts.access import Actor, read_scope, scope_for
from districts.models import Area, Household
from districts.selectors import household_list
from liaison.common.uploads import KeptUploadGone, kept_upload_name
from liaison.core.models import Cadre

from .models import KEPT_PHOTOS, DutyDay, MonthlyCompliance


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
