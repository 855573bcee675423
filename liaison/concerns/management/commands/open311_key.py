"""Issue an Open311 key: `python manage.py open311_key NAME --area CODE [--channel CHANNEL]`.

Prints the new key alone on standard output (only its SHA-256 is stored: it cannot be
shown again).
"""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from districts.access import SYSTEM
from districts.models import Area
from liaison.concerns import open311
from liaison.concerns.models import Channel


class Command(BaseCommand):
    help = "Issue an Open311 GeoReport v2 key for another system; prints the key alone."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("name", help="the client's name (e.g. 县12345热线平台)")
        parser.add_argument("--area", required=True, help="code of the county or township")
        parser.add_argument(
            "--channel", default=Channel.HOTLINE, choices=Channel.values, help="default: hotline"
        )
        parser.add_argument(
            "--default-area", default="", help="code of the village or group for address_string"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        area = Area.objects.filter(code=options["area"]).first()
        if area is None:
            raise CommandError(f"No area with code {options['area']}.")
        default_area = None
        if options["default_area"]:
            default_area = Area.objects.filter(code=options["default_area"]).first()
            if default_area is None:
                raise CommandError(f"No area with code {options['default_area']}.")
        try:
            _key, raw = open311.key_issue(
                by=SYSTEM,
                name=options["name"],
                area=area,
                channel=options["channel"],
                default_area=default_area,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(raw)
