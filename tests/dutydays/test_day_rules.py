"""An empty duty day does not count: what a day must record (issue 8, item 1).

A day records at least `min_activities` activities and either a household visited or a
diary of at least `min_diary_length` characters (DutySettings, policy). The service holds
the rule; the page and the API refuse alike; the diary feed shows every day.

Messages are pinned in English until the branch's translations are merged
(locale/pending/dd.po).
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from districts.access import SYSTEM
from dutydays.models import DutyDay, DutySettings
from dutydays.services import diary_length, dutyday_check, dutyday_log, dutyday_update

from ..factories import DUTY_DIARY, CadreFactory, DutyDayFactory, user_with_role
from ..html import parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = timezone.localdate()
NO_ACTIVITY = "Tick at least 1 thing you did."


def no_diary(count: int, n: int = 20) -> str:
    return (
        f"Tick the households you visited, or write a diary of at least {n} characters "
        f"({count} so far)."
    )


def policy(**values: int) -> DutySettings:
    row = DutySettings.current()
    for key, value in values.items():
        setattr(row, key, value)
    row.save()
    return row


# The service


def test_an_empty_day_is_refused_with_a_message_per_field(tree, cadre_a, cadre_user_a):
    with pytest.raises(ValidationError, match="Tick at least 1 thing you did") as refused:
        dutyday_log(cadre=cadre_a, date=TODAY, area=tree.group_a1, by=cadre_user_a)
    assert refused.value.message_dict == {"activities": [NO_ACTIVITY], "diary": [no_diary(0)]}
    assert not DutyDay.objects.exists()


def test_the_policy_is_the_defaults_of_the_migration():
    row = DutySettings.current()
    assert (row.min_activities, row.min_diary_length, row.edit_days) == (1, 20, 7)


def test_an_activity_needs_a_household_or_a_diary_of_twenty_characters(tree, cadre_a, cadre_user_a):
    visit = {"cadre": cadre_a, "area": tree.group_a1, "activities": ["talked_with_cadres"]}
    nineteen = "和组长一起走访了解情况听取意见记录在案好"[:19]
    assert diary_length(nineteen) == 19
    with pytest.raises(ValidationError, match=r"\(19 so far\)") as short:
        dutyday_log(**visit, date=TODAY, diary=nineteen, by=cadre_user_a)
    assert short.value.message_dict == {"diary": [no_diary(19)]}
    # Spaces and line breaks do not count towards the twenty.
    padded = "走访 " * 9 + "\n\n"
    with pytest.raises(ValidationError, match=r"\(18 so far\)"):
        dutyday_log(**visit, date=TODAY, diary=padded, by=cadre_user_a)
    assert not DutyDay.objects.exists()
    day = dutyday_log(**visit, date=TODAY, diary=nineteen + "。", by=cadre_user_a)
    assert (day.activities, day.diary) == (["talked_with_cadres"], nineteen + "。")


def test_a_household_visited_is_an_activity_and_needs_no_diary(tree, cadre_a, cadre_user_a):
    day = dutyday_log(
        cadre=cadre_a, date=TODAY, area=tree.group_a1, households=tree.households_a[:1],
        by=cadre_user_a,
    )  # fmt: skip
    assert (day.activities, day.diary) == (["visited_households"], "")


def test_a_long_diary_without_an_activity_is_refused(tree, cadre_a, cadre_user_a):
    with pytest.raises(ValidationError, match=NO_ACTIVITY) as refused:
        dutyday_log(cadre=cadre_a, date=TODAY, area=tree.group_a1, diary=DUTY_DIARY, by=SYSTEM)
    assert refused.value.message_dict == {"activities": [NO_ACTIVITY]}
    assert not DutyDay.objects.exists()


def test_the_numbers_are_policy(tree, cadre_a, cadre_user_a):
    policy(min_activities=2, min_diary_length=5)
    visit = {"cadre": cadre_a, "area": tree.group_a1, "by": cadre_user_a}
    with pytest.raises(ValidationError, match="Tick at least 2 things you did") as refused:
        dutyday_log(**visit, date=TODAY, activities=["farm_work"], diary="帮忙采茶")
    assert refused.value.message_dict == {
        "activities": ["Tick at least 2 things you did."],
        "diary": [no_diary(4, 5)],
    }
    day = dutyday_log(**visit, date=TODAY, activities=["farm_work", "other"], diary="帮忙采茶叶")
    assert day.activities == ["farm_work", "other"]
    # Nothing required: an empty visit is a record again (the policy's choice, not the code's).
    policy(min_activities=0, min_diary_length=0)
    empty = dutyday_log(**visit, date=TODAY - datetime.timedelta(days=1))
    assert (empty.activities, empty.diary) == ([], "")


def test_every_rule_broken_is_named_at_once(tree, cadre_a, cadre_user_a):
    with pytest.raises(ValidationError, match="cannot be in the future") as refused:
        dutyday_log(
            cadre=cadre_a, date=TODAY + datetime.timedelta(days=1), area=tree.group_a1,
            households=[tree.households_a[4]], activities=["no_such_thing"], by=cadre_user_a,
        )  # fmt: skip
    assert refused.value.message_dict == {
        "date": ["A duty day cannot be in the future."],
        "households": [f"Not in 芒街一组: {tree.households_a[4].head_name}."],
        "activities": ["Unknown activity: no_such_thing."],
    }


def test_a_second_visit_is_held_to_the_same_rule(tree, cadre_a, cadre_user_a):
    first = dutyday_log(
        cadre=cadre_a, date=TODAY, area=tree.group_a1, households=tree.households_a[:1],
        diary="上午", by=cadre_user_a,
    )  # fmt: skip
    with pytest.raises(ValidationError, match=NO_ACTIVITY) as refused:
        dutyday_log(cadre=cadre_a, date=TODAY, area=tree.group_a2, diary="下午", by=cadre_user_a)
    assert refused.value.message_dict == {"activities": [NO_ACTIVITY], "diary": [no_diary(2)]}
    first.refresh_from_db()
    assert (first.diary, first.activities) == ("上午", ["visited_households"])
    # A visit that says enough is merged as before.
    dutyday_log(
        cadre=cadre_a, date=TODAY, area=tree.group_a2, activities=["farm_work"],
        diary=DUTY_DIARY, by=cadre_user_a,
    )  # fmt: skip
    first.refresh_from_db()
    assert first.activities == ["visited_households", "farm_work"]
    assert DutyDay.objects.count() == 1


def test_an_administrator_and_the_system_are_held_to_it_too(tree, cadre_a, admin_a):
    for by in (admin_a, SYSTEM):
        with pytest.raises(ValidationError, match=NO_ACTIVITY):
            dutyday_log(cadre=cadre_a, date=TODAY, area=tree.group_a1, by=by)
    assert not DutyDay.objects.exists()


def test_check_names_the_same_errors_and_writes_nothing(tree, cadre_a, cadre_user_a):
    with pytest.raises(ValidationError, match=NO_ACTIVITY) as refused:
        dutyday_check(cadre=cadre_a, date=TODAY, area=tree.group_a1, by=cadre_user_a)
    assert refused.value.message_dict == {"activities": [NO_ACTIVITY], "diary": [no_diary(0)]}
    dutyday_check(
        cadre=cadre_a, date=TODAY, area=tree.group_a1, households=tree.households_a[:1],
        by=cadre_user_a,
    )  # fmt: skip
    assert not DutyDay.objects.exists()


def test_a_correction_cannot_empty_a_day(tree, cadre_a, cadre_user_a):
    day = dutyday_log(
        cadre=cadre_a, date=TODAY, area=tree.group_a1, activities=["talked_with_cadres"],
        households=tree.households_a[:1], diary="院坝会", by=cadre_user_a,
    )  # fmt: skip
    with pytest.raises(ValidationError, match=NO_ACTIVITY) as no_activities:
        dutyday_update(duty_day=day, activities=[], by=cadre_user_a)
    assert no_activities.value.message_dict == {"activities": [NO_ACTIVITY]}
    # Without the household, "院坝会" is too short a diary.
    with pytest.raises(ValidationError, match=r"\(3 so far\)") as no_households:
        dutyday_update(duty_day=day, households=[], by=cadre_user_a)
    assert no_households.value.message_dict == {"diary": [no_diary(3)]}
    day.refresh_from_db()
    assert day.activities == ["visited_households", "talked_with_cadres"]
    assert list(day.households.all()) == [tree.households_a[0]]
    # With a diary long enough, the household may go.
    dutyday_update(duty_day=day, households=[], diary=DUTY_DIARY, by=cadre_user_a)
    day.refresh_from_db()
    assert (day.households.count(), day.diary) == (0, DUTY_DIARY)


def test_households_the_editor_cannot_see_still_count(tree, township_a_department, admin_a):
    """A county cadre's day with a household since moved to township B: a township A
    administrator who removes the households they see leaves that one, and the day still
    records a household visited."""
    from districts.models import Household

    cadre = CadreFactory(department=township_a_department)
    day = DutyDayFactory(cadre=cadre, date=TODAY, area=tree.group_a1, diary="短")
    day.households.add(tree.households_a[0], tree.households_a[1])
    Household.objects.filter(pk=tree.households_a[0].pk).update(
        group=tree.group_b1, village=tree.village_b, township=tree.town_b
    )
    dutyday_update(duty_day=day, households=[], by=admin_a)
    assert list(day.households.all()) == [tree.households_a[0]]


# The API


def test_the_api_refuses_an_empty_day_keyed_by_field(tree, cadre_a, cadre_user_a, api_for):
    response = api_for(cadre_user_a).post(
        "/api/v1/duty-days/",
        {"date": TODAY.isoformat(), "area": tree.group_a1.pk, "diary": "  "},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json() == {"activities": [NO_ACTIVITY], "diary": [no_diary(0)]}
    assert not DutyDay.objects.exists()


def test_the_api_refuses_a_correction_that_empties_a_day(tree, cadre_a, cadre_user_a, api_for):
    day = DutyDayFactory(cadre=cadre_a, date=TODAY, area=tree.group_a1)
    client = api_for(cadre_user_a)
    response = client.patch(
        f"/api/v1/duty-days/{day.pk}/", {"activities": []}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert response.json() == {"activities": [NO_ACTIVITY]}
    response = client.patch(
        f"/api/v1/duty-days/{day.pk}/",
        {"diary": "改短了"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json() == {"diary": [no_diary(3)]}
    day.refresh_from_db()
    assert (day.activities, day.diary) == (["talked_with_cadres"], DUTY_DIARY)


# The pages


@pytest.fixture
def english_client(login, cadre_user_a):
    """The cadre's client, asking for English pages (new messages are English until their
    translations are merged)."""
    client = login(cadre_user_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def test_saving_an_empty_form_is_refused_under_each_field(tree, cadre_a, english_client):
    response = english_client.post(
        reverse("duty-log"), {"date": TODAY.isoformat(), "area": tree.village_a.pk}
    )
    assert response.status_code == 200
    page = parse(response)
    assert page.form_errors() == [NO_ACTIVITY, no_diary(0)]
    activities = page.find("legend", text="What you did").enclosing("fieldset")
    assert activities is not None
    assert activities.find(class_="invalid-feedback").text == NO_ACTIVITY
    assert "is-invalid" in page.find("textarea", name="diary").classes
    assert not DutyDay.objects.exists()
    month = parse(english_client.get(reverse("duty-month")))
    assert month.texts("li", class_="list-group-item") == ["Nothing logged this month yet."]


def test_the_log_page_says_what_a_day_needs_before_anyone_types(tree, cadre_a, english_client):
    page = parse(english_client.get(reverse("duty-log")))
    assert page.find(id="activities-hint").text == "Tick at least 1."
    assert page.find(id="diary-hint").text == (
        "At least 20 characters, unless you tick the households you visited."
    )
    policy(min_activities=0, min_diary_length=0)
    relaxed = parse(english_client.get(reverse("duty-log")))
    assert relaxed.find_all(id="activities-hint") == relaxed.find_all(id="diary-hint") == []


def test_the_edit_page_refuses_to_empty_a_day(tree, cadre_a, english_client):
    day = DutyDayFactory(cadre=cadre_a, date=TODAY, area=tree.group_a1)
    response = english_client.post(reverse("duty-edit", args=[day.pk]), {"diary": "改"})
    assert response.status_code == 200
    assert parse(response).form_errors() == [NO_ACTIVITY, no_diary(1)]
    day.refresh_from_db()
    assert day.diary == DUTY_DIARY


# The diary feed


def test_the_feed_shows_every_day_with_its_activities(login, tree, cadre_a, admin_a):
    quiet = DutyDayFactory(
        cadre=cadre_a, date=datetime.date(2026, 3, 2), area=tree.group_a1, diary="",
        activities=["visited_households", "farm_work"],
    )  # fmt: skip
    quiet.households.add(tree.households_a[0], tree.households_a[1])
    DutyDayFactory(cadre=cadre_a, date=datetime.date(2026, 3, 1), area=tree.group_a2)
    # Another township's day is not in township A's feed.
    other = CadreFactory(department__area=tree.town_b)
    DutyDayFactory(cadre=other, date=datetime.date(2026, 3, 3), area=tree.group_b1)
    client = login(admin_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = parse(client.get(reverse("area-diaries", args=[tree.village_a.pk])))
    articles = page.find(id="diaries").find_all("article")
    assert [a.find("div").texts("span") for a in articles] == [
        ["岩温 · 娜允镇党政办", "2026-03-02 · 芒街一组"],
        ["岩温 · 娜允镇党政办", "2026-03-01 · 芒街二组"],
    ]
    assert [a.find("ul", class_="day-activities").texts("li") for a in articles] == [
        ["Visited households", "Farm work", "2 households visited"],
        ["Talked with group cadres and party members"],
    ]
    assert [a.find(class_="day-diary").text for a in articles] == [
        "No diary written for this day.",
        DUTY_DIARY,
    ]


def test_the_feed_is_paginated_and_says_when_it_is_empty(login, tree, cadre_a, admin_a):
    client = login(admin_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    empty = parse(client.get(reverse("area-diaries", args=[tree.village_a.pk])))
    assert empty.find(id="diaries").text == "No duty days logged here yet."
    start = datetime.date(2026, 3, 1)
    for offset in range(21):
        DutyDayFactory(
            cadre=cadre_a, date=start + datetime.timedelta(days=offset), area=tree.group_a1,
            diary="",
        )  # fmt: skip
    url = reverse("area-diaries", args=[tree.village_a.pk])
    first = parse(client.get(url))
    assert len(first.find(id="diaries").find_all("article")) == 20
    assert first.find("nav", aria_label="Pages").links() == ["?page=2"]
    second = parse(client.get(url, {"page": 2}))
    (last,) = second.find(id="diaries").find_all("article")
    assert last.find("div").texts("span")[1] == "2026-03-01 · 芒街一组"


def test_the_feed_counts_only_households_the_reader_may_see(
    login, tree, county_department, admin_a
):
    from districts.models import Household

    cadre = CadreFactory(department=county_department)
    day = DutyDayFactory(cadre=cadre, date=TODAY, area=tree.group_a1)
    day.households.add(tree.households_a[0], tree.households_a[1])
    Household.objects.filter(pk=tree.households_a[0].pk).update(
        group=tree.group_b1, village=tree.village_b, township=tree.town_b
    )
    client = login(admin_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = parse(client.get(reverse("area-diaries", args=[tree.village_a.pk])))
    (article,) = page.find(id="diaries").find_all("article")
    assert article.find(class_="day-households").text == "1 household visited"


def test_a_viewer_of_another_township_gets_404(client, tree):
    client.force_login(user_with_role("viewer", tree.town_b, username="b_viewer"))
    assert client.get(reverse("area-diaries", args=[tree.village_a.pk])).status_code == 404
