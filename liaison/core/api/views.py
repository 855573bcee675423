"""API v1 of the liaison core, and the token endpoint."""

import datetime

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from districts import selectors as district_selectors
from districts.access import RolePermission, can
from districts.api.serializers import HouseholdSerializer, ZoneSerializer
from districts.audit import account_area, audit_record, client_ip
from districts.middleware import api_refusal, password_change_required
from districts.models import Area, AuditEntry, Zone
from liaison.common.api import (
    LABELS_PARAMETER,
    ClientAddressThrottle,
    CsvFormatMixin,
    ServiceWriteMixin,
    django_errors_to_drf,
    job_started,
    job_started_schema,
    wants_labels,
)
from liaison.common.exports import export_response
from liaison.common.ids import parse_id

from .. import exports, jobs, lockouts, selectors, services, tokens
from ..filters import CadreFilter, DepartmentFilter, PairingFilter
from ..models import Cadre, CoverageJob
from .serializers import (
    BulkAssignSerializer,
    CadreSerializer,
    CoverageJobSerializer,
    CoverageRecomputeSerializer,
    CoverageSerializer,
    DepartmentLinkSerializer,
    DepartmentSerializer,
    PairingEndSerializer,
    PairingSerializer,
    TransferSerializer,
    ZoneLeaderSerializer,
)


class ObtainTokenView(ObtainAuthToken):
    """Exchange a username and password for an API token: `{"token": "..."}`.

    The token lasts API_TOKEN_TTL_DAYS; asking again with the password gives the same token
    while it is valid and a new one once it has expired. Failed tries count towards the
    login lockout (429 with the reason), by username and by the real client address.
    """

    throttle_classes = [ClientAddressThrottle]
    throttle_scope = "token"
    # ObtainAuthToken names DRF's own parsers; take the project's defaults (depth-limited JSON).
    parser_classes = APIView.parser_classes

    @extend_schema(
        responses={
            200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
            429: inline_serializer("LockedOut", {"detail": serializers.CharField()}),
        }
    )
    def post(self, request, *args, **kwargs):
        body = self.get_serializer(data=request.data)
        if not body.is_valid():
            # django-axes flags the request it refused (or that reached the limit).
            if getattr(request, "axes_locked_out", False):
                return Response({"detail": lockouts.lockout_message()}, status=429)
            raise ValidationError(body.errors)
        user = body.validated_data["user"]
        # An account with a one-time password sets its own in the browser first.
        if password_change_required(user):
            raise PermissionDenied(api_refusal())
        token = tokens.token_issue(user=user)
        audit_record(
            AuditEntry.Kind.SIGN_IN,
            user=user,
            area=account_area(user),
            ip=client_ip(request),
            via="token",
        )
        return Response({"token": token.key})


class DepartmentViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    """Departments of the counties and townships in your jurisdiction."""

    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    write_action = "manage_cadres"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.department_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = self.call_service(
            services.department_create, **serializer.validated_data, by=self.request.user
        )

    def perform_update(self, serializer):
        serializer.instance = self.call_service(
            services.department_update,
            department=serializer.instance,
            data=dict(serializer.validated_data),
            by=self.request.user,
        )


class CadreViewSet(ServiceWriteMixin, viewsets.ModelViewSet):
    """Cadres serving in your jurisdiction, with their current number of households."""

    serializer_class = CadreSerializer
    filterset_class = CadreFilter
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    write_action = "manage_cadres"
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        return selectors.cadres_with_load(selectors.cadre_list(user=user), user=user)

    def perform_create(self, serializer):
        serializer.instance = self.call_service(
            services.cadre_create, **serializer.validated_data, by=self.request.user
        )
        # A new cadre serves in the creator's jurisdiction and has no households yet.
        serializer.instance.households = 0
        serializer.instance.households_partial = False

    def perform_update(self, serializer):
        cadre = self.call_service(
            services.cadre_update,
            cadre=serializer.instance,
            data=dict(serializer.validated_data),
            by=self.request.user,
        )
        serializer.instance = self.get_queryset().get(pk=cadre.pk)

    @extend_schema(request=TransferSerializer, responses=PairingSerializer(many=True))
    # The new pairings, all of them: a plain list (the schema said a page of results).
    @action(detail=True, methods=["post"], pagination_class=None)
    def transfer(self, request, pk=None):
        """Hand all the cadre's households to others in one step (optionally: cadre left)."""
        cadre = self.get_object()
        body = TransferSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        pairings = self.call_service(
            services.cadre_transfer, cadre=cadre, by=request.user, **body.validated_data
        )
        return Response(PairingSerializer(pairings, many=True).data)


class PairingViewSet(
    ServiceWriteMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Cadre ↔ household pairings; ended pairings stay (filter `active`)."""

    serializer_class = PairingSerializer
    filterset_class = PairingFilter
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    write_action = "manage_pairings"

    def get_queryset(self):
        return selectors.pairing_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = self.call_service(
            services.pairing_create, **serializer.validated_data, by=self.request.user
        )

    @extend_schema(request=PairingEndSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the pairing (kept for history and as-of coverage)."""
        pairing = self.get_object()
        body = PairingEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pairing = self.call_service(
            services.pairing_end,
            pairing=pairing,
            end_date=body.validated_data.get("end_date"),
            reason=body.validated_data.get("reason", ""),
            by=request.user,
        )
        return Response(PairingSerializer(pairing).data)

    @extend_schema(request=BulkAssignSerializer, responses={201: PairingSerializer(many=True)})
    @action(detail=False, methods=["post"], url_path="bulk-assign")
    def bulk_assign(self, request):
        """Assign many households to one cadre at once: all or nothing."""
        body = BulkAssignSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        pairings = self.call_service(
            services.pairings_bulk_assign, **body.validated_data, by=request.user
        )
        return Response(PairingSerializer(pairings, many=True).data, status=201)


class ZoneLeaderView(ServiceWriteMixin, APIView):
    """Set the responsible leader of a zone (ends the current one)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=ZoneLeaderSerializer,
        responses=inline_serializer(
            "ZoneLeaderResponse",
            {
                "zone": serializers.IntegerField(),
                "cadre": serializers.IntegerField(),
                "start_date": serializers.DateField(),
            },
        ),
    )
    def post(self, request, pk):
        zone = district_selectors.zone_get(user=request.user, pk=pk)
        if not can(request.user, "manage_pairings"):
            raise PermissionDenied(_("Your role does not allow this."))
        body = ZoneLeaderSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        leadership = self.call_service(
            services.zone_leader_set, zone=zone, **body.validated_data, by=request.user
        )
        return Response(
            {
                "zone": zone.pk,
                "cadre": leadership.cadre_id,
                "start_date": leadership.start_date,
            }
        )


class DepartmentLinkViewSet(
    ServiceWriteMixin, mixins.CreateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Department ↔ village links (挂钩)."""

    serializer_class = DepartmentLinkSerializer
    permission_classes = [permissions.IsAuthenticated, RolePermission]
    write_action = "manage_pairings"

    def get_queryset(self):
        return selectors.department_links(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = self.call_service(
            services.department_link_create, **serializer.validated_data, by=self.request.user
        )


WITHIN_PARAMETER = OpenApiParameter(
    "within", OpenApiTypes.INT, description=gettext_lazy("only inside this area (an area id)")
)


def _within(request) -> tuple["Area | None", bool]:
    """The area of `?within=` (None without one) and whether the user may not see it (an
    empty list then, as a filter gives)."""
    within = request.query_params.get("within")
    if not within:
        return None, False
    area_id = parse_id(within)
    if area_id is None:
        raise ValidationError({"within": _("Give an area id.")})
    area = district_selectors.area_list(user=request.user).filter(pk=area_id).first()
    return area, area is None


@extend_schema_view(list=extend_schema(parameters=[WITHIN_PARAMETER]))
class GapHouseholdsView(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Active households without a cadre, in your jurisdiction (filter `within`)."""

    serializer_class = HouseholdSerializer

    def get_queryset(self):
        households = selectors.uncovered_households(user=self.request.user)
        area, outside = _within(self.request)
        if outside:
            return households.none()
        return households.in_area(area) if area else households


@extend_schema_view(list=extend_schema(parameters=[WITHIN_PARAMETER]))
class GapCadresView(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Active cadres serving in your jurisdiction without any household (filter `within`:
    cadres serving in that area)."""

    serializer_class = CadreSerializer

    def get_queryset(self):
        user = self.request.user
        area, outside = _within(self.request)
        if outside:
            return Cadre.objects.none()
        return selectors.cadres_with_load(selectors.idle_cadres(user=user, area=area), user=user)


@extend_schema_view(list=extend_schema(parameters=[WITHIN_PARAMETER]))
class GapZonesView(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Zones without a leader, in your jurisdiction (filter `within`: zones covering part
    of that area)."""

    serializer_class = ZoneSerializer

    def get_queryset(self):
        area, outside = _within(self.request)
        if outside:
            return Zone.objects.none()
        return selectors.leaderless_zones(user=self.request.user, area=area).prefetch_related(
            "areas"
        )


def coverage_payload(*, user, area_id=None, as_of=None) -> dict:
    """Return the coverage figures of an area and its children (`selectors.coverage_of`).

    Raise NotFound if the area is not the user's or no snapshot exists.
    """
    if area_id is None:
        roots = district_selectors.area_roots(user=user)
        if not roots:
            raise NotFound(_("You have no jurisdiction."))
        area = roots[0]
    else:
        area = district_selectors.area_get(user=user, pk=area_id)
    coverage = selectors.coverage_of(area, as_of)
    if coverage is None:
        raise NotFound(
            _("No coverage has been computed for this area and date yet; ask for a recompute.")
        )
    return exports.coverage_payload(coverage)


class CoverageView(CsvFormatMixin, APIView):
    """Coverage of an area (default: your top area) and its children, as the pages show it:
    today's counted live for small areas (`live`), else the latest snapshot on or before
    `as_of` (`pending` while a change committed since is being counted)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("area", OpenApiTypes.INT, description=_("area id")),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="YYYY-MM-DD"),
            OpenApiParameter("format", str, enum=["json", "csv"]),
            LABELS_PARAMETER,
        ],
        responses=CoverageSerializer,
    )
    def get(self, request):
        # An empty value is no value (`?as_of=` from a form left blank).
        as_of = request.query_params.get("as_of") or None
        if as_of:
            try:
                as_of = datetime.date.fromisoformat(as_of)
            except ValueError:
                raise ValidationError({"as_of": _("Write dates as YYYY-MM-DD.")}) from None
        area = request.query_params.get("area")
        area_id = None if area is None else parse_id(area)
        if area is not None and area_id is None:
            raise ValidationError({"area": _("Give an area id.")})
        payload = coverage_payload(user=request.user, area_id=area_id, as_of=as_of)
        if request.query_params.get("format") == "csv":
            return coverage_csv(request, payload, labels=wants_labels(request))
        return Response(payload)


def coverage_csv(request: Request, payload: dict, *, labels: bool = False) -> HttpResponse:
    """The coverage as CSV: the codes other systems read, or (`labels`) the page's download."""
    sheet = exports.coverage_sheet(payload, labels=labels)
    return export_response(
        "csv", exports.coverage_filename(payload, labels=labels), [sheet], request=request
    )


class CoverageRecomputeView(APIView):
    """Start a recompute of every area's coverage (administrators); returns a status URL."""

    @extend_schema(
        request=CoverageRecomputeSerializer,
        responses=job_started_schema("CoverageRecomputeStarted", CoverageJobSerializer),
    )
    def post(self, request):
        if not can(request.user, "recompute_statistics"):
            raise PermissionDenied(_("Only administrators can recompute statistics."))
        body = CoverageRecomputeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        as_of = body.validated_data.get("as_of")
        try:
            job = jobs.coverage_job_create(as_of=as_of or timezone.localdate(), by=request.user)
        except DjangoValidationError as exc:
            raise django_errors_to_drf(exc) from exc
        return coverage_job_started(request, job)


class CoverageJobView(APIView):
    """A recompute job's status: yours, or any for administrators (others answer 404)."""

    @extend_schema(responses=CoverageJobSerializer)
    def get(self, request, pk):
        job = selectors.coverage_job_get(user=request.user, pk=pk)
        return Response(CoverageJobSerializer(job).data)


def coverage_job_started(request: Request, job: CoverageJob) -> Response:
    """Answer 202 with the job and the URL to poll for its status."""
    return job_started(request, job, CoverageJobSerializer, "api-coverage-job")


class CoverageJobRetryView(ServiceWriteMixin, APIView):
    """Run a failed recompute again (administrators); returns its status URL."""

    @extend_schema(
        request=None,
        responses=job_started_schema("CoverageRecomputeRetried", CoverageJobSerializer),
    )
    def post(self, request, pk):
        job = selectors.coverage_job_get(user=request.user, pk=pk)
        job = self.call_service(jobs.coverage_job_retry, job=job, by=request.user)
        return coverage_job_started(request, job)
