"""Writes and rules of concerns: intake, routing, deadlines, the transitions, escalation.

Every change goes through `concern_create` or `concern_act` (one function per action, one
table of what each action may start from), each writing one append-only event. Deadlines
are dates counted in Chinese working days by `workdays.Calendar`.
"""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.access import Actor, SystemActor, allowed, require, user_of
from districts.models import Area, AreaLevel, Household
from liaison.common.registry import publish
from liaison.core.models import Cadre, Department, Pairing, ZoneLeadership
from liaison.core.selectors import department_list

from . import access as _access  # noqa: F401  (registers concerns' actions and targets)
from .access import own_cadre
from .models import (
    OPEN_STATES,
    Category,
    Channel,
    Concern,
    ConcernAttachment,
    ConcernEvent,
    ConcernPolicy,
    Feedback,
    Kind,
    Notification,
    Priority,
    State,
    TrackingSequence,
)
from .workdays import Calendar

CONCERNS_CHANGED = "concerns.changed"
PLACE_LEVELS = (AreaLevel.VILLAGE, AreaLevel.GROUP)
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024
ATTACHMENT_TYPES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".pdf")


class TransitionRefused(ValidationError):
    """An action the concern's state (or the deadline) does not allow now."""

    def __init__(self, message: str, allowed_actions: list[str]) -> None:
        super().__init__(message, code="transition_refused")
        self.allowed = allowed_actions


# Deadlines -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadlines:
    days: int
    ack_due: datetime.date
    due: datetime.date


def deadlines_for(
    *,
    kind: str,
    category: Category | None,
    priority: str,
    received: datetime.date,
    policy: ConcernPolicy | None = None,
    calendar: Calendar | None = None,
) -> Deadlines:
    """Return the deadlines of a concern received on `received` (DOMAIN.md §7).

    N working days count from the day after receipt; the kind's days, or the category's
    when shorter; urgent: the day of receipt if a working day, else the next working day.
    """
    policy = policy or ConcernPolicy.current()
    cal = calendar or Calendar.load()
    if priority == Priority.URGENT:
        days = 0
    else:
        days = policy.days_for(kind)
        if category is not None and category.deadline_days:
            days = min(days, category.deadline_days)
    ack = cal.add_working_days(received, policy.ack_days)
    due = cal.add_working_days(received, days)
    return Deadlines(days=days, ack_due=min(ack, due) if days == 0 else ack, due=due)


# Routing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    owner: Cadre | None
    reason: str


def route(*, area: Area, household: Household | None, day: datetime.date) -> Route:
    """Return who owns a new concern: the household's paired cadre; else the leader of the
    zone covering the place (group, then village, then township zone); else nobody (the
    township's queue)."""
    if household is not None:
        pairing = (
            Pairing.objects.active(day)
            .filter(household=household, cadre__left_date__isnull=True)
            .select_related("cadre")
            .order_by("start_date", "pk")
            .first()
        )
        if pairing is not None:
            return Route(pairing.cadre, str(gettext_lazy("the household's paired cadre")))
    chain = _chain(area)
    for place in reversed(chain):
        if place.level not in (AreaLevel.GROUP, AreaLevel.VILLAGE, AreaLevel.TOWNSHIP):
            continue
        leadership = (
            ZoneLeadership.objects.filter(zone__zone_areas__area=place, start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
            .filter(cadre__left_date__isnull=True)
            .select_related("cadre")
            .order_by("start_date", "pk")
            .first()
        )
        if leadership is not None:
            return Route(
                leadership.cadre,
                _("the leader of the zone covering %(place)s") % {"place": place.name},
            )
    return Route(None, _("no cadre found: the township's queue"))


def _chain(area: Area) -> list[Area]:
    chain: list[Area] = []
    node: Area | None = Area.objects.select_related("parent__parent__parent").get(pk=area.pk)
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain[::-1]


def _township_village(area: Area) -> tuple[Area, Area, Area]:
    """Return (county, township, village) above a village or group."""
    chain = {a.level: a for a in _chain(area)}
    return chain[AreaLevel.COUNTY], chain[AreaLevel.TOWNSHIP], chain[AreaLevel.VILLAGE]


# Intake ----------------------------------------------------------------------------------


def tracking_number_next(county: Area, year: int) -> str:
    """Hand out the next tracking number of the county and year (530827-2026-000123)."""
    prefix = f"{county.code}-{year}"
    TrackingSequence.objects.get_or_create(prefix=prefix)
    seq = TrackingSequence.objects.select_for_update().get(prefix=prefix)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"{prefix}-{seq.last:06d}"


def _check_received_at(value: datetime.datetime) -> None:
    now = timezone.now()
    if value > now + datetime.timedelta(minutes=5):
        raise ValidationError({"received_at": _("A concern cannot be received in the future.")})
    if value.year < 2000:
        raise ValidationError({"received_at": _("Give a date from 2000 on.")})


@transaction.atomic
def concern_create(
    *,
    by: Actor,
    channel: str,
    kind: str,
    category: Category,
    description: str,
    area: Area | None = None,
    household: Household | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    reporter_email: str = "",
    department: Department | None = None,
    priority: str = Priority.NORMAL,
    received_at: datetime.datetime | None = None,
    owner: Cadre | None = None,
    attachments: Sequence[UploadedFile] = (),
    box_opening: Any = None,
    note: str = "",
) -> Concern:
    """Record a concern, route it and set its deadlines; the creation is its first event.

    `owner` overrides the routing (a cadre logging a call on their own card). Raise Http404
    for a place or household outside the actor's jurisdiction, PermissionDenied if the
    role may not enter concerns, ValidationError (keyed by field) for bad input.
    """
    if household is not None:
        require(by, "view_households", household)
        if area is None:
            area = household.group
    if area is None:
        raise ValidationError({"area": _("Give the village or group, or the household.")})
    require(by, "create_concerns", area)
    if owner is not None:
        # A cadre enters a call on their own card for themself; giving a concern to someone
        # else is routing.
        require(by, "view_cadres", owner)
        if owner != own_cadre(by) and not isinstance(by, SystemActor):
            require(by, "route_concerns", area)
    if (
        department is not None
        and not isinstance(by, SystemActor)
        and not department_list(user=by).filter(pk=department.pk).exists()
    ):
        raise Http404(_("No such department."))
    errors: dict[str, str] = {}
    if area.level not in PLACE_LEVELS:
        errors["area"] = _("A concern is raised in a village or a group.")
    elif household is not None and household.pk not in _households_in(area, [household.pk]):
        errors["household"] = _("This household does not live in the place given.")
    if channel not in Channel.values:
        errors["channel"] = _("Unknown channel.")
    if kind not in Kind.values:
        errors["kind"] = _("Unknown kind.")
    if priority not in Priority.values:
        errors["priority"] = _("Unknown priority.")
    if not category.active:
        errors["category"] = _("This category is no longer in use.")
    if not description.strip():
        errors["description"] = _("Say what happened.")
    if errors:
        raise ValidationError(errors)
    received_at = received_at or timezone.now()
    _check_received_at(received_at)
    for upload in attachments:
        _check_attachment(upload)
    county, township, village = _township_village(area)
    received_day = timezone.localdate(received_at)
    deadlines = deadlines_for(
        kind=kind, category=category, priority=priority, received=received_day
    )
    if owner is None:
        routed = route(area=area, household=household, day=timezone.localdate())
        owner, reason = routed.owner, routed.reason
    else:
        reason = _("entered by the responsible cadre")
    concern = Concern(
        tracking_number=tracking_number_next(county, timezone.localdate().year),
        lookup_code=new_lookup_code(),
        channel=channel,
        kind=kind,
        category=category,
        priority=priority,
        area=area,
        township=township,
        village=village,
        household=household,
        reporter_name=reporter_name.strip(),
        reporter_phone=reporter_phone.strip(),
        reporter_email=reporter_email.strip(),
        department=department,
        description=description.strip(),
        received_at=received_at,
        state=State.ASSIGNED if owner is not None else State.RECEIVED,
        owner=owner,
        deadline_days=deadlines.days,
        ack_due=deadlines.ack_due,
        due=deadlines.due,
        box_opening=box_opening,
        created_by=user_of(by),
    )
    concern.full_clean(exclude=["tracking_number", "category", "area", "township", "village"])
    concern.save()
    text = _("Routed to %(owner)s (%(reason)s).") % {
        "owner": owner.name if owner else _("the township's queue"),
        "reason": reason,
    }
    _event(concern, by, "create", "", concern.state, "\n".join(filter(None, [note, text])))
    for upload in attachments:
        _attach(concern, upload, by)
    if owner is not None:
        _notify(concern, owner, Notification.Kind.ASSIGNED)
    _changed()
    return concern


LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed


def new_lookup_code() -> str:
    """A random 8-character code for the receipt (about 40 bits)."""
    import secrets

    return "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(8))


@transaction.atomic
def concern_publish_note(*, concern: Concern, note: str, by: Actor) -> ConcernEvent:
    """Publish a note about the concern for the public (status page, board, Open311).

    Only who works the concern may (a cadre: their own); the note must not name anyone —
    that is the author's duty, the note is shown as written.
    """
    require(by, "handle_concerns", concern)
    text = note.strip()
    if not text:
        raise ValidationError({"note": _("Write the note to publish.")})
    if len(text) > 500:
        raise ValidationError({"note": _("At most %(limit)d characters.") % {"limit": 500}})
    event = ConcernEvent.objects.create(
        concern=concern,
        at=timezone.now(),
        actor=user_of(by),
        action="publish",
        from_state=concern.state,
        to_state=concern.state,
        note=text,
        public=True,
    )
    _changed()
    return event


def _households_in(area: Area, ids: Iterable[int]) -> set[int]:
    field = "group_id" if area.level == AreaLevel.GROUP else "village_id"
    return set(
        Household.objects.filter(pk__in=list(ids), **{field: area.pk}).values_list("pk", flat=True)
    )


def _check_attachment(upload: UploadedFile) -> None:
    name = (upload.name or "").lower()
    if not name.endswith(ATTACHMENT_TYPES):
        raise ValidationError(
            {"attachments": _("Attach photos (JPEG, PNG, WebP, GIF) or PDF scans only.")}
        )
    if (upload.size or 0) > MAX_ATTACHMENT_SIZE:
        raise ValidationError({"attachments": _("An attachment may be at most 10 MB.")})


def _attach(concern: Concern, upload: UploadedFile, by: Actor) -> ConcernAttachment:
    return ConcernAttachment.objects.create(
        concern=concern, file=upload, name=(upload.name or "")[:200], uploaded_by=user_of(by)
    )


@transaction.atomic
def concern_attach(
    *, concern: Concern, files: Sequence[UploadedFile], by: Actor
) -> list[ConcernAttachment]:
    """Add photos or scans to a concern (whoever may enter or work concerns there)."""
    require(by, "view_concerns", concern)
    if not (allowed(by, "handle_concerns", concern) or allowed(by, "create_concerns", concern)):
        raise PermissionDenied(_("Your role does not allow this."))
    if not files:
        raise ValidationError({"file": _("Choose a file.")})
    for upload in files:
        _check_attachment(upload)
    added = [_attach(concern, upload, by) for upload in files]
    _event(
        concern,
        by,
        "attach",
        concern.state,
        concern.state,
        ", ".join(a.name for a in added),
    )
    return added


@transaction.atomic
def concern_reveal(*, concern: Concern, by: Actor, ip: str | None = None) -> dict[str, str]:
    """Return the reporter's name and phone unmasked, and record the reveal in the audit log.

    Raise PermissionDenied unless the role may (a cadre: their own concerns), RateLimited
    past the reveals an hour of the privacy policy (household reveals count too).
    """
    from districts.audit import audit_record
    from districts.models import AuditEntry
    from districts.services import check_reveal_rate

    require(by, "reveal_reporter", concern)
    user = user_of(by)
    if user is not None:
        check_reveal_rate(user)
    audit_record(
        AuditEntry.Kind.REVEAL,
        user=user,
        area=concern.area,
        ip=ip,
        concern=concern.pk,
        code=concern.tracking_number,
        username="" if user else str(by.get_username()),
    )
    return {"reporter_name": concern.reporter_name, "reporter_phone": concern.reporter_phone}


# Transitions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    """An action: the states it may start from, and the funnel action it needs."""

    sources: tuple[str, ...]
    permission: str
    label: Any


WORKING = (State.ASSIGNED, State.IN_PROGRESS, State.AWAITING_INFO)
TRANSITIONS: dict[str, Transition] = {
    "assign": Transition(OPEN_STATES, "route_concerns", gettext_lazy("Assign")),
    "accept": Transition((State.ASSIGNED,), "handle_concerns", gettext_lazy("Accept")),
    "request-info": Transition(
        (State.IN_PROGRESS,), "handle_concerns", gettext_lazy("Ask for information")
    ),
    "resume": Transition((State.AWAITING_INFO,), "handle_concerns", gettext_lazy("Resume")),
    "resolve": Transition((State.IN_PROGRESS,), "handle_concerns", gettext_lazy("Resolve")),
    "feedback": Transition((State.RESOLVED,), "record_feedback", gettext_lazy("Call back")),
    "close": Transition((State.RESOLVED,), "close_concerns", gettext_lazy("Close")),
    "extend": Transition(WORKING, "extend_concerns", gettext_lazy("Extend")),
    "duplicate": Transition(OPEN_STATES, "route_concerns", gettext_lazy("Mark as duplicate")),
    "refer": Transition(OPEN_STATES, "route_concerns", gettext_lazy("Refer elsewhere")),
    "reject": Transition(OPEN_STATES, "route_concerns", gettext_lazy("Reject")),
}


def _state_allows(concern: Concern, name: str, today: datetime.date) -> bool:
    if concern.state not in TRANSITIONS[name].sources:
        return False
    if name == "extend":
        return not concern.extended and today <= concern.due
    return True


def allowed_actions(concern: Concern, by: Actor, today: datetime.date | None = None) -> list[str]:
    """Return the actions `by` may take on the concern now (buttons; the API's `allowed`)."""
    today = today or timezone.localdate()
    return [
        name
        for name, spec in TRANSITIONS.items()
        if _state_allows(concern, name, today) and allowed(by, spec.permission, concern)
    ]


def concern_act(*, concern: Concern, action: str, by: Actor, **params: Any) -> Concern:
    """Take `action` on the concern (the API's one POST per transition).

    Raise Http404 outside the jurisdiction, PermissionDenied if the actor may not take
    the action, TransitionRefused (a ValidationError with `allowed`) if the state does not
    allow it now, ValidationError (keyed by field) for missing or bad parameters.
    """
    if action not in TRANSITIONS:
        raise Http404(_("No such action."))
    with transaction.atomic():
        locked = Concern.objects.select_for_update().get(pk=concern.pk)
        spec = TRANSITIONS[action]
        require(by, "view_concerns", locked)
        today = timezone.localdate()
        if not _state_allows(locked, action, today):
            raise TransitionRefused(_refusal(locked, action, today), allowed_actions(locked, by))
        require(by, spec.permission, locked)
        _ACTIONS[action](locked, by, today, **params)
    _changed()
    return locked


def _refusal(concern: Concern, action: str, today: datetime.date) -> str:
    if action == "extend" and concern.state in WORKING:
        if concern.extended:
            return _("This concern's deadline has already been extended once.")
        return _("A deadline can be extended only before it passes.")
    return _("A concern that is %(state)s cannot be %(action)s.") % {
        "state": concern.get_state_display(),
        "action": str(TRANSITIONS[action].label),
    }


def _move(
    concern: Concern, by: Actor, action: str, to_state: str, note: str, fields: Iterable[str]
) -> None:
    from_state = concern.state
    concern.state = to_state
    concern.save(update_fields=["state", *fields, "updated_at"])
    _event(concern, by, action, from_state, to_state, note)


def _text(params: dict[str, Any], key: str, *, required: bool, limit: int = 2000) -> str:
    value = params.get(key)
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise ValidationError({key: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError({key: _("At most %(limit)d characters.") % {"limit": limit}})
    return value


def _assign(concern: Concern, by: Actor, today: datetime.date, **params: Any) -> None:
    cadre = params.get("cadre")
    if not isinstance(cadre, Cadre):
        raise ValidationError({"cadre": _("Choose the cadre to take it.")})
    require(by, "view_cadres", cadre)
    if cadre.left_date is not None:
        raise ValidationError({"cadre": _("This cadre has left.")})
    if cadre.user_id is None:
        raise ValidationError({"cadre": _("This cadre has no account to work concerns with.")})
    department = params.get("department")
    fields = ["owner", "ack_due", "accepted_at"]
    if department is not None:
        concern.department = department
        fields.append("department")
    previous = concern.owner
    concern.owner = cadre
    concern.accepted_at = None
    concern.ack_due = Calendar.load().add_working_days(today, ConcernPolicy.current().ack_days)
    note = _("Assigned to %(cadre)s.") % {"cadre": cadre.name}
    if previous is not None and previous != cadre:
        note = _("Reassigned from %(old)s to %(cadre)s.") % {
            "old": previous.name,
            "cadre": cadre.name,
        }
    extra = _text(params, "note", required=False)
    _move(concern, by, "assign", State.ASSIGNED, " ".join(filter(None, [note, extra])), fields)
    _notify(concern, cadre, Notification.Kind.ASSIGNED)


def _accept(concern: Concern, by: Actor, today: datetime.date, **params: Any) -> None:
    concern.accepted_at = timezone.now()
    _move(
        concern,
        by,
        "accept",
        State.IN_PROGRESS,
        _text(params, "note", required=False),
        ["accepted_at"],
    )


def _request_info(concern: Concern, by: Actor, today: datetime.date, **params: Any) -> None:
    concern.paused_on = today
    note = _text(params, "note", required=False)
    _move(concern, by, "request-info", State.AWAITING_INFO, note, ["paused_on"])


def _resume(concern: Concern, by: Actor, today: datetime.date, **params: Any) -> None:
    cal = Calendar.load()
    waited = cal.working_days_between(concern.paused_on or today, today)
    fields = ["paused_on"]
    note = _text(params, "note", required=False)
    if waited:
        concern.due = cal.add_working_days(concern.due, waited)
        concern.escalation_level = 0
        fields += ["due", "escalation_level"]
        moved = _("The clock waited %(days)d working days: now due %(due)s.") % {
            "days": waited,
            "due": concern.due.isoformat(),
        }
        note = " ".join(filter(None, [note, moved]))
    concern.paused_on = None
    _move(concern, by, "resume", State.IN_PROGRESS, note, fields)


def _resolve(concern: Concern, by: Actor, today: datetime.date, **params: Any) -> None:
    note = _text(params, "note", required=True, limit=5000)
    policy = ConcernPolicy.current()
    cal = Calendar.load()
    concern.resolved_at = timezone.now()
    concern.resolution = note
    concern.callback_due = cal.add_working_days(today, policy.callback_days)
    concern.feedback = ""
    concern.feedback_at = None
    # For the statistics' median: working days from the day received to the day resolved.
    from .statistics import days_to_resolve

    concern.days_to_resolve = days_to_resolve(concern.received_at, concern.resolved_at, cal)
    _move(
        concern,
        by,
        "resolve",
        State.RESOLVED,
        note,
        [
            "resolved_at",
            "resolution",
            "callback_due",
            "feedback",
            "feedback_at",
            "days_to_resolve",
        ],
    )


def _feedback(concern: Concern, by: Actor, today: datetime.date, **params: Any) -> None:
    result = params.get("result")
    if result not in Feedback.values:
        raise ValidationError(
            {"result": _("Give one of: %(values)s.") % {"values": ", ".join(Feedback.values)}}
        )
    note = _text(params, "note", required=False)
    concern.feedback = result
    concern.feedback_at = timezone.now()
    fields = ["feedback", "feedback_at"]
    label = Feedback(result).label
    text = " ".join(filter(None, [str(label), note]))
    if result in (Feedback.SATISFIED, Feedback.BASICALLY_SATISFIED):
        concern.closed_at = timezone.now()
        _move(concern, by, "feedback", State.CLOSED, text, [*fields, "closed_at"])
    elif result == Feedback.UNSATISFIED:
        policy = ConcernPolicy.current()
        cal = Calendar.load()
        concern.reopen_count += 1
        concern.due = cal.add_working_days(today, max(concern.deadline_days, 1))
        concern.resolved_at = None
        concern.days_to_resolve = None
        concern.callback_due = None
        concern.escalation_level = 3 if concern.reopen_count >= policy.county_after_reopens else 0
        concern.escalated_at = timezone.now() if concern.escalation_level else None
        _move(
            concern,
            by,
            "feedback",
            State.IN_PROGRESS,
            text,
            [
                *fields,
                "reopen_count",
                "due",
                "resolved_at",
                "days_to_resolve",
                "callback_due",
                "escalation_level",
                "escalated_at",
            ],
        )
        if concern.owner is not None:
            _notify(concern, concern.owner, Notification.Kind.REOPENED)
    else:  # unreachable: stays resolved; the escalation job closes it after the window
        _event(concern, by, "feedback", concern.state, concern.state, text)
        concern.save(update_fields=[*fields, "updated_at"])


def _close(concern: Concern, by: Actor, today: datetime.date, **params: Any) -> None:
    concern.closed_at = timezone.now()
    _move(concern, by, "close", State.CLOSED, _text(params, "note", required=False), ["closed_at"])


def _extend(concern: Concern, by: Actor, today: datetime.date, **params: Any) -> None:
    reason = _text(params, "reason", required=True)
    concern.due = Calendar.load().add_working_days(concern.due, max(concern.deadline_days, 1))
    concern.extended = True
    concern.escalation_level = 0
    note = _("%(reason)s (now due %(due)s)") % {"reason": reason, "due": concern.due.isoformat()}
    _move(concern, by, "extend", concern.state, note, ["due", "extended", "escalation_level"])


def _duplicate(concern: Concern, by: Actor, today: datetime.date, **params: Any) -> None:
    original = params.get("of")
    if not isinstance(original, Concern):
        raise ValidationError({"of": _("Give the concern this one repeats.")})
    require(by, "view_concerns", original)
    if original.pk == concern.pk:
        raise ValidationError({"of": _("A concern cannot repeat itself.")})
    if original.duplicate_of_id == concern.pk:
        raise ValidationError({"of": _("That concern is already marked as a repeat of this one.")})
    concern.duplicate_of = original
    concern.closed_at = timezone.now()
    note = " ".join(
        filter(
            None,
            [
                _("Repeats %(number)s.") % {"number": original.tracking_number},
                _text(params, "reason", required=False),
            ],
        )
    )
    _move(concern, by, "duplicate", State.DUPLICATE, note, ["duplicate_of", "closed_at"])


def _refer(concern: Concern, by: Actor, today: datetime.date, **params: Any) -> None:
    to = _text(params, "to", required=True, limit=100)
    reason = _text(params, "reason", required=True)
    concern.referred_to = to
    concern.closed_at = timezone.now()
    note = _("Referred to %(to)s: %(reason)s") % {"to": to, "reason": reason}
    _move(concern, by, "refer", State.REFERRED, note, ["referred_to", "closed_at"])


def _reject(concern: Concern, by: Actor, today: datetime.date, **params: Any) -> None:
    reason = _text(params, "reason", required=True)
    concern.closed_at = timezone.now()
    _move(concern, by, "reject", State.REJECTED, reason, ["closed_at"])


_ACTIONS: dict[str, Callable[..., None]] = {
    "assign": _assign,
    "accept": _accept,
    "request-info": _request_info,
    "resume": _resume,
    "resolve": _resolve,
    "feedback": _feedback,
    "close": _close,
    "extend": _extend,
    "duplicate": _duplicate,
    "refer": _refer,
    "reject": _reject,
}


# Events and notifications ----------------------------------------------------------------


def _event(
    concern: Concern, by: Actor, action: str, from_state: str, to_state: str, note: str = ""
) -> ConcernEvent:
    return ConcernEvent.objects.create(
        concern=concern,
        at=timezone.now(),
        actor=user_of(by),
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note[:2000],
    )


def _notify(concern: Concern, cadre: Cadre, kind: str, level: int = 0) -> None:
    if cadre.user_id is None:
        return
    Notification.objects.create(user_id=cadre.user_id, concern=concern, kind=kind, level=level)
    from .notifications import email_later

    email_later([cadre.user_id], concern.pk, kind)


def _changed() -> None:
    transaction.on_commit(lambda: publish(CONCERNS_CHANGED))


def notification_read(*, notification: Notification, by: Actor) -> Notification:
    """Mark one of the actor's own notifications read (opening it)."""
    if notification.user_id != getattr(user_of(by), "pk", None):
        raise Http404(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, by: Actor) -> int:
    """Mark every unread notification of the actor read; return how many."""
    user = user_of(by)
    if user is None:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# Escalation ------------------------------------------------------------------------------


@dataclass
class EscalationResult:
    reminded: int = 0
    overdue: int = 0
    supervised: int = 0
    closed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "reminded": self.reminded,
            "overdue": self.overdue,
            "supervised": self.supervised,
            "closed": self.closed,
        }


ESCALATING = (State.RECEIVED, State.ASSIGNED, State.IN_PROGRESS)
CHUNK = 2000


def escalate_concerns(*, today: datetime.date | None = None, by: Actor) -> EscalationResult:
    """Raise the escalation levels due by `today`, and close what the call-back window ended.

    1 = due by the next working day (the reminder); 2 = overdue (the township leader's
    list); 3 = `county_after_days` working days overdue, or reopened `county_after_reopens`
    times (the county supervision list). Levels only rise; a rerun changes nothing. Rows
    are locked with SKIP LOCKED, so two runs never take the same concern.
    """
    if not isinstance(by, SystemActor):
        require(by, "recompute_statistics")
    today = today or timezone.localdate()
    cal = Calendar.load()
    policy = ConcernPolicy.current()
    county_line = cal.subtract_working_days(today, policy.county_after_days)
    remind_by = cal.add_working_days(today, 1)
    levels = [
        (
            3,
            Q(due__lte=county_line) | Q(reopen_count__gte=policy.county_after_reopens),
            "supervised",
        ),
        (2, Q(due__lt=today), "overdue"),
        (1, Q(due__lte=remind_by), "reminded"),
    ]
    result = EscalationResult()
    for level, condition, counter in levels:
        while True:
            count = _escalate_chunk(level, condition, by)
            setattr(result, counter, getattr(result, counter) + count)
            if count < CHUNK:
                break
    result.closed = _close_after_callback_window(today, by)
    if result.reminded or result.overdue or result.supervised or result.closed:
        _changed()
    return result


def _escalate_chunk(level: int, condition: Q, by: Actor) -> int:
    with transaction.atomic():
        rows = list(
            Concern.objects.filter(state__in=ESCALATING, escalation_level__lt=level)
            .filter(condition)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("owner")
            .order_by("pk")[:CHUNK]
        )
        if not rows:
            return 0
        now = timezone.now()
        Concern.objects.filter(pk__in=[c.pk for c in rows]).update(
            escalation_level=level, escalated_at=now
        )
        notes = {
            1: _("Reminder: due %(due)s."),
            2: _("Overdue since %(due)s: on the township leader's list."),
            3: _("On the county supervision list (due %(due)s, reopened %(reopened)d times)."),
        }
        actor = user_of(by)
        ConcernEvent.objects.bulk_create(
            ConcernEvent(
                concern=c,
                at=now,
                actor=actor,
                action="escalate",
                from_state=c.state,
                to_state=c.state,
                note=notes[level] % {"due": c.due.isoformat(), "reopened": c.reopen_count},
            )
            for c in rows
        )
        kind = Notification.Kind.DUE_TOMORROW if level == 1 else Notification.Kind.ESCALATED
        notified = [(c, c.owner.user_id) for c in rows if c.owner is not None and c.owner.user_id]
        Notification.objects.bulk_create(
            Notification(user_id=user_id, concern=c, kind=kind, level=level)
            for c, user_id in notified
        )
        from .notifications import email_later

        for c, user_id in notified:
            email_later([user_id], c.pk, kind)
    return len(rows)


def _close_after_callback_window(today: datetime.date, by: Actor) -> int:
    """Close resolved concerns whose call-back window passed: the household could not be
    reached, or nobody can be called back (anonymous)."""
    closed = 0
    anonymous = Q(household__isnull=True, reporter_phone="")
    with transaction.atomic():
        rows = list(
            Concern.objects.filter(state=State.RESOLVED, callback_due__lt=today)
            .filter(Q(feedback=Feedback.UNREACHABLE) | anonymous)
            .select_for_update(skip_locked=True)
            .order_by("pk")[: CHUNK * 10]
        )
        now = timezone.now()
        for concern in rows:
            concern.state = State.CLOSED
            concern.closed_at = now
            concern.save(update_fields=["state", "closed_at", "updated_at"])
            note = (
                _("Closed after the call-back window: the household could not be reached.")
                if concern.feedback == Feedback.UNREACHABLE
                else _("Closed after the call-back window: nobody to call back.")
            )
            _event(concern, by, "close", State.RESOLVED, State.CLOSED, note)
            closed += 1
    return closed


# Personal data past the retention period --------------------------------------------------


def reporters_erase(*, by: Actor, dry_run: bool = False, retention_years: int) -> int:
    """Blank the reporter's name, phone and e-mail address of concerns ended longer ago than
    the retention period (the command erase_personal_data), and delete the mail held in
    quarantine that long (raw messages with their senders); the concerns and their figures
    stay. Return how many records were (with `dry_run`: would be) erased; one audit entry."""
    from districts.audit import audit_record
    from districts.models import AuditEntry

    from .models import QuarantinedMail

    require(by, "erase_personal_data")
    cutoff = timezone.now() - datetime.timedelta(days=365 * retention_years + retention_years // 4)
    concerns = Concern.objects.filter(closed_at__lt=cutoff).exclude(
        reporter_name="", reporter_phone="", reporter_email=""
    )
    held = QuarantinedMail.objects.filter(received_at__lt=cutoff)
    count, mails = concerns.count(), held.count()
    if dry_run or not (count or mails):
        return count + mails
    concerns.update(reporter_name="", reporter_phone="", reporter_email="")
    held.delete()
    audit_record(
        AuditEntry.Kind.ERASURE,
        user=user_of(by),
        username="" if user_of(by) else str(by.get_username()),
        concerns=count,
        quarantined_mails=mails,
        retention_years=retention_years,
    )
    return count + mails
