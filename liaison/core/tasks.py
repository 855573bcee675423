"""Celery tasks of the liaison core: thin wrappers over services."""

import datetime

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from districts.access import SYSTEM

from .coverage import coverage_recompute
from .jobs import coverage_job_run, coverage_jobs_reap


@shared_task(name="liaison.coverage_recompute_task")
def coverage_recompute_task(as_of: str | None = None) -> int:
    """Recompute coverage snapshots as of `as_of` (ISO date; default today). Idempotent."""
    day = datetime.date.fromisoformat(as_of) if as_of else timezone.localdate()
    return coverage_recompute(as_of=day, by=SYSTEM)


# The soft limit lets the run record why it stopped; the hard limit (a little later) ends a
# run stuck in the database. Both stay below JOB_STALE_AFTER, so the reaper never takes a
# live recompute for dead.
@shared_task(
    name="liaison.coverage_job_task",
    soft_time_limit=settings.COVERAGE_JOB_TIME_LIMIT,
    time_limit=settings.COVERAGE_JOB_TIME_LIMIT + 30,
)
def coverage_job_task(job_id: int) -> str:
    """Run a requested recompute (API status URL); a finished job is left alone."""
    return coverage_job_run(job_id=job_id).status


@shared_task(name="liaison.jobs_reap_task")
def jobs_reap_task() -> int:
    """Mark recomputes whose worker died (or that never started) as failed. Idempotent."""
    return coverage_jobs_reap()
