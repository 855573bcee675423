"""Imports of areas and households from CSV or XLSX files.

Every row is checked first; a file with any bad row writes nothing. A re-import updates
rows by code, so importing the same file twice changes nothing the second time.

Files are written by people in Chinese spreadsheets, so the importer reads them as written:

- Headers: a column is named by its code (`head_name`), its Chinese name (户主姓名) or a
  common other name (户主, 姓名); case, spaces, full-width forms, a trailing `*` and a note
  in brackets (家庭人口（人）) do not matter. Errors name the column as the file does.
- A second header row is skipped: when each cell of row 2 names the same column as the cell
  above it (the templates carry the Chinese header in row 1 and the code header in row 2),
  it is a header, not a household. Data rows keep their spreadsheet numbers (from 3 then).
- Values of choices: a level, category or status is given by its code (`poor`), its label
  in any language of the site (贫困户, Poor) or a common other name (贫困). Several
  categories are separated by ; , 、 or their full-width forms.
"""

import csv
import functools
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextChoices
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from liaison.common.dates import date_error
from liaison.common.db import chunks
from liaison.common.registry import publish
from liaison.common.spreadsheets import (
    SpreadsheetRefused,
    check_xlsx_archive,
    row_limit,
    too_many_rows,
)

from .access import Actor, Scope, require, scope_for, user_of
from .bulk import households_insert, households_update
from .events import HOUSEHOLDS_CHANGED
from .models import (
    Area,
    AreaLevel,
    Household,
    HouseholdCategory,
    HouseholdStatus,
    VillageCategory,
)
from .services import (
    HOUSEHOLD_FIELDS,
    _reattach_households,
    _repath_subtree,
    area_has_households,
    area_path,
)
from .validators import (
    MEMBERS_MAX,
    MEMBERS_MIN,
    members_error,
    normalize_id_number,
    normalize_phone,
    validate_area_code,
    validate_id_number,
    validate_phone,
)


@dataclass(frozen=True)
class ImportColumn:
    """A column of an import file: its `code` (the API's name and the templates' second
    header row), its Chinese `title` (the templates' first header row) and other names
    people give it. The names are the file format, the same whatever language the page is
    read in, so they are not translated."""

    code: str
    title: str
    aliases: tuple[str, ...] = ()
    required: bool = False


AREA_SPEC = (
    ImportColumn("code", "区划代码", ("代码", "编码", "区划编码", "行政区划代码"), required=True),
    ImportColumn("name", "名称", ("区划名称", "区域名称", "地名"), required=True),
    ImportColumn("level", "级别", ("层级", "区划级别"), required=True),
    ImportColumn("parent_code", "上级代码", ("上级编码", "上级区划代码", "父级代码")),
    ImportColumn("categories", "类别", ("五挂五联类别", "村类别", "类型")),
)
HOUSEHOLD_SPEC = (
    ImportColumn("code", "户编码", ("户编号", "户号", "农户编码", "农户编号"), required=True),
    ImportColumn(
        "group_code",
        "村民小组编码",
        ("村民小组代码", "小组编码", "组编码", "村小组编码"),
        required=True,
    ),
    ImportColumn("head_name", "户主姓名", ("户主", "姓名"), required=True),
    ImportColumn("members", "家庭人口", ("人口", "家庭人口数", "人口数", "家庭人数")),
    ImportColumn("id_number", "身份证号", ("身份证号码", "身份证", "公民身份号码")),
    ImportColumn("phone", "联系电话", ("电话", "手机", "手机号", "手机号码", "联系方式")),
    ImportColumn("address", "住址", ("地址", "家庭住址", "详细地址")),
    ImportColumn("categories", "类别", ("户类别", "农户类别", "类型")),
    ImportColumn("status", "状态", ("户状态", "在册状态")),
    ImportColumn("status_date", "状态日期", ("状态变更日期", "变更日期")),
)
AREA_COLUMNS = tuple(c.code for c in AREA_SPEC)
AREA_REQUIRED = tuple(c.code for c in AREA_SPEC if c.required)
HOUSEHOLD_COLUMNS = tuple(c.code for c in HOUSEHOLD_SPEC)
HOUSEHOLD_REQUIRED = tuple(c.code for c in HOUSEHOLD_SPEC if c.required)
MAX_STORED_ERRORS = 10_000

BATCH = 2_000

Progress = Callable[[str, int, int], None]


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class ImportResult:
    rows_total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Households this import created, by village id: where they wait for a cadre.
    new_households: dict[int, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportFileError(Exception):
    """The file cannot be read at all (wrong type, encoding, header)."""


class ImportFileRefused(ImportFileError):
    """The file is refused unread: too large unpacked, too many rows."""


def _no_progress(phase: str, done: int, total: int) -> None:
    pass


# Reading ---------------------------------------------------------------------------------


# OOXML writes control characters in cell text as _xHHHH_ (a NUL is _x0000_, a literal
# "_x" sequence is escaped as _x005F_…); openpyxl hands cell text over as stored.
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# What the database cannot store as written: PostgreSQL's text holds no NUL character, and
# COPY (households are written with it) reads an unquoted \N as NULL.
NUL = "\x00"
NULL_MARKER = "\\N"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, date):
        return value.isoformat()[:10]
    text = str(value)
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    return text.strip()


def read_rows(fileobj: IO[bytes], name: str) -> tuple[list[str], list[list[str]]]:
    """Return (header, data rows) of a CSV or XLSX file. Raise ImportFileError if unreadable."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(fileobj)
    if suffix in (".csv", ".txt"):
        return _read_csv(fileobj.read())
    raise ImportFileError(_("Upload a .csv or .xlsx file (got %(name)s).") % {"name": name})


def _read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    # Excel in China saves CSV as GB18030/GBK; everything else should be UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("The file is neither UTF-8 nor GB18030 text."))
    rows = _at_most(
        ([c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))),
        row_limit(),
    )
    if not rows:
        raise ImportFileError(_("The file is empty."))
    return rows[0], rows[1:]


def _at_most(rows: Iterable[list[str]], limit: int) -> list[list[str]]:
    """Return the rows, stopping as soon as there are more than `limit` (a sheet without a
    dimension, or a CSV of blank lines, could run on for millions). Raise ImportFileError
    if there are."""
    kept: list[list[str]] = []
    for row in rows:
        if len(kept) == limit:
            raise ImportFileRefused(str(too_many_rows(limit)))
        kept.append(row)
    return kept


def check_upload(fileobj: IO[bytes], name: str) -> None:
    """The checks an upload passes before it is stored and parsed, quick enough for the
    request: an XLSX's zip directory (liaison.common.spreadsheets). Raise ImportFileError."""
    if Path(name).suffix.lower() == ".xlsx":
        try:
            check_xlsx_archive(fileobj)
        except SpreadsheetRefused as exc:
            raise ImportFileRefused(str(exc)) from None


def _read_xlsx(fileobj: IO[bytes]) -> tuple[list[str], list[list[str]]]:
    # Before openpyxl (or the NUL repair below) decompresses anything.
    check_upload(fileobj, "upload.xlsx")
    data = fileobj.read()
    try:
        return _xlsx_rows(data)
    except ImportFileRefused:
        raise
    except ImportFileError:
        # A NUL written raw (or as &#0;) makes the sheet invalid XML, and the parser stops
        # without saying in which cell. Read it again with each NUL in OOXML's escape, so
        # that the row checks name the row and column.
        escaped = _nul_escaped(data)
        if escaped is None:
            raise
        return _xlsx_rows(escaped)


def _xlsx_rows(data: bytes) -> tuple[list[str], list[list[str]]]:
    from openpyxl import load_workbook

    limit = row_limit()
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # The dimension the sheet declares (read from its first bytes) refuses a long sheet
        # before its rows are parsed; one that declares none is counted as it is read.
        # (openpyxl reads no further than a declared dimension.)
        if (sheet.max_row or 0) > limit:
            raise ImportFileRefused(str(too_many_rows(limit)))
        # Read-only sheets are parsed as they are iterated: a damaged one fails here.
        rows = _at_most(
            ([_cell(c) for c in row] for row in sheet.iter_rows(values_only=True)), limit
        )
        workbook.close()
    except ImportFileRefused:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError(
            _("The spreadsheet cannot be opened: %(error)s") % {"error": exc}
        ) from exc
    if not rows:
        raise ImportFileError(_("The file is empty."))
    return rows[0], rows[1:]


_XML_NUL = re.compile(rb"\x00|&#0+;|&#[xX]0+;")


def _nul_escaped(data: bytes) -> bytes | None:
    """Return the workbook with every NUL in its sheets and strings written as _x0000_, or
    None if it has none (or is no workbook)."""
    try:
        source = zipfile.ZipFile(io.BytesIO(data))
        members = [(info, source.read(info)) for info in source.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    out, changed = io.BytesIO(), False
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in members:
            if info.filename.startswith("xl/") and info.filename.endswith(".xml"):
                content, count = _XML_NUL.subn(b"_x0000_", content)
                changed = changed or count > 0
            target.writestr(info, content)
    return out.getvalue() if changed else None


# Headers ---------------------------------------------------------------------------------


def name_key(text: str) -> str:
    """Return a header or a choice name as the importer compares it: full-width forms as
    half-width (NFKC), no whitespace, lower case, without a trailing `*` (a "required"
    mark)."""
    text = "".join(unicodedata.normalize("NFKC", text).split()).lower()
    return text.rstrip("*")


_NOTE = re.compile(r"(.+?)\(.*\)")  # 家庭人口(人), 户主姓名(必填): a note after the name


def _lookup(text: str, names: Mapping[str, str]) -> str | None:
    key = name_key(text)
    if key in names:
        return names[key]
    note = _NOTE.fullmatch(key)
    return names.get(note.group(1)) if note else None


@functools.cache
def _column_names(spec: tuple[ImportColumn, ...]) -> dict[str, str]:
    names: dict[str, str] = {}
    for column in spec:
        for name in (*column.aliases, column.title, column.code):
            names[name_key(name)] = column.code
    return names


def column_label(column: ImportColumn) -> str:
    """Return how a column is named to people: "户主姓名 (head_name)"."""
    return f"{column.title} ({column.code})"


@dataclass
class Layout:
    """Where a file keeps each column, and what it calls it."""

    spec: tuple[ImportColumn, ...]
    positions: list[str | None]  # the column code of each cell of the header, or None
    names: dict[str, str]  # code -> the header as the file writes it
    skip_second_row: bool = False

    def index(self, code: str) -> int | None:
        return self.positions.index(code) if code in self.positions else None

    def name(self, code: str) -> str:
        """Return the column as the file names it (its Chinese name if the file has none)."""
        if code in self.names:
            return self.names[code]
        return next((c.title for c in self.spec if c.code == code), code)

    def order(self, code: str) -> int:
        """Return the column's place, for sorting errors as they read in the file."""
        found = self.index(code)
        if found is not None:
            return found
        codes = [c.code for c in self.spec]
        return len(self.positions) + (codes.index(code) if code in codes else len(codes))


def read_layout(header: list[str], rows: list[list[str]], spec: tuple[ImportColumn, ...]) -> Layout:
    """Return where the columns of `spec` are in a file. Raise ImportFileError for a header
    with unknown, repeated or missing columns."""
    if any(NUL in c for c in header):
        raise ImportFileError(
            _("The header row contains a NUL character (byte 0); correct the column names.")
        )
    names = _column_names(spec)
    positions: list[str | None] = []
    found: dict[str, str] = {}
    unknown, repeated = [], []
    for cell in header:
        code = _lookup(cell, names) if cell else None
        if cell and code is None:
            unknown.append(cell)
        elif code is not None and code in found:
            repeated.append(f"{found[code]} / {cell}")
            code = None
        elif code is not None:
            found[code] = cell
        positions.append(code)
    missing = [column_label(c) for c in spec if c.required and c.code not in found]
    if unknown or missing or repeated:
        parts = []
        if missing:
            parts.append(_("missing column(s): %(cols)s") % {"cols": ", ".join(missing)})
        if unknown:
            parts.append(_("unknown column(s): %(cols)s") % {"cols": ", ".join(unknown)})
        if repeated:
            parts.append(_("column(s) given twice: %(cols)s") % {"cols": ", ".join(repeated)})
        raise ImportFileError(
            _("The header row is not right (%(problems)s). Expected columns: %(expected)s.")
            % {"problems": "; ".join(parts), "expected": ", ".join(column_label(c) for c in spec)}
        )
    layout = Layout(spec, positions, found)
    layout.skip_second_row = bool(rows) and _names_same_columns(rows[0], layout, names)
    return layout


def _names_same_columns(row: list[str], layout: Layout, names: Mapping[str, str]) -> bool:
    """Return whether `row` is a second header: each cell names the column above it."""
    if not any(row) or any(row[len(layout.positions) :]):
        return False
    for i, code in enumerate(layout.positions):
        cell = row[i] if i < len(row) else ""
        if (code is None and cell) or (code is not None and _lookup(cell, names) != code):
            return False
    return True


def data_rows(layout: Layout, rows: list[list[str]]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (spreadsheet row number, {column code: cell}) for each row with any content."""
    width = len(layout.positions)
    start = 1 if layout.skip_second_row else 0
    for index, row in enumerate(rows[start:], start=2 + start):  # row 1 is the header
        if not any(row):
            continue
        padded = row + [""] * (width - len(row))
        yield index, {code: padded[i] for i, code in enumerate(layout.positions) if code}


def errors_as_in_file(errors: list[RowError], layout: Layout) -> None:
    """Sort `errors` as they read in the file and name their columns as the file does."""
    errors.sort(key=lambda e: (e.row, layout.order(e.column)))
    for error in errors:
        if error.column:
            error.column = layout.name(error.column)


# Values of choices -------------------------------------------------------------------------

# Other names people write for a code, besides its labels in the languages of the site.
SYNONYMS: dict[type[TextChoices], dict[str, str]] = {
    AreaLevel: {
        "省级": AreaLevel.PROVINCE,
        "州": AreaLevel.PREFECTURE,
        "州市": AreaLevel.PREFECTURE,
        "地区": AreaLevel.PREFECTURE,
        "县级": AreaLevel.COUNTY,
        "区": AreaLevel.COUNTY,
        "县区": AreaLevel.COUNTY,
        "县级市": AreaLevel.COUNTY,
        "乡": AreaLevel.TOWNSHIP,
        "镇": AreaLevel.TOWNSHIP,
        "街道": AreaLevel.TOWNSHIP,
        "乡镇街道": AreaLevel.TOWNSHIP,
        "行政村": AreaLevel.VILLAGE,
        "村委会": AreaLevel.VILLAGE,
        "村民委员会": AreaLevel.VILLAGE,
        "社区": AreaLevel.VILLAGE,
        "组": AreaLevel.GROUP,
        "小组": AreaLevel.GROUP,
        "村小组": AreaLevel.GROUP,
        "村民组": AreaLevel.GROUP,
    },
    HouseholdCategory: {
        "特困": HouseholdCategory.EXTREME_HARDSHIP,
        "特困供养户": HouseholdCategory.EXTREME_HARDSHIP,
        "贫困": HouseholdCategory.POOR,
        "建档立卡户": HouseholdCategory.POOR,
        "问题": HouseholdCategory.PROBLEM,
        "困难": HouseholdCategory.IN_DIFFICULTY,
        "上访": HouseholdCategory.PETITIONER,
        "信访户": HouseholdCategory.PETITIONER,
    },
    HouseholdStatus: {
        "正常": HouseholdStatus.ACTIVE,
        "在册户": HouseholdStatus.ACTIVE,
        "已迁出": HouseholdStatus.MOVED_OUT,
        "迁移": HouseholdStatus.MOVED_OUT,
        "已注销": HouseholdStatus.DEREGISTERED,
    },
    VillageCategory: {
        "基础薄弱村": VillageCategory.WEAK_INFRASTRUCTURE,
        "治安后进村": VillageCategory.PUBLIC_ORDER_LAGGING,
        "经济后进村": VillageCategory.ECONOMY_LAGGING,
        "文化后进村": VillageCategory.CULTURE_LAGGING,
    },
}


@functools.cache
def choice_names(choices: type[TextChoices]) -> dict[str, str]:
    """Return {name as compared (name_key): code} for the codes of `choices`, their labels
    in every language of the site and their SYNONYMS. Later entries win: a code always
    means itself, a label its own code."""
    names = {name_key(name): code for name, code in SYNONYMS.get(choices, {}).items()}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names.update({name_key(str(label)): code for code, label in choices.choices})
    names.update({name_key(code): code for code in choices.values})
    return names


def choice_code(choices: type[TextChoices], text: str) -> str | None:
    """Return the code `text` names in `choices` (code, label or synonym), or None."""
    return choice_names(choices).get(name_key(text))


def allowed_names(choices: type[TextChoices]) -> str:
    """Return the values a column accepts, for an error message: "贫困户 (poor), …"."""
    return ", ".join(f"{label} ({code})" for code, label in choices.choices)


_LIST_SEPARATORS = re.compile(r"[;,、]")  # after NFKC: ；，are ; ,


def split_list(text: str) -> list[str]:
    """Split a cell of several names (`poor;petitioner`, 贫困户、上访户) into its parts."""
    parts: list[str] = []
    for part in _LIST_SEPARATORS.split(unicodedata.normalize("NFKC", text)):
        part = part.strip()
        if part and part not in parts:
            parts.append(part)
    return parts


def unstorable_cells(row: int, rec: dict[str, str]) -> list[RowError]:
    """Return an error for each cell the database would not store as written."""
    errors = []
    for column, value in rec.items():
        if NUL in value:
            message = _("The cell contains a NUL character (byte 0), which cannot be stored.")
            errors.append(RowError(row, column, message))
        elif value == NULL_MARKER:
            message = _(
                "%(marker)s marks an empty value in database exports; leave the cell empty."
            ) % {"marker": NULL_MARKER}
            errors.append(RowError(row, column, message))
    return errors


def phone_cell(row: int, rec: dict[str, str], errors: list[RowError]) -> str:
    """Return the row's `phone` cell normalised; note a row error if it is not a phone number."""
    phone = normalize_phone(rec.get("phone", ""))
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            errors.append(RowError(row, "phone", error_text(exc)))
    return phone


def error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _parse_categories(
    text: str, flags: type[TextChoices], errors: list[RowError], row: int
) -> list[str]:
    codes: list[str] = []
    unknown = []
    for name in split_list(text):
        code = choice_code(flags, name)
        if code is None:
            unknown.append(name)
        elif code not in codes:
            codes.append(code)
    if unknown:
        errors.append(
            RowError(
                row,
                "categories",
                _("Unknown category: %(codes)s. Allowed: %(allowed)s.")
                % {"codes": ", ".join(unknown), "allowed": allowed_names(flags)},
            )
        )
    return codes


# Areas -----------------------------------------------------------------------------------


def import_areas(
    fileobj: IO[bytes], name: str, *, by: Actor, progress: Progress = _no_progress
) -> ImportResult:
    """Validate and import an areas file (code,name,level,parent_code,categories).

    Parents may come earlier or later in the same file, or exist already. Nothing is written
    if any row is wrong. Raise ImportFileError if the file cannot be read, PermissionDenied
    if the actor's role may not import.
    """
    require(by, "import")
    header, rows = read_rows(fileobj, name)
    layout = read_layout(header, rows, AREA_SPEC)
    result = ImportResult()
    errors = result.errors
    parsed: dict[str, dict[str, Any]] = {}
    progress("validating", 0, len(rows))
    for row, rec in data_rows(layout, rows):
        result.rows_total += 1
        unstorable = unstorable_cells(row, rec)
        if unstorable:
            errors.extend(unstorable)
            continue
        code = rec["code"]
        level = choice_code(AreaLevel, rec["level"]) or ""
        for col in AREA_REQUIRED:
            if not rec.get(col):
                errors.append(RowError(row, col, _("This column is required.")))
        if code and code in parsed:
            errors.append(
                RowError(
                    row,
                    "code",
                    _("Code %(code)s appears twice (first on row %(first)d).")
                    % {"code": code, "first": parsed[code]["row"]},
                )
            )
            continue
        if code and level in AreaLevel.values:
            try:
                validate_area_code(code, level)
            except ValidationError as exc:
                errors.append(RowError(row, "code", error_text(exc)))
        if len(rec["name"]) > 100:
            errors.append(RowError(row, "name", _("A name has at most 100 characters.")))
        if rec["level"] and not level:
            errors.append(
                RowError(
                    row,
                    "level",
                    _("Unknown level %(level)s. Allowed: %(allowed)s.")
                    % {"level": rec["level"], "allowed": allowed_names(AreaLevel)},
                )
            )
        categories = _parse_categories(rec.get("categories", ""), VillageCategory, errors, row)
        if categories and level != AreaLevel.VILLAGE:
            errors.append(
                RowError(row, "categories", _("Only villages have five-links categories."))
            )
        if code:
            parsed[code] = {
                "row": row,
                "code": code,
                "name": rec["name"],
                "level": level,
                "parent_code": rec.get("parent_code", ""),
                "categories": categories,
            }
        if row % 1000 == 0:
            progress("validating", row, len(rows))

    existing = {
        a.code: a
        for chunk in chunks(
            list({*parsed, *(p["parent_code"] for p in parsed.values() if p["parent_code"])}), 900
        )
        for a in Area.objects.filter(code__in=chunk)
    }
    scope = scope_for(by)

    def level_of(code: str) -> str | None:
        if code in parsed:
            return parsed[code]["level"]
        return existing[code].level if code in existing else None

    for code, values in parsed.items():
        row, level, parent_code = values["row"], values["level"], values["parent_code"]
        if level not in AreaLevel.values:
            continue
        if parent_code:
            parent_level = level_of(parent_code)
            if parent_level is None:
                errors.append(
                    RowError(
                        row, "parent_code", _("No area has code %(code)s.") % {"code": parent_code}
                    )
                )
            elif (
                parent_level in AreaLevel.values
                and AreaLevel.rank(parent_level) != AreaLevel.rank(level) - 1
            ):
                errors.append(
                    RowError(
                        row,
                        "parent_code",
                        _("The parent of a %(level)s must be a %(parent_level)s, not a %(got)s.")
                        % {
                            "level": AreaLevel(level).label,
                            "parent_level": AreaLevel(
                                AreaLevel.values[AreaLevel.rank(level) - 1]
                            ).label,
                            "got": AreaLevel(parent_level).label,
                        },
                    )
                )
        elif AreaLevel.rank(level) > AreaLevel.rank(AreaLevel.COUNTY):
            errors.append(
                RowError(
                    row,
                    "parent_code",
                    _("A %(level)s needs a parent.") % {"level": AreaLevel(level).label},
                )
            )
        old = existing.get(code)
        if old is not None and old.level != level:
            if Area.objects.filter(parent=old).exists():
                errors.append(
                    RowError(row, "level", _("An area with sub-areas cannot change its level."))
                )
            elif area_has_households(old, level=old.level):
                errors.append(
                    RowError(row, "level", _("An area with households cannot change its level."))
                )
        if not scope.everything:
            # The area must land inside the jurisdiction: its parent (new or existing) must be
            # in scope; an existing area must already be in scope.
            if old is not None and not scope.contains(old):
                errors.append(
                    RowError(
                        row,
                        "code",
                        _("Area %(code)s is outside your jurisdiction.") % {"code": code},
                    )
                )
            anchor = _first_existing_ancestor(parent_code, parsed, existing)
            if anchor is None or not scope.contains(anchor):
                errors.append(
                    RowError(
                        row, "parent_code", _("This area would lie outside your jurisdiction.")
                    )
                )
    if errors:
        errors_as_in_file(errors, layout)
        return result

    progress("writing", 0, len(parsed))
    with transaction.atomic():
        _write_areas(parsed, existing, by, result)
        publish(HOUSEHOLDS_CHANGED)
    progress("writing", len(parsed), len(parsed))
    return result


def _first_existing_ancestor(
    parent_code: str, parsed: dict[str, dict[str, Any]], existing: dict[str, Area]
) -> Area | None:
    seen = set()
    code = parent_code
    while code and code not in seen:
        seen.add(code)
        if code in existing:
            return existing[code]
        code = parsed.get(code, {}).get("parent_code", "")
    return None


def _write_areas(
    parsed: dict[str, dict[str, Any]],
    existing: dict[str, Area],
    by: Actor,
    result: ImportResult,
) -> None:
    by_code: dict[str, Area] = dict(existing)
    moved: list[tuple[Area, str]] = []
    reparented: set[int] = set()  # ids of moved areas with a new parent
    for level in AreaLevel.values:
        new, changed = [], []
        for code, rec in parsed.items():
            if rec["level"] != level:
                continue
            parent = by_code.get(rec["parent_code"]) if rec["parent_code"] else None
            path = area_path(code, parent)
            area = existing.get(code)
            if area is None:
                area = Area(
                    code=code,
                    name=rec["name"],
                    level=level,
                    parent=parent,
                    path=path,
                    categories=rec["categories"],
                )
                new.append(area)
            else:
                before = (area.name, area.level, area.parent_id, sorted(area.categories), area.path)
                old_path, old_parent = area.path, area.parent_id
                area.name, area.level, area.parent, area.categories, area.path = (
                    rec["name"],
                    level,
                    parent,
                    rec["categories"],
                    path,
                )
                if before == (
                    area.name,
                    area.level,
                    area.parent_id,
                    sorted(area.categories),
                    area.path,
                ):
                    result.unchanged += 1
                else:
                    changed.append(area)
                    if old_path != path:
                        moved.append((area, old_path))
                    if old_parent != area.parent_id:
                        reparented.add(area.pk)
            by_code[code] = area
        if new:
            bulk_create_with_history(
                new,
                Area,
                batch_size=BATCH,
                default_user=user_of(by),
                default_change_reason="import",
            )
            result.created += len(new)
            # SQLite and PostgreSQL return the new ids; refresh the dict for child rows.
            for area in (
                Area.objects.filter(code__in=[a.code for a in new]) if new[0].pk is None else []
            ):
                by_code[area.code] = area
        if changed:
            bulk_update_with_history(
                changed,
                Area,
                ["name", "level", "parent", "categories", "path"],
                batch_size=BATCH,
                default_user=user_of(by),
                default_change_reason="import",
            )
            result.updated += len(changed)
    for area, old_path in moved:
        _repath_subtree(old_path, area.path)
        if area.pk in reparented:
            _reattach_households(area)


# Households ------------------------------------------------------------------------------


def import_households(
    fileobj: IO[bytes], name: str, *, by: Actor, progress: Progress = _no_progress
) -> ImportResult:
    """Validate and import a households file (code,group_code,head_name,members,...).

    Nothing is written if any row is wrong. Raise ImportFileError if the file is unreadable,
    PermissionDenied if the actor's role may not import.
    """
    require(by, "import")
    header, rows = read_rows(fileobj, name)
    layout = read_layout(header, rows, HOUSEHOLD_SPEC)
    total = len(rows)
    result = ImportResult()
    errors = result.errors
    progress("validating", 0, total)

    group_codes = set()
    header_index = layout.index("group_code")
    if header_index is not None:
        group_codes = {
            r[header_index]
            for r in rows
            if len(r) > header_index and r[header_index] and NUL not in r[header_index]
        }
    groups = {}
    for code_chunk in chunks(sorted(group_codes), 900):
        for g in Area.objects.filter(code__in=code_chunk, level=AreaLevel.GROUP):
            groups[g.code] = g
    ancestors = _ancestor_ids(groups.values())
    scope = scope_for(by)

    parsed: dict[str, dict[str, Any]] = {}
    for row, rec in data_rows(layout, rows):
        result.rows_total += 1
        unstorable = unstorable_cells(row, rec)
        if unstorable:
            errors.extend(unstorable)
            continue
        before = len(errors)
        values = _parse_household(row, rec, groups, ancestors, scope, errors)
        code = rec["code"]
        if code in parsed:
            errors.append(
                RowError(
                    row,
                    "code",
                    _("Code %(code)s appears twice (first on row %(first)d).")
                    % {"code": code, "first": parsed[code]["row"]},
                )
            )
        elif len(errors) == before:
            values["row"] = row
            parsed[code] = values
        if row % 2000 == 0:
            progress("validating", row, total)
    if errors:
        errors_as_in_file(errors, layout)
        return result

    existing: dict[str, Household] = {}
    codes = list(parsed)
    progress("comparing", 0, len(codes))
    for i, code_chunk in enumerate(chunks(codes, 900)):
        for h in Household.objects.filter(code__in=code_chunk):
            existing[h.code] = h
        if i % 10 == 9:
            progress("comparing", (i + 1) * 900, len(codes))
    if not scope.everything:
        outside = [h for h in existing.values() if not scope.contains_household(h)]
        if outside:
            for h in outside:
                errors.append(
                    RowError(
                        parsed[h.code]["row"],
                        "code",
                        _("Household %(code)s is outside your jurisdiction.") % {"code": h.code},
                    )
                )
            errors_as_in_file(errors, layout)
            return result

    fields = [f for f in HOUSEHOLD_FIELDS if f != "code"] + ["county", "township", "village"]
    new: list[Household] = []
    changed: list[Household] = []
    for code, values in parsed.items():
        group = values.pop("group")
        row = values.pop("row")
        del row
        anc = ancestors[group.pk]
        assert anc is not None  # rows under a broken chain were refused above
        values.update(
            group_id=group.pk,
            county_id=anc["county"],
            township_id=anc["township"],
            village_id=anc["village"],
        )
        household = existing.get(code)
        if household is None:
            new.append(Household(code=code, **values))
            village = anc["village"]
            result.new_households[village] = result.new_households.get(village, 0) + 1
            continue
        dirty = False
        for key, value in values.items():
            if getattr(household, key) != value:
                setattr(household, key, value)
                dirty = True
        if dirty:
            changed.append(household)
        else:
            result.unchanged += 1

    progress("writing", 0, len(new) + len(changed))
    total_writes, written = len(new) + len(changed), 0
    with transaction.atomic():
        for chunk in chunks(new, 10_000):
            written += households_insert(chunk, user=user_of(by), reason="import")
            progress("writing", written, total_writes)
        for chunk in chunks(changed, 10_000):
            written += households_update(chunk, fields, user=user_of(by), reason="import")
            progress("writing", written, total_writes)
        publish(HOUSEHOLDS_CHANGED)
    result.created, result.updated = len(new), len(changed)
    progress("writing", len(new) + len(changed), len(new) + len(changed))
    return result


def _parse_household(
    row: int,
    rec: dict[str, str],
    groups: dict[str, Area],
    ancestors: dict[int, dict[str, int] | None],
    scope: Scope,
    errors: list[RowError],
) -> dict[str, Any]:
    for col in HOUSEHOLD_REQUIRED:
        if not rec.get(col):
            errors.append(RowError(row, col, _("This column is required.")))
    code = rec["code"]
    if len(code) > 30:
        errors.append(RowError(row, "code", _("A code has at most 30 characters.")))
    group = None
    if rec["group_code"]:
        group = groups.get(rec["group_code"])
        if group is None or not scope.contains(group):
            # Outside the jurisdiction reads the same as missing: no leak of other areas.
            errors.append(
                RowError(
                    row,
                    "group_code",
                    _("No village group has code %(code)s.") % {"code": rec["group_code"]},
                )
            )
        elif ancestors.get(group.pk) is None:
            errors.append(
                RowError(
                    row,
                    "group_code",
                    _("This group is not under a county, township and village."),
                )
            )
    head_name = rec["head_name"]
    if len(head_name) > 50:
        errors.append(RowError(row, "head_name", _("A name has at most 50 characters.")))
    members = 1
    if rec.get("members"):
        try:
            members = int(rec["members"])
            if not MEMBERS_MIN <= members <= MEMBERS_MAX:
                raise ValueError
        except ValueError:
            errors.append(RowError(row, "members", members_error()))
    id_number = normalize_id_number(rec.get("id_number", ""))
    if id_number:
        try:
            validate_id_number(id_number)
        except ValidationError as exc:
            errors.append(RowError(row, "id_number", error_text(exc)))
    phone = phone_cell(row, rec, errors)
    address = rec.get("address", "")
    if len(address) > 200:
        errors.append(RowError(row, "address", _("An address has at most 200 characters.")))
    categories = _parse_categories(rec.get("categories", ""), HouseholdCategory, errors, row)
    status_text = rec.get("status", "")
    status = choice_code(HouseholdStatus, status_text) if status_text else HouseholdStatus.ACTIVE
    if status is None:
        errors.append(
            RowError(
                row,
                "status",
                _("Unknown status %(status)s. Allowed: %(allowed)s.")
                % {"status": status_text, "allowed": allowed_names(HouseholdStatus)},
            )
        )
        status = HouseholdStatus.ACTIVE  # only its own error: no date asked for it
    status_date = None
    if rec.get("status_date"):
        status_date = parse_date(rec["status_date"])
        if status_date is None:
            errors.append(RowError(row, "status_date", _("Write dates as YYYY-MM-DD.")))
        elif (refused := date_error(status_date)) is not None:
            errors.append(RowError(row, "status_date", refused))
    elif status != HouseholdStatus.ACTIVE:
        errors.append(
            RowError(
                row, "status_date", _("Give the date the household moved out or was deregistered.")
            )
        )
    return {
        "group": group,
        "head_name": head_name,
        "members": members,
        "id_number": id_number,
        "phone": phone,
        "address": address,
        "categories": categories,
        "status": status,
        "status_date": status_date,
    }


_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


def parse_date(text: str) -> date | None:
    """Return the date of 2026-03-01, 2026/3/1, 2026.3.1 or 2026年3月1日, or None."""
    match = _DATE.fullmatch(unicodedata.normalize("NFKC", text).strip())
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _ancestor_ids(groups: Iterable[Area]) -> dict[int, dict[str, int] | None]:
    """Return {group id: {"county": id, "township": id, "village": id}}, by parent links.

    One query per 900 groups; a group whose parents are not a village, a township and a
    county maps to None.
    """
    out: dict[int, dict[str, int] | None] = {}
    ids = sorted(g.pk for g in groups)
    for chunk in chunks(ids, 900):
        for g in Area.objects.filter(pk__in=chunk).select_related("parent__parent__parent"):
            village = g.parent
            township = village.parent if village else None
            county = township.parent if township else None
            if (
                village is None
                or township is None
                or county is None
                or (village.level, township.level, county.level)
                != (AreaLevel.VILLAGE, AreaLevel.TOWNSHIP, AreaLevel.COUNTY)
            ):
                out[g.pk] = None
            else:
                out[g.pk] = {"county": county.pk, "township": township.pk, "village": village.pk}
    return out
