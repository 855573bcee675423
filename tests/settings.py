"""Test settings: the project's settings with a test key and deterministic tasks.

DATABASE_URL and REDIS_URL still come from the environment, so the same suite runs on
SQLite (default) and on PostgreSQL + Redis (CI).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("TASKS_IN_BACKGROUND_THREAD", "0")

from liaison.settings import *  # noqa: F403
from liaison.settings import BASE_DIR

# Tests run tasks inline unless a test asks for the real worker (marker celery_worker).
CELERY_TASK_ALWAYS_EAGER = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / ".test-media"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "1000/min"}}  # noqa: F405
# aiosmtpd logs each connection at INFO from its own thread, sometimes after pytest has
# closed the stream a test captured: the mailbox tests' receivers speak only of problems.
LOGGING = {
    **LOGGING,  # noqa: F405
    "loggers": {"axes": {"level": "WARNING"}, "mail.log": {"level": "WARNING"}},
}
