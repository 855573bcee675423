"""Fixtures of the concerns tests: people of the channels, and a concern factory through the
service (so routing and deadlines are the real ones)."""

from collections.abc import Callable
from typing import Any

import pytest

from districts.access import SYSTEM
from liaison.concerns.access import HOTLINE_OPERATOR, LIAISON_OFFICER
from liaison.concerns.models import Category, Concern
from liaison.concerns.services import concern_create
from tests.factories import PairingFactory, user_with_role


@pytest.fixture(autouse=True)
def default_catalogue(request) -> None:
    """Transactional tests (live servers, threads) empty the tables after them, the
    migrations' category catalogue too: give such a test the catalogue back."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction"))
    if not (transactional or "live_server" in request.fixturenames):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    defaults = importlib.import_module("liaison.concerns.migrations.0002_default_categories")
    for order, (code, name, name_en) in enumerate(defaults.DEFAULTS, start=1):
        Category.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order * 10}
        )


@pytest.fixture
def hotline(tree):
    """A hotline operator, county-wide."""
    return user_with_role(HOTLINE_OPERATOR, tree.county, username="hotline")


@pytest.fixture
def officer_a(tree):
    """A liaison officer of village A."""
    return user_with_role(LIAISON_OFFICER, tree.village_a, username="officer_a")


@pytest.fixture
def paired_a(tree, cadre_a, cadre_user_a, day):
    """The first household of township A, paired with cadre A (who has an account)."""
    household = tree.households_a[0]
    PairingFactory(cadre=cadre_a, household=household, start_date=day)
    return household


@pytest.fixture
def raise_concern(tree) -> Callable[..., Concern]:
    """Record a concern through the service (default: the system, in group A1, a help)."""

    def _raise(**kwargs: Any) -> Concern:
        kwargs.setdefault("by", SYSTEM)
        kwargs.setdefault("channel", "hotline")
        kwargs.setdefault("kind", "help")
        kwargs.setdefault("category", Category.objects.get(code="water"))
        kwargs.setdefault("description", "自来水管破了，三天没水")
        if "household" not in kwargs:
            kwargs.setdefault("area", tree.group_a1)
        return concern_create(**kwargs)

    return _raise
