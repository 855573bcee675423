"""Replays of issue 9's attacks on inputs and outputs (items 4, 5 and 6).

- Formula injection: names that a spreadsheet would run (= + - @, tab, carriage return)
  come out of every CSV and XLSX download, pages and API, as text; numbers stay numbers.
- XLSX bombs: a small workbook that unpacks to hundreds of megabytes, and files of more
  rows than IMPORT_MAX_ROWS, are refused before anything parses them; the upload request
  only looks at the zip's directory.
- Dates and months: statistics, duty days and households' status dates lie between
  2000-01-01 and today; a household has 1 to 99 members; the same at the service, the API,
  the page and the import.
"""

import datetime
import functools
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _t
from openpyxl import Workbook, load_workbook

from districts.access import SYSTEM
from districts.imports import ImportFileError, import_households
from districts.models import Area, AreaLevel, Household, HouseholdStatus, ImportJob
from districts.services import household_create, household_update
from districts.validators import members_error
from dutydays.compliance import FUTURE_MONTH, compliance_recompute
from dutydays.models import DutyDay, MonthlyCompliance
from dutydays.services import dutyday_log
from dutydays.tasks import compliance_recompute_task
from liaison.common import dates
from liaison.common.api import CsvFormatMixin
from liaison.common.dates import date_error, month_error
from liaison.common.exports import FORMULA_STARTS, Sheet, export_response
from liaison.common.spreadsheets import too_many_rows, unpacks_too_large
from liaison.concerns.services import concern_create
from liaison.concerns.statistics import concern_stats_recompute
from liaison.core import jobs as coverage_jobs
from liaison.core.coverage import coverage_recompute
from liaison.core.imports import import_pairings
from liaison.core.models import Cadre, CoverageJob, CoverageSnapshot, Pairing, Rank
from liaison.core.services import pairing_create
from tests.factories import (
    AuditEntryFactory,
    CadreFactory,
    CategoryFactory,
    CoverageJobFactory,
    CoverageSnapshotFactory,
    DepartmentFactory,
    DutyDayFactory,
    GroupFactory,
    HouseholdFactory,
    ImportJobFactory,
    PersonalDataAccessFactory,
    ZoneFactory,
)
from tests.files import read_csv
from tests.html import parse

pytestmark = pytest.mark.django_db

# What the probe stored, one for each start a spreadsheet runs.
HOSTILE = (
    '=HYPERLINK("http://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)
GUARDED = {"'" + value for value in HOSTILE}
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def this_month() -> datetime.date:
    return timezone.localdate().replace(day=1)


def last_month() -> datetime.date:
    return (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


# Formula injection --------------------------------------------------------------------------


@dataclass
class Hostile:
    """A county whose every name is a formula, computed for coverage and compliance."""

    county: Area
    village: Area
    group: Area
    import_job: ImportJob


@pytest.fixture
def hostile(tree, county_admin) -> Hostile:
    areas = [tree.county, tree.town_a, tree.town_b, tree.village_a, tree.village_b]
    areas += [tree.group_a1, tree.group_a2, tree.group_b1]
    for index, area in enumerate(areas):
        Area.objects.filter(pk=area.pk).update(name=HOSTILE[index % len(HOSTILE)])
    day = last_month() + datetime.timedelta(days=2)
    for value in HOSTILE:
        # Households without a cadre (the gap list), cadres without households, zones
        # without a leader, days in the field with their diary: each named by the attack.
        household = HouseholdFactory(group=tree.group_a1, head_name=value, address=value)
        # The logs: a reveal with the attack as its reason, a sign-in under its name.
        PersonalDataAccessFactory(user=county_admin, household=household, reason=value)
        AuditEntryFactory(user=None, username=value, area=tree.group_a1)
        department = DepartmentFactory(
            name=value, area=tree.town_a, level=AreaLevel.TOWNSHIP, kind="party_gov"
        )
        cadre = CadreFactory(name=value, department=department, rank=Rank.COUNTY_LEADER)
        ZoneFactory(name=value, areas=[GroupFactory(parent=tree.village_a, name=value)])
        DutyDayFactory(cadre=cadre, date=day, area=tree.group_a1, diary=value, problems=value)
        # A concern in a category named by the attack, its text the attack too.
        concern_create(
            by=SYSTEM,
            channel="hotline",
            kind="help",
            category=CategoryFactory(name=value, name_en=value),
            description=value,
            reporter_name=value,
            area=tree.group_a1,
        )
    coverage_recompute(as_of=timezone.localdate(), by=SYSTEM)
    compliance_recompute(month=last_month(), by=SYSTEM)
    concern_stats_recompute(months=[this_month()], by=SYSTEM)
    job = ImportJobFactory(
        created_by=county_admin,
        status=ImportJob.Status.FAILED,
        errors=[{"row": 2, "column": value, "message": value} for value in HOSTILE],
        error_count=len(HOSTILE),
    )
    return Hostile(tree.county, tree.village_a, tree.group_a1, job)


Url = Callable[[Hostile], str]


def _page(name: str, fmt: str, query: Callable[[Hostile], str], **kw: Any) -> Url:
    return lambda h: (
        reverse(name, kwargs={k: v(h) for k, v in kw.items()} | {"fmt": fmt}) + (query(h))
    )


def _none(h: Hostile) -> str:
    return ""


def _month(h: Hostile) -> str:
    return f"?month={last_month():%Y-%m}&all=1"


# Every download of the system: (URL name or API view, label, URL of the hostile county).
DOWNLOADS: list[tuple[str, str, Url]] = [
    *[
        (name, f"{label}.{fmt}", _page(name, fmt, query, **kw))
        for fmt in ("csv", "xlsx")
        for name, label, query, kw in (
            ("area-households-export", "households", _none, {"pk": lambda h: h.group.pk}),
            ("coverage-export", "coverage", lambda h: f"?area={h.county.pk}", {}),
            ("gaps-export", "gap-households", _none, {"kind": lambda h: "households"}),
            ("gaps-export", "gap-cadres", _none, {"kind": lambda h: "cadres"}),
            ("gaps-export", "gap-zones", _none, {"kind": lambda h: "zones"}),
            ("duty-compliance-export", "compliance", _month, {}),
            ("area-diaries-export", "diaries", _none, {"pk": lambda h: h.village.pk}),
            ("reveal-log-export", "reveal-log", _none, {}),
            ("audit-log-export", "audit-log", _none, {}),
            (
                "concern-stats-export",
                "concern-stats",
                lambda h: f"?area={h.county.pk}&month={this_month():%Y-%m}",
                {},
            ),
        )
    ],
    (
        "import-errors-csv",
        "import-errors.csv",
        lambda h: reverse("import-errors-csv", kwargs={"pk": h.import_job.pk}),
    ),
    *[
        (view, f"api-{label}{'-labels' if labels else ''}.csv", url)
        for labels in ("", "&labels=1")
        for view, label, url in (
            (
                "CoverageView",
                "coverage",
                lambda h, labels=labels: (
                    f"/api/v1/stats/coverage/?area={h.county.pk}&format=csv{labels}"
                ),
            ),
            (
                "ConcernStatsView",
                "concern-stats",
                lambda h, labels=labels: (
                    f"/api/v1/stats/concerns/?area={h.county.pk}&month={this_month():%Y-%m}"
                    f"&format=csv{labels}"
                ),
            ),
            (
                "DutyComplianceView",
                "compliance",
                lambda h, labels=labels: (
                    f"/api/v1/stats/duty-compliance/?month={last_month():%Y-%m}&format=csv{labels}"
                ),
            ),
        )
    ],
]
# Downloads that hold no stored text (the import templates: fixed headers and a sample row).
WITHOUT_STORED_TEXT = {"import-template"}


def _cells(response: Any) -> list[Any]:
    """Every cell of a download; fail on any cell an XLSX holds as a formula."""
    if response["Content-Type"].startswith("text/csv"):
        return [cell for row in read_csv(response) for cell in row]
    assert response.status_code == 200, response.status_code
    book = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    formulas = [c.coordinate for c in cells if c.data_type == "f"]
    assert formulas == []
    return [c.value for c in cells]


@pytest.mark.parametrize(("name", "label", "url"), DOWNLOADS, ids=[d[1] for d in DOWNLOADS])
def test_no_download_carries_a_live_formula(hostile, county_admin, login, name, label, url):
    client = login(county_admin)
    cells = _cells(client.get(url(hostile)))
    live = [c for c in cells if isinstance(c, str) and c.startswith(FORMULA_STARTS)]
    live = [c for c in live if not NUMBER.fullmatch(c)]  # "-3" in a CSV is the number -3
    assert live == []
    # The attack did reach the file, as the text it is.
    assert GUARDED & {c for c in cells if isinstance(c, str)}


def test_numbers_stay_numbers(hostile, county_admin, login):
    response = login(county_admin).get(
        reverse("coverage-export", kwargs={"fmt": "xlsx"}), {"area": hostile.county.pk}
    )
    book = load_workbook(io.BytesIO(response.content))
    county = next(book.worksheets[0].iter_rows(min_row=2, max_row=2))
    numbers = [c.value for c in county if c.data_type == "n" and not isinstance(c.value, bool)]
    assert Household.objects.count() in numbers  # the county's households, as a number
    sheet = Sheet("x", ["a", "b", "c", "d"], [[-3, Decimal("-1.5"), -2.5, "-3"]])
    row = list(
        load_workbook(
            io.BytesIO(export_response("xlsx", "x", [sheet], request=None).content)
        ).active
    )[1]
    assert [(c.value, c.data_type) for c in row] == [
        (-3, "n"), (-1.5, "n"), (-2.5, "n"), ("'-3", "s"),
    ]  # fmt: skip
    assert read_csv(export_response("csv", "x", [sheet], request=None))[1] == [
        "-3",
        "-1.5",
        "-2.5",
        "'-3",
    ]


def _walk(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((prefix + str(pattern.pattern), pattern))
    return found


def test_every_download_of_the_system_is_replayed():
    """A download added later fails here until it joins DOWNLOADS."""
    pages, api_views = set(), set()
    for route, pattern in _walk(get_resolver().url_patterns):
        view = getattr(pattern.callback, "cls", None) or getattr(
            pattern.callback, "view_class", None
        )
        if view is not None and issubclass(view, CsvFormatMixin):
            api_views.add(view.__name__)
        elif "<export:" in route or route.endswith((".csv", ".xlsx")):
            pages.add(pattern.name)
    replayed = {d[0] for d in DOWNLOADS}
    assert pages | api_views == replayed | WITHOUT_STORED_TEXT


# XLSX bombs ----------------------------------------------------------------------------------

HOUSEHOLD_HEADER = ["code", "group_code", "head_name", "members"]
SHEET = "xl/worksheets/sheet1.xml"
MiB = 1024 * 1024


def _workbook(rows: int, *, dimension: bool = True) -> bytes:
    """An ordinary households workbook of `rows` data rows (without its <dimension>, if asked)."""
    book = Workbook()
    book.active.append(HOUSEHOLD_HEADER)
    for n in range(rows):
        book.active.append([f"B{n:06d}", "530827100201001", f"岩罕{n}", 3])
    out = io.BytesIO()
    book.save(out)
    if dimension:
        return out.getvalue()
    source, target = zipfile.ZipFile(out), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == SHEET:
                content = re.sub(rb"<dimension [^>]*/>", b"", content)
            archive.writestr(info.filename, content)
    return target.getvalue()


@functools.cache
def _bomb(megabytes: int = 420) -> bytes:
    """The probe's bomb: a real workbook whose sheet is `megabytes` MB of rows (about three
    million for 420) that compress to a few MB.

    Deflate output is byte-aligned after a full flush and refers to nothing before it, so
    one compressed megabyte of rows repeated is a valid stream of that many megabytes: the
    bomb is built in a blink, as an attacker builds it, and declares its true sizes.
    """
    row = b'<row><c t="inlineStr"><is><t>\xe5\xb2\xa9\xe7\xbd\x95</t></is></c><c><v>3</v></c></row>'
    head = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
        b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    )
    chunk, tail = row * (MiB // len(row)), b"</sheetData></worksheet>"
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [deflate.compress(head) + deflate.flush(zlib.Z_FULL_FLUSH)]
    repeated = deflate.compress(chunk) + deflate.flush(zlib.Z_FULL_FLUSH)
    parts += [repeated] * megabytes + [deflate.compress(tail) + deflate.flush()]
    crc = zlib.crc32(head)
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    sheet = (b"".join(parts), crc, len(head) + len(chunk) * megabytes + len(tail))
    members = []
    with zipfile.ZipFile(io.BytesIO(_workbook(1))) as real:
        for info in real.infolist():
            if info.filename == SHEET:
                members.append((SHEET, *sheet))
            else:
                content = real.read(info)
                packer = zlib.compressobj(9, zlib.DEFLATED, -15)
                packed = packer.compress(content) + packer.flush()
                members.append((info.filename, packed, zlib.crc32(content), len(content)))
    return _zip(members)


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip archive of already deflated members: (name, data, crc, uncompressed size)."""
    out, directory = io.BytesIO(), io.BytesIO()
    for name, data, crc, size in members:
        encoded, offset = name.encode(), out.tell()
        fields = (20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0)
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + encoded + data)
        directory.write(
            struct.pack("<IH", 0x02014B50, 20)
            + struct.pack("<HHHHHIIIHHHHHII", *fields[:9], 0, 0, 0, 0, 0, offset)
            + encoded
        )
    start, entries = out.tell(), len(members)
    out.write(directory.getvalue())
    out.write(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, directory.tell(), start, 0)
    )
    return out.getvalue()


@pytest.fixture
def no_parsing(monkeypatch) -> list[str]:
    """Record every attempt to parse a workbook (openpyxl's load_workbook), and refuse it."""
    import openpyxl

    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        attempts.append("load_workbook")
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)
    return attempts


def _message(refusal: Exception) -> str:
    """A refusal's text in the site's language, as the page and the API give it."""
    with translation.override("zh-hans"):
        return str(refusal)


def _bomb_refusal() -> Exception:
    with zipfile.ZipFile(io.BytesIO(_bomb())) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    return unpacks_too_large(unpacked, 256 * MiB)


def test_the_bomb_is_what_the_probe_sent():
    bomb = _bomb()
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        sheet = archive.getinfo(SHEET)
        with archive.open(SHEET) as stream:  # a valid stream: its first rows read back
            assert stream.read(300).count(b"<row>") >= 2
    assert 419 * MiB < sheet.file_size <= 420 * MiB  # about three million rows
    assert len(bomb) < 1.6 * MiB


def test_an_import_refuses_the_bomb_without_parsing_it(tree, no_parsing):
    with pytest.raises(ImportFileError, match="420 MB") as refused:
        import_households(io.BytesIO(_bomb()), "bomb.xlsx", by=SYSTEM)
    assert str(refused.value) == str(_bomb_refusal())
    assert no_parsing == []
    assert not Household.objects.filter(head_name="岩罕").exists()


def test_the_api_refuses_the_bomb_in_the_request(tree, county_admin, api_for, no_parsing):
    upload = SimpleUploadedFile("bomb.xlsx", _bomb())
    response = api_for(county_admin).post(
        "/api/v1/imports/", {"kind": "households", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"file": [_message(_bomb_refusal())]}
    assert (ImportJob.objects.count(), no_parsing) == (0, [])


def test_the_import_page_refuses_the_bomb_in_the_request(tree, admin_a, login, no_parsing):
    upload = SimpleUploadedFile("bomb.xlsx", _bomb())
    response = login(admin_a).post(reverse("import-list"), {"kind": "households", "file": upload})
    assert response.status_code == 200
    assert parse(response).form_errors() == [_message(_bomb_refusal())]
    assert (ImportJob.objects.count(), no_parsing) == (0, [])


def test_a_file_that_is_no_workbook_is_refused_in_the_request(tree, county_admin, api_for):
    upload = SimpleUploadedFile("fake.xlsx", b"PK\x03\x04 not really a zip")
    response = api_for(county_admin).post(
        "/api/v1/imports/", {"kind": "households", "file": upload}, format="multipart"
    )
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("dimension", [True, False], ids=["declared", "undeclared"])
def test_a_sheet_of_too_many_rows_is_refused(tree, settings, dimension):
    settings.IMPORT_MAX_ROWS = 20  # the header and 19 rows
    with pytest.raises(ImportFileError, match="20") as refused:
        import_households(io.BytesIO(_workbook(20, dimension=dimension)), "h.xlsx", by=SYSTEM)
    assert str(refused.value) == str(too_many_rows(20))
    assert not Household.objects.filter(head_name__startswith="岩罕").exists()
    result = import_households(io.BytesIO(_workbook(19, dimension=dimension)), "h.xlsx", by=SYSTEM)
    assert (result.ok, result.created) == (True, 19)


def test_a_csv_of_endless_blank_lines_is_refused(tree, settings):
    settings.IMPORT_MAX_ROWS = 1000
    data = ",".join(HOUSEHOLD_HEADER).encode() + b"\n" + b"\n" * 5000
    with pytest.raises(ImportFileError, match="1,000") as refused:
        import_households(io.BytesIO(data), "h.csv", by=SYSTEM)
    assert str(refused.value) == str(too_many_rows(1000))


def test_the_job_refuses_too_many_rows_and_says_why(
    tree, county_admin, api_for, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_ROWS = 20
    upload = SimpleUploadedFile("h.xlsx", _workbook(25))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(county_admin).post(
            "/api/v1/imports/", {"kind": "households", "file": upload}, format="multipart"
        )
    assert response.status_code == 202  # the request only read the zip's directory
    job = ImportJob.objects.get()
    assert (job.status, job.errors) == (
        ImportJob.Status.FAILED,
        [{"row": 1, "column": "", "message": _message(too_many_rows(20))}],
    )


def test_the_upload_is_parsed_by_a_background_thread_not_the_request(
    tree, county_admin, api_for, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """Embedded mode (no broker): the request stores the file and starts a thread."""
    import openpyxl

    from liaison.common import tasks

    settings.TASKS_IN_BACKGROUND_THREAD = True
    started: list[tuple[Any, tuple[Any, ...]]] = []

    class Thread:  # records the thread the request would start
        def __init__(self, target: Any, args: tuple[Any, ...], daemon: bool) -> None:
            started.append(args)

        def start(self) -> None:
            pass

    monkeypatch.setattr(tasks.threading, "Thread", Thread)
    parsed: list[int] = []
    real_load = openpyxl.load_workbook

    def load_workbook(*args: Any, **kwargs: Any) -> Any:
        parsed.append(1)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", load_workbook)
    upload = SimpleUploadedFile("h.xlsx", _workbook(3))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(county_admin).post(
            "/api/v1/imports/", {"kind": "households", "file": upload}, format="multipart"
        )
    assert response.status_code == 202
    job = ImportJob.objects.get()
    assert (job.status, parsed, len(started)) == (ImportJob.Status.PENDING, [], 1)
    task, args = started[0]
    task.apply(args=args)  # what the thread runs
    job.refresh_from_db()
    assert (job.status, job.created_count, parsed) == (ImportJob.Status.SUCCEEDED, 3, [1])


# Dates and months ------------------------------------------------------------------------------

FAR_FUTURE = datetime.date(9999, 12, 31)
LONG_AGO = datetime.date(1, 1, 1)


def _date_refusal(value: datetime.date) -> str:
    with translation.override("zh-hans"):
        return str(date_error(value))


def _month_refusal(value: datetime.date) -> str:
    with translation.override("zh-hans"):
        return str(month_error(value))


@pytest.mark.parametrize("as_of", [FAR_FUTURE, datetime.date(1999, 12, 31)])
def test_a_recompute_refuses_a_date_out_of_range(tree, as_of):
    with pytest.raises(ValidationError, match=re.escape(str(date_error(as_of)))) as refused:
        coverage_recompute(as_of=as_of, by=SYSTEM)
    assert list(refused.value.message_dict) == ["as_of"]
    with pytest.raises(ValidationError, match=re.escape(str(date_error(as_of)))):
        coverage_jobs.coverage_job_create(as_of=as_of, by=SYSTEM)
    assert not CoverageSnapshot.objects.exists()
    assert not CoverageJob.objects.exists()
    assert coverage_recompute(as_of=dates.EARLIEST, by=SYSTEM) == Area.objects.count()


@pytest.mark.parametrize("as_of", ["9999-12-31", "1999-12-31"])
def test_the_api_refuses_a_recompute_out_of_range(tree, county_admin, api_for, as_of):
    response = api_for(county_admin).post(
        "/api/v1/stats/coverage/recompute/", {"as_of": as_of}, format="json"
    )
    assert response.status_code == 400
    day = datetime.date.fromisoformat(as_of)
    assert response.json() == {"as_of": [_date_refusal(day)]}
    assert not CoverageJob.objects.exists()


def test_a_job_stored_before_the_check_fails_with_the_reason(tree):
    job = CoverageJobFactory(as_of=FAR_FUTURE)
    coverage_jobs.coverage_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == (CoverageJob.Status.FAILED, str(date_error(FAR_FUTURE)))
    assert not CoverageSnapshot.objects.exists()


def test_the_command_refuses_a_date_out_of_range(tree):
    with pytest.raises(CommandError, match=re.escape(str(date_error(FAR_FUTURE)))):
        call_command("recompute_coverage", "--as-of", "9999-12-31")
    assert not CoverageSnapshot.objects.exists()


def test_a_snapshot_dated_after_today_is_never_the_latest(tree, county_admin, api_for):
    """Written by the system before the check: it must not become everyone's figures."""
    coverage_recompute(as_of=timezone.localdate(), by=SYSTEM)
    CoverageSnapshotFactory(area=tree.county, as_of=FAR_FUTURE, households=1)
    body = api_for(county_admin).get(f"/api/v1/stats/coverage/?area={tree.county.pk}").json()
    assert (body["as_of"], body["households"]) == (timezone.localdate().isoformat(), 7)


@pytest.mark.parametrize("month", [LONG_AGO, datetime.date(1999, 12, 1)])
def test_compliance_refuses_a_month_before_the_records(tree, month):
    with pytest.raises(ValidationError, match=re.escape(str(month_error(month)))):
        compliance_recompute(month=month, by=SYSTEM)
    with pytest.raises(ValidationError, match=re.escape(str(month_error(month)))):
        compliance_recompute_task(f"{month.year:04d}-{month.month:02d}")
    assert not MonthlyCompliance.objects.exists()


@pytest.mark.parametrize(
    ("month", "key"),
    [("0000-01", "format"), ("1999-12", "range"), ("9999-12", "future"), ("2026-13", "format")],
)
def test_the_api_refuses_a_compliance_month_out_of_range(tree, county_admin, api_for, month, key):
    client = api_for(county_admin)
    with translation.override("zh-hans"):
        expected = {
            "format": str(_t("Give the month as YYYY-MM.")),
            "range": _month_refusal(datetime.date(1999, 12, 1)),
            "future": str(FUTURE_MONTH),
        }[key]
    recompute = client.post(
        "/api/v1/stats/duty-compliance/recompute/", {"month": month}, format="json"
    )
    assert (recompute.status_code, recompute.json()) == (400, {"month": [expected]})
    # Reading such a month crashed the month arithmetic (9999-12 has no next month).
    read = client.get("/api/v1/stats/duty-compliance/", {"month": month})
    assert read.status_code == 400
    assert list(read.json()) == ["month"]
    assert not MonthlyCompliance.objects.exists()


@pytest.mark.parametrize("month", ["0001-01", "1999-12"])
def test_the_compliance_page_refuses_a_month_out_of_range(tree, county_admin, login, month):
    client = login(county_admin)
    response = client.post(reverse("duty-compliance-recompute"), {"month": month}, follow=True)
    first = datetime.date.fromisoformat(f"{month}-01")
    assert parse(response).messages("danger") == [_month_refusal(first)]
    assert not MonthlyCompliance.objects.exists()


def test_a_duty_day_before_the_records_is_refused(tree, cadre_a, county_admin, api_for):
    with pytest.raises(ValidationError, match=re.escape(str(date_error(LONG_AGO)))) as refused:
        dutyday_log(
            cadre=cadre_a, date=LONG_AGO, area=tree.group_a1, activities=["farm_work"],
            diary="在组上开了院坝会，听取了群众对修路和饮水的意见。", by=county_admin,
        )  # fmt: skip
    assert list(refused.value.message_dict) == ["date"]
    response = api_for(county_admin).post(
        "/api/v1/duty-days/",
        {
            "cadre": cadre_a.pk,
            "date": "0001-01-01",
            "area": tree.group_a1.pk,
            "activities": ["farm_work"],
            "households": [tree.households_a[0].pk],
        },
        format="json",
    )
    assert (response.status_code, response.json()) == (400, {"date": [_date_refusal(LONG_AGO)]})
    assert not DutyDay.objects.exists()


def _moved_out(day: str) -> dict[str, Any]:
    return {"status": HouseholdStatus.MOVED_OUT, "status_date": day}


def test_a_status_date_after_today_is_refused(tree, admin_a, api_for, login):
    household = tree.households_a[0]
    with pytest.raises(ValidationError, match=re.escape(str(date_error(FAR_FUTURE)))):
        household_update(
            household=household,
            data={"status": HouseholdStatus.MOVED_OUT, "status_date": FAR_FUTURE},
            by=admin_a,
        )
    api = api_for(admin_a).patch(
        f"/api/v1/households/{household.pk}/", _moved_out("9999-12-31"), format="json"
    )
    assert (api.status_code, api.json()) == (400, {"status_date": [_date_refusal(FAR_FUTURE)]})
    page = login(admin_a).post(
        reverse("household-update", args=[household.pk]),
        {"code": household.code, "head_name": household.head_name, "members": 3}
        | _moved_out("9999-12-31"),
    )
    assert parse(page).form_errors() == [_date_refusal(FAR_FUTURE)]
    household.refresh_from_db()
    assert (household.status, household.status_date) == (HouseholdStatus.ACTIVE, None)


def test_the_import_refuses_a_status_date_after_today(tree):
    data = (
        "code,group_code,head_name,members,status,status_date\n"
        "S1,530827100201001,岩罕,3,迁出,9999-12-31\n"
        "S2,530827100201001,岩温,3,迁出,1999-06-30\n"
    ).encode()
    result = import_households(io.BytesIO(data), "h.csv", by=SYSTEM)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "status_date", str(date_error(FAR_FUTURE))),
        (3, "status_date", str(date_error(datetime.date(1999, 6, 30)))),
    ]
    assert not Household.objects.filter(code__in=["S1", "S2"]).exists()


@pytest.mark.parametrize("members", [100, 2147483648])
def test_members_beyond_99_are_refused_everywhere(tree, admin_a, api_for, login, members):
    household = tree.households_a[0]
    with translation.override("zh-hans"):
        expected = members_error()
    with pytest.raises(ValidationError, match=re.escape(members_error())):
        household_create(
            data={"group": tree.group_a1, "code": "M1", "head_name": "岩新", "members": members},
            by=admin_a,
        )
    api = api_for(admin_a).patch(
        f"/api/v1/households/{household.pk}/", {"members": members}, format="json"
    )
    assert api.status_code == 400
    assert expected in api.json()["members"]
    page = login(admin_a).post(
        reverse("household-update", args=[household.pk]),
        {"code": household.code, "head_name": household.head_name, "members": members}
        | {"status": "active"},
    )
    assert expected in parse(page).form_errors()
    household.refresh_from_db()
    assert household.members == 3
    data = f"code,group_code,head_name,members\nM2,530827100201001,岩罕,{members}\n".encode()
    result = import_households(io.BytesIO(data), "h.csv", by=SYSTEM)
    assert [(e.column, e.message) for e in result.errors] == [("members", members_error())]
    assert not Household.objects.filter(code__in=["M1", "M2"]).exists()


def test_a_pairing_before_the_records_is_refused(tree, cadre_a, admin_a, api_for):
    household = tree.households_a[0]
    with pytest.raises(ValidationError, match=re.escape(str(date_error(LONG_AGO)))):
        pairing_create(cadre=cadre_a, household=household, start_date=LONG_AGO, by=admin_a)
    api = api_for(admin_a).post(
        "/api/v1/pairings/",
        {"cadre": cadre_a.pk, "household": household.pk, "start_date": "0001-01-01"},
        format="json",
    )
    assert (api.status_code, api.json()) == (400, {"start_date": [_date_refusal(LONG_AGO)]})
    Cadre.objects.filter(pk=cadre_a.pk).update(phone="13900001234")
    data = f"household_code,cadre_phone,start_date\n{household.code},13900001234,1999-12-31\n"
    result = import_pairings(io.BytesIO(data.encode()), "p.csv", by=SYSTEM)
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "start_date", str(date_error(datetime.date(1999, 12, 31))))
    ]
    assert not Pairing.objects.exists()
