"""The concerns API: intake, filters, one POST per transition, the timeline, scoping."""

import pytest

from liaison.concerns.models import Concern, ConcernEvent, State

URL = "/api/v1/concerns/"


@pytest.fixture
def a_concern(raise_concern, paired_a):
    return raise_concern(household=paired_a)


def test_create_routes_and_answers_the_contract_fields(api_for, admin_a, paired_a, cadre_a):
    response = api_for(admin_a).post(
        URL,
        {
            "channel": "hotline",
            "kind": "complaint",
            "category": "roads",
            "household": paired_a.pk,
            "description": "村道塌方",
            "reporter_name": "岩三",
            "reporter_phone": "13912345678",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    for field in (
        "tracking_number",
        "state",
        "owner",
        "ack_due",
        "due",
        "escalation_level",
        "reopen_count",
        "feedback",
    ):
        assert field in body
    assert (body["state"], body["owner"]) == ("assigned", cadre_a.pk)
    assert body["reporter_phone"] != "13912345678" and body["reporter_phone"].endswith("5678")


def test_transitions_and_a_refusal_lists_what_is_allowed(api_for, a_concern, cadre_user_a):
    client = api_for(cadre_user_a)
    url = f"{URL}{a_concern.pk}/"
    assert client.post(url + "accept/", {}, format="json").status_code == 200
    refused = client.post(url + "accept/", {}, format="json")
    assert refused.status_code == 400
    assert refused.json()["allowed"] == ["request-info", "resolve"]
    assert refused.json()["detail"]
    bad = client.post(url + "resolve/", {}, format="json")
    assert bad.status_code == 400 and "note" in bad.json()
    done = client.post(url + "resolve/", {"note": "修好了"}, format="json")
    assert done.json()["state"] == "resolved"
    events = client.get(url + "events/").json()
    assert [e["action"] for e in events] == ["create", "accept", "resolve"]
    assert events[1]["actor"] == "yanwen"


def test_another_townships_concern_is_404_and_absent(api_for, a_concern, admin_b):
    client = api_for(admin_b)
    assert client.get(f"{URL}{a_concern.pk}/").status_code == 404
    assert client.post(f"{URL}{a_concern.pk}/reject/", {"reason": "x"}).status_code == 404
    assert client.get(f"{URL}{a_concern.pk}/events/").status_code == 404
    assert client.get(URL).json()["results"] == []
    a_concern.refresh_from_db()
    assert a_concern.state == State.ASSIGNED


def test_a_viewer_reads_but_may_not_act(api_for, a_concern, viewer_a):
    client = api_for(viewer_a)
    assert client.get(f"{URL}{a_concern.pk}/").status_code == 200
    assert client.post(f"{URL}{a_concern.pk}/reject/", {"reason": "x"}).status_code == 403
    assert client.post(URL, {"channel": "web"}, format="json").status_code == 403
    assert not ConcernEvent.objects.filter(action="reject").exists()


def test_filters(api_for, raise_concern, county_admin, tree, a_concern):
    raise_concern(area=tree.group_b1, channel="opinion_box", kind="complaint")
    client = api_for(county_admin)

    def numbers(**query):
        return {r["tracking_number"] for r in client.get(URL, query).json()["results"]}

    assert len(numbers()) == 2
    assert numbers(within=tree.town_b.pk) == numbers(channel="opinion_box")
    assert numbers(kind="complaint") == numbers(channel="opinion_box")
    assert numbers(owner=a_concern.owner_id) == {a_concern.tracking_number}
    assert numbers(overdue="true") == set()
    assert numbers(category="water") == numbers()
    assert len(numbers(received_after="2000-01-01")) == 2


def test_attachments_are_multipart(api_for, a_concern, cadre_user_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_for(cadre_user_a)
    photo = SimpleUploadedFile("slip.jpg", b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg")
    response = client.post(f"{URL}{a_concern.pk}/attachments/", {"file": photo}, format="multipart")
    assert response.status_code == 201, response.content
    assert a_concern.attachments.count() == 1
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    refused = client.post(f"{URL}{a_concern.pk}/attachments/", {"file": exe}, format="multipart")
    assert refused.status_code == 400
    assert a_concern.attachments.count() == 1


def test_reveal_is_audited(api_for, a_concern, cadre_user_a, admin_b):
    from districts.models import AuditEntry

    Concern.objects.filter(pk=a_concern.pk).update(reporter_phone="13912345678")
    response = api_for(cadre_user_a).post(f"{URL}{a_concern.pk}/reveal/")
    assert response.json()["reporter_phone"] == "13912345678"
    entry = AuditEntry.objects.get(kind="reveal")
    assert entry.details["concern"] == a_concern.pk
    assert api_for(admin_b).post(f"{URL}{a_concern.pk}/reveal/").status_code == 404


def test_publish_a_note_for_the_public(api_for, a_concern, cadre_user_a, viewer_a, admin_b):
    url = f"{URL}{a_concern.pk}/publish/"
    response = api_for(cadre_user_a).post(url, {"note": "已派人查看"}, format="json")
    assert response.status_code == 201
    assert (response.json()["action"], response.json()["public"]) == ("publish", True)
    assert api_for(cadre_user_a).post(url, {}, format="json").status_code == 400
    assert api_for(viewer_a).post(url, {"note": "x"}, format="json").status_code == 403
    assert api_for(admin_b).post(url, {"note": "x"}, format="json").status_code == 404
    assert ConcernEvent.objects.filter(action="publish").count() == 1
