"""System checks of the project: no demo account with its demo password in production mode.

`seed_demo` makes its accounts (admin, county, …, password `demo-liaison`) only in
development mode, but a database seeded there may later be served with DEBUG off. Then
start-up refuses (runserver, migrate and every command that runs the checks; gunicorn
through `refuse_demo_accounts` in wsgi.py/asgi.py) until each such account has another
password or is deactivated.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

DEMO_ACCOUNTS_ERROR = "liaison.E001"


def demo_accounts_with_demo_password() -> list[str]:
    """Return the usernames of active demo accounts whose password is still the demo one."""
    from liaison.management.commands.seed_demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    names = [username for username, _role, _area in DEMO_ACCOUNTS]
    try:
        users = list(
            get_user_model()
            .objects.filter(is_active=True, username__in=names)
            .order_by("username")
            .values_list("username", "password")
        )
    except DatabaseError:  # no database yet (or no tables before the first migrate)
        return []
    # hashers.check_password, not User.check_password: a check must never re-hash and save.
    return [username for username, encoded in users if check_password(DEMO_PASSWORD, encoded)]


@register(Tags.security, deploy=False)
def demo_accounts_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """In production mode (DEBUG off), no active demo account may keep the demo password."""
    if settings.DEBUG:
        return []
    found = demo_accounts_with_demo_password()
    if not found:
        return []
    return [
        Error(
            "Demo accounts with the demo password in production mode (DEBUG off): "
            + ", ".join(found)
            + ". Anyone who read the README can log in as them.",
            hint="Give each a new password (python manage.py changepassword <username>) or "
            "deactivate it (the Users page or the Django admin), or run in development "
            "mode with DEBUG=1.",
            id=DEMO_ACCOUNTS_ERROR,
        )
    ]


def refuse_demo_accounts() -> None:
    """Stop a server that runs no system checks (gunicorn) on the same condition.

    Raise ImproperlyConfigured with the check's message.
    """
    errors = demo_accounts_check()
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} {errors[0].hint}")
