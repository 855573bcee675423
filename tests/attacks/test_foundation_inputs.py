"""Hostile input answers 400 or 404, never 500: ids beyond 64 bits, JSON nested too deeply.

The walks take every API operation from the OpenAPI schema and every page URL from the
URL configuration, so a new endpoint is covered the day it is added. They run on SQLite
and on PostgreSQL (DATABASE_URL), whose failures differ (OverflowError vs. bigint range).
"""

import datetime
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from districts.access import SYSTEM
from districts.models import Area, Household, ImportJob, Zone
from dutydays.models import DutyDay
from liaison.common.ids import MAX_ID, NO_ROW, IdConverter, ids_in_range, is_id
from liaison.common.parsers import MAX_DEPTH, DepthLimitedJSONParser, json_depth
from liaison.concerns.models import Category, Concern, ConcernStatsJob
from liaison.concerns.services import concern_create
from liaison.core.models import Cadre, CoverageJob, Department, Pairing, ZoneLeadership

from ..conftest import api_client_for
from ..factories import CadreFactory, DepartmentFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

BEYOND_64_BITS = 99999999999999999999  # 20 digits: more than any 64-bit integer
BEYOND_63_BITS = MAX_ID + 1  # 19 digits: passes a [0-9]{1,19} pattern, still no id
ID_QUERY_NAMES = ("within", "cadre", "area", "department", "group", "household", "parent")
# Page URLs that are not ours to walk: the admin, the API (walked from its schema), the
# language switch and the login pages.
SKIPPED_PAGE_PREFIXES = ("admin/", "api/", "i18n/", "accounts/")
PAGE_ACTIONS = ("assign", "accept", "link")


@dataclass
class World:
    """One of everything, so that detail URLs reach past their lookup."""

    area: Area
    household: Household
    department: Department
    cadre: Cadre
    pairing: Pairing
    zone: Zone
    duty_day: DutyDay
    import_job: ImportJob
    coverage_job: CoverageJob
    user: Any
    concern: Concern
    concern_stats_job: ConcernStatsJob

    def real_id(self, path: str) -> int | None:
        """Return the id of a stored object for a path's `{id}` / `<…:pk>`, by its prefix."""
        prefixes = {
            "areas/": self.area.pk,
            "households/": self.household.pk,
            "departments/": self.department.pk,
            "cadres/": self.cadre.pk,
            "pairings/": self.pairing.pk,
            "zones/": self.zone.pk,
            "duty-days/": self.duty_day.pk,
            "duty/days/": self.duty_day.pk,
            "imports/": self.import_job.pk,
            "stats/coverage/jobs/": self.coverage_job.pk,
            "stats/concerns/jobs/": self.concern_stats_job.pk,
            "users/": self.user.pk,
            # A token is addressed by its account's id; the pages' revoke too (users/…).
            "auth/tokens/": self.user.pk,
            "concerns/": self.concern.pk,
        }
        path = path.removeprefix("/api/v1/").lstrip("/")
        return next((pk for prefix, pk in prefixes.items() if path.startswith(prefix)), None)


@pytest.fixture
def hostile_world(tree) -> World:
    department = DepartmentFactory(area=tree.town_a, level="township", kind="party_gov")
    cadre = CadreFactory(department=department)
    household = tree.households_a[0]
    day = timezone.localdate() - datetime.timedelta(days=1)
    pairing = Pairing.objects.create(cadre=cadre, household=household, start_date=day)
    zone = Zone.objects.create(name="芒街片区", level="village")
    zone.zone_areas.create(area=tree.village_a)
    ZoneLeadership.objects.create(zone=zone, cadre=cadre, start_date=day)
    duty_day = DutyDay.objects.create(cadre=cadre, date=day, area=tree.group_a1)
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    import_job = ImportJob.objects.create(
        kind="households", file="imports/gone.csv", original_name="gone.csv", created_by=superuser
    )
    coverage_job = CoverageJob.objects.create(as_of=day, requested_by=superuser)
    account = user_with_role("viewer", tree.town_a, username="viewer_in_a")
    Token.objects.create(user=account)
    concern = concern_create(
        by=SYSTEM, channel="hotline", kind="help", category=Category.objects.get(code="water"),
        description="饮水管破裂", household=household, reporter_phone="13900001234",
    )  # fmt: skip
    month = day.replace(day=1)
    stats_job = ConcernStatsJob.objects.create(
        first_month=month, last_month=month, requested_by=superuser
    )
    return World(
        tree.group_a1, household, department, cadre, pairing, zone, duty_day, import_job,
        coverage_job, account, concern, stats_job,
    )  # fmt: skip


@pytest.fixture(params=["superuser", "admin_a"])
def hostile_user(request, hostile_world, admin_a):
    """A superuser (every check passes, so the values go deepest) and a township admin."""
    from django.contrib.auth import get_user_model

    if request.param == "superuser":
        return get_user_model().objects.get(username="root")
    return admin_a


def _api(user) -> APIClient:
    client = api_client_for(user)
    client.raise_request_exception = False  # a crash must show as the 500 a client gets
    return client


def _schema(client: APIClient) -> dict[str, Any]:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in node:
            return _resolve(schema, node[combined][0])
    return node


def _sample(schema: dict[str, Any], node: dict[str, Any], big: Any) -> Any:
    """Return a value for `node` in which every integer is `big`."""
    node = _resolve(schema, node)
    kind = node.get("type")
    if "enum" in node:
        return node["enum"][0]
    if kind in ("integer", "number"):
        return big
    if kind == "boolean":
        return False
    if kind == "array":
        return [_sample(schema, node.get("items", {}), big)]
    if kind == "object" or "properties" in node:
        if "properties" not in node and isinstance(node.get("additionalProperties"), dict):
            # A dict of ids, such as a transfer's {"household": id, "cadre": id}.
            return {"household": big, "cadre": big}
        return {
            name: _sample(schema, prop, big)
            for name, prop in node.get("properties", {}).items()
            if not _resolve(schema, prop).get("readOnly")
        }
    if node.get("format") == "date":
        return "2026-03-01"
    if node.get("format") == "date-time":
        return "2026-03-01T08:00:00+08:00"
    return "x"


def _operations(schema: dict[str, Any]):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield path, method, operation


def _query(schema: dict[str, Any], operation: dict[str, Any], big: Any) -> dict[str, Any]:
    """Every integer query parameter of the operation, and the usual id filters, as `big`."""
    query: dict[str, Any] = dict.fromkeys(ID_QUERY_NAMES, big)
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "query":
            continue
        if _resolve(schema, parameter.get("schema", {})).get("type") in ("integer", "number"):
            query[parameter["name"]] = big
    query["month"] = "2026-03"
    return query


def _json_body(operation: dict[str, Any]) -> dict[str, Any] | None:
    return operation.get("requestBody", {}).get("content", {}).get("application/json")


def test_every_api_operation_answers_big_ids_without_a_500(hostile_world, hostile_user):
    client = _api(hostile_user)
    schema = _schema(client)
    crashes, calls = [], 0
    for path, method, operation in _operations(schema):
        path_ids: list[Any] = [None]
        if "{id}" in path:
            path_ids = [BEYOND_64_BITS, BEYOND_63_BITS, hostile_world.real_id(path)]
            assert path_ids[-1] is not None, f"no stored object for {path}: add it to World"
        body = _json_body(operation)
        for path_id in path_ids:
            url = path.replace("{id}", str(path_id))
            # Ids in the query string and in the body, as numbers and as strings.
            for big in (BEYOND_64_BITS, str(BEYOND_64_BITS), BEYOND_63_BITS):
                query = _query(schema, operation, big)
                if method == "get":
                    response = client.get(url, query)
                else:
                    data = _sample(schema, body["schema"], big) if body else None
                    response = getattr(client, method)(
                        f"{url}?{_urlencode(query)}", data, format="json"
                    )
                calls += 1
                if path.endswith("/auth/logout/"):
                    client = _api(hostile_user)  # that revoked the walker's own token
                if response.status_code >= 500:
                    crashes.append(f"{method.upper()} {url} ({big!r}): {response.status_code}")
    assert calls > 150  # the walk really walked (about 55 operations today)
    assert crashes == []


def _urlencode(query: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode(query)


def test_big_ids_are_refused_with_clear_answers(hostile_world, county_admin):
    """Spot checks of what the walk only bounds: the exact answers."""
    client = _api(county_admin)
    big = BEYOND_64_BITS
    assert client.get(f"/api/v1/households/{big}/").status_code == 404
    assert client.get(f"/api/v1/stats/coverage/jobs/{big}/").status_code == 404
    assert client.get(f"/api/v1/stats/coverage/jobs/{BEYOND_63_BITS}/").status_code == 404
    listed = client.get("/api/v1/households/", {"group": big})
    assert listed.status_code == 400
    assert set(listed.json()) == {"group"}
    pairing = client.post("/api/v1/pairings/", {"cadre": big, "household": big}, format="json")
    assert pairing.status_code == 400
    assert set(pairing.json()) == {"cadre", "household"}
    households_before = Pairing.objects.count()
    bulk = client.post(
        "/api/v1/pairings/bulk-assign/",
        {"cadre": hostile_world.cadre.pk, "households": [hostile_world.household.pk, big]},
        format="json",
    )
    assert bulk.status_code == 400
    assert str(big) in bulk.json()["households"][0]
    assert Pairing.objects.count() == households_before
    # Ids checked after the other fields passed: a transfer's assignments, a day's households.
    transfer = client.post(
        f"/api/v1/cadres/{hostile_world.cadre.pk}/transfer/",
        {"assignments": [{"household": hostile_world.household.pk, "cadre": big}]},
        format="json",
    )
    assert transfer.status_code == 400
    assert set(transfer.json()) == {"assignments"}
    assert Pairing.objects.get(pk=hostile_world.pairing.pk).cadre_id == hostile_world.cadre.pk
    day = client.post(
        "/api/v1/duty-days/",
        {
            "cadre": hostile_world.cadre.pk,
            "date": hostile_world.duty_day.date.isoformat(),
            "area": hostile_world.area.pk,
            "households": [big],
        },
        format="json",
    )
    assert day.status_code == 400
    assert str(big) in day.json()["households"][0]
    # 1e400 is valid JSON; Python reads it as infinity, which no id can be.
    infinite = client.generic(
        "POST",
        "/api/v1/pairings/",
        f'{{"cadre": 1e400, "household": {hostile_world.household.pk}}}',
        content_type="application/json",
    )
    assert infinite.status_code == 400
    assert set(infinite.json()) == {"cadre"}


def _page_routes(patterns=None, prefix: str = "") -> list[str]:
    """Return every page route of the project (`areas/<id:pk>/`, …), includes flattened."""
    routes = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(SKIPPED_PAGE_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            routes += _page_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            routes.append(route)
    return routes


def _fill(route: str, value: Any) -> str:
    """Put `value` in every id of a route; string parameters get a plausible word."""
    route = re.sub(r"<(?:id|int):\w+>", str(value), route)
    return "/" + re.sub(r"<str:\w+>", "households", route).lstrip("^").rstrip("$")


def test_every_page_answers_big_ids_without_a_500(client, hostile_world, hostile_user):
    client.force_login(hostile_user)
    client.raise_request_exception = False
    routes = _page_routes()
    assert "areas/<id:pk>/" in routes and "imports/<id:pk>/retry/" in routes
    hostile: dict[str, Any] = dict.fromkeys((*ID_QUERY_NAMES, "page"), BEYOND_64_BITS)
    hostile.update(
        month="2026-03",
        date="2026-03-01",
        households=BEYOND_64_BITS,
        # The assignment page's ticked suggestions: "household:cadre".
        accept=[f"{BEYOND_64_BITS}:{hostile_world.cadre.pk}", f"{BEYOND_64_BITS}:{BEYOND_64_BITS}"],
    )
    # Pages with several forms tell them apart by `action`.
    actions = [None, *PAGE_ACTIONS]
    crashes = []
    for route in routes:
        ids: list[int | None] = [None]
        if "<" in route:
            ids = [BEYOND_64_BITS, BEYOND_63_BITS]
            real = hostile_world.real_id(route)
            if real is not None:
                ids.append(real)
        for value in ids:
            url = _fill(route, value)
            responses = [client.get(url, hostile)]
            for action in actions:
                data = hostile if action is None else {**hostile, "action": action}
                responses.append(client.post(url, data))
            crashes += [f"{url}: {r.status_code}" for r in responses if r.status_code >= 500]
    assert crashes == []


@pytest.mark.parametrize("value", [BEYOND_64_BITS, BEYOND_63_BITS])
def test_page_urls_with_ids_beyond_64_bits_are_404(client, hostile_world, county_admin, value):
    client.force_login(county_admin)
    for route in ("areas/<id:pk>/", "households/<id:pk>/", "duty/days/<id:pk>/edit/"):
        assert client.get(_fill(route, value)).status_code == 404


# JSON nested too deeply


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_every_json_operation_refuses_a_body_nested_too_deeply(hostile_world, county_admin):
    client = _api(county_admin)
    schema = _schema(client)
    answers, walked = {}, 0
    for path, method, operation in _operations(schema):
        if method == "get" or _json_body(operation) is None:
            continue
        url = path.replace("{id}", str(hostile_world.real_id(path)))
        for depth in (MAX_DEPTH + 1, 100_000):
            response = client.generic(
                method.upper(), url, _nested(depth), content_type="application/json"
            )
            walked += 1
            if response.status_code != 400 or "100" not in str(response.json().get("detail")):
                answers[f"{method.upper()} {url} depth {depth}"] = response.content[:200]
    assert walked > 30
    assert answers == {}


def test_a_body_nested_exactly_to_the_limit_is_parsed(county_admin):
    response = _api(county_admin).generic(
        "POST", "/api/v1/zones/", _nested(MAX_DEPTH), content_type="application/json"
    )
    # Parsed, then refused for its shape (a list is not a zone): the serializer's answer.
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_the_parser_measures_depth_without_recursion():
    assert json_depth("1") == 0
    assert json_depth('{"a": [1, {"b": "[[[[ {{"}]}') == 3
    assert json_depth(r'["\"[[[", "\\", [[]]]') == 3
    assert json_depth(_nested(1_000_000)) == 1_000_000
    import io

    expected: list = []
    for _ in range(MAX_DEPTH - 1):
        expected = [expected]
    parser = DepthLimitedJSONParser()
    assert parser.parse(io.BytesIO(_nested(MAX_DEPTH).encode())) == expected
    from rest_framework.exceptions import ParseError

    with pytest.raises(ParseError, match=r"100"):
        parser.parse(io.BytesIO(_nested(MAX_DEPTH + 1).encode()))
    with pytest.raises(ParseError, match=r"JSON"):
        parser.parse(io.BytesIO(b'{"a": '))


def test_id_helpers():
    assert is_id(MAX_ID) and not is_id(MAX_ID + 1) and not is_id(True) and not is_id("1")
    assert ids_in_range([1, MAX_ID + 1, -1, "2"]) == {1, -1}
    converter = IdConverter()
    assert converter.to_python("42") == 42
    # A number too large for an id names no row: it is looked up as id 0.
    assert converter.to_python(str(MAX_ID + 1)) == NO_ROW == 0
