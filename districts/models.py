"""Geography and the people served: areas, households, responsibility zones, access."""

from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from liaison.common.constraints import FieldConstraintsMixin, on_field
from liaison.common.dates import validate_record_date

from .fields import FlagsField
from .validators import (
    validate_area_code,
    validate_id_number,
    validate_members,
    validate_phone,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django_stubs_ext import StrOrPromise


class AreaLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")
    GROUP = "group", _("Village group")

    @classmethod
    def rank(cls, level: str) -> int:
        """Return the depth of `level`: province 0 … group 5."""
        return cls.values.index(level)

    @classmethod
    def child_of(cls, level: str) -> str | None:
        rank = cls.rank(level)
        return cls.values[rank + 1] if rank + 1 < len(cls.values) else None


# Levels whose id every household carries (DESIGN.md: rollups are plain GROUP BYs).
HOUSEHOLD_ANCESTOR_LEVELS = (
    AreaLevel.COUNTY,
    AreaLevel.TOWNSHIP,
    AreaLevel.VILLAGE,
    AreaLevel.GROUP,
)


class VillageCategory(models.TextChoices):
    """The five-links kinds of village (五挂五联). Append only: the order is the bit."""

    WEAK_INFRASTRUCTURE = "weak_infrastructure", _("Weak in basic infrastructure")
    PUBLIC_ORDER_LAGGING = "public_order_lagging", _("Behind in public order")
    ECONOMY_LAGGING = "economy_lagging", _("Behind in economic development")
    CULTURE_LAGGING = "culture_lagging", _("Behind in education and culture")
    LARGE_PRODUCER = "large_producer", _("Large producer village")


class HouseholdCategory(models.TextChoices):
    """Kinds of household the cadres pay attention to. Append only: the order is the bit."""

    EXTREME_HARDSHIP = "extreme_hardship", _("Extreme hardship")
    POOR = "poor", _("Poor")
    PROBLEM = "problem", _("Problem household")
    EDUCATION_LAGGING = "education_lagging", _("Weak in valuing education")
    LARGE_PRODUCER = "large_producer", _("Large producer")
    IN_DIFFICULTY = "in_difficulty", _("In difficulty")
    PETITIONER = "petitioner", _("Petitioner")


class AreaQuerySet(models.QuerySet["Area"]):
    def within(self, area: "Area") -> Self:
        """Return `area` and every area below it (one indexed prefix filter)."""
        return self.filter(path__startswith=area.path)

    def below(self, area: "Area") -> Self:
        """Return every area strictly below `area`."""
        return self.within(area).exclude(pk=area.pk)


class Area(models.Model):
    """An administrative area: county (县), township (乡镇), village (村委会), group (村民小组)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # "/<code>/<code>/…/": the codes from the root down to this area. Kept by services.
    path = models.CharField(_("path"), max_length=255, editable=False)
    categories = FlagsField(
        _("categories"),
        flags=VillageCategory,
        help_text=_("Five-links categories; villages only."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["path", "created_at", "updated_at"])
    # The user simple_history writes on the next history row; a service sets it before save().
    _history_user: "AbstractBaseUser | None"
    objects = AreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["path"]
        indexes = [
            # text_pattern_ops so that `path LIKE 'prefix%'` uses the index on PostgreSQL
            # whatever the database collation (ignored on SQLite).
            models.Index(fields=["path"], name="area_path_prefix", opclasses=["text_pattern_ops"]),
            models.Index(fields=["parent", "name"], name="area_parent_name"),
            models.Index(fields=["level"], name="area_level"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return AreaLevel.rank(self.level)

    @property
    def child_level(self) -> str | None:
        return AreaLevel.child_of(self.level)

    @property
    def child_level_label(self) -> "StrOrPromise":
        child = self.child_level
        return AreaLevel(child).label if child else ""

    @property
    def category_labels(self) -> list["StrOrPromise"]:
        return [VillageCategory(c).label for c in self.categories or []]

    def clean(self) -> None:
        if self.code and self.level:
            try:
                validate_area_code(self.code, self.level)
            except ValidationError as exc:
                raise ValidationError({"code": exc.messages}) from None
        if self.parent_id is not None:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("An area cannot be its own parent.")})
            if (
                self.parent is not None
                and AreaLevel.rank(self.parent.level) != AreaLevel.rank(self.level) - 1
            ):
                raise ValidationError(
                    {
                        "parent": _("The parent of a %(level)s must be a %(parent_level)s.")
                        % {
                            "level": self.get_level_display(),
                            "parent_level": AreaLevel(
                                AreaLevel.values[AreaLevel.rank(self.level) - 1]
                            ).label,
                        }
                    }
                )
        elif AreaLevel.rank(self.level) > AreaLevel.rank(AreaLevel.COUNTY):
            raise ValidationError(
                {"parent": _("A %(level)s needs a parent.") % {"level": self.get_level_display()}}
            )
        if self.categories and self.level != AreaLevel.VILLAGE:
            raise ValidationError({"categories": _("Only villages have five-links categories.")})


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MOVED_OUT = "moved_out", _("Moved out")
    DEREGISTERED = "deregistered", _("Deregistered")


# The head's name of a household whose personal data was erased (the name is required).
ERASED_NAME = "—"


class HouseholdQuerySet(models.QuerySet["Household"]):
    def in_area(self, area: Area) -> Self:
        """Return the households in `area` and below it."""
        if area.level in HOUSEHOLD_ANCESTOR_LEVELS:
            return self.filter(**{f"{area.level}_id": area.pk})
        # Above the county: the counties under it, then their households.
        counties = Area.objects.within(area).filter(level=AreaLevel.COUNTY).values("pk")
        return self.filter(county_id__in=counties)

    def active(self) -> Self:
        """Return households still registered in their group."""
        return self.filter(status=HouseholdStatus.ACTIVE)


class Household(FieldConstraintsMixin, models.Model):
    """A household (农户) registered in a village group."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    group = models.ForeignKey(
        Area,
        verbose_name=_("village group"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": AreaLevel.GROUP},
    )
    # Denormalised ancestors of `group`, kept right by districts.services.
    county = models.ForeignKey(
        Area, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+"
    )
    township = models.ForeignKey(
        Area, verbose_name=_("township"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        Area, verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    head_name = models.CharField(_("head of household"), max_length=50)
    members = models.PositiveSmallIntegerField(
        _("members"), default=1, validators=[validate_members]
    )
    id_number = models.CharField(
        _("ID number"),
        max_length=18,
        blank=True,
        validators=[validate_id_number],
        help_text=_("Resident ID number of the head of household (18 characters)."),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)
    categories = FlagsField(_("categories"), flags=HouseholdCategory)
    status = models.CharField(
        _("status"), max_length=12, choices=HouseholdStatus.choices, default=HouseholdStatus.ACTIVE
    )
    status_date = models.DateField(
        _("status date"), null=True, blank=True, validators=[validate_record_date]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])
    # The user simple_history writes on the next history row; a service sets it before save().
    _history_user: "AbstractBaseUser | None"
    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["code"]
        constraints = [
            on_field(
                "members",
                models.CheckConstraint(
                    condition=Q(members__gte=1),
                    name="household_members_positive",
                    violation_error_code="household_members_positive",
                    violation_error_message=_("A household has at least one member."),
                ),
            ),
            on_field(
                "status_date",
                models.CheckConstraint(
                    condition=Q(status=HouseholdStatus.ACTIVE) | Q(status_date__isnull=False),
                    name="household_inactive_has_date",
                    violation_error_code="household_inactive_has_date",
                    violation_error_message=_(
                        "Give the date the household moved out or was deregistered."
                    ),
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["group", "code"], name="household_group_code"),
            models.Index(fields=["head_name"], name="household_head_name"),
        ]

    def __str__(self) -> str:
        return f"{self.head_name} ({self.code})"

    @property
    def category_labels(self) -> list["StrOrPromise"]:
        return [HouseholdCategory(c).label for c in self.categories or []]

    def clean(self) -> None:
        if self.group_id and self.group.level != AreaLevel.GROUP:
            raise ValidationError({"group": _("A household belongs to a village group.")})
        if self.status != HouseholdStatus.ACTIVE and not self.status_date:
            raise ValidationError(
                {"status_date": _("Give the date the household moved out or was deregistered.")}
            )


class Zone(models.Model):
    """A responsibility zone (民情责任区) of township, village or group level."""

    class Level(models.TextChoices):
        TOWNSHIP = "township", _("Township zone")
        VILLAGE = "village", _("Village zone")
        GROUP = "group", _("Group zone")

    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    # `name` in natural order (第二 before 第十, "3组" before "10组"): liaison.common.natural.
    # Kept by the zone services, so that lists sort and paginate in the database.
    sort_key = models.CharField(_("sort key"), max_length=255, editable=False, default="")
    areas = models.ManyToManyField(
        Area, verbose_name=_("areas"), through="ZoneArea", related_name="zones"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("responsibility zone")
        verbose_name_plural = _("responsibility zones")
        ordering = ["level", "sort_key", "pk"]
        indexes = [models.Index(fields=["level", "sort_key"], name="zone_level_sort_key")]

    def __str__(self) -> str:
        return self.name


class ZoneArea(models.Model):
    """An area covered by a zone. An area is in at most one zone (zones of its own level)."""

    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, related_name="zone_areas")
    area = models.OneToOneField(Area, on_delete=models.PROTECT, related_name="zone_area")

    class Meta:
        verbose_name = _("zone area")
        verbose_name_plural = _("zone areas")

    def __str__(self) -> str:
        return f"{self.zone} · {self.area}"


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    AREA_ADMIN = "area_admin", _("Area administrator")
    ORG_DEPARTMENT = "org_department", _("Organisation department")
    CADRE = "cadre", _("Cadre")
    INSPECTOR = "inspector", _("Inspector")
    VIEWER = "viewer", _("Viewer")


# The roles of the system: the built-in ones above, and those later apps register through
# districts.access.register_role. Choices are a callable, so a new role needs no migration.
ROLES: dict[str, Any] = dict(Role.choices)


def role_choices() -> list[tuple[str, Any]]:
    """Return every registered role as (value, label) choices."""
    return list(ROLES.items())


class Jurisdiction(models.Model):
    """A user's role and the areas (with everything below them) they act within.

    It lives in `districts` rather than `liaison` because districts' own selectors scope
    by it and dependencies point one way (districts ← liaison).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="jurisdiction",
    )
    role = models.CharField(_("role"), max_length=20, choices=role_choices)
    areas = models.ManyToManyField(Area, verbose_name=_("areas"), related_name="+", blank=True)
    # Set when an administrator hands out a one-time password; cleared when the user sets
    # their own (districts.middleware sends them to the password page until then).
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("jurisdiction")
        verbose_name_plural = _("jurisdictions")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class AppendOnlyError(Exception):
    """An attempt to change or delete a row of an append-only log."""


class AppendOnlyModel(models.Model):
    """A log row that is written once: `save()` refuses an update, `delete()` refuses.

    The application has no other way to change these rows (the admin shows them read-only,
    the API only lists them); only the database's own owner could.
    """

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are never changed.")
        kwargs.pop("force_update", None)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError(f"{type(self).__name__} rows are never deleted.")


class PersonalDataAccess(AppendOnlyModel):
    """A record that a user revealed a household's ID or phone number (the reveal log)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="+"
    )
    fields = models.CharField(_("fields"), max_length=100)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-at"]
        # The rate limit counts a user's reveals of the last hour.
        indexes = [models.Index(fields=["user", "at"], name="reveal_user_at")]

    def __str__(self) -> str:
        return f"{self.user} · {self.household_id} · {self.at:%Y-%m-%d %H:%M}"


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """Rows that are only ever added: bulk updates and deletes refuse too."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError(f"{self.model.__name__} rows are never changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError(f"{self.model.__name__} rows are never deleted.")


class AuditEntry(AppendOnlyModel):
    """One line of the audit log (安全审计, 等保 2.0): sign-ins, reveals of personal data,
    downloads, permission changes, erasures. Append only.

    `area` places the entry in a jurisdiction: the household's group for a reveal, the
    smallest area holding the jurisdiction of the account concerned for the rest (the
    account changed, for permission changes), the county for an erasure; empty (seen by
    superusers only) for unknown usernames and accounts without a jurisdiction.
    """

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
        REVEAL = "reveal", _("Personal data revealed")
        EXPORT = "export", _("Download")
        PERMISSION = "permission", _("Permission change")
        ERASURE = "erasure", _("Personal data erased")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # PROTECT: an account with a history is deactivated, never deleted (a SET_NULL would
    # be an update of the log).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The name as given (a failed sign-in may name no account).
    username = models.CharField(_("username"), max_length=150, blank=True)
    area = models.ForeignKey(
        Area,
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # What happened: {"household": id, "file": name, "account": username, "changes": …}.
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["kind", "at"], name="audit_kind_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} · {self.get_kind_display()} · {self.username}"


class PrivacyPolicy(models.Model):
    """Policy: the numbers of personal-data protection (one row, edited in the admin)."""

    reveals_per_hour = models.PositiveSmallIntegerField(
        _("reveals a user may make in an hour"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
    )
    session_idle_minutes = models.PositiveSmallIntegerField(
        _("minutes of inactivity before signing out"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    retention_years = models.PositiveSmallIntegerField(
        _("years personal data is kept after a household leaves"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "After this many years since moving out or deregistration, names, ID numbers, "
            "phones and addresses are erased (the erase_personal_data command)."
        ),
    )

    class Meta:
        verbose_name = _("privacy policy")
        verbose_name_plural = _("privacy policy")

    def __str__(self) -> str:
        return str(_("Privacy policy"))

    @classmethod
    def current(cls) -> "PrivacyPolicy":
        """Return the policy row (created with the defaults the first time)."""
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class ImportJob(models.Model):
    """An uploaded import file (areas, households, or the core's departments, cadres and
    pairings) and the result of importing it. The runner finds each kind's importer in
    `liaison.common.registry` (the core registers its own kinds)."""

    class Kind(models.TextChoices):
        AREAS = "areas", _("Areas")
        HOUSEHOLDS = "households", _("Households")
        DEPARTMENTS = "departments", _("Departments")
        CADRES = "cadres", _("Cadres")
        PAIRINGS = "pairings", _("Pairings")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Rejected")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # The first errors, as [{"row": int, "column": str, "message": str}, ...].
    errors = models.JSONField(_("error report"), default=list, blank=True)
    # Households the import created, by village: {"<village id>": count}. The result page
    # links from it to assigning them a cadre.
    new_households = models.JSONField(_("new households by village"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    # Set when a run starts and as it reports progress; a running job whose heartbeat is
    # older than JOB_STALE_AFTER lost its worker (see jobs.import_jobs_reap).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # Runs started so far; a run only records its outcome while it is still the latest.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
