"""The dates and months the system records and computes for: one range, checked everywhere.

Statistics (coverage snapshots, monthly compliance), duty days and households' status dates
lie between EARLIEST and today. A date outside it is a typing error or an attack: a snapshot
dated 9999-12-31 would become everyone's "latest", a month 9999-12 overflows the month
arithmetic of the task that computes it. Services check with `check_date` / `check_month`
(ValidationError keyed by the field); model fields use `validate_record_date`; pages and the
API parse months with `parse_month`, so that every entry point gives the same message.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST = datetime.date(2000, 1, 1)


def date_error(value: datetime.date, *, today: datetime.date | None = None) -> str | None:
    """Return why `value` is outside EARLIEST … today, or None when it is inside."""
    today = today or timezone.localdate()
    if EARLIEST <= value <= today:
        return None
    return _("Give a date from %(earliest)s to today (%(today)s).") % {
        "earliest": EARLIEST.isoformat(),
        "today": today.isoformat(),
    }


def check_date(value: datetime.date, *, field: str) -> None:
    """Raise ValidationError keyed by `field` if `value` is outside EARLIEST … today."""
    message = date_error(value)
    if message is not None:
        raise ValidationError({field: ValidationError(message, code="date_range")})


def validate_record_date(value: datetime.date) -> None:
    """Model field validator: a date from EARLIEST to today. Raise ValidationError if not."""
    message = date_error(value)
    if message is not None:
        raise ValidationError(message, code="date_range")


def month_error(month: datetime.date, *, today: datetime.date | None = None) -> str | None:
    """Return why the month of `month` is outside EARLIEST's month … this month, or None."""
    today = today or timezone.localdate()
    if EARLIEST.replace(day=1) <= month.replace(day=1) <= today.replace(day=1):
        return None
    return _("Give a month from %(earliest)s to this month (%(this)s).") % {
        "earliest": f"{EARLIEST:%Y-%m}",
        "this": f"{today:%Y-%m}",
    }


def check_month(month: datetime.date, *, field: str = "month") -> None:
    """Raise ValidationError keyed by `field` if `month` is outside the months recorded."""
    message = month_error(month)
    if message is not None:
        raise ValidationError({field: ValidationError(message, code="month_range")})


def month_from_text(value: str | None) -> datetime.date | None:
    """Return the first day of a month written YYYY-MM (any year from 0001), or None."""
    text = (value or "").strip()
    if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
        try:
            return datetime.date(int(text[:4]), int(text[5:]), 1)
        except ValueError:  # year 0000, month 13
            return None
    return None


def parse_month(value: str | None, *, field: str = "month") -> datetime.date:
    """Return the first day of a month written YYYY-MM, inside the months recorded.

    Raise ValidationError keyed by `field` for another form or a month out of range.
    """
    month = month_from_text(value)
    if month is None:
        raise ValidationError(
            {field: ValidationError(_("Give the month as YYYY-MM."), code="month_format")}
        )
    check_month(month, field=field)
    return month
