"""Running Celery tasks: through the broker, or in-process in the embedded mode."""

import threading
from typing import Any

from celery import Task
from django.conf import settings
from django.db import connections


def enqueue(task: Task, *args: Any) -> None:
    """Send `task` to the broker, or run it in-process when there is no broker.

    In embedded mode a long task runs in a background thread (TASKS_IN_BACKGROUND_THREAD),
    so that the page which started it can poll its progress; tests run it inline.
    The task's own app decides: this module must not import the project's Celery app.
    """
    if not task.app.conf.task_always_eager:
        task.delay(*args)
    elif settings.TASKS_IN_BACKGROUND_THREAD:
        threading.Thread(target=_run_in_thread, args=(task, args), daemon=True).start()
    else:
        task.apply(args=args)


def _run_in_thread(task: Task, args: tuple[Any, ...]) -> None:
    try:
        task.apply(args=args)
    finally:
        connections.close_all()
