"""Pages for account security: the current login lockouts (lift one) and the API tokens
of the accounts one manages (revoke one). Both call the services the API calls."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from districts.access import can
from liaison.common.pagination import SeekPaginator, query_without_page

from . import lockouts, tokens


def _require(request: HttpRequest, action: str) -> None:
    if not can(request.user, action):
        raise PermissionDenied(_("Your role does not allow this."))


@login_required
def lockout_list(request: HttpRequest) -> HttpResponse:
    """The lockouts of the accounts the signed-in administrator manages, with a lift button."""
    _require(request, "lift_lockouts")
    return render(
        request,
        "liaison/lockout_list.html",
        {"lockouts": lockouts.lockout_list(user=request.user), "cool_off": lockouts.cool_off()},
    )


@login_required
@require_POST
def lockout_lift(request: HttpRequest) -> HttpResponse:
    """Lift one lockout (POST `kind`, `value`)."""
    lockout = lockouts.lockout_get(
        user=request.user, kind=request.POST.get("kind", ""), value=request.POST.get("value", "")
    )
    lockouts.lockout_lift(lockout=lockout, by=request.user)
    messages.success(request, _("Lockout of %(value)s lifted.") % {"value": lockout.value})
    return redirect("lockout-list")


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """The API tokens of the accounts the signed-in administrator manages."""
    _require(request, "revoke_tokens")
    queryset = tokens.token_list(user=request.user).order_by("user__username", "user_id")
    page = SeekPaginator(queryset, 50).page(request.GET.get("page"))
    rows = [
        {
            "token": token,
            "prefix": tokens.key_prefix(token),
            "expires": tokens.token_expires(token),
            "expired": tokens.token_is_expired(token),
        }
        for token in page.object_list
    ]
    return render(
        request,
        "liaison/token_list.html",
        {"page": page, "rows": rows, "query_without_page": query_without_page(request)},
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke the token of account `pk`."""
    token = tokens.token_get(user=request.user, pk=pk)
    username = token.user.username
    tokens.token_revoke(token=token, by=request.user)
    messages.success(request, _("API token of %(username)s revoked.") % {"username": username})
    return redirect("token-list")
