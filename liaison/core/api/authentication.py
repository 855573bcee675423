"""API authentication: DRF's tokens, with an expiry.

A module of its own: DRF reads DEFAULT_AUTHENTICATION_CLASSES while rest_framework.views
is being imported, so this must not import any view.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from .. import tokens


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens older than API_TOKEN_TTL_DAYS (401)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if tokens.token_is_expired(token):
            raise AuthenticationFailed(
                _(
                    "Your API token has expired. Ask for a new one: POST your username and "
                    "password to /api/v1/auth/token/."
                )
            )
        return user, token
