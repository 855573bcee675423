"""Requested recomputes of the concern statistics, with a status the API reports.

The same machinery as coverage recomputes (liaison/common/jobs.py): a run beats once when
it starts; the task's time limit (COVERAGE_JOB_TIME_LIMIT) bounds the silence after that;
the reaper marks silent or never-started jobs as failed.
"""

import datetime
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from districts.access import SYSTEM, Actor, require, scope_for, user_of
from liaison.common.dates import check_month
from liaison.common.jobs import job_record, job_start, minutes, stale_jobs
from liaison.common.tasks import enqueue

from .models import ConcernStatsJob
from .statistics import MONTHS_SHOWN, concern_stats_recompute, last_months, next_month


def concern_stats_job_create(*, by: Actor, month: datetime.date | None = None) -> ConcernStatsJob:
    """Record a recompute request (one month, or the last twelve) and schedule it after the
    transaction commits.

    Raise PermissionDenied unless the actor may recompute statistics, ValidationError
    (keyed by `month`) for a month before 2000 or after this one.
    """
    require(by, "recompute_statistics")
    if month is not None:
        month = month.replace(day=1)
        check_month(month, field="month")
        first = last = month
    else:
        months = last_months(MONTHS_SHOWN)
        first, last = months[0], months[-1]
    job = ConcernStatsJob.objects.create(
        first_month=first, last_month=last, requested_by=user_of(by)
    )
    _schedule(job)
    return job


def _schedule(job: ConcernStatsJob) -> None:
    from .tasks import concern_stats_job_task

    transaction.on_commit(lambda: enqueue(concern_stats_job_task, job.pk))


def job_months(job: ConcernStatsJob) -> list[datetime.date]:
    months, month = [], job.first_month
    while month <= job.last_month:
        months.append(month)
        month = next_month(month)
    return months


def concern_stats_job_run(*, job_id: int) -> ConcernStatsJob:
    """Run a waiting recompute; a job already started or finished is left alone."""
    job, started = job_start(ConcernStatsJob, job_id)
    if not started:
        return job
    attempt = job.attempts
    failed = ConcernStatsJob.Status.FAILED
    try:
        rows = concern_stats_recompute(months=job_months(job), by=SYSTEM)
    except SoftTimeLimitExceeded:
        limit = minutes(settings.COVERAGE_JOB_TIME_LIMIT)
        job_record(
            job,
            attempt,
            status=failed,
            error=ngettext(
                "The recompute took longer than %(minutes)d minute and was stopped.",
                "The recompute took longer than %(minutes)d minutes and was stopped.",
                limit,
            )
            % {"minutes": limit},
            finished_at=timezone.now(),
        )
        raise
    except ValidationError as exc:  # a month out of range (stored before the check)
        job_record(
            job,
            attempt,
            status=failed,
            error=" ".join(exc.messages)[:2000],
            finished_at=timezone.now(),
        )
        return job
    except Exception as exc:
        job_record(
            job,
            attempt,
            status=failed,
            error=(str(exc) or type(exc).__name__)[:2000],
            finished_at=timezone.now(),
        )
        raise
    job_record(
        job,
        attempt,
        status=ConcernStatsJob.Status.SUCCEEDED,
        rows_written=rows,
        error="",
        finished_at=timezone.now(),
    )
    return job


def concern_stats_jobs_reap(*, now: datetime.datetime | None = None) -> int:
    """Mark as failed the running recomputes silent for too long and the waiting ones never
    started; return how many. Idempotent."""
    now = now or timezone.now()
    running, waiting = stale_jobs(ConcernStatsJob, now)
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
        reaped += jobs.update(status=ConcernStatsJob.Status.FAILED, error=message, finished_at=now)
    return reaped


def concern_stats_job_get(*, user: Actor, pk: Any) -> ConcernStatsJob:
    """Return a recompute job the user requested (superusers: any job).

    Raise Http404 with the same words for a missing job and for someone else's.
    """
    jobs = ConcernStatsJob.objects.all()
    if not scope_for(user).everything:
        authenticated = getattr(user, "is_authenticated", False)
        jobs = jobs.filter(requested_by=user_of(user)) if authenticated else jobs.none()
    try:
        return jobs.get(pk=pk)
    except (ConcernStatsJob.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such recompute job.")) from None
