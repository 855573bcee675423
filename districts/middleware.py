"""Sessions: first login with a one-time password changes it before anything else; a
session left idle ends (PrivacyPolicy.session_idle_minutes)."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from .audit import LAST_SEEN
from .models import Jurisdiction, PrivacyPolicy


def password_change_required(user: Any) -> bool:
    """Return whether `user` holds a one-time password they have not yet replaced."""
    if not getattr(user, "is_authenticated", False):
        return False
    try:
        jurisdiction = user.jurisdiction
    except Jurisdiction.DoesNotExist:
        return False
    return bool(jurisdiction.must_change_password)


class PasswordChangeRequiredMiddleware:
    """Send a signed-in user who must change their password to the password page.

    Everything else waits: pages redirect there (and come back to where they were going
    afterwards), API calls with the session answer 403. The password page itself, logout,
    the language switch and static files stay open. Place after AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if password_change_required(request.user) and not self._exempt(request.path_info):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": api_refusal()}, status=403)
            target = reverse("password-change")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        open_paths = (
            reverse("password-change"),
            reverse("logout"),
            "/i18n/",
            "/" + settings.STATIC_URL.lstrip("/"),
        )
        return path.startswith(open_paths)


def api_refusal() -> str:
    """The message for API requests of an account that still has a one-time password."""
    return _(
        "This account has a one-time password. Log in on the web page and set your own "
        "password first (/accounts/password/)."
    )


# A session in use is saved again (which moves its end) at most this often, so that an
# ordinary page costs no extra write: the timeout is exact to within this many seconds.
IDLE_REFRESH_SECONDS = 60


class SessionIdleTimeoutMiddleware:
    """End a signed-in session after PrivacyPolicy.session_idle_minutes without a request.

    Sign-in sets the session's expiry to the idle time (districts.audit.record_sign_in;
    a session from before sets it here). Django's session store then forgets a session
    whose last save is older than that; each request of a session in use saves it again,
    at most once every IDLE_REFRESH_SECONDS. Place after SessionMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.session_key and SESSION_KEY in session:
            now = int(time.time())
            if "_session_expiry" not in session:
                session.set_expiry(PrivacyPolicy.current().session_idle_minutes * 60)
            if now - int(session.get(LAST_SEEN, 0)) >= IDLE_REFRESH_SECONDS:
                session[LAST_SEEN] = now  # modified: saved with a new end after the response
        return self.get_response(request)
