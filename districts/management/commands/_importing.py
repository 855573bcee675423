"""Shared body of the import_areas and import_households commands."""

from argparse import ArgumentParser
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.management.base import BaseCommand, CommandError

from districts.access import SYSTEM
from districts.imports import ImportFileError

if TYPE_CHECKING:
    from districts.imports import ImportResult


class ImportCommand(BaseCommand):
    importer: ClassVar[Callable[..., "ImportResult"]]  # set by subclasses
    columns = ""

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help=f"CSV or XLSX file with columns: {self.columns}")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")

        def progress(phase: str, done: int, total: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"{phase}: {done}/{total}")

        try:
            with path.open("rb") as fh:
                result = type(self).importer(fh, path.name, by=SYSTEM, progress=progress)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        if result.errors:
            for e in result.errors:
                self.stderr.write(f"row {e.row}, {e.column}: {e.message}")
            raise CommandError(
                f"{len(result.errors)} error(s) in {result.rows_total} rows: nothing was written."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows_total} rows: {result.created} new, {result.updated} updated, "
                f"{result.unchanged} unchanged."
            )
        )
