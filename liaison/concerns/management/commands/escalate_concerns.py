"""Raise concerns' escalation levels (the 15-minute beat job, by hand or for a given day)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from districts.access import SYSTEM


class Command(BaseCommand):
    help = "Remind, mark overdue and send to county supervision the concerns due by a day."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="YYYY-MM-DD (default: today)")

    def handle(self, *args, **options):
        from liaison.concerns.services import escalate_concerns

        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError as exc:
                raise CommandError(_("Give the day as YYYY-MM-DD.")) from exc
        result = escalate_concerns(today=today, by=SYSTEM)
        self.stdout.write(
            _(
                "Reminded %(reminded)d, overdue %(overdue)d, county supervision "
                "%(supervised)d, closed after the call-back window %(closed)d."
            )
            % result.as_dict()
        )
