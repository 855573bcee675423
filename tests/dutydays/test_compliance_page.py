"""The compliance page as officials read it: only the cadres with a quota unless switched,
a month still running "in progress", recompute on the month shown (never a month to come),
each department's share met; and a cadre's month in the third person for anyone else.

The page's new words are pinned in English here, before their Chinese joins the catalogue."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from districts.access import SYSTEM
from dutydays.compliance import compliance_recompute
from dutydays.models import DutyDay, MonthlyCompliance
from dutydays.reports import (
    DepartmentTally,
    compliance_report,
    days_left,
    percent_label,
    percent_met,
)

from ..factories import CadreFactory, user_with_role
from ..files import read_csv
from ..html import parse

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2026, 3, 1)


def _on(monkeypatch, today: datetime.date) -> None:
    """Make `today` the date everywhere (pages, services, the API)."""
    real = timezone.localdate
    monkeypatch.setattr(
        timezone,
        "localdate",
        lambda value=None, timezone=None: today if value is None else real(value, timezone),
    )


@pytest.fixture(autouse=True)
def _language_restored():
    """A page in English leaves English active in this thread: give the next test back
    the site's language."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _log(cadre, days: int, area) -> None:
    for n in range(1, days + 1):
        DutyDay.objects.create(
            cadre=cadre, date=MARCH.replace(day=n), area=area, in_zone=True,
            activities=["talked_with_cadres"], diary="与村干部座谈，了解本月的工作安排",
        )  # fmt: skip


def _march(tree, county_department, township_a_department) -> None:
    """March 2026 in township A: 岩丙 (department head, quota 7) no day, 岩甲 (head) 2 days,
    玉甲 (head) 7 days, 岩乙 (ordinary: no quota) 1 day; in the county 县甲 (county
    leader, quota 5) 5 days."""
    head = {"department": township_a_department, "rank": "department_head"}
    CadreFactory(name="岩丙", **head)
    _log(CadreFactory(name="岩甲", **head), 2, tree.group_a1)
    _log(CadreFactory(name="玉甲", **head), 7, tree.group_a1)
    _log(CadreFactory(name="岩乙", department=township_a_department), 1, tree.group_a1)
    county = CadreFactory(name="县甲", department=county_department, rank="county_leader")
    _log(county, 5, tree.group_a2)
    compliance_recompute(month=MARCH, by=SYSTEM)


def _page(client, **query):
    return parse(client.get(reverse("duty-compliance"), query))


# Only the cadres with a quota, unless switched -------------------------------------------------


def test_the_page_lists_the_cadres_with_a_quota_and_the_switch_shows_all(
    client, tree, county_admin, county_department, township_a_department
):
    _march(tree, county_department, township_a_department)
    client = _english(client)
    client.force_login(county_admin)
    page = _page(client, month="2026-03")
    assert page.table_rows("#compliance") == [
        ["岩丙", "娜允镇党政办", "0", "7", "0", "0", "0", "no"],
        ["岩甲", "娜允镇党政办", "2", "7", "0", "0", "0", "no"],
        ["县甲", "县财政局", "5", "5", "0", "0", "0", "yes"],
        ["玉甲", "娜允镇党政办", "7", "7", "0", "0", "0", "yes"],
    ]
    # The totals still count every cadre, and the page says who is left out.
    assert page.find(id="compliance-totals").text == (
        "2 of 4 cadres with a quota met it (5 cadres in all)."
    )
    assert page.find(id="compliance-hidden").text == "1 cadre without a quota is not listed."
    switch = page.find("input", id="show-all")
    assert (switch["type"], switch["name"], switch["value"]) == ("checkbox", "all", "1")
    assert "checked" not in switch.attrs
    assert page.find("div", class_="export-links").find("a")["href"] == (
        reverse("duty-compliance-export", args=["csv"]) + "?month=2026-03&area=&department="
    )

    every = _page(client, month="2026-03", all="1")
    assert [row[0] for row in every.table_rows("#compliance")] == [
        "岩丙", "岩甲", "县甲", "玉甲", "岩乙",
    ]  # fmt: skip
    assert every.table_rows("#compliance")[-1] == [
        "岩乙", "娜允镇党政办", "1", "0", "0", "0", "0", "—",
    ]  # fmt: skip
    assert "checked" in every.find("input", id="show-all").attrs
    assert every.find_all(id="compliance-hidden") == []
    assert every.find("div", class_="export-links").find("a")["href"] == (
        reverse("duty-compliance-export", args=["csv"]) + "?month=2026-03&area=&department=&all=1"
    )


def test_the_download_holds_the_rows_the_page_shows(
    client, tree, county_admin, county_department, township_a_department
):
    _march(tree, county_department, township_a_department)
    client = _english(client)
    client.force_login(county_admin)
    url = reverse("duty-compliance-export", args=["csv"])
    quota_only = read_csv(client.get(url, {"month": "2026-03", "area": tree.town_a.pk}))
    assert [row[0] for row in quota_only[1:]] == ["岩丙", "岩甲", "玉甲"]
    every = read_csv(client.get(url, {"month": "2026-03", "area": tree.town_a.pk, "all": "1"}))
    assert [row[0] for row in every[1:]] == ["岩丙", "岩甲", "玉甲", "岩乙"]


def test_the_api_keeps_every_row_by_default(
    tree, county_admin, county_department, township_a_department, api_for
):
    _march(tree, county_department, township_a_department)
    body = api_for(county_admin).get("/api/v1/stats/duty-compliance/?month=2026-03").json()
    assert [r["name"] for r in body["rows"]] == ["岩丙", "岩甲", "县甲", "玉甲", "岩乙"]
    assert body["totals"]["cadres"] == 5
    assert set(body["by_department"][0]) == {"department", "name", "cadres", "with_quota", "met"}


def test_the_report_leaves_out_rows_only(
    tree, county_admin, county_department, township_a_department
):
    _march(tree, county_department, township_a_department)
    every = compliance_report(user=county_admin, month=MARCH)
    quota_only = compliance_report(user=county_admin, month=MARCH, with_quota_only=True)
    assert [r["name"] for r in quota_only["rows"]] == ["岩丙", "岩甲", "县甲", "玉甲"]
    assert [r["name"] for r in every["rows"]] == ["岩丙", "岩甲", "县甲", "玉甲", "岩乙"]
    assert quota_only["totals"] == every["totals"]
    assert quota_only["by_department"] == every["by_department"]
    assert quota_only["by_area"] == every["by_area"]


# Each department's share met ----------------------------------------------------------------


def test_departments_show_their_share_met(
    client, tree, county_admin, admin_a, county_department, township_a_department
):
    _march(tree, county_department, township_a_department)
    client = _english(client)
    client.force_login(county_admin)
    page = _page(client, month="2026-03")
    assert page.table_headers("#compliance-departments") == [
        "Department", "With a quota", "Met", "Share met",
    ]  # fmt: skip
    assert page.table_rows("#compliance-departments") == [
        ["县财政局", "1", "1", "100%"],
        ["娜允镇党政办", "3", "1", "33.3%"],
    ]
    client.force_login(admin_a)
    assert _page(client, month="2026-03").table_rows("#compliance-departments") == [
        ["娜允镇党政办", "3", "1", "33.3%"],
    ]


@pytest.mark.parametrize(
    ("met", "with_quota", "expected"),
    [(0, 0, "—"), (0, 3, "0%"), (1, 3, "33.3%"), (2, 3, "66.7%"), (1, 8, "12.5%"), (3, 3, "100%"),
     (1, 6, "16.7%"), (1, 1600, "0.1%")],
)  # fmt: skip
def test_the_share_met_rounds_half_up_to_a_tenth(met, with_quota, expected):
    tally: DepartmentTally = {
        "department": 1, "name": "x", "cadres": with_quota, "with_quota": with_quota, "met": met,
    }  # fmt: skip
    assert percent_label(percent_met(tally)) == expected


# A month still running ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [(datetime.date(2026, 3, 20), 12), (datetime.date(2026, 3, 31), 1),
     (datetime.date(2026, 3, 1), 31), (datetime.date(2026, 4, 1), None),
     (datetime.date(2026, 2, 28), None)],
)  # fmt: skip
def test_days_left_count_today_in_a_running_month_only(today, expected):
    assert days_left(MARCH, today) == expected


def test_a_running_month_reads_in_progress_not_no(
    client, monkeypatch, tree, county_admin, county_department, township_a_department
):
    _on(monkeypatch, datetime.date(2026, 3, 20))
    _march(tree, county_department, township_a_department)
    client = _english(client)
    client.force_login(county_admin)
    page = _page(client, month="2026-03")
    assert [(row[0], row[-1]) for row in page.table_rows("#compliance")] == [
        ("岩丙", "in progress, 12 days left"),
        ("岩甲", "in progress, 12 days left"),
        ("县甲", "yes"),
        ("玉甲", "yes"),
    ]
    assert page.find(id="compliance-running").text == "The month is still running: 12 days left."
    assert page.find("table", id="compliance").find_all("span", class_="text-bg-danger") == []
    # The download reads as the page.
    url = reverse("duty-compliance-export", args=["csv"])
    rows = read_csv(client.get(url, {"month": "2026-03"}))
    assert [(row[0], row[6]) for row in rows[1:]] == [
        ("岩丙", "in progress, 12 days left"),
        ("岩甲", "in progress, 12 days left"),
        ("县甲", "yes"),
        ("玉甲", "yes"),
    ]

    _on(monkeypatch, datetime.date(2026, 3, 31))
    last_day = _page(client, month="2026-03")
    assert last_day.table_rows("#compliance")[0][-1] == "in progress, 1 day left"
    assert last_day.find(id="compliance-running").text == "The month is still running: 1 day left."

    _on(monkeypatch, datetime.date(2026, 4, 1))
    over = _page(client, month="2026-03")
    assert [row[-1] for row in over.table_rows("#compliance")] == ["no", "no", "yes", "yes"]
    assert over.find_all(id="compliance-running") == []


def test_a_running_month_in_chinese(
    client, monkeypatch, tree, county_admin, county_department, township_a_department
):
    """The unmet row no longer reads 否 while the month runs (whatever the words)."""
    _on(monkeypatch, datetime.date(2026, 3, 20))
    _march(tree, county_department, township_a_department)
    client.force_login(county_admin)
    cells = [row[-1] for row in _page(client, month="2026-03").table_rows("#compliance")]
    assert cells[2:] == ["是", "是"]
    assert [c for c in cells if c == "否"] == []
    assert all("12" in c for c in cells[:2])


# Recompute: the month shown, never a month to come ----------------------------------------


def _recompute_form(page):
    form = page.find("form", id="recompute")
    return {
        i["name"]: i["value"] for i in form.find_all("input") if i["name"] != "csrfmiddlewaretoken"
    }


def test_recompute_is_offered_for_the_month_shown_and_not_for_a_month_to_come(
    client, monkeypatch, tree, county_admin, viewer_a, county_department, township_a_department
):
    _on(monkeypatch, datetime.date(2026, 4, 10))
    _march(tree, county_department, township_a_department)
    client = _english(client)
    client.force_login(county_admin)
    # No month named: the page shows last month, and recompute acts on it.
    page = _page(client)
    assert page.find("input", id="month")["value"] == "2026-03"
    assert _recompute_form(page) == {"month": "2026-03", "area": "", "department": ""}
    assert page.find("form", id="recompute").find("button").text == "Recompute 2026-03"
    filtered = _page(client, month="2026-01", area=tree.town_a.pk, all="1")
    assert _recompute_form(filtered) == {
        "month": "2026-01", "area": str(tree.town_a.pk), "department": "", "all": "1",
    }  # fmt: skip
    # The month running may be computed; a month to come may not.
    assert _recompute_form(_page(client, month="2026-04"))["month"] == "2026-04"
    assert _page(client, month="2026-05").find_all("form", id="recompute") == []
    assert _page(client, month="2027-01").find_all("form", id="recompute") == []
    # Nor to a role that may not recompute.
    client.force_login(viewer_a)
    assert _page(client, month="2026-03").find_all("form", id="recompute") == []


def test_recompute_acts_on_the_month_posted_and_returns_to_the_page(
    client, monkeypatch, tree, county_admin, cadre_a, django_capture_on_commit_callbacks
):
    _on(monkeypatch, datetime.date(2026, 4, 10))
    client = _english(client)
    client.force_login(county_admin)
    url = reverse("duty-compliance-recompute")
    body = {"month": "2026-01", "area": str(tree.town_a.pk), "department": "", "all": "1"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, body, follow=True)
    assert response.redirect_chain == [
        (f"{reverse('duty-compliance')}?month=2026-01&area={tree.town_a.pk}&department=&all=1", 302)
    ]
    assert parse(response).messages("success") == ["Compliance for 2026-01 is being computed."]
    assert set(MonthlyCompliance.objects.values_list("month", flat=True)) == {
        datetime.date(2026, 1, 1)
    }


def test_recompute_refuses_a_month_to_come(
    client, monkeypatch, tree, county_admin, cadre_a, django_capture_on_commit_callbacks, api_for
):
    _on(monkeypatch, datetime.date(2026, 4, 10))
    client = _english(client)
    client.force_login(county_admin)
    url = reverse("duty-compliance-recompute")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"month": "2026-05"}, follow=True)
    assert response.redirect_chain == [
        (f"{reverse('duty-compliance')}?month=2026-05&area=&department=", 302)
    ]
    assert parse(response).messages("danger") == [
        "Compliance cannot be computed for a month that has not begun."
    ]
    with django_capture_on_commit_callbacks(execute=True):
        missing = client.post(url, {"month": "next"}, follow=True)
    assert parse(missing).messages("danger") == ["Give the month as YYYY-MM."]
    api = api_for(county_admin).post(
        "/api/v1/stats/duty-compliance/recompute/",
        {"month": "2026-05"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert (api.status_code, api.json()) == (
        400,
        {"month": ["Compliance cannot be computed for a month that has not begun."]},
    )
    assert not MonthlyCompliance.objects.exists()


def test_the_service_refuses_a_month_to_come(monkeypatch, tree, cadre_a):
    _on(monkeypatch, datetime.date(2026, 4, 10))
    with pytest.raises(ValidationError, match=r"^\[.无法计算尚未开始的月份的履职情况。.\]$"):
        compliance_recompute(month=datetime.date(2026, 5, 1), by=SYSTEM)
    assert not MonthlyCompliance.objects.exists()
    assert compliance_recompute(month=datetime.date(2026, 4, 1), by=SYSTEM).rows == 1


# A cadre's month: "your" for the cadre, the cadre's name for anyone else --------------------


def test_the_month_speaks_to_the_cadre_and_of_the_cadre_to_an_administrator(
    client, tree, county_admin, township_a_department
):
    head = CadreFactory(name="岩甲", department=township_a_department, rank="department_head")
    plain = CadreFactory(name="岩温", department=township_a_department)
    client = _english(client)
    client.force_login(county_admin)
    url = reverse("duty-month")

    page = parse(client.get(url, {"cadre": head.pk}))
    assert page.find("title").text.startswith("Month of 岩甲 · ")
    assert page.find(id="progress-label").text == "Days in 岩甲's zone"
    assert page.find(role="progressbar")["aria-labelledby"] == "progress-label"
    assert "your" not in page.find("div", class_="card").text.lower()
    no_quota = parse(client.get(url, {"cadre": plain.pk}))
    assert no_quota.find(id="progress-text").text == (
        "0 days in 岩温's zone; 岩温's rank has no monthly quota."
    )

    for cadre, username in ((head, "yanjia"), (plain, "yanwen")):
        cadre.user = user_with_role("cadre", tree.town_a, username=username)
        cadre.save(update_fields=["user"])
    client.force_login(head.user)
    own = parse(client.get(url))
    assert own.find("title").text.startswith("My month · ")
    assert own.find(id="progress-label").text == "Days in your zone"
    client.force_login(plain.user)
    assert parse(client.get(url)).find(id="progress-text").text == (
        "0 days in your zone; your rank has no monthly quota."
    )
