"""/api/v1/users/ and the token endpoint for one-time passwords: permissions and scoping."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from districts.models import Jurisdiction, Role
from liaison.core.models import AccountEvent, Cadre

from ..factories import UserFactory, user_with_role
from .test_accounts import snapshot

pytestmark = pytest.mark.django_db
User = get_user_model()
URL = "/api/v1/users/"


@pytest.fixture
def api(api_for):
    """An API client of `user`, in English (new messages are translated at merge)."""

    def _api(user) -> APIClient:
        client = api_for(user)
        client.credentials(
            HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=user).key}",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        return client

    return _api


def test_list_shows_the_accounts_inside_the_jurisdiction(
    tree, api, admin_a, admin_b, viewer_a, cadre_a
):
    Cadre.objects.filter(pk=cadre_a.pk).update(user=viewer_a)
    user_with_role(Role.VIEWER, tree.village_a, tree.village_b, username="both")
    response = api(admin_a).get(URL)
    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": admin_a.pk,
            "username": "admin_a",
            "role": "area_admin",
            "areas": [tree.town_a.pk],
            "cadre": None,
            "is_active": True,
            "must_change_password": False,
        },
        {
            "id": viewer_a.pk,
            "username": "viewer_a",
            "role": "viewer",
            "areas": [tree.town_a.pk],
            "cadre": cadre_a.pk,
            "is_active": True,
            "must_change_password": False,
        },
    ]


def test_list_filters(tree, api, county_admin, admin_a, viewer_a):
    user_with_role(Role.VIEWER, tree.village_b, username="viewer_b", is_active=False)
    client = api(county_admin)

    def names(query):
        response = client.get(URL, query)
        assert response.status_code == 200, response.content
        return [row["username"] for row in response.json()["results"]]

    assert names({"role": "viewer"}) == ["viewer_a", "viewer_b"]
    assert names({"is_active": "false"}) == ["viewer_b"]
    assert names({"search": "VIEW", "is_active": "true"}) == ["viewer_a"]
    assert names({"role": "inspector"}) == []
    assert client.get(URL, {"role": "mayor"}).status_code == 400


@pytest.mark.parametrize("page_size", [2, 10])
def test_list_query_count_is_pinned(
    tree, api, county_admin, township_a_department, django_assert_max_num_queries, page_size
):
    from ..factories import CadreFactory

    for n in range(12):
        user = user_with_role(Role.CADRE, tree.village_a, tree.town_b, username=f"cadre{n:02d}")
        CadreFactory(department=township_a_department, user=user)
    client = api(county_admin)
    # Token and user, the caller's jurisdiction and areas, the page of accounts (with
    # jurisdiction and cadre joined), their areas: the same for any page size.
    with django_assert_max_num_queries(5):
        response = client.get(URL, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    assert all(len(row["areas"]) == 2 for row in response.json()["results"][1:])


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CADRE, Role.INSPECTOR, Role.ORG_DEPARTMENT])
def test_other_roles_get_403_on_the_list_and_create_and_404_on_an_account(tree, api, admin_a, role):
    user = user_with_role(role, tree.county, username="other")
    client = api(user)
    before = snapshot()
    assert client.get(URL).status_code == 403
    response = client.post(URL, {"username": "x", "role": "viewer", "areas": [tree.town_a.pk]})
    assert response.status_code == 403
    assert response.json() == {"detail": "Your role does not allow managing accounts."}
    for target in (admin_a, user):
        assert client.get(f"{URL}{target.pk}/").status_code == 404
        assert client.patch(f"{URL}{target.pk}/", {"is_active": False}).status_code == 404
        assert client.post(f"{URL}{target.pk}/deactivate/").status_code == 404
        assert client.post(f"{URL}{target.pk}/reset-password/").status_code == 404
    assert snapshot() == before


def test_accounts_outside_the_jurisdiction_answer_404_like_missing_ones(
    tree, api, admin_a, admin_b
):
    both = user_with_role(Role.VIEWER, tree.village_a, tree.village_b, username="both")
    superuser = UserFactory(username="root", is_superuser=True)
    client = api(admin_a)
    before = snapshot()
    missing = client.get(f"{URL}999999/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "No such user."}
    for target in (admin_b, both, superuser):
        response = client.get(f"{URL}{target.pk}/")
        assert (response.status_code, response.json()) == (404, missing.json())
        assert client.patch(f"{URL}{target.pk}/", {"role": "viewer"}).status_code == 404
        assert client.post(f"{URL}{target.pk}/deactivate/").status_code == 404
        assert client.post(f"{URL}{target.pk}/reset-password/").status_code == 404
    assert snapshot() == before
    listed = client.get(URL).json()
    assert [u["username"] for u in listed["results"]] == ["admin_a"]
    assert "admin_b" not in str(listed)


def test_create_returns_a_one_time_password_once(tree, api, admin_a, cadre_a):
    response = api(admin_a).post(
        URL,
        {"username": "yanwen", "role": "cadre", "areas": [tree.village_a.pk], "cadre": cadre_a.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    user = User.objects.get(username="yanwen")
    issued = body.pop("one_time_password")
    assert user.check_password(issued)
    assert body == {
        "id": user.pk,
        "username": "yanwen",
        "role": "cadre",
        "areas": [tree.village_a.pk],
        "cadre": cadre_a.pk,
        "is_active": True,
        "must_change_password": True,
    }
    assert "one_time_password" not in api(admin_a).get(f"{URL}{user.pk}/").json()


def test_create_with_a_password(tree, api, admin_a):
    response = api(admin_a).post(
        URL,
        {
            "username": "wang",
            "role": "viewer",
            "areas": [tree.town_a.pk],
            "password": "Mengma-tea-hills-9",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert "one_time_password" not in response.json()
    assert "password" not in response.json()
    assert response.json()["must_change_password"] is True  # chosen by an administrator
    assert User.objects.get(username="wang").check_password("Mengma-tea-hills-9")


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"username": "x", "role": "inspector", "areas": ["TOWN_A"]},
            {"role": ["Only an administrator can give the role Inspector."]},
        ),
        (
            {"username": "x", "role": "viewer", "areas": ["TOWN_B"]},
            {"areas": ['Invalid pk "TOWN_B" - object does not exist.']},
        ),
        (
            {"username": "x", "role": "viewer", "areas": []},
            {"areas": ["Choose at least one area."]},
        ),
        (
            {"username": "admin_A", "role": "viewer", "areas": ["TOWN_A"]},
            {"username": ["The username admin_A is taken."]},
        ),
        (
            {"username": "x y", "role": "viewer", "areas": ["TOWN_A"]},
            {"username": [
                "Enter a valid username. This value may contain only letters, numbers, and "
                "@/./+/-/_ characters."
            ]},
        ),
        (
            {"username": "x", "role": "mayor", "areas": ["TOWN_A"]},
            {"role": ['"mayor" is not a valid choice.']},
        ),
        (
            {"username": "x", "role": "viewer", "areas": ["TOWN_A"], "password": "123"},
            {"password": [
                "This password is too short. It must contain at least 10 characters.",
                "This password is too common.",
                "This password is entirely numeric.",
            ]},
        ),
        (
            {"username": "x", "role": "cadre", "areas": ["TOWN_A"], "cadre": "CADRE_B"},
            {"cadre": ['Invalid pk "CADRE_B" - object does not exist.']},
        ),
    ],
)  # fmt: skip
def test_create_errors_are_400_by_field_and_write_nothing(
    tree, api, admin_a, cadre_b, body, errors
):
    ids = {"TOWN_A": tree.town_a.pk, "TOWN_B": tree.town_b.pk, "CADRE_B": cadre_b.pk}
    body = {
        k: ([ids.get(a, a) for a in v] if isinstance(v, list) else ids.get(v, v))
        for k, v in body.items()
    }
    errors = {
        k: [m.replace("TOWN_B", str(tree.town_b.pk)).replace("CADRE_B", str(cadre_b.pk)) for m in v]
        for k, v in errors.items()
    }
    before = snapshot()
    response = api(admin_a).post(URL, body, format="json")
    assert (response.status_code, response.json()) == (400, errors)
    assert snapshot() == before


def test_patch_changes_role_areas_cadre_and_active(tree, api, admin_a, viewer_a, cadre_a):
    response = api(admin_a).patch(
        f"{URL}{viewer_a.pk}/",
        {"role": "cadre", "areas": [tree.village_a.pk], "cadre": cadre_a.pk, "is_active": False},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": viewer_a.pk,
        "username": "viewer_a",
        "role": "cadre",
        "areas": [tree.village_a.pk],
        "cadre": cadre_a.pk,
        "is_active": False,
        "must_change_password": False,
    }
    response = api(admin_a).patch(f"{URL}{viewer_a.pk}/", {"cadre": None}, format="json")
    assert response.json()["cadre"] is None
    assert not Cadre.objects.filter(user=viewer_a).exists()


def test_patch_ignores_username_and_has_no_put_or_delete(tree, api, admin_a, viewer_a):
    client = api(admin_a)
    response = client.patch(f"{URL}{viewer_a.pk}/", {"username": "renamed"}, format="json")
    assert response.status_code == 200
    assert User.objects.get(pk=viewer_a.pk).username == "viewer_a"
    body = {"username": "viewer_a", "role": "viewer", "areas": [tree.town_a.pk]}
    assert client.put(f"{URL}{viewer_a.pk}/", body, format="json").status_code == 405
    assert client.delete(f"{URL}{viewer_a.pk}/").status_code == 405
    assert User.objects.filter(pk=viewer_a.pk, is_active=True).exists()


def test_patch_refusals(tree, api, admin_a, viewer_a):
    inspector = user_with_role(Role.INSPECTOR, tree.town_a, username="inspector_a")
    client = api(admin_a)
    before = snapshot()
    response = client.patch(f"{URL}{viewer_a.pk}/", {"role": "administrator"}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"role": ["Only an administrator can give the role Administrator."]},
    )
    response = client.patch(f"{URL}{viewer_a.pk}/", {"areas": [tree.town_b.pk]}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["areas"]
    response = client.patch(f"{URL}{inspector.pk}/", {"role": "viewer"}, format="json")
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "Only an administrator can change an account with the role Inspector."},
    )
    response = client.patch(f"{URL}{admin_a.pk}/", {"role": "viewer"}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"role": ["You cannot change your own role."]},
    )
    response = client.post(f"{URL}{admin_a.pk}/deactivate/")
    assert (response.status_code, response.json()) == (
        400,
        {"is_active": ["You cannot deactivate your own account."]},
    )
    assert snapshot() == before


def test_deactivate(tree, api, admin_a, viewer_a):
    Token.objects.create(user=viewer_a)
    response = api(admin_a).post(f"{URL}{viewer_a.pk}/deactivate/")
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert not Token.objects.filter(user=viewer_a).exists()
    assert AccountEvent.objects.get(user=viewer_a).action == "deactivated"


def test_reset_password_returns_a_one_time_password(tree, api, admin_a, viewer_a):
    response = api(admin_a).post(f"{URL}{viewer_a.pk}/reset-password/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "username", "one_time_password"}
    assert (body["id"], body["username"]) == (viewer_a.pk, "viewer_a")
    viewer_a.refresh_from_db()
    assert viewer_a.check_password(body["one_time_password"])
    assert Jurisdiction.objects.get(user=viewer_a).must_change_password is True


# The token endpoint --------------------------------------------------------------------


def test_token_endpoint_refuses_a_one_time_password_until_changed(tree, api, admin_a):
    created = api(admin_a).post(
        URL, {"username": "newbie", "role": "viewer", "areas": [tree.town_a.pk]}, format="json"
    )
    issued = created.json()["one_time_password"]
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/api/v1/auth/token/", {"username": "newbie", "password": issued}, format="json"
    )
    assert response.status_code == 403
    assert "one-time password" in response.json()["detail"]
    assert "/accounts/password/" in response.json()["detail"]
    assert not Token.objects.filter(user__username="newbie").exists()
    # A wrong password is still a 400, as before (no hint that the account exists).
    wrong = client.post(
        "/api/v1/auth/token/", {"username": "newbie", "password": "nope"}, format="json"
    )
    assert wrong.status_code == 400

    Jurisdiction.objects.filter(user__username="newbie").update(must_change_password=False)
    response = client.post(
        "/api/v1/auth/token/", {"username": "newbie", "password": issued}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user__username="newbie").key}


def test_session_api_calls_wait_for_the_password_change(client, tree, viewer_a):
    Jurisdiction.objects.filter(user=viewer_a).update(must_change_password=True)
    client.force_login(viewer_a)
    response = client.get("/api/v1/areas/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "one-time password" in response.json()["detail"]
