"""Reads of concerns, always through the jurisdiction."""

import datetime
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from districts.access import Actor, read_scope

from . import access
from .models import (
    OPEN_STATES,
    Category,
    Concern,
    ConcernAttachment,
    ConcernEvent,
    Notification,
    State,
)


def concern_list(*, user: Actor) -> Any:
    """Return the concerns the user may see: those raised in the jurisdiction, and those
    the user's own cadre owns (a county cadre serving households of another township)."""
    scope = read_scope(user, "view_concerns")
    if scope.everything:
        return Concern.objects.all()
    q = scope.area_q("area__")
    cadre = access.own_cadre(user)
    if cadre is not None and not scope.is_empty:
        q |= Q(owner=cadre)
    return Concern.objects.filter(q)


def concern_get(*, user: Actor, pk: Any) -> Concern:
    try:
        return (
            concern_list(user=user)
            .select_related(
                "category", "area", "township", "village", "household", "owner", "department"
            )
            .get(pk=pk)
        )
    except (Concern.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such concern.")) from None


def concern_events(concern: Concern) -> Any:
    return ConcernEvent.objects.filter(concern=concern).select_related("actor").order_by("at", "pk")


def concern_attachments(concern: Concern) -> Any:
    """The photos and scans of a concern already read through `concern_get`."""
    return ConcernAttachment.objects.filter(concern=concern).order_by("pk")


def concern_attachment_get(concern: Concern, pk: Any) -> ConcernAttachment:
    """One attachment of the concern; another concern's, or none, is 404."""
    try:
        return concern_attachments(concern).get(pk=pk)
    except (ConcernAttachment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such attachment.")) from None


def categories() -> Any:
    return Category.objects.filter(active=True)


def my_concerns(*, user: Actor) -> Any:
    """The concerns the user's cadre owns and must still act on: due soonest first."""
    cadre = access.own_cadre(user)
    if cadre is None:
        return Concern.objects.none()
    return (
        concern_list(user=user)
        .filter(owner=cadre)
        .filter(Q(state__in=OPEN_STATES) | Q(state=State.RESOLVED, feedback=""))
        .order_by("due", "pk")
    )


def township_queue(*, user: Actor, today: datetime.date | None = None) -> dict[str, Any]:
    """The township's queue: unassigned, overdue, awaiting the call-back."""
    today = today or timezone.localdate()
    visible = concern_list(user=user)
    return {
        "unassigned": visible.filter(state=State.RECEIVED, owner__isnull=True).order_by(
            "due", "pk"
        ),
        "overdue": visible.filter(state__in=OPEN_STATES, due__lt=today).order_by("due", "pk"),
        "callback": visible.filter(state=State.RESOLVED, feedback="").order_by(
            "callback_due", "pk"
        ),
    }


def supervision_list(*, user: Actor) -> Any:
    """The county supervision list (督办): concerns at escalation level 3, still open."""
    return (
        concern_list(user=user)
        .filter(escalation_level__gte=3, state__in=OPEN_STATES)
        .order_by("due", "pk")
    )


def unread_notifications(*, user: Actor) -> Any:
    pk = getattr(user, "pk", None)
    if not getattr(user, "is_authenticated", False) or pk is None:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=pk, read_at__isnull=True)


def notification_list(*, user: Actor) -> Any:
    """The user's own notifications, newest first (each with its concern)."""
    pk = getattr(user, "pk", None)
    if not getattr(user, "is_authenticated", False) or pk is None:
        return Notification.objects.none()
    return (
        Notification.objects.filter(user_id=pk)
        .select_related("concern", "concern__area", "concern__category")
        .order_by("-created_at", "-pk")
    )


def notification_get(*, user: Actor, pk: Any) -> Notification:
    """One of the user's notifications; another's, or none, is 404."""
    try:
        return notification_list(user=user).get(pk=pk)
    except (Notification.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such notification.")) from None


def public_notes(concern: Concern) -> Any:
    """The notes the owner chose to publish, oldest first (nothing internal)."""
    return ConcernEvent.objects.filter(concern=concern, public=True).order_by("at", "pk")


def public_notes_of(concerns: Any) -> Any:
    """The published notes of several concerns (already read through a selector)."""
    return ConcernEvent.objects.filter(concern__in=concerns, public=True).order_by("at", "pk")
