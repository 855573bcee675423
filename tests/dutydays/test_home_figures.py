"""Duty-day figures for the home page: a month's compliance totals (those of the compliance
page), month by month, and a cadre's progress in a month (that of "My month")."""

import datetime

import pytest

from districts.access import SYSTEM, scope_for
from dutydays import selectors
from dutydays.compliance import compliance_recompute
from dutydays.reports import compliance_report

from ..factories import (
    CadreFactory,
    DutyQuotaFactory,
    LeaveFactory,
    MonthlyComplianceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SEPTEMBER, OCTOBER, NOVEMBER = (datetime.date(2026, 9, 1), datetime.date(2026, 10, 1),
                                datetime.date(2026, 11, 1))  # fmt: skip


@pytest.fixture
def compliance_rows(cadre_a, cadre_a2, cadre_b, county_department):
    """October: 岩温 met 5/5, 玉香 2/5, 扎约 (township B) 7/7, a county cadre 0/0 (no quota).
    September: 岩温 met, 扎约 did not."""
    county_cadre = CadreFactory(department=county_department)
    for cadre, counted, required in (
        (cadre_a, 5, 5), (cadre_a2, 2, 5), (cadre_b, 7, 7), (county_cadre, 0, 0)
    ):  # fmt: skip
        MonthlyComplianceFactory(
            cadre=cadre, month=OCTOBER, days_counted=counted, days_required=required
        )
    MonthlyComplianceFactory(cadre=cadre_a, month=SEPTEMBER, days_counted=5, days_required=5)
    MonthlyComplianceFactory(cadre=cadre_b, month=SEPTEMBER, days_counted=3, days_required=7)


@pytest.mark.parametrize(
    ("user", "expected"),
    [("county_admin", (4, 3, 2)), ("admin_a", (2, 2, 1)), ("admin_b", (1, 1, 1))],
)
def test_a_months_summary_is_the_compliance_pages_totals(request, compliance_rows, user, expected):
    actor = request.getfixturevalue(user)
    summary = selectors.compliance_summary(user=actor, month=OCTOBER)
    assert summary is not None
    assert (summary.cadres, summary.with_quota, summary.met) == expected
    totals = compliance_report(user=actor, month=OCTOBER)["totals"]
    assert (totals["cadres"], totals["with_quota"], totals["met"]) == expected


def test_a_month_not_computed_has_no_summary_and_a_computed_one_may_be_empty(
    tree, admin_a, cadre_b
):
    assert selectors.compliance_summary(user=admin_a, month=OCTOBER) is None
    MonthlyComplianceFactory(cadre=cadre_b, month=OCTOBER)  # township B's only
    summary = selectors.compliance_summary(user=admin_a, month=OCTOBER)
    assert summary == selectors.ComplianceSummary(
        month=OCTOBER, cadres=0, with_quota=0, met=0, computed_at=None
    )


def test_months_are_tallied_in_one_query(
    compliance_rows, admin_a, county_admin, django_assert_num_queries
):
    months = [SEPTEMBER, OCTOBER, NOVEMBER]
    scope_for(county_admin)  # the jurisdiction, read once per request
    with django_assert_num_queries(1):
        county = selectors.compliance_by_month(user=county_admin, months=months)
    assert {m: (s.cadres, s.with_quota, s.met) for m, s in county.items()} == {
        SEPTEMBER: (2, 2, 1),
        OCTOBER: (4, 3, 2),
    }
    township = selectors.compliance_by_month(user=admin_a, months=months)
    assert {m: (s.cadres, s.with_quota, s.met) for m, s in township.items()} == {
        SEPTEMBER: (1, 1, 1),
        OCTOBER: (2, 2, 1),
    }


def test_a_cadres_own_row_counts_for_their_account(tree, cadre_b, cadre_user_a, cadre_a):
    """As on the compliance page: a cadre account sees its own row (and its township's)."""
    MonthlyComplianceFactory(cadre=cadre_a, month=OCTOBER)
    MonthlyComplianceFactory(cadre=cadre_b, month=OCTOBER)
    summary = selectors.compliance_summary(user=cadre_user_a, month=OCTOBER)
    assert summary is not None and summary.cadres == 1
    # A user without a jurisdiction: the month is computed, none of its rows are theirs.
    nobody = selectors.compliance_summary(user=UserFactory(), month=OCTOBER)
    assert nobody is not None and nobody.cadres == 0


def test_progress_counts_days_in_the_zone_against_the_quota_less_leave(cadre_a):
    DutyQuotaFactory(rank="department_head", days_per_month=7)
    cadre_a.rank = "department_head"
    LeaveFactory(
        cadre=cadre_a, start_date=datetime.date(2026, 11, 21), end_date=NOVEMBER.replace(day=30)
    )
    LeaveFactory(cadre=CadreFactory(), start_date=NOVEMBER, end_date=NOVEMBER.replace(day=30))
    progress = selectors.month_progress(
        cadre=cadre_a,
        month=NOVEMBER,
        in_zone=[True, False, True, True],
        today=datetime.date(2026, 11, 20),
    )
    # 7 × 20/30 = 4.7 → 5 days required; 10 days of leave; today and 10 more days left.
    assert progress == selectors.MonthProgress(
        month=NOVEMBER, counted=3, other=1, required=5, leave=10, days_left=11
    )
    assert (progress.percent, progress.still_needed) == (60, 2)


@pytest.mark.parametrize(
    ("today", "days_left"),
    [
        (datetime.date(2026, 11, 30), 1),
        (datetime.date(2026, 12, 3), 0),
        (datetime.date(2026, 10, 31), 30),
    ],
)
def test_days_left_in_the_month(cadre_a, today, days_left):
    progress = selectors.month_progress(cadre=cadre_a, month=NOVEMBER, in_zone=[], today=today)
    assert progress.days_left == days_left
    assert (progress.required, progress.percent, progress.still_needed) == (0, 100, 0)


def test_a_met_quota_is_a_full_bar(cadre_a):
    DutyQuotaFactory(rank="county_leader", days_per_month=5)
    cadre_a.rank = "county_leader"
    progress = selectors.month_progress(
        cadre=cadre_a, month=NOVEMBER, in_zone=[True] * 6, today=datetime.date(2026, 11, 20)
    )
    assert (progress.counted, progress.required, progress.percent, progress.still_needed) == (
        6,
        5,
        100,
        0,
    )


def test_the_summary_follows_a_recompute(tree, county_admin, cadre_a):
    """Figures come from the compliance table: a recompute is what changes them."""
    DutyQuotaFactory(rank="county_leader", days_per_month=5)
    cadre_a.rank = "county_leader"
    cadre_a.save(update_fields=["rank"])
    compliance_recompute(month=OCTOBER, by=SYSTEM)
    summary = selectors.compliance_summary(user=county_admin, month=OCTOBER)
    assert summary is not None
    assert (summary.cadres, summary.with_quota, summary.met) == (1, 1, 0)
