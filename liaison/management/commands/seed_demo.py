"""Load the demo county (Menglian) and, in development mode only, demo accounts."""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from districts.access import SYSTEM, role_label
from districts.demo import COUNTY_CODE, demo_loaded, load_demo_county
from districts.models import Area, Jurisdiction, Role
from dutydays.demo import load_duty_demo
from dutydays.models import DutyDay
from liaison.concerns.access import HOTLINE_OPERATOR, LIAISON_OFFICER
from liaison.concerns.demo import (
    FOCUS_VILLAGE,
    attach_demo_accounts,
    concerns_demo_loaded,
    load_concerns_demo,
)
from liaison.concerns.statistics import MONTHS_SHOWN, concern_stats_recompute, last_months
from liaison.core.demo import liaison_demo_loaded, load_liaison_demo
from liaison.core.models import Cadre

DEMO_PASSWORD = "demo-liaison"
# (username, role, area code of the jurisdiction; None: superuser)
DEMO_ACCOUNTS = [
    ("admin", None, None),
    ("county", Role.ADMINISTRATOR, COUNTY_CODE),
    ("nayun", Role.AREA_ADMIN, "530827100"),
    ("mengma", Role.AREA_ADMIN, "530827101"),
    ("orgdept", Role.ORG_DEPARTMENT, COUNTY_CODE),
    ("inspector", Role.INSPECTOR, COUNTY_CODE),
    ("cadre", Role.CADRE, FOCUS_VILLAGE),
    ("officer", LIAISON_OFFICER, FOCUS_VILLAGE),
    ("hotline", HOTLINE_OPERATOR, COUNTY_CODE),
    ("viewer", Role.VIEWER, COUNTY_CODE),
]


class Command(BaseCommand):
    help = "Load the deterministic demo county (孟连县), unless it is already loaded."

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_loaded():
            self.stdout.write("The demo county's areas and households are already loaded.")
        else:
            s = load_demo_county()
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the demo county: {s.townships} townships, {s.villages} villages, "
                    f"{s.groups} groups, {s.households} households, {s.zones} zones."
                )
            )
        if liaison_demo_loaded():
            self.stdout.write("The demo county's cadres and pairings are already loaded.")
        else:
            liaison = load_liaison_demo(timezone.localdate())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {liaison.departments} departments, {liaison.cadres} cadres, "
                    f"{liaison.leaders} zone leaders, {liaison.links} department–village links, "
                    f"{liaison.pairings} pairings ({liaison.uncovered} households left "
                    f"uncovered), {liaison.snapshots} coverage rows."
                )
            )
        if concerns_demo_loaded():
            self.stdout.write("The demo county's concerns are already loaded.")
        else:
            c = load_concerns_demo(timezone.localdate())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded {c.concerns} concerns ({c.open} open, {c.overdue} overdue, "
                    f"{c.escalated} escalated, {c.reopened} reopened) with {c.events} events, "
                    f"{c.boxes} opinion boxes and {c.openings} openings."
                )
            )
            # The concerns' statistics of the last twelve months, as the nightly job would.
            months = last_months(MONTHS_SHOWN, timezone.localdate())
            rows = concern_stats_recompute(months=months, by=SYSTEM)
            self.stdout.write(self.style.SUCCESS(f"Computed {rows} concern statistics rows."))
        if DutyDay.objects.exists():
            self.stdout.write("The demo county's duty days are already loaded.")
        else:
            days, rows = load_duty_demo(timezone.localdate())
            self.stdout.write(
                self.style.SUCCESS(f"Loaded {days} duty days and {rows} compliance rows.")
            )
        if settings.DEBUG:
            self._demo_accounts()
        else:
            self.stdout.write("Demo accounts are created only in development mode (DEBUG=1).")

    @transaction.atomic
    def _demo_accounts(self) -> None:
        User = get_user_model()
        for username, role, area_code in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.is_superuser = user.is_staff = role is None
                user.save()
            if role is not None:
                jurisdiction, _ = Jurisdiction.objects.update_or_create(
                    user=user, defaults={"role": role}
                )
                jurisdiction.areas.set(Area.objects.filter(code=area_code))
            if role == Role.CADRE:
                # The demo cadre account is a village cadre of its village.
                cadre = Cadre.objects.filter(area__code=area_code, user__isnull=True).first()
                if cadre is not None and not Cadre.objects.filter(user=user).exists():
                    cadre.user = user
                    cadre.save(update_fields=["user"])
        # What the liaison officer and the hotline entered, the officer's daily reports, the
        # demo cadre's messages.
        users = {u.username: u for u in User.objects.filter(username__in=["officer", "hotline"])}
        attach_demo_accounts(
            officer=users["officer"],
            hotline=users["hotline"],
            cadre=User.objects.get(username="cadre"),
            today=timezone.localdate(),
        )
        self.stdout.write("")
        self.stdout.write("Demo accounts (development mode only), password: " + DEMO_PASSWORD)
        for username, role, area_code in DEMO_ACCOUNTS:
            label = role_label(role) if role else "superuser"
            where = Area.objects.filter(code=area_code).values_list("name", flat=True).first()
            self.stdout.write(f"  {username:<10} {label}" + (f" · {where}" if where else ""))
