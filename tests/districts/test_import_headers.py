"""Imports read files as people write them: Chinese headers and names of levels,
categories and statuses, a second header row, errors that name columns as the file does."""

import datetime
import io
from collections.abc import Sequence

import pytest
from django.utils import translation
from openpyxl import Workbook

from districts.access import SYSTEM
from districts.imports import (
    HOUSEHOLD_SPEC,
    ImportFileError,
    RowError,
    choice_code,
    import_areas,
    import_households,
    split_list,
)
from districts.models import (
    Area,
    AreaLevel,
    Household,
    HouseholdCategory,
    HouseholdStatus,
    VillageCategory,
)

pytestmark = pytest.mark.django_db

CHINESE = "户编码,村民小组编码,户主姓名,家庭人口,身份证号,联系电话,住址,类别,状态,状态日期"
CODES = "code,group_code,head_name,members,id_number,phone,address,categories,status,status_date"
GROUP_A1 = "530827100201001"


def csv_file(*lines: str) -> io.BytesIO:
    return io.BytesIO(("\n".join(lines) + "\n").encode())


def xlsx_file(*rows: Sequence[object]) -> io.BytesIO:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def errors_of(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in result.errors]


# Headers ------------------------------------------------------------------------------------


def test_chinese_headers_and_names_import(tree, county_admin):
    result = import_households(
        csv_file(
            CHINESE,
            f"C1,{GROUP_A1},岩罕,4,11010519491231002X,139 0000 1234,芒街一组,贫困户、上访户,在册,",
            f"C2,{GROUP_A1},玉香,2,,,,特困户；问题户,迁出,2026年3月1日",
            f"C3,{GROUP_A1},扎约,1,,,,Poor,已注销,2026/3/2",
        ),
        "户.csv",
        by=county_admin,
    )
    assert result.errors == []
    assert (result.rows_total, result.created) == (3, 3)
    rows = Household.objects.filter(code__in=["C1", "C2", "C3"]).order_by("code")
    assert [(h.head_name, h.members, h.categories, h.status, h.status_date) for h in rows] == [
        ("岩罕", 4, ["poor", "petitioner"], "active", None),
        ("玉香", 2, ["extreme_hardship", "problem"], "moved_out", datetime.date(2026, 3, 1)),
        ("扎约", 1, ["poor"], "deregistered", datetime.date(2026, 3, 2)),
    ]
    assert rows[0].phone == "13900001234"


def test_other_names_spaces_full_width_marks_and_notes_in_headers(tree, county_admin):
    header = " 户编号 ,Group_Code,户主*,家庭人口（人）,手机号,地址,户类别"
    result = import_households(
        csv_file(header, f"C4,{GROUP_A1},岩保,5,13900001111,芒街,贫困"), "h.csv", by=county_admin
    )
    assert result.errors == []
    household = Household.objects.get(code="C4")
    assert (household.head_name, household.members, household.phone, household.address) == (
        "岩保",
        5,
        "13900001111",
        "芒街",
    )
    assert household.categories == ["poor"]


def test_headers_in_both_forms_may_be_mixed(tree, county_admin):
    result = import_households(
        csv_file("code,村民小组编码,户主姓名,members", f"C5,{GROUP_A1},岩温,3"),
        "h.csv",
        by=county_admin,
    )
    assert (result.errors, result.created) == ([], 1)


def test_a_missing_column_is_named_in_chinese_and_as_code(tree, county_admin):
    with pytest.raises(ImportFileError, match=r"缺少列：户主姓名 \(head_name\)"):
        import_households(csv_file("户编码,村民小组编码", f"C6,{GROUP_A1}"), "h.csv", by=SYSTEM)


def test_an_unknown_column_is_named_as_the_file_writes_it(tree, county_admin):
    with pytest.raises(ImportFileError, match="未知列：户主电话") as caught:
        import_households(
            csv_file(CHINESE + ",户主电话", f"C7,{GROUP_A1},岩,2,,,,,,,1"), "h.csv", by=SYSTEM
        )
    # The message lists what the file may hold, in both forms.
    assert "户编码 (code), 村民小组编码 (group_code), 户主姓名 (head_name)" in str(caught.value)


def test_a_column_given_twice_is_refused(tree):
    with (
        translation.override("en"),
        pytest.raises(ImportFileError, match=r"column\(s\) given twice: 户主 / head_name"),
    ):
        import_households(
            csv_file("code,group_code,户主,head_name", f"C8,{GROUP_A1},岩,岩"), "h.csv", by=SYSTEM
        )
    assert not Household.objects.filter(code="C8").exists()


# The second header row ------------------------------------------------------------------------


def test_a_second_header_row_of_codes_is_skipped_and_rows_keep_their_numbers(tree, county_admin):
    result = import_households(
        csv_file(CHINESE, CODES, f"C9,{GROUP_A1},岩,2,,,,,,", f"C10,{GROUP_A1},,2,,,,,,"),
        "h.csv",
        by=county_admin,
    )
    assert errors_of(result) == [(4, "户主姓名", "此列为必填项。")]
    assert result.rows_total == 2


def test_a_chinese_second_row_under_codes_is_skipped_too(tree, county_admin):
    result = import_households(
        csv_file(CODES, CHINESE, f"C11,{GROUP_A1},岩,2,,,,,,"), "h.csv", by=county_admin
    )
    assert (result.errors, result.rows_total, result.created) == ([], 1, 1)


def test_an_xlsx_whose_second_row_is_the_code_header_imports(tree, county_admin):
    data = xlsx_file(
        CHINESE.split(","),
        CODES.split(","),
        ["C12", int(GROUP_A1), "岩伦", 3, None, 13900002222, None, "贫困户", "在册", None],
    )
    result = import_households(data, "户.xlsx", by=county_admin)
    assert (result.errors, result.rows_total, result.created) == ([], 1, 1)
    assert Household.objects.get(code="C12").phone == "13900002222"


def test_a_second_row_naming_only_some_columns_is_data(tree, county_admin):
    # One cell holds a value, not a column name: the row is a household, and wrong.
    result = import_households(
        csv_file("code,group_code,head_name", f"户编码,{GROUP_A1},户主姓名"),
        "h.csv",
        by=county_admin,
    )
    assert (result.errors, result.created) == ([], 1)
    assert Household.objects.get(code="户编码").head_name == "户主姓名"


def test_a_second_row_with_a_cell_beyond_the_header_is_data(tree, county_admin):
    result = import_households(
        csv_file("code,group_code,head_name", "code,group_code,head_name,x"), "h.csv", by=SYSTEM
    )
    assert errors_of(result) == [(2, "group_code", "没有编码为 group_code 的村民小组。")]


# Values ---------------------------------------------------------------------------------------


def test_unknown_names_are_errors_that_list_what_is_allowed(tree, county_admin):
    before = Household.objects.count()
    result = import_households(
        csv_file(
            CHINESE,
            f"D1,{GROUP_A1},岩,2,,,,富裕户、贫困户,,",
            f"D2,{GROUP_A1},岩,2,,,,,搬走,",
            f"D3,{GROUP_A1},岩,2,,,,,迁出,2026-02-30",
            f"D4,{GROUP_A1},岩,2,,,,,注销,",
        ),
        "h.csv",
        by=county_admin,
    )
    categories = ", ".join(f"{label} ({code})" for code, label in HouseholdCategory.choices)
    statuses = ", ".join(f"{label} ({code})" for code, label in HouseholdStatus.choices)
    assert errors_of(result) == [
        (2, "类别", f"未知类别：富裕户。允许的值：{categories}。"),
        (3, "状态", f"未知状态 搬走。允许的值：{statuses}。"),
        (4, "状态日期", "日期请按 YYYY-MM-DD 格式填写。"),
        (5, "状态日期", "请填写该户迁出或注销的日期。"),
    ]
    assert Household.objects.count() == before


def test_errors_name_the_column_as_the_file_does_in_file_order(tree, county_admin):
    result = import_households(
        csv_file("户号,组编码,户主,人口,手机", "E1,999,,0,12345"), "h.csv", by=county_admin
    )
    assert [(e.row, e.column) for e in result.errors] == [
        (2, "组编码"),
        (2, "户主"),
        (2, "人口"),
        (2, "手机"),
    ]


def test_areas_with_chinese_headers_levels_and_categories(tree, county_admin):
    result = import_areas(
        csv_file(
            "区划代码,名称,级别,上级代码,类别",
            "530827100203,新民村,村,530827100,基础条件薄弱村、经济发展后进村",
            "530827100203001,新民一组,村民小组,530827100203,",
            "530827100203002,新民二组,组,530827100203,",
            "530827100204,团结村,Village,530827100,economy_lagging",
        ),
        "区划.csv",
        by=county_admin,
    )
    assert result.errors == []
    assert result.created == 4
    village = Area.objects.get(code="530827100203")
    assert (village.level, village.categories) == (
        "village",
        ["weak_infrastructure", "economy_lagging"],
    )
    assert Area.objects.get(code="530827100203002").level == "group"


def test_area_errors_name_chinese_columns_and_allowed_levels(tree):
    result = import_areas(
        csv_file(
            "区划代码,名称,级别,上级代码,类别",
            "530827100205,片村,片区,530827100,",
            "530827100206,好村,村,530827100,富裕村",
            "530827100206001,一组,村民小组,,",
        ),
        "区划.csv",
        by=SYSTEM,  # sees everything: no jurisdiction error beside the missing parent
    )
    levels = ", ".join(f"{label} ({code})" for code, label in AreaLevel.choices)
    villages = ", ".join(f"{label} ({code})" for code, label in VillageCategory.choices)
    assert errors_of(result) == [
        (2, "级别", f"未知级别 片区。允许的值：{levels}。"),
        (3, "类别", f"未知类别：富裕村。允许的值：{villages}。"),
        (4, "上级代码", "村民小组必须有上级区域。"),
    ]
    assert (
        not Area.objects.filter(code__startswith="53082710020")
        .exclude(code__in=["530827100201", "530827100201001", "530827100201002"])
        .exists()
    )


def test_a_missing_optional_column_is_named_in_chinese(tree):
    result = import_areas(
        csv_file("code,name,level", "530827100207,孤村,village"), "a.csv", by=SYSTEM
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "上级代码")]


@pytest.mark.parametrize(
    "choices", [AreaLevel, HouseholdCategory, HouseholdStatus, VillageCategory]
)
def test_every_code_and_label_in_every_language_names_its_own_code(choices):
    for code, label in choices.choices:
        assert choice_code(choices, code) == code
        for language in ("zh-hans", "en"):
            with translation.override(language):
                assert choice_code(choices, f" {str(label).upper()} ") == code, label


def test_chinese_labels_come_from_the_translations():
    assert [choice_code(AreaLevel, n) for n in ("县", "乡镇", "村", "村民小组", "州（市）")] == [
        "county",
        "township",
        "village",
        "group",
        "prefecture",
    ]
    assert choice_code(HouseholdCategory, "特困户") == "extreme_hardship"
    assert choice_code(HouseholdStatus, "注销") == "deregistered"
    assert choice_code(HouseholdCategory, "富裕户") is None


def test_lists_split_on_chinese_and_ascii_separators():
    assert split_list("贫困户、上访户；问题户,困难户，poor;; 贫困户") == [
        "贫困户",
        "上访户",
        "问题户",
        "困难户",
        "poor",
    ]


def test_the_spec_has_a_chinese_title_for_every_column():
    assert [c.title for c in HOUSEHOLD_SPEC] == CHINESE.split(",")
    assert [c.code for c in HOUSEHOLD_SPEC] == CODES.split(",")


# What the import created -----------------------------------------------------------------------


def test_new_households_are_counted_by_village(tree, county_admin):
    existing = tree.households_a[0]
    result = import_households(
        csv_file(
            "code,group_code,head_name",
            f"N1,{GROUP_A1},岩",
            "N2,530827100201002,岩",
            "N3,530827101201001,岩",
            f"{existing.code},{GROUP_A1},{existing.head_name}",
        ),
        "h.csv",
        by=county_admin,
    )
    assert result.errors == []
    assert result.new_households == {tree.village_a.pk: 2, tree.village_b.pk: 1}


def test_row_errors_are_plain_records():
    assert RowError(3, "户主姓名", "此列为必填项。").as_dict() == {
        "row": 3,
        "column": "户主姓名",
        "message": "此列为必填项。",
    }
