"""Login lockouts (django-axes): who is locked out now, lifting a lockout, the lockout answer.

django-axes counts failed logins of the login page, the admin's and the API's token
endpoint (every `authenticate` with a request) per username and per client address
(`liaison.common.net.client_ip`: X-Forwarded-For only from TRUSTED_PROXIES). A username or
an address with LOGIN_FAILURE_LIMIT failures within LOGIN_COOLOFF_MINUTES is locked out
until its last failure is that old; tries meanwhile are refused before the password is
looked at, and count too.

A lockout is placed by its account: an administrator sees and lifts the lockouts of the
accounts they manage (`accounts.user_list`); a lockout of an address, or of a username that
is no account, belongs to no jurisdiction and is for superusers only.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.db.models import Max, Sum
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from districts.access import Actor, require, scope_for, user_of

from .models import AccountEvent

User = get_user_model()


@dataclass(frozen=True)
class Lockout:
    """A username or a client address locked out now."""

    kind: str  # "username" or "address"
    value: str
    failures: int
    last_failure: datetime
    user: Any = None  # the account of a username lockout, if there is one

    @property
    def until(self) -> datetime:
        return self.last_failure + cool_off()


USERNAME = "username"
ADDRESS = "address"
KINDS = (USERNAME, ADDRESS)


def cool_off() -> timedelta:
    """Return how long a lockout lasts after its last failure."""
    return timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)


def lockout_message() -> str:
    """Return the words a locked-out login gets, on the page and in the API."""
    return _(
        "Too many failed logins: this account or this address is locked for %(minutes)d "
        "minutes. Try again later, or ask an administrator to lift the lockout."
    ) % {"minutes": settings.LOGIN_COOLOFF_MINUTES}


# Selectors -----------------------------------------------------------------------------


def _current_attempts() -> Any:
    return AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off())


def _grouped(field: str) -> list[dict[str, Any]]:
    # An address field compares "" as NULL (which matches nothing): test it for NULL only.
    present = {f"{field}__isnull": False} if field == "ip_address" else {f"{field}__gt": ""}
    return list(
        _current_attempts()
        .filter(**present)
        .values(field)
        .annotate(failures=Sum("failures_since_start"), last_failure=Max("attempt_time"))
        .filter(failures__gte=settings.LOGIN_FAILURE_LIMIT)
        .order_by("-last_failure", field)
    )


def lockout_list(*, user: Actor) -> list[Lockout]:
    """Return the lockouts `user` may see and lift, newest first: usernames of the accounts
    they manage; for superusers also other usernames and addresses."""
    from .accounts import user_list

    everything = scope_for(user).everything
    by_username = _grouped("username")
    names = [row["username"] for row in by_username]
    managed = {u.username: u for u in user_list(user=user).filter(username__in=names)}
    lockouts = [
        Lockout(USERNAME, row["username"], row["failures"], row["last_failure"], user=account)
        for row in by_username
        if (account := managed.get(row["username"])) is not None or everything
    ]
    if everything:
        lockouts += [
            Lockout(ADDRESS, row["ip_address"], row["failures"], row["last_failure"])
            for row in _grouped("ip_address")
        ]
    return lockouts


def lockout_get(*, user: Actor, kind: str, value: str) -> Lockout:
    """Return one current lockout. Raise Http404 if there is none that `user` may see."""
    for lockout in lockout_list(user=user):
        if (lockout.kind, lockout.value) == (kind, value):
            return lockout
    raise Http404(_("No such lockout."))


def lockout_visible(scope: Any, lockout: Lockout, actor: Any) -> bool:
    """The funnel's rule: a username lockout of a managed account, or anything for those
    who see everything."""
    if scope.everything:
        return True
    if lockout.kind != USERNAME or lockout.user is None:
        return False
    from .accounts import user_list

    return user_list(user=actor).filter(pk=lockout.user.pk).exists()


# Services ------------------------------------------------------------------------------


@transaction.atomic
def lockout_lift(*, lockout: Lockout, by: Actor) -> int:
    """Forget the failed logins behind `lockout`; return how many records were removed.

    Raise Http404 if the lockout is not `by`'s to see; PermissionDenied if `by`'s role may
    not lift lockouts.
    """
    require(by, "lift_lockouts", lockout)
    if lockout.kind == USERNAME:
        removed = axes_reset(username=lockout.value)
    else:
        removed = axes_reset(ip=lockout.value)
    if lockout.user is not None:
        AccountEvent.objects.create(
            actor=user_of(by),
            user=lockout.user,
            action=AccountEvent.Action.LOCKOUT_LIFTED,
            details={"failures": lockout.failures},
        )
    return removed


# The answer to a locked-out login (settings.AXES_LOCKOUT_CALLABLE) ------------------------


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """429: JSON under /api/, else the login page in the site's frame with the reason."""
    message = lockout_message()
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": message, "next": request.POST.get("next", "")},
        status=429,
    )
