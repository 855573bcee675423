"""Writes and rules of duty days: one record per cadre per day, the edit window, the zone."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from districts.access import Actor, SystemActor, can, require, scope_for, user_of
from districts.models import Area, AreaLevel, Household
from liaison.common.dates import date_error
from liaison.common.uploads import upload_keep
from liaison.concerns import selectors as concern_selectors
from liaison.concerns.models import Channel, Concern, Kind
from liaison.concerns.services import concern_create
from liaison.core.models import Cadre, Pairing, ZoneLeadership

from . import access as _access  # noqa: F401  (registers duty days' actions and targets)
from .models import KEPT_PHOTOS, Activity, DutyDay, DutyPhoto, DutySettings

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


def first_editable_date(*, cadre: Cadre, by: Actor) -> datetime.date | None:
    """Return the first date `by` may still record or correct for `cadre`, or None when `by`
    records on the cadre's behalf (administrators and the system are not held to the window).

    Pages use it to say a day is locked before anyone types; the services check it again.
    """
    if isinstance(by, SystemActor) or (
        not _acting_for_self(by, cadre) and can(by, "manage_duty_days")
    ):
        return None
    return timezone.localdate() - datetime.timedelta(days=DutySettings.current().edit_days)


def locked_message(window: int) -> str:
    return _("Records older than %(n)d days are locked; ask an administrator.") % {"n": window}


def diary_length(text: str) -> int:
    """The characters of a diary that count towards the minimum: spaces and line breaks do not."""
    return len("".join(text.split()))


def _content_errors(
    policy: DutySettings, codes: list[str], households: int, diary: str
) -> dict[str, str]:
    """What a day (or a visit) lacks by the policy: at least `min_activities` activities, and
    a household visited or a diary of at least `min_diary_length` characters."""
    errors = {}
    if len(codes) < policy.min_activities:
        errors["activities"] = ngettext(
            "Tick at least %(n)d thing you did.",
            "Tick at least %(n)d things you did.",
            policy.min_activities,
        ) % {"n": policy.min_activities}
    if not households and diary_length(diary) < policy.min_diary_length:
        errors["diary"] = _(
            "Tick the households you visited, or write a diary of at least %(n)d characters "
            "(%(count)d so far)."
        ) % {"n": policy.min_diary_length, "count": diary_length(diary)}
    return errors


def _authorise_log(by: Actor, cadre: Cadre, area: Area, date: datetime.date) -> bool:
    """Check who may log this day in this place; return True if `by` records on the cadre's
    behalf. Raise Http404 / PermissionDenied."""
    on_behalf = _check_author(by, cadre)
    if not (_acting_for_self(by, cadre) and counts_towards_quota(cadre, area, date)):
        require(by, "manage_duty_days" if on_behalf else "log_own_duty_days", area)
    return on_behalf


def _log_errors(
    *,
    cadre: Cadre,
    date: datetime.date,
    area: Area,
    codes: list[str],
    households: list[Household],
    diary: str,
    on_behalf: bool,
) -> dict[str, str]:
    """Every rule a visit with these values breaks, by field (all at once, not the first)."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    policy = DutySettings.current()
    if date > today:
        errors["date"] = _("A duty day cannot be in the future.")
    elif (refused := date_error(date, today=today)) is not None:  # 0001-01-01 and the like
        errors["date"] = refused
    elif not on_behalf and (today - date).days > policy.edit_days:
        errors["date"] = locked_message(policy.edit_days)
    if area.level not in PLACE_LEVELS:
        errors["area"] = _("Choose the village or group you visited.")
    if cadre.left_date is not None and cadre.left_date <= date:
        errors["cadre"] = _("This cadre had left by that date.")
    outside = [h for h in households if not _household_in(h, area)]
    if outside:
        errors["households"] = _("Not in %(place)s: %(names)s.") % {
            "place": area.name,
            "names": "、".join(h.head_name for h in outside),
        }
    unknown = [c for c in codes if c not in Activity.values]
    if unknown:
        errors["activities"] = _("Unknown activity: %(codes)s.") % {"codes": ", ".join(unknown)}
    for field, message in _content_errors(policy, codes, len(households), diary).items():
        errors.setdefault(field, message)
    return errors


def _visit_codes(activities: Iterable[str], households: list[Household]) -> list[str]:
    """The visit's activities, once each; visiting households is one of them."""
    codes = list(dict.fromkeys(activities))
    if households and Activity.VISITED_HOUSEHOLDS not in codes:
        codes.insert(0, Activity.VISITED_HOUSEHOLDS)
    return codes


def _checked_visit(
    *,
    cadre: Cadre,
    date: datetime.date,
    area: Area,
    activities: Iterable[str],
    households: list[Household],
    diary: str,
    by: Actor,
) -> tuple[bool, list[str]]:
    """Authorise and check a visit; return (on the cadre's behalf, the visit's activities).

    Raise Http404 / PermissionDenied first, then one ValidationError naming every rule broken.
    """
    on_behalf = _authorise_log(by, cadre, area, date)
    codes = _visit_codes(activities, households)
    errors = _log_errors(
        cadre=cadre, date=date, area=area, codes=codes, households=households, diary=diary,
        on_behalf=on_behalf,
    )  # fmt: skip
    if errors:
        raise ValidationError(errors)
    return on_behalf, codes


def dutyday_check(
    *,
    cadre: Cadre,
    date: datetime.date,
    area: Area,
    activities: Iterable[str] = (),
    households: Iterable[Household] = (),
    diary: str = "",
    problems: str = "",
    by: Actor,
) -> None:
    """Raise what `dutyday_log` would raise for these values, without writing anything.

    The log page calls it when a photo was refused, so that the other errors show at once.
    """
    _checked_visit(
        cadre=cadre, date=date, area=area, activities=activities, households=list(households),
        diary=diary, by=by,
    )  # fmt: skip


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

    Every visit must say what was done (DutySettings, policy): at least `min_activities`
    activities (visiting households is one), and a household visited or a diary of at least
    `min_diary_length` characters. A second visit is held to the same rule as the first.

    Raise Http404 for a cadre or place outside the jurisdiction; PermissionDenied if `by`
    may not record for this cadre; ValidationError, keyed by field and naming every rule
    broken at once, for a future date, a locked (too old) record, a place that is not a
    village or group, households outside the place, or a visit that records too little.
    """
    households = list(households)
    on_behalf, codes = _checked_visit(
        cadre=cadre, date=date, area=area, activities=activities, households=households,
        diary=diary, by=by,
    )  # fmt: skip
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


def photo_keep(*, photo: File, by: Actor) -> str:
    """Keep a checked photo of a log form that failed, for the user's next submit (so it
    need not be picked again); return the token that names it (see `selectors.kept_photo_get`).
    """
    require(by, "log_own_duty_days")
    return upload_keep(photo, folder=KEPT_PHOTOS, user_id=user_of(by).pk)


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
    """Correct a record (replace the fields given; None keeps a field as it is).

    The corrected record must still say what was done (see `dutyday_log`): its activities,
    and its households (those the editor cannot see included) or its diary.

    Raise Http404 for a record outside the jurisdiction, PermissionDenied if `by` may not
    correct it, ValidationError once it is locked, and (keyed by field, all at once) for
    unknown activities, households outside the place, or a record that says too little.
    """
    day = DutyDay.objects.select_for_update().select_related("cadre", "area").get(pk=duty_day.pk)
    on_behalf = _check_author(by, day.cadre)
    require(by, "manage_duty_days" if on_behalf else "log_own_duty_days", day)
    policy = DutySettings.current()
    if not on_behalf and (timezone.localdate() - day.date).days > policy.edit_days:
        raise ValidationError({"date": locked_message(policy.edit_days)})
    errors: dict[str, str] = {}
    if activities is not None:
        activities = list(dict.fromkeys(activities))
        unknown = [c for c in activities if c not in Activity.values]
        if unknown:
            errors["activities"] = _("Unknown activity: %(codes)s.") % {"codes": ", ".join(unknown)}
        day.activities = activities
    if diary is not None:
        day.diary = diary.strip()
    if problems is not None:
        day.problems = problems.strip()
    if households is not None:
        households = list(households)
        recorded = set(day.households.values_list("pk", flat=True))
        outside = [h for h in households if not _household_in(h, day.area) and h.pk not in recorded]
        if outside:
            errors["households"] = _("Not in %(place)s: %(names)s.") % {
                "place": day.area.name,
                "names": "、".join(h.head_name for h in outside),
            }
        if not scope_for(by).everything:
            # The editor sees only the households in their jurisdiction (selectors), so those
            # outside it stay on the record: not seeing them is not removing them.
            hidden = day.households.exclude(scope_for(by).household_q())
            households += list(hidden.exclude(pk__in=[h.pk for h in households]))
        household_count = len({h.pk for h in households})
    else:
        household_count = day.households.count()
    content = _content_errors(policy, list(day.activities), household_count, day.diary)
    for field, message in content.items():
        errors.setdefault(field, message)
    if errors:
        raise ValidationError(errors)
    if households is not None:
        day.households.set(households)
    if on_behalf:
        day.recorded_by = user_of(by)
    day.full_clean(exclude=["households"])
    day.save()
    return day


def _household_in(household: Household, area: Area) -> bool:
    return getattr(household, f"{area.level}_id", None) == area.pk


@transaction.atomic
def dutyday_raise_concern(*, duty_day: DutyDay, by: Actor) -> Concern:
    """Make the day's problems a concern (channel duty_visit) owned by the day's cadre, and
    link it to the day (both ways: `day.concerns`, `concern.duty_days`).

    The place is the day's village or group (for a day at a township, the group of the one
    household visited); the household is linked when the day visited exactly one. Raise
    Http404 for a day outside the jurisdiction, PermissionDenied unless `by` is the cadre or
    manages the cadre's days, ValidationError when the day noted no problem or already
    became a concern.
    """
    day = DutyDay.objects.select_for_update().select_related("cadre", "area").get(pk=duty_day.pk)
    on_behalf = _check_author(by, day.cadre)
    require(by, "manage_duty_days" if on_behalf else "log_own_duty_days", day)
    if not day.problems.strip():
        raise ValidationError({"problems": _("This day noted no problem to raise.")})
    if day.concerns.exists():
        raise ValidationError(
            _("This day's problems are already concern %(number)s.")
            % {"number": day.concerns.first()}
        )
    households = list(day.households.select_related("group"))
    household = households[0] if len(households) == 1 else None
    area: Area | None = day.area if day.area.level in PLACE_LEVELS else None
    if area is None and household is not None:
        area = household.group
    if area is None:
        raise ValidationError(
            _("The day was spent at a township: raise the concern from the concerns' pages.")
        )
    if household is not None and not _household_in(household, area):
        household = None
    in_use = concern_selectors.categories()
    category = in_use.filter(code="other").first() or in_use.first()
    if category is None:
        raise ValidationError(_("No concern category is in use."))
    received = timezone.make_aware(datetime.datetime.combine(day.date, datetime.time(12, 0)))
    concern = concern_create(
        by=by,
        channel=Channel.DUTY_VISIT,
        kind=Kind.HELP,
        category=category,
        description=day.problems,
        area=area,
        household=household,
        owner=day.cadre,
        received_at=min(received, timezone.now()),
        note=_("Raised from the duty day of %(date)s.") % {"date": day.date.isoformat()},
    )
    day.concerns.add(concern)
    return concern
