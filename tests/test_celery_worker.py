"""Tasks through a real broker and a real Celery worker process (CI's PostgreSQL run)."""

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from districts.jobs import import_job_create
from districts.models import Household, ImportJob
from liaison.celery import app as celery_app

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def start_worker() -> Iterator[subprocess.Popen]:
    """Run a Celery worker process on the test database until the block ends."""
    if not settings.CELERY_BROKER_URL:
        pytest.skip("no broker: set REDIS_URL (CI does) to run tasks on a real worker")
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a shared database server (PostgreSQL)")
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
    }
    celery = Path(sys.executable).with_name("celery")
    process = subprocess.Popen(
        [str(celery), "-A", "liaison", "worker", "--pool=solo", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    celery_app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while not celery_app.control.ping(timeout=1):
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                pytest.fail("the Celery worker did not start:\n" + (output or ""))
        yield process
    finally:
        celery_app.conf.task_always_eager = True
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def worker():
    with start_worker() as process:
        yield process


def test_import_runs_on_the_worker(tree, county_admin, worker):
    upload = SimpleUploadedFile(
        "h.csv",
        b"code,group_code,head_name,members,id_number,phone,address,categories\n"
        b"W1,530827100201001,worker,2,,,,\n",
    )
    job = import_job_create(kind="households", uploaded_file=upload, by=county_admin)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(0.2)
    assert (job.status, job.created_count) == (ImportJob.Status.SUCCEEDED, 1)
    assert Household.objects.get(code="W1").township_id == tree.town_a.pk
