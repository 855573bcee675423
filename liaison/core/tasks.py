"""Celery tasks of the liaison core: thin wrappers over services."""

import datetime

from celery import shared_task
from django.utils import timezone

from .coverage import coverage_recompute
from .jobs import coverage_job_run


@shared_task(name="liaison.coverage_recompute_task")
def coverage_recompute_task(as_of: str | None = None) -> int:
    """Recompute coverage snapshots as of `as_of` (ISO date; default today). Idempotent."""
    day = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
    return coverage_recompute(as_of=day)


@shared_task(name="liaison.coverage_job_task")
def coverage_job_task(job_id: int) -> str:
    """Run a requested recompute (API status URL); a finished job is left alone."""
    return coverage_job_run(job_id=job_id).status
