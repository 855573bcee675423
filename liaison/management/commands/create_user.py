"""Create (or with --update, change) a login account with a role and a jurisdiction."""

import getpass
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from districts.access import SYSTEM
from districts.models import ROLES, Area
from liaison.core import accounts
from liaison.core.models import Cadre

PROMPTS = 3


class Command(BaseCommand):
    help = (
        "Create a login account: create_user USERNAME --role ROLE --area CODE [--area CODE…] "
        "[--cadre ID] [--password PASSWORD] [--update]. Without --password it asks for one "
        "(twice) on a terminal, or else prints a one-time password to change at first login."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", help=f"one of: {', '.join(list(ROLES))}")
        parser.add_argument(
            "--area",
            action="append",
            default=[],
            metavar="CODE",
            help="area code of the jurisdiction (repeat for several areas)",
        )
        parser.add_argument("--cadre", type=int, metavar="ID", help="link the cadre with this id")
        parser.add_argument("--password", help="the password (else: prompt or one-time)")
        parser.add_argument(
            "--update",
            action="store_true",
            help="change an existing account's role, areas, cadre or password instead",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        role: str | None = options["role"]
        codes: list[str] = options["area"]
        if role is not None and role not in list(ROLES):
            raise CommandError(f"Unknown role {role!r}; roles: {', '.join(list(ROLES))}.")
        areas = self._areas(codes)
        cadre = self._cadre(options["cadre"])
        by = SYSTEM
        existing = get_user_model().objects.filter(username__iexact=username).first()
        if existing is not None and not options["update"]:
            raise CommandError(
                f"The username {existing.username!r} is taken (id {existing.pk}); "
                "pass --update to change that account."
            )
        if existing is None and options["update"]:
            raise CommandError(f"No user {username!r} to update.")
        try:
            if existing is not None:
                self._update(existing, role, areas if codes else None, cadre, options, by)
            else:
                self._create(username, role, areas, cadre, options["password"], by)
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc
        except (PermissionDenied, Http404) as exc:
            raise CommandError(str(exc) or "Not allowed.") from exc

    def _areas(self, codes: list[str]) -> list[Area]:
        found = {a.code: a for a in Area.objects.filter(code__in=codes)}
        unknown = [c for c in codes if c not in found]
        if unknown:
            raise CommandError(f"Unknown area codes: {', '.join(unknown)}.")
        return [found[c] for c in dict.fromkeys(codes)]

    def _cadre(self, pk: int | None) -> Cadre | None:
        if pk is None:
            return None
        cadre = Cadre.objects.filter(pk=pk).first()
        if cadre is None:
            raise CommandError(f"No cadre with id {pk}.")
        return cadre

    def _create(
        self,
        username: str,
        role: str | None,
        areas: list[Area],
        cadre: Cadre | None,
        password: str | None,
        by: Any,
    ) -> None:
        if role is None:
            raise CommandError("Give the account's role with --role.")
        if not areas:
            raise CommandError("Give at least one area of the jurisdiction with --area CODE.")
        if password is None and sys.stdin.isatty():
            password = self._prompt()
        user, issued = accounts.user_create(
            username=username, role=role, areas=areas, cadre=cadre, password=password, by=by
        )
        self.stdout.write(self.style.SUCCESS(f"Created user {user.pk} {user.username}."))
        if issued is not None:
            self.stdout.write(f"One-time password: {issued}")
            self.stdout.write("It must be changed at the first login.")

    def _update(
        self,
        user: Any,
        role: str | None,
        areas: list[Area] | None,
        cadre: Cadre | None,
        options: dict[str, Any],
        by: Any,
    ) -> None:
        changes: dict[str, Any] = {}
        if role is not None:
            changes["role"] = role
        if areas is not None:
            changes["areas"] = areas
        if cadre is not None:
            changes["cadre"] = cadre
        if options["password"] is not None:
            changes["password"] = options["password"]
        if not changes:
            raise CommandError("Nothing to update: give --role, --area, --cadre or --password.")
        user = accounts.user_update(user=user, by=by, **changes)
        self.stdout.write(self.style.SUCCESS(f"Updated user {user.pk} {user.username}."))

    def _prompt(self) -> str:
        for _attempt in range(PROMPTS):
            password = getpass.getpass("Password: ")
            if not password:
                self.stderr.write("A blank password is not allowed.")
                continue
            if getpass.getpass("Password (again): ") != password:
                self.stderr.write("The two passwords differ; try again.")
                continue
            return password
        raise CommandError("No password given.")


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)
