"""Project-wide checks: translations complete, production settings safe."""

import datetime
import io
import os
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_zh_hans_translation_is_complete():
    catalogue = polib.pofile(str(PO))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []


def test_compiled_catalogue_matches_the_po_file():
    po = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0) for e in polib.pofile(str(PO))}
    mo = {
        (e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural.get(0)
        for e in polib.mofile(str(PO.with_suffix(".mo")))
    }
    assert po == mo, "run `make messages` (compilemessages) after editing the .po file"


def test_production_refuses_to_start_without_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(DEBUG="0", DJANGO_SETTINGS_MODULE="liaison.settings")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd="/",
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


# The demo depends on the day it is loaded (pairing start dates, duty days of this month and
# the two before, coverage trend dates): load it as of a fixed day to count it exactly.
DEMO_DAY = datetime.date(2026, 3, 18)
DEMO_TABLES = {
    "auth.User": 10,
    "districts.Area": 669,
    "districts.HistoricalArea": 669,
    "districts.Household": 33945,
    "districts.HistoricalHousehold": 33945,
    "districts.Zone": 348,
    "districts.ZoneArea": 666,
    "districts.Jurisdiction": 9,
    "districts.PersonalDataAccess": 0,
    "districts.AuditEntry": 0,
    "districts.PrivacyPolicy": 0,
    "districts.ImportJob": 0,
    "liaison.Department": 46,
    "liaison.Cadre": 2205,
    "liaison.HistoricalCadre": 1,  # the demo cadre account linked to its cadre
    "liaison.AccountEvent": 0,
    "liaison.UserSession": 0,
    "liaison.Pairing": 33219,
    "liaison.HistoricalPairing": 0,
    "liaison.ZoneLeadership": 345,
    "liaison.HistoricalZoneLeadership": 0,
    "liaison.DepartmentVillageLink": 84,
    "liaison.FiveLinksRule": 5,
    # 669 areas × (the first of each of the six months before, and the day itself)
    "liaison.CoverageSnapshot": 669 * 7,
    "liaison.CoverageJob": 0,
    "liaison.ContactInfo": 43,  # the county and its 42 villages
    "concerns.Category": 10,  # the default catalogue (a migration)
    "concerns.ConcernPolicy": 1,
    "concerns.WorkdayOverride": 0,
    "concerns.TrackingSequence": 2,  # 2025 and 2026
    # Six months of concerns, 208 of them slips from the opinion boxes' 88 openings.
    "concerns.Concern": 3136,
    "concerns.ConcernEvent": 14362,
    "concerns.ConcernAttachment": 0,
    "concerns.Notification": 7,  # the demo cadre's, one per concern to act on
    "concerns.OpinionBox": 13,
    "concerns.BoxOpening": 88,
    "concerns.OfficerReport": 17,  # the demo liaison officer's last thirty days
    # Twelve months of statistics (areas × months × total, channels and categories).
    "concerns.ConcernStats": 5084,
    "concerns.ConcernStatsJob": 0,
    "concerns.MailIntake": 0,  # the mailbox's addresses: set by the county
    "concerns.QuarantinedMail": 0,
    "concerns.Open311Key": 0,  # other systems' keys are issued by the county
    "concerns.ContactCard": 0,  # issued when a village's cards are printed
    "concerns.PublicPolicy": 0,  # created on first use
    "dutydays.DutyDay": 10380,
    "dutydays.DutyPhoto": 0,
    "dutydays.DutyQuota": 8,
    "dutydays.DutySettings": 1,
    "dutydays.Leave": 0,
    "dutydays.MonthlyCompliance": 2205 * 3,  # every cadre, January to March
}


def _demo_counts() -> dict[str, int]:
    from django.apps import apps

    labels = ("districts", "liaison", "concerns", "dutydays")
    tables = [m for label in labels for m in apps.get_app_config(label).get_models()]
    tables.append(apps.get_model("auth", "User"))
    return {m._meta.label: m._default_manager.count() for m in tables}


def _count_by(queryset, field: str) -> dict[str, int]:
    from django.db.models import Count

    return dict(queryset.values_list(field).annotate(n=Count("pk")).order_by(field))


def test_demo_seed_loads_exactly_the_demo_county(db, settings, monkeypatch):
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from districts.models import Area, Household, Jurisdiction, Zone
    from dutydays.models import DutyDay
    from liaison.concerns.models import OPEN_STATES, Concern
    from liaison.core.models import Cadre, Pairing

    settings.DEBUG = True  # the demo accounts too
    real_localdate = timezone.localdate
    monkeypatch.setattr(
        timezone,
        "localdate",
        lambda value=None, timezone=None: (
            DEMO_DAY if value is None else real_localdate(value, timezone)
        ),
    )
    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    assert _demo_counts() == DEMO_TABLES
    assert _count_by(Area.objects, "level") == {
        "province": 1,
        "prefecture": 1,
        "county": 1,
        "township": 6,
        "village": 42,
        "group": 618,
    }
    assert not Household.objects.exclude(
        township__path__startswith="/530000/530800/530827/"
    ).exists()
    assert _count_by(Household.objects, "status") == {
        "active": 33255,
        "moved_out": 511,
        "deregistered": 179,
    }
    assert _count_by(Zone.objects, "level") == {"township": 6, "village": 42, "group": 300}
    assert _count_by(Cadre.objects, "rank") == {
        "county_leader": 25,
        "department_head": 34,
        "township_leader": 60,
        "section": 320,
        "ordinary": 1262,
        "village_cadre": 420,
        "instructor": 42,
        "graduate_official": 42,
    }
    assert Pairing.objects.active().count() == 33219
    covered = Pairing.objects.active().values("household")
    assert Household.objects.active().exclude(pk__in=covered).count() == 36
    idle = Cadre.objects.exclude(pk__in=Pairing.objects.values("cadre"))
    assert idle.count() == 24  # left without households, for the gap list
    assert DutyDay.objects.filter(in_zone=True).count() == 9510
    assert DutyDay.households.through.objects.count() == 11882
    # Concerns in every state but `received` (every place has a zone leader to route to).
    assert _count_by(Concern.objects, "state") == {
        "assigned": 36,
        "awaiting_info": 12,
        "closed": 2585,
        "duplicate": 145,
        "in_progress": 84,
        "referred": 112,
        "rejected": 85,
        "resolved": 77,
    }
    # What the demo liaison officer and hotline operator entered; the demo cadre's inbox.
    assert Concern.objects.filter(created_by__username="officer").count() == 28
    assert Concern.objects.filter(created_by__username="hotline").count() == 796
    mine = Concern.objects.filter(owner__user__username="cadre", state__in=OPEN_STATES)
    assert mine.count() == 7
    # Every demo day records what the policy asks of a day: an activity, and a household
    # visited or a diary of at least 20 characters.
    from dutydays.services import diary_length

    assert not DutyDay.objects.filter(activities=0).exists()
    without_households = DutyDay.objects.filter(households__isnull=True)
    assert min(map(diary_length, without_households.values_list("diary", flat=True))) >= 20
    # The demo accounts (development mode only): one superuser, one of each role.
    users = get_user_model().objects.order_by("username")
    assert [(u.username, u.is_superuser) for u in users] == [
        ("admin", True),
        ("cadre", False),
        ("county", False),
        ("hotline", False),
        ("inspector", False),
        ("mengma", False),
        ("nayun", False),
        ("officer", False),
        ("orgdept", False),
        ("viewer", False),
    ]
    assert {
        j.user.username: (j.role, [a.code for a in j.areas.all()])
        for j in Jurisdiction.objects.select_related("user")
    } == {
        "county": ("administrator", ["530827"]),
        "nayun": ("area_admin", ["530827100"]),
        "mengma": ("area_admin", ["530827101"]),
        "orgdept": ("org_department", ["530827"]),
        "inspector": ("inspector", ["530827"]),
        "cadre": ("cadre", ["530827100201"]),
        "officer": ("liaison_officer", ["530827100201"]),
        "hotline": ("hotline_operator", ["530827"]),
        "viewer": ("viewer", ["530827"]),
    }
    assert Cadre.objects.get(user__username="cadre").area.code == "530827100201"
    # What the command says it loaded is what it loaded.
    assert out.getvalue().splitlines()[:5] == [
        "Loaded the demo county: 6 townships, 42 villages, 618 groups, 33945 households, "
        "348 zones.",
        "Loaded 46 departments, 2205 cadres, 345 zone leaders, 84 department–village links, "
        "33219 pairings (36 households left uncovered), 4683 coverage rows.",
        "Loaded 3136 concerns (132 open, 42 overdue, 59 escalated, 150 reopened) with 14362 "
        "events, 13 opinion boxes and 88 openings.",
        "Computed 5084 concern statistics rows.",
        "Loaded 10380 duty days and 6615 compliance rows.",
    ]

    # Running it again changes nothing.
    call_command("seed_demo", stdout=io.StringIO())
    assert _demo_counts() == DEMO_TABLES


MENU_AREAS = [("Areas", "area-tree")]
MENU_EVERYONE = [
    ("Coverage", "coverage"),
    ("Gaps", "gaps"),
    ("Cadres", "cadre-list"),
    ("Duty days", "duty-compliance"),
    ("Zones", "zone-list"),
]
MENU_CADRE = [
    ("Log a day", "duty-log"),
    ("My month", "duty-month"),
    ("My households", "my-households"),
    ("My concerns", "concern-mine"),
    ("Card call", "concern-card"),
]
# Concerns: one entry; the queue, supervision, boxes, officers and statistics are reached
# from the concern pages' own navigation.
CONCERNS = [("Concerns", "concern-list")]
MENU_ADMIN = [("Import", "import-list"), ("Users", "user-list"), ("Audit log", "audit-log")]
API = ("API ↗ (opens in a new tab)", "api-docs")
HOME = ("Home", "dashboard")
EVERYONE = [*MENU_AREAS, *MENU_EVERYONE]
WATCHERS = [*MENU_AREAS, *CONCERNS, *MENU_EVERYONE]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("administrator", [HOME, *WATCHERS, *MENU_ADMIN, API]),
        ("area_admin", [HOME, *WATCHERS, *MENU_ADMIN, API]),
        ("org_department", [HOME, *WATCHERS]),
        ("cadre", [HOME, *MENU_CADRE, *EVERYONE]),
        ("inspector", [HOME, *WATCHERS]),
        ("viewer", [HOME, *WATCHERS]),
        (
            "hotline_operator",
            [HOME, ("Hotline", "concern-hotline"), *MENU_AREAS, *CONCERNS, *MENU_EVERYONE],
        ),
        (
            "liaison_officer",
            [
                HOME,
                ("Report a concern", "concern-officer"),
                ("Daily report", "concern-officer-report"),
                *EVERYONE,
            ],
        ),
    ],
)
def test_the_main_menu_of_each_role(client, login, tree, role, expected):
    """The apps' menu entries (registered in their AppConfig.ready), composed per role: the
    home page's entry marked current, the API docs for administrators only, in a new tab."""
    from django.urls import reverse

    from .factories import user_with_role
    from .html import parse

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the menu's new labels are English until merged
    user = user_with_role(role, tree.town_a)
    menu = parse(login(user).get(reverse("dashboard"))).find("ul", class_="navbar-nav")
    urls = [reverse(name, args=["households"] if name == "gaps" else []) for _, name in expected]
    assert list(zip(menu.texts("a"), menu.links(), strict=True)) == list(
        zip([label for label, _ in expected], urls, strict=True)
    )
    assert menu.texts("a", aria_current="page") == ["Home"]
    assert menu.find_all("a", class_="active") == menu.find_all("a", aria_current="page")
    new_tab = [(a["href"], a["target"], a["rel"]) for a in menu.find_all("a", target=True)]
    if API in expected:
        assert new_tab == [(reverse("api-docs"), "_blank", "noopener")]
    else:
        assert new_tab == []
        assert reverse("api-docs") not in parse(login(user).get(reverse("dashboard"))).all_text


@pytest.mark.parametrize(
    ("page", "current"),
    [
        ("area-tree", "Areas"),
        ("area-detail", "Areas"),
        ("household-detail", "Areas"),
        ("coverage", "Coverage"),
        ("gaps-cadres", "Gaps"),
        ("cadre-list", "Cadres"),
        ("cadre-detail", "Cadres"),
        ("duty-compliance", "Duty days"),
        ("zone-list", "Zones"),
        ("import-list", "Import"),
        ("user-list", "Users"),
        ("user-update", "Users"),
        ("password-change", None),
    ],
)
def test_the_menu_marks_the_current_page(client, login, tree, county_admin, cadre_a, page, current):
    """One entry, the page's own (or the one above it), carries aria-current and the active
    style; a page of no entry (the password page) marks none."""
    from django.urls import reverse

    from .html import parse

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = {
        "area-detail": reverse("area-detail", args=[tree.village_a.pk]),
        "household-detail": reverse("household-detail", args=[tree.households_a[0].pk]),
        "gaps-cadres": reverse("gaps", args=["cadres"]),
        "cadre-detail": reverse("cadre-detail", args=[cadre_a.pk]),
        "user-update": reverse("user-update", args=[county_admin.pk]),
    }.get(page) or reverse(page)
    response = login(county_admin).get(url)
    assert response.status_code == 200
    menu = parse(response).find("ul", class_="navbar-nav")
    assert menu.texts("a", aria_current="page") == ([current] if current else [])
    assert menu.texts("a", class_="active") == ([current] if current else [])


@pytest.mark.parametrize(
    ("page", "current"),
    [("duty-log", "Log a day"), ("duty-month", "My month"), ("my-households", "My households")],
)
def test_the_menu_marks_a_cadres_pages(client, login, tree, cadre_user_a, page, current):
    from django.urls import reverse

    from .html import parse

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    menu = parse(login(cadre_user_a).get(reverse(page))).find("ul", class_="navbar-nav")
    assert menu.texts("a", aria_current="page") == [current]


def test_the_login_page_has_no_menu_and_says_what_went_wrong(client, db):
    from django.urls import reverse

    from .factories import UserFactory
    from .html import parse

    UserFactory(username="zhang")
    page = parse(client.get(reverse("login")))
    assert page.find_all("ul", class_="navbar-nav") == []
    assert page.form_errors() == []
    wrong = parse(client.post(reverse("login"), {"username": "zhang", "password": "wrong"}))
    assert wrong.form_errors() == ["请输入一个正确的用户名和密码。注意，两者都区分大小写。"]
    assert wrong.find("input", name="username")["value"] == "zhang"
