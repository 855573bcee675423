"""Reads of the liaison core, always through the user's jurisdiction (districts.access)."""

import copy
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from districts.access import Actor, read_scope, scope_for, user_of
from districts.models import Area, Household, HouseholdQuerySet, HouseholdStatus, Zone, ZoneArea
from districts.selectors import area_roots, household_list, zone_list

from .coverage import COUNTABLE_LEVELS, coverage_count, coverage_pending
from .models import (
    Cadre,
    CadreQuerySet,
    CoverageJob,
    CoverageSnapshot,
    Department,
    DepartmentVillageLink,
    Pairing,
    PairingQuerySet,
    ZoneLeadership,
)


class CadreLoad(TypedDict):
    """The annotations `cadres_with_load` adds to each cadre."""

    households: int
    households_partial: bool


class HasCadre(TypedDict):
    has_cadre: bool


class HasLeader(TypedDict):
    has_leader: bool


if TYPE_CHECKING:  # django-stubs' helper is a development dependency only
    from django_stubs_ext import WithAnnotations

    LoadedCadre = WithAnnotations[Cadre, CadreLoad]
    CoveredHousehold = WithAnnotations[Household, HasCadre]
    HouseholdsWithCadre = HouseholdQuerySet[CoveredHousehold, CoveredHousehold]
    ZoneWithLeader = WithAnnotations[Zone, HasLeader]


def department_list(*, user: Actor) -> QuerySet[Department]:
    """Return departments of the areas in the user's jurisdiction."""
    return Department.objects.filter(read_scope(user, "view_departments").area_q("area__"))


def department_get(*, user: Actor, pk: Any) -> Department:
    try:
        return department_list(user=user).select_related("area").get(pk=pk)
    except (Department.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such department.")) from None


def cadre_list(*, user: Actor) -> CadreQuerySet:
    """Return cadres serving in the user's jurisdiction or above it.

    A township's households are largely looked after by county cadres, so a township user
    sees (and may assign) the county's cadres too; editing them stays with the county.
    """
    scope = read_scope(user, "view_cadres")
    if scope.everything:
        return Cadre.objects.all()
    return Cadre.objects.filter(scope.reach_q("area__"))


def cadre_get(*, user: Actor, pk: Any) -> Cadre:
    try:
        return cadre_list(user=user).select_related("department", "area").get(pk=pk)
    except (Cadre.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such cadre.")) from None


def cadres_with_load(queryset: QuerySet[Cadre], *, user: Actor) -> "QuerySet[LoadedCadre]":
    """Annotate each cadre's current load as `user` may see it (one query, no N+1).

    `households`: active households with an active pairing, counted only inside the user's
    jurisdiction, so a township user never learns how many households a county cadre looks
    after in other townships.

    `households_partial`: whether that count may leave out households elsewhere. It is true
    for every cadre serving above the jurisdiction (a county cadre seen from a township),
    whatever their pairings are, so the flag itself says nothing about other townships; for a
    cadre serving inside the jurisdiction (the user's own cadre) it is true only when some of
    their households lie outside it. Users who see everything always get false.
    """
    active = Q(pairings__end_date__isnull=True, pairings__household__status=HouseholdStatus.ACTIVE)
    scope = scope_for(user)
    if scope.everything:
        return queryset.annotate(
            households=Count("pairings", filter=active), households_partial=Value(False)
        )
    inside = _households_in_scope(user, "pairings__household__")
    return queryset.alias(households_anywhere=Count("pairings", filter=active)).annotate(
        households=Count("pairings", filter=active & inside),
        households_partial=Case(
            When(~scope.area_q("area__"), then=Value(True)),
            When(households_anywhere__gt=F("households"), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def cadres_having_households(
    queryset: QuerySet[Cadre], *, user: Actor, value: bool
) -> QuerySet[Cadre]:
    """Return the cadres that have (`value` true) or lack active households in the user's
    jurisdiction: the `has_households` filter, consistent with `cadres_with_load`."""
    busy = Pairing.objects.filter(
        _households_in_scope(user, "household__"),
        cadre=OuterRef("pk"),
        end_date__isnull=True,
        household__status=HouseholdStatus.ACTIVE,
    )
    return queryset.filter(Exists(busy) if value else ~Exists(busy))


def _households_in_scope(user: Actor, prefix: str) -> Q:
    """Return the user's household filter (`Scope.household_q`) on a related household.

    The lookups go on the household already joined (its ancestor ids), not through an
    `IN (SELECT id FROM households …)`, which would hash every household of a province;
    a filter that cannot be moved that way (an expression) falls back to the subquery.
    """
    households = scope_for(user).household_q()

    def prefixed(q: Q) -> Q:
        clone = copy.copy(q)
        children: list[Any] = []
        for child in q.children:
            if isinstance(child, Q):
                children.append(prefixed(child))
            elif isinstance(child, tuple):
                lookup, value = child
                children.append((f"{prefix}{lookup}", value))
            else:
                raise TypeError(child)
        clone.children = children
        return clone

    try:
        return prefixed(households)
    except TypeError:
        return Q(**{f"{prefix}in": Household.objects.filter(households).values("pk")})


def pairing_list(*, user: Actor) -> PairingQuerySet:
    """Return pairings whose household is in the user's jurisdiction."""
    if read_scope(user, "view_pairings").is_empty:
        return Pairing.objects.none()
    return Pairing.objects.filter(household__in=household_list(user=user).values("pk"))


def pairing_get(*, user: Actor, pk: Any) -> Pairing:
    try:
        return pairing_list(user=user).select_related("cadre", "household").get(pk=pk)
    except (Pairing.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such pairing.")) from None


def with_current_cadre(households: HouseholdQuerySet) -> "HouseholdsWithCadre":
    """Annotate `has_cadre` (an active pairing exists)."""
    active = Pairing.objects.filter(household=OuterRef("pk"), end_date__isnull=True)
    return households.annotate(has_cadre=Exists(active))


def current_cadres(households: Iterable[Household]) -> dict[int, Cadre]:
    """Return {household id: current cadre} for a page of households (one query), each
    cadre with their department and area."""
    pairings = Pairing.objects.filter(
        household__in=[h.pk for h in households], end_date__isnull=True
    ).select_related("cadre", "cadre__department", "cadre__area")
    return {p.household_id: p.cadre for p in pairings}


def last_pairings(households: Iterable[Household]) -> dict[int, Pairing]:
    """Return {household id: its latest ended pairing} for a page of households (one query),
    for households that had a cadre before; each with its cadre, department and area."""
    pairings = (
        Pairing.objects.filter(household__in=[h.pk for h in households], end_date__isnull=False)
        .select_related("cadre", "cadre__department", "cadre__area")
        .order_by("household_id", "-end_date", "-pk")
    )
    latest: dict[int, Pairing] = {}
    for pairing in pairings:
        latest.setdefault(pairing.household_id, pairing)
    return latest


def uncovered_households(*, user: Actor) -> "HouseholdsWithCadre":
    """Return active households without an active pairing, in the user's jurisdiction."""
    return (
        with_current_cadre(household_list(user=user).active())
        .filter(has_cadre=False)
        .order_by("code")
    )


def idle_cadres(*, user: Actor, area: Area | None = None) -> CadreQuerySet:
    """Return active cadres serving inside the jurisdiction (and in `area`, if given)
    without any household anywhere.

    The gap a user can close: their own cadres (serving in the jurisdiction's areas) with no
    active pairing of an active household at all. County cadres seen from a township are not
    the township's gap even with no households there (they may work elsewhere, which is not
    the township's to know), and a township cadre whose households all lie in another
    township has households, so is no gap either. The coverage snapshot counts the same
    cadres (`cadres` − `cadres_with_households`).
    """
    busy = Pairing.objects.filter(
        cadre=OuterRef("pk"), end_date__isnull=True, household__status=HouseholdStatus.ACTIVE
    )
    cadres = cadre_list(user=user).active().filter(scope_for(user).area_q("area__"))
    if area is not None:
        cadres = cadres.filter(area__path__startswith=area.path)
    return cadres.filter(~Exists(busy)).order_by("name", "pk")


def gap_counts(*, user: Actor, area: Area | None = None) -> dict[str, int]:
    """Return the sizes of the three gap lists (households without a cadre, cadres without
    households, zones without a leader) by counting the lists, right now.

    Pages take these sizes from `coverage_summary(...).gaps` (the same figures as the
    coverage page); this count is their fallback where no coverage has been computed yet.
    """
    households = uncovered_households(user=user)
    return {
        "households": (households.in_area(area) if area else households).count(),
        "cadres": idle_cadres(user=user, area=area).count(),
        "zones": leaderless_zones(user=user, area=area).count(),
    }


def own_cadre(*, user: Actor) -> Cadre | None:
    """Return the cadre the user's account is linked to, with its department, or None."""
    account = user_of(user)
    if account is None:
        return None
    return Cadre.objects.filter(user=account).select_related("department").first()


def own_pairings(cadre: Cadre) -> PairingQuerySet:
    """Return the cadre's pairings in force with their households, by household code: what
    "My households" lists and the cadre's home page counts."""
    return (
        Pairing.objects.active()
        .filter(cadre=cadre)
        .select_related("household", "household__group", "household__village")
        .order_by("household__code")
    )


def zones_with_leader(*, user: Actor) -> "QuerySet[ZoneWithLeader]":
    current = ZoneLeadership.objects.filter(zone=OuterRef("pk"), end_date__isnull=True)
    return zone_list(user=user).annotate(has_leader=Exists(current))


def leaderless_zones(*, user: Actor, area: Area | None = None) -> "QuerySet[ZoneWithLeader]":
    """Return zones without a current leader (with an area in `area`, if given), in natural
    order of their names."""
    zones = zones_with_leader(user=user).filter(has_leader=False)
    if area is not None:
        inside = ZoneArea.objects.filter(zone=OuterRef("pk"), area__path__startswith=area.path)
        zones = zones.filter(Exists(inside))
    return zones.order_by("level", "sort_key", "pk")


def zone_leaders(zones: Iterable[Zone]) -> dict[int, ZoneLeadership]:
    """Return {zone id: current leadership} for a page of zones (one query), each with its
    cadre and the cadre's department and area."""
    leaderships = ZoneLeadership.objects.filter(
        zone__in=[z.pk for z in zones], end_date__isnull=True
    ).select_related("cadre", "cadre__department", "cadre__area")
    return {z.zone_id: z for z in leaderships}


def department_links(*, user: Actor) -> QuerySet[DepartmentVillageLink]:
    return DepartmentVillageLink.objects.filter(scope_for(user).area_q("village__"))


def coverage_snapshot(area: Area, as_of: datetime.date | None = None) -> CoverageSnapshot | None:
    """Return the area's latest snapshot (on or before `as_of`, if given; never one dated
    after today, which no recompute writes now but an older version of the system did)."""
    today = timezone.localdate()
    day = today if as_of is None else min(as_of, today)
    snapshots = CoverageSnapshot.objects.filter(area=area, as_of__lte=day)
    return snapshots.order_by("-as_of").first()


def coverage_children(area: Area, as_of: datetime.date) -> list[CoverageSnapshot]:
    """Return the snapshots of the area's children on the same date, by code (one query)."""
    return list(
        CoverageSnapshot.objects.filter(area__parent=area, as_of=as_of)
        .select_related("area")
        .order_by("area__code")
    )


def coverage_trend(area: Area, limit: int = 60) -> list[CoverageSnapshot]:
    """Return the area's last snapshots, oldest first."""
    rows = list(CoverageSnapshot.objects.filter(area=area).order_by("-as_of")[:limit])
    return rows[::-1]


@dataclass(frozen=True)
class AreaCoverage:
    """An area's coverage figures as every page shows them, and how fresh they are.

    `figures` (and `children`'s) are snapshots: stored ones, or unsaved ones counted just
    now. `live`: counted at `figures.computed_at` by the snapshot's own SQL. `pending`: read
    from a stored snapshot while a change committed after it waits for its recompute.
    """

    area: Area | None
    figures: CoverageSnapshot
    children: list[CoverageSnapshot]
    live: bool
    pending: bool

    @property
    def gaps(self) -> dict[str, int]:
        """The sizes of the three gap lists of the area, by the same figures."""
        f = self.figures
        return {
            "households": f.households - f.covered_households,
            "cadres": f.cadres - f.cadres_with_households,
            "zones": f.zones - f.zones_with_leader,
        }


def counted_live(area: Area) -> bool:
    """Whether pages count the area's coverage now rather than read its snapshot: the
    levels in settings.COVERAGE_COUNTED_LIVE (small areas; a county and above is read from
    the snapshot that every change refreshes)."""
    return area.level in settings.COVERAGE_COUNTED_LIVE and area.level in COUNTABLE_LEVELS


def coverage_of(
    area: Area, as_of: datetime.date | None = None, *, children: bool = True
) -> AreaCoverage | None:
    """Return the area's coverage (and its children's) as pages show it, or None when it is
    read from snapshots and none has been computed (on or before `as_of`).

    Today's coverage of a small area (`counted_live`) is counted now; anything else is the
    latest snapshot on or before `as_of` (default: the latest), marked `pending` when it is
    the latest and a change since is still being counted. The caller has checked that the
    user may see the area.
    """
    today = timezone.localdate()
    if (as_of is None or as_of == today) and counted_live(area):
        rows = coverage_count(area, today)
        figures = rows.pop(area.pk)
        kids = list(rows.values()) if children else []
        if kids:
            areas = Area.objects.in_bulk([s.area_id for s in kids])
            for kid in kids:
                kid.area = areas[kid.area_id]
            kids.sort(key=lambda s: s.area.code)
        figures.area = area
        return AreaCoverage(area, figures, kids, live=True, pending=False)
    snapshot = coverage_snapshot(area, as_of)
    if snapshot is None:
        return None
    snapshot.area = area
    return AreaCoverage(
        area,
        snapshot,
        coverage_children(area, snapshot.as_of) if children else [],
        live=False,
        pending=(as_of is None or as_of >= today) and coverage_pending(snapshot.computed_at),
    )


SNAPSHOT_COUNTS = (
    "households",
    "covered_households",
    "cadres",
    "cadres_with_households",
    "zones",
    "zones_with_leader",
)


def coverage_summary(*, user: Actor, area: Area | None = None) -> AreaCoverage | None:
    """Return the coverage of `area` (visible to the user) or else of the user's whole
    jurisdiction, without children; None if not computed yet.

    The jurisdiction's figures are those of its top area, or the sum of its top areas (the
    result's `area` is then None; `computed_at` the earliest, `live` only if all were
    counted live): the coverage page's figures for a one-area jurisdiction, the home page's
    and the gap pages' for every user.
    """
    if area is not None:
        return coverage_of(area, children=False)
    found = [coverage_of(root, children=False) for root in area_roots(user=user)]
    parts = [c for c in found if c is not None]
    if not parts:
        return None
    if len(parts) == 1:
        return parts[0]
    summed = CoverageSnapshot(  # as old as its oldest part
        as_of=min(p.figures.as_of for p in parts),
        computed_at=min(p.figures.computed_at for p in parts),
        area=None,
    )
    for name in SNAPSHOT_COUNTS:
        setattr(summed, name, sum(getattr(p.figures, name) for p in parts))
    return AreaCoverage(
        None,
        summed,
        [],
        live=all(p.live for p in parts),
        pending=any(p.pending for p in parts),
    )


def coverage_by_month(
    *, user: Actor, today: datetime.date, months: int = 12
) -> list[tuple[datetime.date, CoverageSnapshot | None]]:
    """Return (first day of the month, coverage) for the `months` months up to `today`'s.

    Each month's coverage is the jurisdiction's last snapshot in that month (summed over its
    top areas as in `coverage_summary`), None for a month without one. One query.
    """
    firsts = month_starts(today, months)
    roots = area_roots(user=user)
    found: dict[datetime.date, CoverageSnapshot] = {}
    if roots:
        rows = (
            CoverageSnapshot.objects.filter(area__in=roots, as_of__gte=firsts[0])
            .values("as_of")
            .annotate(
                computed=Min("computed_at"),
                n_households=Sum("households"),
                n_covered=Sum("covered_households"),
                n_cadres=Sum("cadres"),
                n_cadres_with=Sum("cadres_with_households"),
                n_zones=Sum("zones"),
                n_zones_led=Sum("zones_with_leader"),
            )
            .order_by("as_of")
        )
        for row in rows:  # ascending: a later day of the month replaces an earlier one
            found[row["as_of"].replace(day=1)] = CoverageSnapshot(
                as_of=row["as_of"],
                computed_at=row["computed"],
                households=row["n_households"],
                covered_households=row["n_covered"],
                cadres=row["n_cadres"],
                cadres_with_households=row["n_cadres_with"],
                zones=row["n_zones"],
                zones_with_leader=row["n_zones_led"],
            )
    return [(first, found.get(first)) for first in firsts]


def month_starts(today: datetime.date, months: int) -> list[datetime.date]:
    """Return the first days of the `months` months ending with `today`'s, oldest first."""
    index = today.year * 12 + today.month - 1
    return [
        datetime.date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(months - 1, -1, -1)
    ]


def coverage_job_get(*, user: Actor, pk: Any) -> CoverageJob:
    """Return a coverage recompute job the user requested (superusers: any job).

    Raise Http404 with the same words for a missing job and for someone else's, as the
    funnel's target rule for jobs does (liaison/core/access.py).
    """
    jobs = CoverageJob.objects.all()
    if not scope_for(user).everything:
        jobs = jobs.filter(requested_by=user_of(user)) if user.is_authenticated else jobs.none()
    try:
        return jobs.get(pk=pk)
    except (CoverageJob.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such recompute job.")) from None


# The reasons a transfer writes on the pairings it ends, in every language of the site (the
# reason is stored in the language of whoever made the transfer).
def transfer_reasons() -> set[str]:
    reasons = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            reasons.add(_("transferred"))
    return reasons


def transfer_of_today(cadre: Cadre) -> list[tuple[Pairing, Pairing | None]]:
    """Return today's transfer of `cadre`'s households: (ended pairing, pairing that took it
    over) pairs, empty if there is none; the second is None for a household that has moved
    on since (its new pairing ended or changed hands again).

    A transfer made today (whatever date it took effect) ended the cadre's pairings with the
    transfer reason today and started an open pairing for each household on that same day.
    """
    today = timezone.localdate()
    history = Pairing.history.model
    ended_today = set(
        history.objects.filter(
            cadre_id=cadre.pk, history_type="~", history_date__date=today
        ).values_list("id", flat=True)
    )
    old = list(
        Pairing.objects.filter(
            pk__in=ended_today, cadre=cadre, end_reason__in=transfer_reasons()
        ).order_by("household_id")
    )
    if not old:
        return []
    # The latest transfer only: the pairings that ended on the day of the last one.
    day = max(p.end_date for p in old if p.end_date is not None)
    old = [p for p in old if p.end_date == day]
    created_today = history.objects.filter(history_type="+", history_date__date=today)
    # The pairing that took over a household is the first one created after the old one
    # ended (ids grow); a later change of hands leaves it ended or gives it a successor.
    first: dict[int, Pairing] = {}
    for p in (
        Pairing.objects.filter(
            household_id__in=[p.household_id for p in old],
            pk__gt=min(p.pk for p in old),
            start_date=day,
            pk__in=created_today.values("id"),
        )
        .select_related("cadre")
        .order_by("pk")
    ):
        first.setdefault(p.household_id, p)
    new = {hid: p for hid, p in first.items() if p.end_date is None and p.cadre_id != cadre.pk}
    return [(p, new.get(p.household_id)) for p in old]
