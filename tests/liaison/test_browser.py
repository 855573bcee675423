"""An administrator assigns a group's uncovered households; the gap list empties."""

import datetime

from districts.access import SYSTEM
from districts.models import Role
from liaison.core.coverage import coverage_recompute
from liaison.core.models import Pairing

from ..browser_support import BROWSER_MARKS, browser, log_in, page, shot
from ..factories import CadreFactory, user_with_role

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures


def test_assign_uncovered_households_and_the_gap_list_empties(
    page, live_server, tree, township_a_department
):
    user_with_role(Role.ADMINISTRATOR, tree.town_a, username="wang")
    cadre = CadreFactory(name="岩温", department=township_a_department)
    other = CadreFactory(name="玉香", department=township_a_department)
    Pairing.objects.create(
        cadre=other, household=tree.households_a[3], start_date=datetime.date(2026, 1, 1)
    )
    Pairing.objects.create(
        cadre=other, household=tree.households_a[4], start_date=datetime.date(2026, 1, 1)
    )
    coverage_recompute(by=SYSTEM)
    group = tree.group_a1

    log_in(page, live_server, "wang")
    page.goto(f"{live_server.url}/gaps/households/")
    assert page.locator("#count-households").inner_text() == "3"
    shot(page, "gaps-before")

    # From the gap list to the group's assignment page, uncovered households only.
    page.locator(f"a[href='/areas/{group.pk}/assign/?uncovered=1']").first.click()
    page.wait_for_selector("#assign-households")
    assert page.locator("#assign-households tbody tr").count() == 3
    page.check("#check-all-households")
    page.fill("#id_cadre_q", "岩温")
    page.locator(f"#picker-cadre-options input[value='{cadre.pk}']").check()
    shot(page, "assign")
    page.click("#assign-form button.btn-primary[type=submit]")
    page.wait_for_selector(".alert-success")
    assert page.locator("#assign-households tbody tr").inner_text().strip() in (
        "没有符合条件的农户。",
        "No households match.",
    )

    # An administrator recomputes; the dashboard and the gap list show no gap.
    page.goto(f"{live_server.url}/coverage/?area={tree.town_a.pk}")
    page.click("text=立即重新计算")
    page.wait_for_selector(".alert-success")
    page.goto(f"{live_server.url}/coverage/?area={tree.town_a.pk}")
    assert page.locator("[data-rate=households]").inner_text() == "100.0%"
    shot(page, "coverage")
    page.goto(f"{live_server.url}/gaps/households/")
    assert page.locator("#count-households").inner_text() == "0"
    assert page.locator("#gap-list tbody tr").count() == 1  # the "every household" row
    shot(page, "gaps-after")
