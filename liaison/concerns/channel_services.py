"""Writes of the channels: liaison officers' concerns and daily reports, opinion boxes and
their openings. Every concern goes through `services.concern_create`."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from districts.access import Actor, require, scope_for, user_of
from districts.models import Area, AreaLevel, Household

from . import access
from .models import BoxOpening, Category, Channel, Concern, OfficerReport, OpinionBox
from .services import PLACE_LEVELS, concern_create


def received_at_of(day: datetime.date) -> datetime.datetime:
    """The time a slip found on `day` is taken as received: now for today, else noon."""
    if day == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


# Liaison officers ------------------------------------------------------------------------


def officer_village(user: Actor) -> Area | None:
    """The village a liaison officer serves: the village of their jurisdiction (or the
    village above a group), None if they have none."""
    scope = scope_for(user)
    if scope.role != access.LIAISON_OFFICER:
        return None
    for root in scope.roots:
        if root.level == AreaLevel.VILLAGE:
            return root
        if root.level == AreaLevel.GROUP and root.parent is not None:
            return root.parent
    return None


def _officer_report_touch(by: Actor, village: Area, day: datetime.date) -> OfficerReport:
    """Record that the officer reported on `day` by submitting a concern (not a zero report)."""
    officer = user_of(by)
    report = OfficerReport.objects.select_for_update().filter(officer=officer, date=day).first()
    if report is None:
        return OfficerReport.objects.create(officer=officer, village=village, date=day, zero=False)
    if report.zero:
        report.zero = False
        report.save(update_fields=["zero"])
    return report


@transaction.atomic
def officer_concern_create(
    *,
    by: Actor,
    kind: str,
    category: Category,
    description: str,
    area: Area | None = None,
    household: Household | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> Concern:
    """A liaison officer submits a concern for a household (or a group) of their village;
    it counts as today's report."""
    require(by, "report_as_officer")
    village = officer_village(by)
    if village is None:
        raise PermissionDenied(_("Your account is not linked to a village."))
    place = area if area is not None else (household.group if household is not None else None)
    if place is not None and not place.path.startswith(village.path):
        raise ValidationError({"area": _("Choose a place of your own village.")})
    concern = concern_create(
        by=by,
        channel=Channel.LIAISON_OFFICER,
        kind=kind,
        category=category,
        description=description,
        area=area,
        household=household,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        attachments=attachments,
    )
    _officer_report_touch(by, village, timezone.localdate())
    return concern


@transaction.atomic
def officer_report_record(
    *, by: Actor, zero: bool, note: str = "", day: datetime.date | None = None
) -> OfficerReport:
    """Record the officer's report of the day (today by default): a zero report (零报告)
    when nothing happened, or a note. A zero report after concerns were submitted that day
    is refused; a second report of the day replaces the note."""
    require(by, "report_as_officer")
    village = officer_village(by)
    if village is None:
        raise PermissionDenied(_("Your account is not linked to a village."))
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ValidationError({"date": _("A report cannot be for a day to come.")})
    note = note.strip()
    if len(note) > 500:
        raise ValidationError({"note": _("At most 500 characters.")})
    officer = user_of(by)
    report = OfficerReport.objects.select_for_update().filter(officer=officer, date=day).first()
    submitted = Concern.objects.filter(
        created_by=user_of(by),
        channel=Channel.LIAISON_OFFICER,
        received_at__date=day,
    ).exists()
    something = submitted or (report is not None and not report.zero)
    if zero and something:
        raise ValidationError(
            _("You submitted concerns that day: it is not a zero report. Add a note instead.")
        )
    if not zero and not something and report is None:
        raise ValidationError(_("Nothing reported yet: submit a concern, or send a zero report."))
    if report is None:
        report = OfficerReport(officer=officer, village=village, date=day)
    report.zero = not something
    report.note = note
    report.full_clean(exclude=["officer", "village"])
    report.save()
    return report


# Opinion boxes ---------------------------------------------------------------------------


@transaction.atomic
def opinion_box_create(
    *, by: Actor, area: Area, location: str, keyholder: str, keyholder_phone: str = ""
) -> OpinionBox:
    """Register an opinion box in a village or group of the jurisdiction."""
    require(by, "view_areas", area)
    require(by, "manage_opinion_boxes")
    errors: dict[str, str] = {}
    if area.level not in PLACE_LEVELS:
        errors["area"] = _("An opinion box stands in a village or a group.")
    if not location.strip():
        errors["location"] = _("Say where the box stands.")
    if not keyholder.strip():
        errors["keyholder"] = _("Name the keyholder.")
    if errors:
        raise ValidationError(errors)
    box = OpinionBox(
        area=area,
        location=location.strip(),
        keyholder=keyholder.strip(),
        keyholder_phone=keyholder_phone.strip(),
    )
    require(by, "manage_opinion_boxes", box)
    box.full_clean()
    box.save()
    return box


@transaction.atomic
def box_opening_record(
    *,
    box: OpinionBox,
    opened_on: datetime.date,
    opened_by: str,
    slips: list[dict[str, Any]],
    by: Actor,
    count: int | None = None,
    note: str = "",
) -> BoxOpening:
    """Record an opening of `box` and enter each slip as a concern (channel opinion_box),
    all or nothing.

    Each slip is a dict of `concern_create`'s arguments: `kind`, `category`, `description`,
    and optionally `area` (default: the box's place), `household`, `reporter_name`,
    `reporter_phone`, `attachments` (the photo of the slip). `count`, the slips found, must
    equal the slips entered when given. Raise ValidationError keyed by field, with the
    slip's errors under `slips` as "slip N: …".
    """
    require(by, "manage_opinion_boxes", box)
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    if opened_on > today:
        errors["opened_on"] = [_("An opening cannot be in the future.")]
    if not opened_by.strip():
        errors["opened_by"] = [_("Say who opened the box.")]
    if count is not None and count != len(slips):
        errors["slips"] = [
            _(
                "%(count)d slips were found but %(entered)d entered: enter every slip "
                "(or correct the number found)."
            )
            % {"count": count, "entered": len(slips)}
        ]
    if not box.active:
        errors["box"] = [_("This box is no longer in use.")]
    if errors:
        raise ValidationError(errors)
    opening = BoxOpening(
        box=box,
        opened_on=opened_on,
        opened_by=opened_by.strip(),
        slips=len(slips),
        note=note.strip(),
        recorded_by=user_of(by),
    )
    opening.full_clean(exclude=["box", "recorded_by"])
    opening.save()
    received = received_at_of(opened_on)
    for number, slip in enumerate(slips, start=1):
        fields = dict(slip)
        if fields.get("household") is None:
            fields.setdefault("area", box.area)
        try:
            concern_create(
                by=by,
                channel=Channel.OPINION_BOX,
                received_at=received,
                box_opening=opening,
                **fields,
            )
        except ValidationError as exc:
            messages = (
                [m for ms in exc.message_dict.values() for m in ms]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            slip_errors = [_("Slip %(n)d: %(error)s") % {"n": number, "error": m} for m in messages]
            raise ValidationError({"slips": slip_errors}) from exc
    return opening
