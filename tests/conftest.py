"""Shared fixtures: a small two-township county, users of each role, API clients."""

from dataclasses import dataclass

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from districts.models import Area, AreaLevel, Household, Role

from .factories import AreaFactory, HouseholdFactory, user_with_role


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
def county_admin(tree):
    return user_with_role(Role.ADMINISTRATOR, tree.county, username="county_admin")


@pytest.fixture
def admin_a(tree):
    """An area administrator of township A."""
    return user_with_role(Role.AREA_ADMIN, tree.town_a, username="admin_a")


@pytest.fixture
def viewer_a(tree):
    return user_with_role(Role.VIEWER, tree.town_a, username="viewer_a")


@pytest.fixture
def cadre_a(tree):
    return user_with_role(Role.CADRE, tree.village_a, username="cadre_a")


def api_client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api_for():
    return api_client_for
