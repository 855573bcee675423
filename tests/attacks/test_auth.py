"""Issue 9, items 1–3 replayed: guessing passwords, tokens that never die, demo accounts in
production mode. Each test runs the attack as the probe ran it and asserts it now fails."""

import datetime
import io

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.cache import cache
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from liaison.checks import DEMO_ACCOUNTS_ERROR, refuse_demo_accounts
from liaison.common.api import ClientAddressThrottle
from liaison.core.lockouts import lockout_message
from liaison.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from liaison.management.commands.seed_demo import Command as SeedDemo

from ..conftest import api_client_for
from ..factories import UserFactory
from ..html import parse

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "pw-secret-123"  # UserFactory's


@pytest.fixture(autouse=True)
def language_reset_after_each_attack():
    """Requests made in English (Accept-Language) leave English active in this thread: the
    next module's messages must not depend on this one."""
    yield
    translation.deactivate()


def _chinese_lockout_message() -> str:
    with translation.override("zh-hans"):
        return lockout_message()


# 1. Login throttling ---------------------------------------------------------------------


def test_thirty_wrong_passwords_on_the_login_page_lock_the_account(client, settings):
    """30 wrong passwords in a row were all answered 200, then the right one worked."""
    UserFactory(username="zhang")
    statuses = [
        client.post(reverse("login"), {"username": "zhang", "password": f"guess{n}"}).status_code
        for n in range(30)
    ]
    limit = settings.LOGIN_FAILURE_LIMIT
    assert statuses == [200] * (limit - 1) + [429] * (31 - limit)

    right = client.post(reverse("login"), {"username": "zhang", "password": PASSWORD})
    assert right.status_code == 429
    assert SESSION_KEY not in client.session
    page = parse(right)
    # The reason, in the site's frame (the login page), in Chinese.
    assert page.find("div", id="lockout").text == _chinese_lockout_message()
    assert page.find("input", name="username")["value"] == "zhang"
    assert page.find("title").text.startswith("登录")


def test_the_lock_follows_the_username_to_another_address(client):
    UserFactory(username="zhang")
    for n in range(30):
        client.post(
            reverse("login"),
            {"username": "zhang", "password": f"guess{n}"},
            REMOTE_ADDR=f"198.51.100.{n}",
        )
    right = client.post(
        reverse("login"), {"username": "zhang", "password": PASSWORD}, REMOTE_ADDR="192.0.2.9"
    )
    assert right.status_code == 429
    assert SESSION_KEY not in client.session


def test_many_usernames_from_one_address_lock_the_address(client, settings):
    UserFactory(username="zhang")
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": f"nobody{n}", "password": "x"})
    # The address is locked: even a real account with its password stays out from there…
    assert (
        client.post(reverse("login"), {"username": "zhang", "password": PASSWORD}).status_code
        == 429
    )
    assert SESSION_KEY not in client.session
    # …but logs in from anywhere else.
    other = client.post(
        reverse("login"), {"username": "zhang", "password": PASSWORD}, REMOTE_ADDR="192.0.2.9"
    )
    assert other.status_code == 302
    assert client.session[SESSION_KEY] == str(get_user_model().objects.get(username="zhang").pk)


def test_a_new_x_forwarded_for_per_try_does_not_escape_the_token_endpoints_lockout(settings):
    """The token endpoint counted by the client-supplied X-Forwarded-For: a new header per
    try was never blocked."""
    UserFactory(username="zhang")
    client = APIClient()
    answers = [
        client.post(
            TOKEN_URL,
            {"username": "zhang", "password": f"guess{n}"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        for n in range(30)
    ]
    limit = settings.LOGIN_FAILURE_LIMIT
    assert [a.status_code for a in answers] == [400] * (limit - 1) + [429] * (31 - limit)
    right = client.post(
        TOKEN_URL,
        {"username": "zhang", "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert right.status_code == 429
    assert right.json() == {"detail": _chinese_lockout_message()}
    assert not Token.objects.exists()


def test_the_token_throttle_counts_the_real_address_not_the_header(monkeypatch):
    """DRF's throttle keyed by X-Forwarded-For: each new header was a new client."""
    cache.clear()
    monkeypatch.setattr(ClientAddressThrottle, "THROTTLE_RATES", {"token": "3/min"})
    client = APIClient()
    statuses = [
        client.post(
            TOKEN_URL,
            {"username": f"nobody{n}", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
    cache.clear()


def test_one_accounts_lockout_leaves_other_accounts_alone(client, settings):
    UserFactory(username="zhang")
    UserFactory(username="li")
    for n in range(settings.LOGIN_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "zhang", "password": f"guess{n}"},
            REMOTE_ADDR=f"198.51.100.{n}",
        )
    ok = client.post(
        reverse("login"), {"username": "li", "password": PASSWORD}, REMOTE_ADDR="198.51.100.99"
    )
    assert ok.status_code == 302


# 2. Tokens expire and can be revoked -------------------------------------------------------


def test_a_token_dated_2001_no_longer_works():
    user = UserFactory(username="zhang")
    token = Token.objects.create(user=user)
    Token.objects.filter(pk=token.pk).update(
        created=datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC)
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE="en")
    response = client.get("/api/v1/areas/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Your API token has expired. Ask for a new one: POST your username and "
        "password to /api/v1/auth/token/."
    }
    # The client asks for a new one with the password; the old key stays dead.
    fresh = APIClient().post(TOKEN_URL, {"username": "zhang", "password": PASSWORD})
    assert fresh.status_code == 200
    assert fresh.json()["token"] != token.key
    assert client.get("/api/v1/areas/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {fresh.json()['token']}")
    assert client.get("/api/v1/areas/").status_code == 200


def test_logout_revokes_the_callers_token(tree, viewer_a):
    client = api_client_for(viewer_a)
    assert client.get("/api/v1/areas/").status_code == 200
    response = client.post("/api/v1/auth/logout/")
    assert response.status_code == 204
    assert not Token.objects.filter(user=viewer_a).exists()
    assert client.get("/api/v1/areas/").status_code == 401


def test_a_deactivated_account_loses_its_token_and_its_sessions(tree, client, county_admin):
    from liaison.core.accounts import user_deactivate, user_update

    from ..factories import user_with_role

    victim = user_with_role("viewer", tree.town_a, username="stolen")
    api = api_client_for(victim)
    client.force_login(victim)
    assert client.get(reverse("dashboard")).status_code == 200
    user_deactivate(user=victim, by=county_admin)
    assert api.get("/api/v1/areas/").status_code == 401
    assert client.get(reverse("dashboard")).status_code == 302
    # Made active again, the old session does not come back to life.
    user_update(user=victim, is_active=True, by=county_admin)
    assert client.get(reverse("dashboard")).status_code == 302
    assert not Token.objects.filter(user=victim).exists()


def test_deactivating_in_the_django_admin_ends_tokens_and_sessions_too(tree, client, superuser):
    from ..factories import user_with_role

    victim = user_with_role("viewer", tree.town_a, username="stolen")
    api = api_client_for(victim)
    victim_client = type(client)()
    victim_client.force_login(victim)
    client.force_login(superuser)
    url = reverse("admin:auth_user_change", args=[victim.pk])
    form = {
        "username": "stolen",
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "",  # unticked
        "date_joined_0": "2026-03-01",
        "date_joined_1": "08:00:00",
        "initial-date_joined_0": "2026-03-01",
        "initial-date_joined_1": "08:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    response = client.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    victim.refresh_from_db()
    assert victim.is_active is False
    assert api.get("/api/v1/areas/").status_code == 401
    assert victim_client.get(reverse("dashboard")).status_code == 302


# 3. Demo accounts in production mode -------------------------------------------------------


def _seed_demo_accounts(settings) -> None:
    """What `seed_demo` does to accounts in development mode."""
    settings.DEBUG = True
    SeedDemo(stdout=io.StringIO())._demo_accounts()
    settings.DEBUG = False


DEMO_NAMES = sorted(name for name, _role, _area in DEMO_ACCOUNTS)


def test_production_mode_refuses_to_start_with_the_demo_accounts(settings):
    _seed_demo_accounts(settings)
    errors = [e for e in run_checks() if e.id == DEMO_ACCOUNTS_ERROR]
    assert [e.msg for e in errors] == [
        "Demo accounts with the demo password in production mode (DEBUG off): "
        + ", ".join(DEMO_NAMES)
        + ". Anyone who read the README can log in as them."
    ]
    with pytest.raises(SystemCheckError, match=r"liaison\.E001.*admin, cadre, county"):
        call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(ImproperlyConfigured, match=r"^Demo accounts with the demo password"):
        refuse_demo_accounts()


def test_each_demo_account_must_get_a_new_password_or_be_deactivated(settings):
    _seed_demo_accounts(settings)
    users = get_user_model().objects.filter(username__in=DEMO_NAMES).order_by("username")
    for user in users:
        if user.username == "admin":
            user.set_password("a new long passphrase")
            user.save()
        elif user.username != "viewer":
            user.is_active = False
            user.save()
    errors = [e for e in run_checks() if e.id == DEMO_ACCOUNTS_ERROR]
    assert [e.msg.split(": ")[1] for e in errors] == [
        "viewer. Anyone who read the README can log in as them."
    ]
    viewer = users.get(username="viewer")
    viewer.set_password("another long passphrase")
    viewer.save()
    assert [e for e in run_checks() if e.id == DEMO_ACCOUNTS_ERROR] == []
    refuse_demo_accounts()  # and gunicorn starts


def test_development_mode_keeps_the_demo_accounts(settings):
    _seed_demo_accounts(settings)
    settings.DEBUG = True
    assert get_user_model().objects.get(username="admin").check_password(DEMO_PASSWORD)
    assert [e for e in run_checks() if e.id == DEMO_ACCOUNTS_ERROR] == []


def test_an_account_named_like_a_demo_one_with_its_own_password_is_fine(settings):
    UserFactory(username="admin", is_superuser=True, is_staff=True)
    settings.DEBUG = False
    assert [e for e in run_checks() if e.id == DEMO_ACCOUNTS_ERROR] == []
