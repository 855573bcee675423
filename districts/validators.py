"""Validators and masks for households' personal data."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 11643-1999: weights of the first 17 digits, and the check character by remainder mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
# Mobile numbers (1[3-9]…, 11 digits) or landlines with area code (0871-1234567).
_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def id_check_character(first17: str) -> str:
    """Return the check character of the first 17 digits of a resident ID number."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(value: str) -> str:
    return value.strip().upper()


def validate_id_number(value: str) -> None:
    """Check an 18-character resident ID number. Raise ValidationError if it is not valid."""
    value = normalize_id_number(value)
    if not _ID_RE.match(value):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a digit or X."), code="id_format"
        )
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in this ID number (%(digits)s) is not a real date."),
            code="id_birth_date",
            params={"digits": value[6:14]},
        ) from None
    if born.year < 1900 or born > datetime.date.today():
        raise ValidationError(
            _("The birth date in this ID number (%(digits)s) is out of range."),
            code="id_birth_date",
            params={"digits": value[6:14]},
        )
    if id_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("This ID number's check character is wrong: please check for a typing error."),
            code="id_checksum",
        )


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s()]", "", value.strip())


def validate_phone(value: str) -> None:
    """Check a mobile (11 digits from 13…19) or landline (0xxx-xxxxxxx) number."""
    if not _PHONE_RE.match(normalize_phone(value)):
        raise ValidationError(
            _("Enter a mobile number of 11 digits or a landline with its area code."),
            code="phone_format",
        )


def mask_id_number(value: str) -> str:
    """Return `5308**********123X`: first four and last four characters only."""
    if not value:
        return ""
    return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "*" * len(value)


def mask_phone(value: str) -> str:
    """Return `138****5678`: first three and last four digits only."""
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:] if len(value) > 7 else "*" * len(value)


# Administrative division codes (GB/T 2260 and the statistical codes below it) are digits;
# village groups have no national code, so a county may number them with letters, digits
# and dashes. Nothing else: a "/" would corrupt the materialised paths.
_AREA_CODE_DIGITS = re.compile(r"^[0-9]{1,20}\Z")
_GROUP_CODE = re.compile(r"^[0-9A-Za-z-]{1,20}\Z")


def validate_area_code(code: str, level: str) -> None:
    """Check an area code's characters for its level. Raise ValidationError if wrong."""
    if level == "group":
        if not _GROUP_CODE.match(code):
            raise ValidationError(
                _("A group code has at most 20 digits, letters or dashes (-)."),
                code="area_code",
            )
    elif not _AREA_CODE_DIGITS.match(code):
        raise ValidationError(
            _("An area code has digits only (at most 20), as in the national scheme."),
            code="area_code",
        )


# A household's members: what the households import accepts, the API, the page and the model
# accept too (a number of 2147483648 is a typing error or an attack, never a household).
MEMBERS_MIN, MEMBERS_MAX = 1, 99


def members_error() -> str:
    return str(_("Members must be a whole number from 1 to 99."))


def validate_members(value: int) -> None:
    """Check a household's number of members is at most 99 (the database's constraint
    `household_members_positive` holds the 1, with its own message). Raise ValidationError
    if not."""
    if value > MEMBERS_MAX:
        raise ValidationError(members_error(), code="members_range")
