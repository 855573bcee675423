"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): the logic behind /open311/v2/.

Other systems (a county 12345 platform, a mini-program) read the category catalogue and
file and follow concerns. A registered client sends its `api_key`; only the key's SHA-256
is stored. Without a key (or with a revoked one) reading shows what the public may see;
a key sees full requests inside its own jurisdiction and files concerns there, as the
system limited to that jurisdiction (recorded with the key's name in the creation note).
"""

import datetime
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from districts.access import SYSTEM, Actor, register_action, require, scope_for, user_of
from districts.models import Area, AreaLevel, Role

from . import selectors, services
from .models import END_STATES, Category, Channel, Concern, Kind, Open311Key, Priority

# Issuing and revoking the keys of other systems: the administrators.
register_action("manage_open311_keys", (Role.ADMINISTRATOR,))

CHINA = datetime.timezone(datetime.timedelta(hours=8))
END_OF_DAY = datetime.time(18, 0)
MAX_RESULTS = 1000
MAX_RANGE = datetime.timedelta(days=90)
KEY_BYTES = 32
PLACE_LEVELS = (AreaLevel.VILLAGE, AreaLevel.GROUP)
JURISDICTION_LEVELS = (AreaLevel.COUNTY, AreaLevel.TOWNSHIP)

# The fields of a service request, in the specification's order (GET requests).
REQUEST_FIELDS = (
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
)
SERVICE_FIELDS = (
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
)


class Open311Error(Exception):
    """An answer of the specification's error array: [{"code": 400, "description": …}]."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


# Keys ------------------------------------------------------------------------------------


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_jurisdiction(area: Area) -> None:
    if area.level not in JURISDICTION_LEVELS:
        raise ValidationError({"area": _("A key's jurisdiction is a county or a township.")})


def key_issue(
    *,
    by: Actor,
    name: str,
    area: Area,
    channel: str = Channel.HOTLINE,
    default_area: Area | None = None,
) -> tuple[Open311Key, str]:
    """Issue a key for client `name` in `area`; return it with the key itself (shown once)."""
    require(by, "manage_open311_keys", area)
    _check_jurisdiction(area)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Give the client's name.")
    if channel not in Channel.values:
        errors["channel"] = _("Unknown channel.")
    if default_area is not None and (
        default_area.level not in PLACE_LEVELS or not default_area.path.startswith(area.path)
    ):
        errors["default_area"] = _("The default place is a village or group in the jurisdiction.")
    if errors:
        raise ValidationError(errors)
    raw = secrets.token_urlsafe(KEY_BYTES)
    key = Open311Key.objects.create(
        name=name.strip(),
        key_hash=hash_key(raw),
        area=area,
        channel=channel,
        default_area=default_area,
        created_by=user_of(by),
    )
    return key, raw


def key_revoke(*, key: Open311Key, by: Actor) -> Open311Key:
    require(by, "manage_open311_keys", key.area)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def key_list(*, user: Actor) -> Any:
    """The keys whose jurisdiction lies in the user's (for administrators)."""
    scope = scope_for(user)
    return Open311Key.objects.filter(scope.area_q("area__")).select_related("area", "default_area")


def key_for(raw: str | None) -> Open311Key | None:
    """The active key sent, or None (none sent, unknown or revoked)."""
    if not raw:
        return None
    key = (
        Open311Key.objects.filter(key_hash=hash_key(raw), revoked_at__isnull=True)
        .select_related("area", "default_area")
        .first()
    )
    if key is not None:
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def _throttle(key: Open311Key) -> None:
    """At most OPEN311_POSTS_PER_MINUTE new requests a minute per key."""
    limit = int(getattr(settings, "OPEN311_POSTS_PER_MINUTE", 30))
    now = int(timezone.now().timestamp())
    window = now // 60
    name = f"open311:post:{key.pk}:{window}"
    cache.add(name, 0, timeout=120)
    try:
        count = cache.incr(name)
    except ValueError:
        cache.set(name, 1, timeout=120)
        count = 1
    if count > limit:
        raise Open311Error(
            429,
            _("Too many requests with this key: try again in a minute."),
            retry_after=60 - now % 60,
        )


# Formats ---------------------------------------------------------------------------------


def iso(value: datetime.datetime | None) -> str:
    return value.astimezone(CHINA).isoformat(timespec="seconds") if value else ""


def expected(due: datetime.date) -> str:
    return datetime.datetime.combine(due, END_OF_DAY, tzinfo=CHINA).isoformat(timespec="seconds")


def status_of(concern: Concern) -> str:
    return "closed" if concern.state in END_STATES else "open"


# Services --------------------------------------------------------------------------------


def _category(code: str) -> Category:
    category = selectors.categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("No such service_code: %(code)s.") % {"code": code})
    return category


def service_list() -> list[dict[str, Any]]:
    return [
        {
            "service_code": c.code,
            "service_name": c.label,
            "description": c.name_en if c.label != c.name_en else c.name,
            "metadata": True,
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
        for c in selectors.categories()
    ]


def service_definition(code: str) -> dict[str, Any]:
    category = _category(code)
    return {
        "service_code": category.code,
        "attributes": [
            {
                "variable": True,
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("The kind of concern (default: request for help)."),
                "order": 1,
                "description": _("Kind"),
                "values": [{"key": k.value, "name": str(k.label)} for k in Kind],
            },
            {
                "variable": True,
                "code": "priority",
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": _("Urgent concerns are due the same working day."),
                "order": 2,
                "description": _("Priority"),
                "values": [{"key": p.value, "name": str(p.label)} for p in Priority],
            },
        ],
    }


# Requests: reading -----------------------------------------------------------------------


def _visible(key: Open311Key | None) -> Any:
    """Every concern (the public view), or those in the key's jurisdiction (full view)."""
    concerns = selectors.concern_list(user=SYSTEM)
    if key is not None:
        concerns = concerns.filter(area__path__startswith=key.area.path)
    return concerns.select_related("category", "area", "village", "township", "department")


def _notes(concerns: Sequence[Concern]) -> dict[int, list[str]]:
    notes: dict[int, list[str]] = {c.pk: [] for c in concerns}
    for pk, note in (
        selectors.public_notes_of(concerns).values_list("concern_id", "note").order_by("at", "pk")
    ):
        notes[pk].append(note)
    return notes


def request_dict(concern: Concern, notes: list[str], *, full: bool) -> dict[str, Any]:
    """One request in the specification's fields; the public view keeps the place to the
    village and shows no description, reporter or household."""
    if full:
        village = concern.village.name
        address = (
            village if concern.area_id == concern.village_id else f"{village}{concern.area.name}"
        )
        address_id = concern.area.code
    else:
        address, address_id = concern.village.name, concern.village.code
    department = concern.department
    agency = department.name if department is not None else concern.township.name
    return {
        "service_request_id": concern.tracking_number,
        "status": status_of(concern),
        "status_notes": "\n".join(notes),
        "service_name": concern.category.label,
        "service_code": concern.category.code,
        "description": concern.description if full else "",
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": iso(concern.received_at),
        "updated_datetime": iso(concern.updated_at),
        "expected_datetime": expected(concern.due),
        "address": address,
        "address_id": address_id,
        "zipcode": "",
        "lat": "",
        "long": "",
        "media_url": "",
    }


def _as_list(concerns: Any, key: Open311Key | None) -> list[dict[str, Any]]:
    rows = list(concerns)
    notes = _notes(rows)
    return [request_dict(c, notes[c.pk], full=key is not None) for c in rows]


def _moment(name: str, value: str) -> datetime.datetime:
    text = value.strip()
    if "T" in text:
        text = text.replace(" ", "+")  # a "+08:00" sent unencoded arrives as " 08:00"
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = datetime.datetime.combine(day, datetime.time()) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise Open311Error(
            400,
            _("%(name)s is not a date and time (e.g. 2026-01-01T00:00:00+08:00).") % {"name": name},
        )
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=CHINA)
    return moment


def _county(jurisdiction_id: str | None) -> Area | None:
    if not jurisdiction_id:
        return None
    county = Area.objects.filter(code=jurisdiction_id, level=AreaLevel.COUNTY).first()
    if county is None:
        raise Open311Error(404, _("No such jurisdiction_id: %(code)s.") % {"code": jurisdiction_id})
    return county


def check_jurisdiction(jurisdiction_id: str | None) -> None:
    """404 for a jurisdiction_id that is no county here (any county is accepted)."""
    _county(jurisdiction_id)


def _comma(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def request_list(params: Mapping[str, str], key: Open311Key | None) -> list[dict[str, Any]]:
    """GET requests: by ids (overriding every other filter), else by service, dates (at most
    90 days; the last 90 days by default) and status; at most 1,000, newest first."""
    concerns = _visible(key)
    county = _county(params.get("jurisdiction_id"))
    if county is not None:
        concerns = concerns.filter(area__path__startswith=county.path)
    ids = _comma(params.get("service_request_id"))
    if ids:
        return _as_list(concerns.filter(tracking_number__in=ids[:MAX_RESULTS]), key)
    codes = _comma(params.get("service_code"))
    if codes:
        concerns = concerns.filter(category__code__in=codes)
    start = params.get("start_date")
    end = params.get("end_date")
    start_at = _moment("start_date", start) if start else None
    end_at = _moment("end_date", end) if end else None
    if start_at and end_at:
        if end_at < start_at:
            raise Open311Error(400, _("end_date is before start_date."))
        if end_at - start_at > MAX_RANGE:
            raise Open311Error(400, _("start_date and end_date are at most 90 days apart."))
    elif start_at:
        end_at = start_at + MAX_RANGE
    elif end_at:
        start_at = end_at - MAX_RANGE
    else:
        end_at = timezone.now()
        start_at = end_at - MAX_RANGE
    concerns = concerns.filter(received_at__gte=start_at, received_at__lte=end_at)
    statuses = _comma(params.get("status"))
    if any(s not in ("open", "closed") for s in statuses):
        raise Open311Error(400, _("status is open or closed."))
    if set(statuses) == {"open"}:
        concerns = concerns.exclude(state__in=END_STATES)
    elif set(statuses) == {"closed"}:
        concerns = concerns.filter(state__in=END_STATES)
    return _as_list(concerns.order_by("-received_at", "-pk")[:MAX_RESULTS], key)


def request_get(tracking_number: str, key: Open311Key | None) -> list[dict[str, Any]]:
    concerns = _visible(key).filter(tracking_number=tracking_number)
    found = _as_list(concerns, key)
    if not found:
        raise Open311Error(404, _("No such service_request_id: %(id)s.") % {"id": tracking_number})
    return found


# Requests: filing ------------------------------------------------------------------------


def _place(data: Mapping[str, str], key: Open311Key) -> tuple[Area, str]:
    """The place of a new request and the note on it (the address_string given)."""
    address_id = (data.get("address_id") or "").strip()
    address_string = (data.get("address_string") or "").strip()
    if address_id:
        area = Area.objects.filter(code=address_id).first()
        if area is None or area.level not in PLACE_LEVELS:
            raise Open311Error(
                400,
                _("address_id is the code of a village or group: %(code)s.") % {"code": address_id},
            )
    elif address_string:
        if key.default_area is None:
            raise Open311Error(400, _("This key has no default place: give address_id."))
        area = key.default_area
    else:
        raise Open311Error(400, _("Give address_id (a village or group) or address_string."))
    if not area.path.startswith(key.area.path):
        raise Open311Error(403, _("The place lies outside this key's jurisdiction."))
    note = _("Address given: %(address)s") % {"address": address_string} if address_string else ""
    return area, note


def _reporter_name(first: str, last: str) -> str:
    if (first + last).isascii():
        return f"{first} {last}".strip()
    return f"{last}{first}"


def request_create(
    data: Mapping[str, str], files: Sequence[UploadedFile], key: Open311Key | None
) -> list[dict[str, Any]]:
    """POST requests: file a concern for the key's client, inside its jurisdiction."""
    if not data.get("api_key"):
        raise Open311Error(400, _("api_key is required to file a request."))
    if key is None:
        raise Open311Error(403, _("This api_key is unknown or revoked."))
    county = _county(data.get("jurisdiction_id"))
    if county is not None and not (
        key.area.path.startswith(county.path) or county.path.startswith(key.area.path)
    ):
        raise Open311Error(403, _("This key does not serve that jurisdiction."))
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    try:
        category = _category(code)
    except Open311Error as error:
        raise Open311Error(400, error.description) from None
    kind = (data.get("attribute[kind]") or Kind.HELP).strip()
    if kind not in Kind.values:
        raise Open311Error(
            400, _("attribute[kind] is one of %(values)s.") % {"values": "|".join(Kind.values)}
        )
    priority = (data.get("attribute[priority]") or Priority.NORMAL).strip()
    if priority not in Priority.values:
        raise Open311Error(
            400,
            _("attribute[priority] is one of %(values)s.") % {"values": "|".join(Priority.values)},
        )
    area, place_note = _place(data, key)
    email = (data.get("email") or "").strip()
    notes = [_("Filed through Open311 by %(client)s.") % {"client": key.name}, place_note]
    if email:
        notes.append(_("Reporter's e-mail: %(email)s") % {"email": email[:100]})
    _throttle(key)
    try:
        concern = services.concern_create(
            by=SYSTEM,
            channel=key.channel,
            kind=kind,
            category=category,
            priority=priority,
            area=area,
            description=(data.get("description") or "")[:5000],
            reporter_name=_reporter_name(
                (data.get("first_name") or "").strip(), (data.get("last_name") or "").strip()
            )[:50],
            reporter_phone=(data.get("phone") or "").strip(),
            attachments=files,
            note="\n".join(filter(None, notes)),
        )
    except ValidationError as error:
        raise Open311Error(400, _describe(error)) from None
    notice = _("Answer due by %(due)s.") % {"due": concern.due.isoformat()}
    return [{"service_request_id": concern.tracking_number, "service_notice": notice,
             "account_id": ""}]  # fmt: skip


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(
            f"{field}: {' '.join(str(m) for m in messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(str(m) for m in error.messages)


@dataclass(frozen=True)
class Discovery:
    url: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "changeset": "2026-11-27T00:00:00+08:00",
            "contact": _("The county's concerns office."),
            "key_service": _("Ask the county's administrators for an api_key."),
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": self.url,
                    "changeset": "2026-11-27T00:00:00+08:00",
                    "type": "production",
                    "formats": ["application/json", "text/xml"],
                }
            ],
        }
