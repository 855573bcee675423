"""Account pages, cadre accounts from the cadre list, and the first-login password change."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from districts.models import Jurisdiction, Role
from liaison.core.models import AccountEvent, Cadre

from ..factories import CadreFactory, UserFactory, user_with_role
from ..html import Element, parse
from .test_accounts import snapshot

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def english_pages(client) -> None:
    """The test client (also the one `login` returns) asks for English pages: new messages
    are English until their translations are merged."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def menu_urls(doc: Element) -> list[str]:
    return [a["href"] for a in doc.select("#mainnav").find_all("a", class_="nav-link")]


def sheet(response) -> list[dict[str, str]]:
    """The slips of a one-time password sheet: {label: value}."""
    doc = parse(response)
    slips = []
    for slip in doc.select("#password-slips").find_all("section"):
        labels = [dt.text for dt in slip.find_all("dt")]
        # The password is printed in groups of four (separate spans): join them.
        values = [
            dd.text.replace(" ", "") if "slip-secret" in dd.classes else dd.text
            for dd in slip.find_all("dd")
        ]
        slips.append(dict(zip(labels, values, strict=True)))
    return slips


# The list ------------------------------------------------------------------------------


def test_user_list_shows_the_accounts_inside_the_jurisdiction(
    login, tree, admin_a, admin_b, viewer_a, cadre_a
):
    Cadre.objects.filter(pk=cadre_a.pk).update(user=viewer_a)
    user_with_role(Role.VIEWER, tree.village_a, tree.village_b, username="both")
    response = login(admin_a).get(reverse("user-list"))
    assert response.status_code == 200
    doc = parse(response)
    assert doc.table_rows("#users") == [
        ["admin_a", "Area administrator", "娜允镇", "—", "Active"],
        ["viewer_a", "Viewer", "娜允镇", "岩温 娜允镇党政办", "Active"],
    ]
    assert reverse("user-list") in menu_urls(doc)


def test_user_list_filters_and_pages(login, tree, county_admin):
    for n in range(50):
        user_with_role(Role.VIEWER, tree.village_a, username=f"v{n:02d}")
    user_with_role(Role.INSPECTOR, tree.county, username="zz_inspector", is_active=False)
    client = login(county_admin)

    def names(query):
        doc = parse(client.get(reverse("user-list"), query))
        return [r[0] for r in doc.table_rows("#users")], doc

    first, doc = names({})
    assert len(first) == 50 and first[0] == "county_admin"
    assert len(doc.find_all("a", class_="page-link", href="?page=2")) == 1
    second, _ = names({"page": 2})
    assert second == ["v49", "zz_inspector"]
    assert names({"role": "inspector"})[0] == ["zz_inspector"]
    assert names({"is_active": "false"})[0] == ["zz_inspector"]
    assert names({"search": "V4", "is_active": "true"})[0] == [f"v4{n}" for n in range(10)]
    assert names({"search": "nobody"})[0] == ["No accounts match."]


def test_user_list_query_count_is_pinned(
    login, tree, county_admin, township_a_department, django_assert_max_num_queries
):
    for n in range(30):
        user = user_with_role(Role.CADRE, tree.village_a, tree.town_b, username=f"c{n:02d}")
        CadreFactory(department=township_a_department, user=user)
    client = login(county_admin)
    # Session, user, jurisdiction, its areas, the page of accounts (jurisdiction and cadre
    # joined), their areas: six, for any number of rows.
    with django_assert_max_num_queries(6):
        response = client.get(reverse("user-list"))
    assert len(parse(response).table_rows("#users")) == 31


def test_superusers_are_listed_for_superusers_but_not_editable(login, tree):
    root = UserFactory(username="root", is_superuser=True)
    doc = parse(login(root).get(reverse("user-list")))
    assert doc.table_rows("#users")[0][:2] == ["root", "Superuser"]
    assert doc.select("#users").find_all("a", href=reverse("user-update", args=[root.pk])) == []
    assert login(root).get(reverse("user-update", args=[root.pk])).status_code == 403


def test_user_pages_are_for_account_managers(login, tree, viewer_a, admin_a, cadre_a):
    client = login(viewer_a)
    doc = parse(client.get(reverse("dashboard")))
    assert reverse("user-list") not in menu_urls(doc)
    before = snapshot()
    assert client.get(reverse("user-list")).status_code == 403
    assert client.get(reverse("user-create")).status_code == 403
    body = {"username": "x", "role": "viewer", "areas": [tree.town_a.pk]}
    assert client.post(reverse("user-create"), body).status_code == 403
    for name in ("user-update", "user-deactivate", "user-reset-password"):
        assert client.get(reverse(name, args=[admin_a.pk])).status_code == 404
        assert client.post(reverse(name, args=[admin_a.pk]), body).status_code == 404
    response = client.post(reverse("cadre-accounts-create"), {"cadres": [cadre_a.pk]})
    assert response.status_code == 403
    assert snapshot() == before


def test_accounts_outside_the_jurisdiction_are_not_found(login, tree, admin_a, admin_b):
    superuser = UserFactory(username="root", is_superuser=True)
    client = login(admin_a)
    before = snapshot()
    for target in (admin_b, superuser):
        for name in ("user-update", "user-deactivate", "user-reset-password"):
            assert client.get(reverse(name, args=[target.pk])).status_code == 404
            assert (
                client.post(reverse(name, args=[target.pk]), {"role": "viewer"}).status_code == 404
            )
    assert snapshot() == before


def test_an_account_an_administrator_gave_is_read_only_for_an_area_administrator(
    login, tree, admin_a
):
    inspector = user_with_role(Role.INSPECTOR, tree.town_a, username="inspector_a")
    client = login(admin_a)
    before = snapshot()
    for name in ("user-update", "user-deactivate", "user-reset-password"):
        assert client.get(reverse(name, args=[inspector.pk])).status_code == 403
        assert (
            client.post(reverse(name, args=[inspector.pk]), {"role": "viewer"}).status_code == 403
        )
    assert snapshot() == before


# Create --------------------------------------------------------------------------------


def test_create_form_offers_what_the_caller_may_give(
    login, tree, admin_a, cadre_a, cadre_a2, cadre_b, county_department
):
    CadreFactory(name="李县", department=county_department)  # visible, but serves above
    Cadre.objects.filter(pk=cadre_a2.pk).update(user=admin_a)
    doc = parse(login(admin_a).get(reverse("user-create")))
    role = doc.find("select", name="role")
    assert [o["value"] for o in role.find_all("option")] == [
        "",
        "area_admin",
        "cadre",
        "viewer",
        "liaison_officer",
    ]
    areas = doc.find_all("input", name="areas")
    assert [int(a["value"]) for a in areas] == [tree.town_a.pk, tree.village_a.pk]
    cadre = doc.find("select", name="cadre")
    assert [o["value"] for o in cadre.find_all("option")] == ["", str(cadre_a.pk)]
    assert [g["label"] for g in cadre.find_all("optgroup")] == ["娜允镇党政办"]


def test_create_without_password_prints_a_one_time_password_sheet(login, tree, admin_a, cadre_a):
    response = login(admin_a).post(
        reverse("user-create"),
        {"username": "yanwen", "role": "cadre", "areas": [tree.village_a.pk], "cadre": cadre_a.pk},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [slip] = sheet(response)
    user = User.objects.get(username="yanwen")
    assert user.check_password(slip["One-time password"])
    assert slip == {
        "Cadre": "岩温",
        "Department": "娜允镇党政办",
        "Role": "Cadre · 芒街村",
        "Username": "yanwen",
        "One-time password": slip["One-time password"],
    }
    assert Jurisdiction.objects.get(user=user).must_change_password is True
    assert Cadre.objects.get(pk=cadre_a.pk).user == user
    # The password is in that response only: not on the list, the account page or in the log.
    client = login(admin_a)
    for url in (reverse("user-list"), reverse("user-update", args=[user.pk])):
        assert slip["One-time password"] not in parse(client.get(url)).all_text
    assert slip["One-time password"] not in str(list(AccountEvent.objects.values()))


def test_create_with_a_password_goes_back_to_the_list(login, tree, admin_a):
    response = login(admin_a).post(
        reverse("user-create"),
        {
            "username": "wang",
            "role": "viewer",
            "areas": [tree.town_a.pk],
            "password": "Mengma-tea-hills-9",
        },
        follow=True,
    )
    assert response.redirect_chain == [(reverse("user-list"), 302)]
    assert parse(response).messages("success") == ["Account wang created."]
    assert User.objects.get(username="wang").check_password("Mengma-tea-hills-9")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"role": "inspector"}, "role", "Select a valid choice."),
        ({"areas": ["TOWN_B"]}, "areas", "Select a valid choice."),
        ({"areas": []}, "areas", "Choose at least one area."),
        ({"username": "ADMIN_A"}, "username", "The username ADMIN_A is taken."),
        ({"password": "xq7-ab"}, "password", "This password is too short."),
        ({"cadre": "CADRE_B"}, "cadre", "Select a valid choice."),
    ],
)
def test_create_errors_show_on_the_form_and_write_nothing(
    login, tree, admin_a, cadre_b, body, field, message
):
    ids = {"TOWN_B": tree.town_b.pk, "CADRE_B": cadre_b.pk}
    data = {"username": "newbie", "role": "viewer", "areas": [tree.town_a.pk]}
    for key, value in body.items():
        data[key] = (
            [ids.get(v, v) for v in value] if isinstance(value, list) else ids.get(value, value)
        )
    before = snapshot()
    response = login(admin_a).post(reverse("user-create"), data)
    assert response.status_code == 200
    form = parse(response).select("#user-form")
    [block] = [d for d in form.find_all("div", class_="mb-3") if d.find_all(name=field)]
    errors = [e.text for e in block.find_all("div", class_="invalid-feedback")]
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert snapshot() == before


# Edit, deactivate, reset ---------------------------------------------------------------


def test_edit_page_changes_the_account(login, tree, admin_a, viewer_a, cadre_a):
    client = login(admin_a)
    url = reverse("user-update", args=[viewer_a.pk])
    doc = parse(client.get(url))
    assert "checked" in doc.find("input", name="areas", value=str(tree.town_a.pk)).attrs
    assert "checked" in doc.find("input", name="is_active").attrs
    assert doc.find_all("input", name="username") == []
    assert doc.find_all("input", name="password") == []
    response = client.post(
        url,
        {"role": "cadre", "areas": [tree.village_a.pk], "cadre": cadre_a.pk},
        follow=True,
    )
    assert parse(response).messages("success") == ["Account viewer_a saved."]
    viewer_a.refresh_from_db()
    assert viewer_a.is_active is False  # the box was not ticked
    jurisdiction = Jurisdiction.objects.get(user=viewer_a)
    assert jurisdiction.role == "cadre"
    assert list(jurisdiction.areas.values_list("pk", flat=True)) == [tree.village_a.pk]
    assert Cadre.objects.get(user=viewer_a) == cadre_a
    doc = parse(client.get(url))
    assert [li.text.split(" · ")[1] for li in doc.select("#account-events").find_all("li")] == [
        "Changed"
    ]


def test_edit_page_refusals_show_on_the_form(login, tree, admin_a):
    client = login(admin_a)
    url = reverse("user-update", args=[admin_a.pk])
    doc = parse(client.get(url))
    assert doc.find_all(id="deactivate") == [] and doc.find_all(id="reset-password") == []
    before = snapshot()
    response = client.post(url, {"role": "viewer", "areas": [tree.town_a.pk], "is_active": "on"})
    errors = [e.text for e in parse(response).find_all("div", class_="invalid-feedback")]
    assert errors == ["You cannot change your own role."]
    assert snapshot() == before


def test_deactivate_asks_then_deactivates(login, tree, admin_a, viewer_a):
    client = login(admin_a)
    url = reverse("user-deactivate", args=[viewer_a.pk])
    doc = parse(client.get(url))
    assert len(doc.find_all("form", method="post", action=url)) == 1
    assert User.objects.get(pk=viewer_a.pk).is_active is True
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("user-list"), 302)]
    assert parse(response).messages("success") == ["Account viewer_a deactivated."]
    assert User.objects.get(pk=viewer_a.pk).is_active is False


def test_reset_password_asks_then_prints_a_new_one_time_password(login, tree, admin_a, viewer_a):
    client = login(admin_a)
    url = reverse("user-reset-password", args=[viewer_a.pk])
    assert client.get(url).status_code == 200
    assert User.objects.get(pk=viewer_a.pk).check_password("pw-secret-123")
    response = client.post(url)
    assert "no-store" in response["Cache-Control"]
    [slip] = sheet(response)
    assert (slip["Username"], slip["Role"]) == ("viewer_a", "Viewer · 娜允镇")
    assert User.objects.get(pk=viewer_a.pk).check_password(slip["One-time password"])


# Cadre accounts from the cadre list ----------------------------------------------------


def test_cadre_list_offers_accounts_for_cadres_without_one(
    login, tree, admin_a, viewer_a, cadre_a, cadre_a2, county_department, township_a_department
):
    county_cadre = CadreFactory(name="李县", department=county_department)
    left = CadreFactory(
        name="扎发", department=township_a_department, left_date=datetime.date(2026, 2, 1)
    )
    Cadre.objects.filter(pk=cadre_a2.pk).update(user=viewer_a)
    doc = parse(login(admin_a).get(reverse("cadre-list")))
    form = doc.select("#cadre-accounts")
    assert form["action"] == reverse("cadre-accounts-create")
    assert [int(i["value"]) for i in form.find_all("input", name="cadres")] == [cadre_a.pk]
    table = doc.table_rows("#cadres")
    accounts_column = {r[1]: r[-1] for r in table}
    assert accounts_column == {"岩温": "none", "扎发": "none", "李县": "none", "玉香": "viewer_a"}
    assert county_cadre.pk and left.pk

    doc = parse(login(viewer_a).get(reverse("cadre-list")))
    assert doc.find_all(id="cadre-accounts") == []
    assert doc.find_all("input", name="cadres") == []
    assert "viewer_a" not in doc.select("#cadres").all_text


def test_cadre_accounts_are_created_and_printed_once(
    login, tree, admin_a, cadre_a, cadre_a2, township_a_department
):
    response = login(admin_a).post(
        reverse("cadre-accounts-create"),
        {"cadres": [cadre_a2.pk, cadre_a.pk], "next": "/cadres/?search=岩"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    slips = sheet(response)
    assert [(s["Cadre"], s["Department"], s["Username"]) for s in slips] == [
        ("岩温", "娜允镇党政办", f"c{cadre_a.pk}"),
        ("玉香", "娜允镇党政办", f"c{cadre_a2.pk}"),
    ]
    for slip in slips:
        user = User.objects.get(username=slip["Username"])
        assert user.check_password(slip["One-time password"])
        assert Cadre.objects.get(user=user).name == slip["Cadre"]
    done = parse(response).find("a", class_="btn btn-outline-secondary")
    assert done["href"] == "/cadres/?search=岩"


def test_cadre_accounts_refusals_are_shown_and_write_nothing(
    login, tree, admin_a, cadre_a, cadre_b, county_department
):
    county_cadre = CadreFactory(name="李县", department=county_department)
    client = login(admin_a)
    before = snapshot()
    for ids, message in (
        ([cadre_a.pk, cadre_b.pk], "No such cadre."),
        ([cadre_a.pk, 10**30], "No such cadre."),
        ([cadre_a.pk, county_cadre.pk], "李县 serves in 孟连县, outside your jurisdiction."),
        ([], "Tick at least one cadre."),
    ):
        response = client.post(
            reverse("cadre-accounts-create"), {"cadres": ids, "next": "https://evil.example/"}
        )
        assert response.status_code == 302
        assert response["Location"] == reverse("cadre-list")
        doc = parse(client.get(reverse("cadre-list")))
        assert doc.messages("danger") == [message]
    assert snapshot() == before


# First login ---------------------------------------------------------------------------


@pytest.fixture
def newcomer(tree, admin_a):
    from liaison.core import accounts

    user, issued = accounts.user_create(
        username="newcomer", role=Role.VIEWER, areas=[tree.town_a], by=admin_a
    )
    user.one_time = issued
    return user


def test_a_one_time_password_leads_to_the_password_page_first(client, newcomer):
    response = client.post(
        reverse("login"), {"username": "newcomer", "password": newcomer.one_time}, follow=True
    )
    assert response.redirect_chain == [
        (reverse("dashboard"), 302),
        (reverse("password-change") + "?next=%2F", 302),
    ]
    doc = parse(response)
    assert len(doc.find_all(id="must-change")) == 1
    for url in ("/areas/1/", "/users/", "/coverage/", "/cadres/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("password-change"))
    # Posts wait too (no next: a form cannot be replayed).
    response = client.post(reverse("coverage-recompute"))
    assert response["Location"] == reverse("password-change")
    # The language switch, static files and logout stay open.
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert response["Location"] == "/"
    assert client.get("/static/css/app.css").status_code == 404  # not a redirect
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("login"))


def test_changing_the_password_lifts_the_redirect(client, newcomer):
    client.post(reverse("login"), {"username": "newcomer", "password": newcomer.one_time})
    url = reverse("password-change") + "?next=%2Fcadres%2F"
    response = client.post(
        url,
        {
            "old_password": "wrong",
            "new_password1": "Nanka-river-88",
            "new_password2": "Nanka-river-88",
        },
    )
    assert response.status_code == 200
    assert Jurisdiction.objects.get(user=newcomer).must_change_password is True
    response = client.post(
        url,
        {
            "old_password": newcomer.one_time,
            "new_password1": "Nanka-river-88",
            "new_password2": "Nanka-river-88",
            "next": "/cadres/",
        },
        follow=True,
    )
    assert response.redirect_chain == [("/cadres/", 302)]
    assert parse(response).messages("success") == ["Your password has been changed."]
    assert Jurisdiction.objects.get(user=newcomer).must_change_password is False
    assert User.objects.get(pk=newcomer.pk).check_password("Nanka-river-88")
    # Still signed in, and free to go anywhere.
    assert client.get(reverse("dashboard")).status_code == 200
    assert AccountEvent.objects.filter(user=newcomer).values_list("action", flat=True)[0] == (
        "password_changed"
    )


def test_password_page_without_next_lands_on_the_dashboard(client, newcomer):
    client.post(reverse("login"), {"username": "newcomer", "password": newcomer.one_time})
    response = client.post(
        reverse("password-change"),
        {
            "old_password": newcomer.one_time,
            "new_password1": "Nanka-river-88",
            "new_password2": "Nanka-river-88",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("dashboard")


def test_accounts_without_the_flag_or_a_jurisdiction_are_not_redirected(login, tree, viewer_a):
    assert login(viewer_a).get(reverse("dashboard")).status_code == 200
    superuser = UserFactory(username="root", is_superuser=True)
    assert login(superuser).get(reverse("dashboard")).status_code == 200
    assert login(superuser).get(reverse("password-change")).status_code == 200
