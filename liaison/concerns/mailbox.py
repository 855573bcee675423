"""The mailbox (民情邮箱): mail handed over by SMTP becomes a concern (receive_concern_mail).

The county's mail server hands mail for the mailbox address to this receiver (aiosmtpd) on
a local port. Each message is parsed (the `email` package, `policy.default`) and then
either becomes a concern (channel `mailbox`; the sender gets a reply with the tracking
number, due date and lookup code), or is refused with an SMTP error that the sending
server returns to its user, or is held — and every refusal or hold is recorded in
`QuarantinedMail` with its reason. Nothing is lost silently and no message crashes the
receiver: an unexpected error holds the message, and if even that fails the answer is a
temporary failure (451) so the sending server tries again.

The place: a village or group named in brackets at the start of the subject (`[芒街村]`,
`[530827100201]`; a code, or a name that is unique in the county), else the mailbox's
default place (MailIntake.default_area).
"""

import asyncio
import datetime
import logging
import re
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email import errors as email_errors
from email import policy
from email.message import EmailMessage as ParsedMessage
from email.parser import BytesParser
from email.utils import getaddresses, make_msgid
from html.parser import HTMLParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import close_old_connections, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from districts.access import SYSTEM
from districts.models import Area, AreaLevel
from districts.selectors import area_list

from .models import Channel, Concern, MailIntake, QuarantinedMail
from .services import ATTACHMENT_TYPES, concern_create

log = logging.getLogger(__name__)

MB = 1024 * 1024
# Limits (settings override them): the whole message at the SMTP level (552 beyond it;
# attachments travel base64-encoded, a third larger), each attachment, all attachments.
MAX_MESSAGE_BYTES = int(getattr(settings, "CONCERN_MAIL_MAX_MESSAGE_BYTES", 8 * MB))
MAX_ATTACHMENT_BYTES = int(getattr(settings, "CONCERN_MAIL_MAX_ATTACHMENT_BYTES", 5 * MB))
MAX_ATTACHMENTS_BYTES = int(getattr(settings, "CONCERN_MAIL_MAX_ATTACHMENTS_BYTES", 10 * MB))
MAX_ATTACHMENTS = 10
# How much of a quarantined message is kept.
QUARANTINE_RAW_LIMIT = int(getattr(settings, "CONCERN_MAIL_QUARANTINE_BYTES", 2 * MB))
DESCRIPTION_LIMIT = 5000

EXECUTABLE_EXTENSIONS = (
    ".exe", ".com", ".scr", ".bat", ".cmd", ".pif", ".msi", ".msp", ".dll", ".cpl", ".jar",
    ".js", ".jse", ".vbs", ".vbe", ".wsf", ".wsh", ".hta", ".ps1", ".psm1", ".lnk", ".reg",
    ".sh", ".bin", ".elf", ".apk", ".app", ".run", ".scf", ".gadget", ".iso", ".img",
)  # fmt: skip
EXECUTABLE_TYPES = (
    "application/x-msdownload",
    "application/x-msdos-program",
    "application/x-executable",
    "application/x-sharedlib",
    "application/x-sh",
    "application/x-dosexec",
    "application/java-archive",
    "application/vnd.android.package-archive",
    "application/javascript",
    "application/x-javascript",
    "text/javascript",
    "application/hta",
)
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")
EXTENSION_OF_TYPE = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
}
# Defects that make a message unreadable as sent (others, like a missing MIME-Version,
# are common and harmless).
MALFORMED_DEFECTS = (
    email_errors.NoBoundaryInMultipartDefect,
    email_errors.StartBoundaryNotFoundDefect,
    email_errors.CloseBoundaryNotFoundDefect,
    email_errors.MultipartInvariantViolationDefect,
    email_errors.InvalidMultipartContentTransferEncodingDefect,
    email_errors.MissingHeaderBodySeparatorDefect,
    email_errors.InvalidBase64CharactersDefect,
    email_errors.InvalidBase64LengthDefect,
)
PLACE_TAG = re.compile(r"^\s*[\[【]\s*([^\]】]{1,60}?)\s*[\]】]\s*")

Reason = QuarantinedMail.Reason
Fate = QuarantinedMail.Fate


class Refused(Exception):
    """The message is not taken: refused with an SMTP reply, or held (`reply` 250)."""

    def __init__(self, reason: str, reply: str, detail: str = "") -> None:
        super().__init__(detail or reply)
        self.reason = reason
        self.reply = reply
        self.detail = detail

    @property
    def fate(self) -> str:
        return Fate.HELD if self.reply.startswith("2") else Fate.REFUSED


@dataclass
class Incoming:
    """One message as handed over: the envelope and the raw bytes."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    peer: str = ""
    received_at: datetime.datetime = field(default_factory=timezone.now)


@dataclass
class Outcome:
    """What became of a message: the SMTP reply, and the concern or the quarantine row."""

    reply: str
    concern: Concern | None = None
    quarantined: QuarantinedMail | None = None


# Intake ----------------------------------------------------------------------------------


def intake_for(address: str) -> MailIntake | None:
    """Return the mailbox in use at `address` (case-insensitive), or None."""
    return (
        MailIntake.objects.filter(address__iexact=address.strip(), active=True)
        .select_related("default_area", "category")
        .first()
    )


def receive(incoming: Incoming) -> Outcome:
    """Turn one handed-over message into a concern, or refuse or hold it; never raise."""
    close_old_connections()
    try:
        return _receive(incoming)
    except Refused as refusal:
        return _quarantine_safely(incoming, refusal)
    except Exception:  # the receiver must not crash; the message is held.
        log.exception("mailbox: error while receiving a message from %s", incoming.mail_from)
        error = Refused(Reason.ERROR, "250 2.0.0 Held for review", traceback.format_exc())
        return _quarantine_safely(incoming, error)
    finally:
        close_old_connections()


def _quarantine_safely(incoming: Incoming, refusal: Refused) -> Outcome:
    try:
        row = quarantine(incoming, refusal)
    except Exception:  # cannot even record it: the sender's server retries.
        log.exception("mailbox: could not quarantine a message from %s", incoming.mail_from)
        return Outcome("451 4.3.0 Temporary failure, please try again later")
    log.warning(
        "mailbox: %s message from %s: %s (%s)",
        refusal.fate,
        incoming.mail_from or "<>",
        refusal.reason,
        refusal.reply,
    )
    return Outcome(refusal.reply, quarantined=row)


def quarantine(incoming: Incoming, refusal: Refused) -> QuarantinedMail:
    """Record a refused or held message with its reason and (up to the limit) its bytes."""
    headers = _headers_only(incoming.raw)
    return QuarantinedMail.objects.create(
        received_at=incoming.received_at,
        sender=incoming.mail_from[:320],
        recipients=", ".join(incoming.rcpt_tos)[:1000],
        from_header=headers.get("from", "")[:320],
        subject=headers.get("subject", "")[:300],
        reason=refusal.reason,
        fate=refusal.fate,
        smtp_reply=refusal.reply[:200],
        detail=refusal.detail,
        raw=incoming.raw[:QUARANTINE_RAW_LIMIT],
        size=len(incoming.raw),
        truncated=len(incoming.raw) > QUARANTINE_RAW_LIMIT,
    )


def _headers_only(raw: bytes) -> dict[str, str]:
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw, headersonly=True)
        return {name: str(msg.get(name, "") or "") for name in ("from", "subject")}
    except Exception:  # a header that cannot be read is left out.
        return {}


def _receive(incoming: Incoming) -> Outcome:
    intake = next(filter(None, (intake_for(a) for a in incoming.rcpt_tos)), None)
    if intake is None:
        raise Refused(Reason.INVALID, "550 5.1.1 No such mailbox here")
    msg = _parse(incoming.raw)
    _refuse_loops(msg, incoming, intake)
    sender_name, sender = _sender(msg, incoming)
    subject = " ".join(str(msg.get("subject", "") or "").split())
    subject, tag = _place_tag(subject)
    body = _body_text(msg)
    files, notes, executables = _attachments(msg)
    if executables:
        raise Refused(
            Reason.EXECUTABLE,
            "554 5.7.1 Executable attachments are not accepted",
            ", ".join(executables),
        )
    description = "\n\n".join(part for part in (subject, body) if part).strip()
    if not description:
        raise Refused(
            Reason.NO_TEXT,
            "550 5.6.0 The message has no text: write what happened",
            _("Attachments: %(count)d") % {"count": len(files)},
        )
    if len(description) > DESCRIPTION_LIMIT:
        description = description[: DESCRIPTION_LIMIT - 1] + "…"
        notes.append(_("The text was shortened to %(limit)d characters.") % {"limit": 5000})
    area, place_note = _place(intake, tag)
    if place_note:
        notes.append(place_note)
    try:
        with transaction.atomic():
            concern = concern_create(
                by=SYSTEM,
                channel=Channel.MAILBOX,
                kind=intake.kind,
                category=intake.category,
                description=description,
                area=area,
                reporter_name=sender_name,
                reporter_email=sender,
                received_at=incoming.received_at,
                attachments=files,
                note="\n".join(
                    [_("Received by mail at %(address)s.") % {"address": intake.address}, *notes]
                ),
            )
    except ValidationError as exc:
        raise Refused(Reason.INVALID, "250 2.0.0 Held for review", "; ".join(exc.messages)) from exc
    if intake.reply and sender:
        _reply(concern, msg, notes)
    return Outcome(f"250 2.0.0 Received as {concern.tracking_number}", concern=concern)


def _parse(raw: bytes) -> ParsedMessage:
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception as exc:  # anything the parser trips on is malformed.
        raise Refused(Reason.MALFORMED, "250 2.0.0 Held for review", repr(exc)) from exc
    assert isinstance(msg, ParsedMessage)
    defects = [
        defect
        for part in msg.walk()
        for defect in part.defects
        if isinstance(defect, MALFORMED_DEFECTS)
    ]
    if defects or not raw.strip():
        detail = "; ".join(type(d).__name__ for d in defects) or "empty"
        raise Refused(Reason.MALFORMED, "250 2.0.0 Held for review", detail)
    return msg


def _header(msg: ParsedMessage, name: str) -> str:
    try:
        return str(msg.get(name, "") or "").strip()
    except Exception:  # an unreadable header counts as absent.
        return ""


def _our_addresses() -> set[str]:
    ours = {a.lower() for a in MailIntake.objects.values_list("address", flat=True)}
    for _name, address in getaddresses([settings.DEFAULT_FROM_EMAIL, settings.SERVER_EMAIL]):
        if address:
            ours.add(address.lower())
    return ours


def _refuse_loops(msg: ParsedMessage, incoming: Incoming, intake: MailIntake) -> None:
    """Hold mail from auto-responders, bounces, lists and ourselves (RFC 3834): no reply."""
    reasons = []
    if not incoming.mail_from.strip("<> "):
        reasons.append("empty Return-Path (a bounce)")
    auto = _header(msg, "auto-submitted").lower()
    if auto and auto != "no":
        reasons.append(f"Auto-Submitted: {auto}")
    precedence = _header(msg, "precedence").lower()
    if precedence in ("bulk", "junk", "list"):
        reasons.append(f"Precedence: {precedence}")
    for name in ("x-autoreply", "x-autorespond", "list-id"):
        if _header(msg, name):
            reasons.append(f"{name} present")
    froms = {a.lower() for _n, a in getaddresses([_header(msg, "from"), incoming.mail_from]) if a}
    if froms & _our_addresses():
        reasons.append("from our own address")
    if reasons:
        raise Refused(Reason.AUTO_REPLY, "250 2.0.0 Held: automatic mail", "; ".join(reasons))


def _sender(msg: ParsedMessage, incoming: Incoming) -> tuple[str, str]:
    """Return the sender's name and address (From, else the envelope); '' if invalid."""
    pairs = [*getaddresses([_header(msg, "from")]), ("", incoming.mail_from.strip("<> "))]
    for name, address in pairs:
        try:
            validate_email(address)
        except ValidationError:
            continue
        if len(address) <= 254:
            return name.strip()[:50], address
    return "", ""


def _place_tag(subject: str) -> tuple[str, str]:
    """Split `[芒街村] 路灯坏了` into the subject without the tag and the tag."""
    match = PLACE_TAG.match(subject)
    if not match:
        return subject, ""
    return subject[match.end() :].strip(), match.group(1).strip()


def _place(intake: MailIntake, tag: str) -> tuple[Area, str]:
    """Return the village or group the tag names in the county, else the default place."""
    default = intake.default_area
    if not tag:
        return default, ""
    county = next((a for a in _ancestors(default) if a.level == AreaLevel.COUNTY), default)
    places = (
        area_list(user=SYSTEM).within(county).filter(level__in=(AreaLevel.VILLAGE, AreaLevel.GROUP))
    )
    found = list(places.filter(code=tag)[:2]) or list(places.filter(name=tag)[:2])
    if len(found) == 1:
        return found[0], ""
    return default, _("The place “%(tag)s” in the subject was not recognised.") % {"tag": tag}


def _ancestors(area: Area) -> list[Area]:
    chain = []
    node: Area | None = area
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain


class _TextOfHTML(HTMLParser):
    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head", "title"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The text of an HTML body: no tags, scripts or styles; paragraphs kept as lines."""
    parser = _TextOfHTML()
    parser.feed(html)
    parser.close()
    return _tidy("".join(parser.parts))


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.replace("\r", "").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _body_text(msg: ParsedMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError, ValueError, AssertionError, KeyError) as exc:
        raise Refused(Reason.MALFORMED, "250 2.0.0 Held for review", repr(exc)) from exc
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        return html_to_text(content)
    return _tidy(content)


def _attachments(msg: ParsedMessage) -> tuple[list[SimpleUploadedFile], list[str], list[str]]:
    """Return the files to attach, notes on what was left out, and executables found."""
    body = msg.get_body(preferencelist=("plain", "html"))
    files: list[SimpleUploadedFile] = []
    notes: list[str] = []
    executables: list[str] = []
    total = 0
    for part in msg.walk():
        if part.is_multipart() or part is body:
            continue
        ctype = part.get_content_type()
        filename = part.get_filename() or ""
        if (
            not filename
            and part.get_content_disposition() != "attachment"
            and (part.get_content_maintype() == "text" or ctype == "message/rfc822")
        ):
            continue  # the other alternative of the body, or a forwarded part's text
        try:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
        except Exception:  # an undecodable part is left out, and said.
            data = b""
        name = (filename or "attachment").replace("/", "_").replace("\\", "_")[-100:]
        lowered = name.lower()
        if (
            lowered.endswith(EXECUTABLE_EXTENSIONS)
            or ctype in EXECUTABLE_TYPES
            or data.startswith(EXECUTABLE_MAGIC)
        ):
            executables.append(f"{name} ({ctype})")
            continue
        if not lowered.endswith(ATTACHMENT_TYPES):
            extension = EXTENSION_OF_TYPE.get(ctype)
            if extension is None or filename:
                notes.append(
                    _("Attachment %(name)s left out: not a photo or PDF.") % {"name": name}
                )
                continue
            name = f"{name}{extension}"
        if not data:
            notes.append(_("Attachment %(name)s left out: empty.") % {"name": name})
        elif len(data) > MAX_ATTACHMENT_BYTES:
            notes.append(
                _("Attachment %(name)s left out: larger than %(mb)d MB.")
                % {"name": name, "mb": MAX_ATTACHMENT_BYTES // MB}
            )
        elif total + len(data) > MAX_ATTACHMENTS_BYTES or len(files) >= MAX_ATTACHMENTS:
            notes.append(_("Attachment %(name)s left out: too many attachments.") % {"name": name})
        else:
            total += len(data)
            files.append(SimpleUploadedFile(name, data, content_type=ctype))
    return files, notes, executables


def _reply(concern: Concern, msg: ParsedMessage, notes: list[str]) -> None:
    """Answer the sender with the tracking number, due date and lookup code (after commit)."""
    message_id = _header(msg, "message-id")

    def send() -> None:
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Your concern was received: %(number)s") % {
                "number": concern.tracking_number
            }
            lines = [
                _("Your message to the liaison mailbox was received and recorded."),
                "",
                _("Tracking number: %(number)s") % {"number": concern.tracking_number},
                _("Lookup code: %(code)s") % {"code": concern.lookup_code},
                _("An answer is due by %(due)s.") % {"due": concern.due.isoformat()},
                "",
                _("Keep the tracking number and lookup code to follow your concern."),
            ]
            if notes:
                lines += ["", *notes]
        headers = {
            "Auto-Submitted": "auto-replied",
            "X-Auto-Response-Suppress": "All",
            "Message-ID": make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None),
        }
        if message_id:
            headers["In-Reply-To"] = message_id
            headers["References"] = message_id
        try:
            EmailMessage(
                subject,
                "\n".join(lines),
                settings.DEFAULT_FROM_EMAIL,
                [concern.reporter_email],
                headers=headers,
            ).send()
        except Exception:  # the concern stands; the reply is logged as lost.
            log.exception("mailbox: could not reply to the sender of %s", concern.tracking_number)

    transaction.on_commit(send)


# The SMTP side ----------------------------------------------------------------------------


class MailboxHandler:
    """aiosmtpd handler: checks recipients and hands each message to `receive`.

    Database work runs in one worker thread (the ORM is synchronous), one message at a time.
    """

    def __init__(self) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mailbox")

    async def _run(self, func: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, func, *args)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        known = await self._run(_known_recipient, address)
        if not known:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        incoming = Incoming(
            mail_from=envelope.mail_from or "",
            rcpt_tos=list(envelope.rcpt_tos),
            raw=bytes(raw),
            peer=str(session.peer),
        )
        outcome: Outcome = await self._run(receive, incoming)
        return outcome.reply

    async def record_too_large(self, envelope: Envelope | None, reply: str) -> None:
        incoming = Incoming(
            mail_from=(envelope.mail_from or "") if envelope else "",
            rcpt_tos=list(envelope.rcpt_tos) if envelope else [],
            raw=b"",
        )
        refusal = Refused(
            Reason.TOO_LARGE, reply, _("Larger than %(mb)d MB.") % {"mb": MAX_MESSAGE_BYTES // MB}
        )
        await self._run(_record_refusal, incoming, refusal)

    def close(self) -> None:
        self.executor.submit(connections.close_all).result()
        self.executor.shutdown(wait=True)


def _known_recipient(address: str) -> bool:
    close_old_connections()
    try:
        return intake_for(address) is not None
    finally:
        close_old_connections()


def _record_refusal(incoming: Incoming, refusal: Refused) -> None:
    close_old_connections()
    try:
        _quarantine_safely(incoming, refusal)
    finally:
        close_old_connections()


class MailboxSMTP(SMTP):
    """SMTP that also records the messages it refuses as too large (552)."""

    async def push(self, status: Any) -> None:
        await super().push(status)
        if (
            isinstance(status, str)
            and status.startswith("552")
            and isinstance(self.event_handler, MailboxHandler)
        ):
            await self.event_handler.record_too_large(self.envelope, status)


class MailboxController(Controller):
    """The receiver on host:port, with the message size limit (552 beyond it)."""

    def __init__(self, handler: MailboxHandler, host: str = "127.0.0.1", port: int = 8025) -> None:
        super().__init__(
            handler,
            hostname=host,
            port=port,
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
            decode_data=False,
            ident="liaison mailbox",
        )

    def factory(self) -> SMTP:
        return MailboxSMTP(self.handler, **self.SMTP_kwargs)
