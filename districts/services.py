"""Writes and rules for areas, households, zones and personal-data reveals."""

import datetime
import functools
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liaison.common.limits import RateLimited
from liaison.common.natural import natural_key
from liaison.common.registry import publish

from .access import Actor, area_chain, require, require_all, scope_for, user_of
from .audit import audit_record
from .events import HOUSEHOLDS_CHANGED, ZONES_CHANGED
from .models import (
    ERASED_NAME,
    HOUSEHOLD_ANCESTOR_LEVELS,
    Area,
    AreaLevel,
    AuditEntry,
    Household,
    HouseholdStatus,
    ImportJob,
    PersonalDataAccess,
    PrivacyPolicy,
    Zone,
    ZoneArea,
)
from .validators import normalize_id_number, normalize_phone

AREA_FIELDS = ("code", "name", "level", "parent", "categories")
HOUSEHOLD_FIELDS = (
    "code",
    "group",
    "head_name",
    "members",
    "id_number",
    "phone",
    "address",
    "categories",
    "status",
    "status_date",
)


def area_path(code: str, parent: Area | None) -> str:
    return f"{parent.path if parent else '/'}{code}/"


def household_ancestors(group: Area) -> dict[str, Area]:
    """Return {"county": …, "township": …, "village": …, "group": …} for a group area.

    Found through parent links (one query), never by splitting the path: a path is only
    as trustworthy as the codes in it. Raise ValidationError if `group` is not a group
    under a village, township and county.
    """
    if group.level != AreaLevel.GROUP:
        raise ValidationError({"group": _("A household belongs to a village group.")})
    chain = area_chain(group)
    by_level = {a.level: a for a in chain}
    expected = list(HOUSEHOLD_ANCESTOR_LEVELS)
    if [a.level for a in chain[-len(expected) :]] != expected:
        raise ValidationError(
            {"group": _("This group is not under a county, township and village.")}
        )
    return {lvl: by_level[lvl] for lvl in HOUSEHOLD_ANCESTOR_LEVELS}


@transaction.atomic
def area_create(
    *,
    code: str,
    name: str,
    level: str,
    parent: Area | None = None,
    categories: Iterable[str] = (),
    by: Actor,
) -> Area:
    """Create an area under `parent`.

    Raise Http404 if the parent is outside the actor's jurisdiction, PermissionDenied if
    the role may not manage areas, ValidationError if a rule is broken.
    """
    if parent is not None:
        require(by, "manage_areas", parent)
    else:
        require(by, "manage_areas")
        if not scope_for(by).everything:
            raise ValidationError({"parent": _("Only a system administrator can add a top area.")})
    area = Area(
        code=code.strip(),
        name=name.strip(),
        level=level,
        parent=parent,
        categories=list(categories),
    )
    area.path = area_path(area.code, parent)
    area.full_clean()
    area._history_user = user_of(by)
    area.save()
    return area


@transaction.atomic
def area_update(*, area: Area, data: dict[str, Any], by: Actor) -> Area:
    """Update an area's fields; moving it or changing its code keeps the subtree right.

    Raise Http404 if the area or its new parent is outside the jurisdiction,
    ValidationError if a rule is broken (level change with children, parent loop).
    """
    require(by, "manage_areas", area)
    scope = scope_for(by)
    if not scope.everything and not (area.parent is not None and scope.contains(area.parent)):
        # The top of a jurisdiction (a township for its administrator) is changed from
        # above, as the areas import holds: an area must lie under one of the jurisdiction.
        raise PermissionDenied(
            _("This area is the top of your jurisdiction: it is changed from above.")
        )
    area = Area.objects.select_for_update().get(pk=area.pk)
    old_path, old_parent_id, old_level = area.path, area.parent_id, area.level
    for name in AREA_FIELDS:
        if name in data:
            setattr(area, name, data[name])
    if area.parent_id != old_parent_id:
        if area.parent is None:
            if not scope_for(by).everything:
                raise ValidationError(
                    {"parent": _("Only a system administrator can add a top area.")}
                )
        else:
            require(by, "manage_areas", area.parent)
            if area.parent.path.startswith(old_path):
                raise ValidationError({"parent": _("An area cannot move under itself.")})
    if area.level != old_level:
        if Area.objects.filter(parent=area).exists():
            raise ValidationError({"level": _("An area with sub-areas cannot change its level.")})
        if area_has_households(area, level=old_level):
            raise ValidationError({"level": _("An area with households cannot change its level.")})
    area.path = area_path(area.code, area.parent)
    area.full_clean()
    area._history_user = user_of(by)
    area.save()
    if area.path != old_path:
        _repath_subtree(old_path, area.path)
    if area.parent_id != old_parent_id:
        _reattach_households(area)
        publish(HOUSEHOLDS_CHANGED)
    return area


def area_has_households(area: Area, *, level: str) -> bool:
    """Return whether any household names `area` as its ancestor of `level`."""
    if level not in HOUSEHOLD_ANCESTOR_LEVELS:
        return False
    return Household.objects.filter(**{f"{level}_id": area.pk}).exists()


def _repath_subtree(old: str, new: str) -> None:
    """Rewrite the path prefix `old` to `new` below a moved or re-coded area (one UPDATE)."""
    Area.objects.filter(path__startswith=old).exclude(path=new).update(
        path=Concat(Value(new), Substr(F("path"), Length(Value(old)) + 1))
    )


def _reattach_households(area: Area) -> None:
    """Set the ancestor ids above `area` on every household below it (one UPDATE)."""
    if area.level not in HOUSEHOLD_ANCESTOR_LEVELS:
        return  # Households do not store provinces or prefectures.
    chain = {a.level: a.pk for a in area_chain(area)}
    above = HOUSEHOLD_ANCESTOR_LEVELS[: HOUSEHOLD_ANCESTOR_LEVELS.index(area.level)]
    if above:
        Household.objects.filter(**{f"{area.level}_id": area.pk}).update(
            **{f"{lvl}_id": chain[lvl] for lvl in above}
        )


def _clean_household_values(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    for key in ("id_number",):
        if data.get(key):
            data[key] = normalize_id_number(data[key])
    if data.get("phone"):
        data["phone"] = normalize_phone(data["phone"])
    for key in ("head_name", "address", "code"):
        if isinstance(data.get(key), str):
            data[key] = data[key].strip()
    return data


@transaction.atomic
def household_create(*, data: dict[str, Any], by: Actor) -> Household:
    """Create a household in `data["group"]`, with its ancestors.

    Raise Http404 if the group is outside the jurisdiction, ValidationError if a rule is
    broken.
    """
    data = _clean_household_values(data)
    group = data.get("group")
    if group is None:
        require(by, "manage_households")
        raise ValidationError({"group": _("This field is required.")})
    require(by, "manage_households", group)
    household = Household(**{k: v for k, v in data.items() if k in HOUSEHOLD_FIELDS})
    for level, ancestor in household_ancestors(group).items():
        setattr(household, level, ancestor)
    household.full_clean()
    household._history_user = user_of(by)
    household.save()
    publish(HOUSEHOLDS_CHANGED)
    return household


@transaction.atomic
def household_update(*, household: Household, data: dict[str, Any], by: Actor) -> Household:
    """Update a household; moving it to another group updates its ancestor ids.

    Raise Http404 if the household or its new group is outside the jurisdiction.
    """
    require(by, "manage_households", household)
    household = Household.objects.select_for_update().get(pk=household.pk)
    data = _clean_household_values(data)
    if "group" in data and data["group"].pk != household.group_id:
        require(by, "manage_households", data["group"])
    changed = []
    for name in HOUSEHOLD_FIELDS:
        if name in data and getattr(household, name) != data[name]:
            setattr(household, name, data[name])
            changed.append(name)
    if "group" in changed:
        for level, ancestor in household_ancestors(household.group).items():
            setattr(household, level, ancestor)
            changed.append(level)
    if not changed:
        return household
    household.full_clean()
    household._history_user = user_of(by)
    household.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    if {"group", "status"} & set(changed):
        publish(HOUSEHOLDS_CHANGED)  # coverage counts active households by area
    return household


@transaction.atomic
def household_reveal(
    *, household: Household, by: Actor, reason: str = "", ip: str | None = None
) -> dict[str, str]:
    """Return the unmasked ID and phone numbers, and record who saw them (the reveal log
    and the audit log).

    Raise Http404 outside the jurisdiction; PermissionDenied if the user's role may not see
    personal data, or (a cadre) the household is not one they serve; RateLimited once the
    user has revealed PrivacyPolicy.reveals_per_hour households in the last hour.
    """
    require(by, "reveal_personal_data", household)
    user = user_of(by)
    if user is not None:
        check_reveal_rate(user)
        # The reveal log is of users; the system actor's (a command's) is in the audit log.
        PersonalDataAccess.objects.create(
            user=user,
            household=household,
            fields="id_number,phone",
            reason=reason[:200],
            ip_address=ip,
        )
    audit_record(
        AuditEntry.Kind.REVEAL,
        user=user,
        area=household.group,
        ip=ip,
        household=household.pk,
        code=household.code,
        username="" if user else str(by.get_username()),
        reason=reason[:200],
    )
    return {"id_number": household.id_number, "phone": household.phone}


REVEAL_WINDOW = datetime.timedelta(hours=1)


def check_reveal_rate(user: Any) -> None:
    """Raise RateLimited if `user` has used up the reveals of the last hour (households'
    numbers, and those of other records that reveal through the audit log: concerns'
    reporters).

    The user's row is locked first, so that two reveals racing each other are counted one
    after the other (PostgreSQL; SQLite writes one transaction at a time anyway).
    """
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    limit = PrivacyPolicy.current().reveals_per_hour
    since = timezone.now() - REVEAL_WINDOW
    recent = PersonalDataAccess.objects.filter(user=user, at__gt=since).order_by("at")
    others = AuditEntry.objects.filter(
        kind=AuditEntry.Kind.REVEAL, user=user, at__gt=since, details__has_key="concern"
    ).order_by("at")
    times = sorted(
        [*recent.values_list("at", flat=True)[:limit], *others.values_list("at", flat=True)[:limit]]
    )[:limit]
    if len(times) >= limit:
        wait = int((times[0] + REVEAL_WINDOW - timezone.now()).total_seconds()) + 1
        raise RateLimited(
            ngettext(
                "You have revealed personal data %(count)d time in the last hour, the most "
                "allowed. Try again in %(minutes)d minutes.",
                "You have revealed personal data %(count)d times in the last hour, the most "
                "allowed. Try again in %(minutes)d minutes.",
                len(times),
            )
            % {"count": len(times), "minutes": max(1, -(-wait // 60))},
            retry_after=wait,
        )


def _check_zone_areas(zone_level: str, areas: list[Area], zone: Zone | None) -> None:
    if not areas:
        raise ValidationError({"areas": _("A zone covers at least one area.")})
    wrong = [a for a in areas if a.level != zone_level]
    if wrong:
        raise ValidationError(
            {
                "areas": _("A %(level)s zone covers areas of that level only: %(names)s.")
                % {"level": Zone.Level(zone_level).label, "names": ", ".join(a.name for a in wrong)}
            }
        )
    taken = ZoneArea.objects.filter(area__in=areas).select_related("zone", "area")
    if zone is not None:
        taken = taken.exclude(zone=zone)
    clashes = [f"{za.area.name} ({za.zone.name})" for za in taken]
    if clashes:
        raise ValidationError(
            {"areas": _("Already in another zone: %(names)s.") % {"names": ", ".join(clashes)}}
        )


@transaction.atomic
def zone_create(*, name: str, level: str, areas: list[Area], by: Actor) -> Zone:
    """Create a zone over `areas` (all of its level, none in another zone)."""
    require(by, "manage_zones")
    require_all(by, "manage_zones", areas)
    zone = Zone(name=name.strip(), level=level)
    zone.sort_key = natural_key(zone.name)
    zone.full_clean()
    _check_zone_areas(level, areas, None)
    zone.save()
    ZoneArea.objects.bulk_create(ZoneArea(zone=zone, area=a) for a in areas)
    publish(ZONES_CHANGED)  # coverage counts zones by the areas they cover
    return zone


@transaction.atomic
def zone_update(*, zone: Zone, data: dict[str, Any], by: Actor) -> Zone:
    """Rename a zone or change the areas it covers.

    Raise PermissionDenied for a zone that reaches beyond the actor's jurisdiction (it is
    managed from above), Http404 for areas outside it.
    """
    require(by, "manage_zones", zone)
    new_areas = list(data["areas"]) if "areas" in data else None
    require_all(by, "manage_zones", new_areas or [])
    zone = Zone.objects.select_for_update().get(pk=zone.pk)
    if "name" in data:
        zone.name = data["name"].strip()
        zone.sort_key = natural_key(zone.name)
    if "level" in data and data["level"] != zone.level:
        zone.level = data["level"]
        if new_areas is None:
            new_areas = list(zone.areas.all())
    zone.full_clean()
    zone.save()
    if new_areas is not None:
        _check_zone_areas(zone.level, new_areas, zone)
        zone.zone_areas.all().delete()
        ZoneArea.objects.bulk_create(ZoneArea(zone=zone, area=a) for a in new_areas)
        publish(ZONES_CHANGED)
    return zone


# Erasure ------------------------------------------------------------------------------

PERSONAL_FIELDS = {"head_name": ERASED_NAME, "id_number": "", "phone": "", "address": ""}
GONE = (HouseholdStatus.MOVED_OUT, HouseholdStatus.DEREGISTERED)


def retention_cutoff(today: datetime.date, years: int) -> datetime.date:
    """Return the last status date whose households are past `years` of retention."""
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def households_to_erase(*, today: datetime.date | None = None) -> Any:
    """Return the households moved out or deregistered longer ago than the retention
    period (PrivacyPolicy.retention_years) that still hold personal data."""
    today = today or timezone.localdate()
    cutoff = retention_cutoff(today, PrivacyPolicy.current().retention_years)
    still_personal = ~Q(head_name=ERASED_NAME) | ~Q(id_number="") | ~Q(phone="") | ~Q(address="")
    return Household.objects.filter(status__in=GONE, status_date__lte=cutoff).filter(still_personal)


@transaction.atomic
def personal_data_erase(
    *, by: Actor, dry_run: bool = False, today: datetime.date | None = None
) -> dict[int, int]:
    """Erase the name, ID number, phone and address of households gone longer than the
    retention period, in the households and in their change history; return the number
    of households by county id. Codes, members, categories, status and areas stay, so
    every count and coverage figure stays as it was. One audit entry per county.

    With `dry_run`, count only. Raise PermissionDenied for a role that may not erase.
    """
    require(by, "erase_personal_data")
    households = households_to_erase(today=today)
    by_county: dict[int, list[int]] = {}
    for pk, county_id in households.values_list("pk", "county_id").order_by("pk"):
        by_county.setdefault(county_id, []).append(pk)
    counts = {county_id: len(ids) for county_id, ids in by_county.items()}
    if dry_run:
        return counts
    history = Household.history.model.objects
    policy = PrivacyPolicy.current()
    counties = Area.objects.in_bulk(list(by_county))
    for county_id, ids in by_county.items():
        for start in range(0, len(ids), ERASE_BATCH):
            batch = ids[start : start + ERASE_BATCH]
            # Updates without save(): no new history row carries the data either.
            Household.objects.filter(pk__in=batch).update(**PERSONAL_FIELDS)
            history.filter(id__in=batch).update(**PERSONAL_FIELDS)
        audit_record(
            AuditEntry.Kind.ERASURE,
            user=user_of(by),
            username="" if user_of(by) else str(by.get_username()),
            area=counties.get(county_id),
            households=len(ids),
            retention_years=policy.retention_years,
        )
    return counts


ERASE_BATCH = 1000


@transaction.atomic
def import_files_erase(
    *, by: Actor, dry_run: bool = False, today: datetime.date | None = None
) -> int:
    """Delete the uploaded files of finished imports older than the retention period, and
    their error reports (which quote cells: names, ID numbers, phones); the jobs stay with
    their counts. Return how many jobs were (with `dry_run`: would be) emptied; one audit
    entry when there were any. Raise PermissionDenied for a role that may not erase.

    What was imported lives in the database; the upload is kept only so that a job can be
    retried, which a job of years ago never is.
    """
    require(by, "erase_personal_data")
    today = today or timezone.localdate()
    cutoff = retention_cutoff(today, PrivacyPolicy.current().retention_years)
    jobs = ImportJob.objects.filter(
        status__in=[ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED],
        created_at__date__lte=cutoff,
    ).order_by("pk")
    found = [job for job in jobs if job.file or job.errors]
    if dry_run or not found:
        return len(found)
    for job in found:
        if name := job.file.name:
            # After commit: a rolled-back erasure keeps the files its rows still name.
            transaction.on_commit(functools.partial(job.file.storage.delete, name))
    ImportJob.objects.filter(pk__in=[j.pk for j in found]).update(file="", errors=[])
    audit_record(
        AuditEntry.Kind.ERASURE,
        user=user_of(by),
        username="" if user_of(by) else str(by.get_username()),
        import_files=len(found),
        retention_years=PrivacyPolicy.current().retention_years,
    )
    return len(found)
