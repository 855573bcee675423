"""Concern statistics: figures against a hand-counted set, working days, scoping, the API's
JSON and CSV, the recompute job's status URL, the page and its panels."""

import csv
import datetime
import io
from typing import Any

import pytest
from django.utils import timezone

from districts.access import SYSTEM
from liaison.concerns.models import Category, Concern, ConcernStats, ConcernStatsJob, State
from liaison.concerns.statistics import concern_stats_recompute, days_to_resolve
from liaison.concerns.workdays import Calendar
from tests.html import parse

MARCH, APRIL = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1)
# The moment the figures are computed at: mid-April, so March is a past month.
NOW = timezone.make_aware(datetime.datetime(2026, 4, 15, 12, 0))
URL = "/api/v1/stats/concerns/"


def at(day: str, time: str = "10:00") -> datetime.datetime:
    """A local (Asia/Shanghai) time."""
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day} {time}"))


def make(tree: Any, number: int, *, town: str = "a", **fields: Any) -> Concern:
    """A concern with exactly the given dates and state (no routing, no deadlines counted)."""
    place = {
        "a": (tree.group_a1, tree.town_a, tree.village_a),
        "b": (tree.group_b1, tree.town_b, tree.village_b),
    }[town]
    fields.setdefault("channel", "hotline")
    fields.setdefault("kind", "help")
    fields["category"] = Category.objects.get(code=fields.pop("category", "water"))
    fields.setdefault("state", State.IN_PROGRESS)
    received = fields["received_at"]
    return Concern.objects.create(
        tracking_number=f"530827-2026-{number:06d}",
        area=place[0],
        township=place[1],
        village=place[2],
        description="测试",
        deadline_days=3,
        ack_due=received.date(),
        **fields,
    )


@pytest.fixture
def concerns(tree) -> dict[str, Concern]:
    """Twelve concerns with known dates, states and call-backs (ten in township A)."""
    c: dict[str, Concern] = {}
    # Resolved on time (03-04 <= 03-05), satisfied: closed.
    c["c1"] = make(
        tree,
        1,
        received_at=at("2026-03-02"),
        due=datetime.date(2026, 3, 5),
        resolved_at=at("2026-03-04", "15:00"),
        days_to_resolve=2,
        feedback="satisfied",
        closed_at=at("2026-03-06"),
        state=State.CLOSED,
    )
    # Late (03-20 > 03-06), reopened once (an unsatisfied call-back), then basically satisfied.
    c["c2"] = make(
        tree,
        2,
        channel="contact_card",
        received_at=at("2026-03-03"),
        due=datetime.date(2026, 3, 6),
        resolved_at=at("2026-03-20"),
        days_to_resolve=13,
        reopen_count=1,
        feedback="basically_satisfied",
        closed_at=at("2026-03-23"),
        state=State.CLOSED,
    )
    # Resolved at 00:30 on 03-06 local time (still 03-05 in UTC): late for a due of 03-05.
    c["c3"] = make(
        tree,
        3,
        category="roads",
        received_at=at("2026-03-05"),
        due=datetime.date(2026, 3, 5),
        resolved_at=at("2026-03-06", "00:30"),
        days_to_resolve=1,
        state=State.RESOLVED,
    )
    # Open, due 03-13: overdue at the end of March and in April.
    c["c4"] = make(tree, 4, received_at=at("2026-03-10"), due=datetime.date(2026, 3, 13))
    # Open, due 04-02: not overdue at the end of March, overdue by mid-April.
    c["c5"] = make(tree, 5, received_at=at("2026-03-25"), due=datetime.date(2026, 4, 2))
    # Received in February, resolved late in March; the household could not be reached.
    c["c6"] = make(
        tree,
        6,
        channel="opinion_box",
        category="roads",
        received_at=at("2026-02-20"),
        due=datetime.date(2026, 2, 27),
        resolved_at=at("2026-03-02"),
        days_to_resolve=5,
        feedback="unreachable",
        state=State.RESOLVED,
    )
    # Rejected the next day: received, nothing else.
    c["c7"] = make(
        tree,
        7,
        received_at=at("2026-03-12"),
        due=datetime.date(2026, 3, 17),
        closed_at=at("2026-03-13"),
        state=State.REJECTED,
    )
    # Resolved only on 04-01: open and overdue at the end of March.
    c["c8"] = make(
        tree,
        8,
        received_at=at("2026-03-15"),
        due=datetime.date(2026, 3, 18),
        resolved_at=at("2026-04-01", "09:00"),
        days_to_resolve=10,
        state=State.RESOLVED,
    )
    # February only.
    c["c11"] = make(
        tree,
        11,
        received_at=at("2026-02-10"),
        due=datetime.date(2026, 2, 13),
        resolved_at=at("2026-02-12"),
        days_to_resolve=2,
        state=State.RESOLVED,
    )
    # Mailbox, resolved on time, call-back still to come.
    c["c12"] = make(
        tree,
        12,
        channel="mailbox",
        category="roads",
        received_at=at("2026-03-30"),
        due=datetime.date(2026, 4, 2),
        resolved_at=at("2026-03-31"),
        days_to_resolve=1,
        state=State.RESOLVED,
    )
    # Township B: one resolved, one open and overdue.
    c["c9"] = make(
        tree,
        9,
        town="b",
        received_at=at("2026-03-03"),
        due=datetime.date(2026, 3, 6),
        resolved_at=at("2026-03-04"),
        days_to_resolve=1,
        state=State.RESOLVED,
    )
    c["c10"] = make(
        tree, 10, town="b", received_at=at("2026-03-02"), due=datetime.date(2026, 3, 10)
    )
    concern_stats_recompute(months=[MARCH, APRIL], by=SYSTEM, now=NOW)
    return c  # fmt: skip


def totals(area: Any, month: datetime.date) -> ConcernStats:
    return ConcernStats.objects.get(area=area, month=month, channel="", category=None)


MARCH_A = {
    "received": 8,
    "resolved": 5,
    "resolved_on_time": 2,
    "open_overdue": 2,
    "median_days_to_resolve": 2.0,
    "reopened": 1,
    "callbacks": 3,
    "callbacks_satisfied": 2,
}


def figures_of(row: ConcernStats) -> dict[str, Any]:
    return {key: getattr(row, key) for key in MARCH_A}


def test_march_figures_of_township_and_village_a_as_counted_by_hand(tree, concerns):
    assert figures_of(totals(tree.town_a, MARCH)) == MARCH_A
    assert figures_of(totals(tree.village_a, MARCH)) == MARCH_A


def test_the_county_adds_township_b_and_an_even_median_averages(tree, concerns):
    county = figures_of(totals(tree.county, MARCH))
    assert county["received"] == 10 and county["resolved"] == 6
    assert county["resolved_on_time"] == 3 and county["open_overdue"] == 3
    # 1, 1, 1, 2, 5, 13
    assert county["median_days_to_resolve"] == 1.5


def test_the_month_running_counts_open_overdue_at_the_moment(tree, concerns):
    april = figures_of(totals(tree.town_a, APRIL))
    # c4 (due 03-13) and c5 (due 04-02) are open on 04-15; c8 was resolved on 04-01.
    assert april["open_overdue"] == 2
    assert (april["received"], april["resolved"], april["median_days_to_resolve"]) == (0, 1, 10)


def test_by_channel_and_by_category(tree, concerns):
    rows = ConcernStats.objects.filter(area=tree.town_a, month=MARCH)
    channels = {r.channel: r.received for r in rows if r.channel}
    assert channels == {"hotline": 6, "contact_card": 1, "mailbox": 1, "opinion_box": 0}
    water = rows.get(category__code="water")
    roads = rows.get(category__code="roads")
    assert (water.received, water.resolved, water.median_days_to_resolve) == (6, 2, 7.5)
    assert (roads.received, roads.resolved, roads.median_days_to_resolve) == (2, 3, 1.0)
    assert rows.get(channel="opinion_box").resolved == 1


def test_every_area_has_a_total_row_and_a_rerun_replaces(tree, concerns):
    assert totals(tree.village_b, APRIL).received == 0
    before = ConcernStats.objects.count()
    concern_stats_recompute(months=[MARCH, APRIL], by=SYSTEM, now=NOW)
    assert ConcernStats.objects.count() == before
    assert not ConcernStats.objects.filter(area__level="group").exists()


def test_working_days_to_resolve_across_the_spring_festival():
    cal = Calendar()
    # Received Fri 2026-02-13: Sat 02-14 is a working day, 02-15 … 02-23 the holiday.
    assert days_to_resolve(at("2026-02-13"), at("2026-02-25"), cal) == 3
    assert days_to_resolve(at("2026-02-13"), at("2026-02-13", "18:00"), cal) == 0
    # Local days count, not UTC ones: 00:30 on 02-24 local is still 02-23 in UTC.
    assert days_to_resolve(at("2026-02-13"), at("2026-02-24", "00:30"), cal) == 2


def test_the_resolve_service_records_the_working_days(raise_concern, paired_a, cadre_user_a):
    from liaison.concerns.services import concern_act

    concern = raise_concern(household=paired_a)
    concern_act(concern=concern, action="accept", by=cadre_user_a)
    concern_act(concern=concern, action="resolve", by=cadre_user_a, note="修好了")
    concern.refresh_from_db()
    assert concern.days_to_resolve == 0


# The API ---------------------------------------------------------------------------------


def test_api_answers_the_figures_and_the_children_in_the_jurisdiction(
    api_for, admin_a, tree, concerns
):
    body = api_for(admin_a).get(URL, {"month": "2026-03"}).json()
    assert body["area"]["id"] == tree.town_a.pk
    assert (body["received"], body["resolved"], body["resolved_on_time"]) == (8, 5, 2)
    assert body["on_time_rate"] == 0.4
    assert body["open_overdue"] == 2
    assert body["median_days_to_resolve"] == 2.0
    assert body["reopen_rate"] == 0.2
    assert body["callback_satisfaction"] == 0.6667
    assert [c["area"]["id"] for c in body["children"]] == [tree.village_a.pk]
    assert "勐马镇" not in str(body) and "勐啊村" not in str(body)


def test_api_another_township_and_the_county_are_404(api_for, admin_a, tree, concerns):
    client = api_for(admin_a)
    for area in (tree.town_b, tree.village_b, tree.county):
        response = client.get(URL, {"area": area.pk, "month": "2026-03"})
        assert response.status_code == 404


def test_api_county_children_and_bad_input(api_for, county_admin, tree, concerns):
    client = api_for(county_admin)
    body = client.get(URL, {"area": tree.county.pk, "month": "2026-03"}).json()
    assert {c["area"]["id"]: c["received"] for c in body["children"]} == {
        tree.town_a.pk: 8,
        tree.town_b.pk: 2,
    }
    assert client.get(URL, {"month": "2026-13"}).status_code == 400
    assert client.get(URL, {"month": "2099-01"}).status_code == 400
    assert client.get(URL, {"area": "x"}).status_code == 400
    assert client.get(URL, {"month": "2025-01"}).status_code == 404  # not computed


def _csv(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_api_csv_codes_by_default_and_labels_on_request(api_for, admin_a, tree, concerns):
    client = api_for(admin_a)
    rows = _csv(client.get(URL, {"month": "2026-03", "format": "csv"}))
    assert rows[0][:5] == ["area_id", "code", "name", "level", "month"]
    assert "on_time_rate" in rows[0] and "callback_satisfaction" in rows[0]
    assert rows[1][2:5] == ["娜允镇", "township", "2026-03"]
    assert rows[2][2] == "芒街村" and len(rows) == 3
    labelled = _csv(client.get(URL, {"month": "2026-03", "format": "csv", "labels": "1"}))
    assert labelled[0][:3] == ["编码", "名称", "级别"]
    assert labelled[1][2] == "乡镇"
    assert "40.0%" in labelled[1]


def test_recompute_answers_202_with_a_status_url(
    api_for, county_admin, superuser, admin_a, tree, django_capture_on_commit_callbacks
):
    client = api_for(county_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{URL}recompute/", {"month": "2026-03"}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == {"job", "status_url"} and body["job"]["status"] == "pending"
    assert body["status_url"].endswith(f"/api/v1/stats/concerns/jobs/{body['job']['id']}/")
    status = client.get(body["status_url"]).json()
    assert status["status"] == "succeeded" and status["rows_written"] > 0
    assert status["first_month"] == status["last_month"] == "2026-03-01"
    # Someone else's job is 404; a superuser sees it.
    assert api_for(admin_a).get(body["status_url"]).status_code == 404
    assert api_for(superuser).get(body["status_url"]).status_code == 200
    everything = client.post(f"{URL}recompute/", {}, format="json").json()
    job = ConcernStatsJob.objects.get(pk=everything["job"]["id"])
    assert (job.last_month.year, job.last_month.month) == (
        timezone.localdate().year,
        timezone.localdate().month,
    )


def test_recompute_refused_to_others_and_for_a_month_to_come(api_for, viewer_a, county_admin):
    assert api_for(viewer_a).post(f"{URL}recompute/", {}, format="json").status_code == 403
    later = api_for(county_admin).post(f"{URL}recompute/", {"month": "2099-01"}, format="json")
    assert later.status_code == 400 and "month" in later.json()


# The page and the panels -----------------------------------------------------------------

PAGE = "/concerns/stats/"


def test_page_shows_charts_and_the_children(login, admin_a, tree, concerns):
    page = parse(login(admin_a).get(PAGE, {"month": "2026-03"}))
    assert page.find("h1") is not None
    charts = page.find_all("canvas", data_chart=True)
    assert len(charts) == 4
    rows = page.table_rows("#stats-children")
    assert rows[0][0] == "芒街村" and rows[0][1] == "8"
    assert "勐马镇" not in page.all_text
    links = [a.attrs.get("href", "") for a in page.find_all("a")]
    assert any("/concerns/stats/export.xlsx" in link for link in links)


def test_page_without_statistics_says_so(login, admin_a, tree):
    response = login(admin_a).get(PAGE)
    assert response.status_code == 200
    page = parse(response)
    assert page.find_all("canvas", data_chart=True) == []
    assert page.find(class_="stats-empty") is not None


def test_page_of_a_foreign_area_is_404(login, admin_a, tree, concerns):
    assert login(admin_a).get(PAGE, {"area": tree.town_b.pk}).status_code == 404


def test_download_xlsx_and_csv(login, admin_a, tree, concerns):
    client = login(admin_a)
    xlsx = client.get(f"{PAGE}export.xlsx", {"month": "2026-03"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd")
    rows = _csv(client.get(f"{PAGE}export.csv", {"month": "2026-03"}))
    assert rows[0][:2] == ["编码", "名称"] and rows[1][1] == "娜允镇"


def test_area_page_panel(login, admin_a, tree, concerns):
    page = parse(login(admin_a).get(f"/areas/{tree.village_a.pk}/"))
    panel = page.find(id="concern-stats-panel")
    assert panel is not None
    assert "/concerns/stats/" in str(panel.links())


def test_cadre_page_panel_counts_the_cadres_concerns_now(
    login, admin_a, cadre_a, raise_concern, paired_a
):
    raise_concern(household=paired_a)
    page = parse(login(admin_a).get(f"/cadres/{cadre_a.pk}/"))
    panel = page.find(id="cadre-concerns")
    assert panel is not None
    assert panel.find("dd", data_figure="open").text == "1"
    assert panel.find("dd", data_figure="resolved").text == "0"


def test_area_page_panel_of_an_area_without_statistics(login, admin_a, tree):
    page = parse(login(admin_a).get(f"/areas/{tree.village_a.pk}/"))
    panel = page.find(id="concern-stats-panel")
    assert panel.find_all("dl") == []


def test_page_and_api_query_counts_do_not_grow_with_the_areas(
    login, api_for, county_admin, tree, concerns, django_assert_max_num_queries
):
    from tests.factories import AreaFactory

    for i in range(20):
        AreaFactory(code=f"530827100{300 + i}", name=f"村{i}", level="village", parent=tree.town_a)
    concern_stats_recompute(months=[MARCH], by=SYSTEM, now=NOW)
    client = login(county_admin)
    with django_assert_max_num_queries(12):
        assert client.get(PAGE, {"area": tree.town_a.pk, "month": "2026-03"}).status_code == 200
    api = api_for(county_admin)
    with django_assert_max_num_queries(8):
        body = api.get(URL, {"area": tree.town_a.pk, "month": "2026-03"}).json()
    assert len(body["children"]) == 21


def test_the_nightly_task_is_scheduled_and_recomputes_twelve_months(tree):
    from django.conf import settings

    from liaison.concerns.tasks import concern_stats_recompute_task

    entry = settings.CELERY_BEAT_SCHEDULE["concerns-stats-nightly"]
    assert entry["task"] == concern_stats_recompute_task.name
    written = concern_stats_recompute_task.delay().get()
    months = set(ConcernStats.objects.values_list("month", flat=True))
    assert len(months) == 12 and written == ConcernStats.objects.count() > 0


def test_the_reaper_fails_a_job_nobody_picked_up(tree, county_admin):
    from liaison.concerns.stats_jobs import concern_stats_jobs_reap

    job = ConcernStatsJob.objects.create(first_month=MARCH, last_month=MARCH)
    later = timezone.now() + datetime.timedelta(days=1)
    assert concern_stats_jobs_reap(now=later) == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.error
    assert concern_stats_jobs_reap(now=later) == 0
