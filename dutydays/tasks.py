"""Celery tasks of duty days: thin wrappers over services."""

import datetime

from celery import shared_task
from django.utils import timezone

from districts.access import SYSTEM

from .compliance import compliance_recompute


@shared_task(name="dutydays.compliance_recompute_task")
def compliance_recompute_task(month: str | None = None) -> int:
    """Recompute a month's compliance (YYYY-MM; default: last month). Idempotent."""
    if month:
        day = datetime.date.fromisoformat(f"{month}-01")
    else:
        day = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    return compliance_recompute(month=day, by=SYSTEM).rows
