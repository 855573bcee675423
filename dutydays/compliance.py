"""Monthly compliance with the duty-day quotas, computed set-based.

Two GROUP BY queries read a month of duty days (days in the own zone and elsewhere per cadre;
distinct and special households visited per cadre); quotas and leave come from the small
policy tables; the rows are written in one batch. Rerunning a month replaces its rows.
"""

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from districts.access import Actor, require
from districts.models import Household
from liaison.common.dates import check_month
from liaison.common.db import copy_rows
from liaison.core.models import Cadre

from .models import SPECIAL_CATEGORIES, DutyDay, DutyQuota, Leave, MonthlyCompliance

FUTURE_MONTH = gettext_lazy("Compliance cannot be computed for a month that has not begun.")


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Return (first day, first day of the next month)."""
    start = month.replace(day=1)
    days = calendar.monthrange(start.year, start.month)[1]
    return start, start + datetime.timedelta(days=days)


def required_days(quota: int, month_days: int, leave_days: int) -> int:
    """Return the quota reduced pro rata by leave, rounded half up (7 × 20/30 → 5)."""
    if quota <= 0:
        return 0
    present = max(month_days - leave_days, 0)
    return (2 * quota * present + month_days) // (2 * month_days)


def leave_days_by_cadre(
    start: datetime.date, end: datetime.date, cadres: Iterable[int] | None = None
) -> dict[int, int]:
    """Return {cadre id: days of leave inside [start, end)} (overlapping leaves merged), for
    every cadre or only the `cadres` ids."""
    days: dict[int, set[datetime.date]] = {}
    leaves = Leave.objects.filter(start_date__lt=end, end_date__gte=start)
    if cadres is not None:
        leaves = leaves.filter(cadre_id__in=list(cadres))
    for cadre_id, a, b in leaves.values_list("cadre_id", "start_date", "end_date"):
        first, last = max(a, start), min(b, end - datetime.timedelta(days=1))
        span = days.setdefault(cadre_id, set())
        span.update(first + datetime.timedelta(days=i) for i in range((last - first).days + 1))
    return {k: len(v) for k, v in days.items()}


@dataclass
class ComplianceResult:
    month: datetime.date
    rows: int


@transaction.atomic
def compliance_recompute(*, month: datetime.date, by: Actor) -> ComplianceResult:
    """Compute every active cadre's compliance for a month; idempotent.

    Raise PermissionDenied unless the actor may recompute statistics (tasks act as SYSTEM),
    and ValidationError for a month that has not begun (a month still running may be
    computed: its figures say how far the cadres have come) or one before 2000-01.
    """
    require(by, "recompute_statistics")
    if month.replace(day=1) > timezone.localdate():
        raise ValidationError(FUTURE_MONTH, code="future_month")
    check_month(month)  # and not before the months the system records
    start, end = month_bounds(month)
    month_days = (end - start).days
    qn = connection.ops.quote_name
    day_table, link = qn(DutyDay._meta.db_table), qn(DutyDay.households.through._meta.db_table)
    household = qn(Household._meta.db_table)
    special_mask = Household._meta.get_field("categories").mask_of(SPECIAL_CATEGORIES)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two recomputes of one month take turns instead of colliding on (cadre, month).
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [2205, start.toordinal()])
            # As for coverage: analytic queries, no JIT, sorts in memory (this transaction).
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(
            f"SELECT cadre_id, SUM(CASE WHEN in_zone THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN in_zone THEN 0 ELSE 1 END) FROM {day_table} "
            "WHERE date >= %s AND date < %s GROUP BY cadre_id",
            [start, end],
        )
        days = {row[0]: (int(row[1]), int(row[2])) for row in cursor.fetchall()}
        cursor.execute(
            f"SELECT d.cadre_id, COUNT(DISTINCT m.household_id), "
            f"COUNT(DISTINCT CASE WHEN (h.categories & %s) <> 0 THEN m.household_id END) "
            f"FROM {day_table} d JOIN {link} m ON m.dutyday_id = d.id "
            f"JOIN {household} h ON h.id = m.household_id "
            "WHERE d.date >= %s AND d.date < %s GROUP BY d.cadre_id",
            [special_mask, start, end],
        )
        visits = {row[0]: (int(row[1]), int(row[2])) for row in cursor.fetchall()}
    quotas = dict(DutyQuota.objects.values_list("rank", "days_per_month"))
    leave = leave_days_by_cadre(start, end)
    # Days after a cadre left reduce the quota as leave does.
    for cadre_id, left in Cadre.objects.filter(left_date__gt=start, left_date__lt=end).values_list(
        "pk", "left_date"
    ):
        assert left is not None  # left_date__gt excludes NULL
        leave[cadre_id] = leave.get(cadre_id, 0) + (end - left).days
    # Cadres in service for at least part of the month.
    cadres = Cadre.objects.filter(Q(left_date__isnull=True) | Q(left_date__gt=start))
    now = timezone.now()
    rows: list[tuple[Any, ...]] = []
    for cadre_id, rank in cadres.values_list("pk", "rank").iterator(chunk_size=10_000):
        counted, other = days.get(cadre_id, (0, 0))
        required = required_days(quotas.get(rank, 0), month_days, leave.get(cadre_id, 0))
        households, special = visits.get(cadre_id, (0, 0))
        rows.append(
            (
                cadre_id,
                start,
                counted,
                other,
                required,
                counted >= required,
                households,
                special,
                now,
            )
        )
    MonthlyCompliance.objects.filter(month=start).delete()
    columns = [
        "cadre_id", "month", "days_counted", "days_other", "days_required", "met",
        "households_visited", "special_households_visited", "computed_at",
    ]  # fmt: skip
    if connection.vendor == "postgresql":
        copy_rows(MonthlyCompliance._meta.db_table, columns, rows)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {qn(MonthlyCompliance._meta.db_table)} ({', '.join(columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})",
                rows,
            )
    return ComplianceResult(month=start, rows=len(rows))
