"""Shared fixtures: a small two-township county, its departments and cadres, users of each
role, API and page clients.

Every fixture of the suite is defined once (tests/test_conventions.py checks it): users are
`<role>_a` / `<role>_user_a`, cadres (the `Cadre` rows) are `cadre_a`, `cadre_a2`, `cadre_b`.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from districts.models import Area, AreaLevel, Household, Role
from liaison.core.models import Cadre, Department

from .factories import (
    AreaFactory,
    CadreFactory,
    DepartmentFactory,
    HouseholdFactory,
    UserFactory,
    user_with_role,
)


@dataclass
class Tree:
    county: Area
    town_a: Area
    town_b: Area
    village_a: Area
    village_b: Area
    group_a1: Area
    group_a2: Area
    group_b1: Area
    households_a: list[Household]
    households_b: list[Household]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Benchmarks run only when `-m` names them (`make test` and `-m browser` stay fast)."""
    if "benchmark" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="a benchmark: run with -m benchmark")
    for item in items:
        if item.get_closest_marker("benchmark"):
            item.add_marker(skip)


@pytest.fixture
def tree(db) -> Tree:
    """County 530827 → townships A, B → one village each → groups; 3+2 households in A, 2 in B."""
    county = AreaFactory(code="530827", name="孟连县", level=AreaLevel.COUNTY)
    town_a = AreaFactory(code="530827100", name="娜允镇", level=AreaLevel.TOWNSHIP, parent=county)
    town_b = AreaFactory(code="530827101", name="勐马镇", level=AreaLevel.TOWNSHIP, parent=county)
    village_a = AreaFactory(
        code="530827100201", name="芒街村", level=AreaLevel.VILLAGE, parent=town_a
    )
    village_b = AreaFactory(
        code="530827101201", name="勐啊村", level=AreaLevel.VILLAGE, parent=town_b
    )
    group_a1 = AreaFactory(
        code="530827100201001", name="芒街一组", level=AreaLevel.GROUP, parent=village_a
    )
    group_a2 = AreaFactory(
        code="530827100201002", name="芒街二组", level=AreaLevel.GROUP, parent=village_a
    )
    group_b1 = AreaFactory(
        code="530827101201001", name="勐啊一组", level=AreaLevel.GROUP, parent=village_b
    )
    households_a = [
        *HouseholdFactory.create_batch(3, group=group_a1),
        *HouseholdFactory.create_batch(2, group=group_a2),
    ]
    households_b = HouseholdFactory.create_batch(2, group=group_b1)
    return Tree(
        county, town_a, town_b, village_a, village_b, group_a1, group_a2, group_b1,
        households_a, households_b,
    )  # fmt: skip


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English (`pytest.mark.usefixtures("english")` in modules whose messages
    are pinned in English)."""
    with translation.override("en"):
        yield


@pytest.fixture
def day() -> datetime.date:
    """The day pairings start on in most tests (in the past, so services accept it)."""
    return datetime.date(2026, 3, 1)


# Users


@pytest.fixture
def county_admin(tree) -> User:
    return user_with_role(Role.ADMINISTRATOR, tree.county, username="county_admin")


@pytest.fixture
def admin_a(tree) -> User:
    """An area administrator of township A."""
    return user_with_role(Role.AREA_ADMIN, tree.town_a, username="admin_a")


@pytest.fixture
def admin_b(tree) -> User:
    """An area administrator of township B."""
    return user_with_role(Role.AREA_ADMIN, tree.town_b, username="admin_b")


@pytest.fixture
def viewer_a(tree) -> User:
    return user_with_role(Role.VIEWER, tree.town_a, username="viewer_a")


@pytest.fixture
def cadre_user_a(tree, cadre_a) -> User:
    """The login account of the cadre `cadre_a`: role cadre over township A."""
    user = user_with_role(Role.CADRE, tree.town_a, username="yanwen")
    cadre_a.user = user
    cadre_a.save(update_fields=["user"])
    return user


# Departments and cadres


@pytest.fixture
def county_department(tree) -> Department:
    return DepartmentFactory(name="县财政局", level="county", kind="economic", area=tree.county)


@pytest.fixture
def township_a_department(tree) -> Department:
    return DepartmentFactory(
        name="娜允镇党政办", level="township", kind="party_gov", area=tree.town_a
    )


@pytest.fixture
def township_b_department(tree) -> Department:
    return DepartmentFactory(
        name="勐马镇党政办", level="township", kind="party_gov", area=tree.town_b
    )


@pytest.fixture
def cadre_a(township_a_department) -> Cadre:
    """A cadre of township A (the `Cadre` row; its account is `cadre_user_a`)."""
    return CadreFactory(name="岩温", department=township_a_department)


@pytest.fixture
def cadre_a2(township_a_department) -> Cadre:
    return CadreFactory(name="玉香", department=township_a_department)


@pytest.fixture
def cadre_b(township_b_department) -> Cadre:
    return CadreFactory(name="扎约", department=township_b_department)


# Clients


def api_client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api_for() -> Callable[[User], APIClient]:
    """Return a function that gives an API client authenticated by `user`'s token."""
    return api_client_for


@pytest.fixture
def login(client) -> Callable[[User], Client]:
    """Return a function that logs `user` in on the test client and returns the client."""

    def _login(user: User) -> Client:
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def superuser(db):
    """A superuser "root" (the Django admin's user; acts everywhere)."""
    return UserFactory(username="root", is_superuser=True, is_staff=True)
