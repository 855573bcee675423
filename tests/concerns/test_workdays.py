"""The deadline engine: Chinese working days, overrides, and years without data."""

import datetime

import pytest

from liaison.concerns.models import ConcernPolicy, Kind, Priority, WorkdayOverride
from liaison.concerns.services import deadlines_for
from liaison.concerns.workdays import Calendar, package_knows, years_in_use

D = datetime.date
FRI_FEB_13 = D(2026, 2, 13)


def test_spring_festival_2026_adjusted_working_weekends_and_holidays():
    cal = Calendar()
    assert cal.is_working_day(D(2026, 2, 14))  # Saturday, adjusted working day
    assert cal.is_working_day(D(2026, 2, 28))
    assert cal.is_working_day(D(2026, 1, 4))  # Sunday, adjusted
    assert not cal.is_working_day(D(2026, 2, 15))
    assert not cal.is_working_day(D(2026, 2, 23))  # Monday, still the break
    assert cal.is_working_day(D(2026, 2, 24))
    assert cal.is_holiday(D(2026, 2, 16))
    assert not cal.is_holiday(D(2026, 2, 21))  # a Saturday off is a weekend, not a holiday


def test_count_starts_the_day_after_receipt():
    cal = Calendar()
    assert cal.add_working_days(FRI_FEB_13, 1) == D(2026, 2, 14)
    assert cal.add_working_days(FRI_FEB_13, 3) == D(2026, 2, 25)
    assert cal.add_working_days(FRI_FEB_13, 13) == D(2026, 3, 10)
    # 0: the day itself when it works, else the next working day.
    assert cal.add_working_days(FRI_FEB_13, 0) == FRI_FEB_13
    assert cal.add_working_days(D(2026, 2, 15), 0) == D(2026, 2, 24)


@pytest.mark.django_db
def test_deadlines_of_a_concern_received_before_the_spring_festival():
    consult = deadlines_for(
        kind=Kind.CONSULT, category=None, priority=Priority.NORMAL, received=FRI_FEB_13
    )
    complaint = deadlines_for(
        kind=Kind.COMPLAINT, category=None, priority=Priority.NORMAL, received=FRI_FEB_13
    )
    assert (consult.ack_due, consult.due, consult.days) == (D(2026, 2, 14), D(2026, 2, 25), 3)
    assert (complaint.due, complaint.days) == (D(2026, 3, 10), 13)
    urgent = deadlines_for(
        kind=Kind.COMPLAINT, category=None, priority=Priority.URGENT, received=D(2026, 2, 16)
    )
    assert (urgent.due, urgent.days, urgent.ack_due) == (D(2026, 2, 24), 0, D(2026, 2, 24))


@pytest.mark.django_db
def test_a_shorter_category_deadline_wins_and_a_longer_one_does_not():
    from liaison.concerns.models import Category

    water = Category.objects.create(code="water-test", name="饮水", deadline_days=2)
    slow = Category.objects.create(code="slow-test", name="慢", deadline_days=20)
    short = deadlines_for(
        kind=Kind.COMPLAINT, category=water, priority=Priority.NORMAL, received=FRI_FEB_13
    )
    long = deadlines_for(
        kind=Kind.CONSULT, category=slow, priority=Priority.NORMAL, received=FRI_FEB_13
    )
    assert (short.days, short.due) == (2, D(2026, 2, 24))
    assert (long.days, long.due) == (3, D(2026, 2, 25))


@pytest.mark.django_db
def test_policy_changes_the_days():
    policy = ConcernPolicy.current()
    policy.consult_days = 5
    policy.save()
    assert deadlines_for(
        kind=Kind.CONSULT, category=None, priority=Priority.NORMAL, received=FRI_FEB_13
    ).due == D(2026, 2, 27)


def test_a_year_without_data_falls_back_to_weekends_off():
    assert not package_knows(2099)
    cal = Calendar()
    # 2099-01-01 is a Thursday: the fallback knows no holidays, only weekends.
    assert cal.is_working_day(D(2099, 1, 1))
    assert not cal.is_working_day(D(2099, 1, 3))
    assert cal.add_working_days(D(2099, 1, 2), 1) == D(2099, 1, 5)
    assert cal.missing_years([2026, 2099]) == [2099]


def test_deadlines_run_from_late_november_into_a_year_without_data():
    cal = Calendar()
    start = D(2026, 12, 28)  # Monday; 2027 may not be in the package yet
    due = cal.add_working_days(start, 13)
    assert due.year == 2027
    assert cal.working_days_between(start, due) == 13


@pytest.mark.django_db
def test_the_override_table_comes_first_and_enters_a_year():
    WorkdayOverride.objects.create(date=D(2099, 1, 1), is_working_day=False, note="元旦")
    WorkdayOverride.objects.create(date=D(2026, 2, 16), is_working_day=True, note="test")
    cal = Calendar.load()
    assert not cal.is_working_day(D(2099, 1, 1))
    assert cal.is_holiday(D(2099, 1, 1))
    assert cal.is_working_day(D(2026, 2, 16))
    assert cal.missing_years([2099]) == []


def test_working_days_between_and_subtract():
    cal = Calendar()
    assert cal.working_days_between(FRI_FEB_13, D(2026, 2, 25)) == 3
    assert cal.working_days_between(D(2026, 2, 25), FRI_FEB_13) == 0
    assert cal.subtract_working_days(D(2026, 2, 25), 3) == FRI_FEB_13
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(FRI_FEB_13, -1)


def test_years_in_use_reach_into_next_year_from_november():
    assert years_in_use(D(2026, 11, 27)) == [2026, 2027]
    assert years_in_use(D(2026, 6, 1)) == [2026]
