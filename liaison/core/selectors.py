"""Reads of the liaison core, always through the user's jurisdiction (districts.access)."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from districts.access import can, scope_for
from districts.models import Area, Household
from districts.selectors import household_list, zone_list

from .models import (
    Cadre,
    CoverageJob,
    CoverageSnapshot,
    Department,
    DepartmentVillageLink,
    Pairing,
    ZoneLeadership,
)


def department_list(*, user) -> QuerySet[Department]:
    """Return departments of the areas in the user's jurisdiction."""
    return Department.objects.filter(scope_for(user).area_q("area__"))


def department_get(*, user, pk) -> Department:
    try:
        return department_list(user=user).select_related("area").get(pk=pk)
    except (Department.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such department.")) from None


def cadre_list(*, user) -> QuerySet[Cadre]:
    """Return cadres serving in the user's jurisdiction or above it.

    A township's households are largely looked after by county cadres, so a township user
    sees (and may assign) the county's cadres too; editing them stays with the county.
    """
    scope = scope_for(user)
    if scope.everything:
        return Cadre.objects.all()
    return Cadre.objects.filter(scope.area_q("area__") | Q(area__code__in=scope.ancestor_codes()))


def cadre_get(*, user, pk) -> Cadre:
    try:
        return cadre_list(user=user).select_related("department", "area").get(pk=pk)
    except (Cadre.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such cadre.")) from None


def cadres_with_load(queryset: QuerySet[Cadre]) -> QuerySet[Cadre]:
    """Annotate `households`: each cadre's current number of active households (one query)."""
    return queryset.annotate(
        households=Count(
            "pairings",
            filter=Q(pairings__end_date__isnull=True, pairings__household__status="active"),
        )
    )


def pairing_list(*, user) -> QuerySet[Pairing]:
    """Return pairings whose household is in the user's jurisdiction."""
    return Pairing.objects.filter(household__in=household_list(user=user).values("pk"))


def pairing_get(*, user, pk) -> Pairing:
    try:
        return pairing_list(user=user).select_related("cadre", "household").get(pk=pk)
    except (Pairing.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such pairing.")) from None


def with_current_cadre(households: QuerySet[Household]) -> QuerySet[Household]:
    """Annotate `has_cadre` (an active pairing exists)."""
    active = Pairing.objects.filter(household=OuterRef("pk"), end_date__isnull=True)
    return households.annotate(has_cadre=Exists(active))


def current_cadres(households) -> dict[int, Cadre]:
    """Return {household id: current cadre} for a page of households (one query)."""
    pairings = Pairing.objects.filter(
        household__in=[h.pk for h in households], end_date__isnull=True
    ).select_related("cadre")
    return {p.household_id: p.cadre for p in pairings}


def uncovered_households(*, user) -> QuerySet[Household]:
    """Return active households without an active pairing, in the user's jurisdiction."""
    return (
        with_current_cadre(household_list(user=user).active())
        .filter(has_cadre=False)
        .order_by("code")
    )


def idle_cadres(*, user) -> QuerySet[Cadre]:
    """Return active cadres without any active pairing."""
    busy = Pairing.objects.filter(
        cadre=OuterRef("pk"), end_date__isnull=True, household__status="active"
    )
    return cadre_list(user=user).active().filter(~Exists(busy)).order_by("name", "pk")


def zones_with_leader(*, user):
    current = ZoneLeadership.objects.filter(zone=OuterRef("pk"), end_date__isnull=True)
    return zone_list(user=user).annotate(has_leader=Exists(current))


def leaderless_zones(*, user):
    """Return zones without a current leader."""
    return zones_with_leader(user=user).filter(has_leader=False).order_by("level", "name")


def zone_leaders(zones) -> dict[int, ZoneLeadership]:
    leaderships = ZoneLeadership.objects.filter(
        zone__in=[z.pk for z in zones], end_date__isnull=True
    ).select_related("cadre")
    return {z.zone_id: z for z in leaderships}


def department_links(*, user) -> QuerySet[DepartmentVillageLink]:
    return DepartmentVillageLink.objects.filter(scope_for(user).area_q("village__"))


def coverage_snapshot(area: Area, as_of: datetime.date | None = None) -> CoverageSnapshot | None:
    """Return the area's latest snapshot (on or before `as_of`, if given)."""
    snapshots = CoverageSnapshot.objects.filter(area=area)
    if as_of is not None:
        snapshots = snapshots.filter(as_of__lte=as_of)
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


def coverage_job_list(*, user) -> QuerySet[CoverageJob]:
    """Return the recomputes the user may follow: all for administrators, none for others.

    A recompute covers every area, so only roles that may start one see them.
    """
    if can(user, "recompute_statistics"):
        return CoverageJob.objects.all()
    return CoverageJob.objects.none()


def coverage_job_get(*, user, pk) -> CoverageJob:
    """Return one recompute. Raise Http404 if it does not exist or is not the user's to see."""
    try:
        return coverage_job_list(user=user).get(pk=pk)
    except (CoverageJob.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such recompute.")) from None
