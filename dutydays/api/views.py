"""API v1 of duty days: records and monthly compliance."""

import datetime

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from districts.access import can
from districts.models import Area
from liaison.common import dates
from liaison.common.api import (
    LABELS_PARAMETER,
    CsvFormatMixin,
    ServiceWriteMixin,
    django_errors_to_drf,
    wants_labels,
)
from liaison.common.exports import export_response
from liaison.common.filters import IdFilter
from liaison.common.ids import parse_id
from liaison.common.tasks import enqueue

from .. import selectors, services
from ..reports import (
    ComplianceReport,
    compliance_filename,
    compliance_report,
    compliance_sheets,
)
from .serializers import ComplianceRecomputeSerializer, DutyDaySerializer


class DutyDayFilter(django_filters.FilterSet):
    cadre = IdFilter(field_name="cadre_id")
    within = IdFilter(method="filter_within")
    area = IdFilter(method="filter_within", label=gettext_lazy("area (with everything below)"))
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    def filter_within(self, queryset, name, value):
        area = Area.objects.filter(pk=value).only("path").first()
        return queryset.filter(area__path__startswith=area.path) if area else queryset.none()


class DutyDayViewSet(
    ServiceWriteMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Days cadres spent in the field. A second record for the same cadre and day adds to it."""

    serializer_class = DutyDaySerializer
    filterset_class = DutyDayFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        # `households` lists only those inside the caller's jurisdiction.
        user = self.request.user
        return selectors.with_visible_households(selectors.dutyday_list(user=user), user=user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = self.call_service(
            services.dutyday_log,
            cadre=data["cadre"],
            date=data["date"],
            area=data["area"],
            activities=data.get("activities", []),
            households=data.get("households", []),
            diary=data.get("diary", ""),
            problems=data.get("problems", ""),
            by=self.request.user,
        )

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = self.call_service(
            services.dutyday_update,
            duty_day=serializer.instance,
            activities=data.get("activities"),
            households=data.get("households"),
            diary=data.get("diary"),
            problems=data.get("problems"),
            by=self.request.user,
        )


def parse_month(value: str | None) -> datetime.date:
    """Return the month asked for (YYYY-MM, 2000-01 to this month). Raise a 400 if not."""
    try:
        return dates.parse_month(value)
    except DjangoValidationError as exc:
        raise django_errors_to_drf(exc) from exc


class DutyComplianceView(CsvFormatMixin, APIView):
    """Who met the duty-day quota in a month: per cadre, with totals."""

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, required=True, description="YYYY-MM"),
            OpenApiParameter("area", OpenApiTypes.INT),
            OpenApiParameter("department", OpenApiTypes.INT),
            OpenApiParameter("format", str, enum=["json", "csv"]),
            LABELS_PARAMETER,
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        month = parse_month(request.query_params.get("month"))
        ids: dict[str, int | None] = {}
        for key in ("area", "department"):
            value = request.query_params.get(key) or None
            number = parse_id(value) if value is not None else None
            if value is not None and number is None:
                raise ValidationError({key: _("Give an id.")})
            # A number too large to be an id names no row (NO_ROW), never a database error.
            ids[key] = number
        report = compliance_report(
            user=request.user, month=month, area_id=ids["area"], department_id=ids["department"]
        )
        if request.query_params.get("format") == "csv":
            return compliance_csv(request, report, labels=wants_labels(request))
        return Response(report)


def compliance_csv(
    request: Request, report: ComplianceReport, *, labels: bool = False
) -> HttpResponse:
    """The report's rows as CSV: the codes other systems read, or (`labels`) the page's."""
    sheets = compliance_sheets(report, labels=labels)
    return export_response(
        "csv", compliance_filename(report, labels=labels), sheets, request=request
    )


class DutyComplianceRecomputeView(APIView):
    """Recompute a month's compliance (administrators)."""

    @extend_schema(request=ComplianceRecomputeSerializer, responses={202: OpenApiTypes.OBJECT})
    def post(self, request):
        if not can(request.user, "recompute_statistics"):
            raise PermissionDenied(_("Only administrators can recompute statistics."))
        body = ComplianceRecomputeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        from ..tasks import compliance_recompute_task

        enqueue(compliance_recompute_task, body.validated_data["month"])
        return Response(
            {"month": body.validated_data["month"], "status": "scheduled"},
            status=status.HTTP_202_ACCEPTED,
        )
