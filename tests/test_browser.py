"""Real-browser flows in Debian's chromium, driven by Playwright.

Skipped, with the reason, on a machine without /usr/bin/chromium (.ci/run installs it).
"""

from districts.models import Role

from .browser_support import BROWSER_MARKS, browser, log_in, open_menu_if_collapsed, page, shot
from .factories import user_with_role

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures


def test_log_in_drill_down_to_a_household_and_switch_language(page, live_server, tree):
    user_with_role(Role.AREA_ADMIN, tree.town_a, username="zhang")
    household = tree.households_a[3]

    log_in(page, live_server, "zhang")
    assert page.locator("h1").inner_text() == "娜允镇"
    page.click("#home-area-tree")
    assert page.locator("h1").inner_text() == "区域与农户"
    shot(page, "area-tree")

    # Expand the tree in place, then drill down township → village → group → household.
    page.get_by_role("button", name="显示芒街村的下级区域").click()
    page.wait_for_selector(f"#sub-{tree.village_a.pk} >> text=芒街二组")
    page.click("text=娜允镇")
    page.click(f"#children-{tree.town_a.pk} >> text=芒街村")
    page.click(f"#children-{tree.village_a.pk} >> text=芒街二组")
    assert page.locator("h1").inner_text() == "芒街二组"
    shot(page, "group")
    page.click(f"text={household.head_name}")
    assert page.locator("h1").inner_text() == f"{household.head_name} {household.code}"
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
    rows = page.locator("#import-errors tbody tr")
    assert rows.count() == 1
    assert rows.first.locator("td").all_inner_texts() == [
        "3",
        "id_number",
        "该身份证号码的校验位不正确，请检查是否输入有误。",
    ]
    shot(page, "import-errors")

    good = tmp_path / "households-fixed.csv"
    good.write_text(bad.read_text().replace("110105194912310021", "11010519491231002X"))
    page.goto(f"{live_server.url}/imports/")
    page.select_option("#id_kind", "households")
    page.set_input_files("#id_file", str(good))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-status .alert-success")
    assert page.locator("#import-status").inner_text().strip() == (
        "已导入 2 行：新增 2 行，更新 0 行，0 行未变。"
    )


def test_a_refused_reveal_says_why(page, live_server, tree):
    """The second reveal over the policy's limit (1 an hour here) shows the reason in place
    of the button (a 429 that htmx would otherwise drop silently)."""
    from .factories import PrivacyPolicyFactory

    PrivacyPolicyFactory(reveals_per_hour=1)
    user_with_role(Role.AREA_ADMIN, tree.town_a, username="zhang")
    first, second = tree.households_a[:2]
    log_in(page, live_server, "zhang")
    page.goto(f"{live_server.url}/households/{first.pk}/")
    page.click("button[lang=en]")  # the new message is English until its translation is merged
    page.wait_for_selector("text=Change history")
    page.click("text=Show full numbers")
    page.wait_for_selector(f"#id-number >> text={first.id_number}")
    page.goto(f"{live_server.url}/households/{second.pk}/")
    page.click("text=Show full numbers")
    page.wait_for_selector("#reveal-refused")
    assert page.locator("#reveal-refused").inner_text() == (
        "You have revealed personal data 1 time in the last hour, the most allowed. "
        "Try again in 60 minutes."
    )
    assert page.locator("#id-number").inner_text() != second.id_number
    shot(page, "reveal-refused")
