"""Compliance against a hand-counted month."""

import datetime
from typing import Any

import pytest

from districts.access import SYSTEM
from dutydays.compliance import compliance_recompute, required_days
from dutydays.models import DutyDay, DutyQuota, Leave, MonthlyCompliance
from liaison.core.models import ZoneLeadership

from ..factories import DUTY_DIARY, CadreFactory, ZoneFactory

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)


@pytest.mark.parametrize(
    ("quota", "month_days", "leave", "expected"),
    [(5, 31, 0, 5), (7, 30, 10, 5), (5, 30, 15, 3), (7, 31, 31, 0), (0, 30, 0, 0)],
)
def test_required_days_pro_rata(quota, month_days, leave, expected):
    assert required_days(quota, month_days, leave) == expected


def test_a_hand_counted_month(tree, township_a_department):
    leader = CadreFactory(department=township_a_department, rank="county_leader")
    head = CadreFactory(department=township_a_department, rank="department_head")
    plain = CadreFactory(department=township_a_department, rank="ordinary")
    petitioner = tree.households_a[0]
    petitioner.categories = ["petitioner"]
    petitioner.save()
    # Leader: 5 days in the zone (one with two households, one the petitioner) + 1 elsewhere.
    for d in range(1, 6):
        day = DutyDay.objects.create(
            cadre=leader, date=MARCH.replace(day=d), area=tree.group_a1, in_zone=True
        )
        if d == 1:
            day.households.add(tree.households_a[0], tree.households_a[1])
        if d == 2:
            day.households.add(tree.households_a[1])
    DutyDay.objects.create(cadre=leader, date=MARCH.replace(day=9), area=tree.group_b1)
    # Days outside March are not counted.
    DutyDay.objects.create(
        cadre=leader, date=datetime.date(2026, 4, 1), area=tree.group_a1, in_zone=True
    )
    # Department head: 4 days, with 15 days of leave → 7 × 16/31 = 3.6 → 4 required: met.
    for d in range(20, 24):
        DutyDay.objects.create(
            cadre=head, date=MARCH.replace(day=d), area=tree.group_a2, in_zone=True
        )
    Leave.objects.create(
        cadre=head, start_date=datetime.date(2026, 2, 20), end_date=MARCH.replace(day=15)
    )

    result = compliance_recompute(month=MARCH, by=SYSTEM)
    assert result.rows >= 3
    rows = {r.cadre_id: r for r in MonthlyCompliance.objects.filter(month=MARCH)}
    r = rows[leader.pk]
    assert (r.days_counted, r.days_other, r.days_required, r.met) == (5, 1, 5, True)
    assert (r.households_visited, r.special_households_visited) == (2, 1)
    r = rows[head.pk]
    assert (r.days_counted, r.days_required, r.met) == (4, 4, True)
    r = rows[plain.pk]
    assert (r.days_counted, r.days_required, r.met) == (0, 0, True)
    # The quota is policy: raise it and recompute.
    DutyQuota.objects.filter(rank="county_leader").update(days_per_month=6)
    compliance_recompute(month=MARCH, by=SYSTEM)
    assert not MonthlyCompliance.objects.get(cadre=leader, month=MARCH).met
    assert MonthlyCompliance.objects.filter(month=MARCH, cadre=leader).count() == 1


def test_days_only_count_in_the_zone_at_logging_time(tree, township_a_department):
    from dutydays.services import dutyday_log

    cadre = CadreFactory(department=township_a_department, rank="county_leader")
    zone = ZoneFactory(name="娜允镇片", level="township", areas=[tree.town_a])
    ZoneLeadership.objects.create(zone=zone, cadre=cadre, start_date=datetime.date(2026, 1, 1))
    said: dict[str, Any] = {"activities": ["talked_with_cadres"], "diary": DUTY_DIARY}
    in_zone = dutyday_log(cadre=cadre, date=MARCH, area=tree.village_a, by=SYSTEM, **said)
    elsewhere = dutyday_log(
        cadre=cadre, date=MARCH.replace(day=2), area=tree.village_b, by=SYSTEM, **said
    )
    assert (in_zone.in_zone, elsewhere.in_zone) == (True, False)


def test_only_a_role_that_may_recompute_statistics_recomputes_compliance(tree, viewer_a):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match=r"^您的角色无权执行此操作。$"):
        compliance_recompute(month=MARCH, by=viewer_a)
    assert not MonthlyCompliance.objects.exists()
