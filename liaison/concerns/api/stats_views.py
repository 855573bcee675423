"""API of the concern statistics: the figures of an area and month (JSON or CSV), and
recomputes with a status URL, as coverage's (liaison/core/api/views.py)."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from districts.access import can
from liaison.common.api import (
    LABELS_PARAMETER,
    CsvFormatMixin,
    django_errors_to_drf,
    job_started,
    job_started_schema,
    wants_labels,
)
from liaison.common.dates import parse_month
from liaison.common.exports import export_response
from liaison.common.ids import parse_id

from .. import statistics, stats_exports, stats_jobs
from ..models import ConcernStatsJob


class _AreaRef(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class _Figures(serializers.Serializer):
    received = serializers.IntegerField()
    resolved = serializers.IntegerField()
    resolved_on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    open_overdue = serializers.IntegerField()
    median_days_to_resolve = serializers.FloatField(allow_null=True)
    reopened = serializers.IntegerField()
    reopen_rate = serializers.FloatField(allow_null=True)
    callbacks = serializers.IntegerField()
    callbacks_satisfied = serializers.IntegerField()
    callback_satisfaction = serializers.FloatField(allow_null=True)


class _ChildFigures(_Figures):
    area = _AreaRef()


class _ChannelFigures(_Figures):
    channel = serializers.CharField()


class _CategoryRef(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class _CategoryFigures(_Figures):
    category = _CategoryRef()


class ConcernStatsSerializer(_Figures):
    area = _AreaRef()
    month = serializers.CharField(help_text="YYYY-MM")
    computed_at = serializers.DateTimeField()
    by_channel = _ChannelFigures(many=True)
    by_category = _CategoryFigures(many=True)
    children = _ChildFigures(many=True)


class ConcernStatsRecomputeSerializer(serializers.Serializer):
    month = serializers.CharField(
        required=False, help_text=gettext_lazy("YYYY-MM; without it, the last twelve months")
    )


class ConcernStatsJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConcernStatsJob
        fields = [
            "id",
            "first_month",
            "last_month",
            "status",
            "rows_written",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
        ]
        read_only_fields = fields


def _month(value: str | None) -> datetime.date:
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        return parse_month(value)
    except DjangoValidationError as exc:
        raise django_errors_to_drf(exc) from exc


def concern_stats_payload(*, user: Any, area_id: Any = None, month: datetime.date) -> dict:
    """Return the statistics of an area (default: the top of the user's jurisdiction).

    Raise NotFound for an area outside the jurisdiction and for a month not computed.
    """
    try:
        area = statistics.stats_area(user=user, area_id=area_id)
    except Http404 as exc:
        raise NotFound(str(exc)) from None
    payload = statistics.stats_payload(area, month)
    if payload is None:
        raise NotFound(
            _(
                "No concern statistics have been computed for this area and month yet; "
                "ask for a recompute."
            )
        )
    return payload


class ConcernStatsView(CsvFormatMixin, APIView):
    """Concern statistics of an area (default: your top area) for a month (default: this
    one): the figures, by channel, by category, and per sub-area (`children`)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("area", OpenApiTypes.INT, description=_("area id")),
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
            OpenApiParameter("format", str, enum=["json", "csv"]),
            LABELS_PARAMETER,
        ],
        responses=ConcernStatsSerializer,
    )
    def get(self, request):
        month = _month(request.query_params.get("month"))
        area = request.query_params.get("area") or None
        area_id = None if area is None else parse_id(area)
        if area is not None and area_id is None:
            raise ValidationError({"area": _("Give an area id.")})
        payload = concern_stats_payload(user=request.user, area_id=area_id, month=month)
        if request.query_params.get("format") == "csv":
            return concern_stats_csv(request, payload, labels=wants_labels(request))
        return Response(payload)


def concern_stats_csv(request: Request, payload: dict, *, labels: bool = False) -> HttpResponse:
    """The statistics as CSV: the area and its children, codes or (`labels`) labels."""
    sheet = stats_exports.stats_sheet(payload, labels=labels)
    return export_response(
        "csv", stats_exports.stats_filename(payload, labels=labels), [sheet], request=request
    )


class ConcernStatsRecomputeView(APIView):
    """Start a recompute of the concern statistics (administrators); returns a status URL."""

    @extend_schema(
        request=ConcernStatsRecomputeSerializer,
        responses=job_started_schema("ConcernStatsRecomputeStarted", ConcernStatsJobSerializer),
    )
    def post(self, request):
        if not can(request.user, "recompute_statistics"):
            raise PermissionDenied(_("Only administrators can recompute statistics."))
        body = ConcernStatsRecomputeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        text = body.validated_data.get("month")
        try:
            month = parse_month(text) if text else None
            job = stats_jobs.concern_stats_job_create(month=month, by=request.user)
        except DjangoValidationError as exc:
            raise django_errors_to_drf(exc) from exc
        url_name = "api-concern-stats-job"
        return job_started(request, job, ConcernStatsJobSerializer, url_name)


class ConcernStatsJobView(APIView):
    """A statistics recompute's status: yours, or any for administrators (others: 404)."""

    @extend_schema(responses=ConcernStatsJobSerializer)
    def get(self, request, pk):
        job = stats_jobs.concern_stats_job_get(user=request.user, pk=pk)
        return Response(ConcernStatsJobSerializer(job).data)
