"""The Celery application, configured from Django settings (CELERY_* names)."""

import os
import threading

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")

app = Celery("liaison")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def enqueue(task, *args) -> None:
    """Send `task` to the broker, or run it in-process when there is no broker.

    In embedded mode a long task runs in a background thread (TASKS_IN_BACKGROUND_THREAD),
    so that the page which started it can poll its progress; tests run it inline.
    """
    from django.conf import settings

    if not app.conf.task_always_eager:
        task.delay(*args)
    elif settings.TASKS_IN_BACKGROUND_THREAD:
        threading.Thread(target=_run_in_thread, args=(task, args), daemon=True).start()
    else:
        task.apply(args=args)


def _run_in_thread(task, args) -> None:
    from django.db import connections

    try:
        task.apply(args=args)
    finally:
        connections.close_all()
