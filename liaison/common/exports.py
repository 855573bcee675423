"""Files people download: CSV and XLSX responses, the one way every export is written.

- CSV in UTF-8 with a byte-order mark: Excel (the spreadsheet officials open it in) reads a
  CSV without one as the system's code page and garbles Chinese.
- File names in the reader's language: a plain ASCII `filename` for old clients and the
  real name as `filename*` (RFC 5987/6266), so "覆盖率-娜允镇.xlsx" arrives as written.
- Formula injection: a text cell starting with = + - @ (or a tab or carriage return) is
  prefixed with a quote, so a household named "=HYPERLINK(…)" stays text in the sheet.

A table is described once by its `Column`s: a code (the API's header, stable for other
systems) and a label (the header people read), with a value for each form.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.db.models import TextChoices
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import register_converter
from django.urls.converters import get_converters
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.request import Request

from .registry import publish

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CSV, XLSX = "csv", "xlsx"
FORMATS = (CSV, XLSX)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# What a spreadsheet reads as the start of a formula (OWASP: CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters an XLSX cell cannot hold (XML 1.0 forbids them); openpyxl refuses them.
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Joins the labels of a list (categories, activities) in a cell, as Chinese lists are written.
LIST_SEPARATOR = "、"
EXCEL_SHEET_TITLE = 31  # characters
# Cell values written as they are: a spreadsheet reads them as numbers, dates or booleans,
# never as a formula (a negative number stays a number).
_KEPT_TYPES = (bool, int, float, Decimal, date)


@dataclass(frozen=True)
class Column[T]:
    """One column of an export: `code` and `value` for systems, `label` and `display` (the
    value as people read it: labels of choices, 是/否) for people."""

    code: str
    label: "StrOrPromise"
    value: Callable[[T], Any]
    display: Callable[[T], Any] | None = None

    def cell(self, obj: T, *, labels: bool) -> Any:
        if labels and self.display is not None:
            return self.display(obj)
        return self.value(obj)


@dataclass
class Sheet:
    """A table to write: headers and rows (any iterable, read once)."""

    title: "StrOrPromise"
    headers: Sequence[Any]
    rows: Iterable[Sequence[Any]]


def table[T](
    title: "StrOrPromise", columns: Sequence[Column[T]], objects: Iterable[T], *, labels: bool
) -> Sheet:
    """Return a sheet of `objects` in `columns`: code headers and values, or (`labels`) the
    translated headers and values people read."""
    headers = [str(c.label) if labels else c.code for c in columns]
    rows = ([c.cell(obj, labels=labels) for c in columns] for obj in objects)
    return Sheet(title, headers, rows)


# Values as people read them ----------------------------------------------------------------


def yes_no(value: bool | None) -> str:
    """Return 是 / 否 (in the reader's language); empty for an unknown value."""
    if value is None:
        return ""
    return _("yes") if value else _("no")


def choice_label(choices: type[TextChoices], value: str) -> str:
    """Return the label of `value` in `choices` (the code itself if it is not one)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def choice_labels(choices: type[TextChoices], values: Iterable[str]) -> str:
    """Return the labels of several codes (categories, activities) in one cell."""
    return LIST_SEPARATOR.join(choice_label(choices, v) for v in values or [])


def local_time(value: datetime | None) -> str:
    """Return an aware time as the reader's local "YYYY-MM-DD HH:MM" (empty for None)."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


# Cells -------------------------------------------------------------------------------------


def guard(value: Any) -> Any:
    """Return `value` safe for a spreadsheet cell: text that a spreadsheet would run as a
    formula gets a leading quote. Numbers, dates, booleans and None pass unchanged; anything
    else (a lazy translation, a model instance, a choice) is written as its text, guarded."""
    if value is None or isinstance(value, _KEPT_TYPES):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _xlsx_value(value: Any) -> Any:
    value = guard(value)
    if isinstance(value, str):
        return _ILLEGAL_XLSX.sub("", value)
    if isinstance(value, datetime):
        # Excel has no time zones: write the reader's local time.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


# File names --------------------------------------------------------------------------------

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|;]+')
_NOT_ASCII_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, *, limit: int = 120) -> str:
    """Return `name` usable as a file name on every system: no path separators, quotes,
    control characters or leading dots; at most `limit` characters, keeping the suffix."""
    name = unicodedata.normalize("NFC", _UNSAFE_NAME.sub("_", name)).strip()
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem.lstrip(".")[: limit - len(suffix) - 1].strip() or "export"
    return f"{stem}.{suffix}" if suffix else stem


def content_disposition(filename: str) -> str:
    """Return an attachment header carrying `filename` safely, in any script (RFC 6266:
    an ASCII `filename` and, for other names, the UTF-8 `filename*` of RFC 5987)."""
    name = safe_filename(filename)
    if _NOT_ASCII_NAME.search(name) is None:
        return f'attachment; filename="{name}"'
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    ascii_stem = re.sub(r"[-_]{2,}", "-", _NOT_ASCII_NAME.sub("_", ascii_stem)).strip("-_.")
    fallback = f"{ascii_stem or 'export'}.{suffix}" if suffix else ascii_stem or "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


# Responses ---------------------------------------------------------------------------------


# Published (liaison.common.registry) for every download written for a request, with
# `request`, `fmt` and `filename`: districts records it in the audit log.
EXPORTED = "exported"


def export_response(
    fmt: str, filename: str, sheets: Sequence[Sheet], *, request: HttpRequest | Request | None
) -> HttpResponse:
    """Return `sheets` as a download: a CSV of the first sheet, or an XLSX of all of them.

    `filename` is given without suffix. `request` is the request the file answers (its
    user and address go to the audit log); None only for files written outside a request.
    Raise Http404 for another format.
    """
    if fmt == CSV:
        content = _csv_bytes(sheets[0])
    elif fmt == XLSX:
        content = _xlsx_bytes(sheets)
    else:
        raise Http404(_("Files are exported as CSV or XLSX."))
    publish(EXPORTED, request=request, fmt=fmt, filename=filename)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(f"{filename}.{fmt}")
    return response


def _csv_bytes(sheet: Sheet) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # Excel needs the BOM to read UTF-8
    writer = csv.writer(out)
    writer.writerow([guard(h) for h in sheet.headers])
    for row in sheet.rows:
        writer.writerow([guard(v) for v in row])
    return out.getvalue().encode("utf-8")


def _xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # Write-only: rows go to a temporary file as they come, so a long list needs little
    # memory on the way.
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for number, sheet in enumerate(sheets, start=1):
        ws = book.create_sheet(_sheet_title(str(sheet.title), number, used))
        ws.freeze_panes = "A2"
        for index, title in enumerate(sheet.headers, start=1):
            ws.column_dimensions[get_column_letter(index)].width = _width(str(title))
        header = []
        for title in sheet.headers:
            cell = WriteOnlyCell(ws, value=_xlsx_value(str(title)))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            ws.append([_xlsx_value(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str, number: int, used: set[str]) -> str:
    """Return a sheet title Excel accepts: no []:*?/\\, at most 31 characters, unique."""
    title = re.sub(r"[\[\]:*?/\\]", "_", title).strip("'")[:EXCEL_SHEET_TITLE] or str(number)
    if title in used:
        title = f"{title[: EXCEL_SHEET_TITLE - 4]} ({number})"
    used.add(title)
    return title


def _width(text: str) -> int:
    """Return a column width that fits `text` (East Asian characters count double)."""
    wide = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return max(10, min(wide + 4, 60))


# URLs --------------------------------------------------------------------------------------


class ExportFormatConverter:
    """`<export:fmt>` in a URL: csv or xlsx."""

    regex = "|".join(FORMATS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def register_export_converter() -> None:
    """Make `<export:…>` available to URL patterns (idempotent)."""
    if "export" not in get_converters():
        register_converter(ExportFormatConverter, "export")
