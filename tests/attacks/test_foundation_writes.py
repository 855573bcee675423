"""The one access funnel: the two attacks of issue 7 replayed, and a walk over every write
endpoint of the OpenAPI schema as a township administrator with another township's ids."""

import datetime
import io
import re

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.utils import timezone
from rest_framework.authtoken.models import Token

from districts import services as district_services
from districts.access import SYSTEM
from districts.imports import import_areas
from districts.models import Area, Household, ImportJob, Role, Zone, ZoneArea
from dutydays.models import DutyDay
from liaison.concerns.models import Category
from liaison.concerns.services import concern_create
from liaison.core.models import Cadre, CoverageJob, DepartmentVillageLink, Pairing, ZoneLeadership

from ..conftest import api_client_for
from ..factories import CadreFactory, DepartmentFactory, user_with_role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = TODAY - datetime.timedelta(days=3)


def database_state() -> dict[str, list[dict]]:
    """Every row of every table of the project's apps (and users), for "nothing changed"."""
    state = {}
    for label in ("districts", "liaison", "dutydays", "concerns", "auth"):
        for model in apps.get_app_config(label).get_models():
            state[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return state


# Attack 1: a group code that smuggles another township's code into the path ---------------


def test_a_group_code_with_a_slash_is_refused_by_the_api(tree, admin_a):
    before = database_state()
    response = api_client_for(admin_a).post(
        "/api/v1/areas/",
        {"code": "530827101/G9", "name": "九组", "level": "group", "parent": tree.village_a.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": ["村民小组代码最多 20 位，只能包含数字、字母或连字符（-）。"]
    }
    assert database_state() == before


def test_a_village_code_must_be_digits(tree, admin_a):
    response = api_client_for(admin_a).post(
        "/api/v1/areas/",
        {"code": "530827100-299", "name": "新村", "level": "village", "parent": tree.town_a.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": ["区划代码只能由数字组成（最多 20 位），与国家统计用区划代码一致。"]
    }


def test_the_areas_import_refuses_such_codes_too(tree, admin_a):
    data = (
        "code,name,level,parent_code,categories\n"
        "530827101/G9,九组,group,530827100201,\n"
        "G-10,十组,group,530827100201,\n"
    ).encode()
    result = import_areas(io.BytesIO(data), "areas.csv", by=admin_a)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "code", "村民小组代码最多 20 位，只能包含数字、字母或连字符（-）。")
    ]
    assert not Area.objects.filter(code__in=["530827101/G9", "G-10"]).exists()


def test_a_custom_group_code_works_and_its_households_get_the_right_township(tree, admin_a):
    client = api_client_for(admin_a)
    group = client.post(
        "/api/v1/areas/",
        {"code": "G9-A", "name": "九组", "level": "group", "parent": tree.village_a.pk},
        format="json",
    ).json()
    response = client.post(
        "/api/v1/households/",
        {"code": "H-G9-1", "group": group["id"], "head_name": "岩温"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["village"], body["township"], body["county"]) == (
        tree.village_a.pk,
        tree.town_a.pk,
        tree.county.pk,
    )


def test_ancestors_come_from_parent_links_even_if_a_path_lies(tree, county_admin):
    # A path written by an older version (or by hand) names the other township's code.
    Area.objects.filter(pk=tree.group_a1.pk).update(
        path="/530827/530827100/530827100201/530827101/530827100201001/"
    )
    tree.group_a1.refresh_from_db()
    household = district_services.household_create(
        data={"code": "H-PATH-1", "group": tree.group_a1, "head_name": "岩罕"}, by=county_admin
    )
    assert (household.township_id, household.village_id) == (tree.town_a.pk, tree.village_a.pk)


# Attack 2: a township administrator marks a county cadre as left -------------------------


@pytest.fixture
def county_leader(tree):
    """A county leader with no households who leads a township zone in township B."""
    department = DepartmentFactory(area=tree.county, level="county")
    leader = CadreFactory(department=department, area=tree.county, rank="county_leader")
    zone = Zone.objects.create(name="勐马镇片区", level="township")
    ZoneArea.objects.create(zone=zone, area=tree.town_b)
    ZoneLeadership.objects.create(zone=zone, cadre=leader, start_date=DAY)
    return leader


def test_a_township_admin_cannot_mark_a_county_cadre_as_left(tree, admin_a, county_leader):
    township_cadre = CadreFactory(
        department=DepartmentFactory(area=tree.town_a, level="township"), area=tree.town_a
    )
    before = database_state()
    response = api_client_for(admin_a).post(
        f"/api/v1/cadres/{county_leader.pk}/transfer/",
        {"to": township_cadre.pk, "leave": True},
        format="json",
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "该干部在您的管辖范围之上任职，请联系该干部所在地区的管理员修改其记录。"
    }
    assert database_state() == before
    county_leader.refresh_from_db()
    assert county_leader.left_date is None
    assert ZoneLeadership.objects.get(cadre=county_leader).end_date is None


def test_the_county_administrator_can(tree, county_admin, county_leader):
    other = CadreFactory(department=county_leader.department, area=tree.county)
    response = api_client_for(county_admin).post(
        f"/api/v1/cadres/{county_leader.pk}/transfer/",
        {"to": other.pk, "leave": True},
        format="json",
    )
    assert response.status_code == 200
    county_leader.refresh_from_db()
    assert county_leader.left_date == TODAY
    assert ZoneLeadership.objects.get(cadre=county_leader).end_date == TODAY


def test_a_township_admin_cannot_end_a_county_leaders_leadership(tree, admin_a, county_leader):
    """Replacing the leader of a zone ends the current leader's leadership: a change to a
    county cadre's record, which a township does not make."""
    zone = Zone.objects.create(name="芒街村片区", level="township")
    ZoneArea.objects.create(zone=zone, area=tree.town_a)
    ZoneLeadership.objects.create(zone=zone, cadre=county_leader, start_date=DAY)
    successor = CadreFactory(
        department=county_leader.department, area=tree.county, rank="county_leader"
    )
    before = database_state()
    response = api_client_for(admin_a).post(
        f"/api/v1/zones/{zone.pk}/leader/", {"cadre": successor.pk}, format="json"
    )
    assert response.status_code == 403
    assert database_state() == before


# The walk ------------------------------------------------------------------------------


@pytest.fixture
def foreign(tree, county_admin):
    """One object of every kind in township B (and one import job of another user)."""
    department_b = DepartmentFactory(area=tree.town_b, level="township")
    cadre_b = CadreFactory(department=department_b, area=tree.town_b)
    pairing = Pairing.objects.create(cadre=cadre_b, household=tree.households_b[0], start_date=DAY)
    zone = Zone.objects.create(name="勐啊村片区", level="village")
    ZoneArea.objects.create(zone=zone, area=tree.village_b)
    link = DepartmentVillageLink.objects.create(
        department=department_b, village=tree.village_b, start_date=DAY
    )
    day = DutyDay.objects.create(cadre=cadre_b, date=DAY, area=tree.village_b)
    job = ImportJob.objects.create(
        kind="areas", file="imports/x.csv", original_name="x.csv", created_by=county_admin
    )
    coverage_job = CoverageJob.objects.create(as_of=DAY, requested_by=county_admin)
    # A concern raised in township B (through the service: routed to the paired cadre).
    concern = concern_create(
        by=SYSTEM, channel="hotline", kind="help", category=Category.objects.get(code="water"),
        description="饮水管破裂", household=tree.households_b[0], reporter_phone="13900001234",
    )  # fmt: skip
    # A token is addressed by its account's id (one token per account).
    account_b = user_with_role(Role.VIEWER, tree.town_b, username="viewer_b")
    Token.objects.create(user=account_b)
    # …and locked out after too many failed logins.
    AccessAttempt.objects.create(
        username="viewer_b", ip_address="198.51.100.7", user_agent="x", get_data="",
        post_data="", http_accept="", path_info="/accounts/login/", failures_since_start=99,
        attempt_time=timezone.now(),
    )  # fmt: skip
    return {
        "areas": tree.town_b,
        "households": tree.households_b[0],
        "zones": zone,
        "departments": department_b,
        "cadres": cadre_b,
        "pairings": pairing,
        "department-links": link,
        "duty-days": day,
        "imports": job,
        "stats/coverage/jobs": coverage_job,
        "users": county_admin,
        "auth/tokens": account_b,
        "concerns": concern,
    }


def _resource(path: str) -> str:
    """/api/v1/stats/coverage/jobs/{id}/retry/ → "stats/coverage/jobs"."""
    return path.removeprefix("/api/v1/").split("/{")[0].rstrip("/")


def _collection_bodies(tree, foreign, own_cadre) -> dict[str, dict]:
    """For each collection POST, a body that names another township's objects."""
    return {
        "/api/v1/areas/": {
            "code": "530827101299", "name": "外村", "level": "village", "parent": tree.town_b.pk,
        },
        "/api/v1/households/": {"code": "H-X", "group": tree.group_b1.pk, "head_name": "外户"},
        "/api/v1/zones/": {"name": "外片", "level": "village", "areas": [tree.village_b.pk]},
        "/api/v1/departments/": {
            "name": "外部门", "level": "township", "kind": "other", "area": tree.town_b.pk,
        },
        "/api/v1/cadres/": {
            "name": "外干部", "gender": "male", "department": foreign["departments"].pk,
            "rank": "ordinary",
        },
        "/api/v1/pairings/": {"cadre": own_cadre.pk, "household": tree.households_b[1].pk},
        "/api/v1/pairings/bulk-assign/": {
            "cadre": own_cadre.pk, "households": [tree.households_b[1].pk],
        },
        "/api/v1/department-links/": {
            "department": own_cadre.department_id, "village": tree.village_b.pk,
        },
        "/api/v1/duty-days/": {
            "cadre": foreign["cadres"].pk, "date": DAY.isoformat(), "area": tree.village_b.pk,
        },
        "/api/v1/users/": {
            "username": "outsider", "role": Role.VIEWER, "areas": [tree.town_b.pk],
        },
        "/api/v1/auth/lockouts/lift/": {"kind": "username", "value": "viewer_b"},
        "/api/v1/concerns/": {
            "channel": "hotline", "kind": "help", "category": "water", "description": "外村的事",
            "area": tree.group_b1.pk, "household": tree.households_b[1].pk,
            "department": foreign["departments"].pk,
        },
    }  # fmt: skip


# Keys of the bodies above that name the caller's own objects or carry plain values.
KEEP = {"code", "name", "level", "kind", "head_name", "gender", "rank", "date", "username", "role",
        "channel", "category", "description"}  # fmt: skip
OWN = {"/api/v1/pairings/": {"cadre"}, "/api/v1/pairings/bulk-assign/": {"cadre"},
       "/api/v1/department-links/": {"department"}}  # fmt: skip


def _missing_body(url: str, body: dict) -> dict:
    """The same body with every foreign id replaced by one that does not exist."""
    out = {}
    for key, value in body.items():
        if key in KEEP or key in OWN.get(url, set()):
            out[key] = value
        elif isinstance(value, list):
            out[key] = [987654321 for _ in value]
        else:
            out[key] = 987654321
    return out


def _masked(body: object) -> str:
    return re.sub(r"\d+", "N", str(body))


# Collection POSTs that name no other object: refused by role (403) for a township admin, or
# handled by their own tests (an upload of a file; logout revokes only the caller's own
# token: tests/attacks/test_auth.py).
NO_FOREIGN_IDS = {
    "/api/v1/auth/logout/",
    "/api/v1/auth/token/",
    "/api/v1/imports/",
    "/api/v1/stats/coverage/recompute/",
    "/api/v1/stats/concerns/recompute/",
    "/api/v1/stats/duty-compliance/recompute/",
}


def test_every_write_endpoint_answers_404_for_another_townships_ids(tree, admin_a, foreign):
    own_department = DepartmentFactory(area=tree.town_a, level="township")
    own_cadre = CadreFactory(department=own_department, area=tree.town_a)
    client = api_client_for(admin_a)
    schema = api_client_for(admin_a).get("/api/v1/schema/", {"format": "json"}).json()
    bodies = _collection_bodies(tree, foreign, own_cadre)
    walked = []
    for path, operations in schema["paths"].items():
        for method in ("post", "put", "patch", "delete"):
            if method not in operations:
                continue
            url = "/api/v1" + path if not path.startswith("/api/v1") else path
            if "{id}" in url:
                target = foreign[_resource(url)]
                before = database_state()
                response = getattr(client, method)(
                    url.replace("{id}", str(target.pk)), {}, format="json"
                )
                missing = getattr(client, method)(
                    url.replace("{id}", "987654321"), {}, format="json"
                )
                assert (method, url, response.status_code) == (method, url, 404)
                assert response.json() == missing.json(), url
                assert database_state() == before, url
            elif url in NO_FOREIGN_IDS:
                continue
            else:
                assert url in bodies, f"add a body naming foreign ids for {method} {url}"
                before = database_state()
                response = getattr(client, method)(url, bodies[url], format="json")
                missing_body = _missing_body(url, bodies[url])
                missing = getattr(client, method)(url, missing_body, format="json")
                # A foreign id in the body answers exactly like a missing one: 400 or 404.
                assert response.status_code in (400, 404), (url, response.status_code)
                # (The messages may quote the id itself: compare them with digits masked.)
                assert (response.status_code, _masked(response.json())) == (
                    missing.status_code,
                    _masked(missing.json()),
                ), url
                assert database_state() == before, url
            walked.append((method, re.sub(r"\{id\}", "{id}", url)))
    # The walk reached the endpoints of every app.
    assert {
        ("patch", "/api/v1/households/{id}/"),
        ("post", "/api/v1/cadres/{id}/transfer/"),
        ("post", "/api/v1/pairings/{id}/end/"),
        ("patch", "/api/v1/duty-days/{id}/"),
        ("post", "/api/v1/zones/{id}/leader/"),
        ("post", "/api/v1/pairings/bulk-assign/"),
        ("delete", "/api/v1/auth/tokens/{id}/"),
        ("post", "/api/v1/auth/lockouts/lift/"),
        ("post", "/api/v1/concerns/"),
        ("post", "/api/v1/concerns/{id}/assign/"),
        ("post", "/api/v1/concerns/{id}/reveal/"),
        ("post", "/api/v1/concerns/{id}/attachments/"),
    } <= set(walked)
    # (Tokens are not in database_state: the walker's own is made after a snapshot.)
    assert Token.objects.filter(user=foreign["auth/tokens"]).exists()
    assert AccessAttempt.objects.filter(username="viewer_b").exists()


def test_a_concerns_transition_naming_another_townships_objects_answers_like_missing_ones(
    tree, admin_a, foreign
):
    """The walk above sends empty bodies; here an own concern's transitions name township B's
    cadre, department and concern: each answers exactly like an id that does not exist."""
    own = concern_create(
        by=SYSTEM, channel="hotline", kind="help", category=Category.objects.get(code="roads"),
        description="村道塌方", area=tree.group_a1,
    )  # fmt: skip
    client = api_client_for(admin_a)
    url = f"/api/v1/concerns/{own.pk}/"
    bodies = {
        "assign/": ({"cadre": foreign["cadres"].pk}, {"cadre": 987654321}),
        "duplicate/": ({"of": foreign["concerns"].pk}, {"of": 987654321}),
    }
    # A department of township B alongside an own cadre with an account.
    own_cadre = CadreFactory(
        department=DepartmentFactory(area=tree.town_a, level="township"), area=tree.town_a,
        user=user_with_role(Role.CADRE, tree.town_a, username="cadre_in_a"),
    )  # fmt: skip
    bodies["assign/ (department)"] = (
        {"cadre": own_cadre.pk, "department": foreign["departments"].pk},
        {"cadre": own_cadre.pk, "department": 987654321},
    )
    before = database_state()
    for action, (body, missing_body) in bodies.items():
        target = url + action.split(" ")[0]
        response = client.post(target, body, format="json")
        missing = client.post(target, missing_body, format="json")
        assert response.status_code == 400, (action, response.content)
        assert _masked(response.json()) == _masked(missing.json()), action
        assert database_state() == before, action
    own.refresh_from_db()
    assert (own.state, own.duplicate_of_id, own.department_id) == ("received", None, None)


def test_system_actor_is_explicit_and_a_missing_actor_is_an_error(tree):
    with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'by'"):
        district_services.area_create(  # type: ignore[call-arg]
            code="530827100299", name="新村", level="village", parent=tree.town_a
        )
    area = district_services.area_create(
        code="530827100299", name="新村", level="village", parent=tree.town_a, by=SYSTEM
    )
    assert area.history.first().history_user is None


def test_viewer_gets_403_on_a_change_and_404_outside(tree, viewer_a, foreign):
    client = api_client_for(viewer_a)
    own = tree.households_a[0]
    before = database_state()
    assert client.patch(f"/api/v1/households/{own.pk}/", {"members": 9}).status_code == 403
    outside = client.patch(f"/api/v1/households/{foreign['households'].pk}/", {"members": 9})
    assert outside.status_code == 404
    assert database_state() == before
    assert Household.objects.get(pk=own.pk).members == own.members
    assert Cadre.objects.count() == 1


# The registries --------------------------------------------------------------------------


@pytest.fixture
def dossier_rules():
    """A later app's role and read action (as promotions will register them), undone after."""
    from districts import access
    from districts.models import ROLES

    access.register_role("appraisal_committee", "考核组")
    access.register_action("view_dossiers", ("appraisal_committee",), read=True)
    access.register_action("edit_dossiers", ("appraisal_committee",))
    yield
    ROLES.pop("appraisal_committee")
    access._ACTIONS.pop("view_dossiers")
    access._ACTIONS.pop("edit_dossiers")


def test_a_registered_role_is_a_valid_jurisdiction_role(tree, dossier_rules):
    from districts.models import Jurisdiction

    from ..factories import UserFactory

    jurisdiction = Jurisdiction(user=UserFactory(), role="appraisal_committee")
    jurisdiction.full_clean()
    jurisdiction.save()
    assert jurisdiction.get_role_display() == "考核组"


def test_a_role_that_may_not_read_a_kind_gets_404_and_one_that_may_not_change_it_403(
    tree, admin_a, dossier_rules
):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    from districts.access import require

    committee = user_with_role("appraisal_committee", tree.town_a)
    household = tree.households_a[0]
    with pytest.raises(Http404, match=r"^该农户不存在。$"):
        require(admin_a, "view_dossiers", household)
    require(committee, "view_dossiers", household)
    require(committee, "edit_dossiers", household)
    viewer = user_with_role(Role.VIEWER, tree.town_a)
    with pytest.raises(PermissionDenied, match=r"^您的角色无权执行此操作。$"):
        require(viewer, "edit_dossiers", household)
    with pytest.raises(Http404, match=r"^该农户不存在。$"):
        require(committee, "view_dossiers", tree.households_b[0])
