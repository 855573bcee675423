"""Real-browser flows in Debian's chromium, driven by Playwright.

Skipped, with the reason, on a machine without /usr/bin/chromium (.ci/run installs it).
"""

import os
from pathlib import Path

import pytest

from districts.models import Role

from .factories import user_with_role

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "test-results/screenshots"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop; Django refuses ORM calls inside one unless told.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=[(1280, 900), (375, 812)], ids=["desktop", "phone"])
def page(request, browser):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    page.viewport_name = request.node.callspec.id
    yield page
    context.close()


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{page.viewport_name}.png"), full_page=True)


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw-secret-123")
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/")


def open_menu_if_collapsed(page):
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()


def test_log_in_drill_down_to_a_household_and_switch_language(page, live_server, tree):
    user_with_role(Role.AREA_ADMIN, tree.town_a, username="zhang")
    household = tree.households_a[3]

    log_in(page, live_server, "zhang")
    assert page.locator("h1").inner_text() == "区域与农户"
    shot(page, "dashboard")

    # Expand the tree in place, then drill down township → village → group → household.
    page.get_by_role("button", name="显示芒街村的下级区域").click()
    page.wait_for_selector(f"#sub-{tree.village_a.pk} >> text=芒街二组")
    page.click("text=娜允镇")
    page.click(f"#children-{tree.town_a.pk} >> text=芒街村")
    page.click(f"#children-{tree.village_a.pk} >> text=芒街二组")
    assert page.locator("h1").inner_text() == "芒街二组"
    shot(page, "group")
    page.click(f"text={household.head_name}")
    assert household.head_name in page.locator("h1").inner_text()
    masked = household.id_number[:4] + "*" * 10 + household.id_number[-4:]
    assert page.locator("#id-number").inner_text() == masked

    # Reveal the full numbers (recorded), then switch to English.
    page.click("text=显示完整号码")
    page.wait_for_selector(f"#id-number >> text={household.id_number}")
    shot(page, "household")
    page.click("button[lang=en]")
    page.wait_for_selector("text=Change history")
    assert page.locator("#id-number").inner_text() == masked
    open_menu_if_collapsed(page)
    assert page.get_by_role("button", name="Log out").is_visible()
    shot(page, "household-en")


def test_import_a_file_and_see_the_error_report(page, live_server, tree, tmp_path):
    user_with_role(Role.AREA_ADMIN, tree.town_a, username="li")
    bad = tmp_path / "households.csv"
    bad.write_text(
        "code,group_code,head_name,members,id_number,phone,address,categories\n"
        "B1,530827100201001,岩罕,3,,,,\n"
        "B2,530827100201001,玉香,3,110105194912310021,,,\n",
        encoding="utf-8",
    )
    log_in(page, live_server, "li")
    page.goto(f"{live_server.url}/imports/")
    page.select_option("#id_kind", "households")
    page.set_input_files("#id_file", str(bad))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-errors")
    row = page.locator("#import-errors tbody tr").first
    assert "id_number" in row.inner_text()
    assert "3" in row.inner_text()
    shot(page, "import-errors")

    good = tmp_path / "households-fixed.csv"
    good.write_text(bad.read_text().replace("110105194912310021", "11010519491231002X"))
    page.goto(f"{live_server.url}/imports/")
    page.select_option("#id_kind", "households")
    page.set_input_files("#id_file", str(good))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-status .alert-success")
    assert "2" in page.locator("#import-status").inner_text()
