"""A cadre on a phone logs a visit with two households and sees the progress bar move."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ..browser_support import BROWSER_MARKS, browser, log_in, page, shot
from ..factories import DutyQuotaFactory, ZoneFactory, ZoneLeadershipFactory

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures


@pytest.mark.parametrize("page", [(375, 812)], ids=["phone"], indirect=True)
def test_log_a_visit_on_a_phone(page, live_server, tree, cadre_a, cadre_user_a):
    # Transactional tests flush the tables between tests, migrations' policy rows included.
    DutyQuotaFactory(rank="county_leader", days_per_month=5)
    cadre_a.rank = "county_leader"  # a quota of 5 days a month
    cadre_a.save(update_fields=["rank"])
    zone = ZoneFactory(name="芒街一组片", areas=[tree.group_a1])
    ZoneLeadershipFactory(zone=zone, cadre=cadre_a, start_date=datetime.date(2026, 1, 1))

    log_in(page, live_server, cadre_user_a.username)
    page.goto(f"{live_server.url}/duty/month/")
    assert page.locator("#progress-bar").get_attribute("style") == "width: 0%"

    page.goto(f"{live_server.url}/duty/log/")
    page.select_option("select[name=area]", str(tree.group_a1.pk))
    # The cadre has no paired household here: both are found through the search, and
    # ticking a match adds it to the list (a new search keeps it).
    # (Wait for the new place's list: the first place has no own household either.)
    page.wait_for_selector(f"#household-search[hx-get$='area={tree.group_a1.pk}']")
    # htmx wires the new search box up while settling (then drops the class).
    expect(page.locator(".htmx-settling, .htmx-request")).to_have_count(0)
    assert page.locator("#no-own-households").is_visible()
    for household in tree.households_a[:2]:
        page.fill("#household-search", household.head_name)
        # A click, not `check`: the box moves out of the matches once ticked.
        page.click(f"#household-matches input[value='{household.pk}']")
        assert page.locator(f"#household-picked input[value='{household.pk}']").is_checked()
    page.check("input[name=activities][value=talked_with_cadres]")
    page.fill("textarea[name=diary]", "在组上开了院坝会，听取了两户的意见。")
    shot(page, "duty-log")
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("#progress-bar")
    assert page.locator("#progress-bar").get_attribute("style") == "width: 20%"
    assert page.locator("#month-entries li > div").all_inner_texts() == [
        f"{timezone.localdate():%m-%d} · 芒街一组",
        "走访 2 户",
        "在组上开了院坝会，听取了两户的意见。",
    ]
    shot(page, "duty-month")
