"""API v1: login accounts (/api/v1/users/), inside the caller's jurisdiction.

Reading and writing accounts both need `manage_users`: other roles get 403 on the list
and on create, and 404 for any one account, as if it did not exist.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from districts.access import can
from districts.api.serializers import ScopedAreaField
from districts.models import role_choices
from liaison.common.api import ScopedField, ServiceWriteMixin

from .. import accounts
from ..filters import UserFilter

User = get_user_model()


def _linkable(*, user: Any) -> Any:
    return accounts.linkable_cadres(user=user, include_linked=True)


class ManageUsersPermission(permissions.BasePermission):
    """The list and create need `manage_users`; one account is found (or not) first."""

    message = _("Your role does not allow managing accounts.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if getattr(view, "detail", False):
            return True
        return can(request.user, "manage_users")


class UserSerializer(serializers.ModelSerializer):
    """An account: its role, jurisdiction (area ids) and linked cadre (id or null)."""

    role = serializers.ChoiceField(choices=role_choices(), source="jurisdiction.role")
    areas = ScopedAreaField(many=True, source="jurisdiction.areas")
    cadre = ScopedField(selector=_linkable, allow_null=True, required=False)
    must_change_password = serializers.BooleanField(
        source="jurisdiction.must_change_password", read_only=True
    )

    class Meta:
        model = User
        fields = ["id", "username", "role", "areas", "cadre", "is_active", "must_change_password"]
        read_only_fields = ["username"]
        extra_kwargs: dict[str, dict[str, Any]] = {"is_active": {"required": False}}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        jurisdiction = getattr(instance, "jurisdiction", None)
        cadre = getattr(instance, "cadre", None)
        return {
            "id": instance.pk,
            "username": instance.username,
            "role": jurisdiction.role if jurisdiction else None,
            # .all() reads the prefetched areas (one query for the page).
            "areas": [a.pk for a in jurisdiction.areas.all()] if jurisdiction else [],
            "cadre": cadre.pk if cadre else None,
            "is_active": instance.is_active,
            "must_change_password": bool(jurisdiction and jurisdiction.must_change_password),
        }


class UserCreateSerializer(UserSerializer):
    """A new account; without `password` the response carries `one_time_password`."""

    password = serializers.CharField(
        write_only=True, required=False, trim_whitespace=False, style={"input_type": "password"}
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "password"]
        read_only_fields = ["is_active"]
        extra_kwargs = {"username": {"validators": []}}


class OneTimePasswordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    one_time_password = serializers.CharField()


class UserViewSet(
    ServiceWriteMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Login accounts inside your jurisdiction (administrators and area administrators).

    Filters: `role`, `is_active`, `search` (part of the username). `PATCH` changes `role`,
    `areas`, `is_active` and `cadre` (null: unlink); there is no PUT and no DELETE:
    deactivate instead.
    """

    serializer_class = UserSerializer
    filterset_class = UserFilter
    permission_classes = [permissions.IsAuthenticated, ManageUsersPermission]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return (
            accounts.user_list(user=self.request.user)
            .select_related("jurisdiction", "cadre")
            .prefetch_related("jurisdiction__areas")
        )

    def get_object(self) -> Any:
        # One account: missing and not yours answer alike, "No such user." (404).
        user = accounts.user_get(user=self.request.user, pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, user)
        return user

    def get_serializer_class(self) -> Any:
        return UserCreateSerializer if self.action == "create" else UserSerializer

    @extend_schema(
        responses={
            201: inline_serializer(
                "UserCreated",
                {
                    "id": serializers.IntegerField(),
                    "username": serializers.CharField(),
                    "role": serializers.CharField(),
                    "areas": serializers.ListField(child=serializers.IntegerField()),
                    "cadre": serializers.IntegerField(allow_null=True),
                    "is_active": serializers.BooleanField(),
                    "must_change_password": serializers.BooleanField(),
                    "one_time_password": serializers.CharField(required=False),
                },
            )
        }
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = UserCreateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user, issued = self.call_service(
            accounts.user_create,
            username=data["username"],
            role=data["jurisdiction"]["role"],
            areas=data["jurisdiction"]["areas"],
            cadre=data.get("cadre"),
            password=data.get("password"),
            by=request.user,
        )
        out = UserSerializer(self.get_queryset().get(pk=user.pk)).data
        if issued is not None:
            out["one_time_password"] = issued
        return Response(out, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self.get_object()
        body = UserSerializer(
            user, data=request.data, partial=True, context=self.get_serializer_context()
        )
        body.is_valid(raise_exception=True)
        data = body.validated_data
        changes: dict[str, Any] = {}
        jurisdiction = data.get("jurisdiction", {})
        if "role" in jurisdiction:
            changes["role"] = jurisdiction["role"]
        if "areas" in jurisdiction:
            changes["areas"] = jurisdiction["areas"]
        if "is_active" in data:
            changes["is_active"] = data["is_active"]
        if "cadre" in data:
            changes["cadre"] = data["cadre"]
        self.call_service(accounts.user_update, user=user, by=request.user, **changes)
        return Response(UserSerializer(self.get_queryset().get(pk=user.pk)).data)

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: Any = None) -> Response:
        """Deactivate the account: it can no longer log in, its API tokens are deleted."""
        user = self.get_object()
        self.call_service(accounts.user_deactivate, user=user, by=request.user)
        return Response(UserSerializer(self.get_queryset().get(pk=user.pk)).data)

    @extend_schema(request=None, responses=OneTimePasswordSerializer)
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request: Request, pk: Any = None) -> Response:
        """Replace the password with a one-time password (returned once; changed at login)."""
        user = self.get_object()
        issued = self.call_service(accounts.user_reset_password, user=user, by=request.user)
        return Response({"id": user.pk, "username": user.username, "one_time_password": issued})
