"""API v1: tokens that expire, logout, and administrators' list and revocation of tokens."""

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

from .. import tokens


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
