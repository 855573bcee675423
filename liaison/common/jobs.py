"""The machinery every long job shares (imports, coverage recomputes, later reports).

A job model has `status` (pending / running / succeeded / failed), `attempts`,
`created_at`, `started_at` and `heartbeat_at`. A run starts by locking a waiting job and
counting an attempt; it records its outcome only while it is still the latest attempt (a
run the reaper gave up on may come back, but must not overwrite a retry); the reaper finds
running jobs that stopped beating and waiting ones nobody picked up.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

PENDING, RUNNING = "pending", "running"


def job_start[J: models.Model](
    model: type[J], job_id: int, *, related: tuple[str, ...] = ()
) -> tuple[J, bool]:
    """Lock job `job_id`; if it is waiting, mark it running and count an attempt.

    Return (job, started): a job already started or finished is returned as it is, with
    `started` False, so a task delivered twice does its work once.
    """
    with transaction.atomic():
        jobs = model._default_manager.select_for_update()
        if related:
            jobs = jobs.select_related(*related)
        job: Any = jobs.get(pk=job_id)
        if job.status != PENDING:
            return job, False
        job.status = RUNNING
        job.started_at = job.heartbeat_at = timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "heartbeat_at", "attempts"])
    return job, True


def job_record(job: Any, attempt: int, **fields: Any) -> None:
    """Store a run's outcome on `job`, unless a retry has started a newer run since.

    A run the reaper gave up on may still come back and finish; its outcome is then the
    truth and replaces the reaper's message, but it must not overwrite a newer run.
    """
    for name, value in fields.items():
        setattr(job, name, value)
    type(job)._default_manager.filter(pk=job.pk, attempts=attempt).update(**fields)


def stale_jobs[J: models.Model](
    model: type[J], now: datetime.datetime
) -> tuple[QuerySet[J], QuerySet[J]]:
    """Return (running jobs silent longer than JOB_STALE_AFTER, waiting jobs older than
    JOB_PENDING_STALE_AFTER): what the reaper marks as failed."""
    stale = now - datetime.timedelta(seconds=settings.JOB_STALE_AFTER)
    never = now - datetime.timedelta(seconds=settings.JOB_PENDING_STALE_AFTER)
    jobs = model._default_manager.all()
    running = jobs.filter(status=RUNNING).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, created_at__lt=stale)
    )
    waiting = jobs.filter(status=PENDING, created_at__lt=never)
    return running, waiting


def job_is_stale(job: Any, now: datetime.datetime | None = None) -> bool:
    """Return whether the reaper would mark `job` as failed now (for pages that poll it)."""
    now = now or timezone.now()
    if job.status == RUNNING:
        last = job.heartbeat_at or job.started_at or job.created_at
        return bool(last < now - datetime.timedelta(seconds=settings.JOB_STALE_AFTER))
    if job.status == PENDING:
        limit = datetime.timedelta(seconds=settings.JOB_PENDING_STALE_AFTER)
        return bool(job.created_at < now - limit)
    return False


def minutes(seconds: int) -> int:
    """Return `seconds` as whole minutes for a message (at least 1)."""
    return max(1, round(seconds / 60))
