"""Concerns (民情事项): what households raise through the five channels, worked to deadlines."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from districts.models import AppendOnlyModel, Area, Household
from districts.validators import validate_phone
from liaison.common.constraints import FieldConstraintsMixin, on_field
from liaison.core.models import Cadre, Department


class Channel(models.TextChoices):
    LIAISON_OFFICER = "liaison_officer", _("Liaison officer")
    CONTACT_CARD = "contact_card", _("Contact card")
    OPINION_BOX = "opinion_box", _("Opinion box")
    HOTLINE = "hotline", _("Hotline")
    MAILBOX = "mailbox", _("Mailbox")
    DUTY_VISIT = "duty_visit", _("Duty visit")
    WEB = "web", _("Web form")


class Kind(models.TextChoices):
    CONSULT = "consult", _("Consultation")
    HELP = "help", _("Request for help")
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_INFO = "awaiting_info", _("Awaiting information")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    DUPLICATE = "duplicate", _("Duplicate")
    REFERRED = "referred", _("Referred")
    REJECTED = "rejected", _("Rejected")


# States in which the concern is still being worked (the clock runs, except awaiting_info).
OPEN_STATES = (State.RECEIVED, State.ASSIGNED, State.IN_PROGRESS, State.AWAITING_INFO)
# States that end a concern.
END_STATES = (State.CLOSED, State.DUPLICATE, State.REFERRED, State.REJECTED)


class Feedback(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")
    UNREACHABLE = "unreachable", _("Could not be reached")


class Category(models.Model):
    """Policy: the catalogue of concern categories, each with an optional shorter deadline."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("name in English"), max_length=80, blank=True)
    deadline_days = models.PositiveSmallIntegerField(
        _("deadline (working days)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "Leave empty to use the deadline of the concern's kind; when set and shorter, "
            "this one applies."
        ),
    )
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("concern category")
        verbose_name_plural = _("concern categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        lang = (get_language() or "zh-hans").lower()
        if lang.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class ConcernPolicy(models.Model):
    """Policy: one row of the numbers of concerns work (DOMAIN.md §7), in working days."""

    ack_days = models.PositiveSmallIntegerField(
        _("acknowledge within (working days)"), default=1, validators=[MaxValueValidator(10)]
    )
    consult_days = models.PositiveSmallIntegerField(
        _("consultation: due within (working days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    help_days = models.PositiveSmallIntegerField(
        _("request for help: due within (working days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    complaint_days = models.PositiveSmallIntegerField(
        _("complaint: due within (working days)"),
        default=13,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    suggestion_days = models.PositiveSmallIntegerField(
        _("suggestion: due within (working days)"),
        default=13,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    callback_days = models.PositiveSmallIntegerField(
        _("call back within (working days after resolution)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    county_after_days = models.PositiveSmallIntegerField(
        _("county supervision after (working days overdue)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    county_after_reopens = models.PositiveSmallIntegerField(
        _("county supervision after (reopenings)"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    box_open_days = models.PositiveSmallIntegerField(
        _("open each opinion box at least every (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
    )

    class Meta:
        verbose_name = _("concern deadlines")
        verbose_name_plural = _("concern deadlines")

    def __str__(self) -> str:
        return str(_("Concern deadlines"))

    @classmethod
    def current(cls) -> "ConcernPolicy":
        row, _created = cls.objects.get_or_create(pk=1)
        return row

    def days_for(self, kind: str) -> int:
        return int(
            {
                Kind.CONSULT: self.consult_days,
                Kind.HELP: self.help_days,
                Kind.COMPLAINT: self.complaint_days,
                Kind.SUGGESTION: self.suggestion_days,
            }[Kind(kind)]
        )


class WorkdayOverride(models.Model):
    """Policy: a date declared a working day or a day off, over the published calendar.

    Enter next year's holidays and adjusted working weekends here when the State Council
    publishes them and the chinese-calendar package has not caught up.
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("working-day override")
        verbose_name_plural = _("working-day overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {_('working day') if self.is_working_day else _('day off')}"


class TrackingSequence(models.Model):
    """The last number handed out per county and year (tracking numbers 530827-2026-000123)."""

    prefix = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}: {self.last}"


class ConcernQuerySet(models.QuerySet["Concern"]):
    def open(self) -> "ConcernQuerySet":
        return self.filter(state__in=OPEN_STATES)


class Concern(FieldConstraintsMixin, models.Model):
    """Something a household (or someone anonymous) raised, owned by one cadre."""

    tracking_number = models.CharField(_("tracking number"), max_length=30, unique=True)
    # Printed on the receipt: with the tracking number, it opens the public status page of a
    # concern that gave no phone number (a random code, never personal data).
    lookup_code = models.CharField(_("lookup code"), max_length=12, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    area = models.ForeignKey(
        Area, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    # Denormalised from `area` for queues and statistics (kept by the service).
    township = models.ForeignKey(
        Area, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Area, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    reporter_name = models.CharField(_("reporter's name"), max_length=50, blank=True)
    reporter_phone = models.CharField(
        _("reporter's phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    # The sender of a concern that came by the mailbox (personal data, masked like phones).
    reporter_email = models.EmailField(_("reporter's e-mail"), blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    description = models.TextField(_("what happened"), max_length=5000)
    received_at = models.DateTimeField(_("received"))

    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    owner = models.ForeignKey(
        Cadre,
        verbose_name=_("responsible cadre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    # The deadline in working days the due date was counted with (0: urgent, same day).
    deadline_days = models.PositiveSmallIntegerField(_("deadline (working days)"))
    ack_due = models.DateField(_("acknowledge by"))
    due = models.DateField(_("due"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    paused_on = models.DateField(_("waiting since"), null=True, blank=True)
    extended = models.BooleanField(_("extended"), default=False)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # Working days from the day received to the day resolved (set on resolving; statistics).
    days_to_resolve = models.PositiveSmallIntegerField(
        _("working days to resolve"), null=True, blank=True
    )
    resolution = models.TextField(_("resolution"), blank=True, max_length=5000)
    callback_due = models.DateField(_("call back by"), null=True, blank=True)
    feedback = models.CharField(_("feedback"), max_length=20, choices=Feedback.choices, blank=True)
    feedback_at = models.DateTimeField(_("feedback recorded"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    referred_to = models.CharField(_("referred to"), max_length=100, blank=True)
    # Slips entered from one opening of an opinion box.
    box_opening = models.ForeignKey(
        "BoxOpening",
        verbose_name=_("box opening"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        verbose_name = _("concern")
        verbose_name_plural = _("concerns")
        ordering = ["-received_at", "-pk"]
        constraints = [
            on_field(
                "escalation_level",
                models.CheckConstraint(
                    condition=Q(escalation_level__lte=3),
                    name="concern_escalation_level_range",
                    violation_error_code="concern_escalation_level_range",
                    violation_error_message=_("The escalation level is 0 to 3."),
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "state", "due"], name="concern_owner_state_due"),
            models.Index(fields=["township", "state"], name="concern_township_state"),
            models.Index(fields=["state", "due"], name="concern_state_due"),
            models.Index(fields=["escalation_level", "state"], name="concern_level_state"),
            models.Index(fields=["received_at"], name="concern_received_at"),
            models.Index(fields=["resolved_at"], name="concern_resolved_at"),
        ]

    def __str__(self) -> str:
        return self.tracking_number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_anonymous(self) -> bool:
        return self.household_id is None and not self.reporter_phone


class ConcernEvent(AppendOnlyModel):
    """One step of a concern's history (append only); creation is the first."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=16, blank=True)
    to_state = models.CharField(_("to"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    # A note the owner chose to publish: shown on the public status page, the board and
    # Open311 (`status_notes`); every other note stays internal.
    public = models.BooleanField(_("public"), default=False)

    class Meta:
        verbose_name = _("concern event")
        verbose_name_plural = _("concern events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["concern", "at"], name="concern_event_at")]

    def __str__(self) -> str:
        return f"{self.concern_id} · {self.action} · {self.at:%Y-%m-%d %H:%M}"


class ConcernAttachment(models.Model):
    """A photo or scan (a box slip) attached to a concern."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="concerns/%Y/%m/")
    name = models.CharField(_("name"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name or self.file.name or ""


class Notification(models.Model):
    """An in-app message about a concern (assigned, due tomorrow, escalated, reopened)."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned to you")
        DUE_TOMORROW = "due_tomorrow", _("Due tomorrow")
        ESCALATED = "escalated", _("Escalated")
        REOPENED = "reopened", _("Reopened")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="concern_notifications"
    )
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="concern_note_user_read")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.kind} · {self.concern_id}"


class OpinionBox(FieldConstraintsMixin, models.Model):
    """An opinion box (民情意见箱) in a village or group, with its keyholder."""

    area = models.ForeignKey(
        Area, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+"
    )
    location = models.CharField(_("location"), max_length=100)
    keyholder = models.CharField(_("keyholder"), max_length=50)
    keyholder_phone = models.CharField(
        _("keyholder's phone"), max_length=20, blank=True, validators=[validate_phone]
    )
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("opinion box")
        verbose_name_plural = _("opinion boxes")
        ordering = ["area__path", "location"]

    def __str__(self) -> str:
        return f"{self.area.name} · {self.location}"


class BoxOpening(FieldConstraintsMixin, models.Model):
    """One opening of an opinion box: when, by whom, how many slips."""

    box = models.ForeignKey(
        OpinionBox, verbose_name=_("box"), on_delete=models.PROTECT, related_name="openings"
    )
    opened_on = models.DateField(_("opened on"))
    opened_by = models.CharField(_("opened by"), max_length=50)
    slips = models.PositiveSmallIntegerField(_("slips found"), validators=[MaxValueValidator(500)])
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("box opening")
        verbose_name_plural = _("box openings")
        ordering = ["-opened_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.box} · {self.opened_on}"


class OfficerReport(FieldConstraintsMixin, models.Model):
    """A liaison officer's daily report (民情联络员日报): concerns submitted, or a zero report."""

    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("liaison officer"),
        on_delete=models.PROTECT,
        related_name="officer_reports",
    )
    village = models.ForeignKey(
        Area, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"))
    zero = models.BooleanField(_("zero report"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("liaison officer's report")
        verbose_name_plural = _("liaison officers' reports")
        ordering = ["-date", "-pk"]
        constraints = [
            on_field(
                "date",
                models.UniqueConstraint(
                    fields=["officer", "date"],
                    name="officer_report_one_a_day",
                    violation_error_code="officer_report_one_a_day",
                    violation_error_message=_("You have already reported for that day."),
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.officer_id} · {self.date}"


class ConcernStats(models.Model):
    """Snapshot figures of concerns in one area and month (liaison/concerns/statistics.py).

    One row per area (county, township, village, and the prefectures and provinces above),
    month and breakdown: `channel` '' and `category` null is the area's total; a channel
    with no category, or a category with no channel, is one slice of it.
    """

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"))
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, blank=True, default=""
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    received = models.PositiveIntegerField(_("received"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)
    resolved_on_time = models.PositiveIntegerField(_("resolved on time"), default=0)
    open_overdue = models.PositiveIntegerField(_("open and overdue"), default=0)
    median_days_to_resolve = models.FloatField(
        _("median working days to resolve"), null=True, blank=True
    )
    reopened = models.PositiveIntegerField(_("reopened"), default=0)
    callbacks = models.PositiveIntegerField(_("call-backs"), default=0)
    callbacks_satisfied = models.PositiveIntegerField(_("satisfied call-backs"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("concern statistics")
        verbose_name_plural = _("concern statistics")
        indexes = [models.Index(fields=["area", "month"], name="concern_stats_area_month")]

    def __str__(self) -> str:
        return f"{self.area_id} · {self.month:%Y-%m} · {self.channel or '*'} · {self.category_id}"


class ConcernStatsJob(models.Model):
    """A requested recompute of the concern statistics, for the status URL of the API."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    first_month = models.DateField(_("first month"))
    last_month = models.DateField(_("last month"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # One SQL statement: the heartbeat is set when it starts; the task's time limit
    # (COVERAGE_JOB_TIME_LIMIT) bounds the silence that follows.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("concern statistics recompute")
        verbose_name_plural = _("concern statistics recomputes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.first_month:%Y-%m}–{self.last_month:%Y-%m} ({self.get_status_display()})"


class MailIntake(FieldConstraintsMixin, models.Model):
    """Policy: a 民情邮箱 address the mail server hands to `receive_concern_mail`.

    Mail to the address becomes a concern in the village or group named in brackets at the
    start of the subject (``[芒街村]``, ``[530827100201]``; a code or an unambiguous name
    inside the county), else in the default place given here.
    """

    address = models.EmailField(_("mailbox address"), unique=True)
    default_area = models.ForeignKey(
        Area,
        verbose_name=_("default place"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The village or group of mail that names no place (the county's intake)."),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.HELP)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    reply = models.BooleanField(
        _("reply with the tracking number"),
        default=True,
    )
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address


class QuarantinedMail(models.Model):
    """A message the mailbox refused or held, with the reason (never lost silently)."""

    class Reason(models.TextChoices):
        NO_TEXT = "no_text", _("No text")
        EXECUTABLE = "executable", _("Executable attachment")
        AUTO_REPLY = "auto_reply", _("Automatic reply or loop")
        TOO_LARGE = "too_large", _("Too large")
        MALFORMED = "malformed", _("Malformed message")
        INVALID = "invalid", _("Not accepted as a concern")
        ERROR = "error", _("Error while receiving")

    class Fate(models.TextChoices):
        REFUSED = "refused", _("Refused (the sender's server was told)")
        HELD = "held", _("Held here")

    received_at = models.DateTimeField(_("received"))
    sender = models.CharField(_("envelope sender"), max_length=320, blank=True)
    recipients = models.CharField(_("recipients"), max_length=1000, blank=True)
    from_header = models.CharField(_("From"), max_length=320, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    fate = models.CharField(_("fate"), max_length=8, choices=Fate.choices)
    smtp_reply = models.CharField(_("answer given"), max_length=200, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    # The raw message up to the stored limit (mailbox.QUARANTINE_RAW_LIMIT).
    raw = models.BinaryField(_("raw message"), blank=True, default=b"")
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    truncated = models.BooleanField(_("stored in part"), default=False)

    class Meta:
        verbose_name = _("quarantined mail")
        verbose_name_plural = _("quarantined mail")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} · {self.sender or '<>'} · {self.reason}"


class Open311Key(models.Model):
    """A registered Open311 client (a county 12345 platform, a mini-program): its key is
    shown once when issued; only its SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("key (SHA-256)"), max_length=64, unique=True, editable=False)
    area = models.ForeignKey(
        Area, verbose_name=_("jurisdiction"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(
        _("channel"), max_length=20, choices=Channel.choices, default=Channel.HOTLINE
    )
    default_area = models.ForeignKey(
        Area,
        verbose_name=_("default place (for address_string)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 key")
        verbose_name_plural = _("Open311 keys")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None


# The public side (issue 11): contact cards with a QR code, the public form, the board --


class ContactCard(models.Model):
    """A printed contact card of a household: its QR code opens the public form with `code`.

    The code is short and random (never personal data); a revoked card's code is refused.
    """

    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.CASCADE,
        related_name="contact_cards",
    )
    code = models.CharField(_("card code"), max_length=12, unique=True)
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("contact card")
        verbose_name_plural = _("contact cards")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.code


class PublicPolicy(models.Model):
    """Policy: one row of the public side's numbers (rate limits) and switches (boards)."""

    per_address_per_hour = models.PositiveSmallIntegerField(
        _("public form: concerns per client address and hour"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    per_phone_per_day = models.PositiveSmallIntegerField(
        _("public form: concerns per phone number and day"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    lookups_per_hour = models.PositiveSmallIntegerField(
        _("status lookups per client address and hour"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    township_boards_public = models.BooleanField(_("township boards are public"), default=True)
    village_boards_public = models.BooleanField(_("village boards are public"), default=False)

    class Meta:
        verbose_name = _("public side")
        verbose_name_plural = _("public side")

    def __str__(self) -> str:
        return str(_("Public side"))

    @classmethod
    def current(cls) -> "PublicPolicy":
        row, _created = cls.objects.get_or_create(pk=1)
        return row
