"""Cells the database cannot store as written (a NUL character, a literal \\N) are row errors.

PostgreSQL's text holds no NUL, and COPY (households are written with it) reads an unquoted
\\N as NULL: without the checks such a file ended in "The import failed unexpectedly", or on
SQLite stored the NUL.
"""

import io
import re
import zipfile
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from openpyxl import Workbook

from districts.imports import ImportFileError, import_areas, import_households
from districts.jobs import import_job_run
from districts.models import Area, Household, ImportJob

pytestmark = pytest.mark.django_db

AREAS_HEADER = ["code", "name", "level", "parent_code", "categories"]
HOUSEHOLDS_HEADER = ["code", "group_code", "head_name", "members", "address", "categories"]
MARKER = "ZZMARKERZZ"
NUL_MESSAGE = r"NUL|空字符"
NULL_MARKER_MESSAGE = r"\\N"


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def _xlsx(header: list[str], rows: list[list[str]], marker_as: bytes | None = None) -> bytes:
    """A workbook of `rows`; MARKER becomes `marker_as` in the stored XML."""
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    if marker_as is None:
        return data.getvalue()
    source, out = zipfile.ZipFile(data), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info).replace(MARKER.encode(), marker_as)
            target.writestr(info, content)
    return out.getvalue()


def _file(fmt: str, header: list[str], rows: list[list[str]], bad: str) -> tuple[bytes, str]:
    """The rows as a CSV or XLSX file, with `bad` put where MARKER stands."""
    if fmt == "csv":
        rows = [[cell.replace(MARKER, bad) for cell in row] for row in rows]
        return _csv(header, rows), "f.csv"
    if bad == "\x00":
        # openpyxl refuses to write a NUL: put one in the stored XML as a broken writer would.
        return _xlsx(header, rows, marker_as=b"\x00"), "f.xlsx"
    rows = [[cell.replace(MARKER, bad) for cell in row] for row in rows]
    return _xlsx(header, rows), "f.xlsx"


BAD_CELLS = [
    pytest.param("\x00", NUL_MESSAGE, id="nul"),
    pytest.param("\\N", NULL_MARKER_MESSAGE, id="null-marker"),
]


def _areas_rows(bad_column: str) -> list[list[str]]:
    good = ["530827100208", "新寨村", "village", "530827100", ""]
    bad = ["530827100209", "坝卡村", "village", "530827100", ""]
    bad[AREAS_HEADER.index(bad_column)] = MARKER
    return [good, bad]


def _household_rows(bad_column: str) -> list[list[str]]:
    good = ["H-CELL-1", "530827100201001", "岩罕", "3", "芒街一组", ""]
    bad = ["H-CELL-2", "530827100201001", "玉香", "2", "芒街一组", ""]
    bad[HOUSEHOLDS_HEADER.index(bad_column)] = MARKER
    return [good, bad]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("bad", "message"), BAD_CELLS)
@pytest.mark.parametrize("column", ["name", "categories"])
def test_an_areas_cell_that_cannot_be_stored_is_a_row_error(
    tree, county_admin, fmt, bad, message, column
):
    data, name = _file(fmt, AREAS_HEADER, _areas_rows(column), bad)
    before = Area.objects.count()
    result = import_areas(io.BytesIO(data), name, by=county_admin)
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert re.search(message, result.errors[0].message)
    assert Area.objects.count() == before  # all or nothing: the good row is not written


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("bad", "message"), BAD_CELLS)
@pytest.mark.parametrize("column", ["head_name", "address", "group_code"])
def test_a_households_cell_that_cannot_be_stored_is_a_row_error(
    tree, county_admin, fmt, bad, message, column
):
    data, name = _file(fmt, HOUSEHOLDS_HEADER, _household_rows(column), bad)
    before = Household.objects.count()
    result = import_households(io.BytesIO(data), name, by=county_admin)
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert re.search(message, result.errors[0].message)
    assert Household.objects.count() == before


@pytest.mark.parametrize(
    "written_as",
    [pytest.param(b"&#0;", id="character-reference"), pytest.param(b"_x0000_", id="ooxml-escape")],
)
def test_other_spellings_of_nul_in_a_workbook_are_row_errors(tree, county_admin, written_as):
    rows = _household_rows("head_name")
    data = _xlsx(HOUSEHOLDS_HEADER, rows, marker_as=written_as)
    result = import_households(io.BytesIO(data), "h.xlsx", by=county_admin)
    assert [(e.row, e.column) for e in result.errors] == [(3, "head_name")]
    assert not Household.objects.filter(code__startswith="H-CELL").exists()


def test_an_escaped_underscore_in_a_workbook_stays_text(tree, county_admin):
    # OOXML writes a literal "_x0000_" as "_x005F_x0000_": that is text, not a NUL.
    rows = [["H-CELL-3", "530827100201001", "岩罕", "3", MARKER, ""]]
    data = _xlsx(HOUSEHOLDS_HEADER, rows, marker_as=b"_x005F_x0000_")
    result = import_households(io.BytesIO(data), "h.xlsx", by=county_admin)
    assert result.errors == []
    assert Household.objects.get(code="H-CELL-3").address == "_x0000_"


def test_a_text_that_merely_contains_a_backslash_n_is_stored(tree, county_admin):
    # Only a whole cell of \N is a database export's empty value; COPY stores the rest as is.
    rows = [["H-CELL-4", "530827100201001", "岩罕", "3", "C:\\New 1号", ""]]
    result = import_households(io.BytesIO(_csv(HOUSEHOLDS_HEADER, rows)), "h.csv", by=county_admin)
    assert result.errors == []
    assert Household.objects.get(code="H-CELL-4").address == "C:\\New 1号"


def test_a_nul_in_the_header_is_a_file_error(tree, county_admin):
    data = _csv(["code", "group_\x00code", "head_name"], [["H1", "530827100201001", "岩"]])
    with pytest.raises(ImportFileError, match=NUL_MESSAGE):
        import_households(io.BytesIO(data), "h.csv", by=county_admin)


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("areas", lambda: _csv(AREAS_HEADER, _areas_rows("name"))),
        ("households", lambda: _csv(HOUSEHOLDS_HEADER, _household_rows("address"))),
    ],
)
@pytest.mark.parametrize("bad", ["\x00", "\\N"])
def test_the_job_reports_the_row_not_an_unexpected_failure(
    tree, county_admin, kind: str, make: Callable[[], bytes], bad: str
):
    content = make().replace(MARKER.encode(), bad.encode())
    job = ImportJob.objects.create(
        kind=kind,
        file=ContentFile(content, name="cells.csv"),
        original_name="cells.csv",
        created_by=county_admin,
    )
    job = import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.error_count) == (ImportJob.Status.FAILED, 1)
    assert (job.errors[0]["row"], job.errors[0]["column"]) == (
        3,
        "name" if kind == "areas" else "address",
    )


def test_copy_keeps_empty_text_and_backslash_n_apart_from_null(tree):
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    from liaison.common.db import copy_rows

    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE copy_probe (a text, b text NULL)")
    copy_rows("copy_probe", ["a", "b"], [("\\N", None), ("", 'x,"y"\n'), ("NULL", "")])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT a, b FROM {qn('copy_probe')} ORDER BY a")
        assert cursor.fetchall() == [("", 'x,"y"\n'), ("NULL", ""), ("\\N", None)]
