"""Reads of the channels' pages, always through the jurisdiction: opinion boxes, liaison
officers and their reports, the hotline's household search."""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from districts import selectors as district_selectors
from districts.access import Actor, read_scope, user_of
from districts.models import Area, AreaLevel, Household

from . import access
from .models import BoxOpening, Channel, Concern, ConcernPolicy, OfficerReport, OpinionBox

# Opinion boxes ---------------------------------------------------------------------------


def box_list(*, user: Actor) -> Any:
    """The opinion boxes of the jurisdiction, each with `last_opened` (a date or None)."""
    scope = read_scope(user, "view_concerns")
    return (
        OpinionBox.objects.filter(scope.area_q("area__"))
        .select_related("area", "area__parent")
        .annotate(last_opened=Max("openings__opened_on"))
    )


def box_get(*, user: Actor, pk: Any) -> OpinionBox:
    try:
        box: OpinionBox = box_list(user=user).get(pk=pk)
    except (OpinionBox.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such opinion box.")) from None
    return box


def box_overdue(box: Any, today: datetime.date, days: int) -> bool:
    """Whether the box has gone `days` days without an opening (counted from its last
    opening, or from its registration when it was never opened). A box out of use never is."""
    if not box.active:
        return False
    since = box.last_opened or timezone.localdate(box.created_at)
    return (today - since).days > days


def boxes_with_flags(*, user: Actor, today: datetime.date | None = None) -> list[Any]:
    """The boxes of the jurisdiction, each with `overdue` set (see `box_overdue`)."""
    today = today or timezone.localdate()
    days = ConcernPolicy.current().box_open_days
    boxes = list(box_list(user=user))
    for box in boxes:
        box.overdue = box_overdue(box, today, days)
    return boxes


def box_openings(box: OpinionBox) -> Any:
    return (
        BoxOpening.objects.filter(box=box)
        .select_related("recorded_by")
        .order_by("-opened_on", "-pk")
    )


def box_places(*, user: Actor) -> Any:
    """The villages and groups of the jurisdiction, in tree order (a box's place)."""
    return (
        district_selectors.area_list(user=user)
        .filter(level__in=(AreaLevel.VILLAGE, AreaLevel.GROUP))
        .select_related("parent")
        .order_by("path")
    )


# Liaison officers ------------------------------------------------------------------------


@dataclass
class OfficerWeek:
    """A liaison officer's reports from Monday to today: per day "concerns", "zero" or ""."""

    officer: Any
    village: Area | None
    days: list[str] = field(default_factory=list)
    last: datetime.date | None = None

    @property
    def reported(self) -> int:
        return sum(1 for d in self.days if d)

    @property
    def silent(self) -> bool:
        return self.reported == 0


def week_days(today: datetime.date) -> list[datetime.date]:
    monday = today - datetime.timedelta(days=today.weekday())
    return [monday + datetime.timedelta(days=n) for n in range(today.weekday() + 1)]


def officer_list(*, user: Actor) -> Any:
    """The liaison officers whose village lies in the user's jurisdiction (those who may
    see the township's dashboard: administrators, area administrators, viewers)."""
    scope = read_scope(user, "view_dashboard")
    if scope.is_empty:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(jurisdiction__role=access.LIAISON_OFFICER, is_active=True)
        .filter(scope.area_q("jurisdiction__areas__"))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def officer_weeks(*, user: Actor, today: datetime.date | None = None) -> list[OfficerWeek]:
    """Each liaison officer of the jurisdiction with the week's reports (two queries)."""
    today = today or timezone.localdate()
    days = week_days(today)
    officers = list(officer_list(user=user).prefetch_related("jurisdiction__areas"))
    reports: dict[tuple[int, datetime.date], OfficerReport] = {
        (r.officer_id, r.date): r
        for r in OfficerReport.objects.filter(
            officer__in=officers, date__gte=days[0], date__lte=today
        )
    }
    last = dict(
        OfficerReport.objects.filter(officer__in=officers)
        .values("officer")
        .annotate(last=Max("date"))
        .values_list("officer", "last")
    )
    rows = []
    for officer in officers:
        areas = sorted(officer.jurisdiction.areas.all(), key=lambda a: a.path)
        row = OfficerWeek(officer=officer, village=areas[0] if areas else None)
        for day in days:
            report = reports.get((officer.pk, day))
            row.days.append("" if report is None else ("zero" if report.zero else "concerns"))
        row.last = last.get(officer.pk)
        rows.append(row)
    return rows


def officer_report_today(*, user: Actor) -> OfficerReport | None:
    return OfficerReport.objects.filter(officer=user_of(user), date=timezone.localdate()).first()


def officer_submitted(*, user: Actor, day: datetime.date) -> Any:
    """The concerns the liaison officer submitted on `day`, latest first."""
    return Concern.objects.filter(
        created_by=user_of(user), channel=Channel.LIAISON_OFFICER, received_at__date=day
    ).order_by("-received_at", "-pk")


def officer_recent_reports(*, user: Actor, limit: int = 14) -> Any:
    return OfficerReport.objects.filter(officer=user_of(user)).order_by("-date")[:limit]


# Households ------------------------------------------------------------------------------

SEARCH_LIMIT = 12
_DIGITS = re.compile(r"^[0-9]+[0-9Xx]?$")


def household_search(*, user: Actor, query: str, area: Area | None = None) -> list[Household]:
    """Households the user may see (in `area` if given) matching `query`: the head's name
    (part of it), a phone number (7 digits or more, part of it), or the last 4 to 6
    characters of the ID number; at most SEARCH_LIMIT + 1 (the page says when there are more).
    """
    query = query.strip()[:30]
    if not query:
        return []
    households = district_selectors.household_list(user=user).active()
    if area is not None:
        households = households.in_area(area)
    compact = query.replace(" ", "").replace("-", "")
    q = Q(head_name__icontains=query)
    if _DIGITS.match(compact):
        if 4 <= len(compact) <= 6:
            q |= Q(id_number__iendswith=compact)
        if len(compact) >= 7 and compact.isdigit():
            q |= Q(phone__contains=compact)
        if len(compact) == 4:
            q |= Q(phone__endswith=compact)
    return list(
        households.filter(q)
        .select_related("group", "village", "township")
        .order_by("head_name", "code")[: SEARCH_LIMIT + 1]
    )
