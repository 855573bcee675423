"""Serializers of areas, households, zones and imports (API v1)."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from liaison.common.api import CategoriesField, IdRangeMixin

from ..models import (
    Area,
    AreaLevel,
    AuditEntry,
    Household,
    HouseholdCategory,
    HouseholdStatus,
    ImportJob,
    PersonalDataAccess,
    VillageCategory,
    Zone,
)
from ..validators import mask_id_number, mask_phone, validate_id_number, validate_phone


@extend_schema_field(OpenApiTypes.INT)
class ScopedAreaField(IdRangeMixin, serializers.PrimaryKeyRelatedField):
    """An area id that must be visible to the requesting user (else: "does not exist")."""

    def __init__(self, *, level: str | None = None, **kwargs: Any) -> None:
        self.level = level
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Area]:
        from ..selectors import area_list

        areas = area_list(user=self.context["request"].user)
        return areas.filter(level=self.level) if self.level else areas


class AreaSerializer(serializers.ModelSerializer):
    # The ignore: the stubs see this as overriding Field.parent (the enclosing serializer);
    # at runtime DRF's metaclass moves declared fields into _declared_fields, so it does not.
    parent = ScopedAreaField(allow_null=True, required=False)  # type: ignore[assignment]
    level = serializers.ChoiceField(choices=AreaLevel.choices)
    categories = CategoriesField(VillageCategory, required=False)

    class Meta:
        model = Area
        fields = ["id", "code", "name", "level", "parent", "categories", "path"]
        read_only_fields = ["path"]


class HouseholdSerializer(serializers.ModelSerializer):
    """A household; ID and phone numbers are written in full and always read masked."""

    group = ScopedAreaField(level=AreaLevel.GROUP)
    categories = CategoriesField(HouseholdCategory, required=False)
    status = serializers.ChoiceField(choices=HouseholdStatus.choices, required=False)
    id_number = serializers.CharField(
        max_length=18, required=False, allow_blank=True, validators=[validate_id_number]
    )
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, validators=[validate_phone]
    )

    class Meta:
        model = Household
        fields = [
            "id",
            "code",
            "group",
            "village",
            "township",
            "county",
            "head_name",
            "members",
            "id_number",
            "phone",
            "address",
            "categories",
            "status",
            "status_date",
            "updated_at",
        ]
        read_only_fields = ["village", "township", "county", "updated_at"]

    def to_representation(self, instance: Household) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["id_number"] = mask_id_number(instance.id_number)
        data["phone"] = mask_phone(instance.phone)
        return data


class HouseholdRevealSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class HouseholdPersonalDataSerializer(serializers.Serializer):
    id_number = serializers.CharField()
    phone = serializers.CharField()


class HistorySerializer(serializers.Serializer):
    """One change of an area or household: who, when, and each field's old and new value."""

    date = serializers.DateTimeField(source="history_date")
    # None for changes made by the system (imports, the demo) and for those without a reason.
    user = serializers.CharField(source="history_user.username", default=None, allow_null=True)
    type = serializers.CharField(source="history_type")
    reason = serializers.CharField(source="history_change_reason", default=None, allow_null=True)
    changes = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    )
    def get_changes(self, record: Any) -> list[dict[str, str]]:
        return self.context["changes"].get(record.history_id, [])


class ZoneSerializer(serializers.ModelSerializer):
    areas = ScopedAreaField(many=True)

    class Meta:
        model = Zone
        fields = ["id", "name", "level", "areas"]


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    status_url = serializers.SerializerMethodField(
        help_text=_("Where to poll this import (as every long job answers).")
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "original_name",
            "status",
            "rows_total",
            "created_count",
            "updated_count",
            "unchanged_count",
            "error_count",
            "errors",
            "progress",
            "attempts",
            "created_at",
            "started_at",
            "heartbeat_at",
            "finished_at",
            "status_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_status_url(self, job: ImportJob) -> str | None:
        request = self.context.get("request")
        if request is None:
            return None
        return str(request.build_absolute_uri(reverse("import-job-detail", args=[job.pk])))

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_progress(self, job: ImportJob) -> dict[str, Any] | None:
        from ..jobs import import_job_progress

        return import_job_progress(job)


class ImportJobCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices)
    file = serializers.FileField(help_text=_("A .csv or .xlsx file with the documented columns."))


class RevealLogSerializer(serializers.ModelSerializer):
    """One reveal of a household's personal numbers (never the numbers themselves)."""

    user = serializers.CharField(source="user.username")
    household_code = serializers.CharField(source="household.code")

    class Meta:
        model = PersonalDataAccess
        fields = [
            "id",
            "at",
            "user",
            "household",
            "household_code",
            "fields",
            "reason",
            "ip_address",
        ]
        read_only_fields = fields


class AuditEntrySerializer(serializers.ModelSerializer):
    """One entry of the audit log."""

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "kind", "user", "username", "area", "ip_address", "details"]
        read_only_fields = fields
