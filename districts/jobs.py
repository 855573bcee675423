"""Import jobs: an uploaded file, run by a Celery task, with progress for the page."""

from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.common.tasks import enqueue

from .access import Actor, require, user_of
from .imports import ImportFileError, import_areas, import_households
from .models import ImportJob

ALLOWED_SUFFIXES = (".csv", ".xlsx")


def _progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:progress"


def import_job_progress(job: ImportJob) -> dict[str, Any] | None:
    """Return {"phase", "done", "total", "percent"} of a running job, or None."""
    return cache.get(_progress_key(job.pk))


def import_job_create(*, kind: str, uploaded_file: Any, by: Actor) -> ImportJob:
    """Store an uploaded file and schedule its import. Raise ValidationError on a bad file."""
    from django.conf import settings

    require(by, "import")
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": _("Choose areas or households.")})
    name = uploaded_file.name or ""
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ValidationError({"file": _("Upload a .csv or .xlsx file.")})
    if uploaded_file.size > settings.IMPORT_MAX_FILE_SIZE:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)d MB.")
                % {"mb": settings.IMPORT_MAX_FILE_SIZE // (1024 * 1024)}
            }
        )
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind, file=uploaded_file, original_name=name[:200], created_by=user_of(by)
        )
        from .tasks import import_run_task

        transaction.on_commit(lambda: enqueue(import_run_task, job.pk))
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a pending import job; rerunning a finished job does nothing."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job_id)
        if job.status != ImportJob.Status.PENDING:
            return job
        job.status = ImportJob.Status.RUNNING
        job.started_at = timezone.now()
        job.save(update_fields=["status", "started_at"])

    def progress(phase: str, done: int, total: int) -> None:
        done = min(done, total)
        cache.set(
            _progress_key(job.pk),
            {
                "phase": phase,
                "done": done,
                "total": total,
                "percent": int(done * 100 / total) if total else 100,
            },
            timeout=3600,
        )

    importer = import_areas if job.kind == ImportJob.Kind.AREAS else import_households
    try:
        with job.file.open("rb") as fh:
            result = importer(fh, job.original_name, by=job.created_by, progress=progress)
    except ImportFileError as exc:
        job.errors = [{"row": 1, "column": "", "message": str(exc)}]
        job.error_count = 1
        job.status = ImportJob.Status.FAILED
    except Exception:
        job.status = ImportJob.Status.FAILED
        job.errors = [{"row": 0, "column": "", "message": _("The import failed unexpectedly.")}]
        job.error_count = 1
        job.finished_at = timezone.now()
        job.save()
        raise
    else:
        job.rows_total = result.rows_total
        job.created_count = result.created
        job.updated_count = result.updated
        job.unchanged_count = result.unchanged
        job.error_count = len(result.errors)
        job.errors = [e.as_dict() for e in result.errors[:10_000]]
        job.status = ImportJob.Status.SUCCEEDED if result.ok else ImportJob.Status.FAILED
    job.finished_at = timezone.now()
    job.save()
    cache.delete(_progress_key(job.pk))
    return job
