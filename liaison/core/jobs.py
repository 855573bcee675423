"""Requested coverage recomputes, with a status the API can report."""

import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from districts.access import Actor, require, user_of
from liaison.common.tasks import enqueue

from .coverage import coverage_recompute
from .models import CoverageJob


def coverage_job_create(*, as_of: datetime.date, by: Actor) -> CoverageJob:
    """Record a recompute request and schedule it after the transaction commits.

    Raise PermissionDenied unless the actor may recompute statistics.
    """
    from .tasks import coverage_job_task

    require(by, "recompute_statistics")
    job = CoverageJob.objects.create(as_of=as_of, requested_by=user_of(by))
    transaction.on_commit(lambda: enqueue(coverage_job_task, job.pk))
    return job


def coverage_recompute_later(as_of: datetime.date | None = None) -> None:
    """Schedule recomputes after the current transaction (bulk assignment, transfer).

    Today's figures always; a backdated change also refreshes the day it took effect.
    """
    from .tasks import coverage_recompute_task

    today = timezone.localdate()
    days = {today} | ({as_of} if as_of is not None and as_of < today else set())
    for day in sorted(days):
        transaction.on_commit(partial(enqueue, coverage_recompute_task, day.isoformat()))


def coverage_job_run(*, job_id: int) -> CoverageJob:
    with transaction.atomic():
        job = CoverageJob.objects.select_for_update().get(pk=job_id)
        if job.status != CoverageJob.Status.PENDING:
            return job
        job.status = CoverageJob.Status.RUNNING
        job.save(update_fields=["status"])
    try:
        job.rows_written = coverage_recompute(as_of=job.as_of)
        job.status = CoverageJob.Status.SUCCEEDED
    except Exception as exc:
        job.status = CoverageJob.Status.FAILED
        job.error = str(exc)[:2000]
        raise
    finally:
        job.finished_at = timezone.now()
        job.save(update_fields=["rows_written", "status", "error", "finished_at"])
    return job
