"""Erase the personal data of households gone longer than the retention period (PIPL)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from districts.access import SYSTEM
from districts.models import Area, PrivacyPolicy
from districts.services import import_files_erase, personal_data_erase
from liaison.common.registry import erasers


class Command(BaseCommand):
    help = (
        "Blank the head's name, ID number, phone and address of households moved out or "
        "deregistered longer ago than the retention period (PrivacyPolicy), in the "
        "households and their history; counts and coverage stay. Run it daily or monthly."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Only say how many households would be erased."
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        counts = personal_data_erase(by=SYSTEM, dry_run=dry_run)
        names = dict(Area.objects.filter(pk__in=list(counts)).values_list("pk", "name"))
        total = sum(counts.values())
        years = PrivacyPolicy.current().retention_years
        for county_id, count in sorted(counts.items()):
            self.stdout.write(f"{names.get(county_id, county_id)}: {count}")
        if dry_run:
            message = ngettext(
                "%(count)d household gone more than %(years)d years would be erased (dry run).",
                "%(count)d households gone more than %(years)d years would be erased (dry run).",
                total,
            )
        else:
            message = ngettext(
                "Erased the personal data of %(count)d household gone more than %(years)d years.",
                "Erased the personal data of %(count)d households gone more than %(years)d years.",
                total,
            )
        self.stdout.write(message % {"count": total, "years": years})
        files = import_files_erase(by=SYSTEM, dry_run=dry_run)
        if files:
            self.stdout.write(
                (
                    ngettext(
                        "%(count)d import older than %(years)d years: its file and error "
                        "report would be deleted (dry run).",
                        "%(count)d imports older than %(years)d years: their files and error "
                        "reports would be deleted (dry run).",
                        files,
                    )
                    if dry_run
                    else ngettext(
                        "Deleted the file and error report of %(count)d import older than "
                        "%(years)d years.",
                        "Deleted the files and error reports of %(count)d imports older than "
                        "%(years)d years.",
                        files,
                    )
                )
                % {"count": files, "years": years}
            )
        others = 0
        for eraser in erasers():
            count = eraser.erase(by=SYSTEM, dry_run=dry_run, retention_years=years)
            others += count
            if count:
                self.stdout.write(f"{eraser.label}: {count}")
        if not total and not files and not others:
            self.stdout.write(_("Nothing to erase."))
