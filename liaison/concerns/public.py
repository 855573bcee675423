"""The public side (issue 11): contact cards with a QR code, the public form's intake with
its abuse checks, the status lookup and the accountability board's figures.

Nobody is logged in here: the public form acts as SYSTEM through `concern_create`; what it
shows of a concern is the public part only (state, dates, published notes). Rate limits
count in the cache under keys of their own (`public:…`), never shared with staff pages.
"""

import datetime
import hmac
import io
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from districts.access import SYSTEM, Actor, require
from districts.models import Area, AreaLevel, Household
from liaison.common.limits import RateLimited

from .models import (
    END_STATES,
    Category,
    Channel,
    Concern,
    ConcernStats,
    ContactCard,
    PublicPolicy,
    State,
)
from .selectors import public_notes
from .services import LOOKUP_ALPHABET, concern_create
from .statistics import figures, last_months, stats_trend

CARD_CODE_LENGTH = 7


# Contact cards -------------------------------------------------------------------------


def new_card_code() -> str:
    """A random 7-character card code (about 35 bits; no 0/O, 1/I)."""
    return "".join(secrets.choice(LOOKUP_ALPHABET) for _ in range(CARD_CODE_LENGTH))


@transaction.atomic
def contact_cards_issue(*, area: Area, by: Actor) -> list[ContactCard]:
    """Give every active household of a village or group without a valid card a new card;
    return the valid card of each active household there (ordered by household code)."""
    require(by, "create_concerns", area)
    if area.level not in (AreaLevel.VILLAGE, AreaLevel.GROUP):
        raise ValidationError({"area": _("Contact cards are printed by village or group.")})
    households = list(Household.objects.in_area(area).active().order_by("code"))
    cards = {
        c.household_id: c
        for c in ContactCard.objects.filter(household__in=households, revoked_at__isnull=True)
    }
    for household in households:
        if household.pk not in cards:
            cards[household.pk] = _new_card(household)
    return [cards[h.pk] for h in households]


def _new_card(household: Household) -> ContactCard:
    while True:
        code = new_card_code()
        if not ContactCard.objects.filter(code=code).exists():
            return ContactCard.objects.create(household=household, code=code)


@transaction.atomic
def contact_card_revoke(*, card: ContactCard, by: Actor) -> ContactCard:
    """Revoke a card (lost, or the household left): its code no longer files concerns."""
    require(by, "create_concerns", card.household.group)
    if card.revoked_at is None:
        card.revoked_at = timezone.now()
        card.save(update_fields=["revoked_at"])
    return card


def public_base_url(request: Any = None) -> str:
    """The site's public address: settings.PUBLIC_BASE_URL, else the request's."""
    base = getattr(settings, "PUBLIC_BASE_URL", "") or ""
    if not base and request is not None:
        base = request.build_absolute_uri("/")
    return base.rstrip("/")


def card_url(card: ContactCard, base: str) -> str:
    """The URL the card's QR code opens: the public form with the group and card codes."""
    query = urlencode({"g": card.household.group.code, "k": card.code})
    return f"{base}/c/?{query}"


def qr_image(url: str, kind: str = "png", scale: int = 4) -> bytes:
    """The QR code of `url` as a PNG or SVG image (segno, made here)."""
    import segno

    code = segno.make(url, error="m", micro=False)
    out = io.BytesIO()
    code.save(out, kind=kind, scale=scale, border=2)
    return out.getvalue()


def card_by_code(code: str) -> ContactCard | None:
    """The valid card with `code` (None for unknown or revoked)."""
    code = (code or "").strip().upper()
    if not code or len(code) > 12:
        return None
    return (
        ContactCard.objects.select_related("household__group")
        .filter(code=code, revoked_at__isnull=True)
        .first()
    )


# The public form: challenge and rate limits --------------------------------------------

CHALLENGE_SALT = "liaison.concerns.public.challenge"
DIGITS = "零一二三四五六七八九十"


@dataclass(frozen=True)
class Challenge:
    question: str
    token: str


def challenge_new() -> Challenge:
    """A small sum asked in Chinese, its answer and the time signed into the token."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    token = signing.dumps({"s": a + b, "t": time.time()}, salt=CHALLENGE_SALT)
    question = _("How much is %(a)s plus %(b)s? (write the number)") % {
        "a": DIGITS[a],
        "b": DIGITS[b],
    }
    return Challenge(question=question, token=token)


def challenge_check(token: str, answer: str) -> None:
    """Refuse a wrong sum, a token older than two hours or one answered too fast."""
    try:
        data = signing.loads(token or "", salt=CHALLENGE_SALT, max_age=2 * 3600)
    except signing.BadSignature:
        raise ValidationError(
            {"answer": _("The form has expired. Please answer the new question.")}
        ) from None
    minimum = float(getattr(settings, "PUBLIC_FORM_MIN_SECONDS", 3))
    if time.time() - float(data.get("t", 0)) < minimum:
        raise ValidationError({"answer": _("Too fast. Please read the form and try again.")})
    given = (answer or "").strip()
    if not hmac.compare_digest(given, str(data.get("s"))):
        raise ValidationError({"answer": _("The answer to the question is wrong.")})


def _hit(key: str, window: int) -> int:
    """Count one more in the fixed window of `window` seconds; return the count."""
    bucket = int(time.time() // window)
    full = f"public:{key}:{bucket}"
    cache.add(full, 0, timeout=window + 5)
    try:
        return int(cache.incr(full))
    except ValueError:  # expired between add and incr
        cache.set(full, 1, timeout=window + 5)
        return 1


def _retry_after(window: int) -> int:
    return int(window - time.time() % window) + 1


def check_form_rate(*, ip: str, phone: str) -> None:
    """Raise RateLimited when the address or the phone has filed too many concerns."""
    policy = PublicPolicy.current()
    if _hit(f"form-ip:{ip}", 3600) > policy.per_address_per_hour:
        raise RateLimited(
            _("Too many concerns from this connection. Please try again later or call."),
            retry_after=_retry_after(3600),
        )
    if phone and _hit(f"form-phone:{phone}", 86400) > policy.per_phone_per_day:
        raise RateLimited(
            _("Too many concerns with this phone number today. Please call the hotline."),
            retry_after=_retry_after(86400),
        )


def check_lookup_rate(*, ip: str) -> None:
    if _hit(f"lookup-ip:{ip}", 3600) > PublicPolicy.current().lookups_per_hour:
        raise RateLimited(
            _("Too many lookups from this connection. Please try again later."),
            retry_after=_retry_after(3600),
        )


# The public form: intake ----------------------------------------------------------------


def public_group(code: str) -> Area | None:
    """The group of a code from the card or the picker; None if it is not a group."""
    code = (code or "").strip()
    if not code or len(code) > 20:
        return None
    return Area.objects.filter(code=code, level=AreaLevel.GROUP).select_related("parent").first()


def public_concern_create(
    *,
    group_code: str,
    card_code: str,
    kind: str,
    category: Category,
    description: str,
    name: str = "",
    phone: str = "",
    photos: Sequence[UploadedFile] = (),
) -> Concern:
    """File a concern from the public form (as SYSTEM): with a valid card, channel
    contact_card and the card's household (routed to its cadre); else channel web, in the
    group given. The caller has checked the challenge and the rate limits."""
    card = card_by_code(card_code) if card_code else None
    if card is not None:
        return concern_create(
            by=SYSTEM,
            channel=Channel.CONTACT_CARD,
            kind=kind,
            category=category,
            description=description,
            household=card.household,
            reporter_name=name,
            reporter_phone=phone,
            attachments=photos,
            note=_("Filed by the household on the public form (contact card)."),
        )
    area = public_group(group_code)
    if area is None:
        raise ValidationError({"area": _("Choose your village and group.")})
    return concern_create(
        by=SYSTEM,
        channel=Channel.WEB,
        kind=kind,
        category=category,
        description=description,
        area=area,
        reporter_name=name,
        reporter_phone=phone,
        attachments=photos,
        note=_("Filed on the public form."),
    )


# Status lookup --------------------------------------------------------------------------


def public_lookup(*, tracking_number: str, secret: str) -> Concern | None:
    """The concern with `tracking_number` whose phone ends in `secret` (4 digits) or whose
    lookup code is `secret`; None otherwise — the same for an unknown number."""
    number = (tracking_number or "").strip()
    given = (secret or "").strip().upper()
    if not number or not given or len(number) > 30 or len(given) > 12:
        return None
    concern = Concern.objects.filter(tracking_number=number).first()
    if concern is None:
        # Spend about the same work as a match would, not to tell by time.
        hmac.compare_digest(given, "0000")
        return None
    # The phone given with the concern (never the household's register entry).
    digits = "".join(ch for ch in concern.reporter_phone if ch.isdigit())
    tail_ok = len(given) == 4 and len(digits) >= 4 and hmac.compare_digest(given, digits[-4:])
    code_ok = bool(concern.lookup_code) and hmac.compare_digest(given, concern.lookup_code)
    return concern if (tail_ok or code_ok) else None


PUBLIC_STATE = {
    State.RECEIVED: gettext_lazy("Received, waiting to be assigned"),
    State.ASSIGNED: gettext_lazy("Assigned to a cadre"),
    State.IN_PROGRESS: gettext_lazy("Being handled"),
    State.AWAITING_INFO: gettext_lazy("Waiting for more information from you"),
    State.RESOLVED: gettext_lazy("Resolved"),
    State.CLOSED: gettext_lazy("Closed"),
    State.DUPLICATE: gettext_lazy("Merged with an earlier concern"),
    State.REFERRED: gettext_lazy("Referred to another office"),
    State.REJECTED: gettext_lazy("Not accepted"),
}


def public_status(concern: Concern) -> dict[str, Any]:
    """What the public may see of a concern: state, dates, published notes — no names,
    phones, descriptions or internal notes."""
    resolved = concern.resolved_at or (concern.closed_at if concern.state in END_STATES else None)
    return {
        "tracking_number": concern.tracking_number,
        "state": concern.state,
        "state_label": str(PUBLIC_STATE[State(concern.state)]),
        "received": timezone.localdate(concern.received_at),
        "due": concern.due,
        "resolved": timezone.localdate(resolved) if resolved else None,
        "notes": [{"at": timezone.localtime(e.at), "note": e.note} for e in public_notes(concern)],
    }


# The accountability board ---------------------------------------------------------------


def board_area(code: str) -> Area | None:
    """The township or village whose board is public (policy); None otherwise."""
    area = Area.objects.filter(code=(code or "")[:20]).first()
    if area is None:
        return None
    policy = PublicPolicy.current()
    if area.level == AreaLevel.TOWNSHIP and policy.township_boards_public:
        return area
    if area.level == AreaLevel.VILLAGE and policy.village_boards_public:
        return area
    return None


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _public_figures(f: dict[str, Any]) -> dict[str, Any]:
    return {
        "received": f["received"],
        "resolved": f["resolved"],
        "resolved_on_time": f["resolved_on_time"],
        "on_time_percent": _rate(f["on_time_rate"]),
        "open_overdue": f["open_overdue"],
        "median_days_to_resolve": f["median_days_to_resolve"],
        "callbacks": f["callbacks"],
        "callbacks_satisfied": f["callbacks_satisfied"],
        "satisfaction_percent": _rate(f["callback_satisfaction"]),
    }


def board_figures(area: Area, today: datetime.date | None = None) -> dict[str, Any]:
    """The board of an area from the ConcernStats snapshots: the last 12 months, month by
    month, their sum, and the sum by category (counts only: no names, no personal data)."""
    months = last_months(12, today)
    trend = stats_trend(area, months)
    keys = ("received", "resolved", "resolved_on_time", "callbacks", "callbacks_satisfied")
    total = {k: sum(m[k] for m in trend) for k in keys}
    # Open and overdue is a state at the end of a month: the latest computed month's.
    computed = [m for m in trend if m["computed"]]
    total["open_overdue"] = computed[-1]["open_overdue"] if computed else 0
    by_category: dict[int, dict[str, int]] = {}
    rows = ConcernStats.objects.filter(
        area=area, month__in=months, channel="", category__isnull=False
    )
    for row in rows:
        if row.category_id is None:
            continue
        sums = by_category.setdefault(row.category_id, dict.fromkeys(keys, 0))
        for k in keys:
            sums[k] += getattr(row, k)
    categories = {c.pk: c for c in Category.objects.filter(pk__in=by_category)}
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level},
        "months": [
            {"month": f"{m['month']:%Y-%m}", "computed": m["computed"], **_public_figures(m)}
            for m in trend
        ],
        "total": _sum_figures(total),
        "by_category": [
            {"category": categories[pk].label, "code": categories[pk].code, **_sum_figures(s)}
            for pk, s in sorted(
                by_category.items(), key=lambda i: (categories[i[0]].order, categories[i[0]].code)
            )
        ],
    }


def _sum_figures(s: dict[str, int]) -> dict[str, Any]:
    f = figures(None)
    f.update(s)
    f["on_time_rate"] = (s["resolved_on_time"] / s["resolved"]) if s["resolved"] else None
    f["callback_satisfaction"] = (
        (s["callbacks_satisfied"] / s["callbacks"]) if s["callbacks"] else None
    )
    out = _public_figures(f)
    out.pop("median_days_to_resolve")
    return out


def qr_svg_inline(url: str, scale: int = 3) -> str:
    """The QR code of `url` as inline SVG markup (for the printed cards: no image requests)."""
    import segno

    return str(segno.make(url, error="m", micro=False).svg_inline(scale=scale, border=2))
