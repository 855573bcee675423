"""Celery tasks of duty days: thin wrappers over services."""

import datetime

from celery import shared_task
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from districts.access import SYSTEM
from liaison.common import dates
from liaison.common.uploads import kept_uploads_purge

from .compliance import compliance_recompute
from .models import KEPT_PHOTOS


@shared_task(name="dutydays.compliance_recompute_task")
def compliance_recompute_task(month: str | None = None) -> int:
    """Recompute a month's compliance (YYYY-MM; default: last month). Idempotent."""
    if month:
        # Checked at the service: a month out of range is refused there, not a crash here.
        day = dates.month_from_text(month)
        if day is None:
            raise ValidationError(_("Give the month as YYYY-MM."), code="month_format")
    else:
        day = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    return compliance_recompute(month=day, by=SYSTEM).rows


@shared_task(name="dutydays.kept_photos_purge_task")
def kept_photos_purge_task() -> int:
    """Delete photos kept from log forms that were never sent again (older than a day)."""
    return kept_uploads_purge(folder=KEPT_PHOTOS)
