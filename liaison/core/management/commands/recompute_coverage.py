"""Recompute the coverage snapshots of every area, as of a date (default today)."""

import datetime
import time
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from districts.access import SYSTEM
from liaison.core.coverage import coverage_recompute


class Command(BaseCommand):
    help = "Recompute coverage for every area as of a date; rerunning replaces that date's rows."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, as_of: str | None = None, **options: Any) -> None:
        try:
            day = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
        except ValueError:
            raise CommandError("Write --as-of as YYYY-MM-DD.") from None
        started = time.perf_counter()
        try:
            rows = coverage_recompute(as_of=day, by=SYSTEM)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Coverage as of {day}: {rows} areas in {time.perf_counter() - started:.2f} s."
            )
        )
