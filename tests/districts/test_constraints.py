"""The households' constraints speak to the user: a translated message on the field."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from districts import services
from districts.access import SYSTEM
from districts.models import Household

from ..factories import HouseholdFactory
from ..html import parse

pytestmark = pytest.mark.django_db

MEMBERS = "家庭人口至少为 1 人。"
STATUS_DATE = "请填写该户迁出或注销的日期。"


def test_household_create_refuses_no_members_on_the_members_field(tree, admin_a):
    data = {"group": tree.group_a1, "code": "530827100201001999", "head_name": "岩新"}
    with pytest.raises(ValidationError, match=MEMBERS) as refused:
        services.household_create(data={**data, "members": 0}, by=admin_a)
    assert refused.value.message_dict == {"members": [MEMBERS]}
    assert not Household.objects.filter(code=data["code"]).exists()


def test_household_update_refuses_no_members_on_the_members_field(tree, admin_a):
    household = tree.households_a[0]
    with pytest.raises(ValidationError, match=MEMBERS) as refused:
        services.household_update(household=household, data={"members": 0}, by=admin_a)
    assert refused.value.message_dict == {"members": [MEMBERS]}
    household.refresh_from_db()
    assert household.members == 3


def test_household_inactive_without_a_date_is_refused_on_the_date_field(tree, admin_a):
    household = tree.households_a[0]
    with pytest.raises(ValidationError, match=STATUS_DATE) as refused:
        services.household_update(household=household, data={"status": "moved_out"}, by=SYSTEM)
    assert refused.value.message_dict == {"status_date": [STATUS_DATE]}
    household.refresh_from_db()
    assert household.status == "active"


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"members": 0}, "members", MEMBERS),
        ({"status": "deregistered", "status_date": None}, "status_date", STATUS_DATE),
    ],
    ids=["household_members_positive", "household_inactive_has_date"],
)
def test_each_household_constraint_names_its_field(tree, values, field, message):
    """The constraint itself (not only the model's clean) reports on the field."""
    household = HouseholdFactory.build(group=tree.group_a1, **values)
    with pytest.raises(ValidationError, match=message) as refused:
        household.validate_constraints()
    assert refused.value.message_dict == {field: [message]}


def household_form_data(household: Household, **changes) -> dict:
    return {
        "code": household.code,
        "head_name": household.head_name,
        "members": household.members,
        "status": household.status,
        **changes,
    }


def test_household_page_marks_the_members_field(login, tree, admin_a):
    household = tree.households_a[0]
    name = household.head_name
    response = login(admin_a).post(
        reverse("household-update", args=[household.pk]),
        household_form_data(household, members=0, head_name="改了名"),
    )
    assert response.status_code == 200
    page = parse(response)
    assert page.form_errors() == [MEMBERS]
    members = page.find("input", name="members")
    assert "is-invalid" in members.classes
    row = members.enclosing("div")
    assert row is not None
    assert row.find("div", class_="invalid-feedback").text == MEMBERS
    assert "household_members_positive" not in page.all_text
    household.refresh_from_db()
    assert (household.members, household.head_name) == (3, name)


@pytest.mark.usefixtures("english")
def test_household_page_marks_the_members_field_in_english(login, tree, admin_a):
    client = login(admin_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    household = tree.households_a[0]
    page = parse(
        client.post(
            reverse("household-update", args=[household.pk]),
            household_form_data(household, members=0),
        )
    )
    assert page.form_errors() == ["A household has at least one member."]
