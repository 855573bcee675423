"""The core liaison domain: departments, cadres, pairings, zone leaders, links, coverage."""

import datetime
from typing import TYPE_CHECKING, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from districts.models import Area, AreaLevel, HouseholdCategory, VillageCategory, Zone
from liaison.common.charts import percent
from liaison.common.constraints import FieldConstraintsMixin, on_field

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class DepartmentKind(models.TextChoices):
    """The five-links kinds of department (五挂五联), plus other."""

    PARTY_GOV = "party_gov", _("Party and government organs")
    POLITICAL_LEGAL = "political_legal", _("Political-legal")
    ECONOMIC = "economic", _("Economic")
    EDUCATION_CULTURE = "education_culture", _("Education and culture")
    AGRI_SCIENCE = "agri_science", _("Agriculture and science")
    OTHER = "other", _("Other")


class Department(FieldConstraintsMixin, models.Model):
    """A county or township department (部门) whose cadres link villages and households."""

    class Level(models.TextChoices):
        COUNTY = "county", _("County")
        TOWNSHIP = "township", _("Township")

    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    # The county or township the department belongs to: what scopes it to a jurisdiction.
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="departments"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["level", "name"]
        constraints = [
            on_field(
                "name",
                models.UniqueConstraint(
                    fields=["area", "name"],
                    name="department_unique_name",
                    violation_error_code="department_unique_name",
                    violation_error_message=_("This area already has a department of that name."),
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.area_id and self.area.level != self.level:
            raise ValidationError(
                {"area": _("A %(level)s department belongs to a %(level)s.")
                 % {"level": self.get_level_display()}}
            )  # fmt: skip


class Rank(models.TextChoices):
    COUNTY_LEADER = "county_leader", _("County leader")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    TOWNSHIP_LEADER = "township_leader", _("Township leader")
    SECTION = "section", _("Section level")
    ORDINARY = "ordinary", _("Ordinary cadre")
    VILLAGE_CADRE = "village_cadre", _("Village cadre")
    INSTRUCTOR = "instructor", _("Rural-construction instructor")
    GRADUATE_OFFICIAL = "graduate_official", _("College-graduate village official")


class CadreQuerySet(models.QuerySet["Cadre"]):
    def active(self, as_of: datetime.date | None = None) -> Self:
        """Return cadres in service (on `as_of`, if given)."""
        if as_of is None:
            return self.filter(left_date__isnull=True)
        return self.filter(Q(left_date__isnull=True) | Q(left_date__gt=as_of))


class Cadre(FieldConstraintsMixin, models.Model):
    """A cadre (干部) who is responsible for households, a zone or both."""

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="cadres"
    )
    rank = models.CharField(_("rank"), max_length=20, choices=Rank.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The organisation department's number for the cadre, if the county uses one: imports
    # find a cadre again by it (or, without one, by phone).
    staff_code = models.CharField(_("staff code"), max_length=30, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadre",
    )
    # Where the cadre serves (the department's county or township, or a village for village
    # cadres): what scopes the cadre to a jurisdiction and where coverage counts them.
    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="cadres"
    )
    left_date = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])
    # The user simple_history writes on the next history row; a service sets it before save().
    _history_user: "AbstractBaseUser | None"
    objects = CadreQuerySet.as_manager()

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["area", "left_date"], name="cadre_area_active")]
        constraints = [
            on_field(
                "staff_code",
                models.UniqueConstraint(
                    fields=["staff_code"],
                    condition=~Q(staff_code=""),
                    name="cadre_unique_staff_code",
                    violation_error_code="cadre_unique_staff_code",
                    violation_error_message=_("Another cadre has this staff code."),
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.left_date is None


class PairingQuerySet(models.QuerySet["Pairing"]):
    def active(self, as_of: datetime.date | None = None) -> Self:
        """Return pairings in force (on `as_of`: started on or before it, not yet ended)."""
        if as_of is None:
            return self.filter(end_date__isnull=True)
        return self.filter(start_date__lte=as_of).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=as_of)
        )


class Pairing(FieldConstraintsMixin, models.Model):
    """A cadre's responsibility for one household (结对帮扶), from start to end date.

    A pairing covers the days from `start_date` up to the day before `end_date`. Ending a
    pairing sets `end_date`; nothing is deleted, so coverage can be asked as of any date.
    """

    cadre = models.ForeignKey(
        Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="pairings"
    )
    household = models.ForeignKey(
        "districts.Household",
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["created_at"])
    # The user simple_history writes on the next history row; a service sets it before save().
    _history_user: "AbstractBaseUser | None"
    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["-start_date", "-pk"]
        constraints = [
            # The rule "one responsible cadre per household" holds in the database itself, so
            # two administrators assigning the same household at once cannot both win.
            on_field(
                "household",
                models.UniqueConstraint(
                    fields=["household"],
                    condition=Q(end_date__isnull=True),
                    name="pairing_one_active_per_household",
                    violation_error_code="pairing_one_active_per_household",
                    violation_error_message=_("This household already has a cadre."),
                ),
            ),
            on_field(
                "end_date",
                models.CheckConstraint(
                    condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                    name="pairing_ends_after_start",
                    violation_error_code="pairing_ends_after_start",
                    violation_error_message=_("A pairing cannot end before it starts."),
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["cadre", "end_date"], name="pairing_cadre_active"),
            models.Index(fields=["household", "start_date"], name="pairing_household_start"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre} → {self.household}"


class ZoneLeadership(FieldConstraintsMixin, models.Model):
    """The leader responsible for a zone (一个领导负责一个责任区), with dates."""

    zone = models.ForeignKey(
        Zone, verbose_name=_("zone"), on_delete=models.CASCADE, related_name="leaderships"
    )
    cadre = models.ForeignKey(
        Cadre, verbose_name=_("leader"), on_delete=models.PROTECT, related_name="zone_leaderships"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    history = HistoricalRecords()
    # The user simple_history writes on the next history row; a service sets it before save().
    _history_user: "AbstractBaseUser | None"

    class Meta:
        verbose_name = _("zone leadership")
        verbose_name_plural = _("zone leaderships")
        ordering = ["-start_date"]
        constraints = [
            on_field(
                "zone",
                models.UniqueConstraint(
                    fields=["zone"],
                    condition=Q(end_date__isnull=True),
                    name="zone_one_active_leader",
                    violation_error_code="zone_one_active_leader",
                    violation_error_message=_("This zone already has a leader."),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zone}: {self.cadre}"


# Which ranks may lead a zone of each level (DOMAIN.md §1: 包乡联村, 包村联组).
ZONE_LEADER_RANKS: dict[str, frozenset[str]] = {
    Zone.Level.TOWNSHIP: frozenset({Rank.COUNTY_LEADER}),
    Zone.Level.VILLAGE: frozenset({Rank.DEPARTMENT_HEAD, Rank.TOWNSHIP_LEADER}),
    Zone.Level.GROUP: frozenset(Rank.values),
}


class DepartmentVillageLink(FieldConstraintsMixin, models.Model):
    """A department linked to a village (部门挂钩村), with dates."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.CASCADE,
        related_name="village_links",
    )
    village = models.ForeignKey(
        Area,
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="department_links",
        limit_choices_to={"level": AreaLevel.VILLAGE},
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("department–village link")
        verbose_name_plural = _("department–village links")
        constraints = [
            on_field(
                "village",
                models.UniqueConstraint(
                    fields=["department", "village"],
                    condition=Q(end_date__isnull=True),
                    name="link_one_active_per_pair",
                    violation_error_code="link_one_active_per_pair",
                    violation_error_message=_("This department is already linked to the village."),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} ↔ {self.village}"


class FiveLinksRule(models.Model):
    """Policy: a department kind links villages and households of these categories.

    Defaults come from the 2012 "five links" table (DOMAIN.md); administrators edit them.
    """

    department_kind = models.CharField(
        _("department kind"), max_length=20, choices=DepartmentKind.choices, unique=True
    )
    village_category = models.CharField(
        _("village category"), max_length=30, choices=VillageCategory.choices, blank=True
    )
    household_category = models.CharField(
        _("household category"), max_length=30, choices=HouseholdCategory.choices, blank=True
    )

    class Meta:
        verbose_name = _("five-links rule")
        verbose_name_plural = _("five-links rules")
        ordering = ["department_kind"]

    def __str__(self) -> str:
        return self.get_department_kind_display()


class CoverageSnapshot(FieldConstraintsMixin, models.Model):
    """Coverage of one area as of one date, computed by coverage_recompute_task."""

    area = models.ForeignKey(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="+"
    )
    as_of = models.DateField(_("as of"))
    computed_at = models.DateTimeField(_("computed at"))
    households = models.PositiveIntegerField(_("households"))
    covered_households = models.PositiveIntegerField(_("covered households"))
    cadres = models.PositiveIntegerField(_("cadres"))
    cadres_with_households = models.PositiveIntegerField(_("cadres with households"))
    zones = models.PositiveIntegerField(_("zones"))
    zones_with_leader = models.PositiveIntegerField(_("zones with a leader"))

    class Meta:
        verbose_name = _("coverage snapshot")
        verbose_name_plural = _("coverage snapshots")
        constraints = [
            on_field(
                "as_of",
                models.UniqueConstraint(
                    fields=["area", "as_of"],
                    name="coverage_one_per_area_day",
                    violation_error_code="coverage_one_per_area_day",
                    violation_error_message=_(
                        "The coverage of this area on this date has already been computed."
                    ),
                ),
            ),
        ]
        indexes = [models.Index(fields=["as_of"], name="coverage_as_of")]

    def __str__(self) -> str:
        return f"{self.area} @ {self.as_of}"

    @staticmethod
    def rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    @property
    def household_coverage(self) -> float | None:
        return self.rate(self.covered_households, self.households)

    @property
    def cadre_coverage(self) -> float | None:
        return self.rate(self.cadres_with_households, self.cadres)

    @property
    def uncovered(self) -> int:
        return self.households - self.covered_households

    @staticmethod
    def percent_value(part: int, whole: int) -> float | None:
        """Return part/whole in percent to one decimal, rounded down as `percent` is (the
        figure a chart draws: 99.96% is 99.9, never 100)."""
        return part * 1000 // whole / 10 if whole else None

    @staticmethod
    def percent(part: int, whole: int) -> str:
        """Return "99.8%" (one decimal, never rounded up to 100% while any part is missing)."""
        return percent(part, whole)

    @property
    def household_coverage_pct(self) -> str:
        return self.percent(self.covered_households, self.households)

    @property
    def cadre_coverage_pct(self) -> str:
        return self.percent(self.cadres_with_households, self.cadres)

    @property
    def zone_coverage_pct(self) -> str:
        return self.percent(self.zones_with_leader, self.zones)


class CoverageJob(models.Model):
    """A requested recompute of coverage, for the status URL of the API."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Done")
        FAILED = "failed", _("Failed")

    as_of = models.DateField(_("as of"))
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
    # A recompute is one SQL statement: the heartbeat is set when it starts, and the task's
    # time limit (COVERAGE_JOB_TIME_LIMIT) bounds the silence that follows.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # Runs started so far; a run only records its outcome while it is still the latest.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("coverage recompute")
        verbose_name_plural = _("coverage recomputes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.get_status_display()})"


class ContactInfo(models.Model):
    """What a contact card (民情联系卡) shows besides the cadre: hotline, mailbox, liaison officer.

    Set on the county (hotline, mailbox, e-mail) and on villages or groups (the liaison
    officer, 民情联络员); a card takes each value from the nearest area that has it.
    """

    area = models.OneToOneField(
        Area, verbose_name=_("area"), on_delete=models.CASCADE, related_name="contact_info"
    )
    hotline = models.CharField(_("hotline (民情电话)"), max_length=30, blank=True)
    mailbox = models.CharField(_("mailbox (民情邮箱)"), max_length=100, blank=True)
    opinion_box = models.CharField(
        _("opinion box location (民情意见箱)"), max_length=100, blank=True
    )
    liaison_officer = models.CharField(_("liaison officer (民情联络员)"), max_length=50, blank=True)
    liaison_officer_phone = models.CharField(
        _("liaison officer's phone"), max_length=20, blank=True
    )

    class Meta:
        verbose_name = _("contact information")
        verbose_name_plural = _("contact information")

    def __str__(self) -> str:
        return str(self.area)


class AccountEvent(models.Model):
    """Who created, changed, deactivated or reset which login account, and what changed.

    Written by the account services (liaison.core.accounts); never a password, not even
    hashed. `actor` is empty for the system (commands, the demo).
    """

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Changed")
        DEACTIVATED = "deactivated", _("Deactivated")
        PASSWORD_RESET = "password_reset", _("One-time password issued")
        PASSWORD_SET = "password_set", _("Password set by an administrator")
        PASSWORD_CHANGED = "password_changed", _("Password changed by the user")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        LOCKOUT_LIFTED = "lockout_lifted", _("Login lockout lifted")

    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="account_events",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    # {"role": …, "areas": [codes], "cadre": id, "is_active": …}, or for changes
    # {"field": [before, after], …}.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "-at"], name="account_event_user")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} · {self.user_id} · {self.action}"


class UserSession(models.Model):
    """A browser session of a user, so that deactivating the user can end it.

    Recorded when the user logs in (liaison.core.tokens), removed at logout. The session
    itself lives in whatever SESSION_ENGINE keeps it; this row only names its key.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="login_sessions",
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("login session")
        verbose_name_plural = _("login sessions")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created:%Y-%m-%d %H:%M}"
