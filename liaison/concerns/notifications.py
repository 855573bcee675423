"""E-mail for concerns' notifications, when an SMTP server is configured (CONCERN_EMAILS).

The in-app notification (the count in the menu) is always written by the services; this
only adds a message to the user's address, after the transaction commits.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Concern, Notification


def email_later(user_ids: Iterable[int], concern_id: int, kind: str) -> None:
    """Send the notification by e-mail after commit (nothing without CONCERN_EMAILS)."""
    if not settings.CONCERN_EMAILS:
        return
    ids = [i for i in user_ids if i is not None]
    if ids:
        transaction.on_commit(lambda: _send(ids, concern_id, kind))


def _send(user_ids: list[int], concern_id: int, kind: str) -> None:
    from liaison.common.tasks import enqueue

    from .tasks import concern_email_task

    enqueue(concern_email_task, user_ids, concern_id, kind)


def send_concern_email(user_ids: list[int], concern_id: int, kind: str) -> int:
    """Write the message to each user with an address; return how many were sent."""
    concern = Concern.objects.filter(pk=concern_id).select_related("area").first()
    if concern is None:
        return 0
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(email="")
    subject = _("[Concern %(number)s] %(what)s") % {
        "number": concern.tracking_number,
        "what": Notification.Kind(kind).label,
    }
    body = _(
        "Concern %(number)s (%(place)s), due %(due)s:\n\n%(description)s\n\n"
        "Open the liaison system to work on it."
    ) % {
        "number": concern.tracking_number,
        "place": concern.area.name,
        "due": concern.due.isoformat(),
        "description": concern.description[:500],
    }
    sent = 0
    for user in users:
        sent += send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return sent
