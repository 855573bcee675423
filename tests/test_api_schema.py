"""The OpenAPI schema says what the API answers (issue 9, item 9): the corrections the
fuzzer (.ci/fuzz, schemathesis) needed, pinned on the schema as /api/v1/schema/ serves it,
and the server errors it found, replayed."""

from typing import Any

import pytest

from districts.access import SYSTEM
from liaison.core.coverage import coverage_recompute

from .factories import DutyDayFactory, PairingFactory
from .html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict[str, Any]:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_history_names_no_user_or_reason_for_system_changes(schema):
    history = schema["components"]["schemas"]["History"]["properties"]
    assert history["user"] == {"type": "string", "nullable": True}
    assert history["reason"] == {"type": "string", "nullable": True}


def test_duty_day_households_are_read_as_well_as_written(schema):
    households = schema["components"]["schemas"]["DutyDay"]["properties"]["households"]
    assert households["type"] == "array"
    assert households["items"] == {"type": "integer"}
    assert "writeOnly" not in households


def test_a_transfer_answers_a_plain_list_of_pairings(schema):
    answer = schema["paths"]["/api/v1/cadres/{id}/transfer/"]["post"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Pairing"},
    }


def test_the_households_gap_list_takes_within(schema):
    parameters = schema["paths"]["/api/v1/gaps/households/"]["get"]["parameters"]
    within = [p for p in parameters if p["name"] == "within"]
    assert len(within) == 1
    assert (within[0]["in"], within[0]["schema"]) == ("query", {"type": "integer"})


def test_the_answers_match_the_schema(tree, day, county_admin, cadre_a, cadre_a2, api_for):
    """What the fuzzer found, replayed: the fields the schema now declares are present."""
    client = api_for(county_admin)
    DutyDayFactory(cadre=cadre_a, date=day, area=tree.group_a1)
    assert "households" in client.get("/api/v1/duty-days/").json()["results"][0]
    household = tree.households_a[0]
    history = client.get(f"/api/v1/households/{household.pk}/history/").json()
    assert history[0]["user"] is None  # created by the fixture, not by a user
    PairingFactory(cadre=cadre_a, household=household)
    moved = client.post(
        f"/api/v1/cadres/{cadre_a.pk}/transfer/", {"to": cadre_a2.pk}, format="json"
    )
    assert moved.status_code == 200, moved.json()
    assert [p["household"] for p in moved.json()] == [household.pk]


# What the fuzzer found besides the schema, replayed: odd query values answered 500.


def test_an_empty_as_of_is_no_as_of(county_admin, api_for):
    coverage_recompute(by=SYSTEM)
    client = api_for(county_admin)
    assert (
        client.get("/api/v1/stats/coverage/", {"as_of": ""}).json()
        == client.get("/api/v1/stats/coverage/").json()
    )


@pytest.mark.parametrize(
    ("value", "status"),
    [("²", 400), ("١", 400), ("-1", 400), ("9" * 25, 404)],
    ids=["superscript", "arabic-indic", "negative", "beyond-64-bits"],
)
def test_an_area_that_is_no_id_is_refused_not_a_server_error(county_admin, api_for, value, status):
    coverage_recompute(by=SYSTEM)
    answer = api_for(county_admin).get("/api/v1/stats/coverage/", {"area": value})
    assert answer.status_code == status
    if status == 400:
        assert answer.json() == {"area": "请提供区域 ID。"}


@pytest.mark.parametrize(("value", "status"), [("²", 400), ("9" * 25, 200)])
def test_within_that_is_no_id_is_refused_or_finds_nothing(county_admin, api_for, value, status):
    answer = api_for(county_admin).get("/api/v1/gaps/households/", {"within": value})
    assert answer.status_code == status
    if status == 200:
        assert answer.json()["results"] == []


def test_a_cadre_ticked_with_an_odd_digit_is_no_such_cadre(login, county_admin, cadre_a):
    response = login(county_admin).post("/cadres/accounts/", {"cadres": ["²"]}, follow=True)
    assert parse(response).messages("danger") == ["该干部不存在。"]
    assert not type(county_admin).objects.filter(cadre=cadre_a).exists()


def test_a_concerns_transition_documents_both_of_its_400_answers(
    schema, tree, county_admin, api_for
):
    """With the demo's concerns the fuzzer reached the transitions: a body's errors (keyed by
    field) are a 400 as well as the refusal (`detail`, `allowed`). Each real answer matches
    exactly one branch of what the schema says."""
    import jsonschema  # type: ignore[import-untyped]

    from liaison.concerns.models import Category
    from liaison.concerns.services import concern_create

    documented = schema["paths"]["/api/v1/concerns/{id}/resolve/"]["post"]["responses"]["400"]
    answer_schema = documented["content"]["application/json"]["schema"]
    concern = concern_create(
        by=SYSTEM,
        channel="hotline",
        kind="help",
        category=Category.objects.get(code="water"),
        description="饮水管破裂",
        area=tree.group_a1,
    )
    client = api_for(county_admin)
    url = f"/api/v1/concerns/{concern.pk}/"
    field_errors = client.post(url + "resolve/", {}, format="json")  # no note
    refused = client.post(url + "close/", {}, format="json")  # not resolved yet
    assert (field_errors.status_code, refused.status_code) == (400, 400)
    assert set(field_errors.json()) == {"note"}
    assert set(refused.json()) == {"detail", "allowed"}
    for answer in (field_errors.json(), refused.json()):
        jsonschema.validate(answer, answer_schema)  # oneOf: exactly one branch
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/concerns/{id}/") and "post" in operations:
            if path.endswith(("/attachments/", "/reveal/")):
                continue
            assert operations["post"]["responses"]["400"] == documented, path
    # Publishing a note (no transition) has the same two shapes: the body's errors, and a
    # body that is no JSON at all (the fuzzer's find).
    for body, content_type in (("{}", "application/json"), ("\x00", "application/json")):
        answer = client.generic("POST", url + "publish/", body, content_type=content_type)
        assert answer.status_code == 400
        jsonschema.validate(answer.json(), answer_schema)
