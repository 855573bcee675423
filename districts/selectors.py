"""Reads of areas, households and zones, always through the user's jurisdiction."""

from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .access import Actor, area_chain, read_scope, require, scope_for, user_of
from .models import (
    HOUSEHOLD_ANCESTOR_LEVELS,
    Area,
    AreaLevel,
    AreaQuerySet,
    AuditEntry,
    Household,
    HouseholdQuerySet,
    HouseholdStatus,
    ImportJob,
    PersonalDataAccess,
    Zone,
    ZoneArea,
)


def area_list(*, user: Actor) -> AreaQuerySet:
    """Return the areas the user may see: their jurisdiction areas and all below."""
    return Area.objects.filter(read_scope(user, "view_areas").area_q())


def area_get(*, user: Actor, pk: Any) -> Area:
    """Return one visible area. Raise Http404 if it does not exist or is not the user's."""
    try:
        return area_list(user=user).select_related("parent").get(pk=pk)
    except (Area.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such area.")) from None


def area_roots(*, user: Actor) -> list[Area]:
    """Return the top areas of the user's jurisdiction (for superusers: the root areas)."""
    scope = scope_for(user)
    if scope.everything:
        return list(Area.objects.filter(parent__isnull=True).order_by("code"))
    return list(scope.roots)


def area_ancestors(area: Area) -> list[Area]:
    """Return the areas above `area`, from the root down (one query, by parent links)."""
    return area_chain(area)[:-1]


def area_breadcrumbs(*, user: Actor, area: Area) -> list[tuple[Area, bool]]:
    """Return (ancestor, visible to user) pairs for a breadcrumb trail."""
    scope = scope_for(user)
    return [(a, scope.contains(a)) for a in area_ancestors(area)]


def household_counts_by_child(area: Area, *, active_only: bool = True) -> dict[int, int]:
    """Return {child area id: households} for the children of `area` in one GROUP BY."""
    child_level = area.child_level
    households = Household.objects.in_area(area)
    if active_only:
        households = households.active()
    if child_level in HOUSEHOLD_ANCESTOR_LEVELS:
        column = f"{child_level}_id"
        rows = households.values(column).annotate(n=Count("pk")).order_by()
        return {row[column]: row["n"] for row in rows}
    if child_level is None:
        return {}
    # Children above the county (prefectures, counties of a province): sum their counties.
    per_county = dict(
        households.values_list("county_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("county_id", "n")
    )
    counts: dict[int, int] = {}
    counties = Area.objects.below(area).filter(level=AreaLevel.COUNTY).values_list("pk", "path")
    children = {c.path: c.pk for c in Area.objects.filter(parent=area)}
    for county_id, path in counties:
        for child_path, child_id in children.items():
            if path.startswith(child_path):
                counts[child_id] = counts.get(child_id, 0) + per_county.get(county_id, 0)
    return counts


def household_list(*, user: Actor) -> HouseholdQuerySet:
    """Return the households the user may see."""
    return Household.objects.filter(read_scope(user, "view_households").household_q())


def household_get(*, user: Actor, pk: Any) -> Household:
    """Return one visible household. Raise Http404 if missing or outside the jurisdiction."""
    try:
        return (
            household_list(user=user)
            .select_related("group", "village", "township", "county")
            .get(pk=pk)
        )
    except (Household.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such household.")) from None


def household_count(area: Area) -> int:
    return Household.objects.in_area(area).filter(status=HouseholdStatus.ACTIVE).count()


def zone_list(*, user: Actor) -> QuerySet[Zone]:
    """Return the zones that cover at least one area the user may see."""
    scope = read_scope(user, "view_zones")
    if scope.everything:
        return Zone.objects.all()
    visible = ZoneArea.objects.filter(zone=OuterRef("pk")).filter(scope.area_q("area__"))
    return Zone.objects.filter(Exists(visible))


def zone_get(*, user: Actor, pk: Any) -> Zone:
    try:
        return zone_list(user=user).get(pk=pk)
    except (Zone.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such zone.")) from None


def import_job_list(*, user: Actor) -> QuerySet[ImportJob]:
    """Return the user's own imports (superusers: all)."""
    jobs = ImportJob.objects.select_related("created_by")
    if getattr(user, "is_superuser", False):
        return jobs
    return jobs.filter(created_by=user_of(user))


def import_job_get(*, user: Actor, pk: Any) -> ImportJob:
    try:
        return import_job_list(user=user).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such import.")) from None


def reveal_list(*, user: Actor) -> QuerySet[PersonalDataAccess]:
    """Return the reveals of personal data of households in the user's jurisdiction,
    newest first.

    Raise PermissionDenied for roles that may not read the logs (viewers, cadres …).
    """
    require(user, "view_audit_log")
    scope = scope_for(user)
    return (
        PersonalDataAccess.objects.filter(scope.household_q("household__"))
        .select_related("user", "household", "household__group")
        .order_by("-at", "-pk")
    )


def audit_list(*, user: Actor) -> QuerySet[AuditEntry]:
    """Return the audit log entries of the user's jurisdiction, newest first: those whose
    area lies in it (entries without an area are for users who see everything).

    Raise PermissionDenied for roles that may not read the logs.
    """
    require(user, "view_audit_log")
    scope = scope_for(user)
    entries = AuditEntry.objects.all()
    if not scope.everything:
        entries = entries.filter(scope.area_q("area__"))
    return entries.select_related("area").order_by("-at", "-pk")
