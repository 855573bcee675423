"""Administrators are told when deadlines reach a year the working-day calendar lacks."""

import datetime

import pytest
from django.utils import timezone

from liaison.concerns.models import WorkdayOverride
from tests.html import parse


@pytest.fixture
def late_in_2098(monkeypatch) -> None:
    """Today is 2098-11-27: deadlines reach into 2099; the package knows neither year."""
    original = timezone.localdate

    def localdate(value=None, timezone=None):
        return datetime.date(2098, 11, 27) if value is None else original(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


def test_the_alert_names_the_year_and_goes_once_it_is_entered(login, county_admin, late_in_2098):
    page = parse(login(county_admin).get("/").content)
    alert = page.find(id="calendar-missing")
    assert "2098" in alert.text and "2099" in alert.text
    assert alert.find("a").attrs["href"] == "/admin/concerns/workdayoverride/"
    WorkdayOverride.objects.create(date=datetime.date(2098, 1, 1), is_working_day=False)
    WorkdayOverride.objects.create(date=datetime.date(2099, 1, 1), is_working_day=False)
    assert parse(login(county_admin).get("/").content).find_all(id="calendar-missing") == []


def test_area_administrators_do_not_get_it(login, admin_a, late_in_2098):
    assert parse(login(admin_a).get("/").content).find_all(id="calendar-missing") == []
