"""Celery tasks of districts: thin wrappers over services."""

from celery import shared_task

from .jobs import import_job_run, import_jobs_reap


@shared_task(name="districts.import_run_task")
def import_run_task(job_id: int) -> str:
    """Run import job `job_id`; safe to deliver twice (a finished job is left alone)."""
    return import_job_run(job_id=job_id).status


@shared_task(name="districts.jobs_reap_task")
def jobs_reap_task() -> int:
    """Mark imports whose worker died (or that never started) as failed. Idempotent."""
    return import_jobs_reap()
