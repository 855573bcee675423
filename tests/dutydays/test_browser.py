"""A cadre on a phone logs a visit with two households and sees the progress bar move."""

import pytest

from districts.models import Zone
from dutydays.models import DutyQuota
from liaison.core.models import ZoneLeadership

from ..browser_support import BROWSER_MARKS, browser, log_in, page, shot
from ..factories import user_with_role

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures


@pytest.mark.parametrize("page", [(375, 812)], ids=["phone"], indirect=True)
def test_log_a_visit_on_a_phone(page, live_server, tree, cadre_a):
    # Transactional tests flush the tables between tests, migrations' policy rows included.
    DutyQuota.objects.update_or_create(rank="county_leader", defaults={"days_per_month": 5})
    user = user_with_role("cadre", tree.town_a, username="yanwen")
    cadre_a.user, cadre_a.rank = user, "county_leader"  # a quota of 5 days a month
    cadre_a.save()
    zone = Zone.objects.create(name="芒街一组片", level="group")
    zone.zone_areas.create(area=tree.group_a1)
    ZoneLeadership.objects.create(zone=zone, cadre=cadre_a, start_date="2026-01-01")

    log_in(page, live_server, "yanwen")
    page.goto(f"{live_server.url}/duty/month/")
    assert page.locator("#progress-bar").get_attribute("style") == "width: 0%"

    page.goto(f"{live_server.url}/duty/log/")
    page.select_option("select[name=area]", str(tree.group_a1.pk))
    page.wait_for_selector(f"#household-choices >> text={tree.households_a[0].head_name}")
    page.check(f"#household-choices input[value='{tree.households_a[0].pk}']")
    page.check(f"#household-choices input[value='{tree.households_a[1].pk}']")
    page.check("input[name=activities][value=talked_with_cadres]")
    page.fill("textarea[name=diary]", "在组上开了院坝会，听取了两户的意见。")
    shot(page, "duty-log")
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("#progress-bar")
    assert page.locator("#progress-bar").get_attribute("style") == "width: 20%"
    assert "2" in page.locator("#month-entries").inner_text()
    shot(page, "duty-month")
