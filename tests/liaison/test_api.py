"""API v1 of the liaison core: departments, cadres, pairings, transfers, leaders, coverage."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from districts.access import SYSTEM
from liaison.core.coverage import coverage_recompute
from liaison.core.models import (
    Cadre,
    CoverageJob,
    CoverageSnapshot,
    Department,
    Pairing,
    ZoneLeadership,
)

from ..factories import CadreFactory, DepartmentFactory, HouseholdFactory, ZoneFactory
from ..html import parse

pytestmark = pytest.mark.django_db

COVERAGE_KEYS = {
    "area",
    "as_of",
    "computed_at",
    "households",
    "covered_households",
    "household_coverage",
    "cadres",
    "cadres_with_households",
    "cadre_coverage",
    "zones",
    "zones_with_leader",
}


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response):
    return [row["id"] for row in results(response)]


def pair(cadre, *households, start, end=None):
    return [
        Pairing.objects.create(cadre=cadre, household=h, start_date=start, end_date=end)
        for h in households
    ]


def township_zone(tree, name="娜允镇责任区", area=None):
    zone = ZoneFactory(name=name, level="township", areas=[area or tree.town_a])
    return zone


# Departments


def test_departments_are_scoped_to_the_jurisdiction(
    tree,
    admin_a,
    county_admin,
    county_department,
    township_a_department,
    township_b_department,
    api_for,
):
    assert ids(api_for(admin_a).get("/api/v1/departments/")) == [township_a_department.pk]
    assert ids(api_for(county_admin).get("/api/v1/departments/")) == [
        county_department.pk,
        township_a_department.pk,
        township_b_department.pk,
    ]
    client = api_for(admin_a)
    assert client.get(f"/api/v1/departments/{township_b_department.pk}/").status_code == 404
    assert client.get(f"/api/v1/departments/{county_department.pk}/").status_code == 404
    row = client.get(f"/api/v1/departments/{township_a_department.pk}/").json()
    assert row == {
        "id": township_a_department.pk,
        "name": "娜允镇党政办",
        "level": "township",
        "kind": "party_gov",
        "area": tree.town_a.pk,
    }


def test_department_filters(
    tree, county_admin, county_department, township_a_department, township_b_department, api_for
):
    client = api_for(county_admin)
    assert ids(client.get("/api/v1/departments/?level=county")) == [county_department.pk]
    assert ids(client.get("/api/v1/departments/?kind=party_gov")) == [
        township_a_department.pk,
        township_b_department.pk,
    ]
    assert ids(client.get(f"/api/v1/departments/?area={tree.town_b.pk}")) == [
        township_b_department.pk
    ]


def test_area_admin_creates_and_renames_a_department(tree, admin_a, township_a_department, api_for):
    client = api_for(admin_a)
    payload = {
        "name": "娜允镇财政所",
        "level": "township",
        "kind": "economic",
        "area": tree.town_a.pk,
    }
    created = client.post("/api/v1/departments/", payload, format="json")
    assert created.status_code == 201, created.content
    department = Department.objects.get(name="娜允镇财政所")
    assert created.json() == {"id": department.pk, **payload}
    assert (department.level, department.kind, department.area) == (
        "township",
        "economic",
        tree.town_a,
    )
    patched = client.patch(
        f"/api/v1/departments/{township_a_department.pk}/", {"kind": "other"}, format="json"
    )
    assert patched.status_code == 200, patched.content
    township_a_department.refresh_from_db()
    assert township_a_department.kind == "other"


def test_department_validation_errors(tree, admin_a, township_b_department, api_for):
    client = api_for(admin_a)
    cases = [
        ({"name": "外", "level": "township", "kind": "economic", "area": tree.town_b.pk}, "area"),
        ({"name": "错级", "level": "county", "kind": "economic", "area": tree.town_a.pk}, "area"),
        ({"name": "错类", "level": "township", "kind": "finance", "area": tree.town_a.pk}, "kind"),
    ]
    for payload, key in cases:
        response = client.post("/api/v1/departments/", payload, format="json")
        assert response.status_code == 400, payload
        assert set(response.json()) == {key}, response.json()
    assert (
        client.patch(
            f"/api/v1/departments/{township_b_department.pk}/", {"name": "改"}, format="json"
        ).status_code
        == 404
    )
    assert list(Department.objects.values_list("name", flat=True)) == ["勐马镇党政办"]


def test_viewer_cannot_write_departments(tree, viewer_a, township_a_department, api_for):
    client = api_for(viewer_a)
    assert ids(client.get("/api/v1/departments/")) == [township_a_department.pk]
    payload = {"name": "新部门", "level": "township", "kind": "other", "area": tree.town_a.pk}
    assert client.post("/api/v1/departments/", payload, format="json").status_code == 403
    assert (
        client.patch(
            f"/api/v1/departments/{township_a_department.pk}/", {"name": "改"}, format="json"
        ).status_code
        == 403
    )
    assert list(Department.objects.values_list("name", flat=True)) == ["娜允镇党政办"]


# Cadres


def test_cadre_list_is_scoped_and_counts_current_households(
    tree, admin_a, cadre_a, cadre_a2, cadre_b, day, api_for
):
    a = tree.households_a
    pair(cadre_a, a[0], a[1], start=day)
    pair(cadre_a, a[2], start=day - datetime.timedelta(days=30), end=day)  # ended: not counted
    pair(cadre_b, tree.households_b[0], start=day)
    rows = results(api_for(admin_a).get("/api/v1/cadres/"))
    assert [(r["id"], r["households"]) for r in rows] == [(cadre_a.pk, 2), (cadre_a2.pk, 0)]
    assert rows[0] == {
        "id": cadre_a.pk,
        "name": "岩温",
        "gender": "male",
        "department": cadre_a.department_id,
        "rank": "ordinary",
        "phone": cadre_a.phone,
        "staff_code": "",
        "area": tree.town_a.pk,
        "active": True,
        "left_date": None,
        "households": 2,
        "households_partial": False,
    }
    detail = api_for(admin_a).get(f"/api/v1/cadres/{cadre_a.pk}/")
    assert detail.json()["households"] == 2


def test_cadres_of_another_township_are_404(tree, admin_a, cadre_b, api_for):
    client = api_for(admin_a)
    assert client.get(f"/api/v1/cadres/{cadre_b.pk}/").status_code == 404
    assert (
        client.patch(f"/api/v1/cadres/{cadre_b.pk}/", {"name": "改"}, format="json").status_code
        == 404
    )
    cadre_b.refresh_from_db()
    assert cadre_b.name == "扎约"


def test_cadre_filters(tree, county_admin, cadre_a, cadre_a2, cadre_b, day, api_for):
    other = DepartmentFactory(name="娜允镇农科站", level="township", kind="agri_science",
                              area=tree.town_a)  # fmt: skip
    section = CadreFactory(name="岩罕", department=other, rank="section")
    gone = CadreFactory(name="玉罕", department=other)
    Cadre.objects.filter(pk=gone.pk).update(left_date=day)
    pair(cadre_a, tree.households_a[0], start=day)
    pair(cadre_b, tree.households_b[0], start=day)
    client = api_for(county_admin)

    def listed(query):
        return ids(client.get(f"/api/v1/cadres/?{query}"))

    assert listed(f"department={other.pk}") == [section.pk, gone.pk]
    assert listed("rank=section") == [section.pk]
    assert listed("active=false") == [gone.pk]
    assert listed("active=true") == [cadre_a.pk, cadre_a2.pk, cadre_b.pk, section.pk]
    assert listed("has_households=true") == [cadre_a.pk, cadre_b.pk]
    assert listed("has_households=false") == [cadre_a2.pk, section.pk, gone.pk]
    assert listed("search=岩") == [cadre_a.pk, section.pk]
    bad = client.get("/api/v1/cadres/?rank=boss")
    assert bad.status_code == 400
    assert set(bad.json()) == {"rank"}


def test_create_cadre(tree, admin_a, township_a_department, api_for):
    payload = {
        "name": "岩叫",
        "gender": "male",
        "department": township_a_department.pk,
        "rank": "section",
        "phone": "13900001234",
    }
    response = api_for(admin_a).post("/api/v1/cadres/", payload, format="json")
    assert response.status_code == 201, response.content
    cadre = Cadre.objects.get(name="岩叫")
    assert response.json() == {
        "id": cadre.pk,
        **payload,
        "staff_code": "",  # optional: clients that never send it keep working
        "area": tree.town_a.pk,
        "active": True,
        "left_date": None,
        "households": 0,
        "households_partial": False,
    }
    assert (cadre.area, cadre.rank, cadre.department) == (
        tree.town_a,
        "section",
        township_a_department,
    )


def test_create_cadre_errors_are_keyed_by_field(
    tree, admin_a, viewer_a, township_a_department, township_b_department, api_for
):
    client = api_for(admin_a)
    bad = client.post(
        "/api/v1/cadres/",
        {
            "name": "岩",
            "gender": "male",
            "department": township_a_department.pk,
            "rank": "boss",
            "phone": "123",
        },
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"rank", "phone"}
    outside = client.post(
        "/api/v1/cadres/",
        {"name": "扎", "gender": "male", "department": township_b_department.pk,
         "rank": "ordinary"},
        format="json",
    )  # fmt: skip
    assert outside.status_code == 400
    assert set(outside.json()) == {"department"}
    forbidden = api_for(viewer_a).post(
        "/api/v1/cadres/",
        {"name": "玉", "gender": "female", "department": township_a_department.pk,
         "rank": "ordinary"},
        format="json",
    )  # fmt: skip
    assert forbidden.status_code == 403
    assert not Cadre.objects.exists()


def test_cadre_update_keeps_the_cadre_within_the_department_area(
    tree, county_admin, cadre_a, api_for
):
    response = api_for(county_admin).patch(
        f"/api/v1/cadres/{cadre_a.pk}/", {"area": tree.town_b.pk}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"area"}
    cadre_a.refresh_from_db()
    assert cadre_a.area == tree.town_a


def test_update_cadre(tree, admin_a, cadre_a, day, api_for):
    pair(cadre_a, tree.households_a[0], start=day)
    response = api_for(admin_a).patch(
        f"/api/v1/cadres/{cadre_a.pk}/",
        {"rank": "section", "area": tree.village_a.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["rank"], body["area"], body["households"]) == ("section", tree.village_a.pk, 1)
    cadre_a.refresh_from_db()
    assert (cadre_a.rank, cadre_a.area) == ("section", tree.village_a)


# Pairings


def test_create_pairing_and_refuse_a_second_active_one(
    tree, admin_a, cadre_a, cadre_a2, day, api_for
):
    client = api_for(admin_a)
    household = tree.households_a[0]
    created = client.post(
        "/api/v1/pairings/",
        {"cadre": cadre_a.pk, "household": household.pk, "start_date": "2026-03-01"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pairing = Pairing.objects.get()
    assert created.json() == {
        "id": pairing.pk,
        "cadre": cadre_a.pk,
        "household": household.pk,
        "start_date": "2026-03-01",
        "end_date": None,
        "end_reason": "",
        "active": True,
    }
    assert pairing.created_by == admin_a
    second = client.post(
        "/api/v1/pairings/", {"cadre": cadre_a2.pk, "household": household.pk}, format="json"
    )
    assert second.status_code == 400
    assert set(second.json()) == {"households"}
    assert Pairing.objects.count() == 1


def test_pairing_errors(tree, admin_a, viewer_a, cadre_a, cadre_b, api_for):
    client = api_for(admin_a)
    outside = client.post(
        "/api/v1/pairings/",
        {"cadre": cadre_b.pk, "household": tree.households_b[0].pk},
        format="json",
    )
    assert outside.status_code == 400
    assert set(outside.json()) == {"cadre", "household"}
    future = client.post(
        "/api/v1/pairings/",
        {"cadre": cadre_a.pk, "household": tree.households_a[0].pk, "start_date": "2999-01-01"},
        format="json",
    )
    assert future.status_code == 400
    assert set(future.json()) == {"start_date"}
    forbidden = api_for(viewer_a).post(
        "/api/v1/pairings/",
        {"cadre": cadre_a.pk, "household": tree.households_a[0].pk},
        format="json",
    )
    assert forbidden.status_code == 403
    assert not Pairing.objects.exists()


def test_pairing_list_is_scoped_and_filtered(
    tree, admin_a, cadre_a, cadre_a2, cadre_b, day, api_for
):
    a = tree.households_a
    (p1,) = pair(cadre_a, a[0], start=day)
    (p2,) = pair(cadre_a2, a[1], start=day - datetime.timedelta(days=10), end=day)
    (p3,) = pair(cadre_a2, a[2], start=day)
    pair(cadre_b, tree.households_b[0], start=day)
    client = api_for(admin_a)
    assert ids(client.get("/api/v1/pairings/")) == [p1.pk, p2.pk, p3.pk]
    assert ids(client.get(f"/api/v1/pairings/?cadre={cadre_a2.pk}")) == [p2.pk, p3.pk]
    assert ids(client.get(f"/api/v1/pairings/?household={a[1].pk}")) == [p2.pk]
    assert ids(client.get("/api/v1/pairings/?active=true")) == [p1.pk, p3.pk]
    assert ids(client.get("/api/v1/pairings/?active=false")) == [p2.pk]
    assert ids(client.get(f"/api/v1/pairings/?cadre={cadre_b.pk}")) == []


def test_end_pairing_keeps_it_and_cannot_end_twice(tree, admin_a, cadre_a, day, api_for):
    (pairing,) = pair(cadre_a, tree.households_a[0], start=day)
    client = api_for(admin_a)
    url = f"/api/v1/pairings/{pairing.pk}/end/"
    ended = client.post(url, {"end_date": "2026-04-01", "reason": "调离"}, format="json")
    assert ended.status_code == 200, ended.content
    assert ended.json() == {
        "id": pairing.pk,
        "cadre": cadre_a.pk,
        "household": tree.households_a[0].pk,
        "start_date": "2026-03-01",
        "end_date": "2026-04-01",
        "end_reason": "调离",
        "active": False,
    }
    pairing.refresh_from_db()
    assert (pairing.end_date, pairing.end_reason) == (datetime.date(2026, 4, 1), "调离")
    again = client.post(url, {"end_date": "2026-05-01"}, format="json")
    assert again.status_code == 400
    assert set(again.json()) == {"end_date"}
    pairing.refresh_from_db()
    assert pairing.end_date == datetime.date(2026, 4, 1)
    assert Pairing.objects.count() == 1


def test_end_pairing_errors(tree, admin_a, viewer_a, cadre_a, cadre_b, day, api_for):
    (pairing,) = pair(cadre_a, tree.households_a[0], start=day)
    (other,) = pair(cadre_b, tree.households_b[0], start=day)
    url = f"/api/v1/pairings/{pairing.pk}/end/"
    assert api_for(viewer_a).post(url, {}, format="json").status_code == 403
    early = api_for(admin_a).post(url, {"end_date": "2026-02-01"}, format="json")
    assert early.status_code == 400
    assert set(early.json()) == {"end_date"}
    assert (
        api_for(admin_a).post(f"/api/v1/pairings/{other.pk}/end/", {}, format="json").status_code
        == 404
    )
    assert Pairing.objects.filter(end_date__isnull=False).count() == 0


# Bulk assignment


def test_bulk_assign_creates_every_pairing(tree, admin_a, cadre_a, api_for):
    households = tree.households_a
    response = api_for(admin_a).post(
        "/api/v1/pairings/bulk-assign/",
        {"cadre": cadre_a.pk, "households": [h.pk for h in households], "start_date": "2026-03-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(r["household"] for r in body) == sorted(h.pk for h in households)
    assert {(r["cadre"], r["start_date"], r["active"]) for r in body} == {
        (cadre_a.pk, "2026-03-01", True)
    }
    assert Pairing.objects.filter(cadre=cadre_a, end_date__isnull=True).count() == 5


def test_bulk_assign_is_all_or_nothing(tree, admin_a, cadre_a, cadre_a2, day, api_for):
    (taken,) = pair(cadre_a2, tree.households_a[2], start=day)
    response = api_for(admin_a).post(
        "/api/v1/pairings/bulk-assign/",
        {"cadre": cadre_a.pk, "households": [h.pk for h in tree.households_a]},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"households"}
    assert len(response.json()["households"]) == 1
    assert list(Pairing.objects.all()) == [taken]


def test_bulk_assign_with_replace_moves_the_household(
    tree, admin_a, cadre_a, cadre_a2, day, api_for
):
    (old,) = pair(cadre_a2, tree.households_a[0], start=day)
    response = api_for(admin_a).post(
        "/api/v1/pairings/bulk-assign/",
        {
            "cadre": cadre_a.pk,
            "households": [tree.households_a[0].pk, tree.households_a[1].pk],
            "start_date": "2026-03-10",
            "replace": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    old.refresh_from_db()
    assert old.end_date == datetime.date(2026, 3, 10)
    assert set(Pairing.objects.filter(end_date__isnull=True).values_list("cadre", "household")) == {
        (cadre_a.pk, tree.households_a[0].pk),
        (cadre_a.pk, tree.households_a[1].pk),
    }


def test_bulk_assign_outside_the_jurisdiction(tree, admin_a, viewer_a, cadre_a, cadre_b, api_for):
    client = api_for(admin_a)
    url = "/api/v1/pairings/bulk-assign/"
    foreign_household = client.post(
        url,
        {"cadre": cadre_a.pk, "households": [tree.households_a[0].pk, tree.households_b[0].pk]},
        format="json",
    )
    assert foreign_household.status_code == 400
    assert set(foreign_household.json()) == {"households"}
    foreign_cadre = client.post(
        url, {"cadre": cadre_b.pk, "households": [tree.households_a[0].pk]}, format="json"
    )
    assert foreign_cadre.status_code == 400
    assert set(foreign_cadre.json()) == {"cadre"}
    empty = client.post(url, {"cadre": cadre_a.pk, "households": []}, format="json")
    assert empty.status_code == 400
    assert set(empty.json()) == {"households"}
    forbidden = api_for(viewer_a).post(
        url, {"cadre": cadre_a.pk, "households": [tree.households_a[0].pk]}, format="json"
    )
    assert forbidden.status_code == 403
    assert not Pairing.objects.exists()


# Transfers


def test_transfer_to_one_cadre_and_leave(tree, admin_a, cadre_a, cadre_a2, day, api_for):
    a = tree.households_a
    old = pair(cadre_a, a[0], a[1], a[2], start=day)
    client = api_for(admin_a)
    response = client.post(
        f"/api/v1/cadres/{cadre_a.pk}/transfer/",
        {"to": cadre_a2.pk, "date": "2026-04-01", "leave": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert sorted(r["household"] for r in body) == sorted(h.pk for h in a[:3])
    assert {(r["cadre"], r["start_date"]) for r in body} == {(cadre_a2.pk, "2026-04-01")}
    for p in old:
        p.refresh_from_db()
        assert p.end_date == datetime.date(2026, 4, 1)
    gone = client.get(f"/api/v1/cadres/{cadre_a.pk}/").json()
    assert (gone["active"], gone["left_date"], gone["households"]) == (False, "2026-04-01", 0)
    assert client.get(f"/api/v1/cadres/{cadre_a2.pk}/").json()["households"] == 3


def test_transfer_with_assignments(tree, admin_a, cadre_a, cadre_a2, day, api_for):
    a = tree.households_a
    third = CadreFactory(name="岩保", department=cadre_a.department)
    pair(cadre_a, a[0], a[1], start=day)
    response = api_for(admin_a).post(
        f"/api/v1/cadres/{cadre_a.pk}/transfer/",
        {
            "assignments": [
                {"household": a[0].pk, "cadre": cadre_a2.pk},
                {"household": a[1].pk, "cadre": third.pk},
            ],
            "date": "2026-04-01",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert set(Pairing.objects.filter(end_date__isnull=True).values_list("household", "cadre")) == {
        (a[0].pk, cadre_a2.pk),
        (a[1].pk, third.pk),
    }
    cadre_a.refresh_from_db()
    assert cadre_a.left_date is None


def test_transfer_errors_change_nothing(
    tree, admin_a, viewer_a, cadre_a, cadre_a2, cadre_b, day, api_for
):
    a = tree.households_a
    pair(cadre_a, a[0], a[1], start=day)
    client = api_for(admin_a)
    url = f"/api/v1/cadres/{cadre_a.pk}/transfer/"
    both = client.post(
        url,
        {"to": cadre_a2.pk, "assignments": [{"household": a[0].pk, "cadre": cadre_a2.pk}]},
        format="json",
    )
    assert both.status_code == 400
    neither = client.post(url, {"leave": True}, format="json")
    assert neither.status_code == 400
    incomplete = client.post(
        url, {"assignments": [{"household": a[0].pk, "cadre": cadre_a2.pk}]}, format="json"
    )
    assert incomplete.status_code == 400
    assert set(incomplete.json()) == {"assignments"}
    foreign = client.post(url, {"to": cadre_b.pk}, format="json")
    assert foreign.status_code == 400
    assert set(foreign.json()) == {"to"}
    assert client.post(url, {"to": cadre_a.pk}, format="json").status_code == 400
    assert api_for(viewer_a).post(url, {"to": cadre_a2.pk}, format="json").status_code == 403
    assert (
        client.post(
            f"/api/v1/cadres/{cadre_b.pk}/transfer/", {"to": cadre_a2.pk}, format="json"
        ).status_code
        == 404
    )
    assert set(Pairing.objects.values_list("cadre", "end_date")) == {(cadre_a.pk, None)}
    assert Pairing.objects.count() == 2
    cadre_a.refresh_from_db()
    assert cadre_a.left_date is None


# Zone leaders


def test_township_zone_needs_a_county_leader(
    tree, county_admin, county_department, cadre_a, api_for
):
    zone = township_zone(tree)
    leader = CadreFactory(name="县领导", department=county_department, rank="county_leader")
    client = api_for(county_admin)
    url = f"/api/v1/zones/{zone.pk}/leader/"
    wrong = client.post(url, {"cadre": cadre_a.pk}, format="json")
    assert wrong.status_code == 400
    assert set(wrong.json()) == {"cadre"}
    assert not ZoneLeadership.objects.exists()
    ok = client.post(url, {"cadre": leader.pk, "start_date": "2026-03-01"}, format="json")
    assert ok.status_code == 200, ok.content
    assert ok.json() == {"zone": zone.pk, "cadre": leader.pk, "start_date": "2026-03-01"}
    leadership = ZoneLeadership.objects.get()
    assert (leadership.zone, leadership.cadre, leadership.end_date) == (zone, leader, None)


def test_zone_leader_permissions_and_scope(tree, admin_a, viewer_a, township_a_department, api_for):
    zone_a = township_zone(tree)
    zone_b = township_zone(tree, name="勐马镇责任区", area=tree.town_b)
    leader = CadreFactory(department=township_a_department, rank="county_leader")
    forbidden = api_for(viewer_a).post(
        f"/api/v1/zones/{zone_a.pk}/leader/", {"cadre": leader.pk}, format="json"
    )
    assert forbidden.status_code == 403
    outside = api_for(admin_a).post(
        f"/api/v1/zones/{zone_b.pk}/leader/", {"cadre": leader.pk}, format="json"
    )
    assert outside.status_code == 404
    assert not ZoneLeadership.objects.exists()


# Coverage


@pytest.fixture
def covered(tree, cadre_a, cadre_a2, cadre_b, day):
    """A: cadre_a has 3 of 5 households, cadre_a2 none; B: cadre_b has 1 of 2.

    One township zone over A, without a leader. Snapshots as of `day`.
    """
    pair(cadre_a, *tree.households_a[:3], start=day)
    pair(cadre_b, tree.households_b[0], start=day)
    township_zone(tree)
    coverage_recompute(as_of=day, by=SYSTEM)


def area_ref(area):
    return {"id": area.pk, "code": area.code, "name": area.name, "level": area.level}


def test_coverage_of_an_area_and_its_children(tree, county_admin, covered, api_for):
    response = api_for(county_admin).get(
        f"/api/v1/stats/coverage/?area={tree.county.pk}&as_of=2026-03-01"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == COVERAGE_KEYS | {"children", "live", "pending"}
    assert (body["live"], body["pending"]) == (False, False)  # a county: its snapshot
    figures = {
        k: v for k, v in body.items() if k not in ("computed_at", "children", "live", "pending")
    }
    assert figures == {
        "area": area_ref(tree.county),
        "as_of": "2026-03-01",
        "households": 7,
        "covered_households": 4,
        "household_coverage": 0.5714,
        "cadres": 3,
        "cadres_with_households": 2,
        "cadre_coverage": 0.6667,
        "zones": 1,
        "zones_with_leader": 0,
    }
    assert [set(c) for c in body["children"]] == [COVERAGE_KEYS, COVERAGE_KEYS]
    children = [
        (c["area"], c["households"], c["covered_households"], c["household_coverage"],
         c["cadres"], c["cadres_with_households"], c["cadre_coverage"], c["zones"])
        for c in body["children"]
    ]  # fmt: skip
    assert children == [
        (area_ref(tree.town_a), 5, 3, 0.6, 2, 1, 0.5, 1),
        (area_ref(tree.town_b), 2, 1, 0.5, 1, 1, 1.0, 0),
    ]


def test_coverage_defaults_to_the_top_jurisdiction_area(tree, admin_a, covered, api_for):
    body = api_for(admin_a).get("/api/v1/stats/coverage/").json()
    assert body["area"] == area_ref(tree.town_a)
    # A township is counted now (settings.COVERAGE_COUNTED_LIVE), with the snapshot's rules.
    assert body["live"] is True
    today = timezone.localdate().isoformat()
    assert (body["as_of"], body["households"], body["covered_households"]) == (today, 5, 3)
    assert [(c["area"]["id"], c["households"], c["cadre_coverage"]) for c in body["children"]] == [
        (tree.village_a.pk, 5, None)
    ]


def test_coverage_csv(tree, county_admin, covered, api_for):
    response = api_for(county_admin).get(
        f"/api/v1/stats/coverage/?area={tree.county.pk}&format=csv"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "area_id",
        "code",
        "name",
        "level",
        "as_of",
        "computed_at",
        "households",
        "covered_households",
        "household_coverage",
        "cadres",
        "cadres_with_households",
        "cadre_coverage",
        "zones",
        "zones_with_leader",
    ]
    assert [(r[1], r[6], r[7]) for r in rows[1:]] == [
        ("530827", "7", "4"),
        ("530827100", "5", "3"),
        ("530827101", "2", "1"),
    ]


def test_coverage_errors(tree, admin_a, county_admin, day, api_for, settings):
    settings.COVERAGE_COUNTED_LIVE = []  # every area from its snapshots
    client = api_for(admin_a)
    assert client.get("/api/v1/stats/coverage/").status_code == 404  # nothing computed yet
    coverage_recompute(as_of=day, by=SYSTEM)
    assert client.get("/api/v1/stats/coverage/").status_code == 200
    assert client.get(f"/api/v1/stats/coverage/?area={tree.town_b.pk}").status_code == 404
    assert client.get(f"/api/v1/stats/coverage/?area={tree.town_b.pk}").status_code == 404
    assert client.get("/api/v1/stats/coverage/?as_of=2026-02-28").status_code == 404
    bad_date = client.get("/api/v1/stats/coverage/?as_of=1.3.2026")
    assert bad_date.status_code == 400
    assert set(bad_date.json()) == {"as_of"}
    bad_area = client.get("/api/v1/stats/coverage/?area=town")
    assert bad_area.status_code == 400
    assert set(bad_area.json()) == {"area"}


def test_recompute_runs_a_job_with_a_status_url(
    tree, county_admin, admin_a, api_for, django_capture_on_commit_callbacks
):
    client = api_for(county_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/stats/coverage/recompute/", {"as_of": "2026-03-01"}, format="json"
        )
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == {"job", "status_url"}
    job = CoverageJob.objects.get()
    assert (body["job"]["id"], body["job"]["as_of"], body["job"]["status"]) == (
        job.pk,
        "2026-03-01",
        "pending",
    )
    assert body["status_url"].endswith(f"/api/v1/stats/coverage/jobs/{job.pk}/")
    status = client.get(body["status_url"])
    assert status.status_code == 200
    assert (status.json()["status"], status.json()["rows_written"]) == ("succeeded", 8)
    assert CoverageSnapshot.objects.filter(as_of=datetime.date(2026, 3, 1)).count() == 8
    assert api_for(admin_a).get(body["status_url"]).status_code == 404


def test_area_admin_cannot_recompute(tree, admin_a, api_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(admin_a).post("/api/v1/stats/coverage/recompute/", {}, format="json")
    assert response.status_code == 403
    assert not CoverageJob.objects.exists()
    assert not CoverageSnapshot.objects.exists()


# Gap lists


def test_gap_households(tree, admin_a, county_admin, cadre_a, cadre_b, day, api_for):
    a = tree.households_a
    pair(cadre_a, a[0], a[1], start=day)
    pair(cadre_a, a[3], start=day - datetime.timedelta(days=10), end=day)  # ended: a gap again
    a[4].status, a[4].status_date = "moved_out", day
    a[4].save()
    client = api_for(admin_a)
    assert ids(client.get("/api/v1/gaps/households/")) == [a[2].pk, a[3].pk]
    assert ids(client.get(f"/api/v1/gaps/households/?within={tree.group_a2.pk}")) == [a[3].pk]
    assert ids(client.get(f"/api/v1/gaps/households/?within={tree.town_b.pk}")) == []
    everyone = ids(api_for(county_admin).get("/api/v1/gaps/households/"))
    assert everyone == [a[2].pk, a[3].pk, *(h.pk for h in tree.households_b)]


def test_gap_households_with_a_bad_within_is_400(tree, admin_a, api_for):
    response = api_for(admin_a).get("/api/v1/gaps/households/?within=abc")
    assert response.status_code == 400


def test_gap_cadres(tree, admin_a, county_admin, cadre_a, cadre_a2, cadre_b, day, api_for):
    pair(cadre_a, tree.households_a[0], start=day)
    gone = CadreFactory(department=cadre_a.department)
    Cadre.objects.filter(pk=gone.pk).update(left_date=day)
    rows = results(api_for(admin_a).get("/api/v1/gaps/cadres/"))
    assert [(r["id"], r["households"], r["active"]) for r in rows] == [(cadre_a2.pk, 0, True)]
    assert ids(api_for(county_admin).get("/api/v1/gaps/cadres/")) == [cadre_a2.pk, cadre_b.pk]


def test_gap_zones(tree, admin_a, county_admin, county_department, day, api_for):
    zone_a = township_zone(tree)
    zone_b = township_zone(tree, name="勐马镇责任区", area=tree.town_b)
    led = ZoneFactory(name="芒街一组片", areas=[tree.group_a1])
    leader = CadreFactory(department=county_department)
    ZoneLeadership.objects.create(zone=led, cadre=leader, start_date=day)
    ended = ZoneFactory(name="芒街二组片", areas=[tree.group_a2])
    ZoneLeadership.objects.create(
        zone=ended, cadre=leader, start_date=day - datetime.timedelta(days=10), end_date=day
    )
    rows = results(api_for(admin_a).get("/api/v1/gaps/zones/"))
    assert [(r["id"], r["level"], r["areas"]) for r in rows] == [
        (zone_a.pk, "township", [tree.town_a.pk]),
        (ended.pk, "group", [tree.group_a2.pk]),
    ]
    assert ids(api_for(county_admin).get("/api/v1/gaps/zones/")) == [
        zone_a.pk,
        zone_b.pk,
        ended.pk,
    ]


# Query counts


@pytest.mark.parametrize("page_size", [5, 30])
def test_cadre_list_query_count_is_constant(
    tree, county_admin, township_a_department, api_for, django_assert_max_num_queries, page_size
):
    cadres = CadreFactory.create_batch(30, department=township_a_department)
    households = HouseholdFactory.create_batch(30, group=tree.group_a1)
    for cadre, household in zip(cadres, households, strict=True):
        pair(cadre, household, start=datetime.date(2026, 3, 1))
    client = api_for(county_admin)
    # token + user, jurisdiction, its areas, the page
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/cadres/?page_size={page_size}")
    rows = results(response)
    assert len(rows) == page_size
    assert {r["households"] for r in rows} == {1}


@pytest.mark.parametrize("page_size", [5, 30])
def test_pairing_list_query_count_is_constant(
    tree, county_admin, cadre_a, api_for, django_assert_max_num_queries, page_size
):
    households = HouseholdFactory.create_batch(30, group=tree.group_a1)
    pair(cadre_a, *households, start=datetime.date(2026, 3, 1))
    client = api_for(county_admin)
    # token + user, jurisdiction, its areas, the page
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/pairings/?page_size={page_size}")
    assert len(results(response)) == page_size


def test_area_admin_ends_a_county_cadres_pairing_of_their_household(
    tree, admin_a, county_department, api_for
):
    county_cadre = CadreFactory(department=county_department)
    pairing = Pairing.objects.create(
        cadre=county_cadre, household=tree.households_a[0], start_date=datetime.date(2026, 1, 1)
    )
    response = api_for(admin_a).post(
        f"/api/v1/pairings/{pairing.pk}/end/", {"end_date": "2026-02-01"}, format="json"
    )
    assert response.status_code == 200, response.content
    pairing.refresh_from_db()
    assert pairing.end_date == datetime.date(2026, 2, 1)


def test_bulk_assign_reports_unknown_households(tree, admin_a, cadre_a, api_for):
    response = api_for(admin_a).post(
        "/api/v1/pairings/bulk-assign/",
        {"cadre": cadre_a.pk, "households": [tree.households_a[0].pk, 999999]},
        format="json",
    )
    assert response.status_code == 400
    assert "households" in response.json()
    assert not Pairing.objects.exists()


def test_coverage_as_of_a_day_without_snapshot_uses_the_latest_before(tree, county_admin, api_for):
    coverage_recompute(as_of=datetime.date(2026, 3, 1), by=SYSTEM)
    body = api_for(county_admin).get("/api/v1/stats/coverage/?as_of=2026-03-15").json()
    assert body["as_of"] == "2026-03-01"
    missing = api_for(county_admin).get("/api/v1/stats/coverage/?as_of=2026-02-15")
    assert missing.status_code == 404


def test_a_staff_code_is_set_and_changed_through_the_api_and_stays_unique(
    tree, admin_a, township_a_department, cadre_a, api_for, login
):
    client = api_for(admin_a)
    created = client.post(
        "/api/v1/cadres/",
        {"name": "岩庄", "gender": "male", "department": township_a_department.pk,
         "rank": "ordinary", "staff_code": " MLX-0042 "},
        format="json",
    )  # fmt: skip
    assert created.status_code == 201, created.content
    assert created.json()["staff_code"] == "MLX-0042"
    taken = client.patch(f"/api/v1/cadres/{cadre_a.pk}/", {"staff_code": "MLX-0042"})
    assert taken.status_code == 400
    assert set(taken.json()) == {"staff_code"}
    cadre_a.refresh_from_db()
    assert cadre_a.staff_code == ""
    changed = client.patch(f"/api/v1/cadres/{cadre_a.pk}/", {"staff_code": "MLX-0007"})
    assert changed.status_code == 200 and changed.json()["staff_code"] == "MLX-0007"
    # Without the field, a client written before it keeps working and sees "".
    plain = client.post(
        "/api/v1/cadres/",
        {"name": "岩坎", "gender": "male", "department": township_a_department.pk,
         "rank": "ordinary"},
        format="json",
    )  # fmt: skip
    assert plain.status_code == 201 and plain.json()["staff_code"] == ""
    page = parse(login(admin_a).get(reverse("cadre-detail", args=[cadre_a.pk])))
    assert page.find(id="staff-code").text == "MLX-0007"
