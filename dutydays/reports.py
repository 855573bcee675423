"""The compliance report shared by the page, its downloads and the API."""

import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import F
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from districts.models import AreaLevel
from districts.selectors import area_get
from liaison.common.exports import Column, Sheet, choice_label, choice_labels, table, yes_no
from liaison.core.models import Rank

from .compliance import month_bounds
from .models import Activity, DutyDay
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
    with_quota_only: bool = False,
) -> ComplianceReport:
    """Return {"month", "computed_at", "rows", "totals", "by_department", "by_area"}.

    Rows are those of `compliance_list` (cadres serving in the user's jurisdiction, and the
    user's own); totals, by_department and by_area are summed from exactly those rows. Rows
    are sorted by shortfall (largest first). `with_quota_only` (the pages' default) leaves
    out the rows of cadres without a quota, and only the rows: the totals and tallies still
    count every cadre. Raise Http404 for an area not the user's, or for a month not computed
    yet (a computed month with no rows for this user is an empty report).
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
        if with_quota_only and not r.days_required:
            continue
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
    if not totals["cadres"] and not compliance_computed(month=month):
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


def days_left(month: datetime.date, today: datetime.date) -> int | None:
    """Return the days left in `month` when it is still running, today included (as the
    cadre's own month counts them); None for a month that is over or has not begun."""
    start, end = month_bounds(month)
    return (end - today).days if start <= today < end else None


def percent_met(tally: DepartmentTally | AreaTally) -> float | None:
    """Return the share of the cadres with a quota who met it, in per cent to one decimal
    (half up); None when none has a quota."""
    if not tally["with_quota"]:
        return None
    return (tally["met"] * 2000 // tally["with_quota"] + 1) // 2 / 10


def percent_label(value: float | None) -> str:
    """85.7% / 100% / — (no cadre with a quota)."""
    if value is None:
        return "—"
    return f"{value:g}%"


def met_status(row: ComplianceRow, left: int | None) -> tuple[str, str]:
    """Return (kind, text) of a row's "met" cell: "none" (no quota: a dash), "yes",
    "progress" (not met yet in a month still running: "in progress, N days left") or "no"."""
    if not row["days_required"]:
        return "none", "—"
    if row["met"]:
        return "yes", yes_no(True)
    if left is not None:
        return "progress", ngettext(
            "in progress, %(count)s day left", "in progress, %(count)s days left", left
        ) % {"count": left}
    return "no", yes_no(False)


# Downloads -----------------------------------------------------------------------------------


def _field(name: str, label: Any) -> Column[Any]:
    return Column(name, label, lambda row: row[name])


# The API's CSV has had these columns, in this order, since it was published: keep them.
COMPLIANCE_COLUMNS: list[Column[ComplianceRow]] = [
    _field("cadre", gettext_lazy("cadre")),
    _field("name", gettext_lazy("Name")),
    Column(
        "rank", gettext_lazy("Rank"), lambda r: r["rank"], lambda r: choice_label(Rank, r["rank"])
    ),
    _field("department", gettext_lazy("Department")),
    _field("days_counted", gettext_lazy("Days in zone")),
    _field("days_other", gettext_lazy("Other days")),
    _field("days_required", gettext_lazy("Required")),
    Column("met", gettext_lazy("Met"), lambda r: r["met"], lambda r: met_status(r, None)[1]),
    _field("households_visited", gettext_lazy("Households visited")),
    _field("special_households_visited", gettext_lazy("Special households")),
]
# People read cadres by name; the internal id is for systems.
COMPLIANCE_LABEL_COLUMNS = COMPLIANCE_COLUMNS[1:]
DEPARTMENT_COLUMNS: list[Column[DepartmentTally]] = [
    _field("name", gettext_lazy("Department")),
    _field("cadres", gettext_lazy("Cadres")),
    _field("with_quota", gettext_lazy("With a quota")),
    _field("met", gettext_lazy("Met")),
    Column("percent_met", gettext_lazy("Share met"), lambda d: percent_label(percent_met(d))),
]
AREA_COLUMNS: list[Column[AreaTally]] = [
    _field("name", gettext_lazy("Area")),
    Column("level", gettext_lazy("Level"), lambda a: choice_label(AreaLevel, a["level"])),
    _field("cadres", gettext_lazy("Cadres")),
    _field("with_quota", gettext_lazy("With a quota")),
    _field("met", gettext_lazy("Met")),
]


def compliance_sheets(
    report: ComplianceReport, *, labels: bool, left: int | None = None
) -> list[Sheet]:
    """Return the report as tables: the cadres' rows, then (for people) the tallies by
    department and by area, as the page shows them. `left`: the days left in a month still
    running, whose unmet rows then read "in progress" as on the page."""
    if not labels:
        return [table("compliance", COMPLIANCE_COLUMNS, report["rows"], labels=False)]
    columns = [
        Column(c.code, c.label, c.value, lambda r: met_status(r, left)[1]) if c.code == "met" else c
        for c in COMPLIANCE_LABEL_COLUMNS
    ]
    return [
        table(gettext_lazy("Cadres"), columns, report["rows"], labels=True),
        table(
            gettext_lazy("By department"), DEPARTMENT_COLUMNS, report["by_department"], labels=True
        ),
        table(gettext_lazy("By area"), AREA_COLUMNS, report["by_area"], labels=True),
    ]


def compliance_filename(report: ComplianceReport, *, labels: bool) -> str:
    if labels:
        title = _("Duty-day compliance")
        return f"{title}-{report['month']}"
    return f"duty-compliance-{report['month']}"


def _visible_households(day: DutyDay) -> int:
    """Return how many of the day's households lie in the reader's jurisdiction: prefetched
    by the view (selectors.with_visible_households); without it none are counted, rather
    than households the reader may not see."""
    return len(getattr(day, "visible_households", []))


# The diary feed of a place: each day with its activities, as the page shows it. Households
# are counted inside the reader's jurisdiction only (selectors.with_visible_households).
DIARY_COLUMNS: list[Column[DutyDay]] = [
    Column("date", gettext_lazy("Date"), lambda d: d.date),
    Column("cadre", gettext_lazy("Cadre"), lambda d: d.cadre.name),
    Column("department", gettext_lazy("Department"), lambda d: d.cadre.department.name),
    Column("place", gettext_lazy("Place"), lambda d: d.area.name),
    Column(
        "activities",
        gettext_lazy("activities"),
        lambda d: ";".join(d.activities),
        lambda d: choice_labels(Activity, d.activities),
    ),
    Column(
        "households_visited",
        gettext_lazy("Households visited"),
        _visible_households,
    ),
    Column(
        "in_zone", gettext_lazy("in own zone"), lambda d: d.in_zone, lambda d: yes_no(d.in_zone)
    ),
    Column("diary", gettext_lazy("Diary"), lambda d: d.diary),
    Column("problems", gettext_lazy("Problems found"), lambda d: d.problems),
    Column("photos", gettext_lazy("Photos"), lambda d: len(d.photos.all())),
]
