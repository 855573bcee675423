"""The compliance report shared by the page, the CSV and the API."""

import datetime
from typing import TYPE_CHECKING, TypedDict

from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _

from districts.selectors import area_get

from .selectors import compliance_computed, compliance_list

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser


class ComplianceRow(TypedDict):
    """One cadre's month (a CSV row)."""

    cadre: int
    name: str
    rank: str
    department: str
    days_counted: int
    days_other: int
    days_required: int
    met: bool
    households_visited: int
    special_households_visited: int


class AreaTally(TypedDict):
    area: int
    name: str
    level: str
    cadres: int
    with_quota: int
    met: int


class DepartmentTally(TypedDict):
    department: int
    name: str
    cadres: int
    with_quota: int
    met: int


class ComplianceReport(TypedDict):
    month: str
    computed_at: datetime.datetime | None
    rows: list[ComplianceRow]
    totals: dict[str, int]
    by_department: list[DepartmentTally]
    by_area: list[AreaTally]


def compliance_report(
    *,
    user: "AbstractBaseUser | AnonymousUser",
    month: datetime.date,
    area_id: int | str | None = None,
    department_id: int | str | None = None,
) -> ComplianceReport:
    """Return {"month", "computed_at", "rows", "totals", "by_department", "by_area"}.

    Rows are those of `compliance_list` (cadres serving in the user's jurisdiction, and the
    user's own); totals, by_department and by_area are summed from exactly those rows. Rows
    are sorted by shortfall (largest first). Raise Http404 for an area not the user's, or for
    a month not computed yet (a computed month with no rows for this user is an empty report).
    """
    rows = compliance_list(user=user, month=month).select_related(
        "cadre", "cadre__department", "cadre__area"
    )
    if area_id:
        area = area_get(user=user, pk=area_id)
        rows = rows.filter(cadre__area__path__startswith=area.path)
    if department_id:
        rows = rows.filter(cadre__department_id=department_id)
    rows = rows.annotate(gap=F("days_required") - F("days_counted")).order_by(
        "-gap", "cadre__name", "cadre_id"
    )
    out: list[ComplianceRow] = []
    totals = {
        "cadres": 0,
        "with_quota": 0,
        "met": 0,
        "days_counted": 0,
        "days_other": 0,
        "days_required": 0,
        "households_visited": 0,
        "special_households_visited": 0,
    }
    computed_at: datetime.datetime | None = None
    by_department: dict[int, DepartmentTally] = {}
    by_area: dict[int, AreaTally] = {}
    for r in rows:
        place = by_area.setdefault(
            r.cadre.area_id,
            {"area": r.cadre.area_id, "name": r.cadre.area.name, "level": r.cadre.area.level,
             "cadres": 0, "with_quota": 0, "met": 0},
        )  # fmt: skip
        place["cadres"] += 1
        place["with_quota"] += 1 if r.days_required else 0
        place["met"] += 1 if r.met and r.days_required else 0
        dept = by_department.setdefault(
            r.cadre.department_id,
            {"department": r.cadre.department_id, "name": r.cadre.department.name,
             "cadres": 0, "with_quota": 0, "met": 0},
        )  # fmt: skip
        dept["cadres"] += 1
        dept["with_quota"] += 1 if r.days_required else 0
        dept["met"] += 1 if r.met and r.days_required else 0
        computed_at = computed_at or r.computed_at
        out.append(
            {
                "cadre": r.cadre_id,
                "name": r.cadre.name,
                "rank": r.cadre.rank,
                "department": r.cadre.department.name,
                "days_counted": r.days_counted,
                "days_other": r.days_other,
                "days_required": r.days_required,
                "met": r.met,
                "households_visited": r.households_visited,
                "special_households_visited": r.special_households_visited,
            }
        )
        totals["cadres"] += 1
        totals["with_quota"] += 1 if r.days_required else 0
        totals["met"] += 1 if r.met and r.days_required else 0
        for key in (
            "days_counted",
            "days_other",
            "days_required",
            "households_visited",
            "special_households_visited",
        ):
            totals[key] += getattr(r, key)
    if not out and not compliance_computed(month=month):
        raise Http404(_("No compliance has been computed for this month yet."))
    return {
        "month": f"{month:%Y-%m}",
        "computed_at": computed_at,
        "rows": out,
        "totals": totals,
        "by_department": sorted(by_department.values(), key=lambda d: d["name"]),
        # Cadres are counted where they serve (their county, township or village).
        "by_area": sorted(by_area.values(), key=lambda d: d["name"]),
    }
