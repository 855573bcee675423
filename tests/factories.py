"""factory-boy factories: one for every model of districts, liaison.core and dutydays.

Each factory called without arguments builds a valid row (it passes `full_clean()`):
areas get codes of the national scheme and paths from their parents, households take their
ancestor ids from the group's parent links, dated rows have their dates in order.
tests/test_conventions.py checks that every model has its factory.
"""

import datetime
import itertools
import random
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from districts.demo import synthetic_id_number
from districts.models import (
    Area,
    AreaLevel,
    AuditEntry,
    Household,
    ImportJob,
    Jurisdiction,
    PersonalDataAccess,
    PrivacyPolicy,
    Role,
    Zone,
    ZoneArea,
)
from dutydays.models import (
    DutyDay,
    DutyPhoto,
    DutyQuota,
    DutySettings,
    Leave,
    MonthlyCompliance,
)
from liaison.common.natural import natural_key
from liaison.concerns.models import (
    BoxOpening,
    Category,
    Concern,
    ConcernAttachment,
    ConcernEvent,
    ConcernPolicy,
    ConcernStats,
    ConcernStatsJob,
    ContactCard,
    MailIntake,
    Notification,
    OfficerReport,
    Open311Key,
    OpinionBox,
    PublicPolicy,
    QuarantinedMail,
    TrackingSequence,
    WorkdayOverride,
)
from liaison.core.models import (
    AccountEvent,
    Cadre,
    ContactInfo,
    CoverageJob,
    CoverageSnapshot,
    Department,
    DepartmentKind,
    DepartmentVillageLink,
    FiveLinksRule,
    Pairing,
    Rank,
    UserSession,
    ZoneLeadership,
)

M = TypeVar("M")


if TYPE_CHECKING:

    class ModelFactory(factory.django.DjangoModelFactory[M]):
        """What `XFactory(...)` returns: factory-boy's metaclass makes the call create an `M`.

        The ignore: a type checker only lets `__new__` return the class itself, and the
        metaclass `__call__` that really answers is not annotated.
        """

        def __new__(cls, *args: Any, **kwargs: Any) -> M: ...  # type: ignore[misc]

else:
    ModelFactory = factory.django.DjangoModelFactory


# A date in the past for rows that need one, so that "not in the future" rules hold.
START = datetime.date(2026, 1, 1)

_codes = itertools.count(1)


def area_code(level: str, parent: Area | None) -> str:
    """Return a fresh code of the national scheme for an area of `level` under `parent`.

    Province 2 digits + "0000", prefecture 4 + "00", county 6, township 9, village 12,
    group 15; each begins with its parent's significant digits. Generated parts stay in the
    upper half of their range (50–99, 500–999), so they never meet the hand-written codes of
    the tests (530827, 530827100, ...); a county without a parent gets the unused prefix 69.
    """
    n = next(_codes)
    if level == AreaLevel.PROVINCE:
        return f"{70 + n % 30:02d}0000"
    if parent is None:
        return f"69{n % 10000:04d}"
    if level == AreaLevel.PREFECTURE:
        return f"{parent.code[:2]}{50 + n % 50:02d}00"
    if level == AreaLevel.COUNTY:
        return f"{parent.code[:4]}{50 + n % 50:02d}"
    return f"{parent.code}{500 + n % 500:03d}"


class AreaFactory(ModelFactory[Area]):
    """An area; by default a county at the root, else the level below `parent`."""

    class Meta:
        model = Area

    parent: Any = None
    level: Any = factory.LazyAttribute(
        lambda o: AreaLevel.child_of(o.parent.level) if o.parent else AreaLevel.COUNTY
    )
    code = factory.LazyAttribute(lambda o: area_code(o.level, o.parent))
    name = factory.Sequence(lambda n: f"地区{n}")
    path = factory.LazyAttribute(lambda o: f"{o.parent.path if o.parent else '/'}{o.code}/")
    categories = factory.LazyFunction(list)


class TownshipFactory(AreaFactory):
    parent = factory.SubFactory(AreaFactory)
    level = AreaLevel.TOWNSHIP


class VillageFactory(AreaFactory):
    parent = factory.SubFactory(TownshipFactory)
    level = AreaLevel.VILLAGE


class GroupFactory(AreaFactory):
    parent = factory.SubFactory(VillageFactory)
    level = AreaLevel.GROUP


class HouseholdFactory(ModelFactory[Household]):
    """A household in `group` (a new county → township → village → group by default)."""

    class Meta:
        model = Household

    group = factory.SubFactory(GroupFactory)
    # Ancestors from the parent links, never from the path or the code.
    village = factory.LazyAttribute(lambda o: o.group.parent)
    township = factory.LazyAttribute(lambda o: o.group.parent.parent)
    county = factory.LazyAttribute(lambda o: o.group.parent.parent.parent)
    code = factory.LazyAttribute(lambda o: f"{o.group.code}{next(_codes) % 10000:04d}")
    head_name = factory.Sequence(lambda n: f"户主{n}")
    members = 3
    id_number = factory.Sequence(lambda n: synthetic_id_number(random.Random(n)))
    phone = factory.Sequence(lambda n: f"1390000{n % 10000:04d}")
    address = "一组"
    categories = factory.LazyFunction(list)


class ZoneFactory(ModelFactory[Zone]):
    """A zone; `ZoneFactory(areas=[group])` also puts the areas in it."""

    class Meta:
        model = Zone
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"责任区{n}")
    level = Zone.Level.GROUP
    sort_key = factory.LazyAttribute(lambda o: natural_key(o.name))  # as the services keep it

    areas = factory.PostGeneration(
        lambda zone, create, extracted, **_: _zone_areas(zone, extracted)
    )


class ZoneAreaFactory(ModelFactory[ZoneArea]):
    class Meta:
        model = ZoneArea

    zone = factory.SubFactory(ZoneFactory)
    area = factory.SubFactory(GroupFactory)


class UserFactory(ModelFactory[User]):
    """A user whose password is "pw-secret-123"."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-secret-123")


class JurisdictionFactory(ModelFactory[Jurisdiction]):
    """A jurisdiction; `JurisdictionFactory(areas=[...])` sets its areas."""

    class Meta:
        model = Jurisdiction
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER

    areas = factory.PostGeneration(
        lambda jurisdiction, create, extracted, **_: jurisdiction.areas.set(extracted or ())
    )


def user_with_role(role: str, *areas: Area, **kwargs: Any) -> User:
    """Return a user whose jurisdiction is `areas` with `role`."""
    user = UserFactory(**kwargs)
    JurisdictionFactory(user=user, role=role, areas=areas)
    return user


class AccountEventFactory(ModelFactory[AccountEvent]):
    """The record of an account created by an administrator, as `user_create` writes it."""

    class Meta:
        model = AccountEvent

    actor = factory.SubFactory(UserFactory)
    user = factory.SubFactory(UserFactory)
    action = AccountEvent.Action.CREATED
    details = factory.LazyFunction(
        lambda: {"role": Role.VIEWER, "areas": [], "cadre": None, "one_time_password": True}
    )


class UserSessionFactory(ModelFactory[UserSession]):
    """A browser session's key, as a login records it."""

    class Meta:
        model = UserSession

    user = factory.SubFactory(UserFactory)
    session_key = factory.Sequence(lambda n: f"session{n:033d}")


class PersonalDataAccessFactory(ModelFactory[PersonalDataAccess]):
    class Meta:
        model = PersonalDataAccess

    user = factory.SubFactory(UserFactory)
    household = factory.SubFactory(HouseholdFactory)
    fields = "id_number,phone"
    reason = "回访"
    ip_address = "127.0.0.1"


class AuditEntryFactory(ModelFactory[AuditEntry]):
    """A sign-in of a user, placed in a group (as the audit receivers write it)."""

    class Meta:
        model = AuditEntry

    kind = AuditEntry.Kind.SIGN_IN
    user = factory.SubFactory(UserFactory)
    username = factory.LazyAttribute(lambda e: e.user.username if e.user else "")
    area = factory.SubFactory(GroupFactory)
    ip_address = "127.0.0.1"
    details = factory.LazyFunction(dict)


class PrivacyPolicyFactory(ModelFactory[PrivacyPolicy]):
    """The one privacy policy row (pk 1); `PrivacyPolicyFactory(reveals_per_hour=3)` sets
    the numbers given on the row that is there."""

    class Meta:
        model = PrivacyPolicy
        django_get_or_create = ("id",)

    id = 1
    reveals_per_hour = 30
    session_idle_minutes = 30
    retention_years = 5

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> PrivacyPolicy:
        policy, _created = model_class.objects.update_or_create(
            pk=kwargs.pop("id"), defaults=kwargs
        )
        return policy


class ImportJobFactory(ModelFactory[ImportJob]):
    class Meta:
        model = ImportJob

    kind = ImportJob.Kind.HOUSEHOLDS
    file = "imports/households.csv"
    original_name = "households.csv"
    created_by = factory.SubFactory(UserFactory)


class DepartmentFactory(ModelFactory[Department]):
    """A department of `area` (a new county by default); its level is the area's."""

    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")
    area = factory.SubFactory(AreaFactory)
    level = factory.LazyAttribute(lambda o: o.area.level)
    kind = DepartmentKind.ECONOMIC


class CadreFactory(ModelFactory[Cadre]):
    """A cadre serving in their department's area."""

    class Meta:
        model = Cadre

    name = factory.Sequence(lambda n: f"干部{n}")
    gender = Cadre.Gender.MALE
    department = factory.SubFactory(DepartmentFactory)
    rank = Rank.ORDINARY
    phone = factory.Sequence(lambda n: f"1390001{n % 10000:04d}")
    area = factory.LazyAttribute(lambda o: o.department.area)


class PairingFactory(ModelFactory[Pairing]):
    """A pairing of a cadre with a household of the cadre's area."""

    class Meta:
        model = Pairing

    cadre = factory.SubFactory(CadreFactory)
    household = factory.LazyAttribute(lambda o: household_below(o.cadre.area))
    start_date = START


class ZoneLeadershipFactory(ModelFactory[ZoneLeadership]):
    class Meta:
        model = ZoneLeadership

    cadre = factory.SubFactory(CadreFactory)
    zone = factory.LazyAttribute(lambda o: ZoneFactory(areas=[area_below(o.cadre.area)]))
    start_date = START


class DepartmentVillageLinkFactory(ModelFactory[DepartmentVillageLink]):
    """A link of a department with a village of the department's area."""

    class Meta:
        model = DepartmentVillageLink

    department = factory.SubFactory(DepartmentFactory)
    village = factory.LazyAttribute(
        lambda o: area_below(o.department.area, level=AreaLevel.VILLAGE)
    )
    start_date = START


class FiveLinksRuleFactory(ModelFactory[FiveLinksRule]):
    """A five-links rule; the migrations hold one per kind but "other", so this reuses rows."""

    class Meta:
        model = FiveLinksRule
        django_get_or_create = ("department_kind",)

    department_kind = DepartmentKind.OTHER
    village_category = ""
    household_category = ""


class CoverageSnapshotFactory(ModelFactory[CoverageSnapshot]):
    class Meta:
        model = CoverageSnapshot

    area = factory.SubFactory(AreaFactory)
    as_of = START
    computed_at = factory.LazyFunction(timezone.now)
    households = 10
    covered_households = 9
    cadres = 4
    cadres_with_households = 3
    zones = 2
    zones_with_leader = 1


class CoverageJobFactory(ModelFactory[CoverageJob]):
    class Meta:
        model = CoverageJob

    as_of = START
    requested_by = factory.SubFactory(UserFactory)


class ContactInfoFactory(ModelFactory[ContactInfo]):
    class Meta:
        model = ContactInfo

    area = factory.SubFactory(AreaFactory)
    hotline = "0879-8722110"
    mailbox = "mlmq@example.cn"
    liaison_officer = "岩保"
    liaison_officer_phone = "13900009999"


# A diary long enough for a day without households (DutySettings.min_diary_length, 20).
DUTY_DIARY = "在组上开了院坝会，听取了群众对修路和饮水的意见。"


class DutyDayFactory(ModelFactory[DutyDay]):
    """A duty day of a cadre in a group of the cadre's area."""

    class Meta:
        model = DutyDay

    cadre = factory.SubFactory(CadreFactory)
    date = START
    area = factory.LazyAttribute(lambda o: area_below(o.cadre.area))
    activities = factory.LazyFunction(lambda: ["talked_with_cadres"])
    diary = DUTY_DIARY
    in_zone = True


class DutyPhotoFactory(ModelFactory[DutyPhoto]):
    class Meta:
        model = DutyPhoto

    duty_day = factory.SubFactory(DutyDayFactory)
    image = factory.django.ImageField(filename="photo.png", format="PNG", width=8, height=8)


class DutyQuotaFactory(ModelFactory[DutyQuota]):
    """A quota row; the migrations hold some ranks already, so this reuses rows."""

    class Meta:
        model = DutyQuota
        django_get_or_create = ("rank",)

    rank = Rank.COUNTY_LEADER
    days_per_month = 5


class DutySettingsFactory(ModelFactory[DutySettings]):
    """The one settings row (pk 1)."""

    class Meta:
        model = DutySettings
        django_get_or_create = ("id",)

    id = 1
    edit_days = 7


class LeaveFactory(ModelFactory[Leave]):
    class Meta:
        model = Leave

    cadre = factory.SubFactory(CadreFactory)
    start_date = START
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=9))
    reason = "病假"


class MonthlyComplianceFactory(ModelFactory[MonthlyCompliance]):
    class Meta:
        model = MonthlyCompliance

    cadre = factory.SubFactory(CadreFactory)
    month = START
    days_counted = 5
    days_other = 1
    days_required = 5
    met = factory.LazyAttribute(lambda o: o.days_counted >= o.days_required)
    households_visited = 3
    special_households_visited = 1
    computed_at = factory.LazyFunction(timezone.now)


# Concerns


class CategoryFactory(ModelFactory[Category]):
    class Meta:
        model = Category

    code = factory.Sequence(lambda n: f"test_category_{n}")
    name = factory.Sequence(lambda n: f"类别{n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class ConcernPolicyFactory(ModelFactory[ConcernPolicy]):
    """The one row of concern deadlines (the services create it on first use)."""

    class Meta:
        model = ConcernPolicy
        django_get_or_create = ("id",)

    id = 1


class PublicPolicyFactory(ModelFactory[PublicPolicy]):
    """The one row of the public side's limits and switches (created on first use)."""

    class Meta:
        model = PublicPolicy
        django_get_or_create = ("id",)

    id = 1


class ContactCardFactory(ModelFactory[ContactCard]):
    class Meta:
        model = ContactCard

    household = factory.SubFactory(HouseholdFactory)
    code = factory.Sequence(lambda n: f"T{n:06d}")


class WorkdayOverrideFactory(ModelFactory[WorkdayOverride]):
    class Meta:
        model = WorkdayOverride

    date = factory.Sequence(lambda n: datetime.date(2099, 1, 1) + datetime.timedelta(days=n))
    is_working_day = False
    note = "假日"


class TrackingSequenceFactory(ModelFactory[TrackingSequence]):
    class Meta:
        model = TrackingSequence

    prefix = factory.Sequence(lambda n: f"5308{n:02d}-2026")
    last = 0


class ConcernFactory(ModelFactory[Concern]):
    """A concern as the service would record it: in a group, routed to nobody."""

    class Meta:
        model = Concern

    tracking_number = factory.Sequence(lambda n: f"530827-2026-{n + 900000:06d}")
    channel = "hotline"
    kind = "help"
    category = factory.LazyFunction(lambda: Category.objects.get(code="other"))
    area = factory.LazyFunction(lambda: HouseholdFactory().group)
    township = factory.LazyAttribute(lambda o: o.area.parent.parent)
    village = factory.LazyAttribute(lambda o: o.area.parent)
    description = "村里的路灯坏了"
    received_at = factory.LazyFunction(timezone.now)
    state = "received"
    deadline_days = 3
    ack_due = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=1))
    due = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=5))


class MailIntakeFactory(ModelFactory[MailIntake]):
    """A mailbox address whose mail without a place goes to a group."""

    class Meta:
        model = MailIntake

    address = factory.Sequence(lambda n: f"mlmq{n}@example.cn")
    default_area = factory.LazyFunction(lambda: HouseholdFactory().group)
    category = factory.LazyFunction(lambda: Category.objects.get(code="other"))


class QuarantinedMailFactory(ModelFactory[QuarantinedMail]):
    """A message the mailbox held (an auto-reply)."""

    class Meta:
        model = QuarantinedMail

    received_at = factory.LazyFunction(timezone.now)
    sender = "someone@example.cn"
    recipients = "mlmq@example.cn"
    reason = QuarantinedMail.Reason.AUTO_REPLY
    fate = QuarantinedMail.Fate.HELD
    smtp_reply = "250 2.0.0 Held: automatic mail"
    raw = b"Auto-Submitted: auto-replied\r\nSubject: away\r\n\r\naway\r\n"
    size = 58


class ConcernStatsFactory(ModelFactory[ConcernStats]):
    """A statistics row of a county (all channels and categories)."""

    class Meta:
        model = ConcernStats

    area = factory.LazyFunction(lambda: HouseholdFactory().county)
    month = START
    received = 10
    resolved = 8
    resolved_on_time = 7
    open_overdue = 1
    median_days_to_resolve = 2.0
    computed_at = factory.LazyFunction(timezone.now)


class ConcernStatsJobFactory(ModelFactory[ConcernStatsJob]):
    class Meta:
        model = ConcernStatsJob

    first_month = START
    last_month = START


class ConcernEventFactory(ModelFactory[ConcernEvent]):
    class Meta:
        model = ConcernEvent

    concern = factory.SubFactory(ConcernFactory)
    at = factory.LazyFunction(timezone.now)
    action = "create"
    to_state = "received"


class ConcernAttachmentFactory(ModelFactory[ConcernAttachment]):
    class Meta:
        model = ConcernAttachment

    concern = factory.SubFactory(ConcernFactory)
    file = factory.django.FileField(filename="slip.pdf", data=b"%PDF-1.4 test")
    name = "slip.pdf"


class NotificationFactory(ModelFactory[Notification]):
    class Meta:
        model = Notification

    user = factory.SubFactory(UserFactory)
    concern = factory.SubFactory(ConcernFactory)
    kind = "assigned"


class OpinionBoxFactory(ModelFactory[OpinionBox]):
    class Meta:
        model = OpinionBox

    area = factory.LazyFunction(lambda: HouseholdFactory().village)
    location = "村委会门口"
    keyholder = "李文"


class BoxOpeningFactory(ModelFactory[BoxOpening]):
    class Meta:
        model = BoxOpening

    box = factory.SubFactory(OpinionBoxFactory)
    opened_on = START
    opened_by = "李文"
    slips = 2


class OfficerReportFactory(ModelFactory[OfficerReport]):
    class Meta:
        model = OfficerReport

    officer = factory.SubFactory(UserFactory)
    village = factory.LazyFunction(lambda: HouseholdFactory().village)
    date = factory.Sequence(lambda n: START + datetime.timedelta(days=n))
    zero = True


class Open311KeyFactory(ModelFactory[Open311Key]):
    """An Open311 client's key (the hash of a random key, as `open311.key_issue` stores it)."""

    class Meta:
        model = Open311Key

    name = factory.Sequence(lambda n: f"12345平台{n}")
    key_hash = factory.Sequence(lambda n: f"{n:064x}")
    area = factory.SubFactory(TownshipFactory)


def _zone_areas(zone: Zone, areas: Iterable[Area] | None) -> None:
    for area in areas or ():
        ZoneArea.objects.create(zone=zone, area=area)


def area_below(area: Area, level: str = AreaLevel.GROUP) -> Area:
    """Return a new area of `level` under `area` (`area` itself if it is of that level)."""
    while AreaLevel.rank(area.level) < AreaLevel.rank(level):
        area = AreaFactory(parent=area)
    return area


def household_below(area: Area) -> Household:
    """Return a new household in a new group under `area` (or in `area` if it is a group)."""
    return HouseholdFactory(group=area_below(area))
