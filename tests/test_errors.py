"""Error pages: 400, 403, 404, 500 and CSRF failures in the site's frame, in the user's
language, with the menu; the API keeps its JSON errors."""

import json
from collections.abc import Callable
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from districts.models import Household, Role
from liaison import errors

from .factories import user_with_role
from .html import Element, parse

pytestmark = pytest.mark.django_db

HOME_ZH = "返回首页"


def in_english(client: Client) -> Client:
    """The client asks for English pages (tests using it also take the `english` fixture,
    which restores the language the requests activate)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def menu_of(client: Client) -> list[str]:
    """The main menu's links as a working page shows them to the client's user."""
    return parse(client.get(reverse("zone-list"))).find("ul", class_="navbar-nav").links()


def error_of(page: Element) -> dict[str, str]:
    """What an error page says: code, heading, reason, and the labels of its ways back."""
    reasons = page.find_all(id="error-reason")
    return {
        "title": page.find("title").text,
        "code": page.find(id="error-code").text,
        "heading": page.find("h1").text,
        "reason": reasons[0].text if reasons else "",
        "ways": " | ".join(page.find(id="error-ways").texts("a")),
    }


def assert_json(response, status: int) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


# 404 -------------------------------------------------------------------------------------


@override_settings(DEBUG=False)
def test_404_is_the_sites_page_in_chinese_with_the_menu(login, tree, admin_a):
    client = login(admin_a)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = parse(response)
    assert page.find("html")["lang"] == "zh-CN"
    assert error_of(page) == {
        "title": "页面不存在 · 干部直接联系群众",
        "code": "404",
        "heading": "页面不存在",
        "reason": "",
        "ways": HOME_ZH,
    }
    assert page.find(id="error-explanation").texts("p") == [
        "网址可能有误或已过时。已删除的记录或不在您管辖范围内的记录也找不到。",
        "请从首页或菜单重新开始。",
    ]
    assert page.find(id="error-ways").links() == [reverse("dashboard")]
    assert page.find("ul", class_="navbar-nav").links() == menu_of(client)
    assert page.find("span", class_="navbar-text").text == "admin_a · 区域管理员"
    # What Django tried (the URL patterns) is not for users.
    assert "no-such-page" not in page.find(id="error").all_text
    assert "Resolver404" not in page.all_text


@override_settings(DEBUG=False)
@pytest.mark.usefixtures("english")
def test_404_in_english(login, tree, admin_a):
    client = in_english(login(admin_a))
    page = parse(client.get("/no-such-page/"))
    assert page.find("html")["lang"] == "en"
    assert error_of(page) == {
        "title": "Page not found · Cadres in direct contact with households",
        "code": "404",
        "heading": "Page not found",
        "reason": "",
        "ways": "Go to the home page",
    }
    assert page.find("ul", class_="navbar-nav").links() == menu_of(client)


@override_settings(DEBUG=False)
def test_404_of_a_record_says_so_alike_for_missing_and_foreign(login, tree, admin_a):
    client = login(admin_a)
    foreign = tree.households_b[0]
    missing_id = Household.objects.latest("pk").pk + 1
    pages = [
        parse(client.get(reverse("household-detail", args=[pk]))) for pk in (foreign.pk, missing_id)
    ]
    assert [error_of(p)["reason"] for p in pages] == ["该农户不存在。", "该农户不存在。"]
    assert foreign.head_name not in pages[0].all_text
    assert pages[0].find("main").text == pages[1].find("main").text


@override_settings(DEBUG=False)
def test_404_offers_the_way_back_to_the_page_the_user_came_from(login, tree, admin_a):
    client = login(admin_a)
    came_from = "http://testserver" + reverse("zone-list")
    page = parse(client.get("/no-such-page/", HTTP_REFERER=came_from))
    assert page.find(id="error-ways").links() == [reverse("dashboard"), came_from]
    assert error_of(page)["ways"] == f"{HOME_ZH} | 返回上一页"
    # Not to another site.
    page = parse(client.get("/no-such-page/", HTTP_REFERER="https://elsewhere.example/x"))
    assert page.find(id="error-ways").links() == [reverse("dashboard")]


@override_settings(DEBUG=False)
def test_404_for_someone_not_logged_in_has_the_frame_without_the_menu(client, tree):
    page = parse(client.get("/no-such-page/"))
    assert error_of(page)["heading"] == "页面不存在"
    assert page.find("a", class_="navbar-brand").text == "干部直接联系群众系统"
    assert page.find_all("ul", class_="navbar-nav") == []


# 403 -------------------------------------------------------------------------------------


def test_403_page_for_a_role_without_the_right(login, tree, viewer_a):
    client = login(viewer_a)
    household = tree.households_a[0]
    response = client.get(reverse("household-update", args=[household.pk]))
    assert response.status_code == 403
    page = parse(response)
    assert error_of(page) == {
        "title": "无权访问 · 干部直接联系群众",
        "code": "403",
        "heading": "无权访问",
        "reason": "",
        "ways": HOME_ZH,
    }
    assert page.find(id="error-explanation").texts("p") == [
        "您的账号无权访问此页面或执行此操作。",
        "账号能做什么取决于它的角色和管辖范围。如工作需要，请联系本地区的管理员。",
    ]
    assert page.find("ul", class_="navbar-nav").links() == menu_of(client)


@pytest.mark.usefixtures("english")
def test_403_page_in_english(login, tree, viewer_a):
    client = in_english(login(viewer_a))
    page = parse(client.get(reverse("import-list")))
    assert error_of(page) == {
        "title": "Not allowed · Cadres in direct contact with households",
        "code": "403",
        "heading": "Not allowed",
        "reason": "",
        "ways": "Go to the home page",
    }
    assert page.find("ul", class_="navbar-nav").links() == menu_of(client)


def test_403_page_shows_the_reason_the_service_gave(login, tree, admin_a):
    """PermissionDenied raised with a message (here by the accounts service) shows it."""
    administrator = user_with_role(Role.ADMINISTRATOR, tree.town_a, username="town_head")
    client = login(admin_a)
    response = client.get(reverse("user-update", args=[administrator.pk]))
    assert response.status_code == 403
    page = parse(response)
    assert error_of(page)["reason"] == "只有管理员才能修改角色为“管理员”的账号。"
    # The reason replaces the general sentence.
    assert page.find(id="error-explanation").texts("p") == [
        "账号能做什么取决于它的角色和管辖范围。如工作需要，请联系本地区的管理员。"
    ]
    assert page.find("ul", class_="navbar-nav").links() == menu_of(client)


def test_form_with_a_stale_csrf_token_gets_the_sites_403_page(tree, admin_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    household = tree.households_a[0]
    response = client.post(
        reverse("household-update", args=[household.pk]),
        {"code": household.code, "head_name": "不该保存", "members": 2, "status": "active"},
        HTTP_REFERER="http://testserver" + reverse("household-update", args=[household.pk]),
    )
    assert response.status_code == 403
    page = parse(response)
    assert error_of(page) == {
        "title": "表单已失效 · 干部直接联系群众",
        "code": "403",
        "heading": "表单已失效",
        "reason": "",
        "ways": f"{HOME_ZH} | 返回表单",
    }
    assert page.find(id="error-ways").links()[1] == "http://testserver" + reverse(
        "household-update", args=[household.pk]
    )
    assert page.find("ul", class_="navbar-nav").links() == menu_of(client)
    household.refresh_from_db()
    assert household.head_name != "不该保存"


# 400 -------------------------------------------------------------------------------------


def test_400_page_for_a_form_with_too_many_fields(login, tree, admin_a):
    client = login(admin_a)
    household = tree.households_a[0]
    response = client.post(
        reverse("household-update", args=[household.pk]),
        {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)},
    )
    assert response.status_code == 400
    page = parse(response)
    assert error_of(page) == {
        "title": "请求无法处理 · 干部直接联系群众",
        "code": "400",
        "heading": "请求无法处理",
        "reason": "",
        "ways": HOME_ZH,
    }
    assert page.find("ul", class_="navbar-nav").links() == menu_of(client)


@pytest.mark.usefixtures("english")
def test_400_page_for_a_foreign_host_in_english(client, tree):
    response = in_english(client).get("/", HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    page = parse(response)
    assert error_of(page)["heading"] == "The request cannot be processed"
    assert page.find(id="error-explanation").texts("p")[1] == (
        "Reload the page and try again. If you followed a link from elsewhere, open the "
        "system from its usual address instead."
    )


# 500 -------------------------------------------------------------------------------------


@pytest.fixture
def broken_zone_list(monkeypatch) -> None:
    """The zone list fails with an unexpected error (a bug)."""

    def fail(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("districts.selectors.zone_list", fail)


@pytest.fixture
def server_error_client(login) -> Callable[[User], Client]:
    """A signed-in client that gets the 500 page instead of the exception."""

    def _client(user: User) -> Client:
        client = login(user)
        client.raise_request_exception = False
        return client

    return _client


def test_500_page_in_chinese_with_the_menu(server_error_client, tree, admin_a, broken_zone_list):
    client = server_error_client(admin_a)
    menu = parse(client.get(reverse("dashboard"))).find("ul", class_="navbar-nav").links()
    response = client.get(reverse("zone-list"))
    assert response.status_code == 500
    page = parse(response)
    assert error_of(page) == {
        "title": "系统出错了 · 干部直接联系群众",
        "code": "500",
        "heading": "系统出错了",
        "reason": "",
        "ways": HOME_ZH,
    }
    first, second = page.find(id="error-explanation").texts("p")
    assert first == "系统未能完成这次请求。错误已被记录；您提交的内容可能没有保存。"
    assert second.startswith(
        "请过几分钟再试。如果问题持续出现，请告诉管理员您当时在做什么以及发生的时间（"
    )
    assert page.find("ul", class_="navbar-nav").links() == menu
    assert page.find("span", class_="navbar-text").text == "admin_a · 区域管理员"
    assert "a bug" not in page.all_text


@pytest.mark.usefixtures("english")
def test_500_page_in_english(server_error_client, tree, admin_a, broken_zone_list):
    client = in_english(server_error_client(admin_a))
    page = parse(client.get(reverse("zone-list")))
    assert error_of(page)["heading"] == "Something went wrong"
    assert page.find(id="error-explanation").texts("p")[0] == (
        "The system could not complete the request. The error has been recorded; what you "
        "were sending may not have been saved."
    )


def test_500_page_renders_with_the_database_down(server_error_client, tree, admin_a):
    client = server_error_client(admin_a)
    down = OperationalError("could not connect to server: Connection refused")
    with mock.patch.object(BaseDatabaseWrapper, "ensure_connection", side_effect=down):
        response = client.get(reverse("zone-list"))
    assert response.status_code == 500
    page = parse(response)
    assert error_of(page)["heading"] == "系统出错了"
    # The frame without what needs the database: no menu, no user name.
    assert page.find("a", class_="navbar-brand").text == "干部直接联系群众系统"
    assert page.find_all("ul", class_="navbar-nav") == []
    assert page.find_all("span", class_="navbar-text") == []
    assert "Connection refused" not in page.all_text
    # The language switch still works (it needs its CSRF token).
    switch = page.find("form", class_="lang-switch")
    assert switch.find("input", name="csrfmiddlewaretoken")["value"] != ""


def test_500_page_drops_the_menu_when_the_database_goes_down_mid_request(
    server_error_client, tree, admin_a, monkeypatch, caplog
):
    """The user was loaded, then the database went away: the menu (which asks it for the
    user's role) is left out rather than failing the error page."""
    down = mock.patch.object(
        BaseDatabaseWrapper, "ensure_connection", side_effect=OperationalError("gone")
    )

    def fail(**kwargs):
        down.start()
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("districts.selectors.zone_list", fail)
    try:
        response = server_error_client(admin_a).get(reverse("zone-list"))
    finally:
        down.stop()
    assert response.status_code == 500
    page = parse(response)
    assert error_of(page)["heading"] == "系统出错了"
    assert page.find_all("ul", class_="navbar-nav") == []
    assert "The 500 page is shown without the menu." in caplog.messages


# The API keeps its JSON -------------------------------------------------------------------


def test_api_404_stays_json(api_for, tree, admin_a):
    api = api_for(admin_a)
    assert assert_json(api.get("/api/v1/no-such-endpoint/"), 404) == {"detail": "未找到。"}
    foreign = tree.households_b[0]
    assert assert_json(api.get(f"/api/v1/households/{foreign.pk}/"), 404).keys() == {"detail"}


def test_api_403_stays_json(api_for, tree, viewer_a):
    api = api_for(viewer_a)
    response = api.post("/api/v1/households/", {"group": tree.group_a1.pk}, format="json")
    assert assert_json(response, 403) == {"detail": "您没有执行该操作的权限。"}


def test_api_500_stays_json(api_for, tree, admin_a, broken_zone_list):
    api = api_for(admin_a)
    api.raise_request_exception = False
    response = api.get("/api/v1/zones/")
    assert assert_json(response, 500) == {"error": "Server Error (500)"}


@pytest.mark.parametrize(
    ("handler", "exception", "status", "body"),
    [
        (errors.bad_request, Exception(), 400, {"error": "Bad Request (400)"}),
        (errors.permission_denied, PermissionDenied(), 403, {"detail": "您没有执行该操作的权限。"}),
        (errors.permission_denied, PermissionDenied("不行。"), 403, {"detail": "不行。"}),
        (errors.page_not_found, Exception(), 404, {"detail": "未找到。"}),
    ],
)
def test_api_errors_outside_drf_views_are_json(
    rf: RequestFactory, handler, exception, status, body
):
    response = handler(rf.get("/api/v1/zones/"), exception)
    assert assert_json(response, status) == body


def test_api_500_outside_drf_views_is_json(rf: RequestFactory):
    assert assert_json(errors.server_error(rf.get("/api/v1/zones/")), 500) == {
        "error": "Server Error (500)"
    }


def test_api_refuses_a_session_post_without_csrf_in_json(tree, admin_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_a)
    response = client.post(
        "/api/v1/households/", {"group": tree.group_a1.pk}, content_type="application/json"
    )
    assert assert_json(response, 403)["detail"].startswith("CSRF Failed:")
