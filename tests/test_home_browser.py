"""The home page in a real browser, at 1280 px and 375 px: a cadre's big log button without
opening the menu, a leader's figures at a glance with their charts drawn."""

import datetime

from django.utils import timezone

from districts.access import SYSTEM
from districts.models import Role
from liaison.core.coverage import coverage_recompute

from .browser_support import BROWSER_MARKS, browser, log_in, open_menu_if_collapsed, page, shot
from .factories import (
    DutyQuotaFactory,
    MonthlyComplianceFactory,
    PairingFactory,
    ZoneFactory,
    ZoneLeadershipFactory,
    user_with_role,
)

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures

EARLY = datetime.date(2025, 6, 1)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_cadre_lands_on_the_log_button(page, live_server, tree, cadre_a, cadre_user_a):
    DutyQuotaFactory(rank="county_leader", days_per_month=5)
    cadre_a.rank = "county_leader"
    cadre_a.save(update_fields=["rank"])
    for household in tree.households_a[:3]:
        PairingFactory(cadre=cadre_a, household=household, start_date=EARLY)

    log_in(page, live_server, "yanwen")
    button = page.locator("#home-log-day")
    assert button.inner_text() == "登记下基层"
    # Visible at once, without opening the menu or scrolling; a thumb-sized target.
    assert button.is_visible()
    box = button.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= page.viewport_size["height"]
    assert box["height"] >= 56
    if page.viewport_name == "phone":
        assert page.locator(".navbar-toggler").is_visible()  # the menu is folded away
        assert box["width"] >= 330  # the width of the screen, less the margins
    assert page.locator("#home-progress-text").inner_text() == "0 / 5 天"
    assert page.locator("#home-households-list strong").all_inner_texts() == [
        h.head_name for h in tree.households_a[:3]
    ]
    assert no_sideways_scroll(page)
    shot(page, "home-cadre")
    open_menu_if_collapsed(page)
    assert page.locator("#mainnav [aria-current=page]").all_inner_texts() == ["首页"]
    assert page.locator("#mainnav a[href='/api/v1/docs/']").count() == 0

    button.click()
    page.wait_for_url(f"{live_server.url}/duty/log/")
    open_menu_if_collapsed(page)
    assert page.locator("#mainnav [aria-current=page]").all_inner_texts() == ["登记下基层"]


def test_a_leader_reads_the_county_at_a_glance(page, live_server, tree, cadre_a, cadre_a2, cadre_b):
    user_with_role(Role.VIEWER, tree.county, username="lead")
    for household in tree.households_a[:3]:
        PairingFactory(cadre=cadre_a, household=household, start_date=EARLY)
    PairingFactory(cadre=cadre_b, household=tree.households_b[0], start_date=EARLY)
    ZoneLeadershipFactory(cadre=cadre_a, zone=ZoneFactory(areas=[tree.group_a1]), start_date=EARLY)
    ZoneFactory(areas=[tree.group_a2])
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    before = (last_month - datetime.timedelta(days=1)).replace(day=1)
    coverage_recompute(as_of=this_month - datetime.timedelta(days=1), by=SYSTEM)
    PairingFactory(cadre=cadre_a2, household=tree.households_a[3], start_date=this_month)
    coverage_recompute(as_of=today, by=SYSTEM)
    for month, met in ((before, (5, 5, 1)), (last_month, (5, 2, 7))):
        for cadre, counted in zip((cadre_a, cadre_a2, cadre_b), met, strict=True):
            MonthlyComplianceFactory(
                cadre=cadre, month=month, days_counted=counted, days_required=5
            )

    log_in(page, live_server, "lead")
    assert page.locator("h1").inner_text() == "孟连县"
    tiles = page.locator(".home-tile")
    assert tiles.count() == 4
    assert page.locator(".home-tile .tile-value").all_inner_texts() == [
        "71.4%",  # 5 of 7 households
        "100.0%",  # 3 of 3 cadres
        "50.0%",  # 1 of 2 zones
        "66.6%",  # 2 of 3 cadres met last month's quota
    ]
    tops = [tiles.nth(i).bounding_box()["y"] for i in range(4)]
    if page.viewport_name == "phone":
        assert tops[0] == tops[1] < tops[2] == tops[3]  # two a row
    else:
        assert len(set(tops)) == 1  # one row
    assert page.locator("a[data-gap]").all_inner_texts() == [
        "2 无责任干部的农户",
        "0 无联系农户的干部",
        "1 无负责人的责任区",
    ]
    for key in ("coverage-trend", "compliance-trend"):
        drawn = page.evaluate(
            f"!!Chart.getChart(document.querySelector('canvas[data-chart=\"{key}-data\"]'))"
        )
        assert drawn, key
    assert no_sideways_scroll(page)
    shot(page, "home-leader")

    page.locator(".home-tile[data-figure=households] a").click()
    page.wait_for_url(f"{live_server.url}/coverage/")
    assert page.locator("[data-rate=households]").inner_text() == "71.4%"
    open_menu_if_collapsed(page)
    assert page.locator("#mainnav [aria-current=page]").all_inner_texts() == ["覆盖率"]
