"""The one way downloads are written (liaison.common.exports): CSV with a BOM, XLSX, file
names in any script, and no formula a spreadsheet would run."""

import datetime
import io
from urllib.parse import unquote

import pytest
from django.http import Http404
from django.utils import timezone
from openpyxl import load_workbook

from districts.models import AreaLevel, HouseholdCategory
from liaison.common.exports import (
    Column,
    Sheet,
    choice_label,
    choice_labels,
    content_disposition,
    export_response,
    guard,
    safe_filename,
    table,
    yes_no,
)

from .files import read_csv

HOSTILE = ['=HYPERLINK("http://x","点我")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("value", HOSTILE)
def test_text_a_spreadsheet_would_run_is_quoted(value):
    assert guard(value) == "'" + value


@pytest.mark.parametrize("value", ["岩罕", "a=b", "", -3, 2.5, None, datetime.date(2026, 3, 1)])
def test_other_values_pass_unchanged(value):
    assert guard(value) == value


def test_csv_has_a_bom_and_quotes_formulas():
    sheet = Sheet("表", ["名称", "=x"], [["岩罕", 3], [HOSTILE[0], -1], [None, True]])
    response = export_response("csv", "测试", [sheet], request=None)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert read_csv(response) == [
        ["名称", "'=x"],
        ["岩罕", "3"],
        ["'" + HOSTILE[0], "-1"],
        ["", "True"],
    ]


def test_xlsx_has_every_sheet_bold_headers_and_no_formula():
    computed = timezone.make_aware(datetime.datetime(2026, 3, 1, 8, 30), datetime.UTC)
    sheets = [
        Sheet("干部", ["姓名", "日期", "时间"], [["=1+1", datetime.date(2026, 3, 1), computed]]),
        Sheet("按部门", ["部门"], [["县财政局\x07"]]),
        Sheet("按部门", ["部门"], []),  # a repeated title is made unique
    ]
    response = export_response("xlsx", "报告", sheets, request=None)
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["干部", "按部门", "按部门 (3)"]
    first = book["干部"]
    assert first["A1"].font.bold
    assert first.freeze_panes == "A2"
    assert first["A2"].value == "'=1+1"
    assert first["A2"].data_type == "s"  # text, not a formula
    assert first["B2"].value == datetime.datetime(2026, 3, 1)
    assert first["C2"].value == datetime.datetime(2026, 3, 1, 16, 30)  # Asia/Shanghai
    assert book["按部门"]["A2"].value == "县财政局"  # a control character XLSX cannot hold


def test_another_format_is_not_found():
    with pytest.raises(Http404, match="CSV"):
        export_response("pdf", "x", [Sheet("x", [], [])], request=None)


def test_ascii_names_are_sent_as_they_are():
    assert content_disposition("coverage-530827-2026-03-01.csv") == (
        'attachment; filename="coverage-530827-2026-03-01.csv"'
    )


def test_chinese_names_travel_as_rfc_5987_with_an_ascii_fallback():
    header = content_disposition("覆盖率-娜允镇-2026-03-01.xlsx")
    fallback, encoded = header.split("; filename*=")
    assert fallback == 'attachment; filename="2026-03-01.xlsx"'
    assert encoded.startswith("UTF-8''")
    assert unquote(encoded.removeprefix("UTF-8''")) == "覆盖率-娜允镇-2026-03-01.xlsx"
    assert content_disposition("农户.csv") == (
        "attachment; filename=\"export.csv\"; filename*=UTF-8''%E5%86%9C%E6%88%B7.csv"
    )


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "_.._etc_passwd"),
        ('a"b;c\r\n.csv', "a_b_c_.csv"),
        ("芒街村/一组:农户?.xlsx", "芒街村_一组_农户_.xlsx"),
        (".csv", "export.csv"),
        ("x" * 300 + ".xlsx", "x" * 115 + ".xlsx"),
    ],
)
def test_file_names_lose_what_no_file_system_takes(name, safe):
    assert safe_filename(name) == safe
    assert "\n" not in content_disposition(name) and "/" not in content_disposition(name)


def test_a_table_gives_codes_or_labels():
    columns = [
        Column("level", "级别", lambda a: a, lambda a: choice_label(AreaLevel, a)),
        Column("name", "名称", lambda a: a.upper()),
    ]
    coded = table("t", columns, ["county", "group"], labels=False)
    assert (coded.headers, list(coded.rows)) == (
        ["level", "name"],
        [["county", "COUNTY"], ["group", "GROUP"]],
    )
    labelled = table("t", columns, ["county", "group"], labels=True)
    assert (labelled.headers, list(labelled.rows)) == (
        ["级别", "名称"],
        [["县", "COUNTY"], ["村民小组", "GROUP"]],
    )


def test_values_as_people_read_them():
    assert (yes_no(True), yes_no(False), yes_no(None)) == ("是", "否", "")
    assert choice_labels(HouseholdCategory, ["poor", "petitioner"]) == "贫困户、上访户"
    assert choice_label(HouseholdCategory, "gone") == "gone"  # an old code stays readable
