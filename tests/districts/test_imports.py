import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from districts.imports import ImportFileError, import_areas, import_households
from districts.models import Area, Household

pytestmark = pytest.mark.django_db

AREAS_CSV = """code,name,level,parent_code,categories
530827100202,新寨村,village,530827100,weak_infrastructure;economy_lagging
530827100202001,新寨一组,group,530827100202,
530827100202002,新寨二组,group,530827100202,
"""

HOUSEHOLDS_HEADER = "code,group_code,head_name,members,id_number,phone,address,categories\n"


def households_csv(*rows: str) -> io.BytesIO:
    return io.BytesIO((HOUSEHOLDS_HEADER + "\n".join(rows) + "\n").encode())


GOOD_ROWS = (
    "H001,530827100201001,岩罕,4,11010519491231002X,13900001234,芒街一组1号,poor;petitioner",
    "H002,530827100201002,玉香,2,,,,",
    "H003,530827101201001,扎约,5,530827198001019998,0879-8722345,勐啊一组,",
)


def test_areas_import_creates_in_dependency_order(tree, county_admin):
    # Children listed before parents still land under them.
    text = AREAS_CSV.splitlines()
    reordered = "\n".join([text[0], text[3], text[2], text[1]]) + "\n"
    result = import_areas(io.BytesIO(reordered.encode()), "areas.csv", by=county_admin)
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    village = Area.objects.get(code="530827100202")
    assert village.categories == ["weak_infrastructure", "economy_lagging"]
    assert Area.objects.get(code="530827100202002").path == (
        "/530827/530827100/530827100202/530827100202002/"
    )


def test_areas_reimport_is_idempotent_and_updates_by_code(tree, county_admin):
    import_areas(io.BytesIO(AREAS_CSV.encode()), "a.csv", by=county_admin)
    again = import_areas(io.BytesIO(AREAS_CSV.encode()), "a.csv", by=county_admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    renamed = AREAS_CSV.replace("新寨二组", "新寨二社")
    third = import_areas(io.BytesIO(renamed.encode()), "a.csv", by=county_admin)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert Area.objects.get(code="530827100202002").name == "新寨二社"


def test_areas_bad_rows_are_all_reported_and_nothing_written(tree, county_admin):
    bad = (
        "code,name,level,parent_code,categories\n"
        "530827100203,好村,village,530827100,\n"
        "530827100204,,village,530827100,\n"
        "530827100205,错级村,village,530827,\n"
        "530827100206,怪村,hamlet,530827100,\n"
        "530827100207,类村,village,530827100,rich\n"
        "530827100203,重复,village,530827100,\n"
        "530827100208,孤村,village,999999999,\n"
    )
    before = Area.objects.count()
    result = import_areas(io.BytesIO(bad.encode()), "bad.csv", by=county_admin)
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (3, "name"),
        (4, "parent_code"),
        (5, "level"),
        (6, "categories"),
        (7, "code"),
        (8, "parent_code"),
    }
    assert Area.objects.count() == before


def test_areas_outside_jurisdiction_are_refused(tree, admin_a):
    rows = "code,name,level,parent_code,categories\n530827101202,外村,village,530827101,\n"
    result = import_areas(io.BytesIO(rows.encode()), "a.csv", by=admin_a)
    assert [(e.row, e.column) for e in result.errors] == [(2, "parent_code")]
    assert not Area.objects.filter(code="530827101202").exists()


def test_households_import_good_file(tree, county_admin):
    result = import_households(households_csv(*GOOD_ROWS), "h.csv", by=county_admin)
    assert result.errors == []
    assert (result.rows_total, result.created) == (3, 3)
    h1 = Household.objects.get(code="H001")
    assert (h1.group_id, h1.village_id, h1.township_id, h1.county_id) == (
        tree.group_a1.pk,
        tree.village_a.pk,
        tree.town_a.pk,
        tree.county.pk,
    )
    assert h1.categories == ["poor", "petitioner"]
    assert h1.members == 4
    assert h1.history.get().history_type == "+"
    assert h1.history.get().history_user == county_admin
    assert Household.objects.get(code="H003").township_id == tree.town_b.pk


def test_households_reimport_is_idempotent_and_updates(tree, county_admin):
    import_households(households_csv(*GOOD_ROWS), "h.csv", by=county_admin)
    count = Household.objects.count()
    again = import_households(households_csv(*GOOD_ROWS), "h.csv", by=county_admin)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Household.objects.count() == count
    moved = GOOD_ROWS[0].replace("530827100201001", "530827101201001")
    third = import_households(households_csv(moved, *GOOD_ROWS[1:]), "h.csv", by=county_admin)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    h1 = Household.objects.get(code="H001")
    assert (h1.group_id, h1.township_id) == (tree.group_b1.pk, tree.town_b.pk)
    assert h1.history.count() == 2


def test_households_bad_rows_reported_with_row_column_reason_nothing_written(tree, county_admin):
    before = Household.objects.count()
    result = import_households(
        households_csv(
            GOOD_ROWS[0],
            "H010,530827100201001,岩,0,,,,",
            "H011,999,岩,2,,,,",
            "H012,530827100201001,岩,2,110105194912310021,,,",
            "H013,530827100201001,岩,2,,12345,,",
            "H014,530827100201001,,2,,,,rich",
            "H001,530827100201001,重复,2,,,,",
        ),
        "h.csv",
        by=county_admin,
    )
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "members"),
        (4, "group_code"),
        (5, "id_number"),
        (6, "phone"),
        (7, "head_name"),  # in the order the columns stand in the file
        (7, "categories"),
        (8, "code"),
    ]
    assert "校验位" in next(e.message for e in result.errors if e.row == 5)
    assert Household.objects.count() == before


def test_households_in_another_township_look_missing(tree, admin_a):
    result = import_households(households_csv(GOOD_ROWS[2]), "h.csv", by=admin_a)
    assert [(e.row, e.column) for e in result.errors] == [(2, "group_code")]
    assert "没有编码为 530827101201001 的村民小组" in result.errors[0].message
    assert not Household.objects.filter(code="H003").exists()


def test_header_errors_are_file_errors(tree, county_admin):
    with pytest.raises(ImportFileError, match="缺少列"):
        import_households(io.BytesIO(b"code,head_name\nH1,x\n"), "h.csv", by=county_admin)
    with pytest.raises(ImportFileError, match=r"\.csv 或 \.xlsx"):
        import_households(io.BytesIO(b""), "h.pdf", by=county_admin)


def test_xlsx_and_gb18030_files(tree, county_admin):
    book = Workbook()
    sheet = book.active
    sheet.append(HOUSEHOLDS_HEADER.strip().split(","))
    sheet.append(["H100", 530827100201001, "岩温", 3, "11010519491231002X", 13900001111, "", ""])
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    result = import_households(data, "h.xlsx", by=county_admin)
    assert result.errors == []
    assert Household.objects.get(code="H100").phone == "13900001111"

    gbk = (HOUSEHOLDS_HEADER + "H101,530827100201001,玉罕,2,,,芒街,\n").encode("gb18030")
    assert import_households(io.BytesIO(gbk), "h.csv", by=county_admin).created == 1
    assert Household.objects.get(code="H101").head_name == "玉罕"


def test_import_commands(tree, tmp_path, capsys):
    areas = tmp_path / "areas.csv"
    areas.write_text(AREAS_CSV, encoding="utf-8")
    call_command("import_areas", str(areas))
    assert "3 new" in capsys.readouterr().out
    households = tmp_path / "h.csv"
    households.write_text(HOUSEHOLDS_HEADER + "H200,530827100202001,岩保,3,,,,\n", encoding="utf-8")
    call_command("import_households", str(households))
    assert Household.objects.get(code="H200").village.code == "530827100202"

    bad = tmp_path / "bad.csv"
    bad.write_text(HOUSEHOLDS_HEADER + "H201,nope,岩,3,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_households", str(bad))
    assert "row 2, group_code" in capsys.readouterr().err
    assert not Household.objects.filter(code="H201").exists()
