import datetime

import pytest

from ..factories import CadreFactory, DepartmentFactory


@pytest.fixture
def county_department(tree):
    return DepartmentFactory(name="县财政局", level="county", kind="economic", area=tree.county)


@pytest.fixture
def township_a_department(tree):
    return DepartmentFactory(
        name="娜允镇党政办", level="township", kind="party_gov", area=tree.town_a
    )


@pytest.fixture
def township_b_department(tree):
    return DepartmentFactory(
        name="勐马镇党政办", level="township", kind="party_gov", area=tree.town_b
    )


@pytest.fixture
def cadre_a(township_a_department):
    """A cadre of township A (named so as not to clash with the cadre *user* fixture)."""
    return CadreFactory(name="岩温", department=township_a_department)


@pytest.fixture
def cadre_a2(township_a_department):
    return CadreFactory(name="玉香", department=township_a_department)


@pytest.fixture
def cadre_b(township_b_department):
    return CadreFactory(name="扎约", department=township_b_department)


@pytest.fixture
def day():
    return datetime.date(2026, 3, 1)
