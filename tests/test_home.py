"""The home page by role: figures of the jurisdiction for those who run or watch the work, a
cadre's day, month and households, the work lists of the organisation department and
inspectors — composed from the widgets each app registers (liaison.common.registry)."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from districts.access import SYSTEM, is_role
from districts.models import Role
from dutydays.models import DutyDay, DutyQuota
from liaison.common import registry
from liaison.concerns.models import WorkdayOverride
from liaison.core.coverage import coverage_recompute

from .factories import (
    CadreFactory,
    CoverageSnapshotFactory,
    DutyDayFactory,
    DutyQuotaFactory,
    HouseholdFactory,
    MonthlyComplianceFactory,
    PairingFactory,
    UserFactory,
    ZoneFactory,
    ZoneLeadershipFactory,
    area_below,
    user_with_role,
)
from .html import Element, parse

pytestmark = pytest.mark.django_db

HOME_DAY = datetime.date(2026, 11, 20)
EARLY = datetime.date(2025, 6, 1)
OCTOBER = datetime.date(2026, 10, 1)
SEPTEMBER = datetime.date(2026, 9, 1)
DASHBOARD_BLOCKS = [
    "home-coverage-households",
    "home-coverage-cadres",
    "home-coverage-zones",
    "home-duty-compliance",
    "home-gaps",
    "home-concerns",
    "home-coverage-trend",
    "home-compliance-trend",
]
NOT_LINKED = "Your account is not linked to a cadre. Ask an administrator to link it."


@pytest.fixture(autouse=True)
def english_home(client) -> None:
    """The test client asks for English pages: the home page's messages are English until
    their translations (locale/pending/home.po) are merged."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def home_day(monkeypatch) -> datetime.date:
    """Today is 2026-11-20 for the pages (last month is October 2026)."""
    original = timezone.localdate

    def localdate(value=None, timezone=None):
        return HOME_DAY if value is None else original(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)
    # The working-day calendar knows 2027 (an override entered), so administrators get no
    # alert about it here (tests/concerns/test_calendar_alert.py).
    WorkdayOverride.objects.get_or_create(
        date=datetime.date(2027, 1, 1), defaults={"is_working_day": False}
    )
    return HOME_DAY


@pytest.fixture
def home_figures(tree, cadre_a, cadre_a2, cadre_b, township_a_department, home_day):
    """Township A: 5 households, 3 with 岩温 since 2025 and 1 with 玉香 since 2026-11-02;
    cadres 岩温, 玉香 and 岩罕 (idle); zones of 芒街一组 (led) and 芒街二组 (no leader).
    Township B: 2 households, 1 with 扎约, whose zone he leads. Coverage computed as of
    2026-10-31 and today; compliance for September and October."""
    idle = CadreFactory(name="岩罕", department=township_a_department)
    for household in tree.households_a[:3]:
        PairingFactory(cadre=cadre_a, household=household, start_date=EARLY)
    PairingFactory(cadre=cadre_b, household=tree.households_b[0], start_date=EARLY)
    PairingFactory(
        cadre=cadre_a2, household=tree.households_a[3], start_date=datetime.date(2026, 11, 2)
    )
    ZoneLeadershipFactory(cadre=cadre_a, zone=ZoneFactory(areas=[tree.group_a1]), start_date=EARLY)
    ZoneFactory(areas=[tree.group_a2])
    ZoneLeadershipFactory(cadre=cadre_b, zone=ZoneFactory(areas=[tree.group_b1]), start_date=EARLY)
    coverage_recompute(as_of=datetime.date(2026, 10, 31), by=SYSTEM)
    coverage_recompute(as_of=HOME_DAY, by=SYSTEM)
    for cadre, counted, required in ((cadre_a, 5, 5), (cadre_a2, 2, 5), (idle, 0, 0)):
        MonthlyComplianceFactory(
            cadre=cadre, month=OCTOBER, days_counted=counted, days_required=required
        )
    MonthlyComplianceFactory(cadre=cadre_b, month=OCTOBER, days_counted=7, days_required=7)
    MonthlyComplianceFactory(cadre=cadre_a, month=SEPTEMBER, days_counted=5, days_required=5)
    MonthlyComplianceFactory(cadre=cadre_b, month=SEPTEMBER, days_counted=3, days_required=7)
    return idle


def blocks(page: Element) -> list[str]:
    """The ids of the home page's blocks, in order."""
    return [child["id"] for child in page.find(id="home").children if isinstance(child, Element)]


def tiles(page: Element) -> dict[str, list[str]]:
    """{figure: [label, value, part / whole, note]} of each figure tile."""
    found = {}
    for tile in page.find_all("section", class_="home-tile"):
        detail = tile.find_all(class_="tile-detail")
        found[tile["data-figure"]] = [
            tile.find(class_="tile-label").text,
            tile.find(class_="tile-value").text,
            detail[0].text if detail else "",
            # The time of a live count is the minute the page was made.
            re.sub(r"\(\d\d:\d\d\)", "(hh:mm)", tile.find(class_="tile-note").text),
        ]
    return found


def tile_links(page: Element) -> dict[str, str]:
    return {t["data-figure"]: t.find("a")["href"] for t in page.find_all(class_="home-tile")}


def gaps(page: Element) -> list[tuple[str, str, str]]:
    return [(a["data-gap"], a.text, a["href"]) for a in page.find_all("a", data_gap=True)]


def chart(page: Element, key: str) -> dict:
    script = page.find("script", id=f"{key}-data")
    return json.loads("".join(c for c in script.children if isinstance(c, str)))


def months_with_figures(page: Element, key: str) -> list[list[str]]:
    """The rows of a trend's table that have a figure (the others read "—")."""
    return [row for row in page.table_rows(f"#{key}-table") if set(row[1:]) != {"—"}]


# Those who run or watch the work -------------------------------------------------------


def test_a_county_administrator_sees_the_county_at_a_glance(login, county_admin, home_figures):
    page = parse(login(county_admin).get(reverse("dashboard")))

    assert page.find("h1").text == "孟连县"
    assert page.find(id="home-area-tree")["href"] == reverse("area-tree")
    assert blocks(page) == DASHBOARD_BLOCKS
    assert tiles(page) == {
        "households": ["Households with a cadre", "71.4%", "5 / 7", "As of 2026-11-20"],
        "cadres": ["Cadres with households", "75.0%", "3 / 4", "As of 2026-11-20"],
        "zones": ["Zones with a leader", "66.6%", "2 / 3", "As of 2026-11-20"],
        "compliance": [
            "Met last month's quota",
            "66.6%",
            "2 / 3",
            "2026-10, cadres with a quota",
        ],
    }
    assert tile_links(page) == {
        "households": reverse("coverage"),
        "cadres": reverse("coverage"),
        "zones": reverse("coverage"),
        "compliance": f"{reverse('duty-compliance')}?month=2026-10",
    }
    assert gaps(page) == [
        ("households", "2 Households without a cadre", reverse("gaps", args=["households"])),
        ("cadres", "1 Cadres without households", reverse("gaps", args=["cadres"])),
        ("zones", "1 Zones without a leader", reverse("gaps", args=["zones"])),
    ]
    assert page.table_headers("#coverage-trend-table") == [
        "Month",
        "Households with a cadre",
        "Cadres with households",
        "Zones with a leader",
    ]
    assert [row[0] for row in page.table_rows("#coverage-trend-table")] == [
        "2025-12",
        *(f"2026-{m:02d}" for m in range(1, 12)),
    ]
    assert months_with_figures(page, "coverage-trend") == [
        ["2026-10", "57.1%", "50.0%", "66.6%"],
        ["2026-11", "71.4%", "75.0%", "66.6%"],
    ]
    assert chart(page, "coverage-trend")["datasets"][0]["data"] == [None] * 10 + [57.1, 71.4]
    assert [row[0] for row in page.table_rows("#compliance-trend-table")] == [
        "2025-11", "2025-12", *(f"2026-{m:02d}" for m in range(1, 11))
    ]  # fmt: skip
    assert months_with_figures(page, "compliance-trend") == [
        ["2026-09", "50.0%"],
        ["2026-10", "66.6%"],
    ]
    assert chart(page, "compliance-trend")["kind"] == "bar"
    # The charts' scripts come with the charts, once each.
    scripts = [s["src"] for s in page.find_all("script", src=True)]
    assert scripts.count("/static/js/charts.js") == 1
    assert scripts.count("/static/vendor/chart.js-4.6.1/chart.umd.min.js") == 1


def test_the_figures_are_those_of_their_pages(login, county_admin, home_figures):
    """The tiles read the coverage page's snapshot and the compliance page's totals; the gap
    counts are the gap pages' own."""
    client = login(county_admin)
    home = tiles(parse(client.get(reverse("dashboard"))))
    coverage = parse(client.get(reverse("coverage")))
    assert [home[k][1] for k in ("households", "cadres", "zones")] == [
        coverage.find(data_rate=k).text for k in ("households", "cadres", "zones")
    ]
    compliance = parse(client.get(reverse("duty-compliance") + "?month=2026-10"))
    assert compliance.find(id="compliance-totals").text == (
        "2 of 3 cadres with a quota met it (4 cadres in all)."
    )
    assert compliance.find(id="compliance-scope").text == "Cadres serving in your jurisdiction."
    gap_page = parse(client.get(reverse("gaps", args=["households"])))
    assert [gap_page.find(id=f"count-{k}").text for k in ("households", "cadres", "zones")] == [
        "2",
        "1",
        "1",
    ]


@pytest.mark.parametrize("user", ["admin_a", "viewer_a"])
def test_a_township_sees_only_its_township(request, login, home_figures, user):
    page = parse(login(request.getfixturevalue(user)).get(reverse("dashboard")))

    assert page.find("h1").text == "娜允镇"
    assert blocks(page) == DASHBOARD_BLOCKS
    assert tiles(page) == {
        # A township is counted now (settings.COVERAGE_COUNTED_LIVE).
        "households": ["Households with a cadre", "80.0%", "4 / 5", "Counted now (hh:mm)"],
        "cadres": ["Cadres with households", "66.6%", "2 / 3", "Counted now (hh:mm)"],
        "zones": ["Zones with a leader", "50.0%", "1 / 2", "Counted now (hh:mm)"],
        # 扎约 of township B met his quota: not this township's figure.
        "compliance": [
            "Met last month's quota",
            "50.0%",
            "1 / 2",
            "2026-10, cadres with a quota",
        ],
    }
    assert [(kind, text) for kind, text, _url in gaps(page)] == [
        ("households", "1 Households without a cadre"),
        ("cadres", "1 Cadres without households"),
        ("zones", "1 Zones without a leader"),
    ]
    assert months_with_figures(page, "coverage-trend") == [
        ["2026-10", "60.0%", "33.3%", "50.0%"],
        ["2026-11", "80.0%", "66.6%", "50.0%"],
    ]
    assert months_with_figures(page, "compliance-trend") == [
        ["2026-09", "100.0%"],
        ["2026-10", "50.0%"],
    ]
    assert "勐马镇" not in page.all_text
    assert "勐啊" not in page.all_text
    assert "扎约" not in page.all_text


def test_several_areas_add_up_and_a_superuser_sees_the_whole(login, tree, home_figures):
    both = user_with_role(Role.VIEWER, tree.town_a, tree.town_b)
    page = parse(login(both).get(reverse("dashboard")))
    assert page.find("h1").text == "娜允镇 · 勐马镇"
    figures = {k: v[1:3] for k, v in tiles(page).items()}
    assert figures == {
        "households": ["71.4%", "5 / 7"],
        "cadres": ["75.0%", "3 / 4"],
        "zones": ["66.6%", "2 / 3"],
        "compliance": ["66.6%", "2 / 3"],
    }
    assert months_with_figures(page, "coverage-trend") == [
        ["2026-10", "57.1%", "50.0%", "66.6%"],
        ["2026-11", "71.4%", "75.0%", "66.6%"],
    ]

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    page = parse(login(root).get(reverse("dashboard")))
    assert page.find("h1").text == "孟连县"
    assert {k: v[1:3] for k, v in tiles(page).items()} == figures


def test_before_anything_is_computed_the_tiles_say_so(login, tree, county_admin, home_day):
    page = parse(login(county_admin).get(reverse("dashboard")))
    assert tiles(page) == {
        "households": [
            "Households with a cadre",
            "—",
            "",
            "Not computed yet; coverage is computed every night.",
        ],
        "cadres": [
            "Cadres with households",
            "—",
            "",
            "Not computed yet; coverage is computed every night.",
        ],
        "zones": [
            "Zones with a leader",
            "—",
            "",
            "Not computed yet; coverage is computed every night.",
        ],
        "compliance": ["Met last month's quota", "—", "", "2026-10: not computed yet."],
    }
    assert page.texts(class_="chart-empty") == ["No figures for these months yet."] * 2
    assert page.find_all("canvas") == []
    assert page.find_all("script", src="/static/js/charts.js") == []  # nothing to draw


def test_a_month_without_quotas_says_so(login, tree, county_admin, cadre_a, home_day):
    MonthlyComplianceFactory(cadre=cadre_a, month=OCTOBER, days_counted=1, days_required=0)
    page = parse(login(county_admin).get(reverse("dashboard")))
    assert tiles(page)["compliance"] == [
        "Met last month's quota",
        "—",
        "",
        "2026-10: no cadre had a quota.",
    ]


def test_a_user_without_areas_is_told_whom_to_ask(login, db):
    user = UserFactory(username="nobody")
    page = parse(login(user).get(reverse("dashboard")))
    assert page.find("h1").text == "Home"
    assert page.messages("info") == [
        "You have no areas yet. Ask an administrator to give you a jurisdiction."
    ]
    assert blocks(page) == []


def test_the_dashboard_reads_a_fixed_number_of_queries(
    login, tree, county_admin, home_figures, township_a_department, django_assert_max_num_queries
):
    client = login(county_admin)
    client.get(reverse("dashboard"))  # sessions, first-use caches
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("dashboard"))

    # Ten times the households, cadres, zones, snapshots and compliance rows.
    for _ in range(10):
        cadre = CadreFactory(department=township_a_department)
        group = area_below(tree.village_a)
        PairingFactory(cadre=cadre, household=HouseholdFactory(group=group), start_date=EARLY)
        ZoneFactory(areas=[group])
        MonthlyComplianceFactory(cadre=cadre, month=OCTOBER)
    for day in range(1, 20):
        CoverageSnapshotFactory(area=tree.county, as_of=datetime.date(2026, 8, day))
    with django_assert_max_num_queries(len(before.captured_queries)):
        page = parse(client.get(reverse("dashboard")))
    assert tiles(page)["households"][2] == "5 / 7"  # the snapshot, until it is recomputed
    assert len(before.captured_queries) <= 11


# Cadres -----------------------------------------------------------------------------------


@pytest.fixture
def cadre_month(tree, cadre_a, cadre_a2, cadre_user_a, home_figures):
    """岩温 (county-leader rank: 5 days a month) in November: two days in his zones (one
    visiting two of his households), one day elsewhere; 玉香 visits his third household."""
    DutyQuotaFactory(rank="county_leader", days_per_month=5)
    cadre_a.rank = "county_leader"
    cadre_a.save(update_fields=["rank"])
    a0, a1, a2, *_ = tree.households_a
    first = DutyDayFactory(cadre=cadre_a, date=datetime.date(2026, 11, 3), area=tree.village_a)
    first.households.set([a0, a1])
    DutyDayFactory(cadre=cadre_a, date=datetime.date(2026, 11, 10), area=tree.group_a1)
    elsewhere = DutyDayFactory(
        cadre=cadre_a, date=datetime.date(2026, 11, 12), area=tree.village_b, in_zone=False
    )
    elsewhere.households.set([tree.households_b[0], a1])
    october = DutyDayFactory(cadre=cadre_a, date=datetime.date(2026, 10, 30), area=tree.village_a)
    october.households.set([a2])
    DutyDayFactory(cadre=cadre_a2, date=datetime.date(2026, 11, 5), area=tree.group_a1)
    DutyDay.objects.get(cadre=cadre_a2).households.set([a2])
    return cadre_a


def test_a_cadre_sees_the_log_button_the_month_and_their_households(
    login, tree, cadre_user_a, cadre_month
):
    page = parse(login(cadre_user_a).get(reverse("dashboard")))

    assert blocks(page) == ["home-duty-log", "home-duty-progress", "home-my-households"]
    assert page.find_all(class_="home-tile") == []  # no dashboard figures
    button = page.find(id="home-log-day")
    assert (button.text, button["href"]) == ("Log a day", reverse("duty-log"))
    assert "btn-lg" in button.classes
    assert page.find(id="home-today").text == "Today is not logged yet."

    progress = page.find(id="home-duty-progress")
    assert progress.find("h2").text == "Duty days in 2026-11"
    assert progress.find(id="home-progress-text").text == "2 of 5 days"
    assert progress.find(role="progressbar")["aria-valuenow"] == "2"
    assert progress.find(id="home-progress-status").text == (
        "3 more days needed. 11 days left in the month."
    )
    assert progress.texts("p") == [
        "3 more days needed. 11 days left in the month.",
        "1 day elsewhere (recorded, not counted).",
        "Your households visited this month: 2 of 3.",
    ]
    assert progress.links() == [reverse("duty-month")]

    households = page.find(id="home-my-households")
    assert households.find(id="home-households-total").text == "3 households"
    assert households.find(id="home-households-list").texts("strong") == [
        h.head_name for h in tree.households_a[:3]
    ]
    assert households.links() == [
        reverse("household-detail", args=[h.pk]) for h in tree.households_a[:3]
    ]


def test_a_quota_out_of_reach_is_marked(login, cadre_user_a, cadre_month):
    status = parse(login(cadre_user_a).get(reverse("dashboard"))).find(id="home-progress-status")
    assert "text-danger" not in status.classes  # 3 more days needed, 11 left
    DutyQuota.objects.filter(rank="county_leader").update(days_per_month=15)
    status = parse(login(cadre_user_a).get(reverse("dashboard"))).find(id="home-progress-status")
    assert status.text == "13 more days needed. 11 days left in the month."
    assert "text-danger" in status.classes


def test_the_cadres_month_on_the_home_page_is_my_months(login, cadre_user_a, cadre_month):
    client = login(cadre_user_a)
    home = parse(client.get(reverse("dashboard")))
    month = parse(client.get(reverse("duty-month")))
    assert home.find(id="home-progress-text").text == month.find(id="progress-text").text
    assert month.find(id="progress-bar")["style"] == "width: 40%"
    assert home.find(id="home-duty-progress").find(class_="progress-bar")["style"] == "width: 40%"


def test_a_logged_day_and_a_met_quota(login, tree, cadre_user_a, cadre_month):
    for day in (14, 20):
        DutyDayFactory(cadre=cadre_month, date=datetime.date(2026, 11, day), area=tree.village_a)
    DutyDayFactory(cadre=cadre_month, date=datetime.date(2026, 11, 17), area=tree.group_a2)
    page = parse(login(cadre_user_a).get(reverse("dashboard")))
    assert page.find(id="home-today").text == "Today is logged: 芒街村."
    assert page.find(id="home-progress-text").text == "5 of 5 days"
    assert page.find(id="home-progress-status").text == "Quota met for this month."


def test_a_cadre_without_a_quota_and_with_many_households(
    login, tree, cadre_a, cadre_user_a, home_day
):
    households = HouseholdFactory.create_batch(10, group=tree.group_a1)
    for household in households:
        PairingFactory(cadre=cadre_a, household=household, start_date=EARLY)
    page = parse(login(cadre_user_a).get(reverse("dashboard")))
    assert page.find(id="home-progress-text").text == (
        "0 days in your zone; your rank has no monthly quota."
    )
    listed = page.find(id="home-households-list")
    assert (
        listed.texts("strong")
        == [h.head_name for h in sorted(households, key=lambda h: h.code)][:8]
    )
    more = page.find(id="home-households-all")
    assert (more.text, more["href"]) == ("All 10 households", reverse("my-households"))


def test_a_cadre_account_not_linked_to_a_cadre(login, tree, home_day):
    user = user_with_role(Role.CADRE, tree.town_a)
    page = parse(login(user).get(reverse("dashboard")))
    assert blocks(page) == ["home-duty-log"]
    assert page.messages("info") == [NOT_LINKED]
    assert page.find_all(id="home-log-day") == []


def test_the_cadres_home_reads_a_fixed_number_of_queries(
    login, tree, cadre_a, cadre_user_a, cadre_month, django_assert_max_num_queries
):
    client = login(cadre_user_a)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("dashboard"))
    for day in range(13, 20):
        visit = DutyDayFactory(
            cadre=cadre_a, date=datetime.date(2026, 11, day), area=tree.village_a
        )
        household = HouseholdFactory(group=tree.group_a1)
        PairingFactory(cadre=cadre_a, household=household, start_date=EARLY)
        visit.households.set([household])
    with django_assert_max_num_queries(len(before.captured_queries)):
        page = parse(client.get(reverse("dashboard")))
    assert page.find(id="home-visited").text == "Your households visited this month: 9 of 10."
    assert len(before.captured_queries) <= 14  # the menu counts unread notifications


# The organisation department and inspectors ------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            Role.ORG_DEPARTMENT,
            [
                (
                    "home-work-campaigns",
                    "Satisfaction campaigns Coming",
                    "What will appear here: The satisfaction campaigns you run, how many "
                    "households have answered so far and each cadre's satisfaction rate.",
                    "This list fills once the survey module is in use.",
                ),
                (
                    "home-work-dossiers",
                    "Promotion dossiers Coming",
                    "What will appear here: Cadres proposed for promotion whose field check, "
                    "public survey or assessment verdict awaits you.",
                    "This list fills once the promotions module is in use.",
                ),
            ],
        ),
        (
            Role.INSPECTOR,
            [
                (
                    "home-work-inspections",
                    "Inspections Coming",
                    "What will appear here: Your inspections of areas and departments, and "
                    "the reports you still have to file.",
                    "This list fills once the inspections module is in use.",
                ),
                (
                    "home-work-rectifications",
                    "Items to follow up Coming",
                    "What will appear here: The rectification items from your inspections, "
                    "with their deadlines.",
                    "This list fills once the inspections module is in use.",
                ),
            ],
        ),
    ],
)
def test_work_lists_say_what_will_appear(login, tree, home_figures, role, expected):
    page = parse(login(user_with_role(role, tree.county)).get(reverse("dashboard")))
    assert blocks(page) == [key for key, *_ in expected]
    assert [
        [page.find(id=key).find("h2").text, *page.find(id=key).texts("p")[:2]]
        for key, *_ in expected
    ] == [list(texts) for _key, *texts in expected]
    assert page.find(id=expected[0][0]).links() == [
        reverse("cadre-list"),
        reverse("coverage"),
        reverse("gaps", args=["households"]),
    ]
    assert page.find_all(class_="home-tile") == []
    assert page.find_all(id="home-log-day") == []


def test_a_module_that_arrives_takes_its_work_lists_place(login, tree, monkeypatch, home_day):
    """A later app registers its widget under the key of the coming-soon card (in its ready())."""
    monkeypatch.setattr(registry, "_HOME", dict(registry._HOME))
    registry.register_home(
        registry.HomeWidget(
            "work-campaigns",
            30,
            lambda request: ("districts/_home_tile.html", {"figure": "campaigns", "label": "测评"}),
            is_role(Role.ORG_DEPARTMENT),
            "tile",
        )
    )
    page = parse(login(user_with_role(Role.ORG_DEPARTMENT, tree.county)).get(reverse("dashboard")))
    assert blocks(page) == ["home-work-campaigns", "home-work-dossiers"]
    assert tiles(page)["campaigns"][0] == "测评"
    assert page.find(id="home-work-campaigns").find_all(class_="home-coming") == []


# The registry ------------------------------------------------------------------------------


def test_a_widget_has_a_known_size():
    with pytest.raises(ValueError, match="Unknown size 'huge'; sizes: tile, half, full"):
        registry.HomeWidget("x", 1, lambda request: None, lambda request: True, "huge")


def test_widgets_are_shown_in_order_to_whom_they_are_for(rf, monkeypatch):
    monkeypatch.setattr(registry, "_HOME", {})

    def never(request):
        raise AssertionError("a widget its user may not see is not rendered")

    registry.register_home(
        registry.HomeWidget("b", 2, lambda r: ("b.html", {"scripts": ("x.js", "y.js")}), bool)
    )
    registry.register_home(registry.HomeWidget("hidden", 0, never, lambda r: False))
    registry.register_home(registry.HomeWidget("nothing", 1, lambda r: None, bool, "full"))
    registry.register_home(
        registry.HomeWidget("a", 1, lambda r: ("a.html", {"scripts": ("y.js",)}), bool, "tile")
    )
    blocks = registry.home_for(rf.get("/"))
    assert [(b.key, b.size, b.template) for b in blocks] == [
        ("a", "tile", "a.html"),
        ("b", "half", "b.html"),
    ]
    assert registry.home_scripts(blocks) == ["y.js", "x.js"]
    # The same key replaces a widget.
    registry.register_home(registry.HomeWidget("a", 3, lambda r: ("c.html", {}), bool))
    assert [b.template for b in registry.home_for(rf.get("/"))] == ["b.html", "c.html"]


def test_one_menu_entry_at_most_is_current(rf, monkeypatch):
    from django.urls import resolve

    monkeypatch.setattr(registry, "_MENU", {})
    registry.register_menu(
        registry.MenuEntry("areas", "区域", "area-tree", 1, bool, also_current=("area-detail",))
    )
    registry.register_menu(
        registry.MenuEntry("more", "更多", "zone-list", 2, bool, also_current=("area-detail",))
    )
    registry.register_menu(registry.MenuEntry("api", "API", "api-docs", 3, bool, new_tab=True))
    request = rf.get("/areas/1/")
    request.user = UserFactory.build()
    request.resolver_match = resolve("/areas/1/")
    links = registry.menu_links(request)
    assert [(link.key, link.current, link.new_tab) for link in links] == [
        ("areas", True, False),
        ("more", False, False),
        ("api", False, True),
    ]
    request.resolver_match = None  # a page outside the URL conf (an error page)
    assert [link.current for link in registry.menu_links(request)] == [False, False, False]
