"""Issue 9, items 7 and 10: the attacks on personal data and accounts, replayed.

- Item 7: a cadre revealed 40 households' ID and phone numbers in 0.3 s. Reveals are now
  limited per user (PrivacyPolicy.reveals_per_hour), a cadre reveals only the households
  they serve, and administrators read the reveal log of their jurisdiction.
- Item 10: passwords of at least 10 characters, not common, not like the username; a
  password chosen by an administrator is changed at the first sign-in; an idle session
  ends; an append-only audit log of sign-ins, reveals, downloads and permission changes;
  the personal data of households gone longer than the retention period is erased.

New messages are asserted in English (`Accept-Language: en`) until the lead merges their
Chinese translations from locale/pending/privacy.po.
"""

import datetime
import io

import pytest
from django.contrib.admin.sites import site
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from districts.access import SYSTEM
from districts.audit import LAST_SEEN
from districts.models import (
    ERASED_NAME,
    AppendOnlyError,
    AuditEntry,
    Household,
    HouseholdStatus,
    ImportJob,
    Jurisdiction,
    PersonalDataAccess,
    Role,
)
from districts.services import household_reveal, import_files_erase, personal_data_erase
from liaison.common.limits import RateLimited
from liaison.core import accounts
from liaison.core.coverage import coverage_recompute
from liaison.core.models import CoverageSnapshot, Pairing

from ..factories import (
    AuditEntryFactory,
    HouseholdFactory,
    ImportJobFactory,
    PersonalDataAccessFactory,
    PrivacyPolicyFactory,
    UserFactory,
    ZoneFactory,
    ZoneLeadershipFactory,
    user_with_role,
)
from ..files import read_csv
from ..html import parse

pytestmark = pytest.mark.django_db

DEMO_PASSWORD = "demo-liaison"


def reveal_url(household: Household) -> str:
    return f"/api/v1/households/{household.pk}/reveal/"


def in_english(client):
    """Ask for pages and API answers in English (the new messages' source language)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def messagesmessages_in_english():
    return translation.override("en")


@pytest.fixture
def forty_paired(tree, cadre_a, cadre_user_a) -> list[Household]:
    """Forty households of group A1, all paired with the cadre `cadre_a` (account yanwen)."""
    households = HouseholdFactory.create_batch(40, group=tree.group_a1)
    Pairing.objects.bulk_create(
        Pairing(cadre=cadre_a, household=h, start_date=datetime.date(2026, 1, 1))
        for h in households
    )
    return households


# Item 7: reveals ------------------------------------------------------------------------


def test_attack_a_cadre_reveals_forty_households_in_a_burst(api_for, cadre_user_a, forty_paired):
    """The probe: 40 reveals in a row. The first 30 (the policy) answer, the rest are 429
    with the reason and when to come back, and are not recorded."""
    client = in_english(api_for(cadre_user_a))
    answers = [client.post(reveal_url(h)) for h in forty_paired]
    assert [r.status_code for r in answers] == [200] * 30 + [429] * 10
    assert answers[0].json() == {
        "id_number": forty_paired[0].id_number,
        "phone": forty_paired[0].phone,
    }
    refused = answers[30]
    assert refused.json()["detail"] == (
        "You have revealed personal data 30 times in the last hour, the most allowed. "
        "Try again in 60 minutes."
    )
    assert 3500 <= int(refused["Retry-After"]) <= 3601
    assert PersonalDataAccess.objects.filter(user=cadre_user_a).count() == 30
    assert AuditEntry.objects.filter(kind="reveal", user=cadre_user_a).count() == 30


def test_the_limit_is_policy_and_counts_only_the_last_hour(tree, cadre_user_a, forty_paired):
    PrivacyPolicyFactory(reveals_per_hour=2)
    first, second, third = forty_paired[:3]
    household_reveal(household=first, by=cadre_user_a)
    household_reveal(household=second, by=cadre_user_a)
    with messages_in_english(), pytest.raises(RateLimited, match="2 times in the last") as refused:
        household_reveal(household=third, by=cadre_user_a)
    assert 3500 <= refused.value.retry_after <= 3601
    # An hour later the older reveals no longer count.
    PersonalDataAccess.objects.filter(user=cadre_user_a).update(
        at=timezone.now() - datetime.timedelta(hours=1, seconds=1)
    )
    assert household_reveal(household=third, by=cadre_user_a)["phone"] == third.phone
    assert PersonalDataAccess.objects.filter(user=cadre_user_a).count() == 3


def test_the_limit_is_per_user(tree, admin_a, cadre_user_a, forty_paired):
    PrivacyPolicyFactory(reveals_per_hour=1)
    household_reveal(household=forty_paired[0], by=cadre_user_a)
    # Another user still may; the system actor (a command) is not limited.
    household_reveal(household=forty_paired[0], by=admin_a)
    household_reveal(household=forty_paired[1], by=SYSTEM)
    assert PersonalDataAccess.objects.count() == 2  # the system's is not a user's reveal


def test_the_page_refuses_with_429_too(login, cadre_user_a, forty_paired):
    PrivacyPolicyFactory(reveals_per_hour=1)
    client = in_english(login(cadre_user_a))
    url = reverse("household-reveal", args=[forty_paired[0].pk])
    assert client.post(url).status_code == 200
    refused = client.post(url)
    assert refused.status_code == 429
    # The masked numbers again, with the reason in their place (app.js lets htmx swap it).
    shown = parse(refused)
    assert shown.find(id="reveal-refused").text == (
        "You have revealed personal data 1 time in the last hour, the most allowed. "
        "Try again in 60 minutes."
    )
    assert (
        shown.find(id="phone").text
        == forty_paired[0].phone[:3] + "****" + forty_paired[0].phone[-4:]
    )
    assert PersonalDataAccess.objects.count() == 1


def test_attack_a_cadre_reveals_a_household_of_the_township_they_do_not_serve(
    tree, api_for, login, cadre_a, cadre_user_a
):
    """The cadre's account covers township A; their pairing is one household of it."""
    mine, other = tree.households_a[0], tree.households_a[1]
    Pairing.objects.create(cadre=cadre_a, household=mine, start_date=datetime.date(2026, 1, 1))
    client = in_english(api_for(cadre_user_a))
    refused = client.post(reveal_url(other))
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You may see the numbers of the households you serve only."}
    assert client.post(reveal_url(mine)).status_code == 200
    # The page: no button on another household, and the post is refused.
    page = in_english(login(cadre_user_a))
    assert (
        parse(page.get(reverse("household-detail", args=[other.pk]))).find_all(hx_post=True) == []
    )
    assert parse(page.get(reverse("household-detail", args=[mine.pk]))).find_all(hx_post=True)
    refused_page = page.post(reverse("household-reveal", args=[other.pk]))
    assert refused_page.status_code == 403
    assert parse(refused_page).find(id="reveal-refused").text == (
        "You may see the numbers of the households you serve only."
    )
    assert list(PersonalDataAccess.objects.values_list("household", flat=True)) == [mine.pk]


def test_a_cadre_reveals_the_households_of_the_zone_they_lead(tree, cadre_a, cadre_user_a):
    led = ZoneFactory(level="group", areas=[tree.group_a2])
    ZoneLeadershipFactory(zone=led, cadre=cadre_a)
    in_zone, outside = tree.households_a[3], tree.households_a[0]
    assert household_reveal(household=in_zone, by=cadre_user_a)["phone"] == in_zone.phone
    with pytest.raises(PermissionDenied, match="households you serve only"), messages_in_english():
        household_reveal(household=outside, by=cadre_user_a)


def test_an_ended_pairing_or_leadership_no_longer_reveals(tree, cadre_a, cadre_user_a):
    household = tree.households_a[0]
    Pairing.objects.create(
        cadre=cadre_a,
        household=household,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 2, 1),
    )
    led = ZoneFactory(level="group", areas=[tree.group_a1])
    ZoneLeadershipFactory(zone=led, cadre=cadre_a, end_date=datetime.date(2026, 2, 1))
    with pytest.raises(PermissionDenied, match="households you serve only"), messages_in_english():
        household_reveal(household=household, by=cadre_user_a)
    assert not PersonalDataAccess.objects.exists()


def test_administrators_reveal_any_household_of_their_jurisdiction(tree, admin_a, api_for):
    client = api_for(admin_a)
    assert client.post(reveal_url(tree.households_a[4])).status_code == 200
    assert client.post(reveal_url(tree.households_b[0])).status_code == 404


@pytest.fixture
def reveals(tree, admin_a, admin_b, county_admin) -> dict[str, PersonalDataAccess]:
    """One reveal in each township, and one of last year in township A."""
    a = PersonalDataAccessFactory(user=admin_a, household=tree.households_a[0], reason="回访")
    b = PersonalDataAccessFactory(user=admin_b, household=tree.households_b[0], reason="核实")
    old = PersonalDataAccessFactory(user=county_admin, household=tree.households_a[1])
    PersonalDataAccess.objects.filter(pk=old.pk).update(
        at=timezone.make_aware(datetime.datetime(2025, 6, 1, 10, 0))
    )
    return {"a": a, "b": b, "old": old}


def test_the_reveal_log_page_shows_the_jurisdiction_only(login, tree, admin_a, reveals):
    page = parse(login(admin_a).get(reverse("reveal-log")))
    rows = page.table_rows("#reveals")
    assert [row[1:5] for row in rows] == [
        ["admin_a", tree.households_a[0].code, "芒街一组", "回访"],
        ["county_admin", tree.households_a[1].code, "芒街一组", "回访"],
    ]
    assert tree.households_b[0].code not in page.all_text


def test_the_county_reads_every_reveal_and_filters_them(login, tree, county_admin, reveals):
    client = login(county_admin)
    everything = parse(client.get(reverse("reveal-log"))).table_rows("#reveals")
    assert [row[1] for row in everything] == ["admin_b", "admin_a", "county_admin"]
    by_user = parse(client.get(reverse("reveal-log"), {"user": "admin_b"}))
    assert [row[1] for row in by_user.table_rows("#reveals")] == ["admin_b"]
    code = tree.households_a[1].code
    by_household = parse(client.get(reverse("reveal-log"), {"household": code}))
    assert [row[2] for row in by_household.table_rows("#reveals")] == [code]
    by_date = parse(
        client.get(reverse("reveal-log"), {"date_after": "2025-05-01", "date_before": "2025-06-30"})
    )
    assert [row[1] for row in by_date.table_rows("#reveals")] == ["county_admin"]


def test_the_reveal_log_is_paginated(login, tree, county_admin):
    PersonalDataAccessFactory.create_batch(51, user=county_admin, household=tree.households_a[0])
    client = login(county_admin)
    first = parse(client.get(reverse("reveal-log")))
    assert len(first.table_rows("#reveals")) == 50
    second = parse(client.get(reverse("reveal-log"), {"page": 2}))
    assert len(second.table_rows("#reveals")) == 1


def test_the_reveal_log_downloads_as_csv_and_the_download_is_audited(login, tree, admin_a, reveals):
    client = in_english(login(admin_a))
    rows = read_csv(client.get(reverse("reveal-log-export", args=["csv"]), {"user": "admin_a"}))
    assert rows[0] == [
        "Time", "User", "Household code", "Village group", "Fields", "Reason", "IP address"
    ]  # fmt: skip
    assert [row[1:] for row in rows[1:]] == [
        ["admin_a", tree.households_a[0].code, "芒街一组", "id_number,phone", "回访", "127.0.0.1"]
    ]
    export = AuditEntry.objects.get(kind="export")
    assert (export.user, export.area, export.details["file"].endswith(".csv")) == (
        admin_a,
        tree.town_a,
        True,
    )
    assert export.details["path"] == reverse("reveal-log-export", args=["csv"]) + "?user=admin_a"


def test_the_reveal_log_api_is_scoped_and_filtered(api_for, tree, admin_a, county_admin, reveals):
    rows = api_for(admin_a).get("/api/v1/audit/reveals/").json()["results"]
    assert {(r["user"], r["household_code"]) for r in rows} == {
        ("admin_a", tree.households_a[0].code),
        ("county_admin", tree.households_a[1].code),
    }
    assert "id_number" not in rows[0] and "phone" not in rows[0]
    filtered = api_for(county_admin).get("/api/v1/audit/reveals/", {"user": "admin_b"})
    assert [r["household"] for r in filtered.json()["results"]] == [tree.households_b[0].pk]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CADRE, Role.ORG_DEPARTMENT, Role.INSPECTOR])
def test_other_roles_may_not_read_the_logs(login, api_for, tree, reveals, role):
    user = user_with_role(role, tree.county)
    client = login(user)
    for name in ("reveal-log", "audit-log"):
        assert client.get(reverse(name)).status_code == 403
        assert client.get(reverse(f"{name}-export", args=["csv"])).status_code == 403
    api = api_for(user)
    for url in ("/api/v1/audit/reveals/", "/api/v1/audit/log/"):
        assert api.get(url).status_code == 403
    assert not AuditEntry.objects.filter(kind="export").exists()


# Item 10: passwords ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Xq7-ab9z!", "at least 10 characters"),  # 9: accepted before
        ("password123", "too common"),
        ("yanwen-2026", "too similar to the username"),
    ],
)
def test_attack_weak_passwords_are_refused(tree, api_for, admin_a, password, message):
    client = in_english(api_for(admin_a))
    body = {"username": "yanwen", "role": "viewer", "areas": [tree.town_a.pk]}
    response = client.post("/api/v1/users/", {**body, "password": password}, format="json")
    assert response.status_code == 400
    assert any(message in m for m in response.json()["password"])
    assert not Jurisdiction.objects.filter(user__username="yanwen").exists()


def test_the_demo_password_passes_the_policy():
    for username in ("admin", "county", "nayun", "cadre", "viewer"):
        password_validation.validate_password(DEMO_PASSWORD, UserFactory.build(username=username))
    with pytest.raises(ValidationError, match="at least 10 characters"), messages_in_english():
        password_validation.validate_password("demo-pw-1")


def test_the_create_user_command_keeps_the_policy(tree):
    with pytest.raises(CommandError, match="at least 10 characters"), messages_in_english():
        call_command(
            "create_user", "wang", "--role", "viewer", "--area", tree.town_a.code,
            "--password", "Mengma-9", stdout=io.StringIO(), stderr=io.StringIO(),
        )  # fmt: skip
    call_command(
        "create_user", "wang", "--role", "viewer", "--area", tree.town_a.code,
        "--password", "Mengma-tea-9", stdout=io.StringIO(),
    )  # fmt: skip
    assert Jurisdiction.objects.get(user__username="wang").must_change_password is False


# Item 10: a password set by an administrator is changed at first sign-in -----------------


def test_attack_an_account_keeps_the_password_an_administrator_chose(
    client, tree, api_for, admin_a
):
    """Before: an account created with a password worked as it was, for good."""
    response = api_for(admin_a).post(
        "/api/v1/users/",
        {
            "username": "wang",
            "role": "viewer",
            "areas": [tree.town_a.pk],
            "password": "Mengma-tea-9",
        },
        format="json",
    )
    assert response.json()["must_change_password"] is True
    in_english(client)
    signed_in = client.post(
        reverse("login"), {"username": "wang", "password": "Mengma-tea-9"}, follow=True
    )
    assert signed_in.redirect_chain[-1] == (reverse("password-change") + "?next=%2F", 302)
    api = client.get("/api/v1/households/")
    assert api.status_code == 403
    assert "one-time password" in api.json()["detail"]
    token = client.post(
        "/api/v1/auth/token/",
        {"username": "wang", "password": "Mengma-tea-9"},
        content_type="application/json",
    )
    assert token.status_code == 403


# Item 10: idle sessions -----------------------------------------------------------------


def _signed_in(client, user):
    response = client.post(
        reverse("login"), {"username": user.username, "password": "pw-secret-123"}
    )
    assert response.status_code == 302
    return Session.objects.get(session_key=client.session.session_key)


def test_attack_a_session_left_idle_still_works(client, tree, viewer_a):
    """Before: a session lived two weeks whatever happened. Now it ends after the policy's
    idle minutes: a session whose last request is older is gone."""
    started = timezone.now()
    session = _signed_in(client, viewer_a)
    assert client.session.get_expiry_age() == 30 * 60
    age = session.expire_date - started
    assert datetime.timedelta(minutes=29) < age <= datetime.timedelta(minutes=31)
    assert client.get(reverse("dashboard")).status_code == 200
    # 31 minutes without a request: the store has let it go.
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_session_in_use_stays_alive(client, tree, viewer_a):
    session = _signed_in(client, viewer_a)
    # The last request was two minutes ago and the end is near: a request moves it on.
    stored = client.session
    stored[LAST_SEEN] = int(timezone.now().timestamp()) - 120
    stored.save()
    Session.objects.filter(pk=session.pk).update(
        expire_date=timezone.now() + datetime.timedelta(minutes=1)
    )
    before = timezone.now()
    assert client.get(reverse("dashboard")).status_code == 200
    moved = Session.objects.get(pk=session.pk).expire_date
    assert moved >= before + datetime.timedelta(minutes=29)


def test_the_idle_timeout_is_policy(client, tree, viewer_a):
    PrivacyPolicyFactory(session_idle_minutes=10)
    _signed_in(client, viewer_a)
    assert client.session.get_expiry_age() == 10 * 60


# Item 10: the audit log -----------------------------------------------------------------


def test_sign_ins_and_failures_are_audited(client, tree, viewer_a):
    in_english(client)
    client.post(reverse("login"), {"username": "viewer_a", "password": "wrong-password"})
    client.post(reverse("login"), {"username": "nobody", "password": "wrong-password"})
    _signed_in(client, viewer_a)
    entries = list(
        AuditEntry.objects.order_by("pk").values_list("kind", "username", "area", "ip_address")
    )
    assert entries == [
        ("sign_in_failed", "viewer_a", tree.town_a.pk, "127.0.0.1"),
        ("sign_in_failed", "nobody", None, "127.0.0.1"),
        ("sign_in", "viewer_a", tree.town_a.pk, "127.0.0.1"),
    ]
    assert "wrong-password" not in str(AuditEntry.objects.values_list("details", flat=True))


def test_an_api_token_is_a_sign_in(client, tree, viewer_a):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "viewer_a", "password": "pw-secret-123"},
        content_type="application/json",
    )
    assert response.status_code == 200
    entry = AuditEntry.objects.get()
    assert (entry.kind, entry.user, entry.details) == ("sign_in", viewer_a, {"via": "token"})


def test_downloads_of_pages_and_api_are_audited(login, api_for, tree, county_admin):
    coverage_recompute(by=SYSTEM)
    client = login(county_admin)
    assert (
        client.get(reverse("area-households-export", args=[tree.village_a.pk, "xlsx"])).status_code
        == 200
    )
    assert (
        api_for(county_admin).get("/api/v1/stats/coverage/", {"format": "csv"}).status_code == 200
    )
    exports = AuditEntry.objects.filter(kind="export").order_by("pk")
    assert [(e.user, e.area) for e in exports] == [(county_admin, tree.county)] * 2
    assert exports[0].details["file"].startswith("芒街村-")
    assert exports[0].details["file"].endswith(".xlsx")
    assert exports[1].details["path"] == "/api/v1/stats/coverage/?format=csv"


def test_permission_changes_are_audited_where_the_account_was_and_is(tree, county_admin, viewer_a):
    accounts.user_update(user=viewer_a, areas=[tree.town_b], by=county_admin)
    accounts.user_update(user=viewer_a, role=Role.AREA_ADMIN, by=county_admin)
    accounts.user_deactivate(user=viewer_a, by=county_admin)
    entries = AuditEntry.objects.filter(kind="permission").order_by("pk")
    assert [(e.username, e.area, e.details["account"]) for e in entries] == [
        ("county_admin", tree.county, "viewer_a"),  # from township A to B: both see it
        ("county_admin", tree.town_b, "viewer_a"),
        ("county_admin", tree.town_b, "viewer_a"),
    ]
    assert entries[0].details["changes"] == {"areas": [[tree.town_a.code], [tree.town_b.code]]}
    assert entries[1].details["changes"] == {"role": ["viewer", "area_admin"]}
    assert entries[2].details["action"] == "deactivated"


def test_attack_the_audit_log_is_changed_or_deleted(tree, api_for, superuser, county_admin):
    """No update or delete through the application: the model, the admin, the API."""
    entry = AuditEntryFactory(area=tree.group_a1)
    entry.username = "someone else"
    with pytest.raises(AppendOnlyError, match="never changed"):
        entry.save()
    with pytest.raises(AppendOnlyError, match="never deleted"):
        entry.delete()
    with pytest.raises(AppendOnlyError, match="never changed"):
        AuditEntry.objects.filter(pk=entry.pk).update(username="someone else")
    with pytest.raises(AppendOnlyError, match="never deleted"):
        AuditEntry.objects.all().delete()
    reveal = PersonalDataAccessFactory(household=tree.households_a[0])
    with pytest.raises(AppendOnlyError, match="never deleted"):
        reveal.delete()
    request = RequestFactory().get("/")
    request.user = superuser
    admin = site._registry[AuditEntry]
    assert (
        admin.has_add_permission(request),
        admin.has_change_permission(request, entry),
        admin.has_delete_permission(request, entry),
    ) == (False, False, False)
    api = api_for(county_admin)
    url = "/api/v1/audit/log/"
    assert api.post(url, {"kind": "sign_in"}, format="json").status_code == 405
    for method in (api.put, api.patch, api.delete):
        assert method(f"{url}{entry.pk}/", {}, format="json").status_code == 404
    entry.refresh_from_db()
    assert entry.username != "someone else"
    assert AuditEntry.objects.count() == 1


@pytest.fixture
def audit_entries(tree, admin_a, admin_b, county_admin) -> list[AuditEntry]:
    return [
        AuditEntryFactory(user=admin_a, area=tree.town_a),
        AuditEntryFactory(user=admin_b, area=tree.town_b, kind="export"),
        AuditEntryFactory(user=None, username="nobody", area=None, kind="sign_in_failed"),
        AuditEntryFactory(user=county_admin, area=tree.group_a1, kind="reveal"),
    ]


def test_the_audit_log_page_shows_the_jurisdiction_only(login, tree, admin_a, audit_entries):
    rows = parse(in_english(login(admin_a)).get(reverse("audit-log"))).table_rows("#audit")
    assert [row[1:4] for row in rows] == [
        ["Signed in", "admin_a", "娜允镇"],  # this test's own sign-in
        ["Personal data revealed", "county_admin", "芒街一组"],
        ["Signed in", "admin_a", "娜允镇"],
    ]


def test_the_county_filters_the_audit_log(login, tree, county_admin, audit_entries):
    client = login(county_admin)
    everything = parse(client.get(reverse("audit-log"))).table_rows("#audit")
    # The failure of an unknown name has no area: for superusers only. The first entry is
    # this test's own sign-in.
    assert [row[2] for row in everything] == ["county_admin", "county_admin", "admin_b", "admin_a"]
    by_kind = parse(client.get(reverse("audit-log"), {"kind": "export"})).table_rows("#audit")
    assert [row[2] for row in by_kind] == ["admin_b"]
    by_user = parse(client.get(reverse("audit-log"), {"user": "admin_a"})).table_rows("#audit")
    assert [row[2] for row in by_user] == ["admin_a"]
    in_english(client)
    before = parse(client.get(reverse("audit-log"), {"date_before": "2020-01-01"}))
    assert before.table_rows("#audit") == [["No entries."]]
    today = {"date_after": timezone.localdate().isoformat()}
    assert len(parse(client.get(reverse("audit-log"), today)).table_rows("#audit")) == 4


def test_superusers_see_entries_without_an_area(login, superuser, audit_entries):
    rows = parse(login(superuser).get(reverse("audit-log"))).table_rows("#audit")
    assert [row[2] for row in rows] == ["root", "county_admin", "nobody", "admin_b", "admin_a"]


def test_the_audit_log_api_is_scoped(api_for, tree, admin_b, audit_entries):
    rows = api_for(admin_b).get("/api/v1/audit/log/").json()["results"]
    assert [(r["kind"], r["username"], r["area"]) for r in rows] == [
        ("export", "admin_b", tree.town_b.pk)
    ]


def test_the_audit_log_downloads(login, tree, admin_a, audit_entries):
    rows = read_csv(in_english(login(admin_a)).get(reverse("audit-log-export", args=["csv"])))
    assert rows[0] == ["Time", "Kind", "User", "Area", "IP address", "Details"]
    assert [row[1:4] for row in rows[1:]] == [
        ["Signed in", "admin_a", "娜允镇"],
        ["Personal data revealed", "county_admin", "芒街一组"],
        ["Signed in", "admin_a", "娜允镇"],
    ]


def test_the_menu_offers_the_audit_log_to_administrators(login, tree, admin_a, viewer_a):
    menu = parse(in_english(login(admin_a)).get(reverse("reveal-log"))).find(
        "ul", class_="navbar-nav"
    )
    assert menu.texts("a", aria_current="page") == ["Audit log"]
    viewer_menu = parse(login(viewer_a).get(reverse("dashboard"))).find("ul", class_="navbar-nav")
    assert reverse("audit-log") not in viewer_menu.links()


# Item 10: erasure -----------------------------------------------------------------------


@pytest.fixture
def gone(tree) -> dict[str, Household]:
    """Households of group A1: gone 6 years ago, gone 4 years ago, and active."""
    today = timezone.localdate()
    long_gone = HouseholdFactory(
        group=tree.group_a1,
        status=HouseholdStatus.MOVED_OUT,
        status_date=today.replace(year=today.year - 6),
    )
    deregistered = HouseholdFactory(
        group=tree.group_a2,
        status=HouseholdStatus.DEREGISTERED,
        status_date=today.replace(year=today.year - 5) - datetime.timedelta(days=1),
    )
    recent = HouseholdFactory(
        group=tree.group_a1,
        status=HouseholdStatus.MOVED_OUT,
        status_date=today.replace(year=today.year - 4),
    )
    for household in (long_gone, deregistered, recent):
        household.head_name = household.head_name + "改"  # a second history row
        household.save()
    return {"long_gone": long_gone, "deregistered": deregistered, "recent": recent}


def _personal(household: Household) -> tuple[str, str, str, str]:
    return (household.head_name, household.id_number, household.phone, household.address)


def test_attack_personal_data_of_households_gone_for_years_is_kept(tree, gone):
    """Before: a household that moved out in 2019 kept its head's name, ID number and
    phone, in the table and in every history row, for ever."""
    coverage_recompute(by=SYSTEM)
    snapshots = list(CoverageSnapshot.objects.order_by("pk").values())
    counts = Household.objects.order_by("pk").values_list("pk", "status", "group", "members")
    counts_before = list(counts)
    kept = _personal(gone["recent"])
    out = io.StringIO()
    with messages_in_english():
        call_command("erase_personal_data", stdout=out)
    assert out.getvalue().splitlines() == [
        "孟连县: 2",
        "Erased the personal data of 2 households gone more than 5 years.",
    ]
    for key in ("long_gone", "deregistered"):
        household = Household.objects.get(pk=gone[key].pk)
        assert _personal(household) == (ERASED_NAME, "", "", "")
        assert (household.code, household.members, household.status) == (
            gone[key].code,
            3,
            gone[key].status,
        )
        history = household.history.all()
        assert len(history) == 2
        assert {_personal(h) for h in history} == {(ERASED_NAME, "", "", "")}
    assert _personal(Household.objects.get(pk=gone["recent"].pk)) == kept
    assert {_personal(h) for h in gone["recent"].history.all()} != {(ERASED_NAME, "", "", "")}
    # The statistics stay as they were.
    assert list(CoverageSnapshot.objects.order_by("pk").values()) == snapshots
    assert list(counts.all()) == counts_before
    entry = AuditEntry.objects.get(kind="erasure")
    assert (entry.user, entry.username, entry.area) == (None, "system", tree.county)
    assert entry.details == {"households": 2, "retention_years": 5}


def test_erasure_dry_run_writes_nothing_and_a_rerun_finds_nothing(tree, gone):
    before = _personal(Household.objects.get(pk=gone["long_gone"].pk))
    out = io.StringIO()
    with messages_in_english():
        call_command("erase_personal_data", "--dry-run", stdout=out)
    assert out.getvalue().splitlines()[-1] == (
        "2 households gone more than 5 years would be erased (dry run)."
    )
    assert _personal(Household.objects.get(pk=gone["long_gone"].pk)) == before
    assert not AuditEntry.objects.exists()
    assert personal_data_erase(by=SYSTEM) == {tree.county.pk: 2}
    assert personal_data_erase(by=SYSTEM) == {}
    assert AuditEntry.objects.filter(kind="erasure").count() == 1


def test_attack_import_uploads_of_years_ago_still_hold_personal_data(
    tree, county_admin, django_capture_on_commit_callbacks
):
    """Before: the households CSV uploaded years ago stayed under media/imports/, with every
    ID number and phone in it, and its error report quoted the bad cells."""
    today = timezone.localdate()
    storage = ImportJob._meta.get_field("file").storage
    old_name = storage.save("imports/old-households.csv", ContentFile("code,id_number\n"))
    new_name = storage.save("imports/new-households.csv", ContentFile("code,id_number\n"))
    report = [{"row": 2, "column": "id_number", "message": "530827199001011234 不是有效号码"}]
    old = ImportJobFactory(
        created_by=county_admin, file=old_name, status=ImportJob.Status.FAILED,
        errors=report, error_count=1,
    )  # fmt: skip
    recent = ImportJobFactory(
        created_by=county_admin, file=new_name, status=ImportJob.Status.FAILED,
        errors=report, error_count=1,
    )  # fmt: skip
    running = ImportJobFactory(created_by=county_admin, status=ImportJob.Status.RUNNING)
    five_years = today.replace(year=today.year - 5) - datetime.timedelta(days=1)
    ImportJob.objects.filter(pk__in=[old.pk, running.pk]).update(
        created_at=timezone.make_aware(datetime.datetime.combine(five_years, datetime.time()))
    )
    assert import_files_erase(by=SYSTEM, dry_run=True) == 1
    assert storage.exists(old_name)
    out = io.StringIO()
    with messages_in_english(), django_capture_on_commit_callbacks(execute=True):
        call_command("erase_personal_data", stdout=out)
    assert out.getvalue().splitlines()[-1] == (
        "Deleted the file and error report of 1 import older than 5 years."
    )
    old.refresh_from_db()
    assert (old.file.name, old.errors, old.error_count) == ("", [], 1)  # the count stays
    assert not storage.exists(old_name)
    recent.refresh_from_db()
    assert (recent.file.name, recent.errors) == (new_name, report)
    assert storage.exists(new_name)
    running.refresh_from_db()
    assert running.file.name  # a job still running keeps its file
    entry = AuditEntry.objects.get(kind="erasure")
    assert entry.details == {"import_files": 1, "retention_years": 5}
    assert import_files_erase(by=SYSTEM) == 0  # nothing left to erase
    storage.delete(new_name)
    viewer = user_with_role(Role.VIEWER, tree.county)
    with (
        pytest.raises(PermissionDenied, match="Your role does not allow this"),
        messages_in_english(),
    ):
        import_files_erase(by=viewer)


def test_the_retention_period_is_policy(tree, gone):
    PrivacyPolicyFactory(retention_years=3)
    assert personal_data_erase(by=SYSTEM, dry_run=True) == {tree.county.pk: 3}


def test_only_the_system_or_an_administrator_erases(tree, admin_a, gone):
    with (
        pytest.raises(PermissionDenied, match="Your role does not allow this"),
        messages_in_english(),
    ):
        personal_data_erase(by=admin_a)
    assert Household.objects.filter(head_name=ERASED_NAME).count() == 0


def messages_in_english():
    from django.utils import translation

    return translation.override("en")
