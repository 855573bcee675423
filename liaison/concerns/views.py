"""Staff pages of concerns: the list, a concern's page (facts, attachments, timeline, one
form per action), the inboxes (my concerns, the township queue, the county supervision
list), notifications, and the panels on the household and cadre pages."""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from districts import selectors as district_selectors
from districts.access import allowed, can, scope_for
from districts.models import AreaLevel, Household, Role
from districts.validators import mask_phone
from liaison.common.forms import add_service_errors
from liaison.common.limits import RateLimited
from liaison.common.net import client_ip
from liaison.common.pagination import SeekPaginator, query_without_page
from liaison.common.registry import panels_for
from liaison.core import selectors as core_selectors

from . import access, selectors, services
from .access import HOTLINE_OPERATOR
from .api.views import ConcernFilter
from .models import OPEN_STATES, Channel, Concern, Kind, State
from .page_forms import ConcernActionForm
from .personal import mask_email

if TYPE_CHECKING:
    from collections.abc import Iterable

PER_PAGE = 50
QUEUE_LIMIT = 50
CADRE_CHOICES = 500
MAX_FILES = 10
# The roles that work the township's queue (hotline operators make the call-backs) and
# that follow the county supervision list.
QUEUE_ROLES = (Role.ADMINISTRATOR, Role.AREA_ADMIN, Role.VIEWER, HOTLINE_OPERATOR)
SUPERVISION_ROLES = (
    Role.ADMINISTRATOR,
    Role.AREA_ADMIN,
    Role.VIEWER,
    Role.ORG_DEPARTMENT,
    Role.INSPECTOR,
)
# Files served from the attachment view: images inline, PDF scans as downloads.
ATTACHMENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "pdf": "application/pdf",
}
# Steps of the timeline that are not transitions.
EVENT_LABELS = {
    "create": gettext_lazy("Recorded"),
    "attach": gettext_lazy("Attachments added"),
    "escalate": gettext_lazy("Escalated"),
    "publish": gettext_lazy("Note published"),
    "close": gettext_lazy("Close"),
}


def _role(request: HttpRequest) -> str | None:
    return scope_for(request.user).role


def _require_role(request: HttpRequest, roles: "Iterable[str]") -> None:
    if _role(request) not in tuple(roles):
        raise PermissionDenied(_("Your role does not allow this."))


# Rows ------------------------------------------------------------------------------------


@dataclass
class Row:
    """A concern as a list shows it, with what its deadline says today."""

    concern: Concern
    overdue: bool
    due_today: bool
    awaiting_callback: bool


def _rows(concerns: "Iterable[Concern]", today: datetime.date) -> list[Row]:
    return [
        Row(
            c,
            overdue=c.state in OPEN_STATES and c.due < today,
            due_today=c.state in OPEN_STATES and c.due == today,
            awaiting_callback=c.state == State.RESOLVED and not c.feedback,
        )
        for c in concerns
    ]


def _listed(queryset: Any) -> Any:
    """What a row shows, read with the concerns (no query per row)."""
    return queryset.select_related("category", "area", "village", "owner")


# The list --------------------------------------------------------------------------------


@login_required
def concern_list(request):
    """Every concern the user may see, with filters (state, channel, kind, category,
    overdue, place, responsible cadre), newest first."""
    concern_filter = ConcernFilter(
        request.GET or None, queryset=selectors.concern_list(user=request.user)
    )
    filtered = concern_filter.qs
    page = SeekPaginator(
        _listed(filtered).order_by("-received_at", "-pk"), PER_PAGE, count_queryset=filtered
    ).page(request.GET.get("page"))
    today = timezone.localdate()
    form = concern_filter.form
    values = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    owner_id = values.get("owner")
    return render(
        request,
        "concerns/concern_list.html",
        {
            "page": page,
            "rows": _rows(page.object_list, today),
            "filters": {k: request.GET.get(k, "") for k in ("state", "channel", "kind")}
            | {
                "category": request.GET.get("category", ""),
                "overdue": request.GET.get("overdue", ""),
                "within": request.GET.get("within", ""),
            },
            "filtered": any(
                request.GET.get(k)
                for k in ("state", "channel", "kind", "category", "overdue", "within", "owner")
            ),
            "states": State.choices,
            "channels": Channel.choices,
            "kinds": Kind.choices,
            "categories": selectors.categories(),
            "areas": district_selectors.area_list(user=request.user)
            .filter(level__in=[AreaLevel.TOWNSHIP, AreaLevel.VILLAGE])
            .order_by("path")[:300],
            "owner": core_selectors.cadre_list(user=request.user).filter(pk=owner_id).first()
            if owner_id
            else None,
            "query_without_page": query_without_page(request),
        },
    )


# A concern's page ------------------------------------------------------------------------


def _cadre_choices(request: HttpRequest) -> list[tuple[int, str]]:
    """The cadres a concern can be given to: in service, with an account, seen by the user."""
    cadres = (
        core_selectors.cadre_list(user=request.user)
        .filter(left_date__isnull=True, user__isnull=False)
        .select_related("department")
        .order_by("department__name", "name", "pk")[:CADRE_CHOICES]
    )
    return [
        (c.pk, f"{c.name} · {c.department.name}" if c.department_id else c.name) for c in cadres
    ]


def _action_form(request: HttpRequest, action: str, data: Any = None) -> ConcernActionForm:
    choices = _cadre_choices(request) if action == "assign" else None
    return ConcernActionForm(action, data, cadre_choices=choices)


def _timeline(concern: Concern) -> list[dict[str, Any]]:
    labels = {name: spec.label for name, spec in services.TRANSITIONS.items()} | EVENT_LABELS
    states = dict(State.choices)
    return [
        {
            "event": e,
            "label": labels.get(e.action, e.action),
            "from": states.get(e.from_state, e.from_state),
            "to": states.get(e.to_state, e.to_state),
            "moved": e.from_state != e.to_state,
        }
        for e in selectors.concern_events(concern)
    ]


def _detail(
    request: HttpRequest, concern: Concern, failed: ConcernActionForm | None = None
) -> HttpResponse:
    today = timezone.localdate()
    actions = services.allowed_actions(concern, request.user, today)
    forms = [
        (
            name,
            services.TRANSITIONS[name].label,
            failed if failed is not None and failed.action == name else _action_form(request, name),
        )
        for name in actions
    ]
    if failed is not None and failed.action not in actions:
        forms.insert(0, (failed.action, services.TRANSITIONS[failed.action].label, failed))
    attachments = [
        {"file": a, "image": a.file.name.rsplit(".", 1)[-1].lower() != "pdf"}
        for a in selectors.concern_attachments(concern)
    ]
    return render(
        request,
        "concerns/concern_detail.html",
        {
            "concern": concern,
            # A cadre comes from their own inbox.
            "own_inbox": _role(request) == Role.CADRE,
            "row": _rows([concern], today)[0],
            "reporter_phone": mask_phone(concern.reporter_phone),
            "reporter_email": mask_email(concern.reporter_email),
            "can_reveal": bool(concern.reporter_phone)
            and allowed(request.user, "reveal_reporter", concern),
            "forms": forms,
            "attachments": attachments,
            "can_publish": allowed(request.user, "handle_concerns", concern),
            "can_attach": allowed(request.user, "handle_concerns", concern)
            or allowed(request.user, "create_concerns", concern),
            "timeline": _timeline(concern),
            # Later apps' panels (dutydays: the duty day the concern came from).
            "panels": panels_for("concern", request, concern),
            "household_visible": concern.household_id is not None
            and district_selectors.household_list(user=request.user)
            .filter(pk=concern.household_id)
            .exists(),
        },
    )


@login_required
def concern_detail(request, pk):
    concern = selectors.concern_get(user=request.user, pk=pk)
    return _detail(request, concern)


def _done(concern: Concern, action: str) -> str:
    """The message after a successful action."""
    if action == "assign":
        return _("Assigned to %(cadre)s.") % {"cadre": concern.owner.name if concern.owner else ""}
    if action == "resolve":
        return _("Resolved: call the household back by %(date)s.") % {
            "date": concern.callback_due.isoformat() if concern.callback_due else "—"
        }
    if action == "feedback":
        if concern.state == State.IN_PROGRESS:
            return _("Call-back recorded: the household is not satisfied, the concern is reopened.")
        return _("Call-back recorded.")
    if action == "extend":
        return _("Extended: now due %(date)s.") % {"date": concern.due.isoformat()}
    if action == "duplicate":
        number = concern.duplicate_of.tracking_number if concern.duplicate_of else ""
        return _("Marked as a repeat of %(number)s.") % {"number": number}
    if action == "refer":
        return _("Referred to %(to)s.") % {"to": concern.referred_to}
    return {
        "accept": _("Accepted: the concern is in progress."),
        "request-info": _("Waiting for information: the deadline is paused."),
        "resume": _("Work resumed."),
        "close": _("Closed."),
        "reject": _("Rejected."),
    }[action]


def _params(request: HttpRequest, form: ConcernActionForm) -> dict[str, Any] | None:
    """The service's parameters from a valid form; None (errors on the form) when the cadre
    or the repeated concern cannot be found."""
    params = form.params()
    if "cadre" in params:
        cadre = core_selectors.cadre_list(user=request.user).filter(pk=params["cadre"]).first()
        if cadre is None:
            form.add_error("cadre", _("Choose a cadre from the list."))
            return None
        params["cadre"] = cadre
    if "of" in params:
        original = (
            selectors.concern_list(user=request.user)
            .filter(tracking_number=params["of"].strip())
            .first()
        )
        if original is None:
            form.add_error("of", _("No concern with this tracking number in your jurisdiction."))
            return None
        params["of"] = original
    return params


@login_required
@require_POST
def concern_act(request, pk, action):
    """Take one action on the concern (services.concern_act); back to its page."""
    concern = selectors.concern_get(user=request.user, pk=pk)
    spec = services.TRANSITIONS.get(action)
    if spec is None:
        raise Http404(_("No such action."))
    if not can(request.user, spec.permission):
        raise PermissionDenied(_("Your role does not allow this."))
    form = _action_form(request, action, request.POST)
    if form.is_valid() and (params := _params(request, form)) is not None:
        try:
            concern = services.concern_act(
                concern=concern, action=action, by=request.user, **params
            )
        except services.TransitionRefused as exc:
            messages.error(request, exc.messages[0])
            return redirect("concern-detail", pk=concern.pk)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _done(concern, action))
            return redirect("concern-detail", pk=concern.pk)
    return _detail(request, concern, failed=form)


@login_required
@require_POST
def concern_publish(request, pk):
    """Publish a note for the public (the status page, the board, Open311)."""
    concern = selectors.concern_get(user=request.user, pk=pk)
    try:
        services.concern_publish_note(
            concern=concern, note=request.POST.get("note", ""), by=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The note is published: the household sees it on the status page.")
        )
    return redirect("concern-detail", pk=concern.pk)


@login_required
@require_POST
def concern_attach(request, pk):
    """Add photos or scans to the concern (services.concern_attach)."""
    concern = selectors.concern_get(user=request.user, pk=pk)
    files = request.FILES.getlist("file")
    if len(files) > MAX_FILES:
        messages.error(request, _("Attach at most %(n)d files at a time.") % {"n": MAX_FILES})
        return redirect("concern-detail", pk=concern.pk)
    try:
        added = services.concern_attach(concern=concern, files=files, by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext("%(n)d file attached.", "%(n)d files attached.", len(added))
            % {"n": len(added)},
        )
    return redirect("concern-detail", pk=concern.pk)


@login_required
def concern_attachment(request, pk, attachment_pk):
    """Serve an attachment to those who may see the concern (never a public media URL)."""
    concern = selectors.concern_get(user=request.user, pk=pk)
    attachment = selectors.concern_attachment_get(concern, attachment_pk)
    extension = (attachment.file.name or "").rsplit(".", 1)[-1].lower()
    content_type = ATTACHMENT_TYPES.get(extension)
    if content_type is None:
        raise Http404(_("No such attachment."))
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("No such attachment.")) from None
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=extension == "pdf",
        filename=attachment.name or f"attachment.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _reporter(
    request: HttpRequest, concern: Concern, numbers: dict[str, str], **extra: Any
) -> HttpResponse:
    status = extra.pop("status", 200)
    return render(
        request,
        "concerns/_reporter.html",
        {
            "concern": concern,
            "reporter_phone": numbers["reporter_phone"],
            "reporter_email": mask_email(concern.reporter_email),
            **extra,
        },
        status=status,
    )


@login_required
@require_POST
def concern_reveal(request, pk):
    """htmx: the reporter's number in full (services.concern_reveal records it)."""
    concern = selectors.concern_get(user=request.user, pk=pk)
    masked = {"reporter_phone": mask_phone(concern.reporter_phone)}
    try:
        numbers = services.concern_reveal(concern=concern, by=request.user, ip=client_ip(request))
    except RateLimited as exc:
        response = _reporter(
            request, concern, masked, masked_view=True, can_reveal=True, refusal=str(exc),
            status=429,
        )  # fmt: skip
        response["Retry-After"] = str(exc.retry_after)
        return response
    except PermissionDenied as exc:
        reason = str(exc) or _("Your role may not see personal data.")
        return _reporter(request, concern, masked, masked_view=True, refusal=reason, status=403)
    return _reporter(request, concern, numbers, revealed=True)


# Inboxes ---------------------------------------------------------------------------------


@login_required
def my_concerns(request):
    """A cadre's concerns still to act on (call-backs included), due soonest first."""
    cadre = access.own_cadre(request.user)
    concerns = selectors.my_concerns(user=request.user).select_related(
        "category", "area", "village", "household"
    )
    page = SeekPaginator(concerns, PER_PAGE).page(request.GET.get("page"))
    today = timezone.localdate()
    rows = _rows(page.object_list, today)
    return render(
        request,
        "concerns/my_concerns.html",
        {
            "cadre": cadre,
            "page": page,
            "rows": rows,
            "overdue": sum(1 for r in rows if r.overdue),
            "unread": unread_count(request),
            "query_without_page": query_without_page(request),
        },
    )


@login_required
def township_queue(request):
    """The township's queue: unassigned, overdue, awaiting the call-back, with counts."""
    _require_role(request, QUEUE_ROLES)
    today = timezone.localdate()
    queue = selectors.township_queue(user=request.user, today=today)
    sections = [
        (
            key,
            label,
            queue[key].count(),
            _rows(_listed(queue[key])[:QUEUE_LIMIT], today),
            link,
        )
        for key, label, link in (
            ("unassigned", _("Unassigned"), "state=received"),
            ("overdue", _("Overdue"), "overdue=true"),
            ("callback", _("Awaiting call-back"), "state=resolved"),
        )
    ]
    return render(
        request,
        "concerns/queue.html",
        {
            "sections": sections,
            "limit": QUEUE_LIMIT,
            "can_route": can(request.user, "route_concerns"),
        },
    )


@login_required
def supervision(request):
    """The county supervision list (督办): open concerns at escalation level 3."""
    _require_role(request, SUPERVISION_ROLES)
    concerns = _listed(selectors.supervision_list(user=request.user))
    page = SeekPaginator(concerns, PER_PAGE).page(request.GET.get("page"))
    return render(
        request,
        "concerns/supervision.html",
        {
            "page": page,
            "rows": _rows(page.object_list, timezone.localdate()),
            "query_without_page": query_without_page(request),
        },
    )


# Notifications ---------------------------------------------------------------------------


@login_required
def notifications(request):
    """The user's notifications, newest first; unread ones marked."""
    page = SeekPaginator(selectors.notification_list(user=request.user), PER_PAGE).page(
        request.GET.get("page")
    )
    return render(
        request,
        "concerns/notifications.html",
        {
            "page": page,
            "unread": unread_count(request),
            "query_without_page": query_without_page(request),
        },
    )


@login_required
def notification_open(request, pk):
    """Open a notification: it is read, and its concern's page shows."""
    notification = selectors.notification_get(user=request.user, pk=pk)
    services.notification_read(notification=notification, by=request.user)
    return redirect("concern-detail", pk=notification.concern_id)


@login_required
@require_POST
def notifications_read(request):
    """Mark every notification of the user read."""
    count = services.notifications_read_all(by=request.user)
    messages.success(
        request,
        ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", count)
        % {"n": count},
    )
    return redirect("concern-notifications")


def unread_count(request: HttpRequest) -> int:
    """The user's unread notifications: the menu's badge (counted once a request)."""
    count = getattr(request, "_concern_unread", None)
    if count is None:
        count = selectors.unread_notifications(user=request.user).count()
        setattr(request, "_concern_unread", count)  # noqa: B010
    return int(count)


# Panels ----------------------------------------------------------------------------------

HOUSEHOLD_PANEL_ROWS = 5


def household_panel(request: HttpRequest, household: Household) -> tuple[str, dict[str, Any]]:
    """The household's concerns (those the user may see): the latest five, and how many."""
    concerns = selectors.concern_list(user=request.user).filter(household=household)
    latest = list(
        concerns.select_related("category").order_by("-received_at", "-pk")[
            : HOUSEHOLD_PANEL_ROWS + 1
        ]
    )
    today = timezone.localdate()
    return "concerns/_household_panel.html", {
        "rows": _rows(latest[:HOUSEHOLD_PANEL_ROWS], today),
        "total": len(latest) if len(latest) <= HOUSEHOLD_PANEL_ROWS else concerns.count(),
        "household": household,
    }
