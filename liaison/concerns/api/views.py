"""API v1 of concerns: intake, lists with filters, one POST per transition, the timeline."""

from typing import Any

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from districts.access import RolePermission
from districts.models import Area
from liaison.common.api import ServiceWriteMixin
from liaison.common.filters import IdFilter

from .. import selectors, services
from ..models import OPEN_STATES, Channel, Concern, Kind, State
from .serializers import (
    AssignSerializer,
    AttachmentSerializer,
    ConcernSerializer,
    DuplicateSerializer,
    EventSerializer,
    FeedbackSerializer,
    NoteSerializer,
    PublishSerializer,
    ReasonSerializer,
    ReferSerializer,
    ResolveSerializer,
)


class ConcernFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=State.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    category = django_filters.CharFilter(field_name="category__code")
    within = IdFilter(method="filter_within", label=gettext_lazy("area (with everything below)"))
    owner = IdFilter(field_name="owner_id")
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    received_after = django_filters.DateFilter(field_name="received_at__date", lookup_expr="gte")
    received_before = django_filters.DateFilter(field_name="received_at__date", lookup_expr="lte")

    def filter_within(self, queryset, name, value):
        area = Area.objects.filter(pk=value).only("path").first()
        return queryset.filter(area__path__startswith=area.path) if area else queryset.none()

    def filter_overdue(self, queryset, name, value):
        overdue = Q(state__in=OPEN_STATES, due__lt=timezone.localdate())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class _Refused(Exception):
    def __init__(self, detail: str, allowed: list[str]) -> None:
        self.detail, self.allowed = detail, allowed


def _refusable(**kwargs: Any) -> Concern:
    """concern_act, with a refused transition kept apart from other validation errors."""
    try:
        return services.concern_act(**kwargs)
    except services.TransitionRefused as exc:
        raise _Refused(exc.messages[0], exc.allowed) from exc


# A transition's 400 is either the refusal (the state does not allow it now: `detail` and
# the actions `allowed`) or the body's errors keyed by field, as every write answers them.
TRANSITION_400 = {
    "oneOf": [
        {
            "type": "object",
            "properties": {
                "detail": {"type": "string"},
                "allowed": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["detail"],
        },
        {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    ]
}


def _transition_schema(body: Any) -> Any:
    return extend_schema(request=body, responses={200: ConcernSerializer, 400: TRANSITION_400})


class ConcernViewSet(
    ServiceWriteMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Concerns (民情事项): raised through the five channels, worked to working-day deadlines.

    A transition the concern's state does not allow now answers 400 with `detail` and
    `allowed` (the actions allowed now).
    """

    serializer_class = ConcernSerializer
    filterset_class = ConcernFilter
    permission_classes = [RolePermission]
    write_action = "create_concerns"
    # The project's parsers (JSON limited in depth, form, multipart: DEFAULT_PARSER_CLASSES).
    queryset = Concern.objects.none()  # for the schema; get_queryset scopes the real one

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Concern.objects.none()
        return selectors.concern_list(user=self.request.user).select_related("category")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = self.call_service(
            services.concern_create,
            by=self.request.user,
            channel=data["channel"],
            kind=data["kind"],
            category=data["category"],
            description=data["description"],
            area=data.get("area"),
            household=data.get("household"),
            reporter_name=data.get("reporter_name", ""),
            reporter_phone=data.get("reporter_phone", ""),
            department=data.get("department"),
            priority=data.get("priority") or "normal",
            received_at=data.get("received_at"),
            attachments=self.request.FILES.getlist("attachments"),
        )

    def _act(self, request: Request, name: str, body: Any = None) -> Response:
        concern = self.get_object()
        params: dict[str, Any] = {}
        if body is not None:
            serializer = body(data=request.data, context={"request": request})
            serializer.is_valid(raise_exception=True)
            params = dict(serializer.validated_data)
        try:
            concern = self.call_service(
                _refusable, concern=concern, action=name, by=request.user, **params
            )
        except _Refused as refused:
            return Response({"detail": refused.detail, "allowed": refused.allowed}, status=400)
        return Response(ConcernSerializer(concern, context={"request": request}).data)

    @property
    def object_action(self) -> str:
        """The funnel action RolePermission checks on a detail route (404 before 403)."""
        name = (self.action or "").replace("_", "-")
        if name in services.TRANSITIONS:
            return services.TRANSITIONS[name].permission
        if name == "reveal":
            return "reveal_reporter"
        if name == "publish":
            return "handle_concerns"
        return "view_concerns"

    @_transition_schema(AssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Give the concern to a cadre (and optionally a department)."""
        return self._act(request, "assign", AssignSerializer)

    @_transition_schema(NoteSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Acknowledge the concern (what `ack_due` measures)."""
        return self._act(request, "accept", NoteSerializer)

    @_transition_schema(NoteSerializer)
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, pk=None):
        """Wait for information: the clock pauses until `resume/`."""
        return self._act(request, "request-info", NoteSerializer)

    @_transition_schema(NoteSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Work again; `due` moves later by the working days spent waiting."""
        return self._act(request, "resume", NoteSerializer)

    @_transition_schema(ResolveSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Resolved, with a note; the call-back follows."""
        return self._act(request, "resolve", ResolveSerializer)

    @_transition_schema(FeedbackSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        """The household's answer at the call-back (回访)."""
        return self._act(request, "feedback", FeedbackSerializer)

    @_transition_schema(NoteSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a resolved concern (the township)."""
        return self._act(request, "close", NoteSerializer)

    @_transition_schema(ReasonSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request, pk=None):
        """Extend the deadline once, before it passes, with a reason."""
        return self._act(request, "extend", ReasonSerializer)

    @_transition_schema(DuplicateSerializer)
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        """End the concern as a repeat of another."""
        return self._act(request, "duplicate", DuplicateSerializer)

    @_transition_schema(ReferSerializer)
    @action(detail=True, methods=["post"])
    def refer(self, request, pk=None):
        """End the concern by referring it to a body outside the system."""
        return self._act(request, "refer", ReferSerializer)

    @_transition_schema(ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """End the concern as rejected, with the reason."""
        return self._act(request, "reject", ReasonSerializer)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request, pk=None):
        """The concern's timeline: every step, creation first."""
        concern = self.get_object()
        return Response(EventSerializer(selectors.concern_events(concern), many=True).data)

    @extend_schema(request={"multipart/form-data": AttachmentSerializer}, responses={201: dict})
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[parsers.MultiPartParser, parsers.FormParser],
    )
    def attachments(self, request, pk=None):
        """Add photos or scans (multipart, field `file`, repeatable)."""
        concern = self.get_object()
        files = request.FILES.getlist("file")
        if not files:
            raise DRFValidationError({"file": [str(gettext_lazy("Choose a file."))]})
        added = self.call_service(
            services.concern_attach, concern=concern, files=files, by=request.user
        )
        return Response({"attachments": [{"id": a.pk, "name": a.name} for a in added]}, status=201)

    # A 400 is the body's errors by field, or a body that is no JSON at all (`detail`).
    @extend_schema(request=PublishSerializer, responses={201: EventSerializer, 400: TRANSITION_400})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a note for the public: the status page, the board and Open311 show it."""
        concern = self.get_object()
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        event = self.call_service(
            services.concern_publish_note,
            concern=concern,
            note=body.validated_data["note"],
            by=request.user,
        )
        return Response(EventSerializer(event).data, status=201)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """The reporter's phone number unmasked (recorded in the audit log)."""
        concern = self.get_object()
        from liaison.common.net import client_ip

        numbers = self.call_service(
            services.concern_reveal, concern=concern, by=request.user, ip=client_ip(request)
        )
        return Response(numbers)
