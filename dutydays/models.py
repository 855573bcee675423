"""Days that people's servants spend in their zones (人民勤务员制度), with their diaries."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from districts.fields import FlagsField
from districts.models import Area
from liaison.common.constraints import FieldConstraintsMixin, on_field
from liaison.core.models import Cadre, Rank


class Activity(models.TextChoices):
    """What a cadre did in the field. Append only: the order is the bit."""

    VISITED_HOUSEHOLDS = "visited_households", _("Visited households")
    TALKED_WITH_CADRES = "talked_with_cadres", _("Talked with group cadres and party members")
    VILLAGE_ACTIVITY = "village_activity", _("Joined a village activity")
    SOLVED_PROBLEM = "solved_problem", _("Helped solve a problem")
    STAYED_OVERNIGHT = "stayed_overnight", _("Stayed overnight")
    FARM_WORK = "farm_work", _("Farm work")
    OTHER = "other", _("Other")


class DutyDay(FieldConstraintsMixin, models.Model):
    """A day a cadre spent in the field (人民勤务员下基层日), with the diary (民情日记)."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="duty_days"
    )
    date = models.DateField(_("date"))
    area = models.ForeignKey(
        Area, verbose_name=_("place visited"), on_delete=models.PROTECT, related_name="+"
    )
    activities = FlagsField(_("activities"), flags=Activity)
    households = models.ManyToManyField(
        "districts.Household",
        verbose_name=_("households visited"),
        blank=True,
        related_name="visits",
    )
    diary = models.TextField(_("diary"), blank=True, max_length=5000)
    problems = models.TextField(_("problems found"), blank=True, max_length=2000)
    # The concerns the day's problems became (channel duty_visit): linked both ways.
    concerns = models.ManyToManyField(
        "concerns.Concern",
        verbose_name=_("concerns raised"),
        blank=True,
        related_name="duty_days",
    )
    # Whether the place lies in the cadre's zone(s) or their households' areas: only such
    # days count towards the quota. Set by the service when the day is saved.
    in_zone = models.BooleanField(_("in own zone"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("duty day")
        verbose_name_plural = _("duty days")
        ordering = ["-date", "-pk"]
        constraints = [
            on_field(
                "date",
                models.UniqueConstraint(
                    fields=["cadre", "date"],
                    name="dutyday_one_per_cadre_day",
                    violation_error_code="dutyday_one_per_cadre_day",
                    violation_error_message=_("This cadre already has a record of that day."),
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["date", "cadre"], name="dutyday_date_cadre"),
            models.Index(fields=["area", "date"], name="dutyday_area_date"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} · {self.date}"

    def activity_labels(self) -> list[str]:
        """The day's activities, as the reader's language names them."""
        return [str(Activity(code).label) for code in self.activities]


# The folder (under liaison.common.uploads.KEPT_DIR) of photos kept from a log form that
# failed, until the next submit stores them with the day.
KEPT_PHOTOS = "duty-photos"


class DutyPhoto(models.Model):
    duty_day = models.ForeignKey(DutyDay, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="duty-days/%Y/%m/")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")

    def __str__(self) -> str:
        return self.image.name or ""


class DutyQuota(models.Model):
    """Policy: the minimum days a month in the zone by rank (0 = no quota)."""

    rank = models.CharField(_("rank"), max_length=20, choices=Rank.choices, unique=True)
    days_per_month = models.PositiveSmallIntegerField(
        _("days a month"), validators=[MaxValueValidator(31)]
    )

    class Meta:
        verbose_name = _("duty-day quota")
        verbose_name_plural = _("duty-day quotas")
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"{self.get_rank_display()}: {self.days_per_month}"


class DutySettings(models.Model):
    """Policy: one row of settings for duty days."""

    edit_days = models.PositiveSmallIntegerField(
        _("days a cadre may edit a record"),
        default=7,
        validators=[MinValueValidator(0), MaxValueValidator(90)],
    )
    # What a day must record to be saved (and counted): at least `min_activities` of the
    # activities, and a household visited or a diary of at least `min_diary_length` characters.
    min_activities = models.PositiveSmallIntegerField(
        _("minimum activities a day"),
        default=1,
        validators=[MaxValueValidator(len(Activity.values))],
        help_text=_("How many of the activities a day must tick (0: none required)."),
    )
    min_diary_length = models.PositiveSmallIntegerField(
        _("minimum diary length"),
        default=20,
        validators=[MaxValueValidator(1000)],
        help_text=_(
            "Characters (not counting spaces) a diary needs when no household was visited "
            "(0: a day without households needs no diary)."
        ),
    )

    class Meta:
        verbose_name = _("duty-day settings")
        verbose_name_plural = _("duty-day settings")

    def __str__(self) -> str:
        return str(_("Duty-day settings"))

    @classmethod
    def current(cls) -> "DutySettings":
        settings_row, _created = cls.objects.get_or_create(pk=1)
        return settings_row


class Leave(FieldConstraintsMixin, models.Model):
    """A period of leave or exemption that reduces a cadre's required days pro rata."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="leaves"
    )
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("to (inclusive)"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("leave or exemption")
        verbose_name_plural = _("leaves and exemptions")
        constraints = [
            on_field(
                "end_date",
                models.CheckConstraint(
                    condition=Q(end_date__gte=models.F("start_date")),
                    name="leave_ends_after_start",
                    violation_error_code="leave_ends_after_start",
                    violation_error_message=_("A leave cannot end before it starts."),
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.cadre}: {self.start_date}–{self.end_date}"


# Household categories that mark "special" households a cadre should visit (上访户, 困难户).
SPECIAL_CATEGORIES = ("petitioner", "in_difficulty", "extreme_hardship")


class MonthlyCompliance(FieldConstraintsMixin, models.Model):
    """One cadre's duty days in one month against the quota (computed by a task)."""

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.CASCADE, related_name="compliance"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    days_counted = models.PositiveSmallIntegerField(_("days in own zone"))
    days_other = models.PositiveSmallIntegerField(_("other days"))
    days_required = models.PositiveSmallIntegerField(_("days required"))
    met = models.BooleanField(_("quota met"))
    households_visited = models.PositiveIntegerField(_("households visited"))
    special_households_visited = models.PositiveIntegerField(_("special households visited"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("monthly compliance")
        verbose_name_plural = _("monthly compliance")
        constraints = [
            on_field(
                "month",
                models.UniqueConstraint(
                    fields=["cadre", "month"],
                    name="compliance_one_per_month",
                    violation_error_code="compliance_one_per_month",
                    violation_error_message=_(
                        "This cadre's compliance for that month has already been computed."
                    ),
                ),
            ),
        ]
        indexes = [models.Index(fields=["month", "met"], name="compliance_month_met")]

    def __str__(self) -> str:
        return f"{self.cadre} · {self.month:%Y-%m}"

    @property
    def shortfall(self) -> int:
        return max(self.days_required - self.days_counted, 0)
