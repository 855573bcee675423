"""Database ids from untrusted input: URLs, query strings and request bodies.

Ids are 64-bit integers. A larger number cannot name a row, and handing it to the database
can fail instead of finding nothing (SQLite raises OverflowError in an IN list or a filter
on a decimal; PostgreSQL refuses it for a bigint column): these helpers stop such numbers at
the edge, as a 400 or a 404.
"""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.urls import register_converter
from django.urls.converters import get_converters
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1
MIN_ID = -(2**63)


def is_id(value: Any) -> bool:
    """Return whether `value` is an int (not a bool) that fits a database id column."""
    return isinstance(value, int) and not isinstance(value, bool) and MIN_ID <= value <= MAX_ID


def ids_in_range(values: Iterable[Any]) -> set[int]:
    """Return the values that can be ids (the others name no row)."""
    return {v for v in values if is_id(v)}


def parse_id(value: str) -> int | None:
    """Return the id a query-string or form value names: NO_ROW for a number too large to be
    one; None for anything but ASCII digits ("", "-1", "²" and "١" among them: `int()` takes
    some and refuses others, where `str.isdigit` says yes to all but the first two)."""
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if number <= MAX_ID else NO_ROW


class IdFormField(forms.IntegerField):
    """A form field (and so a query-string filter) for an id: a whole number of 64 bits."""

    default_error_messages = {
        "max_value": _("No such id: the number is too large."),
        "min_value": _("No such id: the number is too small."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", MIN_ID)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


# No row has id 0 (ids count from 1): a number too large for an id is looked up as 0, so
# the view answers exactly as it does for any other missing id (the API with its JSON 404).
NO_ROW = 0


class IdConverter:
    """`<id:pk>` in a URL: a whole number; one beyond 64 bits names no row (NO_ROW)."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else NO_ROW

    def to_url(self, value: int | str) -> str:
        return str(value)


def register_id_converter() -> None:
    """Make `<id:…>` available to URL patterns; each app's urls.py calls this (idempotent)."""
    if "id" not in get_converters():
        register_converter(IdConverter, "id")
