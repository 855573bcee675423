"""Serializers of duty days (API v1)."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from districts.models import Household
from liaison.common import dates
from liaison.common.api import CategoriesField, ScopedField
from liaison.common.ids import ids_in_range
from liaison.core.selectors import cadre_list

from ..compliance import FUTURE_MONTH
from ..models import Activity, DutyDay
from ..selectors import dutyday_households, place_list


class VisibleHouseholdsField(serializers.ListField):
    """Household ids of a day: read, those inside the caller's jurisdiction (a county cadre's
    day seen from a township never names another township's households); written, a list."""

    def get_attribute(self, instance: DutyDay) -> list[int]:
        visible = dutyday_households(instance, user=self.context["request"].user)
        return sorted(h.pk for h in visible)


class DutyDaySerializer(serializers.ModelSerializer):
    """A day in the field. `cadre` defaults to the caller's own cadre record."""

    cadre = ScopedField(selector=cadre_list, required=False)
    area = ScopedField(
        selector=place_list,
        help_text=_("A village or group of your jurisdiction, or of your own zones."),
    )
    activities = CategoriesField(Activity, required=False)
    households = VisibleHouseholdsField(
        child=serializers.IntegerField(),
        required=False,
        help_text=_(
            "Household ids. Reading lists only those in your jurisdiction; writing replaces "
            "those, and households you cannot see stay on the record."
        ),
    )

    class Meta:
        model = DutyDay
        fields = [
            "id",
            "cadre",
            "date",
            "area",
            "activities",
            "households",
            "diary",
            "problems",
            "in_zone",
            "recorded_by",
            "updated_at",
        ]
        read_only_fields = ["in_zone", "recorded_by", "updated_at"]
        # A second record for the same cadre and day adds to the first (the service merges),
        # so no unique-together check here.
        validators: list[Any] = []

    def validate_households(self, value: list[int]) -> list[Household]:
        from districts.selectors import household_list

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

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None:
            fixed = [
                key for key in ("cadre", "date", "area")
                if key in attrs and attrs[key] != getattr(self.instance, key)
            ]  # fmt: skip
            if fixed:
                raise serializers.ValidationError(
                    dict.fromkeys(
                        fixed, _("A record's cadre, date and place stay; log another day.")
                    )
                )
        if "cadre" not in attrs and self.instance is None:
            from liaison.core.models import Cadre

            own = Cadre.objects.filter(user=self.context["request"].user).first()
            if own is None:
                raise serializers.ValidationError({"cadre": _("This field is required.")})
            attrs["cadre"] = own
        return attrs


class ComplianceRecomputeSerializer(serializers.Serializer):
    month = serializers.RegexField(
        r"^\d{4}-(0[1-9]|1[0-2])$",
        help_text="YYYY-MM",
        error_messages={"invalid": _("Give the month as YYYY-MM.")},
    )

    def validate_month(self, value: str) -> str:
        # The service's rules, answered before a task is scheduled.
        month = dates.month_from_text(value)
        if month is None:  # year 0000
            raise serializers.ValidationError(_("Give the month as YYYY-MM."))
        if month > timezone.localdate():
            raise serializers.ValidationError(FUTURE_MONTH)
        refused = dates.month_error(month)  # before the months the system records
        if refused is not None:
            raise serializers.ValidationError(refused)
        return value
