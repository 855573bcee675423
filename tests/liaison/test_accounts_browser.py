"""An administrator creates a cadre's account from the cadre list; the cadre logs in with the
one-time password, must choose their own, and lands on the dashboard."""

from districts.models import Jurisdiction, Role
from liaison.core.models import Cadre

from ..browser_support import BROWSER_MARKS, browser, log_in, open_menu_if_collapsed, page, shot
from ..factories import user_with_role

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures


def test_cadre_account_from_the_cadre_list_to_the_first_login(
    page, live_server, tree, cadre_a, cadre_a2
):
    user_with_role(Role.AREA_ADMIN, tree.town_a, username="wang")
    log_in(page, live_server, "wang")

    # The cadre list: tick one cadre without an account, create its account.
    page.goto(f"{live_server.url}/cadres/")
    assert page.locator("#cadre-accounts input[name=cadres]").count() == 2
    shot(page, "cadre-list-accounts")
    page.check(f"#cadre-{cadre_a.pk}")
    page.click("#cadre-accounts button[type=submit]")
    page.wait_for_selector("#password-slips")
    assert page.locator(".password-slip").count() == 1
    username = page.locator("[data-field=username]").inner_text()
    password = page.locator("[data-field=password]").inner_text()
    assert username == f"c{cadre_a.pk}"
    assert len(password) == 12
    shot(page, "account-sheet")

    # The account is on the users page, marked as still holding a one-time password.
    open_menu_if_collapsed(page)
    page.click("#mainnav a[href='/users/']")
    page.wait_for_selector("#users")
    assert page.locator("#users tbody tr").count() == 2  # wang and the new account
    shot(page, "user-list")
    page.click(f"#users a:text-is('{username}')")
    page.wait_for_selector("#user-form")
    assert page.locator("#user-form select[name=role]").input_value() == "cadre"
    shot(page, "user-edit")

    # Log out; the cadre logs in with the one-time password and is sent to change it.
    open_menu_if_collapsed(page)
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_selector("#id_username")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    page.wait_for_url(f"{live_server.url}/accounts/password/?next=%2F")
    assert page.locator("#must-change").is_visible()
    page.goto(f"{live_server.url}/cadres/")  # anything else waits
    page.wait_for_url(f"{live_server.url}/accounts/password/?next=%2Fcadres%2F")
    page.goto(f"{live_server.url}/accounts/password/?next=%2F")
    shot(page, "password-change")
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", "Nanka-river-88")
    page.fill("#id_new_password2", "Nanka-river-88")
    page.click("#password-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    # The cadre's home page: the big button to log a day.
    assert page.locator("#home-log-day").is_visible()
    assert page.locator(".alert-success").is_visible()
    shot(page, "first-login-dashboard")

    user = Cadre.objects.get(pk=cadre_a.pk).user
    assert user is not None and user.username == username
    assert user.check_password("Nanka-river-88")
    assert Jurisdiction.objects.get(user=user).must_change_password is False
    page.goto(f"{live_server.url}/my/households/")
    assert page.url == f"{live_server.url}/my/households/"
