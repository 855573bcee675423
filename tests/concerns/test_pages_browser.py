"""On a phone: a cadre logs a call on their contact card, accepts and resolves it, a hotline
operator records an unsatisfied call-back, and the concern is back in the cadre's inbox."""

import pytest

from liaison.concerns.models import Category, Concern, State

from ..browser_support import BROWSER_MARKS, browser, log_in, open_menu_if_collapsed, page, shot
from ..factories import user_with_role
from ..test_accessibility import axe_violations, describe

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures


def _fits(page) -> bool:
    """Nothing is wider than the screen (no sideways scrolling on a phone)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("page", [(375, 812)], ids=["phone"], indirect=True)
def test_work_a_concern_on_a_phone(page, live_server, tree, paired_a, cadre_user_a, hotline):
    # Transactional tests flush the tables between tests, the migrations' categories too.
    water, _ = Category.objects.get_or_create(code="water", defaults={"name": "饮水"})

    # The household calls the number on its card: two taps and a sentence.
    log_in(page, live_server, cadre_user_a.username)
    open_menu_if_collapsed(page)
    page.click("#mainnav a[href='/concerns/card/']")
    page.click(f"#card-households a[href='?household={paired_a.pk}']")
    page.select_option("#card-form select[name=category]", str(water.pk))
    page.fill("#card-form textarea[name=description]", "自来水管破了，三天没水")
    assert _fits(page)
    shot(page, "concern-card")
    page.click("#card-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    concern = Concern.objects.get()
    assert (concern.channel, concern.owner, concern.household) == (
        "contact_card",
        cadre_user_a.cadre,
        paired_a,
    )
    Concern.objects.filter(pk=concern.pk).update(reporter_phone="13912345678")

    open_menu_if_collapsed(page)
    page.click("#mainnav a[href='/concerns/mine/']")
    page.wait_for_url(f"{live_server.url}/concerns/mine/")
    assert page.locator("#my-concerns .concern-card").count() == 1
    assert _fits(page)
    shot(page, "concerns-mine")

    page.click("#my-concerns .concern-card")
    page.click("#reveal-reporter")
    page.wait_for_selector("#reporter-phone:has-text('13912345678')")
    page.click("#action-accept button[type=submit]")
    page.fill("#action-resolve textarea[name=note]", "换了一段水管，已通水。")
    assert _fits(page)
    shot(page, "concern-detail")
    page.click("#action-resolve button[type=submit]")
    page.wait_for_selector(".alert-success")
    concern.refresh_from_db()
    assert concern.state == State.RESOLVED

    page.context.clear_cookies()
    log_in(page, live_server, hotline.username)
    page.goto(f"{live_server.url}/concerns/{concern.pk}/")
    page.check("#action-feedback input[value=unsatisfied]")
    page.click("#action-feedback button[type=submit]")
    page.wait_for_selector(".alert-success")
    concern.refresh_from_db()
    assert (concern.state, concern.reopen_count) == (State.IN_PROGRESS, 1)

    page.context.clear_cookies()
    log_in(page, live_server, cadre_user_a.username)
    page.goto(f"{live_server.url}/concerns/mine/")
    assert page.locator("#my-concerns .concern-card").count() == 1
    assert page.locator("#my-concerns .callback-badge").count() == 0
    shot(page, "concerns-mine-reopened")

    # No serious accessibility problem on the pages (axe-core), folded parts open.
    problems = []

    def audit(name: str, url: str) -> None:
        page.goto(f"{live_server.url}{url}")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        problems.extend(describe(name, axe_violations(page)))

    audit("mine", "/concerns/mine/")
    audit("detail", f"/concerns/{concern.pk}/")
    audit("notifications", "/concerns/notifications/")
    page.context.clear_cookies()
    admin = user_with_role("area_admin", tree.town_a, username="nayun")
    log_in(page, live_server, admin.username)
    for name in ("", "queue/", "supervision/", f"{concern.pk}/"):
        audit(name or "list", f"/concerns/{name}")
    assert problems == []
