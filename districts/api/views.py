"""API v1 of districts: areas, households, zones, imports."""

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from liaison.common.api import ServiceWriteMixin, job_started, job_started_schema

from .. import jobs, selectors, services
from ..access import RolePermission
from ..audit import client_ip
from ..filters import AreaFilter, AuditFilter, HouseholdFilter, RevealFilter, ZoneFilter
from ..history import history_with_changes
from ..models import Area, AuditEntry, ImportJob, PersonalDataAccess
from .serializers import (
    AreaSerializer,
    AuditEntrySerializer,
    HistorySerializer,
    HouseholdPersonalDataSerializer,
    HouseholdRevealSerializer,
    HouseholdSerializer,
    ImportJobCreateSerializer,
    ImportJobSerializer,
    RevealLogSerializer,
    ZoneSerializer,
)


def history_response(obj) -> Response:
    records, changes = history_with_changes(obj)
    return Response(HistorySerializer(records, many=True, context={"changes": changes}).data)


class AreaViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    """Areas of the hierarchy within your jurisdiction (`within=<id>` for a subtree)."""

    serializer_class = AreaSerializer
    filterset_class = AreaFilter
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    write_action = "manage_areas"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.area_list(user=self.request.user)

    @extend_schema(responses=HistorySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Return who changed what and when, newest first."""
        return history_response(self.get_object())

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = self.call_service(
            services.area_create,
            code=data["code"],
            name=data["name"],
            level=data["level"],
            parent=data.get("parent"),
            categories=data.get("categories", []),
            by=self.request.user,
        )

    def perform_update(self, serializer):
        serializer.instance = self.call_service(
            services.area_update,
            area=serializer.instance,
            data=dict(serializer.validated_data),
            by=self.request.user,
        )


class HouseholdViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    """Households within your jurisdiction. ID and phone numbers are masked."""

    serializer_class = HouseholdSerializer
    filterset_class = HouseholdFilter
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    write_action = "manage_households"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.household_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = self.call_service(
            services.household_create, data=dict(serializer.validated_data), by=self.request.user
        )

    def perform_update(self, serializer):
        serializer.instance = self.call_service(
            services.household_update,
            household=serializer.instance,
            data=dict(serializer.validated_data),
            by=self.request.user,
        )

    @extend_schema(
        request=HouseholdRevealSerializer,
        responses={200: HouseholdPersonalDataSerializer, 429: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def reveal(self, request, pk=None):
        """Return the full ID and phone numbers; the access is recorded. A cadre sees only
        the households they serve (403 otherwise); every user makes at most the policy's
        number of reveals an hour (429 with Retry-After beyond it)."""
        household = self.get_object()
        body = HouseholdRevealSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = self.call_service(
            services.household_reveal,
            household=household,
            by=request.user,
            reason=body.validated_data.get("reason", ""),
            ip=client_ip(request),
        )
        return Response(data)

    @extend_schema(responses=HistorySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def history(self, request, pk=None):
        """Return who changed what and when, newest first (personal numbers masked)."""
        return history_response(self.get_object())


class ZoneViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    """Responsibility zones (民情责任区) that cover areas within your jurisdiction."""

    serializer_class = ZoneSerializer
    filterset_class = ZoneFilter
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    write_action = "manage_zones"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.zone_list(user=self.request.user).prefetch_related(
            Prefetch("areas", queryset=Area.objects.only("id"))
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = self.call_service(
            services.zone_create,
            name=data["name"],
            level=data["level"],
            areas=list(data["areas"]),
            by=self.request.user,
        )

    def perform_update(self, serializer):
        serializer.instance = self.call_service(
            services.zone_update,
            zone=serializer.instance,
            data=dict(serializer.validated_data),
            by=self.request.user,
        )


class ImportJobViewSet(
    ServiceWriteMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Upload an areas or households file; poll the job for progress and the error report."""

    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]
    filterset_class = None
    queryset = ImportJob.objects.none()  # for the schema; get_queryset scopes the real one

    def get_queryset(self):
        return selectors.import_job_list(user=self.request.user)

    @extend_schema(request=ImportJobCreateSerializer, responses={202: ImportJobSerializer})
    def create(self, request, *args, **kwargs):
        body = ImportJobCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job = self.call_service(
            jobs.import_job_create,
            kind=body.validated_data["kind"],
            uploaded_file=body.validated_data["file"],
            by=request.user,
        )
        job.refresh_from_db()
        data = ImportJobSerializer(job, context={"request": request}).data
        return Response(data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses=job_started_schema("ImportJobRetried", ImportJobSerializer),
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Run a failed import again on the same file; returns the job and its status URL."""
        job = self.call_service(jobs.import_job_retry, job=self.get_object(), by=request.user)
        job.refresh_from_db()
        return job_started(request, job, ImportJobSerializer, "import-job-detail")


class RevealLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The reveal log of your jurisdiction, newest first (administrators; others 403).

    Filters: `user` (username), `household` (code), `date_after`, `date_before`.
    """

    serializer_class = RevealLogSerializer
    filterset_class = RevealFilter
    queryset = PersonalDataAccess.objects.none()  # for the schema; see get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PersonalDataAccess.objects.none()
        return selectors.reveal_list(user=self.request.user)


class AuditLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The audit log of your jurisdiction, newest first (administrators; others 403).
    Read only: entries are never changed or deleted.

    Filters: `kind`, `user` (username), `date_after`, `date_before`.
    """

    serializer_class = AuditEntrySerializer
    filterset_class = AuditFilter
    queryset = AuditEntry.objects.none()  # for the schema; see get_queryset

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEntry.objects.none()
        return selectors.audit_list(user=self.request.user)
