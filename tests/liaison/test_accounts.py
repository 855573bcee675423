"""Account services (liaison.core.accounts): every rule, and that a refusal writes nothing."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework.authtoken.models import Token

from districts.access import SYSTEM
from districts.models import Jurisdiction, Role
from liaison.core import accounts
from liaison.core.models import AccountEvent, Cadre

from ..factories import CadreFactory, UserFactory, user_with_role

# New messages are English until the lead merges their translations; pin the language.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
User = get_user_model()


def snapshot():
    """Everything the account services write, to assert that a refusal wrote nothing."""
    return (
        sorted(User.objects.values_list("pk", "username", "is_active", "password")),
        sorted(Jurisdiction.objects.values_list("user_id", "role", "must_change_password")),
        sorted(Jurisdiction.areas.through.objects.values_list("jurisdiction_id", "area_id")),
        sorted(Cadre.objects.values_list("pk", "user_id")),
        AccountEvent.objects.count(),
    )


def areas_of(user) -> set[int]:
    return set(Jurisdiction.objects.get(user=user).areas.values_list("pk", flat=True))


# One-time passwords -------------------------------------------------------------------


def test_one_time_passwords_are_long_random_and_unambiguous():
    passwords = {accounts.one_time_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert len(password) == 12
        assert set(password) <= set("abcdefghjkmnpqrstuvwxyz23456789")
        assert any(c.isdigit() for c in password) and any(c.isalpha() for c in password)


# Creating ------------------------------------------------------------------------------


def test_create_without_password_issues_a_one_time_password_to_change(tree, admin_a):
    user, issued = accounts.user_create(
        username="yanwen", role=Role.VIEWER, areas=[tree.village_a], by=admin_a
    )
    assert issued is not None and user.check_password(issued)
    assert user.is_active and not user.is_superuser and not user.is_staff
    jurisdiction = Jurisdiction.objects.get(user=user)
    assert (jurisdiction.role, jurisdiction.must_change_password) == (Role.VIEWER, True)
    assert areas_of(user) == {tree.village_a.pk}
    event = AccountEvent.objects.get(user=user)
    assert (event.actor, event.action) == (admin_a, AccountEvent.Action.CREATED)
    assert event.details == {
        "role": "viewer",
        "areas": [tree.village_a.code],
        "cadre": None,
        "one_time_password": True,
    }
    assert issued not in str(event.details)


def test_create_with_a_password_chosen_by_an_administrator_must_be_changed(tree, admin_a):
    user, issued = accounts.user_create(
        username="yuxiang",
        role=Role.AREA_ADMIN,
        areas=[tree.town_a],
        password="Mangjie-2026-spring",
        by=admin_a,
    )
    assert issued is None
    assert user.check_password("Mangjie-2026-spring")
    assert Jurisdiction.objects.get(user=user).must_change_password is True


def test_create_with_a_password_by_the_system_needs_no_change(tree):
    user, issued = accounts.user_create(
        username="yuxiang",
        role=Role.AREA_ADMIN,
        areas=[tree.town_a],
        password="Mangjie-2026-spring",
        by=SYSTEM,
    )
    assert issued is None
    assert Jurisdiction.objects.get(user=user).must_change_password is False


def test_create_links_a_cadre_of_the_jurisdiction(tree, admin_a, cadre_a):
    user, _ = accounts.user_create(
        username="yanwen", role=Role.CADRE, areas=[tree.town_a], cadre=cadre_a, by=admin_a
    )
    cadre_a.refresh_from_db()
    assert cadre_a.user == user
    assert cadre_a.history.first().history_user == admin_a


def test_an_administrator_may_give_every_role(tree, county_admin):
    for role in Role.values:
        user, _ = accounts.user_create(
            username=f"u_{role}", role=role, areas=[tree.county], by=county_admin
        )
        assert Jurisdiction.objects.get(user=user).role == role


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.ORG_DEPARTMENT, Role.INSPECTOR])
def test_an_area_administrator_cannot_give_county_wide_roles(tree, admin_a, role):
    before = snapshot()
    with pytest.raises(ValidationError, match="Only an administrator can give the role") as exc:
        accounts.user_create(username="boss", role=role, areas=[tree.town_a], by=admin_a)
    assert set(exc.value.message_dict) == {"role"}
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.AREA_ADMIN, Role.CADRE, Role.VIEWER])
def test_an_area_administrator_gives_the_roles_they_may(tree, admin_a, role):
    user, _ = accounts.user_create(username="someone", role=role, areas=[tree.town_a], by=admin_a)
    assert Jurisdiction.objects.get(user=user).role == role


def test_areas_outside_the_jurisdiction_are_refused_like_missing_ones(tree, admin_a):
    before = snapshot()
    with pytest.raises(ValidationError, match="No such area") as exc:
        accounts.user_create(
            username="spy", role=Role.VIEWER, areas=[tree.village_a, tree.town_b], by=admin_a
        )
    assert exc.value.message_dict == {"areas": ["No such area."]}
    with pytest.raises(ValidationError, match="No such area"):
        accounts.user_create(username="spy", role=Role.VIEWER, areas=[tree.county], by=admin_a)
    assert snapshot() == before


def test_an_account_needs_an_area(tree, admin_a):
    with pytest.raises(ValidationError, match="Choose at least one area"):
        accounts.user_create(username="nowhere", role=Role.VIEWER, areas=[], by=admin_a)
    assert not User.objects.filter(username="nowhere").exists()


def test_an_unknown_role_is_refused(tree, county_admin):
    with pytest.raises(ValidationError, match="Unknown role mayor"):
        accounts.user_create(username="x", role="mayor", areas=[tree.county], by=county_admin)
    assert not User.objects.filter(username="x").exists()


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("has space", "Enter a valid username"),
        ("bad/name", "Enter a valid username"),
        ("", "cannot be blank"),
        ("x" * 151, "at most 150 characters"),
        ("ADMIN_A", "The username ADMIN_A is taken"),
        ("Admin_A", "The username Admin_A is taken"),
    ],
)
def test_usernames_are_checked_like_django_and_unique_ignoring_case(
    tree, admin_a, username, message
):
    before = snapshot()
    with pytest.raises(ValidationError, match=message) as exc:
        accounts.user_create(username=username, role=Role.VIEWER, areas=[tree.town_a], by=admin_a)
    assert set(exc.value.message_dict) == {"username"}
    assert snapshot() == before


def test_a_chinese_username_is_fine(tree, admin_a):
    user, _ = accounts.user_create(
        username="岩温", role=Role.VIEWER, areas=[tree.town_a], by=admin_a
    )
    assert user.username == "岩温"


@pytest.mark.parametrize(
    ("password", "message"),
    [("short1", "too short"), ("password123", "too common"), ("83749261057", "entirely numeric")],
)
def test_a_weak_password_is_refused(tree, admin_a, password, message):
    before = snapshot()
    with pytest.raises(ValidationError, match=message) as exc:
        accounts.user_create(
            username="weak", role=Role.VIEWER, areas=[tree.town_a], password=password, by=admin_a
        )
    assert set(exc.value.message_dict) == {"password"}
    assert snapshot() == before


def test_all_problems_are_reported_at_once_by_field(tree, admin_a):
    with pytest.raises(ValidationError, match="taken") as exc:
        accounts.user_create(
            username="admin_a", role=Role.INSPECTOR, areas=[tree.town_b], password="1", by=admin_a
        )
    assert set(exc.value.message_dict) == {"username", "role", "areas", "password"}


def test_a_cadre_of_another_township_is_refused_like_a_missing_one(
    tree, admin_a, cadre_b, county_department
):
    before = snapshot()
    with pytest.raises(ValidationError, match="No such cadre") as exc:
        accounts.user_create(
            username="x", role=Role.CADRE, areas=[tree.town_a], cadre=cadre_b, by=admin_a
        )
    assert exc.value.message_dict == {"cadre": ["No such cadre."]}
    assert snapshot() == before


def test_a_cadre_who_has_an_account_or_left_is_refused(tree, admin_a, cadre_a, cadre_a2):
    owner = user_with_role(Role.CADRE, tree.town_a, username="owner")
    Cadre.objects.filter(pk=cadre_a.pk).update(user=owner)
    Cadre.objects.filter(pk=cadre_a2.pk).update(left_date=datetime.date(2026, 1, 31))
    before = snapshot()
    with pytest.raises(ValidationError, match="岩温 already has an account"):
        accounts.user_create(
            username="x", role=Role.CADRE, areas=[tree.town_a], cadre=cadre_a, by=admin_a
        )
    with pytest.raises(ValidationError, match="玉香 left on 2026-01-31"):
        accounts.user_create(
            username="x", role=Role.CADRE, areas=[tree.town_a], cadre=cadre_a2, by=admin_a
        )
    assert snapshot() == before


@pytest.mark.parametrize("fixture", ["viewer_a", "cadre_user", "inspector_a", "org_a"])
def test_roles_without_manage_users_cannot_create(request, tree, fixture):
    by = {
        "viewer_a": lambda: request.getfixturevalue("viewer_a"),
        "cadre_user": lambda: user_with_role(Role.CADRE, tree.village_a, username="c"),
        "inspector_a": lambda: user_with_role(Role.INSPECTOR, tree.county, username="i"),
        "org_a": lambda: user_with_role(Role.ORG_DEPARTMENT, tree.county, username="o"),
    }[fixture]()
    before = snapshot()
    with pytest.raises(PermissionDenied, match="does not allow managing accounts"):
        accounts.user_create(username="x", role=Role.VIEWER, areas=[tree.village_a], by=by)
    assert snapshot() == before


# Who sees whom -------------------------------------------------------------------------


def test_a_caller_sees_only_accounts_wholly_inside_their_jurisdiction(
    tree, county_admin, admin_a, admin_b, viewer_a, superuser
):
    both = user_with_role(Role.VIEWER, tree.village_a, tree.village_b, username="both")
    county_viewer = user_with_role(Role.VIEWER, tree.county, username="county_viewer")
    no_areas = user_with_role(Role.VIEWER, username="no_areas")
    plain = UserFactory(username="plain")  # no jurisdiction at all

    def visible(by):
        return set(accounts.user_list(user=by).values_list("username", flat=True))

    assert visible(admin_a) == {"admin_a", "viewer_a"}
    assert visible(admin_b) == {"admin_b"}
    assert visible(county_admin) == {
        "county_admin",
        "admin_a",
        "admin_b",
        "viewer_a",
        "both",
        "county_viewer",
    }
    assert visible(viewer_a) == set()
    assert visible(superuser) == {u.username for u in User.objects.all()}
    for hidden in (both, county_viewer, no_areas, plain, superuser, admin_b):
        with pytest.raises(Http404, match="No such user"):
            accounts.user_get(user=admin_a, pk=hidden.pk)
    with pytest.raises(Http404, match="No such user"):
        accounts.user_get(user=viewer_a, pk=viewer_a.pk)
    for junk in (10**30, "x", None):
        with pytest.raises(Http404, match="No such user"):
            accounts.user_get(user=county_admin, pk=junk)


def test_grantable_roles_and_areas(tree, county_admin, admin_a, viewer_a):
    assert accounts.grantable_roles(user=county_admin) == [
        *Role.values,
        "liaison_officer",
        "hotline_operator",
    ]
    assert accounts.grantable_roles(user=admin_a) == [
        "area_admin",
        "cadre",
        "viewer",
        "liaison_officer",
    ]
    assert accounts.grantable_roles(user=viewer_a) == []
    assert list(accounts.grantable_areas(user=admin_a)) == [tree.town_a, tree.village_a]
    assert list(accounts.grantable_areas(user=admin_a, limit=1)) == [tree.town_a]


# Updating ------------------------------------------------------------------------------


def test_update_changes_role_areas_and_records_it(tree, admin_a):
    user = user_with_role(Role.VIEWER, tree.village_a, username="li")
    accounts.user_update(user=user, role=Role.AREA_ADMIN, areas=[tree.town_a], by=admin_a)
    jurisdiction = Jurisdiction.objects.get(user=user)
    assert jurisdiction.role == Role.AREA_ADMIN
    assert areas_of(user) == {tree.town_a.pk}
    event = AccountEvent.objects.get(user=user)
    assert (event.actor, event.action) == (admin_a, AccountEvent.Action.UPDATED)
    assert event.details == {
        "role": ["viewer", "area_admin"],
        "areas": [[tree.village_a.code], [tree.town_a.code]],
    }


def test_update_with_nothing_changed_records_nothing(tree, admin_a, viewer_a):
    accounts.user_update(user=viewer_a, role=Role.VIEWER, areas=[tree.town_a], by=admin_a)
    assert not AccountEvent.objects.exists()


def test_update_of_an_account_outside_the_jurisdiction_is_not_found(tree, admin_a, admin_b):
    both = user_with_role(Role.VIEWER, tree.village_a, tree.village_b, username="both")
    before = snapshot()
    for target in (admin_b, both):
        with pytest.raises(Http404, match="No such user"):
            accounts.user_update(user=target, role=Role.VIEWER, by=admin_a)
        with pytest.raises(Http404, match="No such user"):
            accounts.user_deactivate(user=target, by=admin_a)
        with pytest.raises(Http404, match="No such user"):
            accounts.user_reset_password(user=target, by=admin_a)
    assert snapshot() == before


def test_viewers_cannot_see_even_themselves_to_change(tree, viewer_a):
    with pytest.raises(Http404, match="No such user"):
        accounts.user_update(user=viewer_a, role=Role.AREA_ADMIN, by=viewer_a)
    assert Jurisdiction.objects.get(user=viewer_a).role == Role.VIEWER


def test_an_area_administrator_cannot_widen_an_account_beyond_their_own(tree, admin_a, viewer_a):
    before = snapshot()
    with pytest.raises(ValidationError, match="No such area"):
        accounts.user_update(user=viewer_a, areas=[tree.county], by=admin_a)
    with pytest.raises(ValidationError, match="Only an administrator can give the role"):
        accounts.user_update(user=viewer_a, role=Role.ADMINISTRATOR, by=admin_a)
    assert snapshot() == before


@pytest.mark.parametrize("role", [Role.ORG_DEPARTMENT, Role.INSPECTOR, Role.ADMINISTRATOR])
def test_an_area_administrator_cannot_touch_accounts_an_administrator_gave(tree, admin_a, role):
    target = user_with_role(role, tree.town_a, username="senior")
    before = snapshot()
    with pytest.raises(PermissionDenied, match="Only an administrator can change an account"):
        accounts.user_update(user=target, role=Role.VIEWER, by=admin_a)
    with pytest.raises(PermissionDenied, match="Only an administrator can change an account"):
        accounts.user_deactivate(user=target, by=admin_a)
    with pytest.raises(PermissionDenied, match="Only an administrator can change an account"):
        accounts.user_reset_password(user=target, by=admin_a)
    assert snapshot() == before


def test_superusers_are_not_changed_here(tree, superuser):
    other = UserFactory(username="root2", is_superuser=True)
    before = snapshot()
    with pytest.raises(PermissionDenied, match="Superuser and staff accounts are not managed here"):
        accounts.user_update(user=other, is_active=False, by=superuser)
    with pytest.raises(PermissionDenied, match="Superuser and staff accounts are not managed here"):
        accounts.user_reset_password(user=other, by=superuser)
    assert snapshot() == before


def test_nobody_changes_their_own_role_or_deactivates_themselves(tree, county_admin, admin_a):
    before = snapshot()
    with pytest.raises(ValidationError, match="You cannot change your own role"):
        accounts.user_update(user=admin_a, role=Role.VIEWER, by=admin_a)
    with pytest.raises(ValidationError, match="You cannot change your own role"):
        accounts.user_update(user=county_admin, role=Role.AREA_ADMIN, by=county_admin)
    with pytest.raises(ValidationError, match="You cannot deactivate your own account"):
        accounts.user_deactivate(user=admin_a, by=admin_a)
    with pytest.raises(ValidationError, match="Change your own password on the password page"):
        accounts.user_reset_password(user=admin_a, by=admin_a)
    assert snapshot() == before
    # Their own areas, within their jurisdiction, they may narrow.
    accounts.user_update(user=admin_a, areas=[tree.village_a], by=admin_a)
    assert areas_of(admin_a) == {tree.village_a.pk}


def test_update_links_unlinks_and_moves_a_cadre(tree, admin_a, cadre_a, cadre_a2):
    user = user_with_role(Role.CADRE, tree.town_a, username="yanwen")
    accounts.user_update(user=user, cadre=cadre_a, by=admin_a)
    assert Cadre.objects.get(user=user) == cadre_a
    accounts.user_update(user=user, cadre=cadre_a2, by=admin_a)
    assert Cadre.objects.get(user=user) == cadre_a2
    assert Cadre.objects.get(pk=cadre_a.pk).user is None
    accounts.user_update(user=user, cadre=None, by=admin_a)
    assert not Cadre.objects.filter(user=user).exists()
    assert [e.details["cadre"] for e in AccountEvent.objects.filter(user=user).order_by("pk")] == [
        [None, cadre_a.pk],
        [cadre_a.pk, cadre_a2.pk],
        [cadre_a2.pk, None],
    ]


def test_update_refuses_a_cadre_linked_to_another_account(tree, admin_a, cadre_a):
    owner = user_with_role(Role.CADRE, tree.town_a, username="owner")
    Cadre.objects.filter(pk=cadre_a.pk).update(user=owner)
    user = user_with_role(Role.CADRE, tree.town_a, username="other")
    with pytest.raises(ValidationError, match="岩温 already has an account"):
        accounts.user_update(user=user, cadre=cadre_a, by=admin_a)
    assert Cadre.objects.get(pk=cadre_a.pk).user == owner


def test_update_sets_a_password_that_the_owner_must_change(tree, admin_a, viewer_a):
    Token.objects.create(user=viewer_a)
    accounts.user_update(user=viewer_a, password="Lancang-river-77", by=admin_a)
    viewer_a.refresh_from_db()
    assert viewer_a.check_password("Lancang-river-77")
    assert Jurisdiction.objects.get(user=viewer_a).must_change_password is True
    assert not Token.objects.filter(user=viewer_a).exists()
    assert AccountEvent.objects.get(user=viewer_a).action == AccountEvent.Action.PASSWORD_SET


def test_a_superuser_gives_a_plain_account_a_jurisdiction(tree, superuser):
    plain = UserFactory(username="plain")
    with pytest.raises(ValidationError, match="Choose at least one area"):
        accounts.user_update(user=plain, role=Role.VIEWER, by=superuser)
    accounts.user_update(user=plain, role=Role.VIEWER, areas=[tree.town_b], by=superuser)
    assert Jurisdiction.objects.get(user=plain).role == Role.VIEWER
    assert areas_of(plain) == {tree.town_b.pk}


# Deactivating and one-time passwords ---------------------------------------------------


def test_deactivate_stops_logins_and_tokens_and_is_idempotent(tree, admin_a, viewer_a):
    Token.objects.create(user=viewer_a)
    accounts.user_deactivate(user=viewer_a, by=admin_a)
    viewer_a.refresh_from_db()
    assert viewer_a.is_active is False
    assert not Token.objects.filter(user=viewer_a).exists()
    event = AccountEvent.objects.get(user=viewer_a)
    assert (event.action, event.details) == (
        AccountEvent.Action.DEACTIVATED,
        {"is_active": [True, False]},
    )
    accounts.user_deactivate(user=viewer_a, by=admin_a)
    assert AccountEvent.objects.filter(user=viewer_a).count() == 1
    # Still visible to its managers, who may make it active again.
    accounts.user_update(user=viewer_a, is_active=True, by=admin_a)
    assert User.objects.get(pk=viewer_a.pk).is_active is True


def test_reset_password_replaces_the_password_with_a_one_time_one(tree, admin_a, viewer_a):
    Token.objects.create(user=viewer_a)
    issued = accounts.user_reset_password(user=viewer_a, by=admin_a)
    viewer_a.refresh_from_db()
    assert viewer_a.check_password(issued)
    assert not viewer_a.check_password("pw-secret-123")
    assert Jurisdiction.objects.get(user=viewer_a).must_change_password is True
    assert not Token.objects.filter(user=viewer_a).exists()
    event = AccountEvent.objects.get(user=viewer_a)
    assert (event.actor, event.action, event.details) == (
        admin_a,
        AccountEvent.Action.PASSWORD_RESET,
        {},
    )


def test_changing_your_own_password_clears_the_flag(tree, viewer_a, admin_a):
    Jurisdiction.objects.filter(user=viewer_a).update(must_change_password=True)
    with pytest.raises(PermissionDenied, match="Only the account's owner"):
        accounts.user_password_change(user=viewer_a, password="Nanka-river-88", by=admin_a)
    with pytest.raises(ValidationError, match="too short"):
        accounts.user_password_change(user=viewer_a, password="a1", by=viewer_a)
    assert Jurisdiction.objects.get(user=viewer_a).must_change_password is True
    accounts.user_password_change(user=viewer_a, password="Nanka-river-88", by=viewer_a)
    viewer_a.refresh_from_db()
    assert viewer_a.check_password("Nanka-river-88")
    assert Jurisdiction.objects.get(user=viewer_a).must_change_password is False
    assert AccountEvent.objects.get(user=viewer_a).action == AccountEvent.Action.PASSWORD_CHANGED


# Cadre accounts in bulk ----------------------------------------------------------------


def test_cadre_accounts_are_made_in_the_cadres_own_area(
    tree, admin_a, township_a_department, cadre_a, cadre_a2
):
    village_cadre = CadreFactory(
        name="岩香", department=township_a_department, area=tree.village_a, rank="village_cadre"
    )
    created = accounts.cadre_accounts_create(cadres=[village_cadre, cadre_a2, cadre_a], by=admin_a)
    assert [(c.name, u.username) for c, u, _ in created] == [
        ("岩温", f"c{cadre_a.pk}"),
        ("岩香", f"c{village_cadre.pk}"),
        ("玉香", f"c{cadre_a2.pk}"),
    ]
    for cadre, user, issued in created:
        assert user.check_password(issued)
        assert Cadre.objects.get(pk=cadre.pk).user == user
        jurisdiction = Jurisdiction.objects.get(user=user)
        assert (jurisdiction.role, jurisdiction.must_change_password) == (Role.CADRE, True)
        assert areas_of(user) == {cadre.area_id}
        assert AccountEvent.objects.get(user=user).actor == admin_a
    assert areas_of(created[1][1]) == {tree.village_a.pk}


def test_cadre_usernames_stay_unique(tree, admin_a, cadre_a):
    UserFactory(username=f"C{cadre_a.pk}")
    UserFactory(username=f"c{cadre_a.pk}-2")
    [(_, user, _)] = accounts.cadre_accounts_create(cadres=[cadre_a], by=admin_a)
    assert user.username == f"c{cadre_a.pk}-3"


def test_cadre_accounts_are_all_or_nothing(
    tree, admin_a, cadre_a, cadre_a2, county_department, township_a_department
):
    left = CadreFactory(
        name="扎发", department=township_a_department, left_date=datetime.date(2026, 2, 1)
    )
    county_cadre = CadreFactory(name="李县", department=county_department)
    owner = user_with_role(Role.CADRE, tree.town_a, username="owner")
    Cadre.objects.filter(pk=cadre_a2.pk).update(user=owner)
    cadre_a2.refresh_from_db()
    before = snapshot()
    with pytest.raises(ValidationError, match="玉香 already has an account") as exc:
        accounts.cadre_accounts_create(cadres=[cadre_a, cadre_a2, left, county_cadre], by=admin_a)
    assert sorted(exc.value.message_dict["cadres"]) == sorted(
        [
            "玉香 already has an account.",
            "扎发 left on 2026-02-01.",
            "李县 serves in 孟连县, outside your jurisdiction.",
        ]
    )
    assert snapshot() == before


def test_cadre_accounts_refuse_cadres_not_yours_like_missing_ones(tree, admin_a, cadre_a, cadre_b):
    before = snapshot()
    with pytest.raises(ValidationError, match="No such cadre") as exc:
        accounts.cadre_accounts_create(cadres=[cadre_a, cadre_b], by=admin_a)
    assert exc.value.message_dict == {"cadres": ["No such cadre."]}
    assert snapshot() == before


def test_cadre_accounts_need_a_cadre_and_a_manager(tree, admin_a, viewer_a, cadre_a):
    with pytest.raises(ValidationError, match="Tick at least one cadre"):
        accounts.cadre_accounts_create(cadres=[], by=admin_a)
    with pytest.raises(PermissionDenied, match="does not allow managing accounts"):
        accounts.cadre_accounts_create(cadres=[cadre_a], by=viewer_a)
    assert Cadre.objects.get(pk=cadre_a.pk).user is None
    assert not AccountEvent.objects.exists()


def test_cadre_accounts_are_bounded_per_batch(tree, admin_a, township_a_department, monkeypatch):
    monkeypatch.setattr(accounts, "CADRE_ACCOUNTS_MAX", 2)
    cadres = CadreFactory.create_batch(3, department=township_a_department)
    with pytest.raises(ValidationError, match="At most 2 accounts at a time"):
        accounts.cadre_accounts_create(cadres=cadres, by=admin_a)
    assert not Cadre.objects.filter(user__isnull=False).exists()
