"""Benchmark the households import against the plain INSERT of the same rows.

Builds a synthetic county under code 999999 inside a transaction that is rolled back at the
end, so the database is left as it was. Prints the import's time, the baseline's (one
plain write of the already-valid rows: COPY on PostgreSQL, executemany on SQLite; the
practical write limit, with no checks and no history) and their ratio.
"""

import csv
import io
import random
import statistics
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from districts.access import SYSTEM
from districts.demo import synthetic_id_number
from districts.imports import HOUSEHOLD_COLUMNS, import_households
from districts.models import Area, AreaLevel
from liaison.common.db import copy_rows


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time importing N households (validation, write, history) against a raw INSERT."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--households", type=int, default=100_000)
        parser.add_argument("--rounds", type=int, default=3)

    def handle(self, *args: Any, households: int, rounds: int, **options: Any) -> None:
        imports, baselines = [], []
        for _ in range(rounds):
            try:
                with transaction.atomic():
                    groups = self._tree(max(households // 50, 1))
                    data = self._csv(households, groups)
                    started = time.perf_counter()
                    result = import_households(io.BytesIO(data), "bench.csv", by=SYSTEM)
                    imports.append(time.perf_counter() - started)
                    assert result.created == households, result.errors[:3]
                    baselines.append(self._baseline(data, groups))
                    raise Rollback
            except Rollback:
                pass
        a, b = statistics.median(imports), statistics.median(baselines)
        self.stdout.write(
            f"{households} households on {connection.vendor}, median of {rounds}: "
            f"import {a:.2f} s ({households / a:,.0f} rows/s), "
            f"raw write baseline {b:.2f} s, ratio {a / b:.1f}x"
        )

    def _tree(self, n_groups: int) -> dict[str, tuple[int, int, int, int]]:
        county = Area.objects.create(
            code="999999", name="基准县", level=AreaLevel.COUNTY, path="/999999/"
        )
        town = Area.objects.create(
            code="999999100", name="基准乡", level=AreaLevel.TOWNSHIP, parent=county,
            path="/999999/999999100/",
        )  # fmt: skip
        groups = {}
        for v in range(max(n_groups // 15, 1)):
            code = f"999999100{v:03d}"
            village = Area.objects.create(
                code=code, name=f"村{v}", level=AreaLevel.VILLAGE, parent=town,
                path=f"{town.path}{code}/",
            )  # fmt: skip
            new = [
                Area(
                    code=f"{code}{g:03d}",
                    name=f"组{g}",
                    level=AreaLevel.GROUP,
                    parent=village,
                    path=f"{village.path}{code}{g:03d}/",
                )
                for g in range(15)
            ]
            for group in Area.objects.bulk_create(new):
                groups[group.code] = (group.pk, village.pk, town.pk, county.pk)
        return groups

    def _csv(self, n: int, groups: dict[str, tuple[int, int, int, int]]) -> bytes:
        rng = random.Random(n)
        codes = list(groups)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HOUSEHOLD_COLUMNS[:8])
        for i in range(n):
            writer.writerow(
                [f"BENCH{i:08d}", codes[i % len(codes)], "岩罕", rng.randint(1, 8),
                 synthetic_id_number(rng), f"1390000{i % 10000:04d}", "地址",
                 "poor" if i % 7 == 0 else ""]
            )  # fmt: skip
        return out.getvalue().encode()

    def _baseline(self, data: bytes, groups: dict[str, tuple[int, int, int, int]]) -> float:
        now = timezone.now()
        rows = []
        for rec in list(csv.reader(io.StringIO(data.decode())))[1:]:
            group, village, town, county = groups[rec[1]]
            mask = 2 if rec[7] else 0
            rows.append(
                ("RAW" + rec[0], group, county, town, village, rec[2], int(rec[3]), rec[4], rec[5],
                 rec[6], mask, "active", None, now, now)
            )  # fmt: skip
        columns = [
            "code", "group_id", "county_id", "township_id", "village_id", "head_name", "members",
            "id_number", "phone", "address", "categories", "status", "status_date", "created_at",
            "updated_at",
        ]  # fmt: skip
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            copy_rows("districts_household", columns, rows)
        else:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO districts_household ({', '.join(columns)}) "
                    f"VALUES ({', '.join(['%s'] * len(columns))})",
                    rows,
                )
        return time.perf_counter() - started
