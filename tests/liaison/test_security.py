"""Lockouts and API tokens: the services, the pages and the API, inside the jurisdiction.

A township administrator sees and lifts lockouts, and lists and revokes tokens, of their
own township's accounts only; another township's answer exactly like missing ones (404);
a viewer gets 403 on the lists and 404 for one.
"""

import datetime
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from districts.models import Role
from liaison.common.net import client_ip
from liaison.core import lockouts, tokens
from liaison.core.models import AccountEvent

from ..conftest import api_client_for
from ..factories import user_with_role
from ..html import parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

PASSWORD = "pw-secret-123"


@pytest.fixture(autouse=True)
def language_reset_after_each_security_test():
    """Requests made in English (Accept-Language) leave English active in this thread: the
    next module's messages must not depend on this one."""
    yield
    translation.deactivate()


TOKENS = "/api/v1/auth/tokens/"


@pytest.fixture
def people(tree):
    """An account in township A and one in township B."""
    return SimpleNamespace(
        a=user_with_role(Role.VIEWER, tree.village_a, username="zhang_a"),
        b=user_with_role(Role.VIEWER, tree.village_b, username="li_b"),
    )


def _fail(client, username: str, times: int, address: str = "198.51.100.1") -> None:
    for n in range(times):
        client.post(
            reverse("login"), {"username": username, "password": f"guess{n}"}, REMOTE_ADDR=address
        )


@pytest.fixture
def locked(client, settings, people):
    """Both accounts locked out, each from its own address."""
    _fail(client, "zhang_a", settings.LOGIN_FAILURE_LIMIT, "198.51.100.1")
    _fail(client, "li_b", settings.LOGIN_FAILURE_LIMIT, "198.51.100.2")
    # The login page activated the request's language (Chinese) in this thread: back to
    # the module's English for the messages the tests read.
    translation.activate("en")
    return people


# The client's address ----------------------------------------------------------------------


def _request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return SimpleNamespace(META=meta)


def test_x_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("192.0.2.1", "203.0.113.5")) == "192.0.2.1"


def test_x_forwarded_for_is_ignored_from_an_untrusted_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client_ip(_request("192.0.2.1", "203.0.113.5")) == "192.0.2.1"


def test_a_trusted_proxy_names_the_client(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    # The client put a fake entry first; the proxy appended the address it saw.
    assert client_ip(_request("10.0.0.1", "1.2.3.4, 203.0.113.5")) == "203.0.113.5"
    # Two proxies of ours: the right-most address that is not ours.
    assert client_ip(_request("10.0.0.1", "203.0.113.5, 10.0.0.7")) == "203.0.113.5"
    assert client_ip(_request("10.0.0.1", "garbage")) == "10.0.0.1"
    assert client_ip(_request("10.0.0.1")) == "10.0.0.1"


def test_lockouts_count_the_address_a_trusted_proxy_names(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    client.post(
        reverse("login"),
        {"username": "nobody", "password": "x"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]


# Lockouts: services ------------------------------------------------------------------------


def _listed(user) -> list[tuple[str, str, int]]:
    return [(x.kind, x.value, x.failures) for x in lockouts.lockout_list(user=user)]


def test_each_administrator_sees_the_lockouts_of_their_own_accounts(
    locked, settings, county_admin, admin_a, admin_b, superuser
):
    n = settings.LOGIN_FAILURE_LIMIT
    assert sorted(_listed(county_admin)) == [("username", "li_b", n), ("username", "zhang_a", n)]
    assert _listed(admin_a) == [("username", "zhang_a", n)]
    assert _listed(admin_b) == [("username", "li_b", n)]
    # Superusers also see the addresses.
    assert sorted(_listed(superuser)) == [
        ("address", "198.51.100.1", n),
        ("address", "198.51.100.2", n),
        ("username", "li_b", n),
        ("username", "zhang_a", n),
    ]


def test_a_lockout_ends_after_the_cool_off(locked, county_admin, settings):
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)
    )
    assert _listed(county_admin) == []


def test_lifting_a_lockout_lets_the_account_in_and_is_recorded(client, locked, admin_a):
    lockout = lockouts.lockout_get(user=admin_a, kind="username", value="zhang_a")
    lockouts.lockout_lift(lockout=lockout, by=admin_a)
    assert _listed(admin_a) == []
    response = client.post(
        reverse("login"), {"username": "zhang_a", "password": PASSWORD}, REMOTE_ADDR="192.0.2.9"
    )
    assert response.status_code == 302
    event = AccountEvent.objects.get(action=AccountEvent.Action.LOCKOUT_LIFTED)
    assert (event.actor, event.user, event.details) == (admin_a, locked.a, {"failures": 5})


def test_another_townships_lockout_is_not_found(locked, admin_a, county_admin):
    with pytest.raises(Http404, match=r"^No such lockout\.$"):
        lockouts.lockout_get(user=admin_a, kind="username", value="li_b")
    # Even handed the record, the funnel refuses it.
    foreign = lockouts.lockout_get(user=county_admin, kind="username", value="li_b")
    with pytest.raises(Http404, match=r"^No such lockout\.$"):
        lockouts.lockout_lift(lockout=foreign, by=admin_a)
    assert AccessAttempt.objects.filter(username="li_b").count() == 1


def test_an_address_lockout_is_for_superusers(locked, county_admin, superuser):
    address = lockouts.lockout_get(user=superuser, kind="address", value="198.51.100.2")
    with pytest.raises(Http404, match=r"^No such lockout\.$"):
        lockouts.lockout_lift(lockout=address, by=county_admin)
    lockouts.lockout_lift(lockout=address, by=superuser)
    assert not AccessAttempt.objects.filter(ip_address="198.51.100.2").exists()


def test_a_viewer_may_not_lift_a_lockout(locked, tree):
    viewer = user_with_role(Role.VIEWER, tree.county, username="watcher")
    assert _listed(viewer) == []
    lockout = lockouts.lockout_get(user=user_with_role(Role.ADMINISTRATOR, tree.county),
                                   kind="username", value="zhang_a")  # fmt: skip
    with pytest.raises(Http404, match=r"^No such lockout\.$"):
        lockouts.lockout_lift(lockout=lockout, by=viewer)


def test_a_role_that_manages_no_accounts_gets_404_for_a_lockout(locked, tree):
    # An organisation-department account sees the county but does not manage accounts.
    orgdept = user_with_role(Role.ORG_DEPARTMENT, tree.county, username="orgdept")
    lockout = lockouts.Lockout("username", "zhang_a", 5, timezone.now(), user=locked.a)
    with pytest.raises(Http404, match=r"^No such lockout\.$"):
        lockouts.lockout_lift(lockout=lockout, by=orgdept)
    assert AccessAttempt.objects.filter(username="zhang_a").exists()


# Lockouts: API -----------------------------------------------------------------------------

LOCKOUTS = "/api/v1/auth/lockouts/"


def test_the_lockout_api_lists_and_lifts_inside_the_jurisdiction(client, locked, admin_a):
    api = api_client_for(admin_a)
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    listed = api.get(LOCKOUTS)
    assert listed.status_code == 200
    assert [(r["kind"], r["value"], r["failures"]) for r in listed.json()] == [
        ("username", "zhang_a", 5)
    ]
    foreign = api.post(f"{LOCKOUTS}lift/", {"kind": "username", "value": "li_b"}, format="json")
    missing = api.post(f"{LOCKOUTS}lift/", {"kind": "username", "value": "x"}, format="json")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == {"detail": "No such lockout."}
    assert AccessAttempt.objects.filter(username="li_b").exists()
    address = api.post(
        f"{LOCKOUTS}lift/", {"kind": "address", "value": "198.51.100.1"}, format="json"
    )
    assert address.status_code == 404
    lifted = api.post(f"{LOCKOUTS}lift/", {"kind": "username", "value": "zhang_a"}, format="json")
    assert lifted.status_code == 204
    assert api.get(LOCKOUTS).json() == []
    assert not AccessAttempt.objects.filter(username="zhang_a").exists()


def test_a_viewer_gets_403_on_the_lockout_api(locked, tree):
    api = api_client_for(user_with_role(Role.VIEWER, tree.county, username="watcher"))
    assert api.get(LOCKOUTS).status_code == 403
    lift = api.post(f"{LOCKOUTS}lift/", {"kind": "username", "value": "zhang_a"}, format="json")
    assert lift.status_code == 403
    assert AccessAttempt.objects.filter(username="zhang_a").exists()


# Lockouts: pages ---------------------------------------------------------------------------


def test_the_lockouts_page_lists_and_lifts_inside_the_jurisdiction(client, locked, admin_a):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(admin_a)
    page = parse(client.get(reverse("lockout-list")))
    rows = page.table_rows("#lockouts")
    assert [row[:2] for row in rows] == [["Account zhang_a", "5"]]
    assert "li_b" not in page.all_text
    # Another township's lockout: as if it did not exist.
    foreign = client.post(reverse("lockout-lift"), {"kind": "username", "value": "li_b"})
    assert foreign.status_code == 404
    assert AccessAttempt.objects.filter(username="li_b").exists()
    lifted = client.post(
        reverse("lockout-lift"), {"kind": "username", "value": "zhang_a"}, follow=True
    )
    assert parse(lifted).messages("success") == ["Lockout of zhang_a lifted."]
    assert parse(lifted).table_rows("#lockouts") == [["No account is locked out."]]
    assert not AccessAttempt.objects.filter(username="zhang_a").exists()


def test_a_viewer_gets_403_on_the_lockouts_page_and_404_on_a_lift(client, locked, tree):
    client.force_login(user_with_role(Role.VIEWER, tree.county, username="watcher"))
    assert client.get(reverse("lockout-list")).status_code == 403
    response = client.post(reverse("lockout-lift"), {"kind": "username", "value": "zhang_a"})
    assert response.status_code == 404
    assert AccessAttempt.objects.filter(username="zhang_a").exists()


def test_the_django_admin_lists_and_deletes_attempts(client, locked, superuser):
    client.force_login(superuser)
    changelist = client.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    attempt = AccessAttempt.objects.get(username="zhang_a")
    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="zhang_a").exists()


def test_the_lockout_page_answer_is_in_the_sites_frame(client, settings, people):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    _fail(client, "zhang_a", settings.LOGIN_FAILURE_LIMIT)
    page = parse(
        client.post(reverse("login"), {"username": "zhang_a", "password": PASSWORD},
                    REMOTE_ADDR="198.51.100.1")
    )  # fmt: skip
    assert page.find("div", id="lockout").text == (
        "Too many failed logins: this account or this address is locked for 30 minutes. "
        "Try again later, or ask an administrator to lift the lockout."
    )
    assert page.find("form", method="post") is not None


# Tokens: services --------------------------------------------------------------------------


def test_tokens_last_the_configured_time(settings, people):
    token = Token.objects.create(user=people.a)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(days=10))
    client = api_client_for(people.a)
    assert client.get("/api/v1/areas/").status_code == 200
    settings.API_TOKEN_TTL_DAYS = 7
    assert client.get("/api/v1/areas/").status_code == 401


def test_the_token_endpoint_keeps_a_valid_token_and_replaces_an_expired_one(people, settings):
    first = tokens.token_issue(user=people.a)
    assert tokens.token_issue(user=people.a).key == first.key
    Token.objects.filter(pk=first.pk).update(
        created=timezone.now() - datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS)
    )
    second = tokens.token_issue(user=people.a)
    assert second.key != first.key
    assert list(Token.objects.filter(user=people.a).values_list("key", flat=True)) == [second.key]


def test_revoking_another_townships_token_is_not_found(people, admin_a):
    token = Token.objects.create(user=people.b)
    with pytest.raises(Http404, match=r"^No such token\.$"):
        tokens.token_get(user=admin_a, pk=people.b.pk)
    with pytest.raises(Http404, match=r"^No such token\.$"):
        tokens.token_revoke(token=token, by=admin_a)
    assert Token.objects.filter(user=people.b).exists()


def test_revoking_a_token_is_recorded(people, admin_a):
    token = Token.objects.create(user=people.a)
    tokens.token_revoke(token=token, by=admin_a)
    assert not Token.objects.exists()
    event = AccountEvent.objects.get(action=AccountEvent.Action.TOKEN_REVOKED)
    assert (event.actor, event.user, event.details) == (
        admin_a,
        people.a,
        {"key_prefix": token.key[:6]},
    )


# Tokens: API -------------------------------------------------------------------------------


def test_the_token_list_shows_only_own_accounts_and_never_a_key(people, admin_a, county_admin):
    a = Token.objects.create(user=people.a)
    b = Token.objects.create(user=people.b)
    response = api_client_for(admin_a).get(TOKENS)
    assert response.status_code == 200
    own = Token.objects.get(user=admin_a)  # the caller's own, made to call
    results = response.json()["results"]
    assert [(r["id"], r["username"], r["key_prefix"]) for r in results] == sorted(
        [(people.a.pk, "zhang_a", a.key[:6]), (admin_a.pk, "admin_a", own.key[:6])]
    )
    assert set(results[0]) == {"id", "username", "key_prefix", "created", "expires", "expired"}
    listed = str(response.json())
    assert a.key not in listed and b.key not in listed
    everyone = api_client_for(county_admin).get(TOKENS).json()["results"]
    assert {r["username"] for r in everyone} == {"zhang_a", "li_b", "admin_a", "county_admin"}


def test_the_token_list_query_count_is_pinned(tree, django_assert_max_num_queries):
    admin = user_with_role(Role.ADMINISTRATOR, tree.county, username="boss")
    for n in range(12):
        Token.objects.create(user=user_with_role(Role.VIEWER, tree.town_a, username=f"v{n}"))
    client = api_client_for(admin)
    # Token and user, the caller's jurisdiction and areas, the page of tokens with users.
    with django_assert_max_num_queries(5):
        response = client.get(TOKENS, {"page_size": 10})
    assert len(response.json()["results"]) == 10


def test_revoking_through_the_api(people, admin_a):
    Token.objects.create(user=people.a)
    Token.objects.create(user=people.b)
    client = api_client_for(admin_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    foreign = client.delete(f"{TOKENS}{people.b.pk}/")
    missing = client.delete(f"{TOKENS}987654321/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == {"detail": "No such token."}
    assert Token.objects.filter(user=people.b).exists()
    assert client.delete(f"{TOKENS}{people.a.pk}/").status_code == 204
    assert not Token.objects.filter(user=people.a).exists()


def test_a_viewer_gets_403_on_the_token_list_and_404_on_a_token(people, tree):
    Token.objects.create(user=people.a)
    viewer = user_with_role(Role.VIEWER, tree.county, username="watcher")
    client = api_client_for(viewer)
    assert client.get(TOKENS).status_code == 403
    assert client.delete(f"{TOKENS}{people.a.pk}/").status_code == 404
    assert Token.objects.filter(user=people.a).exists()


def test_logout_without_a_token_is_refused(client):
    assert client.post("/api/v1/auth/logout/").status_code == 401


# Tokens: pages -----------------------------------------------------------------------------


def test_the_tokens_page_lists_and_revokes_inside_the_jurisdiction(client, people, admin_a):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    a = Token.objects.create(user=people.a)
    b = Token.objects.create(user=people.b)
    client.force_login(admin_a)
    page = parse(client.get(reverse("token-list")))
    rows = page.table_rows("#tokens")
    assert [row[:2] for row in rows] == [["zhang_a", f"{a.key[:6]}…"]]
    assert a.key not in page.all_text and b.key not in page.all_text
    foreign = client.post(reverse("token-revoke", args=[people.b.pk]))
    assert foreign.status_code == 404
    assert Token.objects.filter(user=people.b).exists()
    revoked = client.post(reverse("token-revoke", args=[people.a.pk]), follow=True)
    assert parse(revoked).messages("success") == ["API token of zhang_a revoked."]
    assert not Token.objects.filter(user=people.a).exists()


def test_a_viewer_gets_403_on_the_tokens_page_and_404_on_a_revoke(client, people, tree):
    Token.objects.create(user=people.a)
    client.force_login(user_with_role(Role.VIEWER, tree.county, username="watcher"))
    assert client.get(reverse("token-list")).status_code == 403
    assert client.post(reverse("token-revoke", args=[people.a.pk])).status_code == 404
    assert Token.objects.filter(user=people.a).exists()


def test_logging_out_in_the_browser_forgets_the_session(client, people):
    from liaison.core.models import UserSession

    client.post(reverse("login"), {"username": "zhang_a", "password": PASSWORD})
    assert UserSession.objects.filter(user=people.a).count() == 1
    assert client.session[SESSION_KEY] == str(people.a.pk)
    client.post(reverse("logout"))
    assert not UserSession.objects.exists()


def test_the_django_admin_lists_tokens_without_their_keys(client, people, superuser):
    token = Token.objects.create(user=people.a)
    client.force_login(superuser)
    page = parse(client.get(reverse("admin:authtoken_tokenproxy_changelist")))
    assert f"{token.key[:6]}…" in page.all_text
    assert token.key not in page.all_text


def test_a_session_that_changed_its_password_still_ends_at_deactivation(
    client, people, county_admin
):
    from liaison.core.accounts import user_deactivate

    client.post(reverse("login"), {"username": "zhang_a", "password": PASSWORD})
    changed = client.post(
        reverse("password-change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Nanka-river-88",
            "new_password2": "Nanka-river-88",
        },
    )
    assert changed.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 200
    user_deactivate(user=people.a, by=county_admin)
    people.a.is_active = True
    people.a.save(update_fields=["is_active"])
    assert client.get(reverse("dashboard")).status_code == 302
