"""Jobs whose worker died are noticed, marked failed with a message, and can be retried.

Imports (districts) beat as they check rows; coverage recomputes (liaison core) beat when
they start and are cut off by a time limit. A reaper, run by Celery beat, fails the silent
ones; the owner or an administrator retries a failed job through the API or the page.
"""

import dataclasses
import datetime
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from districts import jobs as import_jobs
from districts.models import Household, ImportJob, Role
from liaison.common import registry
from liaison.core import jobs as coverage_jobs
from liaison.core.models import CoverageJob, CoverageSnapshot

from .factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db

HEADER = "code,group_code,head_name,members,id_number,phone,address,categories\n"
DIED = r"stopped responding|没有响应"
NEVER_STARTED = r"did not start|未开始"


def households_csv(count: int = 2, group: str = "530827100201001") -> bytes:
    rows = "".join(f"R{i:05d},{group},岩罕,3,,,,\n" for i in range(count))
    return (HEADER + rows).encode()


def make_import(user, content: bytes | None = None, **fields) -> ImportJob:
    """An import job with its file stored, as the upload left it."""
    job = ImportJob.objects.create(
        kind=fields.pop("kind", "households"),
        file=ContentFile(content if content is not None else households_csv(), name="h.csv"),
        original_name="h.csv",
        created_by=user,
    )
    created_at = fields.pop("created_at", None)
    if fields:
        ImportJob.objects.filter(pk=job.pk).update(**fields)
    if created_at is not None:  # auto_now_add: only an update can backdate it
        ImportJob.objects.filter(pk=job.pk).update(created_at=created_at)
    job.refresh_from_db()
    return job


def make_coverage_job(user, **fields) -> CoverageJob:
    job = CoverageJob.objects.create(as_of=datetime.date(2026, 3, 1), requested_by=user)
    if fields:
        CoverageJob.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
    return job


def ago(**delta) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**delta)


# Parsed pages ---------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    children: list["Element"] = field(default_factory=list)


class _Parser(HTMLParser):
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[Element] = []
        self.open: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        for parent in self.open:
            parent.children.append(element)
        self.elements.append(element)
        if tag not in self.VOID:
            self.open.append(element)

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop().tag == tag:
                break

    def handle_data(self, data):
        for element in self.open:
            element.text += data


def by_id(html: bytes, element_id: str) -> Element | None:
    parser = _Parser()
    parser.feed(html.decode())
    return next((e for e in parser.elements if e.attrs.get("id") == element_id), None)


# Heartbeats ------------------------------------------------------------------------------


def test_an_import_beats_when_it_starts_and_while_it_checks_rows(tree, county_admin, settings):
    settings.JOB_HEARTBEAT_EVERY = 0
    job = make_import(county_admin, households_csv(2001))  # progress every 2,000 rows
    import_jobs.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts) == ("succeeded", 2001, 1)
    assert job.started_at is not None and job.heartbeat_at is not None
    assert job.heartbeat_at > job.started_at


def test_beats_are_spaced_and_never_written_inside_the_import_transaction(
    tree, county_admin, settings
):
    settings.JOB_HEARTBEAT_EVERY = 3600
    spaced = make_import(county_admin, households_csv(2001))
    import_jobs.import_job_run(job_id=spaced.pk)
    spaced.refresh_from_db()
    assert spaced.heartbeat_at == spaced.started_at  # only the beat at the start

    settings.JOB_HEARTBEAT_EVERY = 0
    job = make_import(county_admin, households_csv(12_001, group="530827100201002"))
    table = ImportJob._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        import_jobs.import_job_run(job_id=job.pk)
    sql = [q["sql"] for q in queries.captured_queries]
    beats = [i for i, s in enumerate(sql) if s.startswith(f'UPDATE "{table}" SET "heartbeat_at"')]
    writes = [i for i, s in enumerate(sql) if "districts_household" in s and "INSERT" in s]
    assert len(beats) >= 3 and writes  # validating, comparing, around the write
    # The writes run in one transaction: no beat between its first and last statement.
    assert not [i for i in beats if writes[0] < i < writes[-1]]
    assert Household.objects.filter(group=tree.group_a2, code__startswith="R").count() == 12_001


def test_a_recompute_beats_when_it_starts(tree, county_admin):
    job = make_coverage_job(county_admin)
    coverage_jobs.coverage_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.rows_written) == ("succeeded", 1, 8)
    assert job.heartbeat_at == job.started_at
    assert job.finished_at is not None and job.started_at is not None
    assert job.finished_at >= job.started_at


def test_a_recompute_has_a_time_limit_shorter_than_the_reapers_patience():
    from liaison.core.tasks import coverage_job_task

    assert coverage_job_task.soft_time_limit == settings.COVERAGE_JOB_TIME_LIMIT
    assert coverage_job_task.time_limit < settings.JOB_STALE_AFTER


def test_a_recompute_cut_off_by_its_time_limit_says_so(tree, county_admin, monkeypatch):
    def too_slow(*, as_of, by):
        # What Celery raises in the task when time is up.
        raise SoftTimeLimitExceeded("SoftTimeLimitExceeded(600,)")

    monkeypatch.setattr(coverage_jobs, "coverage_recompute", too_slow)
    job = make_coverage_job(county_admin)
    with pytest.raises(SoftTimeLimitExceeded, match=r"SoftTimeLimitExceeded\(600,\)"):
        coverage_jobs.coverage_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert "10" in job.error and ("longer than" in job.error or "超过" in job.error)


def test_settings_refuse_a_reaper_more_impatient_than_the_time_limit():
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DEBUG": "1", "JOB_STALE_AFTER": "300", "COVERAGE_JOB_TIME_LIMIT": "600"}
    env["DJANGO_SETTINGS_MODULE"] = "liaison.settings"
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "JOB_STALE_AFTER must exceed COVERAGE_JOB_TIME_LIMIT" in result.stderr


# The reaper ------------------------------------------------------------------------------


def test_the_reaper_fails_silent_and_never_started_imports_once(tree, county_admin):
    stale = settings.JOB_STALE_AFTER
    dead = make_import(county_admin, status="running", heartbeat_at=ago(seconds=stale + 60))
    alive = make_import(county_admin, status="running", heartbeat_at=ago(seconds=stale - 60))
    lost = make_import(county_admin, created_at=ago(seconds=settings.JOB_PENDING_STALE_AFTER + 60))
    queued = make_import(county_admin, created_at=ago(seconds=stale + 60))  # waits a while yet
    done = make_import(
        county_admin, status="succeeded", heartbeat_at=ago(days=2), finished_at=ago(days=2)
    )

    assert import_jobs.import_jobs_reap() == 2

    for job in (dead, alive, lost, queued, done):
        job.refresh_from_db()
    assert (dead.status, dead.error_count) == ("failed", 1)
    assert dead.errors[0]["row"] == 0
    assert re.search(DIED, dead.errors[0]["message"])
    assert "15" in dead.errors[0]["message"]
    assert lost.status == "failed"
    assert re.search(NEVER_STARTED, lost.errors[0]["message"])
    assert (alive.status, queued.status, done.status) == ("running", "pending", "succeeded")
    finished = dead.finished_at
    # Idempotent: a second pass finds nothing and changes nothing.
    assert import_jobs.import_jobs_reap() == 0
    dead.refresh_from_db()
    assert dead.finished_at == finished


def test_the_reaper_fails_silent_and_never_started_recomputes_once(tree, county_admin):
    dead = make_coverage_job(
        county_admin, status="running", heartbeat_at=ago(seconds=settings.JOB_STALE_AFTER + 1)
    )
    alive = make_coverage_job(county_admin, status="running", heartbeat_at=ago(seconds=30))
    lost = make_coverage_job(county_admin)
    CoverageJob.objects.filter(pk=lost.pk).update(
        created_at=ago(seconds=settings.JOB_PENDING_STALE_AFTER + 1)
    )
    assert coverage_jobs.coverage_jobs_reap() == 2
    for job in (dead, alive, lost):
        job.refresh_from_db()
    assert dead.status == "failed" and re.search(DIED, dead.error)
    assert lost.status == "failed" and re.search(NEVER_STARTED, lost.error)
    assert alive.status == "running"
    assert coverage_jobs.coverage_jobs_reap() == 0


def test_the_reapers_are_celery_tasks_on_the_beat_schedule():
    import districts.tasks
    import liaison.core.tasks

    scheduled = {
        entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    for task in (districts.tasks.jobs_reap_task, liaison.core.tasks.jobs_reap_task):
        assert task.name in current_app.tasks
        assert scheduled[task.name] <= settings.JOB_STALE_AFTER / 2  # every few minutes


def test_the_reaper_task_runs(tree, county_admin):
    from districts.tasks import jobs_reap_task

    make_import(county_admin, status="running", heartbeat_at=ago(days=1))
    assert jobs_reap_task.apply().get() == 1


@pytest.mark.parametrize("retried", [False, True])
def test_a_run_given_up_on_records_its_outcome_unless_a_retry_took_over(
    tree, county_admin, monkeypatch, retried
):
    real = registry.importer_for("households")
    assert real is not None
    real_import = real.run
    job = make_import(county_admin, households_csv(3))

    def slow_import(*args, **kwargs):
        # The run does its work, but meanwhile the reaper gave up on it…
        result = real_import(*args, **kwargs)
        monkeypatch.setitem(registry._IMPORTERS, "households", real)
        import_jobs.import_jobs_reap(now=timezone.now() + datetime.timedelta(days=1))
        if retried:  # …and the owner retried: a second run did the whole job again.
            import_jobs.import_job_retry(job=job, by=county_admin)
            import_jobs.import_job_run(job_id=job.pk)
        return result

    monkeypatch.setitem(
        registry._IMPORTERS, "households", dataclasses.replace(real, run=slow_import)
    )
    import_jobs.import_job_run(job_id=job.pk)
    job.refresh_from_db()
    if not retried:
        # The late outcome is the truth and replaces the reaper's message.
        assert (job.status, job.created_count, job.errors, job.attempts) == ("succeeded", 3, [], 1)
    else:
        # The retry's run (every row already there) stands; the first run's report is dropped.
        assert (job.status, job.attempts) == ("succeeded", 2)
        assert (job.created_count, job.unchanged_count) == (0, 3)


# Retry through the API -------------------------------------------------------------------


def test_retrying_a_failed_import_reruns_the_same_file(
    tree, county_admin, api_for, django_capture_on_commit_callbacks
):
    job = make_import(
        county_admin,
        households_csv(2),
        status="failed",
        errors=[{"row": 0, "column": "", "message": "stopped"}],
        error_count=1,
        attempts=1,
        started_at=ago(hours=1),
        heartbeat_at=ago(hours=1),
        finished_at=ago(minutes=30),
    )
    client = api_for(county_admin)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/api/v1/imports/{job.pk}/retry/")
    assert response.status_code == 202, response.content
    # The rerun, and (as it writes households) the coverage recompute it asks for, after
    # marking the figures as being counted.
    assert len(callbacks) == 3
    body = response.json()
    assert set(body) == {"job", "status_url"}
    assert (body["job"]["id"], body["job"]["status"], body["job"]["errors"]) == (
        job.pk,
        "pending",
        [],
    )
    assert body["status_url"] == f"http://testserver/api/v1/imports/{job.pk}/"
    status = client.get(body["status_url"]).json()
    assert (status["status"], status["created_count"], status["attempts"]) == ("succeeded", 2, 2)
    assert Household.objects.filter(code__in=["R00000", "R00001"]).count() == 2


def test_only_a_failed_import_is_retried(tree, county_admin, api_for):
    job = make_import(county_admin, status="succeeded", created_count=2, finished_at=ago(hours=1))
    response = api_for(county_admin).post(f"/api/v1/imports/{job.pk}/retry/")
    assert response.status_code == 400
    assert re.search(r"Only a failed import|只有", str(response.json()))
    job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts) == ("succeeded", 2, 0)


def test_someone_elses_import_cannot_be_retried_and_looks_missing(
    tree, county_admin, admin_a, api_for
):
    job = make_import(county_admin, status="failed", error_count=1)
    client = api_for(admin_a)
    foreign = client.post(f"/api/v1/imports/{job.pk}/retry/")
    missing = client.post("/api/v1/imports/999999/retry/")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 0)


def test_an_administrator_may_retry_someone_elses_import(
    tree, admin_a, api_for, django_capture_on_commit_callbacks
):
    job = make_import(admin_a, households_csv(1), status="failed", error_count=1)
    superuser = UserFactory(username="root", is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(superuser).post(f"/api/v1/imports/{job.pk}/retry/")
    assert response.status_code == 202
    job.refresh_from_db()
    # It runs as its uploader, inside the uploader's jurisdiction.
    assert (job.status, job.created_count) == ("succeeded", 1)


def test_an_uploader_who_may_no_longer_import_cannot_retry(tree, api_for):
    user = user_with_role(Role.VIEWER, tree.town_a, username="former_admin")
    job = make_import(user, status="failed", error_count=1)
    response = api_for(user).post(f"/api/v1/imports/{job.pk}/retry/")
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == "failed"


def test_an_import_whose_file_is_gone_cannot_be_retried(tree, county_admin, api_for):
    job = make_import(county_admin, status="failed", error_count=1)
    job.file.delete(save=False)
    response = api_for(county_admin).post(f"/api/v1/imports/{job.pk}/retry/")
    assert response.status_code == 400
    assert re.search(r"no longer stored|已不在", str(response.json()))


def test_retrying_a_failed_recompute(
    tree, county_admin, api_for, django_capture_on_commit_callbacks
):
    job = make_coverage_job(county_admin, status="failed", error="stopped", attempts=1)
    client = api_for(county_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/stats/coverage/jobs/{job.pk}/retry/")
    assert response.status_code == 202, response.content
    body = response.json()
    assert set(body) == {"job", "status_url"}
    assert (body["job"]["id"], body["job"]["status"], body["job"]["error"]) == (
        job.pk,
        "pending",
        "",
    )
    assert body["status_url"] == f"http://testserver/api/v1/stats/coverage/jobs/{job.pk}/"
    status = client.get(body["status_url"]).json()
    assert (status["status"], status["rows_written"], status["attempts"]) == ("succeeded", 8, 2)
    assert CoverageSnapshot.objects.filter(as_of=datetime.date(2026, 3, 1)).count() == 8


def test_only_a_failed_recompute_is_retried(tree, county_admin, api_for):
    job = make_coverage_job(county_admin, status="running", heartbeat_at=timezone.now())
    response = api_for(county_admin).post(f"/api/v1/stats/coverage/jobs/{job.pk}/retry/")
    assert response.status_code == 400
    assert re.search(r"Only a failed recompute|只有", str(response.json()))
    job.refresh_from_db()
    assert job.status == "running"


def test_a_recompute_is_not_for_others_to_retry_or_see(tree, county_admin, admin_a, api_for):
    job = make_coverage_job(county_admin, status="failed", error="stopped")
    client = api_for(admin_a)
    for suffix in ("retry/", ""):
        method = client.post if suffix else client.get
        foreign = method(f"/api/v1/stats/coverage/jobs/{job.pk}/{suffix}")
        missing = method(f"/api/v1/stats/coverage/jobs/999999/{suffix}")
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json() == missing.json()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 0)
    assert not CoverageSnapshot.objects.exists()


# Retry on the page -----------------------------------------------------------------------


def test_the_import_page_offers_retry_for_failed_jobs_only(client, tree, admin_a):
    client.force_login(admin_a)
    failed = make_import(
        admin_a,
        status="failed",
        errors=[{"row": 0, "column": "", "message": "进程已停止"}],
        error_count=1,
    )
    page = client.get(reverse("import-detail", args=[failed.pk])).content
    form = by_id(page, "import-retry")
    assert form is not None
    assert (form.attrs["method"], form.attrs["action"]) == (
        "post",
        reverse("import-retry", args=[failed.pk]),
    )
    assert [c.tag for c in form.children if c.tag == "button"] == ["button"]
    assert by_id(page, "import-stopped") is not None
    errors = by_id(page, "import-errors")
    assert errors is not None and "进程已停止" in errors.text

    done = make_import(admin_a, status="succeeded", finished_at=ago(minutes=1))
    assert (
        by_id(client.get(reverse("import-detail", args=[done.pk])).content, "import-retry") is None
    )


def test_retry_from_the_page_runs_the_file_again(
    client, tree, admin_a, django_capture_on_commit_callbacks
):
    client.force_login(admin_a)
    job = make_import(admin_a, households_csv(2), status="failed", error_count=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-retry", args=[job.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("import-detail", args=[job.pk])
    client.get(response["Location"])  # shows (and so consumes) the confirmation
    job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts) == ("succeeded", 2, 1)
    # Retrying it again is refused with a message, and nothing runs.
    response = client.post(reverse("import-retry", args=[job.pk]), follow=True)
    alerts = [m.message for m in response.context["messages"]]
    assert len(alerts) == 1 and re.search(r"Only a failed import|只有", alerts[0])
    job.refresh_from_db()
    assert job.attempts == 1


def test_someone_elses_import_cannot_be_retried_from_the_page(client, tree, admin_a, county_admin):
    job = make_import(county_admin, status="failed", error_count=1)
    client.force_login(admin_a)
    assert client.post(reverse("import-retry", args=[job.pk])).status_code == 404
    assert client.get(reverse("import-retry", args=[job.pk])).status_code == 405
    job.refresh_from_db()
    assert job.attempts == 0


def test_the_import_page_notices_a_dead_run_without_waiting_for_the_reaper(client, tree, admin_a):
    job = make_import(admin_a, status="running", heartbeat_at=ago(days=1), started_at=ago(days=1))
    client.force_login(admin_a)
    page = client.get(reverse("import-detail", args=[job.pk])).content
    job.refresh_from_db()
    assert job.status == "failed"
    assert by_id(page, "import-retry") is not None
    errors = by_id(page, "import-errors")
    assert errors is not None and re.search(DIED, errors.text)


# A worker that really dies -------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_is_noticed_and_the_retry_finishes(tree, county_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .test_celery_worker import start_worker

    rows = 30_000
    upload = SimpleUploadedFile("big.csv", households_csv(rows))
    with start_worker() as process:
        job = import_jobs.import_job_create(
            kind="households", uploaded_file=upload, by=county_admin
        )
        deadline = timezone.now() + datetime.timedelta(seconds=60)
        while job.status == "pending" and timezone.now() < deadline:
            job.refresh_from_db()
        assert job.status == "running"
        process.kill()  # the machine went down mid-import
        process.wait(timeout=30)
    job.refresh_from_db()
    assert job.status == "running"  # nobody is left to say otherwise…
    assert not Household.objects.filter(code__startswith="R").exists()  # all or nothing

    # …until the reaper's next pass after JOB_STALE_AFTER.
    later = timezone.now() + datetime.timedelta(seconds=settings.JOB_STALE_AFTER + 1)
    assert import_jobs.import_jobs_reap(now=later) == 1
    job.refresh_from_db()
    assert job.status == "failed" and re.search(DIED, job.errors[0]["message"])

    with start_worker():
        job = import_jobs.import_job_retry(job=job, by=county_admin)
        assert job.status == "pending"
        deadline = timezone.now() + datetime.timedelta(seconds=120)
        while not job.is_finished and timezone.now() < deadline:
            job.refresh_from_db()
    assert (job.status, job.created_count, job.attempts) == ("succeeded", rows, 2)
    assert Household.objects.filter(code__startswith="R").count() == rows
