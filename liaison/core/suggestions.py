"""Five-links suggestions (五挂五联): departments for a village, cadres for its households.

The table of which department kind serves which village and household categories is policy
data (FiveLinksRule), edited by administrators.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q

from districts.models import Area, AreaLevel, Household

from .models import Cadre, Department, DepartmentVillageLink, FiveLinksRule
from .selectors import cadre_list, department_list, uncovered_households

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


@dataclass
class DepartmentSuggestion:
    department: Department
    village_category: str


@dataclass
class AssignmentSuggestion:
    household: Household
    cadre: Cadre
    # The household category that matched the cadre's department kind, or "" for a
    # suggestion that only balances load among the village's linked departments.
    category: str


def village_of(area: Area) -> Area:
    """Return the village itself, or a group's village. Raise ValueError for a root area."""
    village = area if area.level == AreaLevel.VILLAGE else area.parent
    if village is None:
        raise ValueError(f"Area {area.code} is not in a village.")
    return village


def suggest_departments(
    *, user: "AbstractBaseUser | AnonymousUser", village: Area
) -> list[DepartmentSuggestion]:
    """Return departments whose kind matches the village's categories, not yet linked."""
    rules = {r.department_kind: r.village_category for r in FiveLinksRule.objects.all()}
    wanted = {kind for kind, cat in rules.items() if cat and cat in (village.categories or [])}
    linked = DepartmentVillageLink.objects.filter(village=village, end_date__isnull=True).values(
        "department_id"
    )
    county_path = "/".join(village.path.split("/")[:-3]) + "/"
    departments = (
        department_list(user=user)
        .filter(kind__in=wanted, area__path__startswith=county_path)
        .exclude(pk__in=linked)
        .order_by("kind", "name")
    )
    return [DepartmentSuggestion(d, rules[d.kind]) for d in departments]


def suggest_assignments(
    *, user: "AbstractBaseUser | AnonymousUser", area: Area, limit: int = 500
) -> list[AssignmentSuggestion]:
    """Propose a cadre for each uncovered household of a village or group.

    Households whose categories match a five-links rule get a cadre of that kind of
    department; the rest get a cadre of a department linked to the village. Among the
    candidates, the cadre with the fewest households is chosen, counting earlier proposals.
    """
    village = village_of(area)
    households = list(uncovered_households(user=user).in_area(area)[:limit])
    if not households:
        return []
    rules = FiveLinksRule.objects.exclude(household_category="")
    kinds_by_category: dict[str, set[str]] = {}
    for rule in rules:
        kinds_by_category.setdefault(rule.household_category, set()).add(rule.department_kind)
    linked_departments = set(
        DepartmentVillageLink.objects.filter(village=village, end_date__isnull=True).values_list(
            "department_id", flat=True
        )
    )
    county_path = "/".join(village.path.split("/")[:-3]) + "/"
    wanted_kinds = {k for kinds in kinds_by_category.values() for k in kinds}
    cadres = list(
        cadre_list(user=user)
        .active()
        .filter(
            Q(department__in=linked_departments)
            | Q(department__kind__in=wanted_kinds, area__path__startswith=county_path)
        )
        .select_related("department")
        .annotate(load=Count("pairings", filter=Q(pairings__end_date__isnull=True)))
        .order_by("pk")
    )
    load = {c.pk: c.load for c in cadres}
    suggestions: list[AssignmentSuggestion] = []
    for household in households:
        matched_category = ""
        candidates: Sequence[Cadre] = []
        for category in household.categories or []:
            kinds = kinds_by_category.get(category, set())
            # Prefer the village's own linked departments of the right kind.
            of_kind = [c for c in cadres if c.department.kind in kinds]
            candidates = [c for c in of_kind if c.department_id in linked_departments] or of_kind
            if candidates:
                matched_category = category
                break
        if not candidates:
            candidates = [c for c in cadres if c.department_id in linked_departments]
        if not candidates:
            continue
        cadre = min(candidates, key=lambda c: (load[c.pk], c.pk))
        load[cadre.pk] += 1
        suggestions.append(AssignmentSuggestion(household, cadre, matched_category))
    return suggestions
