"""The 404 and 403 pages in Chromium at 1280 px and 375 px: the site's frame, the menu, a
way back, nothing wider than the screen."""

from districts.models import Role

from .browser_support import BROWSER_MARKS, browser, log_in, open_menu_if_collapsed, page, shot
from .factories import user_with_role

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures


def assert_fits_the_screen(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_404_page_in_the_sites_frame(page, live_server, tree):
    user_with_role(Role.AREA_ADMIN, tree.town_a, username="zhang")
    log_in(page, live_server, "zhang")
    response = page.goto(f"{live_server.url}/households/999999/")
    assert response.status == 404
    assert page.title() == "页面不存在 · 干部直接联系群众"
    assert page.locator("#error-code").inner_text() == "404"
    assert page.locator("h1").inner_text() == "页面不存在"
    assert page.locator("#error-reason").inner_text() == "该农户不存在。"
    assert_fits_the_screen(page)
    shot(page, "error-404")

    open_menu_if_collapsed(page)
    assert page.get_by_role("link", name="责任区").is_visible()
    assert page.get_by_role("button", name="退出").is_visible()
    page.locator("#error-ways").get_by_role("link", name="返回首页").click()
    page.wait_for_url(f"{live_server.url}/")


def test_403_page_in_the_sites_frame(page, live_server, tree):
    user_with_role(Role.VIEWER, tree.town_a, username="wang")
    household = tree.households_a[0]
    log_in(page, live_server, "wang")
    came_from = f"{live_server.url}/households/{household.pk}/"
    response = page.goto(f"{came_from}edit/", referer=came_from)  # a link followed from there
    assert response.status == 403
    assert page.title() == "无权访问 · 干部直接联系群众"
    assert page.locator("h1").inner_text() == "无权访问"
    assert page.locator("#error-explanation p").all_inner_texts() == [
        "您的账号无权访问此页面或执行此操作。",
        "账号能做什么取决于它的角色和管辖范围。如工作需要，请联系本地区的管理员。",
    ]
    assert_fits_the_screen(page)
    shot(page, "error-403")

    # The way back leads to the household page the user came from.
    page.locator("#error-ways").get_by_role("link", name="返回上一页").click()
    page.wait_for_url(came_from)
