"""axe-core on the main pages, as each kind of user meets them, at 1280 px and 375 px.

A test fails on any serious or critical violation (and on empty table headers) and prints
each one: rule, impact, element, why. axe-core is vendored under static/vendor/ like the
other front-end libraries; the test injects it, the pages never serve it.
"""

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from districts.access import SYSTEM
from districts.models import Role
from liaison.concerns.access import HOTLINE_OPERATOR, LIAISON_OFFICER
from liaison.concerns.models import Category, Concern, OpinionBox
from liaison.concerns.services import concern_create
from liaison.core.coverage import coverage_recompute
from liaison.core.models import Pairing

from .browser_support import BROWSER_MARKS, browser, log_in, open_menu_if_collapsed, page, shot
from .factories import (
    CoverageSnapshotFactory,
    DutyDayFactory,
    ImportJobFactory,
    MonthlyComplianceFactory,
    PersonalDataAccessFactory,
    ZoneFactory,
    ZoneLeadershipFactory,
    user_with_role,
)

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures

AXE_VERSION = "4.14.1"
AXE = settings.BASE_DIR / "static" / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
FAILING = ("serious", "critical")
# Rules of lesser impact that fail all the same: a column without a header is unnamed to a
# screen reader (axe rates it minor; the trial found it on the area tree and the gap lists).
ALSO_FAILING = ("empty-table-header",)


def axe_violations(page) -> list[dict[str, Any]]:
    """Run axe-core on the page as it stands; return its serious and critical violations
    (and those of ALSO_FAILING)."""
    # From the site's static files where the page has an origin: the Content-Security-Policy
    # refuses the inline script that `path=` would add.
    if page.url.startswith("http"):
        origin = page.evaluate("location.origin")
        page.add_script_tag(url=f"{origin}/static/vendor/axe-core-{AXE_VERSION}/axe.min.js")
    else:
        page.add_script_tag(path=str(AXE))
    assert page.evaluate("axe.version") == AXE_VERSION
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    # A run that checked nothing would pass anything.
    assert results["passes"], "axe-core checked no rule on this page"
    return [v for v in results["violations"] if v["impact"] in FAILING or v["id"] in ALSO_FAILING]


def describe(where: str, violations: list[dict[str, Any]]) -> list[str]:
    """One line per element: page, impact, rule, element, and what axe says to fix."""
    return [
        f"{where}: {v['impact']} {v['id']} ({v['help']}) at {node['target']}: "
        f"{node['html'][:160]} — {' '.join(node['failureSummary'].split())}"
        for v in violations
        for node in v["nodes"]
    ]


class Audit:
    """Collects the violations of every page a test visits, to report them all at once."""

    def __init__(self, page, prefix: str) -> None:
        self.page = page
        self.prefix = prefix
        self.problems: list[str] = []
        self.pages = 0

    def check(self, name: str, url: str | None = None) -> None:
        if url is not None:
            self.page.goto(url)
            self.page.wait_for_load_state("networkidle")
        # Folded parts (a chart's table of figures) are checked open.
        self.page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        self.problems += describe(f"{name} ({self.page.viewport_name})", axe_violations(self.page))
        self.pages += 1
        shot(self.page, f"a11y-{self.prefix}-{name}")

    def assert_clean(self) -> None:
        report = "\n".join(self.problems)
        print(
            report
            or f"axe-core {AXE_VERSION}: {self.pages} pages, no serious or critical violation"
        )
        assert self.problems == [], f"axe-core found:\n{report}"


@pytest.fixture
def county_in_use(tree, cadre_a, cadre_a2, cadre_b, cadre_user_a):
    """The small county as it looks in use: pairings, zones (one without a leader), coverage
    computed today and twice before, duty days this month, last month's compliance, and the
    county's administrator "wang" with an import. Return last month."""
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    for household in tree.households_a[:3]:
        Pairing.objects.create(cadre=cadre_a, household=household, start_date=last_month)
    Pairing.objects.create(cadre=cadre_b, household=tree.households_b[0], start_date=last_month)
    zone = ZoneFactory(name="芒街一组片", areas=[tree.group_a1])
    ZoneLeadershipFactory(zone=zone, cadre=cadre_a, start_date=last_month)
    ZoneFactory(name="勐啊一组片", areas=[tree.group_b1])
    for day in (today.replace(day=1) - datetime.timedelta(days=40), last_month):
        CoverageSnapshotFactory(
            area=tree.county, as_of=day, households=7, covered_households=3, cadres=3,
            cadres_with_households=1, zones=2, zones_with_leader=1,
        )  # fmt: skip
    coverage_recompute(by=SYSTEM)
    DutyDayFactory(
        cadre=cadre_a, date=today.replace(day=1), area=tree.group_a1, in_zone=True,
        diary="在芒街一组走访三户，了解今年的收成和孩子上学的情况。",
    )  # fmt: skip
    for cadre, counted in ((cadre_a, 5), (cadre_a2, 2), (cadre_b, 4)):
        MonthlyComplianceFactory(cadre=cadre, month=last_month, days_counted=counted)
    administrator = user_with_role(Role.ADMINISTRATOR, tree.county, username="wang")
    ImportJobFactory(created_by=administrator)
    # A concern of cadre A's household (a live server's tables lose the migrations' rows).
    water, _created = Category.objects.get_or_create(code="water", defaults={"name": "饮水"})
    concern_create(
        by=SYSTEM, channel="hotline", kind="help", category=water,
        description="自来水管破了，三天没水", household=tree.households_a[0],
        reporter_phone="13912345678",
    )  # fmt: skip
    OpinionBox.objects.create(area=tree.village_a, location="村委会门口", keyholder="李文")
    return last_month


def test_pages_of_an_administrator_have_no_serious_violation(
    page, live_server, tree, cadre_a, county_in_use
):
    PersonalDataAccessFactory(household=tree.households_a[0])  # a row in the reveal log
    log_in(page, live_server, "wang")
    audit = Audit(page, "admin")
    url = live_server.url
    audit.check("dashboard", f"{url}/")
    open_menu_if_collapsed(page)  # the menu's links, open on a phone
    audit.check("dashboard-menu")
    audit.check("area", f"{url}/areas/{tree.county.pk}/")
    page.get_by_role("button", name="显示娜允镇的下级区域").click()  # the tree, opened in place
    page.wait_for_selector(f"#sub-{tree.town_a.pk} >> text=芒街村")
    audit.check("area-tree")
    audit.check("village", f"{url}/areas/{tree.village_a.pk}/")
    audit.check("household", f"{url}/households/{tree.households_a[0].pk}/")
    audit.check("coverage", f"{url}/coverage/")
    audit.check("coverage-township", f"{url}/coverage/?area={tree.town_a.pk}")
    for kind in ("households", "cadres", "zones"):
        audit.check(f"gaps-{kind}", f"{url}/gaps/{kind}/")
    audit.check("cadres", f"{url}/cadres/")
    audit.check("cadre", f"{url}/cadres/{cadre_a.pk}/")
    audit.check("assign", f"{url}/areas/{tree.group_a1.pk}/assign/")
    audit.check("compliance", f"{url}/duty/compliance/?month={county_in_use:%Y-%m}")
    audit.check("diaries", f"{url}/areas/{tree.village_a.pk}/diaries/")
    audit.check("zones", f"{url}/zones/")
    audit.check("imports", f"{url}/imports/")
    audit.check("users", f"{url}/users/")
    audit.check("audit-log", f"{url}/audit/")
    audit.check("reveal-log", f"{url}/audit/reveals/")
    concern = Concern.objects.get()
    audit.check("concerns", f"{url}/concerns/")
    audit.check("concern", f"{url}/concerns/{concern.pk}/")
    audit.check("concern-queue", f"{url}/concerns/queue/")
    audit.check("concern-supervision", f"{url}/concerns/supervision/")
    audit.check("concern-stats", f"{url}/concerns/stats/")
    audit.check("concern-boxes", f"{url}/concerns/boxes/")
    box = OpinionBox.objects.get()
    audit.check("concern-box", f"{url}/concerns/boxes/{box.pk}/")
    audit.check("concern-box-open", f"{url}/concerns/boxes/{box.pk}/open/?slips=2")
    audit.check("concern-box-new", f"{url}/concerns/boxes/new/")
    audit.check("concern-officers", f"{url}/concerns/officers/")
    audit.check("open311-keys", f"{url}/open311/keys/")
    audit.check("user-new", f"{url}/users/new/")
    page.locator("main form button[type=submit]").last.click()  # empty: errors on the fields
    page.wait_for_selector(".invalid-feedback")
    audit.check("user-new-errors")
    audit.assert_clean()


def test_pages_of_a_cadre_have_no_serious_violation(
    page, live_server, tree, cadre_user_a, county_in_use
):
    log_in(page, live_server, cadre_user_a.username)
    audit = Audit(page, "cadre")
    url = live_server.url
    audit.check("home", f"{url}/")
    open_menu_if_collapsed(page)
    audit.check("home-menu")
    audit.check("duty-log", f"{url}/duty/log/")
    page.select_option("select[name=area]", str(tree.group_a1.pk))
    page.wait_for_selector(f"#household-choices >> text={tree.households_a[0].head_name}")
    audit.check("duty-log-households")
    audit.check("my-month", f"{url}/duty/month/")
    audit.check("my-month-before", f"{url}/duty/month/?month={county_in_use:%Y-%m}")
    audit.check("my-households", f"{url}/my/households/")
    audit.check("my-concerns", f"{url}/concerns/mine/")
    audit.check("card-call", f"{url}/concerns/card/")
    audit.check("card-call-form", f"{url}/concerns/card/?household={tree.households_a[0].pk}")
    audit.assert_clean()


def test_pages_of_the_channels_have_no_serious_violation(page, live_server, tree, county_in_use):
    """The hotline operator's and the liaison officer's pages."""
    user_with_role(HOTLINE_OPERATOR, tree.county, username="hotline")
    user_with_role(LIAISON_OFFICER, tree.village_a, username="officer")
    url = live_server.url
    log_in(page, live_server, "hotline")
    audit = Audit(page, "channels")
    audit.check("hotline", f"{url}/concerns/hotline/")
    name = tree.households_a[0].head_name
    audit.check("hotline-found", f"{url}/concerns/hotline/?q={name}")
    audit.check("hotline-picked", f"{url}/concerns/hotline/?household={tree.households_a[0].pk}")
    page.context.clear_cookies()
    log_in(page, live_server, "officer")
    audit.check("officer", f"{url}/concerns/officer/")
    audit.check("officer-report", f"{url}/concerns/officer/report/")
    audit.assert_clean()


def test_log_in_page_has_no_serious_violation(page, live_server, tree):
    user_with_role(Role.VIEWER, tree.county, username="zhao")
    audit = Audit(page, "anonymous")
    audit.check("login", f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "zhao")
    page.fill("#id_password", "wrong-password")
    page.press("#id_password", "Enter")
    page.wait_for_selector(".alert-danger, .errorlist, .invalid-feedback")
    audit.check("login-error")
    audit.assert_clean()


@pytest.mark.parametrize("page", [(1280, 900)], ids=["desktop"], indirect=True)
def test_the_check_fails_on_faint_text_and_an_unlabelled_field(page):
    """The audit above can fail: the same check on a page with known faults reports them."""
    page.set_content(
        '<!doctype html><html lang="en"><head><title>t</title></head><body><main>'
        '<p style="color:#aaa;background:#fff">faint</p><input type="text">'
        "</main></body></html>"
    )
    found = axe_violations(page)
    assert sorted((v["id"], v["impact"]) for v in found) == [
        ("color-contrast", "serious"),
        ("label", "critical"),
    ]
    assert describe("probe", found[:1])[0].startswith("probe: ")
