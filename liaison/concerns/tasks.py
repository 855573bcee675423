"""Celery tasks of concerns: ids in, a service call, nothing else."""

import datetime

from celery import shared_task

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
