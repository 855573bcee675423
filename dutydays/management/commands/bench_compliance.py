"""Benchmark a month's duty-day compliance against hand-written SQL.

    python manage.py bench_compliance --duty-days 500000 --rounds 5

Builds 25,000 cadres (a county leader in ten, quota 5), 100,000 households and the given
number of duty days in one month (a fifth outside the zone; one or two households visited a
day, some of them special), with set-based inserts, inside a transaction that is rolled back.
Then times, as the median of several rounds:
  (a) the project's compliance_recompute (GROUP BY queries, quotas and leave, written rows);
  (b) one hand-written SQL statement computing the same per-cadre figures, read only.
It checks that (a) and (b) agree for every cadre and prints the times and the ratio.
"""

import datetime
import statistics
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from districts.access import SYSTEM
from districts.models import Area, AreaLevel, Household
from dutydays.compliance import compliance_recompute
from dutydays.models import SPECIAL_CATEGORIES, DutyDay, MonthlyCompliance
from liaison.core.models import Cadre, Department

MONTH = datetime.date(2026, 3, 1)
CADRES = 25_000
HOUSEHOLDS = 100_000


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time a month's duty-day compliance against hand-written SQL."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--duty-days", type=int, default=500_000)
        parser.add_argument("--rounds", type=int, default=5)

    def handle(self, *args: Any, duty_days: int, rounds: int, **options: Any) -> None:
        per_cadre = -(-duty_days // CADRES)
        if per_cadre > 31:
            raise CommandError("At most 31 days per cadre: use fewer duty days.")
        try:
            with transaction.atomic():
                started = time.perf_counter()
                n = self._generate(per_cadre)
                self.stdout.write(
                    f"generated {n:,} duty days for {CADRES:,} cadres in "
                    f"{time.perf_counter() - started:.1f} s ({connection.vendor})"
                )
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE")
                self._run(rounds)
                raise Rollback
        except Rollback:
            pass

    def _generate(self, per_cadre: int) -> int:
        county = Area.objects.create(code="98", name="基准县", level=AreaLevel.COUNTY, path="/98/")
        town = Area.objects.create(
            code="98001", name="乡", level=AreaLevel.TOWNSHIP, parent=county, path="/98/98001/"
        )
        village = Area.objects.create(
            code="98001001",
            name="村",
            level=AreaLevel.VILLAGE,
            parent=town,
            path="/98/98001/98001001/",
        )
        group = Area.objects.create(
            code="98001001001",
            name="组",
            level=AreaLevel.GROUP,
            parent=village,
            path="/98/98001/98001001/98001001001/",
        )
        special = Household._meta.get_field("categories").mask_of(SPECIAL_CATEGORIES[:1])
        Household.objects.bulk_create(
            [
                Household(
                    code=f"98H{i:07d}",
                    group=group,
                    village=village,
                    township=town,
                    county=county,
                    head_name="户",
                    categories=special if i % 9 == 0 else 0,
                )
                for i in range(HOUSEHOLDS)
            ],
            batch_size=5000,
        )
        department = Department.objects.create(
            name="基准部门", level="county", kind="economic", area=county
        )
        Cadre.objects.bulk_create(
            [
                Cadre(
                    name=f"干部{i}",
                    gender="male",
                    department=department,
                    area=county,
                    rank="county_leader" if i % 10 == 0 else "ordinary",
                )
                for i in range(CADRES)
            ],
            batch_size=5000,
        )
        qn = connection.ops.quote_name
        day_table = qn(DutyDay._meta.db_table)
        link = qn(DutyDay.households.through._meta.db_table)
        if connection.vendor == "postgresql":
            date_expr = "(%s::date + s.n - 1)"
        else:
            date_expr = "date(%s, '+' || (s.n - 1) || ' days')"
        households = Household.objects.filter(code__startswith="98H").order_by("pk")
        first = households.first()
        if first is None:
            raise CommandError("The benchmark households were not created.")
        first_household = first.pk
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s "
                f"WHERE n < {per_cadre}) "
                f"INSERT INTO {day_table} (cadre_id, date, area_id, activities, diary, problems, "
                "in_zone, created_at, updated_at) "
                f"SELECT c.id, {date_expr}, %s, 1, '', '', (s.n %% 5 <> 0), %s, %s "
                f"FROM {qn(Cadre._meta.db_table)} c CROSS JOIN s WHERE c.department_id = %s",
                [MONTH, group.pk, MONTH, MONTH, department.pk],
            )
            for offset, every in ((0, 1), (7, 2)):
                cursor.execute(
                    f"INSERT INTO {link} (dutyday_id, household_id) "
                    f"SELECT d.id, %s + ((d.id * 31 + {offset}) %% {HOUSEHOLDS}) "
                    f"FROM {day_table} d "
                    f"WHERE d.area_id = %s AND d.id %% {every} = 0",
                    [first_household, group.pk],
                )
        return DutyDay.objects.filter(area=group).count()

    def _run(self, rounds: int) -> None:
        project, limit = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            compliance_recompute(month=MONTH, by=SYSTEM)
            project.append(time.perf_counter() - started)
            started = time.perf_counter()
            expected = hand_written(MONTH)
            limit.append(time.perf_counter() - started)
        got = {
            r["cadre_id"]: (
                r["days_counted"],
                r["days_other"],
                r["households_visited"],
                r["special_households_visited"],
            )
            for r in MonthlyCompliance.objects.filter(month=MONTH).values(
                "cadre_id",
                "days_counted",
                "days_other",
                "households_visited",
                "special_households_visited",
            )
        }
        wrong = [c for c, figures in expected.items() if got.get(c) != figures]
        if wrong:
            raise CommandError(f"(a) and (b) disagree for {len(wrong)} cadres")
        a, b = statistics.median(project), statistics.median(limit)
        self.stdout.write(
            f"(a) compliance_recompute (compute + write {len(got):,} rows): median {a:.3f} s "
            f"of {rounds} {sorted(round(x, 3) for x in project)}\n"
            f"(b) hand-written SQL (compute only): median {b:.3f} s\n"
            f"(a) and (b) agree on all {len(expected):,} cadres with duty days. a/b = {a / b:.2f}×"
        )


def hand_written(month: datetime.date) -> dict[int, tuple]:
    start = month
    end = (month + datetime.timedelta(days=32)).replace(day=1)
    mask = Household._meta.get_field("categories").mask_of(SPECIAL_CATEGORIES)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT d.cadre_id,
                      COUNT(DISTINCT CASE WHEN d.in_zone THEN d.id END),
                      COUNT(DISTINCT CASE WHEN d.in_zone THEN NULL ELSE d.id END),
                      COUNT(DISTINCT m.household_id),
                      COUNT(DISTINCT CASE WHEN (h.categories & %s) <> 0 THEN m.household_id END)
               FROM dutydays_dutyday d
               LEFT JOIN dutydays_dutyday_households m ON m.dutyday_id = d.id
               LEFT JOIN districts_household h ON h.id = m.household_id
               WHERE d.date >= %s AND d.date < %s
               GROUP BY d.cadre_id""",
            [mask, start, end],
        )
        return {row[0]: tuple(int(x) for x in row[1:]) for row in cursor.fetchall()}
