"""Serializers of the liaison core (API v1)."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from districts.api.serializers import ScopedAreaField
from districts.models import AreaLevel, Household
from districts.selectors import household_list
from districts.validators import validate_phone
from liaison.common.api import ScopedField
from liaison.common.ids import ids_in_range

from ..models import Cadre, CoverageJob, Department, DepartmentVillageLink, Pairing, Rank
from ..selectors import cadre_list, department_list


class DepartmentSerializer(serializers.ModelSerializer):
    area = ScopedAreaField()

    class Meta:
        model = Department
        fields = ["id", "name", "level", "kind", "area"]
        # The service checks the model's constraints (full_clean) and names the field at
        # fault; DRF's unique-together check would answer first, for the whole record.
        validators: list[Any] = []


class CadreSerializer(serializers.ModelSerializer):
    """A cadre. `households` is the number of households currently paired, in your
    jurisdiction; `households_partial` says whether that count may leave some out."""

    department = ScopedField(selector=department_list)
    area = ScopedAreaField(required=False)
    rank = serializers.ChoiceField(choices=Rank.choices)
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, validators=[validate_phone]
    )
    # A cadre's phone is printed on every household's contact card: it is not masked.
    households = serializers.IntegerField(
        read_only=True,
        default=None,
        help_text=_("Active households currently paired with the cadre, in your jurisdiction."),
    )
    households_partial = serializers.BooleanField(
        read_only=True,
        default=False,
        help_text=_(
            "True when `households` may leave out households outside your jurisdiction: "
            "always for a cadre serving above it (a county cadre seen from a township), "
            "whatever their pairings; for a cadre serving inside it, when some of their "
            "households lie elsewhere. Never a number about other areas."
        ),
    )
    active = serializers.BooleanField(source="is_active", read_only=True)
    staff_code = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        help_text=_(
            "The organisation department's number for the cadre, if the county uses one "
            "(unique; imports find the cadre by it)."
        ),
    )

    class Meta:
        model = Cadre
        fields = [
            "id",
            "name",
            "gender",
            "department",
            "rank",
            "phone",
            "staff_code",
            "area",
            "active",
            "left_date",
            "households",
            "households_partial",
        ]
        read_only_fields = ["left_date"]


class PairingSerializer(serializers.ModelSerializer):
    cadre = ScopedField(selector=cadre_list)
    household = ScopedField(selector=household_list)
    start_date = serializers.DateField(required=False)
    active = serializers.SerializerMethodField()

    class Meta:
        model = Pairing
        fields = ["id", "cadre", "household", "start_date", "end_date", "end_reason", "active"]
        read_only_fields = ["end_date", "end_reason"]
        # The service checks the model's constraints (full_clean) and names the field at
        # fault; DRF's unique-together check would answer first, for the whole record.
        validators: list[Any] = []

    def get_active(self, pairing: Pairing) -> bool:
        return pairing.end_date is None


class PairingEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(required=False)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class BulkAssignSerializer(serializers.Serializer):
    cadre = ScopedField(selector=cadre_list)
    # Ids, resolved in one query below (a related field would query once per id).
    households = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)
    start_date = serializers.DateField(required=False)
    replace = serializers.BooleanField(
        default=False,
        help_text=_("Move households that have another cadre (their pairing ends)."),
    )

    def validate_households(self, value: list[int]) -> list[Household]:
        if len(value) > 5000:
            raise serializers.ValidationError(_("At most 5,000 households at once."))
        wanted = set(value)
        found = list(
            household_list(user=self.context["request"].user).filter(pk__in=ids_in_range(wanted))
        )
        unknown = sorted(wanted - {h.pk for h in found})
        if unknown:
            raise serializers.ValidationError(
                _("No such household: %(ids)s.") % {"ids": ", ".join(map(str, unknown[:20]))}
            )
        return found


class TransferSerializer(serializers.Serializer):
    to = ScopedField(selector=cadre_list, required=False, help_text=_("Takes every household."))
    assignments = serializers.ListField(
        child=serializers.DictField(child=serializers.IntegerField()),
        required=False,
        help_text=_('[{"household": id, "cadre": id}, …]: a new cadre for each household.'),
    )
    date = serializers.DateField(required=False)
    leave = serializers.BooleanField(
        default=False, help_text=_("Mark the cadre as having left on the transfer date.")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("to" in attrs) == ("assignments" in attrs):
            raise serializers.ValidationError(_("Give either `to` or `assignments`."))
        if "assignments" in attrs:
            cadres = {
                c.pk: c
                for c in cadre_list(user=self.context["request"].user).filter(
                    pk__in=ids_in_range(a.get("cadre") for a in attrs["assignments"])
                )
            }
            mapping = {}
            for item in attrs["assignments"]:
                if set(item) != {"household", "cadre"} or item["cadre"] not in cadres:
                    raise serializers.ValidationError(
                        {"assignments": _("Each item is {household, cadre} with a known cadre.")}
                    )
                mapping[item["household"]] = cadres[item["cadre"]]
            attrs["assignments"] = mapping
        return attrs


class ZoneLeaderSerializer(serializers.Serializer):
    cadre = ScopedField(selector=cadre_list)
    start_date = serializers.DateField(required=False)


class DepartmentLinkSerializer(serializers.ModelSerializer):
    department = ScopedField(selector=department_list)
    village = ScopedAreaField(level=AreaLevel.VILLAGE)
    start_date = serializers.DateField(required=False)

    class Meta:
        model = DepartmentVillageLink
        fields = ["id", "department", "village", "start_date", "end_date"]
        read_only_fields = ["end_date"]
        # The service checks the model's constraints (full_clean) and names the field at
        # fault; DRF's unique-together check would answer first, for the whole record.
        validators: list[Any] = []


class AreaRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class CoverageFiguresSerializer(serializers.Serializer):
    area = AreaRefSerializer()
    as_of = serializers.DateField()
    computed_at = serializers.DateTimeField()
    households = serializers.IntegerField()
    covered_households = serializers.IntegerField()
    household_coverage = serializers.FloatField(allow_null=True)
    cadres = serializers.IntegerField()
    cadres_with_households = serializers.IntegerField()
    cadre_coverage = serializers.FloatField(allow_null=True)
    zones = serializers.IntegerField()
    zones_with_leader = serializers.IntegerField()


class CoverageSerializer(CoverageFiguresSerializer):
    live = serializers.BooleanField(
        required=False, help_text=_("Counted just now rather than read from a snapshot.")
    )
    pending = serializers.BooleanField(
        required=False,
        help_text=_("A change committed after this snapshot is still being counted."),
    )
    children = CoverageFiguresSerializer(many=True)


class CoverageRecomputeSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)


class CoverageJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = CoverageJob
        fields = [
            "id",
            "as_of",
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
