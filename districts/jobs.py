"""Import jobs: an uploaded file, run by a Celery task, with progress for the page.

A run shows signs of life (`heartbeat_at`) as it goes; the reaper marks running jobs that
stopped beating, and waiting jobs nobody picked up, as failed; a failed job can be retried
on the same file.
"""

import datetime
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liaison.common.jobs import job_is_stale, job_record, job_start, minutes, stale_jobs
from liaison.common.registry import importer_for
from liaison.common.tasks import enqueue

from .access import Actor, require, user_of
from .imports import ImportFileError, check_upload
from .models import ImportJob
from .selectors import import_job_get

ALLOWED_SUFFIXES = (".csv", ".xlsx")


def _progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:progress"


def import_job_progress(job: ImportJob) -> dict[str, Any] | None:
    """Return {"phase", "done", "total", "percent"} of a running job, or None."""
    return cache.get(_progress_key(job.pk))


def import_job_create(*, kind: str, uploaded_file: Any, by: Actor) -> ImportJob:
    """Store an uploaded file and schedule its import. Raise ValidationError on a bad file."""
    require(by, "import")
    if kind not in ImportJob.Kind.values or importer_for(kind) is None:
        raise ValidationError({"kind": _("Choose what the file holds.")})
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
    # Quick checks only (an XLSX's zip directory): the rows are parsed by the job, never
    # in the request.
    try:
        check_upload(uploaded_file, name)
    except ImportFileError as exc:
        raise ValidationError({"file": str(exc)}) from None
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind, file=uploaded_file, original_name=name[:200], created_by=user_of(by)
        )
        _schedule(job)
    return job


def _schedule(job: ImportJob) -> None:
    from .tasks import import_run_task

    transaction.on_commit(lambda: enqueue(import_run_task, job.pk))


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a pending import job; rerunning a finished job does nothing."""
    job, started = job_start(ImportJob, job_id, related=("created_by",))
    if not started:
        return job
    attempt = job.attempts
    this_run = ImportJob.objects.filter(
        pk=job.pk, attempts=attempt, status=ImportJob.Status.RUNNING
    )
    # The importer writes in one transaction: a heartbeat written inside it would neither be
    # seen by the reaper before the commit nor leave the job's row unlocked. Beat only at
    # the depth the run started at (tests run inside a transaction of their own).
    depth = len(connection.atomic_blocks)
    last_beat = time.monotonic()

    def progress(phase: str, done: int, total: int) -> None:
        nonlocal last_beat
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
        beat_due = time.monotonic() - last_beat >= settings.JOB_HEARTBEAT_EVERY
        if beat_due and len(connection.atomic_blocks) == depth:
            this_run.update(heartbeat_at=timezone.now())
            last_beat = time.monotonic()

    importer = importer_for(job.kind)
    try:
        if importer is None:
            raise ImportFileError(_("Files of this kind cannot be imported."))
        with job.file.open("rb") as fh:
            result = importer.run(fh, job.original_name, by=job.created_by, progress=progress)
    except ImportFileError as exc:
        job_record(
            job,
            attempt,
            errors=[{"row": 1, "column": "", "message": str(exc)}],
            error_count=1,
            status=ImportJob.Status.FAILED,
            finished_at=timezone.now(),
        )
    except Exception:
        job_record(
            job,
            attempt,
            status=ImportJob.Status.FAILED,
            errors=[{"row": 0, "column": "", "message": _("The import failed unexpectedly.")}],
            error_count=1,
            finished_at=timezone.now(),
        )
        raise
    else:
        job_record(
            job,
            attempt,
            rows_total=result.rows_total,
            created_count=result.created,
            updated_count=result.updated,
            unchanged_count=result.unchanged,
            error_count=len(result.errors),
            errors=[e.as_dict() for e in result.errors[:10_000]],
            new_households={str(k): v for k, v in result.new_households.items()},
            status=ImportJob.Status.SUCCEEDED if result.ok else ImportJob.Status.FAILED,
            finished_at=timezone.now(),
        )
    cache.delete(_progress_key(job.pk))
    return job


def import_job_is_stale(job: ImportJob, *, now: datetime.datetime | None = None) -> bool:
    """Return whether the reaper would mark `job` as failed now (for pages that poll it)."""
    return job_is_stale(job, now)


def import_jobs_reap(*, now: datetime.datetime | None = None) -> int:
    """Mark as failed the running imports that stopped beating and the waiting ones never
    started; return how many. Idempotent: finished jobs are never touched.
    """
    now = now or timezone.now()
    running, waiting = stale_jobs(ImportJob, now)
    silence = minutes(settings.JOB_STALE_AFTER)
    died = ngettext(
        "The import stopped responding for more than %(minutes)d minute; the worker running "
        "it has probably stopped. Retry it: an import writes all its rows or none, so running "
        "it again is safe.",
        "The import stopped responding for more than %(minutes)d minutes; the worker running "
        "it has probably stopped. Retry it: an import writes all its rows or none, so running "
        "it again is safe.",
        silence,
    ) % {"minutes": silence}
    wait = minutes(settings.JOB_PENDING_STALE_AFTER)
    lost = ngettext(
        "The import did not start within %(minutes)d minute; the task queue may be down. Retry it.",
        "The import did not start within %(minutes)d minutes; the task queue may be down. "
        "Retry it.",
        wait,
    ) % {"minutes": wait}
    reaped = 0
    for jobs, message in ((running, died), (waiting, lost)):
        reaped += jobs.update(
            status=ImportJob.Status.FAILED,
            errors=[{"row": 0, "column": "", "message": message}],
            error_count=1,
            finished_at=now,
        )
    return reaped


def import_job_retry(*, job: ImportJob, by: Actor) -> ImportJob:
    """Run a failed import again on the same file, as its uploader.

    Imports write all their rows or none and update by code, so a rerun is safe. Raise
    Http404 if `by` may not see the job, PermissionDenied if their role no longer allows
    imports, ValidationError if the job has not failed or its file is gone.
    """
    import_job_get(user=by, pk=job.pk)
    require(by, "import", job)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().select_related("created_by").get(pk=job.pk)
        if job.status != ImportJob.Status.FAILED:
            raise ValidationError(
                _("Only a failed import can be retried; this one is %(status)s.")
                % {"status": job.get_status_display()}
            )
        stored = job.file.name
        if not stored or not job.file.storage.exists(stored):
            raise ValidationError(_("The uploaded file is no longer stored; upload it again."))
        job.status = ImportJob.Status.PENDING
        job.rows_total = job.created_count = job.updated_count = job.unchanged_count = 0
        job.error_count = 0
        job.errors = []
        job.new_households = {}
        job.started_at = job.heartbeat_at = job.finished_at = None
        job.save()
        cache.delete(_progress_key(job.pk))
        _schedule(job)
    return job
