"""Error pages: 400, 403, 404, 500 and CSRF failures in the site's frame and the user's language.

Django calls these for every error a view did not answer itself (`handler400` … in
`liaison/urls.py`, `CSRF_FAILURE_VIEW` in the settings). Requests under /api/ get the JSON
that DRF's own views give (`{"detail": …}`, DRF's `server_error` and `bad_request`), never
HTML. The 500 page is rendered without the template context processors: they query the
database, which may be what failed.
"""

import logging
from typing import Any

from django.core.exceptions import DisallowedHost, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template import loader
from django.utils.functional import Promise, empty
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token
from rest_framework import exceptions as drf_exceptions

from districts.context_processors import access
from liaison.common.context_processors import menu

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    """Return whether `request` is for the API (answered in JSON)."""
    return request.path_info.startswith(API_PREFIX)


def _message(exception: Exception | None, kind: type[Exception]) -> str:
    """Return the message an exception of exactly `kind` was raised with, or "".

    Only the services' and selectors' own words (translated, and the same for a missing
    record as for a foreign one) are shown: a subclass such as Resolver404 carries the
    URL patterns tried, which are not for users.
    """
    if type(exception) is not kind or not exception.args:
        return ""
    first = exception.args[0]
    return str(first) if isinstance(first, str | Promise) else ""


def _back_url(request: HttpRequest) -> str:
    """Return the page the user came from, if it is one of ours and not this very page."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 for a foreign Host header
        return ""
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return ""
    if request.method == "GET" and referer == request.build_absolute_uri():
        return ""  # a form posted to itself goes back to itself; a page is not its own way back
    return referer


def _page(
    request: HttpRequest, template: str, status: int, context: dict[str, Any] | None = None
) -> HttpResponse:
    """Render an error page with the whole frame (menu, role, messages)."""
    context = {"back_url": _back_url(request), **(context or {})}
    return render(request, template, context, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: a request the system cannot process (too many fields, a foreign Host …)."""
    if is_api(request):
        return drf_exceptions.bad_request(request, exception)
    return _page(request, "400.html", 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403: the role may not do this; the reason given by the funnel is shown."""
    message = _message(exception, PermissionDenied)
    if is_api(request):
        detail = message or str(drf_exceptions.PermissionDenied.default_detail)
        return JsonResponse({"detail": detail}, status=403)
    return _page(request, "403.html", 403, {"message": message})


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: no such page, or no such record (missing and foreign answer alike)."""
    message = _message(exception, Http404)
    if is_api(request):
        detail = message or str(drf_exceptions.NotFound.default_detail)
        return JsonResponse({"detail": detail}, status=404)
    return _page(request, "404.html", 404, {"message": message})


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 for a form whose CSRF token is missing or stale (signed out, page left open)."""
    if is_api(request):
        return JsonResponse({"detail": f"CSRF Failed: {reason}"}, status=403)
    return _page(request, "403_csrf.html", 403)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """500: something failed. Rendered from what needs no database (see `_safe_frame`)."""
    if is_api(request):
        return drf_exceptions.server_error(request)
    body = loader.get_template("500.html").render(_safe_frame(request))
    return HttpResponseServerError(body)


def _safe_frame(request: HttpRequest) -> dict[str, Any]:
    """Return what base.html needs, without running the context processors.

    The menu is shown only for a user the request had already loaded (loading one reads
    the session and the user from the database) and only if building it works: the page
    must render with the database down.
    """
    frame: dict[str, Any] = {"request": request, "csrf_token": get_token(request)}
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return frame
    try:
        if user.is_authenticated:
            return {**frame, **access(request), **menu(request), "user": user}
    except Exception:  # any failure here would hide the error page itself
        logger.warning("The 500 page is shown without the menu.", exc_info=True)
    return frame
