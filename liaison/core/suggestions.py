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


def serving_areas_q(village: Area, prefix: str = "") -> Q:
    """Return a filter on `<prefix>area` for the areas whose departments serve `village`:
    its county and its own township, not the other townships of the county.

    From the village's path, so without a query: "/…/<county>/<township>/<village>/".
    """
    codes = village.path.strip("/").split("/")
    township_path = "/" + "/".join(codes[:-1]) + "/"
    county_path = "/" + "/".join(codes[:-2]) + "/"
    return Q(**{f"{prefix}area__path__in": [county_path, township_path]})


def suggest_departments(
    *, user: "AbstractBaseUser | AnonymousUser", village: Area
) -> list[DepartmentSuggestion]:
    """Return the departments serving the village (the county's and its township's) whose
    kind matches the village's categories, not yet linked to it."""
    rules = {r.department_kind: r.village_category for r in FiveLinksRule.objects.all()}
    wanted = {kind for kind, cat in rules.items() if cat and cat in (village.categories or [])}
    linked = DepartmentVillageLink.objects.filter(village=village, end_date__isnull=True).values(
        "department_id"
    )
    departments = (
        department_list(user=user)
        .filter(serving_areas_q(village), kind__in=wanted)
        .exclude(pk__in=linked)
        .order_by("kind", "name")
    )
    return [DepartmentSuggestion(d, rules[d.kind]) for d in departments]


def suggest_assignments(
    *, user: "AbstractBaseUser | AnonymousUser", area: Area, limit: int = 500
) -> list[AssignmentSuggestion]:
    """Propose a cadre for each uncovered household of a village or group.

    Households whose categories match a five-links rule get a cadre of that kind of
    department; the rest get a cadre of a department linked to the village. Only cadres of
    departments that serve the village (the county's and its own township's) and serving
    there (in the county, the township or the village itself) are proposed. Among the
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
    wanted_kinds = {k for kinds in kinds_by_category.values() for k in kinds}
    cadres = list(
        cadre_list(user=user)
        .active()
        .filter(serving_areas_q(village, "department__"))
        .filter(serving_areas_q(village) | Q(area__path__startswith=village.path))
        .filter(Q(department__in=linked_departments) | Q(department__kind__in=wanted_kinds))
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
