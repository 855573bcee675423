"""Five-links suggestions offer only what serves the village: the county's departments and
those of the village's own township, never another township's offices."""

import datetime

import pytest
from django.urls import reverse

from liaison.core.suggestions import suggest_assignments, suggest_departments

from ..factories import (
    AreaFactory,
    CadreFactory,
    DepartmentFactory,
    DepartmentVillageLinkFactory,
    PairingFactory,
)
from ..html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_links_villages(tree):
    """Both villages weak in infrastructure (party-government organs) and behind in the
    economy (economic departments)."""
    for village in (tree.village_a, tree.village_b):
        village.categories = ["weak_infrastructure", "economy_lagging"]
        village.save(update_fields=["categories"])
    return tree


def _offered(user, village):
    return [
        (s.department.name, s.village_category)
        for s in suggest_departments(user=user, village=village)
    ]


def test_a_village_is_offered_the_county_and_its_own_township_only(
    five_links_villages,
    county_admin,
    county_department,
    township_a_department,
    township_b_department,
):
    tree = five_links_villages
    assert _offered(county_admin, tree.village_b) == [
        ("县财政局", "economy_lagging"),
        ("勐马镇党政办", "weak_infrastructure"),
    ]
    assert _offered(county_admin, tree.village_a) == [
        ("县财政局", "economy_lagging"),
        ("娜允镇党政办", "weak_infrastructure"),
    ]


def test_linked_and_unfitting_departments_are_not_offered(
    five_links_villages, county_admin, county_department, township_b_department
):
    tree = five_links_villages
    DepartmentFactory(
        name="勐马镇司法所", level="township", kind="political_legal", area=tree.town_b
    )
    DepartmentVillageLinkFactory(department=county_department, village=tree.village_b)
    assert _offered(county_admin, tree.village_b) == [("勐马镇党政办", "weak_infrastructure")]


def test_another_countys_departments_are_not_offered(
    five_links_villages, superuser, county_department
):
    tree = five_links_villages
    other_county = DepartmentFactory(name="西盟县财政局", level="county", kind="economic")
    assert other_county.area != tree.county
    assert _offered(superuser, tree.village_b) == [("县财政局", "economy_lagging")]


def test_households_are_suggested_cadres_of_departments_that_serve_their_village(
    tree, county_admin, county_department, township_a_department, township_b_department
):
    """The lightest-loaded cadre of the right kind — among those serving the village only."""
    hardship = tree.households_b[0]
    hardship.categories = ["extreme_hardship"]  # party-government organs
    hardship.save(update_fields=["categories"])
    poor = tree.households_b[1]
    poor.categories = ["poor"]  # economic departments
    poor.save(update_fields=["categories"])
    idle_in_a = CadreFactory(name="岩温", department=township_a_department)  # no households
    own = CadreFactory(name="扎约", department=township_b_department)
    PairingFactory(cadre=own, household=tree.households_a[0], start_date=datetime.date(2026, 1, 1))
    # A county department's cadre posted to township A, and one serving the county itself.
    CadreFactory(name="县里在娜允", department=county_department, area=tree.town_a)
    county_cadre = CadreFactory(name="县里", department=county_department)
    suggestions = suggest_assignments(user=county_admin, area=tree.village_b)
    assert [(s.household, s.cadre, s.category) for s in suggestions] == [
        (hardship, own, "extreme_hardship"),
        (poor, county_cadre, "poor"),
    ]
    assert idle_in_a not in [s.cadre for s in suggestions]


def test_village_cadres_of_the_village_itself_are_suggested(
    tree, county_admin, township_b_department
):
    hardship = tree.households_b[0]
    hardship.categories = ["extreme_hardship"]
    hardship.save(update_fields=["categories"])
    other_village = AreaFactory(code="530827101202", name="芒信村", parent=tree.town_b)
    CadreFactory(name="别村村干部", department=township_b_department, area=other_village)
    own = CadreFactory(name="本村村干部", department=township_b_department, area=tree.village_b)
    suggestions = suggest_assignments(user=county_admin, area=tree.group_b1)
    assert [(s.household, s.cadre.name) for s in suggestions] == [(hardship, own.name)]


def test_the_assign_page_offers_only_departments_serving_the_village(
    login, five_links_villages, county_admin, county_department, township_a_department,
    township_b_department,
):  # fmt: skip
    tree = five_links_villages
    page = parse(login(county_admin).get(reverse("assign", args=[tree.village_b.pk])))
    assert [i["value"] for i in page.find_all("input", name="department")] == [
        str(county_department.pk),
        str(township_b_department.pk),
    ]
    assert "娜允镇党政办" not in page.find("main").all_text
