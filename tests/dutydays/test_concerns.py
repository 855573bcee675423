"""A duty day's problems become a concern in one tap, linked both ways."""

import datetime

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from dutydays.models import DutyDay
from liaison.common.registry import panels_for
from liaison.concerns.models import Concern

from ..factories import DutyDayFactory
from ..html import parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def problem_day(tree, cadre_a, cadre_user_a) -> DutyDay:
    day = DutyDayFactory(
        cadre=cadre_a,
        date=timezone.localdate(),
        area=tree.group_a1,
        problems="芒街一组的饮水管道老化，常停水",
    )
    day.households.set([tree.households_a[0]])
    return day


def test_a_problem_becomes_a_concern_linked_both_ways(
    client, login, tree, cadre_a, cadre_user_a, problem_day
):
    client = login(cadre_user_a)
    page = parse(client.get(reverse("duty-edit", args=[problem_day.pk])))
    button = page.find(id="day-concerns").find("form")
    assert button.attrs["action"] == reverse("duty-raise-concern", args=[problem_day.pk])
    client.post(reverse("duty-raise-concern", args=[problem_day.pk]))
    concern = Concern.objects.get()
    assert (concern.channel, concern.owner, concern.area, concern.household) == (
        "duty_visit",
        cadre_a,
        tree.group_a1,
        tree.households_a[0],
    )
    assert concern.description == problem_day.problems
    assert list(problem_day.concerns.all()) == [concern]
    assert list(concern.duty_days.all()) == [problem_day]
    # The day's page lists it instead of the button; a second tap makes no second concern.
    page = parse(client.get(reverse("duty-edit", args=[problem_day.pk])))
    assert concern.tracking_number in page.find(id="day-concerns").text
    assert page.find(id="day-concerns").find_all("form") == []
    response = client.post(reverse("duty-raise-concern", args=[problem_day.pk]), follow=True)
    assert parse(response).form_errors()
    assert Concern.objects.count() == 1
    # The concern's page shows the day (panel "concern").
    request = RequestFactory().get("/")
    request.user = cadre_user_a
    [panel] = panels_for("concern", request, concern)
    assert panel.context["duty_days"] == [problem_day]
    # … rendered on the concern's page, linking back to the day.
    shown = parse(client.get(reverse("concern-detail", args=[concern.pk]))).find(
        id="concern-duty-days"
    )
    assert shown.find("a").attrs["href"] == reverse("duty-edit", args=[problem_day.pk])


def test_a_day_without_problems_or_of_another_township(
    client, login, tree, cadre_a, cadre_user_a, admin_b, viewer_a, problem_day
):
    quiet = DutyDayFactory(cadre=cadre_a, date=datetime.date(2026, 3, 2), area=tree.group_a1)
    client = login(cadre_user_a)
    response = client.post(reverse("duty-raise-concern", args=[quiet.pk]), follow=True)
    assert parse(response).form_errors()
    assert (
        login(admin_b).post(reverse("duty-raise-concern", args=[problem_day.pk])).status_code == 404
    )
    assert (
        login(viewer_a).post(reverse("duty-raise-concern", args=[problem_day.pk])).status_code
        == 403
    )
    assert not Concern.objects.exists()
