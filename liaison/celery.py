"""The Celery application, configured from Django settings (CELERY_* names).

Apps send tasks with `liaison.common.tasks.enqueue`, never by importing this module.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")

app = Celery("liaison")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
