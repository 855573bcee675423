"""Open311 GeoReport v2 (/open311/v2/): the specification's fields in JSON and XML, errors,
keys and their jurisdictions, the public view, the limits; a real client from PyPI."""

import datetime
import io
import json
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import requests
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from georeport import GeoReport  # type: ignore[import-untyped]

from districts.access import SYSTEM
from liaison.concerns import open311
from liaison.concerns.models import Concern, ConcernAttachment, ConcernEvent, Open311Key, State
from liaison.concerns.services import concern_publish_note
from tests.html import parse

BASE = "/open311/v2"

# The GeoReport v2 field lists (wiki.open311.org/GeoReport_v2).
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords",
                  "group"}  # fmt: skip
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order",
                    "description", "values"}  # fmt: skip
REQUEST_FIELDS = {
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
}  # fmt: skip
CREATED_FIELDS = {"service_request_id", "service_notice", "account_id"}


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def key_a(tree) -> tuple[Open311Key, str]:
    """A key of township A, default place group A1."""
    return open311.key_issue(
        by=SYSTEM, name="县12345平台", area=tree.town_a, default_area=tree.group_a1
    )


@pytest.fixture
def key_b(tree) -> tuple[Open311Key, str]:
    return open311.key_issue(by=SYSTEM, name="勐马镇小程序", area=tree.town_b)


def xml_rows(content: bytes, root: str, item: str) -> list[dict[str, Any]]:
    tree = ET.fromstring(content)
    assert tree.tag == root
    rows = []
    for node in tree:
        assert node.tag == item
        rows.append({child.tag: child for child in node})
    return rows


def post(client: Client, data: dict[str, Any], fmt: str = "json") -> Any:
    return client.post(f"{BASE}/requests.{fmt}", data)


# Discovery and services ----------------------------------------------------------------------


def test_discovery_json_and_xml(client, db):
    data = client.get(f"{BASE}/discovery.json").json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(data)
    endpoint = data["endpoints"][0]
    assert {"specification", "url", "changeset", "type", "formats"} <= set(endpoint)
    assert endpoint["url"].endswith("/open311/v2/")
    root = ET.fromstring(client.get(f"{BASE}/discovery.xml").content)
    assert root.tag == "discovery"
    formats = [f.text for f in root.findall("./endpoints/endpoint/formats/format")]
    assert formats == ["application/json", "text/xml"]


def test_services_have_every_field_json_and_xml(client, db):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    services = response.json()
    assert {s["service_code"] for s in services} >= {"water", "roads"}
    for service in services:
        assert set(service) == SERVICE_FIELDS
        assert service["metadata"] is True
        assert service["type"] == "realtime"
    water = next(s for s in services if s["service_code"] == "water")
    assert water["service_name"] == "饮水"

    response = client.get(f"{BASE}/services.xml")
    assert response["Content-Type"].startswith("text/xml")
    rows = xml_rows(response.content, "services", "service")
    assert len(rows) == len(services)
    for row in rows:
        assert set(row) == SERVICE_FIELDS
    assert {r["service_code"].text for r in rows} == {s["service_code"] for s in services}


def test_service_definition_kind_and_priority(client, db):
    data = client.get(f"{BASE}/services/water.json").json()
    assert data["service_code"] == "water"
    by_code = {a["code"]: a for a in data["attributes"]}
    assert set(by_code) == {"kind", "priority"}
    for attribute in data["attributes"]:
        assert set(attribute) == ATTRIBUTE_FIELDS
        assert attribute["datatype"] == "singlevaluelist"
    assert [v["key"] for v in by_code["kind"]["values"]] == [
        "consult", "help", "complaint", "suggestion",
    ]  # fmt: skip
    assert [v["key"] for v in by_code["priority"]["values"]] == ["normal", "urgent"]

    root = ET.fromstring(client.get(f"{BASE}/services/water.xml").content)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "water"
    attributes = root.findall("./attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["kind", "priority"]
    assert {c.tag for c in attributes[0]} == ATTRIBUTE_FIELDS
    assert [v.findtext("key") for v in attributes[1].findall("./values/value")] == [
        "normal", "urgent",
    ]  # fmt: skip


def test_unknown_service_and_jurisdiction_are_404_error_arrays(client, db, tree):
    response = client.get(f"{BASE}/services/nosuch.json")
    assert response.status_code == 404
    [error] = response.json()
    assert error["code"] == 404 and "nosuch" in error["description"]
    response = client.get(f"{BASE}/services/nosuch.xml")
    assert response.status_code == 404
    root = ET.fromstring(response.content)
    assert root.tag == "errors"
    assert root.findtext("./error/code") == "404"
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "999999"}).status_code == 404
    assert (
        client.get(f"{BASE}/services.json", {"jurisdiction_id": tree.county.code}).status_code
        == 200
    )


# Filing ------------------------------------------------------------------------------------


def test_post_files_a_concern_as_the_system_in_the_jurisdiction(client, tree, key_a):
    key, raw = key_a
    response = post(
        client,
        {
            "api_key": raw,
            "jurisdiction_id": tree.county.code,
            "service_code": "water",
            "address_id": tree.group_a2.code,
            "attribute[kind]": "complaint",
            "attribute[priority]": "urgent",
            "description": "水管破了",
            "first_name": "三",
            "last_name": "张",
            "phone": "13800138000",
            "email": "zhang@example.com",
        },
    )
    assert response.status_code == 201, response.content
    [created] = response.json()
    assert set(created) == CREATED_FIELDS
    concern = Concern.objects.get(tracking_number=created["service_request_id"])
    assert created["service_request_id"].startswith("530827-")
    assert concern.channel == "hotline"
    assert concern.created_by is None
    assert (concern.kind, concern.priority) == ("complaint", "urgent")
    assert concern.area == tree.group_a2
    assert concern.reporter_name == "张三"
    assert concern.reporter_phone == "13800138000"
    creation = ConcernEvent.objects.get(concern=concern, action="create")
    assert "县12345平台" in creation.note
    assert creation.actor is None
    assert concern.due.isoformat() in created["service_notice"]
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_post_defaults_kind_help_and_address_string_uses_the_default_place(client, tree, key_a):
    _key, raw = key_a
    response = post(
        client,
        {"api_key": raw, "service_code": "roads", "address_string": "芒街村口大桥",
         "description": "桥塌了"},
        fmt="xml",
    )  # fmt: skip
    assert response.status_code == 201
    [row] = xml_rows(response.content, "service_requests", "request")
    assert set(row) == CREATED_FIELDS
    concern = Concern.objects.get(tracking_number=row["service_request_id"].text)
    assert (concern.kind, concern.priority, concern.area) == ("help", "normal", tree.group_a1)
    assert "芒街村口大桥" in ConcernEvent.objects.get(concern=concern, action="create").note


def test_post_takes_the_api_key_from_the_query_string_too(client, tree, key_a):
    _key, raw = key_a
    response = client.post(
        f"{BASE}/requests.json?api_key={raw}",
        {"service_code": "water", "address_id": tree.group_a1.code, "description": "没水"},
    )
    assert response.status_code == 201


def test_post_with_media_is_attached(client, tree, key_a):
    _key, raw = key_a
    photo = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
    response = client.post(
        f"{BASE}/requests.json",
        {"api_key": raw, "service_code": "water", "address_id": tree.village_a.code,
         "description": "照片", "media": photo},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    concern = Concern.objects.get(tracking_number=response.json()[0]["service_request_id"])
    assert ConcernAttachment.objects.filter(concern=concern).count() == 1


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"api_key": ""}, 400, "api_key"),
        ({"api_key": "not-a-key"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code"),
        ({"service_code": "nosuch"}, 400, "nosuch"),
        ({"attribute[kind]": "bribe"}, 400, "attribute[kind]"),
        ({"attribute[priority]": "now"}, 400, "attribute[priority]"),
        ({"address_id": "530827100"}, 400, "address_id"),
        ({"address_id": ""}, 400, "address_id"),
        ({"description": "  "}, 400, "description"),
        ({"phone": "12"}, 400, "reporter_phone"),
        ({"jurisdiction_id": "999999"}, 404, "999999"),
    ],
)
def test_post_errors(client, tree, key_a, change, status, words):
    _key, raw = key_a
    data = {"api_key": raw, "service_code": "water", "address_id": tree.group_a1.code,
            "description": "没水"}  # fmt: skip
    data.update(change)
    response = post(client, data)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status
    assert words in error["description"]
    assert not Concern.objects.exists()


def test_post_outside_the_keys_jurisdiction_is_refused(client, tree, key_a):
    _key, raw = key_a
    response = post(
        client,
        {"api_key": raw, "service_code": "water", "address_id": tree.group_b1.code,
         "description": "没水"},
    )  # fmt: skip
    assert response.status_code == 403
    assert response.json()[0]["code"] == 403
    assert not Concern.objects.exists()


def test_revoked_key_is_refused(client, tree, key_a, county_admin):
    key, raw = key_a
    open311.key_revoke(key=key, by=county_admin)
    response = post(
        client,
        {"api_key": raw, "service_code": "water", "address_id": tree.group_a1.code,
         "description": "没水"},
    )  # fmt: skip
    assert response.status_code == 403
    assert not Concern.objects.exists()


def test_a_browser_session_grants_nothing(tree, county_admin):
    """CSRF-exempt, and the session is not looked at: without a key, a logged-in
    administrator files nothing and reads only the public view."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(county_admin)
    response = post(
        client,
        {"service_code": "water", "address_id": tree.group_a1.code, "description": "没水"},
    )
    assert response.status_code == 400
    assert "api_key" in response.json()[0]["description"]
    assert not Concern.objects.exists()


def test_post_rate_limited_per_key(client, tree, key_a, key_b, settings):
    settings.OPEN311_POSTS_PER_MINUTE = 2
    _key, raw = key_a
    data = {"api_key": raw, "service_code": "water", "address_id": tree.group_a1.code,
            "description": "没水"}  # fmt: skip
    assert post(client, data).status_code == 201
    assert post(client, data).status_code == 201
    response = post(client, data)
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert Concern.objects.count() == 2
    # Another key has its own budget.
    other = {**data, "api_key": key_b[1], "address_id": tree.group_b1.code}
    assert post(client, other).status_code == 201


# Reading -----------------------------------------------------------------------------------


@pytest.fixture
def concern_a(raise_concern, tree):
    concern = raise_concern(
        area=tree.group_a1, description="张三家的水管破了", reporter_name="张三",
        reporter_phone="13800138000", household=tree.households_a[0],
    )  # fmt: skip
    concern_publish_note(concern=concern, note="已派人维修", by=SYSTEM)
    ConcernEvent.objects.create(
        concern=concern, at=timezone.now(), action="comment", note="内部：张三很急"
    )
    return concern


@pytest.fixture
def concern_b(raise_concern, tree):
    return raise_concern(area=tree.group_b1, description="勐啊的路坏了")


def test_public_view_hides_private_data_json(client, concern_a, concern_b, tree):
    response = client.get(f"{BASE}/requests.json")
    assert response.status_code == 200
    rows = {r["service_request_id"]: r for r in response.json()}
    assert set(rows) == {concern_a.tracking_number, concern_b.tracking_number}
    row = rows[concern_a.tracking_number]
    assert set(row) == REQUEST_FIELDS
    assert row["status"] == "open"
    assert row["status_notes"] == "已派人维修"
    assert row["description"] == ""
    assert row["address"] == "芒街村"
    assert row["address_id"] == tree.village_a.code
    assert row["agency_responsible"] == "娜允镇"
    assert row["service_code"] == "water"
    text = response.content.decode("utf-8")  # JSON
    for private in ("张三", "13800138000", "内部", tree.group_a1.code, "芒街一组",
                    tree.households_a[0].code):  # fmt: skip
        assert private not in text
    assert row["requested_datetime"].endswith("+08:00")
    assert row["updated_datetime"].endswith("+08:00")
    assert row["expected_datetime"] == f"{concern_a.due.isoformat()}T18:00:00+08:00"
    assert datetime.datetime.fromisoformat(
        row["requested_datetime"]
    ) == concern_a.received_at.replace(microsecond=0)


def test_public_view_xml_has_every_field(client, concern_a):
    response = client.get(f"{BASE}/requests.xml")
    assert response.status_code == 200
    [row] = xml_rows(response.content, "service_requests", "request")
    assert set(row) == REQUEST_FIELDS
    assert row["service_request_id"].text == concern_a.tracking_number
    assert row["status_notes"].text == "已派人维修"
    assert row["description"].text is None
    assert "张三" not in response.content.decode("utf-8")  # XML
    detail = client.get(f"{BASE}/requests/{concern_a.tracking_number}.xml")
    [one] = xml_rows(detail.content, "service_requests", "request")
    assert set(one) == REQUEST_FIELDS


def test_key_sees_full_requests_in_its_jurisdiction_only(client, concern_a, concern_b, key_a):
    _key, raw = key_a
    rows = client.get(f"{BASE}/requests.json", {"api_key": raw}).json()
    assert [r["service_request_id"] for r in rows] == [concern_a.tracking_number]
    [row] = rows
    assert set(row) == REQUEST_FIELDS
    assert row["description"] == "张三家的水管破了"
    assert row["address_id"] == concern_a.area.code
    assert row["address"] == "芒街村芒街一组"
    assert "内部" not in row["status_notes"]
    detail = client.get(f"{BASE}/requests/{concern_a.tracking_number}.json", {"api_key": raw})
    assert detail.json()[0]["description"] == "张三家的水管破了"
    # Beyond the jurisdiction: not found, even by id.
    other = client.get(f"{BASE}/requests/{concern_b.tracking_number}.json", {"api_key": raw})
    assert other.status_code == 404
    assert other.json()[0]["code"] == 404
    by_ids = client.get(
        f"{BASE}/requests.json",
        {"api_key": raw,
         "service_request_id": f"{concern_a.tracking_number},{concern_b.tracking_number}"},
    ).json()  # fmt: skip
    assert [r["service_request_id"] for r in by_ids] == [concern_a.tracking_number]


def test_revoked_key_reads_only_the_public_view(client, concern_a, key_a, county_admin):
    key, raw = key_a
    open311.key_revoke(key=key, by=county_admin)
    [row] = client.get(f"{BASE}/requests.json", {"api_key": raw}).json()
    assert row["description"] == ""
    assert row["address_id"] == concern_a.village.code


def test_unknown_request_is_404(client, db):
    response = client.get(f"{BASE}/requests/530827-2026-999999.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": response.json()[0]["description"]}]


def test_filters_status_service_and_ids(client, concern_a, concern_b, raise_concern, tree):
    from liaison.concerns.models import Category

    roads = raise_concern(area=tree.group_a2, category=Category.objects.get(code="roads"))
    Concern.objects.filter(pk=concern_b.pk).update(state=State.DUPLICATE)
    Concern.objects.filter(pk=roads.pk).update(state=State.RESOLVED)

    def ids(**params: str) -> set[str]:
        return {r["service_request_id"] for r in client.get(f"{BASE}/requests.json", params).json()}

    everything = {concern_a.tracking_number, concern_b.tracking_number, roads.tracking_number}
    assert ids() == everything
    assert ids(status="closed") == {concern_b.tracking_number}
    assert ids(status="open") == {concern_a.tracking_number, roads.tracking_number}
    assert ids(status="open,closed") == everything
    assert ids(service_code="roads") == {roads.tracking_number}
    assert ids(service_code="roads,water") == everything
    # service_request_id overrides the other filters.
    assert ids(service_request_id=concern_b.tracking_number, status="open") == {
        concern_b.tracking_number
    }
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400


def test_date_range(client, concern_a):
    now = timezone.now()
    received = concern_a.received_at

    def get(**params: str) -> Any:
        return client.get(f"{BASE}/requests.json", params)

    day = datetime.timedelta(days=1)
    inside = get(start_date=(received - day).isoformat(), end_date=(received + day).isoformat())
    assert [r["service_request_id"] for r in inside.json()] == [concern_a.tracking_number]
    before = get(end_date=(received - day).isoformat())
    assert before.json() == []
    # W3C form with Z and a plain "+08:00" left unencoded in the query string.
    assert len(client.get(f"{BASE}/requests.json?start_date=2000-01-01T00:00:00Z").json()) == 0
    start = (now - datetime.timedelta(days=2)).astimezone(open311.CHINA)
    raw = f"{BASE}/requests.json?start_date={start.isoformat(timespec='seconds')}"
    assert len(client.get(raw).json()) == 1
    too_long = get(
        start_date=(now - datetime.timedelta(days=91)).isoformat(), end_date=now.isoformat()
    )
    assert too_long.status_code == 400
    [error] = too_long.json()
    assert error["code"] == 400 and "90" in error["description"]
    assert get(start_date="yesterday").status_code == 400
    reversed_ = get(start_date=now.isoformat(), end_date=(now - day).isoformat())
    assert reversed_.status_code == 400
    xml = client.get(
        f"{BASE}/requests.xml",
        {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
    )
    assert xml.status_code == 400
    assert ET.fromstring(xml.content).findtext("./error/code") == "400"


def test_at_most_1000_results(client, concern_a):
    fields = {
        f.attname: getattr(concern_a, f.attname)
        for f in Concern._meta.concrete_fields
        if f.attname not in ("id", "tracking_number", "lookup_code")
    }
    Concern.objects.bulk_create(
        Concern(**fields, tracking_number=f"530827-2026-9{n:05d}") for n in range(1000)
    )
    rows = client.get(f"{BASE}/requests.json").json()
    assert Concern.objects.count() == 1001
    assert len(rows) == 1000


# Keys --------------------------------------------------------------------------------------


def test_command_prints_only_the_key(tree):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_key", "12345热线", "--area", tree.county.code, stdout=out, stderr=err)
    raw = out.getvalue()
    assert raw.endswith("\n") and raw.count("\n") == 1
    raw = raw.strip()
    assert len(raw) >= 40 and " " not in raw
    key = Open311Key.objects.get()
    assert key.key_hash == open311.hash_key(raw) and raw not in key.key_hash
    assert (key.name, key.area, key.channel) == ("12345热线", tree.county, "hotline")
    assert open311.key_for(raw) == key


def test_command_channel_and_refusals(tree):
    out = io.StringIO()
    call_command("open311_key", "小程序", "--area", tree.town_b.code, "--channel", "web",
                 stdout=out)  # fmt: skip
    assert Open311Key.objects.get().channel == "web"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nosuch"):
        call_command("open311_key", "x", "--area", "nosuch", stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"county|县"):
        call_command("open311_key", "x", "--area", tree.village_a.code, stdout=io.StringIO())


def test_keys_page_issues_once_and_revokes(login, county_admin, tree):
    client = login(county_admin)
    page = client.get("/open311/keys/")
    assert page.status_code == 200
    response = client.post(
        "/open311/keys/",
        {"name": "县12345平台", "area": tree.town_a.pk, "channel": "hotline",
         "default_area": tree.group_a1.code},
    )  # fmt: skip
    assert response.status_code == 200
    html = parse(response)
    raw = html.select("#new-key").text
    key = Open311Key.objects.get()
    assert key.key_hash == open311.hash_key(raw)
    assert key.created_by == county_admin and key.default_area == tree.group_a1
    again = parse(client.get("/open311/keys/"))
    assert raw not in again.all_text
    assert [row[0] for row in again.table_rows("#keys")] == ["县12345平台"]
    assert again.find_all(id="new-key") == []
    revoked = client.post(f"/open311/keys/{key.pk}/revoke/")
    assert revoked.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert open311.key_for(raw) is None


def test_keys_page_is_for_administrators(login, admin_a, viewer_a, county_admin, tree):
    key, _raw = open311.key_issue(by=SYSTEM, name="x", area=tree.town_a)
    for user in (admin_a, viewer_a):
        client = login(user)
        assert client.get("/open311/keys/").status_code == 403
        assert client.post(f"/open311/keys/{key.pk}/revoke/").status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None
    # Reached from the concern pages' own navigation (administrators only).
    nav = parse(login(county_admin).get("/concerns/")).find(id="concerns-nav")
    assert "/open311/keys/" in nav.links()
    assert (
        parse(login(admin_a).get("/concerns/"))
        .find(id="concerns-nav")
        .find_all("a", href="/open311/keys/")
        == []
    )


# From the outside: the georeport client from PyPI, and raw HTTP ----------------------------


def test_real_client_and_raw_http(live_server, tree, key_a, concern_a):
    _key, raw = key_a
    root = f"{live_server.url}{BASE}"
    client = GeoReport(root, jurisdiction=tree.county.code)
    services = client.get_service_list()
    assert "water" in {s["service_code"] for s in services}
    definition = client.get_service_definition("water")
    assert [a["code"] for a in definition["attributes"]] == ["kind", "priority"]

    created = requests.post(
        f"{root}/requests.json",
        data={"api_key": raw, "jurisdiction_id": tree.county.code, "service_code": "roads",
              "address_id": tree.group_a2.code, "attribute[kind]": "consult",
              "description": "路灯不亮"},
        timeout=30,
    )  # fmt: skip
    assert created.status_code == 201
    number = created.json()[0]["service_request_id"]

    public = client.get_service_requests(status="open")
    assert {r["service_request_id"] for r in public} == {concern_a.tracking_number, number}
    assert all(set(r) == REQUEST_FIELDS and r["description"] == "" for r in public)
    one = client.get_service_requests(service_request_id=number)
    assert one[0]["service_code"] == "roads"

    xml_client = GeoReport(root, output_format="xml")
    services_xml = xml_client.get_service_list()
    assert {s["service_code"] for s in services_xml} == {s["service_code"] for s in services}
    definition_xml = xml_client.get_service_definition("water")
    assert definition_xml["service_code"] == "water"
    single = client.get_service_request(number)
    assert (single["service_request_id"], single["status"]) == (number, "open")
    single_xml = xml_client.get_service_request(number)
    assert set(single_xml) == REQUEST_FIELDS
    assert single_xml["expected_datetime"].endswith("T18:00:00+08:00")
    listed_xml = xml_client.get_service_requests()
    assert {r["service_request_id"] for r in listed_xml} == {concern_a.tracking_number, number}

    keyed = requests.get(f"{root}/requests/{number}.json", params={"api_key": raw}, timeout=30)
    assert keyed.json()[0]["description"] == "路灯不亮"
    refused = requests.post(f"{root}/requests.json", data={"service_code": "roads"}, timeout=30)
    assert refused.status_code == 400
    assert json.loads(refused.text)[0]["code"] == 400
