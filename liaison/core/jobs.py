"""Requested coverage recomputes, with a status the API can report.

A recompute is one SQL statement: the run beats once when it starts, and the task's time
limit (COVERAGE_JOB_TIME_LIMIT, shorter than JOB_STALE_AFTER) bounds the silence after that.
The reaper marks running jobs silent for longer, and waiting jobs nobody picked up, as
failed; a failed job can be retried.
"""

import datetime
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from districts.access import SYSTEM, Actor, require, user_of
from liaison.common.dates import check_date, date_error
from liaison.common.jobs import job_record, job_start, minutes, stale_jobs
from liaison.common.tasks import enqueue

from .coverage import coverage_recompute, mark_changed
from .models import CoverageJob
from .selectors import coverage_job_get


def coverage_job_create(*, as_of: datetime.date, by: Actor) -> CoverageJob:
    """Record a recompute request and schedule it after the transaction commits.

    Raise PermissionDenied unless the actor may recompute statistics, ValidationError
    (keyed by `as_of`) for a date before 2000-01-01 or after today.
    """
    require(by, "recompute_statistics")
    check_date(as_of, field="as_of")
    job = CoverageJob.objects.create(as_of=as_of, requested_by=user_of(by))
    _schedule(job)
    return job


def _schedule(job: CoverageJob) -> None:
    from .tasks import coverage_job_task

    transaction.on_commit(lambda: enqueue(coverage_job_task, job.pk))


def coverage_recompute_later(as_of: datetime.date | None = None) -> None:
    """Schedule recomputes after the current transaction (bulk assignment, transfer).

    Today's figures always; a backdated change also refreshes the day it took effect.
    Until the recompute has run, pages reading a snapshot say that a change is being
    counted (`coverage_pending`).
    """
    from .tasks import coverage_recompute_task

    transaction.on_commit(mark_changed)
    today = timezone.localdate()
    days = {today}
    if as_of is not None and as_of < today and date_error(as_of, today=today) is None:
        days.add(as_of)  # (a date before the records has no snapshot to refresh)
    for day in sorted(days):
        transaction.on_commit(partial(enqueue, coverage_recompute_task, day.isoformat()))


def coverage_job_run(*, job_id: int) -> CoverageJob:
    """Run a waiting recompute; a job already started or finished is left alone."""
    job, started = job_start(CoverageJob, job_id)
    if not started:
        return job
    attempt = job.attempts
    try:
        rows = coverage_recompute(as_of=job.as_of, by=SYSTEM)
    except SoftTimeLimitExceeded:
        limit = minutes(settings.COVERAGE_JOB_TIME_LIMIT)
        job_record(
            job,
            attempt,
            status=CoverageJob.Status.FAILED,
            error=ngettext(
                "The recompute took longer than %(minutes)d minute and was stopped.",
                "The recompute took longer than %(minutes)d minutes and was stopped.",
                limit,
            )
            % {"minutes": limit},
            finished_at=timezone.now(),
        )
        raise
    except ValidationError as exc:  # a date out of range (a job stored before the check)
        job_record(
            job,
            attempt,
            status=CoverageJob.Status.FAILED,
            error=" ".join(exc.messages)[:2000],
            finished_at=timezone.now(),
        )
        return job
    except Exception as exc:
        job_record(
            job,
            attempt,
            status=CoverageJob.Status.FAILED,
            error=(str(exc) or type(exc).__name__)[:2000],
            finished_at=timezone.now(),
        )
        raise
    job_record(
        job,
        attempt,
        status=CoverageJob.Status.SUCCEEDED,
        rows_written=rows,
        error="",
        finished_at=timezone.now(),
    )
    return job


def coverage_jobs_reap(*, now: datetime.datetime | None = None) -> int:
    """Mark as failed the running recomputes silent for too long and the waiting ones never
    started; return how many. Idempotent: finished jobs are never touched.
    """
    now = now or timezone.now()
    running, waiting = stale_jobs(CoverageJob, now)
    silence = minutes(settings.JOB_STALE_AFTER)
    died = ngettext(
        "The recompute stopped responding for more than %(minutes)d minute; the worker "
        "running it has probably stopped. Retry it.",
        "The recompute stopped responding for more than %(minutes)d minutes; the worker "
        "running it has probably stopped. Retry it.",
        silence,
    ) % {"minutes": silence}
    wait = minutes(settings.JOB_PENDING_STALE_AFTER)
    lost = ngettext(
        "The recompute did not start within %(minutes)d minute; the task queue may be down. "
        "Retry it.",
        "The recompute did not start within %(minutes)d minutes; the task queue may be down. "
        "Retry it.",
        wait,
    ) % {"minutes": wait}
    reaped = 0
    for jobs, message in ((running, died), (waiting, lost)):
        reaped += jobs.update(status=CoverageJob.Status.FAILED, error=message, finished_at=now)
    return reaped


def coverage_job_retry(*, job: CoverageJob, by: Actor) -> CoverageJob:
    """Run a failed recompute again (recomputes replace a date's snapshots: a rerun is safe).

    Raise Http404 if `by` may not see the job, ValidationError if it has not failed.
    """
    coverage_job_get(user=by, pk=job.pk)
    require(by, "recompute_statistics", job)
    with transaction.atomic():
        job = CoverageJob.objects.select_for_update().get(pk=job.pk)
        if job.status != CoverageJob.Status.FAILED:
            raise ValidationError(
                _("Only a failed recompute can be retried; this one is %(status)s.")
                % {"status": job.get_status_display()}
            )
        job.status = CoverageJob.Status.PENDING
        job.rows_written = 0
        job.error = ""
        job.started_at = job.heartbeat_at = job.finished_at = None
        job.save()
        _schedule(job)
    return job
