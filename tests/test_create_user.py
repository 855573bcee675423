"""`manage.py create_user`: exit codes, output, the password prompt, --update."""

import io
import sys

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, ManagementUtility, call_command

from districts.models import Jurisdiction, Role
from liaison.core.models import AccountEvent, Cadre

from .factories import CadreFactory, DepartmentFactory, UserFactory, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
User = get_user_model()


@pytest.fixture
def no_terminal(monkeypatch):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False, raising=False)


@pytest.fixture
def terminal(monkeypatch):
    """A terminal whose getpass answers come from `answers` (a list, consumed in order)."""
    answers: list[str] = []
    monkeypatch.setattr("sys.stdin", io.StringIO())
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": answers.pop(0))
    return answers


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_user", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def state():
    return (
        sorted(User.objects.values_list("username", "is_active", "password")),
        sorted(Jurisdiction.objects.values_list("user__username", "role", "must_change_password")),
        sorted(Jurisdiction.areas.through.objects.values_list("jurisdiction_id", "area_id")),
        sorted(Cadre.objects.values_list("pk", "user_id")),
    )


def test_create_with_a_password(tree):
    out, _ = run(
        "wang", "--role", "area_admin", "--area", "530827100", "--password", "Mengma-tea-hills-9"
    )
    user = User.objects.get(username="wang")
    assert out == f"Created user {user.pk} wang.\n"
    assert user.check_password("Mengma-tea-hills-9")
    jurisdiction = Jurisdiction.objects.get(user=user)
    assert (jurisdiction.role, jurisdiction.must_change_password) == ("area_admin", False)
    assert list(jurisdiction.areas.all()) == [tree.town_a]
    event = AccountEvent.objects.get(user=user)
    assert (event.actor, event.action) == (None, "created")  # the system


def test_create_with_several_areas_and_a_cadre(tree):
    department = DepartmentFactory(name="娜允镇党政办", level="township", area=tree.town_a)
    cadre = CadreFactory(name="岩温", department=department)
    run(
        "yanwen",
        *("--role", "cadre", "--area", "530827100", "--area", "530827101201"),
        *("--cadre", str(cadre.pk), "--password", "Mengma-tea-hills-9"),
    )
    user = User.objects.get(username="yanwen")
    assert set(Jurisdiction.objects.get(user=user).areas.all()) == {tree.town_a, tree.village_b}
    assert Cadre.objects.get(pk=cadre.pk).user == user


def test_without_a_terminal_a_one_time_password_is_printed(tree, no_terminal):
    out, _ = run("li", "--role", "viewer", "--area", "530827")
    user = User.objects.get(username="li")
    lines = out.splitlines()
    assert lines[0] == f"Created user {user.pk} li."
    assert lines[1].startswith("One-time password: ")
    assert user.check_password(lines[1].removeprefix("One-time password: "))
    assert lines[2] == "It must be changed at the first login."
    assert Jurisdiction.objects.get(user=user).must_change_password is True


def test_on_a_terminal_it_asks_twice(tree, terminal):
    terminal.extend(["Lancang-river-77", "Lancang-river-77"])
    out, _ = run("zhao", "--role", "viewer", "--area", "530827")
    assert terminal == []
    user = User.objects.get(username="zhao")
    assert out == f"Created user {user.pk} zhao.\n"
    assert user.check_password("Lancang-river-77")
    assert Jurisdiction.objects.get(user=user).must_change_password is False


def test_the_prompt_asks_again_on_a_mismatch_or_blank(tree, terminal):
    terminal.extend(["", "Lancang-river-77", "typo", "Lancang-river-77", "Lancang-river-77"])
    _, err = run("zhao", "--role", "viewer", "--area", "530827")
    assert err.splitlines() == [
        "A blank password is not allowed.",
        "The two passwords differ; try again.",
    ]
    assert User.objects.get(username="zhao").check_password("Lancang-river-77")


def test_the_prompt_gives_up_after_three_tries(tree, terminal):
    terminal.extend(["", "", ""])
    with pytest.raises(CommandError, match="No password given"):
        run("zhao", "--role", "viewer", "--area", "530827")
    assert not User.objects.filter(username="zhao").exists()


def test_a_weak_prompted_password_is_refused(tree, terminal):
    terminal.extend(["123", "123"])
    with pytest.raises(CommandError, match="password: This password is too short"):
        run("zhao", "--role", "viewer", "--area", "530827")
    assert not User.objects.filter(username="zhao").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "mayor", "--area", "530827"), "Unknown role 'mayor'; roles: administrator"),
        (("--role", "viewer", "--area", "999", "--area", "998"), "Unknown area codes: 999, 998"),
        (("--role", "viewer",), "Give at least one area"),
        (("--area", "530827",), "Give the account's role with --role"),
        (("--role", "viewer", "--area", "530827", "--cadre", "424242"), "No cadre with id 424242"),
        (("--role", "viewer", "--area", "530827", "--password", "1"), "password: This password"),
    ],
)  # fmt: skip
def test_bad_arguments_fail_and_write_nothing(tree, no_terminal, args, message):
    before = state()
    with pytest.raises(CommandError, match=message):
        run("newbie", *args)
    assert state() == before


def test_an_existing_username_fails_unless_update(tree, no_terminal):
    existing = user_with_role(Role.VIEWER, tree.town_a, username="Wang")
    before = state()
    with pytest.raises(CommandError, match=f"The username 'Wang' is taken \\(id {existing.pk}\\)"):
        run("wang", "--role", "viewer", "--area", "530827")
    assert state() == before


def test_a_cadre_with_an_account_fails(tree, no_terminal):
    department = DepartmentFactory(level="township", area=tree.town_a)
    owner = user_with_role(Role.CADRE, tree.town_a, username="owner")
    cadre = CadreFactory(name="岩温", department=department, user=owner)
    before = state()
    with pytest.raises(CommandError, match="cadre: 岩温 already has an account"):
        run("x", "--role", "cadre", "--area", "530827100", "--cadre", str(cadre.pk))
    assert state() == before


def test_update_changes_role_areas_cadre_and_password(tree, no_terminal):
    user = user_with_role(Role.VIEWER, tree.town_a, username="wang")
    department = DepartmentFactory(level="township", area=tree.town_b)
    cadre = CadreFactory(department=department)
    out, _ = run(
        "WANG",
        "--update",
        *("--role", "area_admin", "--area", "530827101", "--cadre", str(cadre.pk)),
        *("--password", "Nanka-river-88"),
    )
    assert out == f"Updated user {user.pk} wang.\n"
    user.refresh_from_db()
    assert user.check_password("Nanka-river-88")
    jurisdiction = Jurisdiction.objects.get(user=user)
    assert jurisdiction.role == "area_admin"
    assert list(jurisdiction.areas.all()) == [tree.town_b]
    assert Cadre.objects.get(pk=cadre.pk).user == user
    # Only what is given changes.
    run("wang", "--update", "--role", "viewer")
    assert list(Jurisdiction.objects.get(user=user).areas.all()) == [tree.town_b]
    assert User.objects.get(pk=user.pk).check_password("Nanka-river-88")


def test_update_needs_an_account_and_something_to_change(tree, no_terminal):
    user_with_role(Role.VIEWER, tree.town_a, username="wang")
    with pytest.raises(CommandError, match="No user 'nobody' to update"):
        run("nobody", "--update", "--role", "viewer")
    with pytest.raises(CommandError, match="Nothing to update"):
        run("wang", "--update")


def test_update_refuses_superusers(tree, no_terminal):
    UserFactory(username="root", is_superuser=True)
    before = state()
    with pytest.raises(CommandError, match="Superuser and staff accounts are not managed here"):
        run("root", "--update", "--role", "viewer", "--area", "530827")
    assert state() == before


def test_exit_codes_as_from_the_shell(tree, no_terminal, capsys, monkeypatch):
    """As `manage.py create_user …`: 0 and the id on success, 1 and a message on failure."""
    # run_from_argv closes the connections when done; the test's transaction needs its own.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)

    def manage(*args: str) -> int:
        try:
            ManagementUtility(["manage.py", "create_user", *args]).execute()
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    assert manage("li", "--role", "viewer", "--area", "530827") == 0
    out = capsys.readouterr().out.splitlines()
    user = User.objects.get(username="li")
    assert out[0] == f"Created user {user.pk} li."
    assert user.check_password(out[1].removeprefix("One-time password: "))
    assert manage("li", "--role", "viewer", "--area", "530827") == 1
    assert capsys.readouterr().err == (
        f"CommandError: The username 'li' is taken (id {user.pk}); "
        "pass --update to change that account.\n"
    )
    assert manage("wu", "--role", "viewer", "--area", "1") == 1
    assert capsys.readouterr().err == "CommandError: Unknown area codes: 1.\n"
    assert not User.objects.filter(username="wu").exists()
