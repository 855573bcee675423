"""Reads of areas, households and zones, always through the user's jurisdiction."""

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from .access import scope_for
from .models import (
    HOUSEHOLD_ANCESTOR_LEVELS,
    Area,
    AreaLevel,
    Household,
    HouseholdStatus,
    ImportJob,
    Zone,
    ZoneArea,
)


def area_list(*, user) -> QuerySet[Area]:
    """Return the areas the user may see: their jurisdiction areas and all below."""
    return Area.objects.filter(scope_for(user).area_q())


def area_get(*, user, pk) -> Area:
    """Return one visible area. Raise Http404 if it does not exist or is not the user's."""
    try:
        return area_list(user=user).select_related("parent").get(pk=pk)
    except (Area.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such area.")) from None


def area_roots(*, user) -> list[Area]:
    """Return the top areas of the user's jurisdiction (for superusers: the root areas)."""
    scope = scope_for(user)
    if scope.everything:
        return list(Area.objects.filter(parent__isnull=True).order_by("code"))
    return list(scope.roots)


def area_ancestors(area: Area) -> list[Area]:
    """Return the areas above `area`, from the root down (one query)."""
    codes = area.ancestor_codes()
    by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def area_breadcrumbs(*, user, area: Area) -> list[tuple[Area, bool]]:
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


def household_list(*, user) -> QuerySet[Household]:
    """Return the households the user may see."""
    return Household.objects.filter(scope_for(user).household_q())


def household_get(*, user, pk) -> Household:
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


def zone_list(*, user) -> QuerySet[Zone]:
    """Return the zones that cover at least one area the user may see."""
    scope = scope_for(user)
    if scope.everything:
        return Zone.objects.all()
    visible = ZoneArea.objects.filter(zone=OuterRef("pk")).filter(scope.area_q("area__"))
    return Zone.objects.filter(Exists(visible))


def zone_get(*, user, pk) -> Zone:
    try:
        return zone_list(user=user).get(pk=pk)
    except (Zone.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such zone.")) from None


def import_job_list(*, user) -> QuerySet[ImportJob]:
    """Return the user's own imports (superusers: all)."""
    jobs = ImportJob.objects.select_related("created_by")
    if user.is_superuser:
        return jobs
    return jobs.filter(created_by=user)


def import_job_get(*, user, pk) -> ImportJob:
    try:
        return import_job_list(user=user).get(pk=pk)
    except (ImportJob.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such import.")) from None
