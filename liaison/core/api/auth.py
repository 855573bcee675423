"""API v1: logout, administrators' list and revocation of tokens, login lockouts."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from districts.access import can
from liaison.common.api import ServiceWriteMixin
from liaison.common.pagination import IdCursorPagination

from .. import lockouts, tokens


class LogoutView(APIView):
    """Revoke the token this request was made with (the caller's own): 204."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        tokens.token_logout(by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RevokeTokensPermission(permissions.BasePermission):
    """The list needs `revoke_tokens`; one token is found (or not) first."""

    message = _("Your role does not allow managing API tokens.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if getattr(view, "detail", False):
            return True
        return can(request.user, "revoke_tokens")


class TokenSerializer(serializers.Serializer):
    """A token, by its account: never the key, only its first characters."""

    id = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    key_prefix = serializers.SerializerMethodField()
    created = serializers.DateTimeField(read_only=True)
    expires = serializers.SerializerMethodField()
    expired = serializers.SerializerMethodField()

    def get_key_prefix(self, token: Any) -> str:
        return tokens.key_prefix(token)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_expires(self, token: Any) -> Any:
        return serializers.DateTimeField().to_representation(tokens.token_expires(token))

    def get_expired(self, token: Any) -> bool:
        return tokens.token_is_expired(token)


class TokenPagination(IdCursorPagination):
    ordering = "user_id"


@extend_schema_view(
    destroy=extend_schema(
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT64, OpenApiParameter.PATH, description=_("The account's id.")
            )
        ]
    )
)
class TokenViewSet(
    ServiceWriteMixin, mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """API tokens of the accounts you manage (administrators and area administrators).

    `id` is the account's id (one token per account). `DELETE` revokes the token: its
    client must ask for a new one with the account's password.
    """

    serializer_class = TokenSerializer
    permission_classes = [permissions.IsAuthenticated, RevokeTokensPermission]
    pagination_class = TokenPagination

    def get_queryset(self) -> Any:
        return tokens.token_list(user=self.request.user)

    def get_object(self) -> Any:
        # Missing and not yours answer alike: "No such token." (404).
        return tokens.token_get(user=self.request.user, pk=self.kwargs["pk"])

    def perform_destroy(self, instance: Any) -> None:
        self.call_service(tokens.token_revoke, token=instance, by=self.request.user)


class LiftLockoutsPermission(permissions.BasePermission):
    """Lockouts are for roles with `lift_lockouts` (403 for the others, before the body)."""

    message = _("Your role does not allow this.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return can(request.user, "lift_lockouts")


class LockoutSerializer(serializers.Serializer):
    """A username or a client address locked out now, and until when."""

    kind = serializers.ChoiceField(choices=lockouts.KINDS)
    value = serializers.CharField()
    failures = serializers.IntegerField()
    last_failure = serializers.DateTimeField()
    until = serializers.DateTimeField()


class LockoutLiftSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=lockouts.KINDS)
    value = serializers.CharField(max_length=255)


class LockoutListView(APIView):
    """Login lockouts of the accounts you manage (superusers: also addresses), newest first."""

    permission_classes = [permissions.IsAuthenticated, LiftLockoutsPermission]

    @extend_schema(responses=LockoutSerializer(many=True))
    def get(self, request: Request) -> Response:
        found = lockouts.lockout_list(user=request.user)
        return Response(LockoutSerializer(found, many=True).data)


class LockoutLiftView(ServiceWriteMixin, APIView):
    """Lift a lockout (`{"kind": "username" | "address", "value": …}`): 204. A lockout you
    may not see answers 404, like one that does not exist (or has ended)."""

    permission_classes = [permissions.IsAuthenticated, LiftLockoutsPermission]

    @extend_schema(request=LockoutLiftSerializer, responses={204: None})
    def post(self, request: Request) -> Response:
        body = LockoutLiftSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lockout = lockouts.lockout_get(user=request.user, **body.validated_data)
        self.call_service(lockouts.lockout_lift, lockout=lockout, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
