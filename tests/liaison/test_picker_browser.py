"""Picking a cadre on the assign page by typing (issue 8 item 4): two cadres of the same
name are told apart by department, area, load and phone; at 1280 px and 375 px."""

from playwright.sync_api import expect

from districts.models import Role
from liaison.core.models import Pairing

from ..browser_support import BROWSER_MARKS, browser, log_in, page, shot
from ..factories import CadreFactory, user_with_role

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures


def test_pick_a_cadre_by_typing_on_the_assign_page(
    page, live_server, tree, township_a_department, county_department
):
    user_with_role(Role.ADMINISTRATOR, tree.town_a, username="wang")
    ours = CadreFactory(name="刘丽芬", department=township_a_department, phone="13900001234")
    CadreFactory(name="刘丽芬", department=county_department, phone="13900005678")
    CadreFactory.create_batch(3, department=township_a_department)

    log_in(page, live_server, "wang")
    page.goto(f"{live_server.url}/areas/{tree.group_a1.pk}/assign/?uncovered=1")
    page.wait_for_selector("#assign-households")
    assert page.locator("select[name=cadre]").count() == 0
    page.fill("#id_cadre_q", "刘丽")
    options = page.locator("#picker-cadre-options .picker-option")
    options.nth(1).wait_for()
    labels = options.all_inner_texts()
    assert len(labels) == 2 and len(set(labels)) == 2  # the same name, told apart
    assert any("娜允镇党政办" in t and "****1234" in t for t in labels)
    # The phone's last digits find one of them.
    page.fill("#id_cadre_q", "1234")
    # (Playwright's wait_for_function evaluates a string, which the CSP refuses: `expect`.)
    expect(page.locator("#picker-cadre-options .picker-option")).to_have_count(1)
    page.locator("#picker-cadre-options .picker-option").first.click()
    page.locator("#assign-households input[name=households]").first.check()
    # Enter in the search box searches; it does not send the assignment.
    page.press("#id_cadre_q", "Enter")
    assert Pairing.objects.count() == 0
    shot(page, "picker-assign")
    page.click("#assign-form button.btn-primary[type=submit]")
    page.wait_for_selector(".alert-success")
    assert list(Pairing.objects.values_list("cadre_id", flat=True)) == [ours.pk]
    shot(page, "picker-assigned")
