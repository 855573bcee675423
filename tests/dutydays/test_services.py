import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from districts.access import SYSTEM
from dutydays.models import DutyDay, DutySettings
from dutydays.services import dutyday_log, dutyday_update
from liaison.core.models import Pairing, ZoneLeadership

from ..factories import DUTY_DIARY, CadreFactory, ZoneFactory, user_with_role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
# What a visit without households must say (the default policy: 1 activity, 20 characters).
SAID: dict[str, Any] = {"activities": ["talked_with_cadres"], "diary": DUTY_DIARY}


def test_a_cadre_logs_a_day_with_households(tree, cadre_a, cadre_user_a):
    day = dutyday_log(
        cadre=cadre_a,
        date=TODAY,
        area=tree.group_a1,
        activities=["talked_with_cadres"],
        households=tree.households_a[:2],
        diary="走访了两户。",
        by=cadre_user_a,
    )
    assert set(day.households.all()) == set(tree.households_a[:2])
    assert day.activities == ["visited_households", "talked_with_cadres"]
    assert day.recorded_by == cadre_user_a


def test_one_record_per_cadre_per_day_second_visit_adds(tree, cadre_a, cadre_user_a):
    dutyday_log(
        cadre=cadre_a,
        date=TODAY,
        area=tree.group_a1,
        households=tree.households_a[:1],
        diary="上午",
        by=cadre_user_a,
    )
    dutyday_log(
        cadre=cadre_a,
        date=TODAY,
        area=tree.group_a2,
        households=tree.households_a[3:4],
        diary="下午",
        by=cadre_user_a,
    )
    day = DutyDay.objects.get()
    assert day.households.count() == 2
    assert day.area == tree.group_a1  # the day keeps its first place
    assert day.diary == "上午\n\n下午"


def test_no_future_dates(tree, cadre_a, cadre_user_a):
    with pytest.raises(ValidationError, match="下基层日不能是将来的日期。"):
        dutyday_log(
            cadre=cadre_a,
            date=TODAY + datetime.timedelta(days=1),
            area=tree.group_a1,
            by=cadre_user_a,
        )
    assert not DutyDay.objects.exists()


def test_records_lock_after_the_edit_window(tree, cadre_a, cadre_user_a, county_admin):
    settings = DutySettings.current()
    settings.edit_days = 3
    settings.save()
    old = TODAY - datetime.timedelta(days=4)
    locked = "超过 3 天的记录已锁定，请联系管理员。"
    visit = {"area": tree.group_a1, "households": tree.households_a[:1]}
    with pytest.raises(ValidationError, match=locked):
        dutyday_log(cadre=cadre_a, date=old, **visit, by=cadre_user_a)
    assert not DutyDay.objects.exists()
    day = dutyday_log(cadre=cadre_a, date=old, **visit, by=county_admin)
    assert day.recorded_by == county_admin  # the record says who entered it
    with pytest.raises(ValidationError, match=locked):
        dutyday_update(duty_day=day, diary="改", by=cadre_user_a)
    day.refresh_from_db()
    assert day.diary == ""
    dutyday_update(duty_day=day, diary="补录", by=county_admin)
    day.refresh_from_db()
    assert day.diary == "补录"


def test_households_must_be_in_the_place_visited(tree, cadre_a, cadre_user_a):
    elsewhere = tree.households_a[4]  # in group A2
    with pytest.raises(ValidationError, match=f"以下农户不在芒街一组：{elsewhere.head_name}。"):
        dutyday_log(
            cadre=cadre_a,
            date=TODAY,
            area=tree.group_a1,
            households=[elsewhere],
            by=cadre_user_a,
        )
    assert not DutyDay.objects.exists()


def test_only_the_cadre_or_an_administrator_may_log(tree, cadre_a, cadre_a2, viewer_a):
    with pytest.raises(PermissionDenied, match="您只能为自己登记下基层日。"):
        dutyday_log(cadre=cadre_a, date=TODAY, area=tree.group_a1, by=viewer_a)
    other = user_with_role("cadre", tree.town_a, username="other")
    cadre_a2.user = other
    cadre_a2.save()
    with pytest.raises(PermissionDenied, match="您只能为自己登记下基层日。"):
        dutyday_log(cadre=cadre_a, date=TODAY, area=tree.group_a1, by=other)
    assert not DutyDay.objects.exists()


def test_only_days_in_own_zone_or_paired_households_count(tree, cadre_a, cadre_user_a, day):
    # Not yet in any zone: the day is recorded but does not count.
    d1 = dutyday_log(cadre=cadre_a, date=TODAY, area=tree.group_a1, **SAID, by=cadre_user_a)
    assert d1.in_zone is False
    # A paired household in group A2 makes group A2 and village A count.
    Pairing.objects.create(cadre=cadre_a, household=tree.households_a[3], start_date=day)
    d2 = dutyday_log(
        cadre=cadre_a, date=TODAY - datetime.timedelta(days=1), area=tree.group_a2, **SAID,
        by=cadre_user_a,
    )  # fmt: skip
    assert d2.in_zone is True
    # Leading a zone over group A1 makes A1 count.
    zone = ZoneFactory(name="A1片", areas=[tree.group_a1])
    ZoneLeadership.objects.create(zone=zone, cadre=cadre_a, start_date=day)
    d3 = dutyday_log(
        cadre=cadre_a, date=TODAY - datetime.timedelta(days=2), area=tree.group_a1, **SAID,
        by=cadre_user_a,
    )  # fmt: skip
    assert d3.in_zone is True


def test_place_must_be_a_village_or_group_in_jurisdiction(tree, cadre_a, cadre_user_a):
    with pytest.raises(ValidationError, match="请选择您走访的村或村民小组。"):
        dutyday_log(cadre=cadre_a, date=TODAY, area=tree.town_a, by=SYSTEM)
    # Another township's group reads as missing.
    with pytest.raises(Http404, match=r"^该区域不存在。$"):
        dutyday_log(cadre=cadre_a, date=TODAY, area=tree.group_b1, by=cadre_user_a)
    assert not DutyDay.objects.exists()


def test_a_second_visit_elsewhere_does_not_take_the_days_credit(tree, cadre_a, cadre_user_a, day):
    Pairing.objects.create(cadre=cadre_a, household=tree.households_a[0], start_date=day)
    first = dutyday_log(cadre=cadre_a, date=TODAY, area=tree.group_a1, **SAID, by=cadre_user_a)
    assert first.in_zone
    second = dutyday_log(
        cadre=cadre_a, date=TODAY, area=tree.group_a2, households=[tree.households_a[3]],
        by=cadre_user_a,
    )  # fmt: skip
    assert (second.area, second.in_zone) == (tree.group_a1, True)
    assert list(second.households.all()) == [tree.households_a[3]]


def test_leaving_mid_month_reduces_the_quota(tree, township_a_department):
    from dutydays.compliance import compliance_recompute
    from dutydays.models import MonthlyCompliance

    march = datetime.date(2026, 3, 1)
    leaver = CadreFactory(
        department=township_a_department, rank="department_head", left_date=march.replace(day=16)
    )
    compliance_recompute(month=march, by=SYSTEM)
    # 7 days × 15/31 present → 3.4 → 3.
    assert MonthlyCompliance.objects.get(cadre=leaver).days_required == 3
