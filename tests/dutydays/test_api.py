import datetime

import pytest
from django.utils import timezone

from districts.access import SYSTEM
from dutydays.compliance import compliance_recompute
from dutydays.models import DutyDay

from ..factories import CadreFactory, DutyDayFactory
from ..html import parse

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def test_a_cadre_posts_a_day_for_themselves(tree, cadre_a, cadre_user_a, api_for):
    response = api_for(cadre_user_a).post(
        "/api/v1/duty-days/",
        {
            "date": TODAY.isoformat(),
            "area": tree.group_a1.pk,
            "activities": ["visited_households", "farm_work"],
            "households": [tree.households_a[0].pk, tree.households_a[1].pk],
            "diary": "走访",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cadre"] == cadre_a.pk
    assert body["households"] == sorted([tree.households_a[0].pk, tree.households_a[1].pk])
    assert body["activities"] == ["visited_households", "farm_work"]


def test_bad_input_is_400_keyed_by_field(tree, cadre_a, cadre_user_a, api_for):
    client = api_for(cadre_user_a)
    future = client.post(
        "/api/v1/duty-days/",
        {"date": (TODAY + datetime.timedelta(days=2)).isoformat(), "area": tree.group_a1.pk},
        format="json",
    )
    assert future.status_code == 400 and "date" in future.json()
    wrong = client.post(
        "/api/v1/duty-days/",
        {
            "date": TODAY.isoformat(),
            "area": tree.group_a1.pk,
            "households": [tree.households_a[4].pk],
        },
        format="json",
    )
    assert wrong.status_code == 400 and "households" in wrong.json()
    outside = client.post(
        "/api/v1/duty-days/",
        {"date": TODAY.isoformat(), "area": tree.group_b1.pk},
        format="json",
    )
    assert outside.status_code == 400 and "area" in outside.json()
    assert not DutyDay.objects.exists()


def test_list_is_scoped_and_filtered(tree, cadre_a, cadre_b, admin_a, api_for):
    DutyDay.objects.create(cadre=cadre_a, date=TODAY, area=tree.group_a1)
    DutyDay.objects.create(cadre=cadre_b, date=TODAY, area=tree.group_b1)
    client = api_for(admin_a)
    rows = client.get("/api/v1/duty-days/").json()["results"]
    assert [r["cadre"] for r in rows] == [cadre_a.pk]
    assert client.get(f"/api/v1/duty-days/?within={tree.group_a2.pk}").json()["results"] == []
    after = (TODAY + datetime.timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/duty-days/?date_after={after}").json()["results"] == []


def test_someone_else_cannot_log_for_a_cadre(tree, cadre_a, viewer_a, api_for):
    response = api_for(viewer_a).post(
        "/api/v1/duty-days/",
        {"cadre": cadre_a.pk, "date": TODAY.isoformat(), "area": tree.group_a1.pk},
        format="json",
    )
    assert response.status_code == 403
    assert not DutyDay.objects.exists()


def test_compliance_endpoint_and_csv(
    tree, township_a_department, township_b_department, admin_a, county_admin, api_for
):
    march = datetime.date(2026, 3, 1)
    leader_a = CadreFactory(department=township_a_department, rank="county_leader", name="甲")
    CadreFactory(department=township_b_department, rank="county_leader", name="乙")
    for d in range(1, 4):
        DutyDay.objects.create(
            cadre=leader_a, date=march.replace(day=d), area=tree.group_a1, in_zone=True
        )
    compliance_recompute(month=march, by=SYSTEM)
    body = api_for(admin_a).get("/api/v1/stats/duty-compliance/?month=2026-03").json()
    assert body["month"] == "2026-03"
    row = next(r for r in body["rows"] if r["cadre"] == leader_a.pk)
    assert {k: row[k] for k in ("name", "rank", "days_counted", "days_required", "met")} == {
        "name": "甲",
        "rank": "county_leader",
        "days_counted": 3,
        "days_required": 5,
        "met": False,
    }
    assert "乙" not in [r["name"] for r in body["rows"]]
    assert body["totals"]["with_quota"] == 1
    assert [(d["name"], d["with_quota"], d["met"]) for d in body["by_department"]] == [
        (township_a_department.name, 1, 0)
    ]
    assert [(d["name"], d["with_quota"]) for d in body["by_area"]] == [(tree.town_a.name, 1)]
    everyone = api_for(county_admin).get("/api/v1/stats/duty-compliance/?month=2026-03").json()
    assert {"甲", "乙"} <= {r["name"] for r in everyone["rows"]}
    csv = api_for(admin_a).get("/api/v1/stats/duty-compliance/?month=2026-03&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    assert csv.content.decode("utf-8-sig").splitlines()[0].startswith("cadre,name,rank")
    assert api_for(admin_a).get("/api/v1/stats/duty-compliance/?month=2026-13").status_code == 400
    assert api_for(admin_a).get("/api/v1/stats/duty-compliance/?month=2026-04").status_code == 404


def test_compliance_recompute_endpoint(tree, county_admin, admin_a, cadre_a, api_for):
    assert (
        api_for(admin_a)
        .post("/api/v1/stats/duty-compliance/recompute/", {"month": "2026-03"}, format="json")
        .status_code
        == 403
    )
    response = api_for(county_admin).post(
        "/api/v1/stats/duty-compliance/recompute/", {"month": "2026-03"}, format="json"
    )
    assert response.status_code == 202
    assert (
        api_for(county_admin).get("/api/v1/stats/duty-compliance/?month=2026-03").status_code == 200
    )


def test_patch_cannot_move_a_record(tree, cadre_a, cadre_user_a, api_for):
    day = DutyDayFactory(cadre=cadre_a, date=TODAY, area=tree.group_a1)
    day.households.add(tree.households_a[0])  # a household visited: a short diary will do
    response = api_for(cadre_user_a).patch(
        f"/api/v1/duty-days/{day.pk}/", {"area": tree.group_a2.pk, "diary": "x"}, format="json"
    )
    assert response.status_code == 400 and "area" in response.json()
    ok = api_for(cadre_user_a).patch(f"/api/v1/duty-days/{day.pk}/", {"diary": "改"}, format="json")
    assert ok.status_code == 200
    day.refresh_from_db()
    assert (day.area, day.diary) == (tree.group_a1, "改")


def test_area_filter_is_the_subtree(tree, cadre_a, admin_a, api_for):
    DutyDay.objects.create(cadre=cadre_a, date=TODAY, area=tree.group_a1)
    client = api_for(admin_a)
    assert len(client.get(f"/api/v1/duty-days/?area={tree.village_a.pk}").json()["results"]) == 1
    assert client.get(f"/api/v1/duty-days/?area={tree.group_a2.pk}").json()["results"] == []


def test_a_cadre_logs_a_day_in_an_own_zone_outside_the_jurisdiction_as_on_the_page(
    tree, cadre_a, cadre_user_a, api_for, client
):
    """The page offers a cadre's own zones even outside the login's jurisdiction; the API
    accepts the same place (it refused it once), and both reach the same record."""
    from districts.models import Zone, ZoneArea
    from liaison.core.models import ZoneLeadership

    zone = Zone.objects.create(name="勐啊一组片", level="group")
    ZoneArea.objects.create(zone=zone, area=tree.group_b1)
    ZoneLeadership.objects.create(
        zone=zone, cadre=cadre_a, start_date=timezone.localdate() - datetime.timedelta(days=30)
    )
    response = api_for(cadre_user_a).post(
        "/api/v1/duty-days/",
        {
            "date": timezone.localdate().isoformat(),
            "area": tree.group_b1.pk,
            "activities": ["talked_with_cadres"],
            "diary": "在勐啊一组和组长、党员座谈，了解今年的茶叶收成。",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["area"], response.json()["in_zone"]) == (tree.group_b1.pk, True)
    # Another township's group that is not the cadre's: exactly as if it did not exist.
    other = api_for(cadre_user_a).post(
        "/api/v1/duty-days/",
        {"date": timezone.localdate().isoformat(), "area": tree.village_b.pk},
        format="json",
    )
    missing = api_for(cadre_user_a).post(
        "/api/v1/duty-days/",
        {"date": timezone.localdate().isoformat(), "area": 987654321},
        format="json",
    )
    assert other.status_code == missing.status_code == 400
    assert set(other.json()) == set(missing.json()) == {"area"}
    client.force_login(cadre_user_a)
    page = client.get("/duty/log/")
    assert tree.group_b1.name in [o[1] for o in parse(page).options("area")]


def test_compliance_answers_an_id_too_large_for_the_database_with_nothing(api_for, county_admin):
    """The fuzzer's find: a department number beyond 64 bits was a 500 (SQLite overflow)."""
    url = "/api/v1/stats/duty-compliance/"
    huge = api_for(county_admin).get(url, {"month": "2026-03", "department": "8748995354835340"})
    missing = api_for(county_admin).get(url, {"month": "2026-03", "department": "987654321"})
    # Like any department that does not exist.
    assert (huge.status_code, huge.json()) == (404, missing.json())
    huge = api_for(county_admin).get(
        url, {"month": "2026-03", "department": "87489953548353400733696"}
    )
    assert (huge.status_code, huge.json()) == (404, missing.json())
    bad = api_for(county_admin).get(
        "/api/v1/stats/duty-compliance/", {"month": "2026-03", "department": "-1"}
    )
    assert bad.status_code == 400
