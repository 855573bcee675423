import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from districts import services
from districts.access import SYSTEM
from districts.models import Area, AreaLevel, Household, PersonalDataAccess, Zone

from ..factories import HouseholdFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_area_create_sets_path_and_checks_parent_level(tree, county_admin):
    village = services.area_create(
        code="530827100202", name="新村", level="village", parent=tree.town_a, by=county_admin
    )
    assert village.path == "/530827/530827100/530827100202/"
    with pytest.raises(ValidationError, match="村的上级必须是乡镇") as exc:
        services.area_create(
            code="530827100203", name="错村", level="village", parent=tree.county, by=county_admin
        )
    assert exc.value.message_dict == {"parent": ["村的上级必须是乡镇。"]}
    assert not Area.objects.filter(code="530827100203").exists()


def test_only_villages_have_five_links_categories(tree, county_admin):
    with pytest.raises(ValidationError, match="只有村才有五挂五联类别") as exc:
        services.area_create(
            code="530827100201009",
            name="组",
            level="group",
            parent=tree.village_a,
            categories=["weak_infrastructure"],
            by=county_admin,
        )
    assert exc.value.message_dict == {"categories": ["只有村才有五挂五联类别。"]}
    assert not Area.objects.filter(code="530827100201009").exists()


def test_area_admin_cannot_create_outside_jurisdiction(tree, admin_a):
    with pytest.raises(Http404, match=r"^该区域不存在。$"):
        services.area_create(
            code="530827101202", name="外村", level="village", parent=tree.town_b, by=admin_a
        )
    assert not Area.objects.filter(code="530827101202").exists()


def test_viewer_cannot_write(tree, viewer_a):
    with pytest.raises(PermissionDenied, match="您的角色无权执行此操作"):
        services.area_create(
            code="530827100202", name="新村", level="village", parent=tree.town_a, by=viewer_a
        )
    assert not Area.objects.filter(code="530827100202").exists()


def test_household_create_fills_ancestors(tree, admin_a):
    household = services.household_create(
        data={
            "code": "H-1",
            "group": tree.group_a1,
            "head_name": "岩罕",
            "members": 4,
            "id_number": "11010519491231002x",
            "phone": "139 0000 1234",
            "categories": ["poor", "petitioner"],
        },
        by=admin_a,
    )
    household.refresh_from_db()
    assert (household.county_id, household.township_id, household.village_id) == (
        tree.county.pk,
        tree.town_a.pk,
        tree.village_a.pk,
    )
    assert household.id_number == "11010519491231002X"
    assert household.phone == "13900001234"
    assert household.categories == ["poor", "petitioner"]
    assert Household.objects.filter(categories__has="petitioner").get() == household
    assert household.history.count() == 1


def test_household_create_rejects_bad_id_number(tree, admin_a):
    with pytest.raises(ValidationError, match="校验位不正确") as exc:
        services.household_create(
            data={
                "code": "H-2",
                "group": tree.group_a1,
                "head_name": "岩",
                "id_number": "110105194912310021",
            },
            by=admin_a,
        )
    assert exc.value.message_dict == {
        "id_number": ["该身份证号码的校验位不正确，请检查是否输入有误。"]
    }
    assert not Household.objects.filter(code="H-2").exists()


def test_moving_a_household_updates_its_ancestors_and_history(tree, county_admin):
    household = tree.households_a[0]
    services.household_update(household=household, data={"group": tree.group_b1}, by=county_admin)
    household.refresh_from_db()
    assert (household.group_id, household.village_id, household.township_id) == (
        tree.group_b1.pk,
        tree.village_b.pk,
        tree.town_b.pk,
    )
    last = household.history.order_by("-history_date").first()
    assert last.history_user == county_admin
    assert last.group_id == tree.group_b1.pk


def test_area_admin_cannot_move_a_household_out_of_jurisdiction(tree, admin_a):
    household = tree.households_a[0]
    with pytest.raises(Http404, match=r"^该区域不存在。$"):
        services.household_update(household=household, data={"group": tree.group_b1}, by=admin_a)
    household.refresh_from_db()
    assert household.group_id == tree.group_a1.pk


def test_moving_a_village_repaths_subtree_and_updates_households(tree, county_admin):
    services.area_update(area=tree.village_a, data={"parent": tree.town_b}, by=county_admin)
    tree.group_a1.refresh_from_db()
    assert tree.group_a1.path == "/530827/530827101/530827100201/530827100201001/"
    assert Household.objects.filter(village=tree.village_a, township=tree.town_b).count() == 5
    assert Household.objects.filter(township=tree.town_a).count() == 0


def test_recoding_an_area_repaths_its_subtree(tree, county_admin):
    services.area_update(area=tree.town_a, data={"code": "530827199"}, by=county_admin)
    assert Area.objects.get(pk=tree.group_a2.pk).path == (
        "/530827/530827199/530827100201/530827100201002/"
    )
    assert Area.objects.filter(path__startswith="/530827/530827100/").count() == 0


def test_area_cannot_move_under_itself(tree, county_admin):
    with pytest.raises(ValidationError, match="区域不能移到其自身之下"):
        services.area_update(area=tree.town_a, data={"parent": tree.village_a}, by=county_admin)
    tree.town_a.refresh_from_db()
    assert (tree.town_a.parent, tree.town_a.path) == (tree.county, "/530827/530827100/")


def test_zone_rules(tree, county_admin):
    zone = services.zone_create(
        name="芒街片区", level="group", areas=[tree.group_a1, tree.group_a2], by=county_admin
    )
    assert set(zone.areas.all()) == {tree.group_a1, tree.group_a2}
    with pytest.raises(ValidationError, match=re.escape("已属于其他责任区：芒街一组 (芒街片区)。")):
        services.zone_create(name="重复", level="group", areas=[tree.group_a1], by=county_admin)
    with pytest.raises(ValidationError, match="以下区域不符：勐啊一组"):
        services.zone_create(name="错级", level="village", areas=[tree.group_b1], by=county_admin)
    assert Zone.objects.count() == 1


def test_reveal_is_recorded_and_limited_by_role(tree, admin_a, viewer_a):
    household = tree.households_a[0]
    data = services.household_reveal(household=household, by=admin_a, ip="127.0.0.1")
    assert data == {"id_number": household.id_number, "phone": household.phone}
    assert PersonalDataAccess.objects.filter(user=admin_a, household=household).count() == 1
    with pytest.raises(PermissionDenied, match="您的角色无权执行此操作"):
        services.household_reveal(household=household, by=viewer_a)
    assert PersonalDataAccess.objects.count() == 1


def test_province_jurisdiction_sees_households_of_its_counties(tree):
    from districts import selectors

    from ..factories import AreaFactory

    province = AreaFactory(code="530000", level=AreaLevel.PROVINCE, name="云南省")
    services.area_update(
        area=AreaFactory(code="530800", level=AreaLevel.PREFECTURE, parent=province, name="普洱市"),
        data={},
        by=SYSTEM,
    )
    prefecture = Area.objects.get(code="530800")
    services.area_update(area=tree.county, data={"parent": prefecture}, by=SYSTEM)
    user = user_with_role("viewer", province)
    assert selectors.household_list(user=user).count() == 7
    HouseholdFactory()  # in a county outside the province: not counted
    assert selectors.household_counts_by_child(province) == {prefecture.pk: 7}


def test_a_zone_reaching_into_another_township_is_managed_from_above(tree, county_admin, admin_a):
    zone = services.zone_create(
        name="跨乡片区", level="group", areas=[tree.group_a1, tree.group_b1], by=county_admin
    )
    with pytest.raises(PermissionDenied, match="该责任区超出您的管辖范围"):
        services.zone_update(zone=zone, data={"areas": [tree.group_a2]}, by=admin_a)
    with pytest.raises(PermissionDenied, match="该责任区超出您的管辖范围"):
        services.zone_update(zone=zone, data={"name": "娜允镇的片区"}, by=admin_a)
    zone.refresh_from_db()
    assert (zone.name, set(zone.areas.all())) == ("跨乡片区", {tree.group_a1, tree.group_b1})
    services.zone_update(zone=zone, data={"areas": [tree.group_a2, tree.group_b1]}, by=county_admin)
    assert set(zone.areas.all()) == {tree.group_a2, tree.group_b1}
