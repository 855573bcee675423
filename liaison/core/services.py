"""Writes and rules of the liaison core: pairings, transfers, zone leaders, links.

Every service takes its actor (`by`: a user or `districts.access.SYSTEM`), passes the
access funnel first — every target, before any rule looks at it — then checks the rules,
writes, and schedules the coverage recompute the change calls for (after commit).
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from districts.access import Actor, require, require_all, scope_for, user_of
from districts.models import Area, AreaLevel, Household, HouseholdStatus, Zone
from liaison.common.dates import check_date

from . import access as _access  # noqa: F401  (registers the core's actions and targets)
from . import selectors
from .jobs import coverage_recompute_later
from .models import (
    ZONE_LEADER_RANKS,
    Cadre,
    Department,
    DepartmentVillageLink,
    Pairing,
    Rank,
    ZoneLeadership,
)


def _today() -> datetime.date:
    return timezone.localdate()


def _require_visible_cadre(by: Actor, cadre: Cadre, field: str = "cadre") -> None:
    """Check a cadre named in a request (not the record being changed): visible, active.

    Raise Http404 if the actor may not see the cadre, ValidationError if the cadre left.
    """
    if not scope_for(by).reaches(cadre.area):
        raise Http404(_("No such cadre."))
    if cadre.left_date is not None:
        raise ValidationError(
            {field: _("%(name)s left on %(date)s and cannot take households.")
             % {"name": cadre.name, "date": cadre.left_date}}
        )  # fmt: skip


@transaction.atomic
def department_create(*, name: str, level: str, kind: str, area: Area, by: Actor) -> Department:
    """Create a department of a county or township.

    Raise Http404 if the area is outside the jurisdiction, ValidationError if a rule is
    broken.
    """
    require(by, "manage_cadres", area)
    department = Department(name=name.strip(), level=level, kind=kind, area=area)
    department.full_clean()
    department.save()
    return department


@transaction.atomic
def department_update(*, department: Department, data: dict[str, Any], by: Actor) -> Department:
    """Change a department's name, level, kind or area (within the jurisdiction)."""
    require(by, "manage_cadres", department)
    if "area" in data:
        require(by, "manage_cadres", data["area"])
    for key in ("name", "level", "kind", "area"):
        if key in data:
            setattr(department, key, data[key])
    department.full_clean()
    department.save()
    return department


@transaction.atomic
def cadre_create(
    *,
    name: str,
    gender: str,
    department: Department,
    rank: str,
    phone: str = "",
    staff_code: str = "",
    area: Area | None = None,
    user: Any = None,
    by: Actor,
) -> Cadre:
    """Create a cadre of `department`, serving in `area` (default: the department's).

    Raise Http404 if the department or area is outside the jurisdiction.
    """
    require(by, "manage_cadres", department)
    area = area or department.area
    require(by, "manage_cadres", area)
    if not area.path.startswith(department.area.path):
        raise ValidationError({"area": _("A cadre serves within the department's area.")})
    cadre = Cadre(
        name=name.strip(),
        gender=gender,
        department=department,
        rank=rank,
        phone=phone.strip(),
        staff_code=staff_code.strip(),
        area=area,
        user=user,
    )
    cadre.full_clean()
    cadre._history_user = user_of(by)
    cadre.save()
    coverage_recompute_later()  # one more cadre (without households) where they serve
    return cadre


@transaction.atomic
def cadre_update(*, cadre: Cadre, data: dict[str, Any], by: Actor) -> Cadre:
    """Change a cadre's record. Raise PermissionDenied for a cadre serving above the
    jurisdiction (seen, not managed), Http404 for a department or area outside it."""
    require(by, "manage_cadres", cadre)
    if "department" in data:
        require(by, "manage_cadres", data["department"])
    if data.get("area") is not None:
        require(by, "manage_cadres", data["area"])
    cadre = Cadre.objects.select_for_update().get(pk=cadre.pk)
    serving_in = cadre.area_id
    for key in ("name", "gender", "department", "rank", "phone", "staff_code", "area", "user"):
        if key in data and not (key == "area" and data[key] is None):
            value = data[key]
            setattr(cadre, key, value.strip() if key == "staff_code" else value)
    if "department" in data and data.get("area") is None:
        cadre.area = cadre.department.area
    if not cadre.area.path.startswith(cadre.department.area.path):
        raise ValidationError({"area": _("A cadre serves within the department's area.")})
    cadre.full_clean()
    cadre._history_user = user_of(by)
    cadre.save()
    if cadre.area_id != serving_in:
        coverage_recompute_later()  # cadre coverage counts cadres where they serve
    return cadre


def _lock_cadres(cadres: Iterable[Cadre]) -> None:
    # Every write that touches pairings locks rows in one order: cadres by id, households by
    # id, then pairings. Two concurrent writes then wait for each other instead of deadlocking.
    list(Cadre.objects.select_for_update().filter(pk__in={c.pk for c in cadres}).order_by("pk"))


def _lock_households(ids: Iterable[int]) -> list[Household]:
    return list(Household.objects.select_for_update().filter(pk__in=set(ids)).order_by("pk"))


def _not_future(day: datetime.date, field: str) -> None:
    """Raise ValidationError keyed by `field` for a date to come or one before the records."""
    if day > _today():
        raise ValidationError({field: _("This date is in the future.")})
    check_date(day, field=field)


def _create_pairings(
    rows: Sequence[tuple[Household, Cadre]], start: datetime.date, by: Actor
) -> list[Pairing]:
    pairings = [
        Pairing(cadre=cadre, household=household, start_date=start, created_by=user_of(by))
        for household, cadre in rows
    ]
    try:
        # A savepoint, so that a lost race leaves the caller's transaction usable.
        with transaction.atomic():
            Pairing.objects.bulk_create(pairings)
    except IntegrityError:
        raise ValidationError(
            {"household": _("Another administrator assigned one of these households just now. "
                            "Reload and try again.")}
        ) from None  # fmt: skip
    return pairings


@transaction.atomic
def pairing_create(
    *, cadre: Cadre, household: Household, start_date: datetime.date | None = None, by: Actor
) -> Pairing:
    """Make `cadre` responsible for `household` from `start_date` (default today).

    Raise Http404 if the household or the cadre is outside the jurisdiction,
    ValidationError if the household already has a cadre or is not active.
    """
    return pairings_bulk_assign(cadre=cadre, households=[household], start_date=start_date, by=by)[
        0
    ]


@transaction.atomic
def pairings_bulk_assign(
    *,
    cadre: Cadre,
    households: Iterable[Household],
    start_date: datetime.date | None = None,
    replace: bool = False,
    by: Actor,
) -> list[Pairing]:
    """Assign many households to one cadre at once; all or nothing.

    With `replace`, households that have another cadre are moved to this one (the old
    pairing ends the day the new one starts, so coverage has no gap); without it they are
    an error. Coverage is recomputed after commit.

    Raise Http404 if any household or the cadre is outside the jurisdiction (before any
    rule reads them); ValidationError listing every household that cannot be assigned.
    """
    households = list(households)
    require(by, "manage_pairings")
    require_all(by, "manage_pairings", households)
    _require_visible_cadre(by, cadre)
    start = start_date or _today()
    if start > _today():
        raise ValidationError({"start_date": _("A pairing cannot start in the future.")})
    check_date(start, field="start_date")
    _lock_cadres([cadre])
    cadre.refresh_from_db(fields=["left_date"])
    _require_visible_cadre(by, cadre)
    locked = _lock_households(h.pk for h in households)
    if not locked:
        raise ValidationError({"households": _("Choose at least one household.")})
    active = {
        p.household_id: p
        for p in Pairing.objects.select_for_update()
        .select_related("cadre")
        .filter(household__in=locked, end_date__isnull=True)
    }
    # A new pairing may not reach back into a period that an ended pairing covered.
    last_end = dict(
        Pairing.objects.filter(household__in=locked, end_date__isnull=False)
        .values("household_id")
        .annotate(last=Max("end_date"))
        .values_list("household_id", "last")
    )
    problems = []
    for household in locked:
        if household.pk in last_end and last_end[household.pk] > start:
            problems.append(
                _("%(household)s had a cadre until %(date)s: start on or after that day.")
                % {"household": household, "date": last_end[household.pk]}
            )
        elif household.status != HouseholdStatus.ACTIVE:
            problems.append(
                _("%(household)s has moved out or is deregistered.") % {"household": household}
            )
        elif household.pk in active:
            current = active[household.pk]
            if current.cadre_id == cadre.pk:
                problems.append(
                    _("%(household)s is already paired with %(cadre)s.")
                    % {"household": household, "cadre": cadre}
                )
            elif not replace:
                problems.append(
                    _("%(household)s already has a cadre: %(cadre)s.")
                    % {"household": household, "cadre": current.cadre}
                )
            elif current.start_date > start:
                problems.append(
                    _("%(household)s's current pairing starts after %(date)s.")
                    % {"household": household, "date": start}
                )
    if problems:
        raise ValidationError({"households": problems})
    ending = [active[h.pk] for h in locked if h.pk in active]
    _end_pairings(ending, start, _("reassigned to %(cadre)s") % {"cadre": cadre.name}, by)
    pairings = _create_pairings([(h, cadre) for h in locked], start, by)
    _history_bulk(pairings, "+", by)
    coverage_recompute_later(start)
    return pairings


def _end_pairings(pairings: list[Pairing], end: datetime.date, reason: str, by: Actor) -> None:
    if not pairings:
        return
    for p in pairings:
        p.end_date = end
        p.end_reason = reason[:200]
    Pairing.objects.bulk_update(pairings, ["end_date", "end_reason"])
    _history_bulk(pairings, "~", by)


def _history_bulk(pairings: list[Pairing], kind: str, by: Actor) -> None:
    history = Pairing.history.model
    now = timezone.now()
    history.objects.bulk_create(
        history(
            id=p.pk,
            cadre_id=p.cadre_id,
            household_id=p.household_id,
            start_date=p.start_date,
            end_date=p.end_date,
            end_reason=p.end_reason,
            created_by_id=p.created_by_id,
            history_date=now,
            history_type=kind,
            history_user=user_of(by),
        )
        for p in pairings
    )


@transaction.atomic
def pairing_end(
    *, pairing: Pairing, end_date: datetime.date | None = None, reason: str = "", by: Actor
) -> Pairing:
    """End a pairing; it is kept, so coverage as of earlier dates is unchanged.

    Whoever may manage the household may end its pairing, even with a county cadre.
    Raise Http404 if the household is outside the jurisdiction.
    """
    pairing = (
        Pairing.objects.select_for_update().select_related("cadre", "household").get(pk=pairing.pk)
    )
    require(by, "manage_pairings", pairing)
    if pairing.end_date is not None:
        raise ValidationError({"end_date": _("This pairing has already ended.")})
    end = end_date or _today()
    _not_future(end, "end_date")
    if end < pairing.start_date:
        raise ValidationError({"end_date": _("A pairing cannot end before it starts.")})
    _end_pairings([pairing], end, reason, by)
    coverage_recompute_later(end)
    return pairing


@transaction.atomic
def cadre_transfer(
    *,
    cadre: Cadre,
    assignments: dict[int, Cadre] | None = None,
    to: Cadre | None = None,
    date: datetime.date | None = None,
    leave: bool = False,
    by: Actor,
) -> list[Pairing]:
    """Hand all of a cadre's households to others in one step; optionally mark them left.

    `to` takes every household, or `assignments` maps household id → cadre (every active
    household of `cadre` must be in it). Old pairings end the day the new ones start, so no
    household is uncovered on any date. Coverage is recomputed after commit.

    Raise Http404 if the cadre is not visible to the actor; PermissionDenied unless the
    actor's jurisdiction covers the cadre's own area (a township cannot transfer a county
    cadre, nor mark one as left); ValidationError if anything does not fit.
    """
    require(by, "manage_pairings", cadre)
    if cadre.left_date is not None:
        raise ValidationError(
            {"cadre": _("%(name)s left on %(date)s and cannot take households.")
             % {"name": cadre.name, "date": cadre.left_date}}
        )  # fmt: skip
    day = date or _today()
    _not_future(day, "date")
    targets = [to] if to is not None else list((assignments or {}).values())
    _lock_cadres([cadre, *targets])
    household_ids = sorted(
        Pairing.objects.filter(cadre=cadre, end_date__isnull=True).values_list(
            "household_id", flat=True
        )
    )
    households = {h.pk: h for h in _lock_households(household_ids)}
    current = list(
        Pairing.objects.select_for_update()
        .filter(cadre=cadre, end_date__isnull=True)
        .order_by("household_id")
    )
    household_ids = [p.household_id for p in current]
    scope = scope_for(by)
    if not all(scope.contains_household(households[hid]) for hid in household_ids):
        raise ValidationError(
            {"cadre": _("Some of this cadre's households are outside your jurisdiction; "
                        "ask an administrator above you to transfer them.")}
        )  # fmt: skip
    if assignments is None:
        if to is None:
            raise ValidationError({"to": _("Choose who takes over the households.")})
        assignments = dict.fromkeys(household_ids, to)
    missing = set(household_ids) - set(assignments)
    extra = set(assignments) - set(household_ids)
    if missing or extra:
        raise ValidationError(
            {"assignments": _("Give a new cadre for each of this cadre's %(n)d households, "
                              "and for no other household.") % {"n": len(household_ids)}}
        )  # fmt: skip
    for target in {c.pk: c for c in assignments.values()}.values():
        if target.pk == cadre.pk:
            raise ValidationError({"to": _("Households cannot be handed to the same cadre.")})
        target.refresh_from_db(fields=["left_date"])
        _require_visible_cadre(by, target, "to")
    if any(p.start_date > day for p in current):
        raise ValidationError({"date": _("Some pairings start after the transfer date.")})
    _end_pairings(current, day, _("transferred"), by)
    pairings = _create_pairings(
        [(households[hid], assignments[hid]) for hid in household_ids], day, by
    )
    _history_bulk(pairings, "+", by)
    if leave:
        cadre = Cadre.objects.get(pk=cadre.pk)
        cadre.left_date = day
        cadre._history_user = user_of(by)
        cadre.save(update_fields=["left_date"])
        # A cadre who has left leads no zone: the zones show up in the gap list.
        ZoneLeadership.objects.filter(cadre=cadre, end_date__isnull=True).update(end_date=day)
    coverage_recompute_later(day)
    return pairings


@transaction.atomic
def cadre_transfer_undo(*, cadre: Cadre, by: Actor) -> list[Pairing]:
    """Reverse the transfer of `cadre`'s households made today, on the day it was made.

    The pairings the transfer started end on the day they started (so they covered no day)
    and the cadre's old pairings run on as before, with history for both; a cadre the
    transfer marked as left serves again. Coverage is recomputed after commit. Return the
    restored pairings.

    Raise Http404 if the cadre is not visible to the actor, PermissionDenied unless the
    actor may manage the cadre's pairings; ValidationError if no transfer was made today or
    a household has changed hands since.
    """
    require(by, "manage_pairings", cadre)
    pairs = selectors.transfer_of_today(cadre)
    if not pairs:
        raise ValidationError(
            {"cadre": _("%(name)s has no transfer made today to undo.") % {"name": cadre.name}}
        )
    if any(new is None for _old, new in pairs):
        raise ValidationError(
            {"cadre": _("Some households have changed hands again since the transfer; "
                        "it can no longer be undone as a whole.")}
        )  # fmt: skip
    taken = [new for _old, new in pairs if new is not None]
    _lock_cadres([cadre, *(p.cadre for p in taken)])
    households = _lock_households(p.household_id for p, _new in pairs)
    scope = scope_for(by)
    if not all(scope.contains_household(h) for h in households):
        raise ValidationError(
            {"cadre": _("Some of this cadre's households are outside your jurisdiction; "
                        "ask an administrator above you to transfer them.")}
        )  # fmt: skip
    # Read again under the locks: a concurrent change makes the undo fail, not half-apply.
    new = list(
        Pairing.objects.select_for_update()
        .filter(pk__in=[p.pk for p in taken], end_date__isnull=True)
        .order_by("pk")
    )
    old = list(
        Pairing.objects.select_for_update()
        .filter(pk__in=[p.pk for p, _new in pairs])
        .order_by("pk")
    )
    if len(new) != len(taken) or any(p.end_date is None for p in old):
        raise ValidationError(
            {"cadre": _("Some households have changed hands again since the transfer; "
                        "it can no longer be undone as a whole.")}
        )  # fmt: skip
    day = old[0].end_date
    assert day is not None
    for p in new:
        p.end_date = p.start_date
        p.end_reason = _("transfer undone")[:200]
    Pairing.objects.bulk_update(new, ["end_date", "end_reason"])
    _history_bulk(new, "~", by)
    for p in old:
        p.end_date = None
        p.end_reason = ""
    try:
        with transaction.atomic():
            Pairing.objects.bulk_update(old, ["end_date", "end_reason"])
    except IntegrityError:
        raise ValidationError(
            {"cadre": _("Some households have changed hands again since the transfer; "
                        "it can no longer be undone as a whole.")}
        ) from None  # fmt: skip
    _history_bulk(old, "~", by)
    cadre = Cadre.objects.get(pk=cadre.pk)
    if cadre.left_date == day:
        cadre.left_date = None
        cadre._history_user = user_of(by)
        cadre.save(update_fields=["left_date"])
    coverage_recompute_later(day)
    return old


@transaction.atomic
def zone_leader_set(
    *, zone: Zone, cadre: Cadre, start_date: datetime.date | None = None, by: Actor
) -> ZoneLeadership:
    """Make `cadre` the leader of `zone`, ending the previous leadership.

    Raise Http404 if the zone or cadre is not visible; PermissionDenied if it would end
    the leadership of a cadre serving above the actor's jurisdiction; ValidationError if
    the cadre's rank does not fit the zone's level.
    """
    require(by, "manage_pairings", zone)
    _require_visible_cadre(by, cadre)
    if cadre.rank not in ZONE_LEADER_RANKS[zone.level]:
        allowed = "、".join(str(Rank(r).label) for r in sorted(ZONE_LEADER_RANKS[zone.level]))
        raise ValidationError(
            {"cadre": _("A %(level)s is led by a %(ranks)s; %(name)s is a %(rank)s.")
             % {"level": zone.get_level_display(), "ranks": allowed, "name": cadre.name,
                "rank": cadre.get_rank_display()}}
        )  # fmt: skip
    start = start_date or _today()
    _not_future(start, "start_date")
    # Lock the zone: two "first leader" requests at once wait for each other.
    Zone.objects.select_for_update().get(pk=zone.pk)
    current = (
        ZoneLeadership.objects.select_for_update().filter(zone=zone, end_date__isnull=True).first()
    )
    if current is not None:
        if current.cadre_id == cadre.pk:
            return current
        # Ending someone's leadership is a change to that cadre's record.
        require(by, "manage_pairings", current.cadre)
        if current.start_date > start:
            raise ValidationError({"start_date": _("The current leader started after this date.")})
        current.end_date = start
        current.save(update_fields=["end_date"])
    leadership = ZoneLeadership(zone=zone, cadre=cadre, start_date=start)
    leadership.full_clean()
    leadership._history_user = user_of(by)
    leadership.save()
    coverage_recompute_later(start)
    return leadership


@transaction.atomic
def department_link_create(
    *, department: Department, village: Area, start_date: datetime.date | None = None, by: Actor
) -> DepartmentVillageLink:
    """Link a department to a village (挂钩). Raise Http404 for a village outside the
    jurisdiction or a department the actor cannot see."""
    require(by, "manage_pairings", village)
    if not scope_for(by).reaches(department.area):
        raise Http404(_("No such department."))
    if village.level != AreaLevel.VILLAGE:
        raise ValidationError({"village": _("Departments link villages.")})
    if not village.path.startswith(department.area.path):
        raise ValidationError({"village": _("The village is outside the department's area.")})
    link = DepartmentVillageLink(
        department=department, village=village, start_date=start_date or _today()
    )
    link.full_clean()  # an active link of the same pair: link_one_active_per_pair, on "village"
    link.save()
    return link


@transaction.atomic
def suggestions_accept(*, choices: Iterable[tuple[int, int]], by: Actor) -> int:
    """Assign the ticked (household id, cadre id) suggestions, one bulk assignment per cadre.

    All or nothing. Raise Http404 if a household or cadre is missing or outside the
    jurisdiction; ValidationError if nothing was ticked or an assignment breaks a rule.
    """
    by_cadre: dict[int, list[int]] = {}
    for household_id, cadre_id in choices:
        by_cadre.setdefault(cadre_id, []).append(household_id)
    if not by_cadre:
        raise ValidationError(_("Tick at least one suggestion."))
    cadres = Cadre.objects.select_related("area").in_bulk(list(by_cadre))
    total = 0
    for cadre_id, household_ids in by_cadre.items():
        if cadre_id not in cadres:
            raise Http404(_("No such cadre."))
        households = list(Household.objects.filter(pk__in=household_ids))
        if len(households) != len(set(household_ids)):
            raise Http404(_("No such household."))
        total += len(pairings_bulk_assign(cadre=cadres[cadre_id], households=households, by=by))
    return total
