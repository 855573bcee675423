"""WSGI entry point (gunicorn liaison.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liaison.settings")

application = get_wsgi_application()

# gunicorn runs no system checks: refuse to serve demo accounts in production mode here.
from liaison.checks import refuse_demo_accounts  # noqa: E402  (needs the apps loaded)

refuse_demo_accounts()
