"""The audit log (安全审计): who signed in (or failed to), revealed personal data,
downloaded a list, changed someone's permissions, or erased personal data.

Entries are written here, by the services and by receivers of Django's sign-in signals and
of the downloads' `EXPORTED` event (connected in `DistrictsConfig.ready`); nothing changes
or deletes them (`AuditEntry` is append-only). Each entry carries the area it concerns, so
an administrator reads the entries of their jurisdiction only (`selectors.audit_list`).
"""

import time
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.http import HttpRequest

from liaison.common.exports import EXPORTED
from liaison.common.net import client_ip as real_client_ip
from liaison.common.registry import subscribe

from .models import Area, AuditEntry, Jurisdiction, PrivacyPolicy

# The session key of the last request's time (districts.middleware keeps sessions alive).
LAST_SEEN = "_liaison_last_seen"

Kind = AuditEntry.Kind


def client_ip(request: HttpRequest | None) -> str | None:
    """Return the address of the client the request came from (behind a trusted proxy, the
    one X-Forwarded-For names: `liaison.common.net.client_ip`)."""
    return (real_client_ip(request) or None) if request is not None else None


def common_area(areas: Iterable[Area]) -> Area | None:
    """Return the smallest area holding all of `areas` (None for none, or no common one)."""
    paths = [a.path.strip("/").split("/") for a in areas]
    if not paths:
        return None
    common: list[str] = []
    for segments in zip(*paths, strict=False):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    if not common:
        return None
    return Area.objects.filter(path="/" + "/".join(common) + "/").first()


def account_area(user: Any, also: Iterable[Area] = ()) -> Area | None:
    """Return the smallest area holding `user`'s jurisdiction (and the areas `also`)."""
    areas = list(also)
    if user is not None and getattr(user, "pk", None) is not None:
        jurisdiction = Jurisdiction.objects.filter(user_id=user.pk).first()
        if jurisdiction is not None:
            areas += list(jurisdiction.areas.only("path"))
    return common_area(areas)


def audit_record(
    kind: str,
    *,
    user: Any = None,
    username: str = "",
    area: Area | None = None,
    ip: str | None = None,
    **details: Any,
) -> AuditEntry:
    """Append one entry to the audit log and return it."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    if user is not None and not username:
        username = user.get_username()
    return AuditEntry.objects.create(
        kind=kind,
        user=user,
        username=username[:150],
        area=area,
        ip_address=ip,
        details=details,
    )


# Receivers ----------------------------------------------------------------------------


def record_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Django's user_logged_in: record the sign-in and start the idle timeout."""
    audit_record(Kind.SIGN_IN, user=user, area=account_area(user), ip=client_ip(request))
    if request is not None and hasattr(request, "session"):
        # The session ends after this many seconds without a request; the middleware
        # (districts.middleware.SessionIdleTimeoutMiddleware) keeps it alive while in use.
        request.session.set_expiry(PrivacyPolicy.current().session_idle_minutes * 60)
        request.session[LAST_SEEN] = int(time.time())


def record_sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Django's user_login_failed: record the name tried (never the password)."""
    username = str(credentials.get("username") or "")
    user = get_user_model().objects.filter(username=username).first() if username else None
    audit_record(
        Kind.SIGN_IN_FAILED, username=username, area=account_area(user), ip=client_ip(request)
    )


def record_export(*, request: Any, fmt: str, filename: str, **_: Any) -> None:
    """The downloads' EXPORTED event: record who downloaded which file."""
    if request is None:
        return  # a file written outside a request (a test of the writer, a command)
    user = getattr(request, "user", None)
    audit_record(
        Kind.EXPORT,
        user=user,
        area=account_area(user),
        ip=client_ip(request),
        file=f"{filename}.{fmt}",
        path=request.get_full_path()[:500],
    )


def connect() -> None:
    """Connect the receivers (DistrictsConfig.ready)."""
    user_logged_in.connect(record_sign_in, dispatch_uid="districts.audit.sign_in")
    user_login_failed.connect(record_sign_in_failed, dispatch_uid="districts.audit.sign_in_failed")
    subscribe(EXPORTED, record_export)
