"""API tokens and browser sessions: expiry, logout, revocation, and the end of every
credential of a deactivated account.

- A token expires API_TOKEN_TTL_DAYS after it was issued; the token endpoint replaces an
  expired one (`token_issue`), the authentication class refuses it (liaison.core.api.auth).
- `POST /api/v1/auth/logout/` revokes the caller's own token (`token_logout`).
- Administrators list and revoke the tokens of the accounts they manage (`token_list`,
  `token_revoke`): the funnel places a token by its account, so a token of an account
  outside the jurisdiction answers "No such token." like a missing one.
- A deactivated account loses its tokens and its browser sessions (`credentials_revoke`),
  whichever way it was deactivated: the account services call it, and a `post_save` signal
  on the user (connected in apps.py) catches the Django admin's checkbox too. Revoking is
  idempotent, so the service and the signal may both run.

One token per account (DRF's Token): its `id` in the API is the account's id, never the
key, which is shown only as a prefix.
"""

import datetime
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from districts.access import Actor, require, user_of
from liaison.common.ids import is_id

from .models import AccountEvent, UserSession

User = get_user_model()

# Characters of a key shown in lists: enough to tell tokens apart, far too few to use one.
KEY_PREFIX_LENGTH = 6


def token_ttl() -> datetime.timedelta:
    """Return how long a token stays valid after it was issued."""
    return datetime.timedelta(days=settings.API_TOKEN_TTL_DAYS)


def token_expires(token: Token) -> datetime.datetime:
    """Return when `token` stops working."""
    return token.created + token_ttl()


def token_is_expired(token: Token) -> bool:
    """Return whether `token` is past its lifetime."""
    return timezone.now() >= token_expires(token)


def key_prefix(token: Token) -> str:
    """Return the first characters of the key, for lists."""
    return token.key[:KEY_PREFIX_LENGTH]


# Selectors -----------------------------------------------------------------------------


def token_list(*, user: Actor) -> QuerySet[Token]:
    """Return the tokens of the accounts `user` manages (none for other roles)."""
    from .accounts import user_list  # accounts imports the funnel's registrations

    return Token.objects.filter(user__in=user_list(user=user).values("pk")).select_related("user")


def token_get(*, user: Actor, pk: Any) -> Token:
    """Return the token of account `pk`. Raise Http404 if missing or not `user`'s to see."""
    try:
        number = int(pk)
        if not is_id(number):
            raise ValueError(pk)
        return token_list(user=user).get(user_id=number)
    except (Token.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404(_("No such token.")) from None


# Services ------------------------------------------------------------------------------


@transaction.atomic
def token_issue(*, user: Any) -> Token:
    """Return `user`'s token for the token endpoint: the current one, or a new one in place
    of an expired one (after the credentials were checked)."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_is_expired(token):
        token.delete()
        token = None
    if token is None:
        try:
            with transaction.atomic():  # a savepoint: a concurrent request may have made one
                token = Token.objects.create(user=user)
        except IntegrityError:
            token = Token.objects.get(user=user)
    return token


@transaction.atomic
def token_logout(*, by: Actor) -> None:
    """Revoke `by`'s own API token (none: nothing to do)."""
    user = user_of(by)
    if user is not None:
        Token.objects.filter(user=user).delete()


@transaction.atomic
def token_revoke(*, token: Token, by: Actor) -> None:
    """Revoke another account's token and record who did it.

    Raise Http404 if the account is not `by`'s to manage; PermissionDenied if `by`'s role
    may not revoke tokens.
    """
    require(by, "revoke_tokens", token)
    user = token.user
    deleted, _rows = Token.objects.filter(pk=token.pk).delete()
    if deleted:
        AccountEvent.objects.create(
            actor=user_of(by),
            user=user,
            action=AccountEvent.Action.TOKEN_REVOKED,
            details={"key_prefix": key_prefix(token)},
        )


def _session_store() -> Any:
    return import_module(settings.SESSION_ENGINE).SessionStore


def credentials_revoke(user: Any) -> None:
    """Delete `user`'s API token and end their browser sessions (idempotent)."""
    Token.objects.filter(user_id=user.pk).delete()
    store = _session_store()
    for session in UserSession.objects.filter(user_id=user.pk):
        store(session_key=session.session_key).delete()
    UserSession.objects.filter(user_id=user.pk).delete()


# Signal receivers (connected in apps.py) ------------------------------------------------


def on_user_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    """A user saved inactive, by any code (the admin included), loses its credentials."""
    if instance.is_active or kwargs.get("raw"):
        return
    if update_fields is not None and "is_active" not in update_fields:
        return
    credentials_revoke(instance)


def session_remember(request: Any, user: Any) -> None:
    """Remember `request`'s session as `user`'s, so that deactivation can end it.

    Call it again whenever the session gets a new key (Django's login() and
    update_session_auth_hash() cycle it).
    """
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if key and user is not None and user.pk is not None:
        UserSession.objects.update_or_create(session_key=key, defaults={"user": user})


def on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Remember the session a user logged in with."""
    session_remember(request, user)


def on_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()
