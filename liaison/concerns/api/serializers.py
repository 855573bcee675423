"""API v1 representations of concerns."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from districts.selectors import area_list, household_list
from districts.validators import mask_phone
from liaison.common.api import ScopedField
from liaison.core.selectors import cadre_list, department_list

from ..models import Category, Channel, Concern, ConcernEvent, Feedback, Kind, Priority
from ..personal import mask_email
from ..selectors import concern_list


class CategoryField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", queryset=Category.objects.filter(active=True), **kwargs)


class ConcernSerializer(serializers.ModelSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    kind = serializers.ChoiceField(choices=Kind.choices)
    category = CategoryField()
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    area = ScopedField(selector=area_list, required=False, help_text=_("A village or a group."))
    household = ScopedField(selector=household_list, required=False, allow_null=True)
    department = ScopedField(selector=department_list, required=False, allow_null=True)
    reporter_phone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=_("Masked in answers; reveal it with POST …/{id}/reveal/."),
    )
    received_at = serializers.DateTimeField(required=False)
    # The mailbox sender's address, masked ("z***@example.cn"): no longer an e-mail address.
    reporter_email = serializers.CharField(
        read_only=True, help_text=_("The mailbox sender's address, masked.")
    )
    owner: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
    feedback = serializers.CharField(read_only=True)

    class Meta:
        model = Concern
        fields = [
            "id",
            "tracking_number",
            "channel",
            "kind",
            "category",
            "priority",
            "area",
            "township",
            "village",
            "household",
            "reporter_name",
            "reporter_phone",
            "reporter_email",
            "department",
            "description",
            "received_at",
            "state",
            "owner",
            "ack_due",
            "due",
            "extended",
            "escalation_level",
            "reopen_count",
            "resolution",
            "callback_due",
            "feedback",
            "duplicate_of",
            "referred_to",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "tracking_number",
            "reporter_email",
            "township",
            "village",
            "state",
            "ack_due",
            "due",
            "extended",
            "escalation_level",
            "reopen_count",
            "resolution",
            "callback_due",
            "duplicate_of",
            "referred_to",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, instance: Concern) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["reporter_phone"] = (
            mask_phone(instance.reporter_phone) if instance.reporter_phone else ""
        )
        # The mailbox's sender (personal data): masked like the phone.
        data["reporter_email"] = mask_email(instance.reporter_email)
        return data


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = ConcernEvent
        fields = ["id", "at", "actor", "action", "from_state", "to_state", "note", "public"]

    def get_actor(self, event: ConcernEvent) -> str:
        return event.actor.get_username() if event.actor is not None else ""


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class PublishSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500)


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000)


class AssignSerializer(serializers.Serializer):
    cadre = ScopedField(selector=cadre_list)
    department = ScopedField(selector=department_list, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class FeedbackSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=Feedback.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DuplicateSerializer(serializers.Serializer):
    of = ScopedField(selector=concern_list)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ReferSerializer(serializers.Serializer):
    to = serializers.CharField(max_length=100)
    reason = serializers.CharField(max_length=2000)


class AttachmentSerializer(serializers.Serializer):
    file = serializers.FileField()


class TransitionRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    allowed = serializers.ListField(child=serializers.CharField())
