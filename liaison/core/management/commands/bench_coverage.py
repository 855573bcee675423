"""Benchmark the coverage recompute against hand-written SQL and a naive per-area ORM loop.

    python manage.py bench_coverage --households 1000000 --rounds 5

Builds a synthetic tree (counties of 10 townships × 10 villages × 10 groups, 100 households
a group), cadres, pairings, zones and leaders with set-based INSERT … SELECT statements,
inside a transaction that is rolled back at the end: the database is left as it was.
Then times, as the median of several rounds:
  (a) the project's recompute (liaison.coverage.coverage_recompute: computes and writes);
  (b) hand-written SQL computing the same figures (GROUPING SETS on PostgreSQL), read only;
  (c) a naive ORM loop, one set of COUNT queries per area, on a sample, extrapolated.
It checks that (a) and (b) agree for every area, and prints the times and ratios.
"""

import datetime
import random
import statistics
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q

from districts.access import SYSTEM
from districts.models import Area, AreaLevel, Household, Zone, ZoneArea
from liaison.common.natural import natural_key
from liaison.core.coverage import coverage_count, coverage_recompute
from liaison.core.models import Cadre, CoverageSnapshot, Department, Pairing, ZoneLeadership

AS_OF = datetime.date(2026, 6, 1)
PER = 10  # townships per county, villages per township, groups per village
HOUSEHOLDS_PER_GROUP = 100
HOUSEHOLDS_PER_CADRE = 15


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the coverage recompute against hand-written SQL and a naive ORM loop."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--households", type=int, default=100_000)
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--sample", type=int, default=40, help="areas for the naive loop")

    def handle(self, *args: Any, households: int, rounds: int, sample: int, **options: Any) -> None:
        if households < PER**3 * HOUSEHOLDS_PER_GROUP // 10:
            raise CommandError("Use at least 100,000 households.")
        try:
            with transaction.atomic():
                started = time.perf_counter()
                n = self._generate(households)
                self.stdout.write(
                    f"generated {n['households']:,} households, {n['areas']:,} areas, "
                    f"{n['cadres']:,} cadres, {n['pairings']:,} pairings, {n['zones']:,} zones "
                    f"in {time.perf_counter() - started:.1f} s ({connection.vendor})"
                )
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE")
                self._run(rounds, sample)
                raise Rollback
        except Rollback:
            pass

    # Data --------------------------------------------------------------------------------

    def _generate(self, households: int) -> dict:
        counties = max(1, households // (PER**3 * HOUSEHOLDS_PER_GROUP))
        root = Area.objects.create(code="99", name="基准省", level=AreaLevel.PROVINCE, path="/99/")
        levels = [AreaLevel.COUNTY, AreaLevel.TOWNSHIP, AreaLevel.VILLAGE, AreaLevel.GROUP]
        parents = [root]
        for depth, level in enumerate(levels):
            width = counties if depth == 0 else PER
            new = [
                Area(
                    code=f"{p.code}{i:03d}",
                    name=f"{level}{i}",
                    level=level,
                    parent=p,
                    path=f"{p.path}{p.code}{i:03d}/",
                )
                for p in parents
                for i in range(width)
            ]
            parents = Area.objects.bulk_create(new, batch_size=5000)
        qn = connection.ops.quote_name
        area, household = qn(Area._meta.db_table), qn(Household._meta.db_table)
        series = (
            f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s "
            f"WHERE n < {HOUSEHOLDS_PER_GROUP}) "
        )
        with connection.cursor() as cursor:
            # Households: 100 per group; 2% moved out before AS_OF, 1% after it.
            cursor.execute(
                series + f"INSERT INTO {household} (code, {qn('group_id')}, county_id, "
                "township_id, village_id, head_name, members, id_number, phone, address, "
                "categories, status, status_date, created_at, updated_at) "
                "SELECT g.code || '-' || s.n, g.id, c.id, t.id, v.id, '岩罕', 1 + s.n %% 6, '', "
                "'', '', CASE WHEN s.n %% 7 = 0 THEN 2 ELSE 0 END, "
                "CASE WHEN s.n %% 50 = 0 THEN 'moved_out' WHEN s.n %% 100 = 1 THEN 'moved_out' "
                "ELSE 'active' END, "
                "CASE WHEN s.n %% 50 = 0 THEN %s WHEN s.n %% 100 = 1 THEN %s ELSE NULL END, "
                "%s, %s "
                f"FROM {area} g JOIN {area} v ON v.id = g.parent_id "
                f"JOIN {area} t ON t.id = v.parent_id JOIN {area} c ON c.id = t.parent_id "
                "CROSS JOIN s WHERE g.level = 'group' AND g.path LIKE '/99/%%'",
                [
                    AS_OF - datetime.timedelta(days=30),
                    AS_OF + datetime.timedelta(days=30),
                    AS_OF,
                    AS_OF,
                ],
            )
        county_ids = list(
            Area.objects.filter(level=AreaLevel.COUNTY, path__startswith="/99/").values_list(
                "pk", flat=True
            )
        )
        Department.objects.bulk_create(
            Department(name="基准部门", level="county", kind="economic", area_id=c)
            for c in county_ids
        )
        departments = dict(
            Department.objects.filter(area_id__in=county_ids).values_list("area_id", "pk")
        )
        rng = random.Random(7)
        cadres = []
        townships = Area.objects.filter(level=AreaLevel.TOWNSHIP, path__startswith="/99/")
        per_township = PER * PER * HOUSEHOLDS_PER_GROUP // HOUSEHOLDS_PER_CADRE
        for t in townships.values_list("pk", "parent_id"):
            for i in range(per_township):
                left = AS_OF - datetime.timedelta(days=10) if i % 97 == 0 else None
                cadres.append(
                    Cadre(
                        name=f"干部{i}",
                        gender="male",
                        department_id=departments[t[1]],
                        rank=rng.choice(["ordinary", "section", "village_cadre"]),
                        area_id=t[0],
                        left_date=left,
                    )
                )
        Cadre.objects.bulk_create(cadres, batch_size=5000)
        pairing, cadre = qn(Pairing._meta.db_table), qn(Cadre._meta.db_table)
        with connection.cursor() as cursor:
            # 95% of households paired: most since 2025, some ending or starting around AS_OF.
            cursor.execute(
                f"INSERT INTO {pairing} (cadre_id, household_id, start_date, end_date, "
                "end_reason, created_at) "
                "SELECT b.base + (h.id %% b.k), h.id, "
                "CASE WHEN h.id %% 41 = 0 THEN %s ELSE %s END, "
                "CASE WHEN h.id %% 37 = 0 AND h.id %% 41 <> 0 THEN %s ELSE NULL END, '', %s "
                f"FROM {household} h JOIN (SELECT area_id, MIN(id) AS base, COUNT(*) AS k "
                f"FROM {cadre} GROUP BY area_id) b ON b.area_id = h.township_id "
                "WHERE h.code LIKE '99%%' AND h.id %% 20 <> 0",
                [
                    AS_OF + datetime.timedelta(days=5),
                    datetime.date(2025, 1, 1),
                    AS_OF - datetime.timedelta(days=3),
                    AS_OF,
                ],
            )
        villages = list(
            Area.objects.filter(level=AreaLevel.VILLAGE, path__startswith="/99/").values_list(
                "pk", "parent_id"
            )
        )
        zones = Zone.objects.bulk_create(
            [
                Zone(name=f"片区{v}", level="group", sort_key=natural_key(f"片区{v}"))
                for v, _ in villages
            ],
            batch_size=5000,
        )
        groups_by_village: dict[int, list[int]] = {}
        for g, v in Area.objects.filter(level=AreaLevel.GROUP, path__startswith="/99/").values_list(
            "pk", "parent_id"
        ):
            groups_by_village.setdefault(v, []).append(g)
        ZoneArea.objects.bulk_create(
            [
                ZoneArea(zone=z, area_id=g)
                for z, (v, _) in zip(zones, villages, strict=True)
                for g in groups_by_village[v]
            ],
            batch_size=5000,
        )
        leader_pool = list(
            Cadre.objects.filter(area__path__startswith="/99/").values_list("pk", flat=True)[
                : len(zones)
            ]
        )
        ZoneLeadership.objects.bulk_create(
            [
                ZoneLeadership(
                    zone=z, cadre_id=leader_pool[i], start_date=datetime.date(2025, 1, 1)
                )
                for i, z in enumerate(zones)
                if i % 10
            ],
            batch_size=5000,
        )
        return {
            "households": Household.objects.filter(code__startswith="99").count(),
            "areas": Area.objects.filter(path__startswith="/99/").count(),
            "cadres": len(cadres),
            "pairings": Pairing.objects.filter(household__code__startswith="99").count(),
            "zones": len(zones),
        }

    # Timing ------------------------------------------------------------------------------

    def _run(self, rounds: int, sample: int) -> None:
        project, limit = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            coverage_recompute(as_of=AS_OF, by=SYSTEM)
            project.append(time.perf_counter() - started)
            started = time.perf_counter()
            expected = hand_written(AS_OF)
            limit.append(time.perf_counter() - started)
        got = {
            s["area_id"]: tuple(s[k] for k in FIELDS)
            for s in CoverageSnapshot.objects.filter(as_of=AS_OF).values("area_id", *FIELDS)
        }
        # (b) counts households by their county…group ids; the province row is (a)'s alone.
        bench_ids = set(
            Area.objects.filter(path__startswith="/99/")
            .exclude(level=AreaLevel.PROVINCE)
            .values_list("pk", flat=True)
        )
        mismatches = [a for a in bench_ids if got.get(a) != expected.get(a, (0,) * 6)]
        if mismatches:
            raise CommandError(f"(a) and (b) disagree for {len(mismatches)} areas")
        areas = list(Area.objects.filter(path__startswith="/99/").order_by("?")[:sample])
        started = time.perf_counter()
        for area in areas:
            naive_area(area, AS_OF)
        per_area = (time.perf_counter() - started) / len(areas)
        naive = per_area * len(bench_ids)
        live = self._live(got, rounds)
        a, b = statistics.median(project), statistics.median(limit)
        self.stdout.write(live)
        self.stdout.write(
            f"(a) recompute (compute + write {len(got):,} rows): median {a:.3f} s "
            f"of {rounds} rounds {sorted(round(x, 3) for x in project)}\n"
            f"(b) hand-written SQL (compute only): median {b:.3f} s\n"
            f"(c) naive per-area ORM loop: {per_area * 1000:.1f} ms/area on {len(areas)} "
            f"areas → {naive:,.0f} s for {len(bench_ids):,} areas (extrapolated)\n"
            f"(a) and (b) agree on all {len(bench_ids):,} areas. "
            f"a/b = {a / b:.2f}×, c/a = {naive / a:,.0f}×"
        )

    def _live(self, got: dict[int, tuple], rounds: int) -> str:
        """(d) What a page does for a township or a village: count it and its children now
        (`coverage_count`), which must give (a)'s figures, against (e) the naive ORM counts
        of the area alone."""
        lines = []
        for level in (AreaLevel.TOWNSHIP, AreaLevel.VILLAGE):
            bench = Area.objects.filter(path__startswith="/99/", level=level)
            areas = list(bench.order_by("?")[:5])
            counted, naive = [], []
            for area in areas:
                for _ in range(rounds):
                    started = time.perf_counter()
                    rows = coverage_count(area, AS_OF)
                    counted.append(time.perf_counter() - started)
                for pk, row in rows.items():
                    if tuple(getattr(row, k) for k in FIELDS) != got[pk]:
                        raise CommandError(f"the live count of {area} disagrees with (a)")
                started = time.perf_counter()
                naive_area(area, AS_OF)
                naive.append(time.perf_counter() - started)
            d, e = statistics.median(counted), statistics.median(naive)
            lines.append(
                f"(d) live count of a {level} and its {len(rows) - 1} children: median "
                f"{d * 1000:.1f} ms ({len(areas)} areas × {rounds}); (e) naive ORM, the area "
                f"alone: {e * 1000:.1f} ms; e/d = {e / d:.1f}×; (d) agrees with (a)\n"
            )
        return "".join(lines)


FIELDS = (
    "households",
    "covered_households",
    "cadres",
    "cadres_with_households",
    "zones",
    "zones_with_leader",
)


def hand_written(day: datetime.date) -> dict[int, tuple]:
    """The same figures with plain SQL, written out by hand (the practical limit)."""
    qn = connection.ops.quote_name
    active_h = "(h.status = 'active' OR h.status_date > %(d)s)"
    active_p = "(p.start_date <= %(d)s AND (p.end_date IS NULL OR p.end_date > %(d)s))"
    group = qn("group_id")
    covered = f"(SELECT DISTINCT p.household_id FROM liaison_pairing p WHERE {active_p}) cv"
    if connection.vendor == "postgresql":
        households = f"""
            SELECT COALESCE(h.{group}, h.village_id, h.township_id, h.county_id) AS area_id,
                   COUNT(*), COUNT(cv.household_id)
            FROM districts_household h LEFT JOIN {covered} ON cv.household_id = h.id
            WHERE {active_h}
            GROUP BY ROLLUP (h.county_id, h.township_id, h.village_id, h.{group})
        """
    else:
        parts = [
            f"""SELECT h.{col}, COUNT(*), COUNT(cv.household_id)
                FROM districts_household h LEFT JOIN {covered} ON cv.household_id = h.id
                WHERE {active_h} GROUP BY h.{col}"""
            for col in ("county_id", "township_id", "village_id", group)
        ]
        households = " UNION ALL ".join(parts)
    out: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(households, {"d": day})
        for area_id, n, covered in cursor.fetchall():
            out[area_id] = [n, int(covered or 0), 0, 0, 0, 0]
    # Cadres and zones: each row counted at its own area and the three above it.
    up = (
        "JOIN districts_area a0 ON a0.id = {col} "
        "LEFT JOIN districts_area a1 ON a1.id = a0.parent_id "
        "LEFT JOIN districts_area a2 ON a2.id = a1.parent_id "
        "LEFT JOIN districts_area a3 ON a3.id = a2.parent_id"
    )
    busy = (
        "EXISTS (SELECT 1 FROM liaison_pairing p JOIN districts_household h "
        f"ON h.id = p.household_id WHERE p.cadre_id = c.id AND {active_p} AND {active_h})"
    )
    led = (
        "EXISTS (SELECT 1 FROM liaison_zoneleadership zl WHERE zl.zone_id = za.zone_id "
        "AND zl.start_date <= %(d)s AND (zl.end_date IS NULL OR zl.end_date > %(d)s))"
    )
    cadre_cols = f"COUNT(*), SUM(CASE WHEN {busy} THEN 1 ELSE 0 END)"
    zone_cols = f"COUNT(DISTINCT za.zone_id), COUNT(DISTINCT CASE WHEN {led} THEN za.zone_id END)"
    cadre_from = (
        f"FROM liaison_cadre c {up.format(col='c.area_id')} "
        "WHERE c.left_date IS NULL OR c.left_date > %(d)s"
    )
    zone_from = f"FROM districts_zonearea za {up.format(col='za.area_id')}"
    with connection.cursor() as cursor:
        for cols, source, slot in ((cadre_cols, cadre_from, 2), (zone_cols, zone_from, 4)):
            if connection.vendor == "postgresql":
                sql = (
                    f"SELECT COALESCE(a0.id, a1.id, a2.id, a3.id), {cols} {source} "
                    "GROUP BY GROUPING SETS ((a0.id), (a1.id), (a2.id), (a3.id))"
                )
            else:
                sql = " UNION ALL ".join(
                    f"SELECT {a}.id, {cols} {source} GROUP BY {a}.id"
                    for a in ("a0", "a1", "a2", "a3")
                )
            cursor.execute(sql, {"d": day})
            for area_id, n, part in cursor.fetchall():
                if area_id is not None:
                    out.setdefault(area_id, [0] * 6)[slot : slot + 2] = [n, int(part or 0)]
    return {k: tuple(v) for k, v in out.items()}


def naive_area(area: Area, day: datetime.date) -> tuple:
    """One area's figures the naive way: a handful of ORM queries per area."""
    households = Household.objects.in_area(area).filter(Q(status="active") | Q(status_date__gt=day))
    covered = households.filter(
        Exists(Pairing.objects.active(day).filter(household=OuterRef("pk")))
    )
    cadres = Cadre.objects.active(day).filter(area__path__startswith=area.path)
    busy = cadres.filter(Exists(Pairing.objects.active(day).filter(cadre=OuterRef("pk"))))
    zones = Zone.objects.filter(areas__path__startswith=area.path).distinct()
    led = zones.filter(
        Exists(
            ZoneLeadership.objects.filter(zone=OuterRef("pk"), start_date__lte=day).filter(
                Q(end_date__isnull=True) | Q(end_date__gt=day)
            )
        )
    )
    return (
        households.count(),
        covered.count(),
        cadres.count(),
        busy.count(),
        zones.count(),
        led.count(),
    )
