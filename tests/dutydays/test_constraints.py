"""The duty days' constraints speak to the user: a translated message on the field."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from dutydays.models import Leave

from ..factories import DutyDayFactory, LeaveFactory, MonthlyComplianceFactory
from ..html import parse

pytestmark = pytest.mark.django_db

LEAVE_ENDS = "请假的结束日期不能早于开始日期。"


def _second_record_of_the_day():
    first = DutyDayFactory()
    return DutyDayFactory.build(cadre=first.cadre, date=first.date, area=first.area)


def _leave_ending_before_it_starts():
    leave = LeaveFactory(start_date=datetime.date(2026, 3, 10))
    leave.end_date = datetime.date(2026, 3, 1)
    return leave


def _second_compliance_of_the_month():
    first = MonthlyComplianceFactory()
    return MonthlyComplianceFactory.build(cadre=first.cadre, month=first.month)


@pytest.mark.parametrize(
    ("make", "field", "message"),
    [
        (_second_record_of_the_day, "date", "该干部当天已有下基层记录。"),
        (_leave_ending_before_it_starts, "end_date", LEAVE_ENDS),
        (_second_compliance_of_the_month, "month", "该干部该月的履职情况已经计算过。"),
    ],
    ids=["dutyday_one_per_cadre_day", "leave_ends_after_start", "compliance_one_per_month"],
)
def test_each_duty_day_constraint_reports_on_its_field(make, field, message):
    """What full_clean() (the services' check) raises for each constraint."""
    record = make()
    with pytest.raises(ValidationError, match=message) as refused:
        record.full_clean(exclude=["households"])
    assert refused.value.message_dict == {field: [message]}


def test_leave_form_marks_the_end_date(login, tree, superuser, cadre_a):
    """Leaves are kept in the admin (no service yet): its form marks the field too."""
    response = login(superuser).post(
        "/admin/dutydays/leave/add/",
        {
            "cadre": cadre_a.pk,
            "start_date": "2026-03-10",
            "end_date": "2026-03-01",
            "reason": "病假",
        },
    )
    assert response.status_code == 200
    page = parse(response)
    assert page.form_errors() == [LEAVE_ENDS]
    row = page.find("div", class_="field-end_date")
    assert row.find("ul", class_="errorlist").texts("li") == [LEAVE_ENDS]
    assert row.find("input", name="end_date")["aria-invalid"] == "true"
    assert "leave_ends_after_start" not in page.all_text
    assert not Leave.objects.exists()
