"""Benchmark the concern statistics against hand-written SQL, and the escalation job.

    DATABASE_URL=postgres://… python manage.py bench_concerns --concerns 1000000 --rounds 5

Builds a synthetic tree (a province, a prefecture, counties of 10 townships × 10 villages)
and the given number of concerns over the last twelve months, with set-based INSERT …
SELECT statements, inside a transaction that is rolled back: the database is left as it
was. Then times, as the median of several rounds:
  (a) the project's `concern_stats_recompute` (twelve months, every area, computes and
      writes the snapshot rows);
  (b) hand-written SQL computing the same figures, read only: on PostgreSQL one GROUP BY
      GROUPING SETS over the concerns joined to their ancestors, with percentile_cont for
      the median; SQLite has neither, so there (b) is skipped.
It checks that (a) and (b) agree on every area, month and breakdown.
Then, in a second rolled-back transaction, `--open` open concerns (default 100,000) owned by
500 cadres with accounts, due around today, and times `escalate_concerns` (events and
notifications written for each) and its rerun (nothing left to do).
"""

import datetime
import statistics as stats
import time
from argparse import ArgumentParser
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from districts.access import SYSTEM
from districts.models import Area, AreaLevel
from liaison.concerns import statistics
from liaison.concerns.models import Category, Concern, ConcernStats
from liaison.concerns.services import escalate_concerns
from liaison.core.models import Cadre, Department

PER = 10  # townships per county, villages per township
CHANNELS = ("liaison_officer", "contact_card", "opinion_box", "hotline", "mailbox", "duty_visit")


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the concern statistics against hand-written SQL, and the escalation job."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--concerns", type=int, default=100_000)
        parser.add_argument("--counties", type=int, default=5)
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--open", type=int, default=100_000, help="0: no escalation run")

    def handle(
        self, *args: Any, concerns: int, counties: int, rounds: int, open: int, **options: Any
    ) -> None:
        now = timezone.now()
        months = statistics.last_months(statistics.MONTHS_SHOWN, timezone.localdate(now))
        try:
            with transaction.atomic():
                started = time.perf_counter()
                villages = self._tree(counties)
                self._concerns(concerns, villages, months[0], now, open_only=False)
                self.stdout.write(
                    f"generated {concerns:,} concerns in {len(villages):,} villages in "
                    f"{time.perf_counter() - started:.1f} s ({connection.vendor})"
                )
                self._analyze()
                self._statistics(months, now, rounds)
                raise Rollback
        except Rollback:
            pass
        if open:
            try:
                with transaction.atomic():
                    villages = self._tree(counties)
                    started = time.perf_counter()
                    self._concerns(open, villages, months[-1], now, open_only=True)
                    self.stdout.write(
                        f"generated {open:,} open concerns in {time.perf_counter() - started:.1f} s"
                    )
                    self._analyze()
                    self._escalation()
                    raise Rollback
            except Rollback:
                pass

    # Data ----------------------------------------------------------------------------------

    def _analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def _tree(self, counties: int) -> list[tuple[int, int]]:
        """Create the tree; return (village id, township id) of every village."""
        province = Area.objects.create(
            code="97", name="基准省", level=AreaLevel.PROVINCE, path="/97/"
        )
        prefecture = Area.objects.create(
            code="9701",
            name="基准州",
            level=AreaLevel.PREFECTURE,
            parent=province,
            path="/97/9701/",
        )
        villages = []
        for c in range(counties):
            code = f"9701{c:02d}"
            county = Area.objects.create(
                code=code,
                name=f"县{c}",
                level=AreaLevel.COUNTY,
                parent=prefecture,
                path=f"{prefecture.path}{code}/",
            )
            for t in range(PER):
                tcode = f"{code}{t:03d}"
                town = Area.objects.create(
                    code=tcode,
                    name=f"乡{c}-{t}",
                    level=AreaLevel.TOWNSHIP,
                    parent=county,
                    path=f"{county.path}{tcode}/",
                )
                created = Area.objects.bulk_create(
                    Area(
                        code=f"{tcode}{v:03d}",
                        name=f"村{c}-{t}-{v}",
                        level=AreaLevel.VILLAGE,
                        parent=town,
                        path=f"{town.path}{tcode}{v:03d}/",
                    )
                    for v in range(PER)
                )
                if any(v.pk is None for v in created):  # SQLite before 3.35: no RETURNING
                    created = list(Area.objects.filter(parent=town).order_by("code"))
                villages += [(v.pk, town.pk) for v in created]
        return villages

    def _concerns(
        self,
        count: int,
        villages: list[tuple[int, int]],
        first_month: datetime.date,
        now: datetime.datetime,
        *,
        open_only: bool,
    ) -> None:
        """Insert `count` concerns, spread over the villages, categories, channels and the
        months from `first_month` to now (open ones: received in the last 30 days)."""
        pg = connection.vendor == "postgresql"
        qn = connection.ops.quote_name
        cats = list(Category.objects.values_list("pk", flat=True))
        owners = self._owners(villages[0][1]) if open_only else []
        start = statistics._local_midnight(first_month)
        if open_only:
            start = now - datetime.timedelta(days=30)
        span = int((now - start).total_seconds()) - 3600
        field = Concern._meta.get_field("received_at")
        params = {
            "start": field.get_db_prep_save(start, connection),
            "now": field.get_db_prep_save(now, connection),
            "span": span,
            "count": count,
            "tz": statistics._tz_param(),
        }
        n_v, n_c = len(villages), len(cats)
        village_values = ", ".join(f"({i}, {v}, {t})" for i, (v, t) in enumerate(villages))
        cat_values = ", ".join(f"({i}, {c})" for i, c in enumerate(cats))
        no_owner = "(0, CAST(NULL AS bigint))" if pg else "(0, NULL)"
        owner_values = ", ".join(f"({i}, {o})" for i, o in enumerate(owners)) or no_owner
        channel = (
            "CASE x.n %% 6 "
            + " ".join(f"WHEN {i} THEN '{c}'" for i, c in enumerate(CHANNELS))
            + " END"
        )
        if pg:
            series = "SELECT generate_series(CAST(1 AS bigint), %(count)s) AS n"
            rcv = "CAST(%(start)s AS timestamptz) + ((n * 7919) %% %(span)s) * interval '1 second'"
            plus_days = "x.rcv + (x.n %% 20) * interval '1 day' + interval '3 hours'"
            day_after = "x.rcv + interval '1 day'"
            two_days = "x.res + interval '2 days'"
            local = "CAST((x.rcv AT TIME ZONE %(tz)s) AS date)"
            due = f"{local} + CAST(x.n %% 15 AS integer)"
            now_p = "CAST(%(now)s AS timestamptz)"
            open_due = f"{local} + CAST(x.n %% 40 AS integer) - 25"
        else:
            series = (
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s "
                "WHERE n < %(count)s) SELECT n FROM s"
            )
            rcv = "datetime(%(start)s, '+' || ((n * 7919) %% %(span)s) || ' seconds')"
            plus_days = "datetime(x.rcv, '+' || (x.n %% 20) || ' days', '+3 hours')"
            day_after = "datetime(x.rcv, '+1 day')"
            two_days = "datetime(x.res, '+2 days')"
            due = "date(x.rcv, %(tz)s, '+' || (x.n %% 15) || ' days')"
            now_p = "%(now)s"
            open_due = "date(x.rcv, %(tz)s, printf('%%+d days', (x.n %% 40) - 25))"
        if open_only:
            res_expr = "CAST(NULL AS timestamptz)" if pg else "NULL"
            state = "'in_progress'"
            closed = res_expr
            due_expr = open_due
            reopen = "CASE WHEN x.n %% 50 = 0 THEN 2 ELSE 0 END"
        else:
            res_expr = f"CASE WHEN x.n %% 5 <> 0 AND {plus_days} < {now_p} THEN {plus_days} END"
            state = (
                "CASE WHEN x.res IS NULL THEN CASE WHEN x.n %% 7 = 0 THEN 'rejected' "
                "ELSE 'in_progress' END WHEN x.n %% 3 = 0 THEN 'closed' ELSE 'resolved' END"
            )
            closed = (
                f"CASE WHEN x.res IS NULL THEN CASE WHEN x.n %% 7 = 0 THEN {day_after} END "
                f"WHEN x.n %% 3 = 0 THEN {two_days} END"
            )
            due_expr = due
            reopen = "CASE WHEN x.res IS NOT NULL AND x.n %% 17 = 0 THEN 1 ELSE 0 END"
        feedback = (
            "CASE WHEN x.res IS NULL THEN '' WHEN x.n %% 3 = 0 THEN "
            "CASE WHEN x.n %% 2 = 0 THEN 'satisfied' ELSE 'basically_satisfied' END "
            "WHEN x.n %% 4 = 1 THEN 'unreachable' ELSE '' END"
        )
        days = "CASE WHEN x.res IS NULL THEN NULL ELSE CAST((x.n %% 20) * 5 / 7 AS integer) END"
        sql = f"""
        WITH v (idx, id, township_id) AS (VALUES {village_values}),
        k (idx, id) AS (VALUES {cat_values}),
        o (idx, id) AS (VALUES {owner_values}),
        r AS (SELECT n, {rcv} AS rcv FROM ({series}) s0),
        x AS (SELECT n, rcv, {res_expr} AS res FROM r x)
        INSERT INTO {qn(Concern._meta.db_table)} (tracking_number, channel, kind,
            category_id, priority, area_id, township_id, village_id, owner_id, description,
            received_at, state, deadline_days, ack_due, due, extended, resolved_at,
            days_to_resolve, resolution, feedback, closed_at, escalation_level,
            reopen_count, referred_to, reporter_name, reporter_phone, created_at, updated_at)
        SELECT 'BENCH-' || x.n, {channel}, 'help', k.id, 'normal', v.id, v.township_id,
               v.id, o.id, '', x.rcv, {state}, 3, {due_expr}, {due_expr}, {"FALSE" if pg else 0},
               x.res, {days}, '', {feedback}, {closed}, 0, {reopen}, '', '', '', x.rcv, x.rcv
        FROM x
        JOIN v ON v.idx = (x.n * 31) %% {n_v}
        JOIN k ON k.idx = (x.n * 13) %% {n_c}
        LEFT JOIN o ON o.idx = x.n %% {max(len(owners), 1)}
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        if not Concern.objects.filter(tracking_number=f"BENCH-{count}").exists():
            raise CommandError("The benchmark concerns were not created.")

    def _owners(self, township_id: int) -> list[int]:
        """500 cadres with accounts (notifications are written for owners with a user)."""
        town = Area.objects.get(pk=township_id)
        department = Department.objects.create(
            name="基准部门", level="township", kind="economic", area=town
        )
        users = User.objects.bulk_create(User(username=f"bench-{i}") for i in range(500))
        if any(u.pk is None for u in users):
            users = list(User.objects.filter(username__startswith="bench-").order_by("pk"))
        cadres = Cadre.objects.bulk_create(
            Cadre(name=f"干部{i}", gender="male", department=department, area=town, rank="ordinary",
                  user=u)
            for i, u in enumerate(users)
        )  # fmt: skip
        if any(c.pk is None for c in cadres):
            cadres = list(Cadre.objects.filter(department=department).order_by("pk"))
        return [c.pk for c in cadres]

    # Statistics ----------------------------------------------------------------------------

    def _statistics(self, months: list[datetime.date], now: datetime.datetime, rounds: int) -> None:
        project, baseline = [], []
        expected: dict[tuple, tuple] | None = None
        for _ in range(rounds):
            started = time.perf_counter()
            written = statistics.concern_stats_recompute(months=months, by=SYSTEM, now=now)
            project.append(time.perf_counter() - started)
            if connection.vendor == "postgresql":
                started = time.perf_counter()
                expected = hand_written(months, now)
                baseline.append(time.perf_counter() - started)
        a = stats.median(project)
        self.stdout.write(
            f"(a) concern_stats_recompute, {len(months)} months, {written:,} rows written: "
            f"median {a:.3f} s of {rounds} {sorted(round(x, 3) for x in project)}"
        )
        if expected is None:
            self.stdout.write("(b) skipped: the hand-written baseline needs PostgreSQL")
            return
        b = stats.median(baseline)
        got = {
            (r.area_id, r.month, r.channel, r.category_id): (
                r.received,
                r.resolved,
                r.resolved_on_time,
                r.open_overdue,
                r.reopened,
                r.callbacks,
                r.callbacks_satisfied,
                r.median_days_to_resolve,
            )
            for r in ConcernStats.objects.filter(month__in=months)
        }
        wrong = [key for key, figures in expected.items() if got.get(key) != figures]
        extra = [
            key
            for key, figures in got.items()
            if key not in expected and (any(figures[:7]) or figures[7] is not None)
        ]
        if wrong or extra:
            sample = [(k, got.get(k), expected.get(k)) for k in (wrong + extra)[:5]]
            raise CommandError(f"(a) and (b) disagree on {len(wrong) + len(extra)} rows: {sample}")
        self.stdout.write(
            f"(b) hand-written SQL (GROUPING SETS, percentile_cont; read only): median "
            f"{b:.3f} s of {rounds} {sorted(round(x, 3) for x in baseline)}\n"
            f"(a) and (b) agree on all {len(expected):,} rows with figures "
            f"(and (a)'s {len(got) - len(expected):,} other rows are zeros). "
            f"a/b = {a / b:.2f}×"
        )

    # Escalation ----------------------------------------------------------------------------

    def _escalation(self) -> None:
        today = timezone.localdate()
        started = time.perf_counter()
        result = escalate_concerns(today=today, by=SYSTEM)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = escalate_concerns(today=today, by=SYSTEM)
        second = time.perf_counter() - started
        open_count = Concern.objects.filter(tracking_number__startswith="BENCH-").count()
        self.stdout.write(
            f"escalate_concerns over {open_count:,} open concerns: {first:.2f} s "
            f"{result.as_dict()}; rerun {second:.2f} s {again.as_dict()}"
        )


def hand_written(months: list[datetime.date], now: datetime.datetime) -> dict[tuple, tuple]:
    """The same figures in one straightforward PostgreSQL statement (read only)."""
    params = statistics._month_params(months, now)
    params["tz"] = statistics._tz_param()
    values = ", ".join(
        f"(CAST(%(m{i})s AS date), CAST(%(s{i})s AS timestamptz), CAST(%(e{i})s AS timestamptz),"
        f" CAST(%(c{i})s AS timestamptz), CAST(%(a{i})s AS date))"
        for i in range(len(months))
    )
    sql = f"""
    WITH m (month, s, e, cutoff, as_of) AS (VALUES {values}),
    up AS (  -- each village with itself and every area above it
        SELECT v.id AS village_id, anc.id AS area_id
        FROM districts_area v JOIN districts_area anc
          ON anc.level <> 'group' AND v.path LIKE anc.path || '%%'
        WHERE v.level = 'village'
    ),
    facts AS (
        SELECT m.month, c.village_id, c.channel, c.category_id,
               (c.received_at >= m.s AND c.received_at < m.e) AS rcv,
               (c.resolved_at >= m.s AND c.resolved_at < m.e) AS res,
               (c.received_at < m.cutoff AND c.due < m.as_of
                AND (c.resolved_at IS NULL OR c.resolved_at >= m.cutoff)
                AND (c.closed_at IS NULL OR c.closed_at >= m.cutoff)) AS ovd,
               (c.resolved_at AT TIME ZONE %(tz)s)::date <= c.due AS on_time,
               c.reopen_count, c.feedback, c.days_to_resolve
        FROM concerns_concern c JOIN m
          ON (c.received_at >= m.s AND c.received_at < m.e)
          OR (c.resolved_at >= m.s AND c.resolved_at < m.e)
          OR (c.received_at < m.cutoff AND c.due < m.as_of
              AND (c.resolved_at IS NULL OR c.resolved_at >= m.cutoff)
              AND (c.closed_at IS NULL OR c.closed_at >= m.cutoff))
    )
    SELECT up.area_id, f.month, COALESCE(f.channel, ''), f.category_id,
           COUNT(*) FILTER (WHERE f.rcv),
           COUNT(*) FILTER (WHERE f.res),
           COUNT(*) FILTER (WHERE f.res AND f.on_time),
           COUNT(*) FILTER (WHERE f.ovd),
           COUNT(*) FILTER (WHERE f.res AND f.reopen_count > 0),
           COALESCE(SUM(f.reopen_count + CASE WHEN f.feedback IN
               ('satisfied', 'basically_satisfied', 'unsatisfied') THEN 1 ELSE 0 END)
               FILTER (WHERE f.res), 0),
           COUNT(*) FILTER (WHERE f.res AND f.feedback IN ('satisfied', 'basically_satisfied')),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY f.days_to_resolve) FILTER (WHERE f.res)
    FROM facts f JOIN up ON up.village_id = f.village_id
    GROUP BY GROUPING SETS ((up.area_id, f.month), (up.area_id, f.month, f.channel),
                            (up.area_id, f.month, f.category_id))
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {(r[0], r[1], r[2], r[3]): (*(int(x) for x in r[4:11]), r[11]) for r in rows}
