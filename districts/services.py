"""Writes and rules for areas, households, zones and personal-data reveals."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from .access import can, scope_for
from .models import (
    HOUSEHOLD_ANCESTOR_LEVELS,
    Area,
    AreaLevel,
    Household,
    PersonalDataAccess,
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


def _require(user, action: str) -> None:
    if user is not None and not can(user, action):
        raise PermissionDenied(_("Your role does not allow this."))


def _require_in_scope(user, area: Area | None, field: str) -> None:
    """Raise ValidationError (as if the area did not exist) if it is outside the scope."""
    if user is None:
        return
    scope = scope_for(user)
    if area is None:
        if not scope.everything:
            raise ValidationError({field: _("Only a system administrator can add a top area.")})
        return
    if not scope.contains(area):
        raise ValidationError({field: _("No such area.")})


def area_path(code: str, parent: Area | None) -> str:
    return f"{parent.path if parent else '/'}{code}/"


def household_ancestors(group: Area) -> dict[str, Area]:
    """Return {"county": …, "township": …, "village": …, "group": …} for a group area."""
    if group.level != AreaLevel.GROUP:
        raise ValidationError({"group": _("A household belongs to a village group.")})
    codes = group.path.strip("/").split("/")
    by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
    chain = {by_code[c].level: by_code[c] for c in codes if c in by_code}
    missing = [lvl for lvl in HOUSEHOLD_ANCESTOR_LEVELS if lvl not in chain]
    if missing:
        raise ValidationError(
            {"group": _("This group is not under a county, township and village.")}
        )
    return {lvl: chain[lvl] for lvl in HOUSEHOLD_ANCESTOR_LEVELS}


@transaction.atomic
def area_create(
    *,
    code: str,
    name: str,
    level: str,
    parent: Area | None = None,
    categories: Iterable[str] = (),
    by=None,
) -> Area:
    """Create an area under `parent`. Raise ValidationError if a rule is broken."""
    _require(by, "manage_areas")
    _require_in_scope(by, parent, "parent")
    area = Area(
        code=code.strip(),
        name=name.strip(),
        level=level,
        parent=parent,
        categories=list(categories),
    )
    area.path = area_path(area.code, parent)
    area.full_clean()
    area._history_user = by
    area.save()
    return area


@transaction.atomic
def area_update(*, area: Area, data: dict[str, Any], by=None) -> Area:
    """Update an area's fields; moving it or changing its code keeps the subtree right.

    Raise ValidationError if a rule is broken (level change with children, parent loop).
    """
    _require(by, "manage_areas")
    _require_in_scope(by, area, "code")
    area = Area.objects.select_for_update().get(pk=area.pk)
    old_path, old_parent_id, old_level = area.path, area.parent_id, area.level
    for name in AREA_FIELDS:
        if name in data:
            setattr(area, name, data[name])
    if area.level != old_level and Area.objects.filter(parent=area).exists():
        raise ValidationError({"level": _("An area with sub-areas cannot change its level.")})
    if area.parent_id != old_parent_id:
        if area.parent is not None and area.parent.path.startswith(old_path):
            raise ValidationError({"parent": _("An area cannot move under itself.")})
        _require_in_scope(by, area.parent, "parent")
    area.path = area_path(area.code, area.parent)
    area.full_clean()
    area._history_user = by
    area.save()
    if area.path != old_path:
        _repath_subtree(old_path, area.path)
    if area.parent_id != old_parent_id:
        _reattach_households(area)
    return area


def _repath_subtree(old: str, new: str) -> None:
    """Rewrite the path prefix `old` to `new` below a moved or re-coded area (one UPDATE)."""
    Area.objects.filter(path__startswith=old).exclude(path=new).update(
        path=Concat(Value(new), Substr(F("path"), Length(Value(old)) + 1))
    )


def _reattach_households(area: Area) -> None:
    """Set the ancestor ids above `area` on every household below it (one UPDATE)."""
    if area.level not in HOUSEHOLD_ANCESTOR_LEVELS:
        return  # Households do not store provinces or prefectures.
    chain = {a.level: a.pk for a in area_ancestors_inclusive(area)}
    above = HOUSEHOLD_ANCESTOR_LEVELS[: HOUSEHOLD_ANCESTOR_LEVELS.index(area.level)]
    if above:
        Household.objects.filter(**{f"{area.level}_id": area.pk}).update(
            **{f"{lvl}_id": chain[lvl] for lvl in above}
        )


def area_ancestors_inclusive(area: Area) -> list[Area]:
    codes = area.path.strip("/").split("/")
    return list(Area.objects.filter(code__in=codes))


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
def household_create(*, data: dict[str, Any], by=None) -> Household:
    """Create a household in `data["group"]`, with its ancestors. Raise ValidationError."""
    _require(by, "manage_households")
    data = _clean_household_values(data)
    group = data.get("group")
    if group is None:
        raise ValidationError({"group": _("This field is required.")})
    _require_in_scope(by, group, "group")
    household = Household(**{k: v for k, v in data.items() if k in HOUSEHOLD_FIELDS})
    for level, ancestor in household_ancestors(group).items():
        setattr(household, level, ancestor)
    household.full_clean()
    household._history_user = by
    household.save()
    return household


@transaction.atomic
def household_update(*, household: Household, data: dict[str, Any], by=None) -> Household:
    """Update a household; moving it to another group updates its ancestor ids."""
    _require(by, "manage_households")
    household = Household.objects.select_for_update().get(pk=household.pk)
    _require_in_scope(by, household.group, "group")
    data = _clean_household_values(data)
    changed = []
    for name in HOUSEHOLD_FIELDS:
        if name in data and getattr(household, name) != data[name]:
            setattr(household, name, data[name])
            changed.append(name)
    if "group" in changed:
        _require_in_scope(by, household.group, "group")
        for level, ancestor in household_ancestors(household.group).items():
            setattr(household, level, ancestor)
            changed.append(level)
    if not changed:
        return household
    household.full_clean()
    household._history_user = by
    household.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    return household


def household_reveal(*, household: Household, by, reason: str = "", ip: str | None = None):
    """Return the unmasked ID and phone numbers, and record who saw them.

    Raise PermissionDenied if the user's role may not see personal data.
    """
    _require(by, "reveal_personal_data")
    PersonalDataAccess.objects.create(
        user=by, household=household, fields="id_number,phone", reason=reason[:200], ip_address=ip
    )
    return {"id_number": household.id_number, "phone": household.phone}


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
def zone_create(*, name: str, level: str, areas: list[Area], by=None) -> Zone:
    """Create a zone over `areas` (all of its level, none in another zone)."""
    _require(by, "manage_zones")
    for area in areas:
        _require_in_scope(by, area, "areas")
    zone = Zone(name=name.strip(), level=level)
    zone.full_clean()
    _check_zone_areas(level, areas, None)
    zone.save()
    ZoneArea.objects.bulk_create(ZoneArea(zone=zone, area=a) for a in areas)
    return zone


@transaction.atomic
def zone_update(*, zone: Zone, data: dict[str, Any], by=None) -> Zone:
    """Rename a zone or change the areas it covers."""
    _require(by, "manage_zones")
    zone = Zone.objects.select_for_update().get(pk=zone.pk)
    if "name" in data:
        zone.name = data["name"].strip()
    if "level" in data and data["level"] != zone.level:
        zone.level = data["level"]
        if "areas" not in data:
            data["areas"] = list(zone.areas.all())
    zone.full_clean()
    zone.save()
    if "areas" in data:
        areas = list(data["areas"])
        for area in areas:
            _require_in_scope(by, area, "areas")
        if by is not None:
            # Areas of the zone outside the user's jurisdiction are not theirs to remove.
            scope = scope_for(by)
            areas += [a for a in zone.areas.all() if not scope.contains(a) and a not in areas]
        _check_zone_areas(zone.level, areas, zone)
        zone.zone_areas.all().delete()
        ZoneArea.objects.bulk_create(ZoneArea(zone=zone, area=a) for a in areas)
    return zone
