"""The core's constraints speak to the user: a translated message on the field, through
the services, the API and the pages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from liaison.core import services
from liaison.core.models import Department, DepartmentVillageLink

from ..factories import (
    CoverageSnapshotFactory,
    DepartmentVillageLinkFactory,
    PairingFactory,
    ZoneLeadershipFactory,
)
from ..html import parse

pytestmark = pytest.mark.django_db

SAME_NAME = "该地区已有同名部门。"
LINKED = "该部门已挂钩此村。"


def test_department_create_refuses_a_second_of_the_same_name_on_the_name_field(
    tree, admin_a, township_a_department
):
    with pytest.raises(ValidationError, match=SAME_NAME) as refused:
        services.department_create(
            name=township_a_department.name,
            level="township",
            kind="economic",
            area=tree.town_a,
            by=admin_a,
        )
    assert refused.value.message_dict == {"name": [SAME_NAME]}
    assert Department.objects.filter(name=township_a_department.name).count() == 1


def test_department_rename_to_a_taken_name_is_refused_on_the_name_field(
    tree, admin_a, township_a_department
):
    other = services.department_create(
        name="娜允镇财政所", level="township", kind="economic", area=tree.town_a, by=admin_a
    )
    with pytest.raises(ValidationError, match=SAME_NAME) as refused:
        services.department_update(
            department=other, data={"name": township_a_department.name}, by=admin_a
        )
    assert refused.value.message_dict == {"name": [SAME_NAME]}
    other.refresh_from_db()
    assert other.name == "娜允镇财政所"


def test_the_same_name_in_another_township_is_fine(tree, county_admin, township_a_department):
    twin = services.department_create(
        name=township_a_department.name,
        level="township",
        kind="party_gov",
        area=tree.town_b,
        by=county_admin,
    )
    assert twin.area == tree.town_b


def test_department_link_twice_is_refused_on_the_village_field(
    tree, county_admin, county_department
):
    first = services.department_link_create(
        department=county_department, village=tree.village_a, by=county_admin
    )
    with pytest.raises(ValidationError, match=LINKED) as refused:
        services.department_link_create(
            department=county_department, village=tree.village_a, by=county_admin
        )
    assert refused.value.message_dict == {"village": [LINKED]}
    assert list(DepartmentVillageLink.objects.all()) == [first]


def _second_active_pairing():
    first = PairingFactory()
    return PairingFactory.build(household=first.household, cadre=first.cadre)


def _pairing_ending_before_it_starts():
    pairing = PairingFactory(start_date=datetime.date(2026, 3, 1))
    pairing.end_date = datetime.date(2026, 2, 1)
    return pairing


def _second_active_leader():
    first = ZoneLeadershipFactory()
    return ZoneLeadershipFactory.build(zone=first.zone, cadre=first.cadre)


def _second_active_link():
    first = DepartmentVillageLinkFactory()
    return DepartmentVillageLinkFactory.build(department=first.department, village=first.village)


def _second_snapshot_of_the_day():
    first = CoverageSnapshotFactory()
    return CoverageSnapshotFactory.build(area=first.area, as_of=first.as_of)


@pytest.mark.parametrize(
    ("make", "field", "message"),
    [
        (_second_active_pairing, "household", "该农户已有责任干部。"),
        (_pairing_ending_before_it_starts, "end_date", "结对帮扶的结束日期不能早于开始日期。"),
        (_second_active_leader, "zone", "该责任区已有负责人。"),
        (_second_active_link, "village", LINKED),
        (_second_snapshot_of_the_day, "as_of", "该地区在该日期的覆盖率已经计算过。"),
    ],
    ids=[
        "pairing_one_active_per_household",
        "pairing_ends_after_start",
        "zone_one_active_leader",
        "link_one_active_per_pair",
        "coverage_one_per_area_day",
    ],
)
def test_each_core_constraint_reports_on_its_field(make, field, message):
    """What the services' full_clean() raises for each constraint: its words, its field."""
    record = make()
    with pytest.raises(ValidationError, match=message) as refused:
        record.full_clean()
    assert refused.value.message_dict == {field: [message]}


def test_api_keys_a_taken_department_name_by_the_field(
    tree, admin_a, township_a_department, api_for
):
    payload = {
        "name": township_a_department.name,
        "level": "township",
        "kind": "economic",
        "area": tree.town_a.pk,
    }
    response = api_for(admin_a).post("/api/v1/departments/", payload, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": [SAME_NAME]}
    assert Department.objects.filter(name=township_a_department.name).count() == 1


def test_assign_page_says_the_department_is_already_linked(
    login, tree, admin_a, township_a_department
):
    DepartmentVillageLinkFactory(department=township_a_department, village=tree.village_a)
    client = login(admin_a)
    url = reverse("assign", args=[tree.village_a.pk])
    response = client.post(
        url, {"action": "link", "department": township_a_department.pk}, follow=True
    )
    assert response.status_code == 200
    page = parse(response)
    assert page.messages("danger") == [LINKED]
    assert "link_one_active_per_pair" not in page.all_text
    assert DepartmentVillageLink.objects.filter(village=tree.village_a).count() == 1
