"""Holes an independent review of the funnel found, replayed: each now refused."""

import datetime
import io

import pytest
from django.utils import timezone

from districts.imports import import_areas
from districts.models import Household, Zone, ZoneArea
from dutydays.models import DutyDay
from liaison.core.models import Cadre, Rank, ZoneLeadership

from .factories import CadreFactory, UserFactory, user_with_role
from .html import parse

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MONTH_AGO = TODAY - datetime.timedelta(days=30)


@pytest.fixture
def county_cadre_in_b(tree, county_department) -> Cadre:
    """A county cadre who leads a group zone in township B and has a day there."""
    cadre = CadreFactory(name="县干部", department=county_department)
    zone = Zone.objects.create(name="勐啊一组片", level="group")
    ZoneArea.objects.create(zone=zone, area=tree.group_b1)
    ZoneLeadership.objects.create(zone=zone, cadre=cadre, start_date=MONTH_AGO)
    DutyDay.objects.create(
        cadre=cadre, date=TODAY - datetime.timedelta(days=2), area=tree.group_b1, diary="勐马镇日记"
    )
    return cadre


def test_a_township_cannot_link_an_account_to_a_county_cadre(
    tree, admin_a, county_cadre_in_b, api_for
):
    """Linking an account is a change to the cadre: refused as a PATCH of the cadre is, or
    the account would act as the county cadre in every township."""
    response = api_for(admin_a).post(
        "/api/v1/users/",
        {
            "username": "mole",
            "role": "cadre",
            "areas": [tree.town_a.pk],
            "cadre": county_cadre_in_b.pk,
            "password": "Very-long-pw-4321",
        },
        format="json",
    )
    missing = api_for(admin_a).post(
        "/api/v1/users/",
        {
            "username": "mole",
            "role": "cadre",
            "areas": [tree.town_a.pk],
            "cadre": 987654321,
            "password": "Very-long-pw-4321",
        },
        format="json",
    )
    assert response.status_code == missing.status_code == 400
    assert set(response.json()) == set(missing.json()) == {"cadre"}
    county_cadre_in_b.refresh_from_db()
    assert county_cadre_in_b.user_id is None
    assert not UserFactory._meta.model.objects.filter(username="mole").exists()


def test_a_zone_shared_with_another_township_is_managed_from_above(
    tree, admin_a, county_department, api_for
):
    zone = Zone.objects.create(name="县领导片区", level="township")
    ZoneArea.objects.create(zone=zone, area=tree.town_a)
    ZoneArea.objects.create(zone=zone, area=tree.town_b)
    leader = CadreFactory(name="县长", department=county_department, rank=Rank.COUNTY_LEADER)
    client = api_for(admin_a)
    renamed = client.patch(f"/api/v1/zones/{zone.pk}/", {"name": "娜允镇的片区"}, format="json")
    led = client.post(f"/api/v1/zones/{zone.pk}/leader/", {"cadre": leader.pk}, format="json")
    assert (renamed.status_code, led.status_code) == (403, 403)
    assert renamed.json() == {"detail": "该责任区超出您的管辖范围，由上级管理。"}
    zone.refresh_from_db()
    assert zone.name == "县领导片区"
    assert not ZoneLeadership.objects.filter(zone=zone).exists()


def test_a_township_admin_does_not_recode_the_township_itself(tree, admin_a, api_for):
    response = api_for(admin_a).patch(
        f"/api/v1/areas/{tree.town_a.pk}/", {"name": "改名镇", "code": "530827199"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "该区域是您管辖范围的最高一级，由上级修改。"}
    tree.town_a.refresh_from_db()
    assert (tree.town_a.code, tree.town_a.name) == ("530827100", "娜允镇")
    # Its villages are still theirs to rename.
    village = api_for(admin_a).patch(
        f"/api/v1/areas/{tree.village_a.pk}/", {"name": "芒街新村"}, format="json"
    )
    assert village.status_code == 200


def test_an_area_with_households_keeps_its_level(tree, county_admin, api_for):
    response = api_for(county_admin).patch(
        f"/api/v1/areas/{tree.group_a1.pk}/",
        {"level": "village", "parent": tree.town_b.pk, "code": "530827101299"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"level": ["有农户的区域不能更改级别。"]}
    tree.group_a1.refresh_from_db()
    assert (tree.group_a1.level, tree.group_a1.parent_id) == ("group", tree.village_a.pk)
    data = "code,name,level,parent_code\n530827100201001,芒街一组,village,530827101\n".encode()
    result = import_areas(io.BytesIO(data), "a.csv", by=county_admin)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "level", "有农户的区域不能更改级别。")
    ]


def test_household_changes_through_the_api_recompute_coverage_as_imports_do(
    tree, admin_a, api_for, django_capture_on_commit_callbacks
):
    household = tree.households_a[0]
    with django_capture_on_commit_callbacks() as callbacks:
        response = api_for(admin_a).patch(
            f"/api/v1/households/{household.pk}/",
            {"status": "moved_out", "status_date": TODAY.isoformat()},
            format="json",
        )
    assert response.status_code == 200
    assert len(callbacks) == 2  # the pages' "being counted" mark, then the recompute
    with django_capture_on_commit_callbacks() as callbacks:
        api_for(admin_a).patch(f"/api/v1/households/{household.pk}/", {"members": 5})
    assert callbacks == []  # a change that moves no figure schedules nothing


def test_staff_accounts_are_not_an_area_administrators_to_reset(tree, admin_a, api_for):
    support = user_with_role("viewer", tree.town_a, username="support", is_staff=True)
    response = api_for(admin_a).post(f"/api/v1/users/{support.pk}/reset-password/")
    assert response.status_code == 404
    assert "support" not in str(api_for(admin_a).get("/api/v1/users/").json())


def test_pages_offer_no_form_the_funnel_refuses(
    tree, admin_a, cadre_a, county_cadre_in_b, county_department, login
):
    # Recording for another cadre: only places of the recorder's jurisdiction.
    # (cadre_a, of township A, now leads the group zone in township B.)
    ZoneLeadership.objects.filter(cadre=county_cadre_in_b).update(cadre=cadre_a)
    client = login(admin_a)
    places = [label for _, label in parse(client.get(f"/duty/log/?cadre={cadre_a.pk}")).options(
        "area"
    )]  # fmt: skip
    assert tree.group_b1.name not in places
    # A county cadre's day in township A: seen, not edited, so no form.
    day = DutyDay.objects.create(cadre=county_cadre_in_b, date=TODAY, area=tree.group_a1)
    assert client.get(f"/duty/days/{day.pk}/edit/").status_code == 403
    # A zone led by a county leader: its leader is replaced from above, so no form.
    led = Zone.objects.create(name="芒街村片区", level="village")
    ZoneArea.objects.create(zone=led, area=tree.village_a)
    county_leader = CadreFactory(department=county_department, rank=Rank.DEPARTMENT_HEAD)
    ZoneLeadership.objects.create(zone=led, cadre=county_leader, start_date=MONTH_AGO)
    assert client.get(f"/zones/{led.pk}/leader/").status_code == 403


def test_the_cadre_page_marks_a_partial_duty_day_count(tree, admin_a, county_cadre_in_b, login):
    DutyDay.objects.create(cadre=county_cadre_in_b, date=TODAY, area=tree.group_a1)
    page = parse(login(admin_a).get(f"/cadres/{county_cadre_in_b.pk}/"))
    panel = page.find("section", id="cadre-duty-days")
    assert panel.find("p").text == "已登记 1 天，其中 0 天在本人责任区。 （本辖区）"
    assert Household.objects.count() == 7
