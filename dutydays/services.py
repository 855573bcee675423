"""Writes and rules of duty days: one record per cadre per day, the edit window, the zone."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from districts.access import Actor, SystemActor, can, require, scope_for, user_of
from districts.models import Area, AreaLevel, Household
from liaison.core.models import Cadre, Pairing, ZoneLeadership

from . import access as _access  # noqa: F401  (registers duty days' actions and targets)
from .models import Activity, DutyDay, DutyPhoto, DutySettings

PLACE_LEVELS = (AreaLevel.VILLAGE, AreaLevel.GROUP)


def _acting_for_self(by: Actor, cadre: Cadre) -> bool:
    return cadre.user_id is not None and cadre.user_id == getattr(by, "pk", None)


def _check_author(by: Actor, cadre: Cadre) -> bool:
    """Return True if `by` records on the cadre's behalf (an administrator, or the system).

    Raise PermissionDenied unless `by` is the cadre or may manage the cadre's records;
    Http404 if the cadre is outside the actor's jurisdiction.
    """
    if isinstance(by, SystemActor):
        return True
    if _acting_for_self(by, cadre):
        require(by, "log_own_duty_days")
        return False
    if not can(by, "manage_duty_days"):
        raise PermissionDenied(_("You may log duty days only for yourself."))
    require(by, "manage_duty_days", cadre)
    return True


def zone_paths(cadre: Cadre, day: datetime.date) -> list[str]:
    """Return the area paths where the cadre's days count: zones led and paired households."""
    zones = ZoneLeadership.objects.filter(cadre=cadre, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=day)
    )
    paths = set(
        Area.objects.filter(zone_area__zone__in=zones.values("zone")).values_list("path", flat=True)
    )
    groups = Pairing.objects.active(day).filter(cadre=cadre).values("household__group")
    # A paired household's group, and the village around it (its parent).
    for group in Area.objects.filter(pk__in=groups).select_related("parent"):
        paths.add(group.path)
        if group.parent is not None:
            paths.add(group.parent.path)
    return sorted(paths)


def counts_towards_quota(cadre: Cadre, area: Area, day: datetime.date) -> bool:
    """Return whether a day in `area` is a day in the cadre's own zone."""
    return any(area.path.startswith(p) for p in zone_paths(cadre, day))


@transaction.atomic
def dutyday_log(
    *,
    cadre: Cadre,
    date: datetime.date,
    area: Area,
    activities: Iterable[str] = (),
    households: Iterable[Household] = (),
    diary: str = "",
    problems: str = "",
    photos: Iterable[Any] = (),
    by: Actor,
) -> DutyDay:
    """Record a day in the field; a second visit on the same day adds to that day's record.

    A cadre may log a day in any place of the jurisdiction, and in their own zones and
    their households' villages even outside it; an administrator records for the cadres
    of the jurisdiction, in places inside it. `photos` (uploaded images, already checked
    for size and type by the form) are stored with the day.

    Raise Http404 for a cadre or place outside the jurisdiction; PermissionDenied if `by`
    may not record for this cadre; ValidationError for a future date, a locked (too old)
    record, a place that is not a village or group, or households outside the place.
    """
    on_behalf = _check_author(by, cadre)
    if not (_acting_for_self(by, cadre) and counts_towards_quota(cadre, area, date)):
        require(by, "manage_duty_days" if on_behalf else "log_own_duty_days", area)
    today = timezone.localdate()
    if date > today:
        raise ValidationError({"date": _("A duty day cannot be in the future.")})
    window = DutySettings.current().edit_days
    if not on_behalf and (today - date).days > window:
        raise ValidationError(
            {"date": _("Records older than %(n)d days are locked; ask an administrator.")
             % {"n": window}}
        )  # fmt: skip
    if area.level not in PLACE_LEVELS:
        raise ValidationError({"area": _("Choose the village or group you visited.")})
    if cadre.left_date is not None and cadre.left_date <= date:
        raise ValidationError({"cadre": _("This cadre had left by that date.")})
    households = list(households)
    outside = [h for h in households if not _household_in(h, area)]
    if outside:
        raise ValidationError(
            {"households": _("Not in %(place)s: %(names)s.")
             % {"place": area.name, "names": "、".join(h.head_name for h in outside)}}
        )  # fmt: skip
    codes = list(dict.fromkeys(activities))
    unknown = [c for c in codes if c not in Activity.values]
    if unknown:
        raise ValidationError(
            {"activities": _("Unknown activity: %(codes)s.") % {"codes": ", ".join(unknown)}}
        )
    if households and Activity.VISITED_HOUSEHOLDS not in codes:
        codes.insert(0, Activity.VISITED_HOUSEHOLDS)

    in_zone = counts_towards_quota(cadre, area, date)
    # Two first posts of one day take turns on the cadre's row; the second then finds the
    # first's record and adds to it instead of inserting a duplicate.
    Cadre.objects.select_for_update().get(pk=cadre.pk)
    day = _day_locked(cadre, date)
    if day is None:
        day = DutyDay(cadre=cadre, date=date, area=area, recorded_by=user_of(by), in_zone=in_zone)
        day.activities = codes
        day.diary, day.problems = diary.strip(), problems.strip()
        # The database's unique (cadre, date) decides; a lost race is merged below.
        day.full_clean(exclude=["households"], validate_constraints=False)
        try:
            with transaction.atomic():
                day.save()
        except IntegrityError:
            # A writer that did not lock the cadre got there first: add to its record.
            day = _day_locked(cadre, date)
            if day is None:
                raise
            _add_visit(day, codes, diary, problems, in_zone=in_zone, by=by, on_behalf=on_behalf)
            day.full_clean(exclude=["households"])
            day.save()
    else:
        _add_visit(day, codes, diary, problems, in_zone=in_zone, by=by, on_behalf=on_behalf)
        day.full_clean(exclude=["households"])
        day.save()
    if households:
        day.households.add(*households)
    for photo in photos:
        DutyPhoto.objects.create(duty_day=day, image=photo)
    return day


def _day_locked(cadre: Cadre, date: datetime.date) -> DutyDay | None:
    """Return the cadre's record of `date`, locked for this transaction, or None."""
    return DutyDay.objects.select_for_update().filter(cadre=cadre, date=date).first()


def _add_visit(
    day: DutyDay,
    codes: list[str],
    diary: str,
    problems: str,
    *,
    in_zone: bool,
    by: Actor,
    on_behalf: bool,
) -> None:
    """Add a second visit of the same day to its record."""
    # The day keeps its first place; it counts if any of its visits was in the zone.
    day.in_zone = day.in_zone or in_zone
    day.activities = list(dict.fromkeys([*day.activities, *codes]))
    day.diary = "\n\n".join(t for t in (day.diary, diary.strip()) if t)
    day.problems = "\n\n".join(t for t in (day.problems, problems.strip()) if t)
    if on_behalf:
        day.recorded_by = user_of(by)


@transaction.atomic
def dutyday_update(
    *,
    duty_day: DutyDay,
    activities: Iterable[str] | None = None,
    households: Iterable[Household] | None = None,
    diary: str | None = None,
    problems: str | None = None,
    by: Actor,
) -> DutyDay:
    """Correct a record (replace its fields).

    Raise Http404 for a record outside the jurisdiction, PermissionDenied if `by` may not
    correct it, ValidationError once it is locked.
    """
    day = DutyDay.objects.select_for_update().select_related("cadre", "area").get(pk=duty_day.pk)
    on_behalf = _check_author(by, day.cadre)
    require(by, "manage_duty_days" if on_behalf else "log_own_duty_days", day)
    window = DutySettings.current().edit_days
    if not on_behalf and (timezone.localdate() - day.date).days > window:
        raise ValidationError(
            {"date": _("Records older than %(n)d days are locked; ask an administrator.")
             % {"n": window}}
        )  # fmt: skip
    if activities is not None:
        unknown = [c for c in activities if c not in Activity.values]
        if unknown:
            raise ValidationError(
                {"activities": _("Unknown activity: %(codes)s.") % {"codes": ", ".join(unknown)}}
            )
        day.activities = list(dict.fromkeys(activities))
    if diary is not None:
        day.diary = diary.strip()
    if problems is not None:
        day.problems = problems.strip()
    if households is not None:
        households = list(households)
        recorded = set(day.households.values_list("pk", flat=True))
        outside = [h for h in households if not _household_in(h, day.area) and h.pk not in recorded]
        if outside:
            raise ValidationError(
                {"households": _("Not in %(place)s: %(names)s.")
                 % {"place": day.area.name, "names": "、".join(h.head_name for h in outside)}}
            )  # fmt: skip
        if not scope_for(by).everything:
            # The editor sees only the households in their jurisdiction (selectors), so those
            # outside it stay on the record: not seeing them is not removing them.
            hidden = day.households.exclude(scope_for(by).household_q())
            households += list(hidden.exclude(pk__in=[h.pk for h in households]))
        day.households.set(households)
    if on_behalf:
        day.recorded_by = user_of(by)
    day.full_clean(exclude=["households"])
    day.save()
    return day


def _household_in(household: Household, area: Area) -> bool:
    return getattr(household, f"{area.level}_id", None) == area.pk
