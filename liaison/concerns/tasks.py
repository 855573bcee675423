"""Celery tasks of concerns: ids in, a service call, nothing else."""

import datetime

from celery import shared_task
from django.conf import settings

from districts.access import SYSTEM


@shared_task(name="concerns.escalate_task")
def escalate_task(today: str | None = None) -> dict[str, int]:
    from .services import escalate_concerns

    day = datetime.date.fromisoformat(today) if today else None
    return escalate_concerns(today=day, by=SYSTEM).as_dict()


@shared_task(name="concerns.email_task")
def concern_email_task(user_ids: list[int], concern_id: int, kind: str) -> int:
    from .notifications import send_concern_email

    return send_concern_email(user_ids, concern_id, kind)


@shared_task(name="concerns.stats_recompute_task")
def concern_stats_recompute_task(months: list[str] | None = None) -> int:
    """Recompute the concern statistics of `months` (YYYY-MM-DD; default: the last twelve)."""
    from .statistics import concern_stats_recompute

    chosen = [datetime.date.fromisoformat(m) for m in months] if months else None
    return concern_stats_recompute(months=chosen, by=SYSTEM)


@shared_task(
    name="concerns.stats_job_task",
    soft_time_limit=settings.COVERAGE_JOB_TIME_LIMIT,
    time_limit=settings.COVERAGE_JOB_TIME_LIMIT + 30,
)
def concern_stats_job_task(job_id: int) -> str:
    """Run a requested recompute (API status URL); a finished job is left alone."""
    from .stats_jobs import concern_stats_job_run

    return concern_stats_job_run(job_id=job_id).status


@shared_task(name="concerns.stats_jobs_reap_task")
def concern_stats_jobs_reap_task() -> int:
    """Mark statistics recomputes whose worker died (or that never started) as failed."""
    from .stats_jobs import concern_stats_jobs_reap

    return concern_stats_jobs_reap()
