"""Imports of departments, cadres and pairings (issue 8 item 11)."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from districts.access import SYSTEM
from liaison.core.imports import import_cadres, import_departments, import_pairings
from liaison.core.models import Cadre, Department, Pairing

from ..factories import CadreFactory, PairingFactory

pytestmark = pytest.mark.usefixtures("english")


def csv(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def errors(result) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in result.errors]


# Departments ------------------------------------------------------------------------------


def test_departments_import_with_chinese_headers_and_names_and_again_unchanged(tree):
    text = (
        "部门名称,所属区划代码,部门类别\n"
        "县委组织部,530827,党政机关\n"
        "娜允镇文化站,530827100,教育文化\n"
    )
    result = import_departments(csv(text), "d.csv", by=SYSTEM)
    assert (result.ok, result.created, result.updated) == (True, 2, 0)
    office = Department.objects.get(name="娜允镇文化站")
    assert (office.level, office.kind, office.area) == (
        "township",
        "education_culture",
        tree.town_a,
    )
    again = import_departments(csv(text), "d.csv", by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = import_departments(csv(text.replace("教育文化", "other")), "d.csv", by=SYSTEM)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)


def test_department_rows_are_all_checked_and_nothing_is_written(tree):
    text = (
        "name,area_code,kind\n"
        "县委组织部,530827,party_gov\n"
        "芒街村办,530827100201,party_gov\n"
        "某局,999999,party_gov\n"
        "县委组织部,530827,economic\n"
        "无类,530827,科研\n"
    )
    result = import_departments(csv(text), "d.csv", by=SYSTEM)
    assert errors(result) == [
        (3, "area_code", "A department belongs to a county or a township, not a Village."),
        (4, "area_code", "No area has code 999999."),
        (5, "name", "Department 县委组织部 of 530827 appears twice (first on row 2)."),
        (6, "kind", pytest.approx(errors(result)[3][2])),
    ]
    assert errors(result)[3][2].startswith("Unknown kind 科研. Allowed: ")
    assert not Department.objects.exists()


def test_department_outside_the_jurisdiction_reads_as_missing(tree, admin_a):
    text = "name,area_code,kind\n勐马镇文化站,530827101,other\n"
    result = import_departments(csv(text), "d.csv", by=admin_a)
    assert errors(result) == [(2, "area_code", "No area has code 530827101.")]
    assert not Department.objects.exists()


def test_a_viewer_may_not_import(tree, viewer_a):
    with pytest.raises(PermissionDenied, match=r"\w"):
        import_departments(csv("name,area_code,kind\n"), "d.csv", by=viewer_a)


# Cadres -----------------------------------------------------------------------------------

CADRES = (
    "姓名,性别,所在部门,职级,联系电话,服务区划代码,工号\n"
    "刘丽芬,女,娜允镇党政办,一般干部,139 0000 1234,,\n"
    "岩温,男,娜允镇党政办,村干部,13900005678,530827100201,G0002\n"
)


def test_cadres_import_by_phone_or_staff_code_and_again_unchanged(tree, township_a_department):
    result = import_cadres(csv(CADRES), "c.csv", by=SYSTEM)
    assert (result.ok, result.created) == (True, 2)
    liu = Cadre.objects.get(phone="13900001234")
    assert (liu.gender, liu.rank, liu.area, liu.staff_code) == (
        "female",
        "ordinary",
        tree.town_a,
        "",
    )
    yan = Cadre.objects.get(staff_code="G0002")
    assert (yan.area, yan.rank) == (tree.village_a, "village_cadre")
    assert yan.history.count() == 1
    again = import_cadres(csv(CADRES), "c.csv", by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    # Found by staff code although the phone changed; found by phone although renamed.
    moved = CADRES.replace("13900005678", "13900009999").replace("刘丽芬", "刘丽")
    third = import_cadres(csv(moved), "c.csv", by=SYSTEM)
    assert (third.created, third.updated) == (0, 2)
    assert Cadre.objects.get(staff_code="G0002").phone == "13900009999"
    assert Cadre.objects.get(phone="13900001234").name == "刘丽"


def test_cadre_rows_name_row_column_and_reason(tree, township_a_department, township_b_department):
    text = (
        "name,gender,department,rank,phone,area_code,staff_code\n"
        "甲,男,娜允镇党政办,ordinary,,,\n"
        "乙,x,没有的部门,boss,123,,\n"
        "丙,女,娜允镇党政办,ordinary,13900001111,530827101201,\n"
        "丁,女,娜允镇党政办,ordinary,13900001111,,\n"
    )
    result = import_cadres(csv(text), "c.csv", by=SYSTEM)
    got = errors(result)
    assert [(r, c) for r, c, _m in got] == [
        (2, "phone"),
        (3, "gender"),
        (3, "department"),
        (3, "rank"),
        (3, "phone"),
        (4, "area_code"),
    ]
    assert got[0][2] == (
        "Give the cadre's phone or staff code: the next import finds the cadre by it."
    )
    assert got[2][2] == "No department is named 没有的部门."
    assert got[5][2] == "A cadre serves within the department's area."
    assert not Cadre.objects.exists()


def test_cadre_twice_in_a_file_and_departments_sharing_a_name(tree):
    Department.objects.create(name="党政办", level="township", kind="other", area=tree.town_a)
    Department.objects.create(name="党政办", level="township", kind="other", area=tree.town_b)
    text = (
        "name,gender,department,rank,phone\n"
        "甲,男,党政办,ordinary,13900001111\n"
        "乙,男,党政办,ordinary,13900001111\n"
    )
    result = import_cadres(csv(text), "c.csv", by=SYSTEM)
    assert errors(result) == [
        (
            2,
            "department",
            "Several departments are named 党政办; give the department's area code (部门区划代码).",
        ),
        (
            3,
            "department",
            "Several departments are named 党政办; give the department's area code (部门区划代码).",
        ),
    ]
    fixed = text.replace("phone\n", "phone,department_area_code\n").replace(
        "1111\n", "1111,530827101\n"
    )
    result = import_cadres(csv(fixed), "c.csv", by=SYSTEM)
    assert errors(result) == [(3, "phone", "This cadre appears twice (first on row 2).")]


def test_cadres_of_another_township_read_as_missing_or_outside(
    tree, admin_a, township_b_department
):
    CadreFactory(department=township_b_department, phone="13900002222")
    text = "name,gender,department,rank,phone\n甲,男,勐马镇党政办,ordinary,13900001111\n"
    result = import_cadres(csv(text), "c.csv", by=admin_a)
    assert errors(result) == [(2, "department", "No department is named 勐马镇党政办.")]
    assert not Cadre.objects.filter(phone="13900001111").exists()


# Pairings ---------------------------------------------------------------------------------


@pytest.fixture
def staffed(tree, cadre_a, cadre_a2):
    Cadre.objects.filter(pk=cadre_a.pk).update(phone="13900001234", staff_code="")
    Cadre.objects.filter(pk=cadre_a2.pk).update(phone="13900005678", staff_code="G0002")
    return tree


def pairings_csv(*rows: str) -> io.BytesIO:
    return csv("户编码,干部电话,干部工号,干部姓名,开始日期,替换\n" + "\n".join(rows) + "\n")


def test_pairings_import_and_again_unchanged(staffed, day):
    h1, h2 = staffed.households_a[0].code, staffed.households_a[1].code
    rows = (f"{h1},13900001234,,岩温,{day},", f"{h2},,G0002,,,")
    result = import_pairings(pairings_csv(*rows), "p.csv", by=SYSTEM)
    assert (result.ok, result.created, result.updated) == (True, 2, 0)
    first = Pairing.objects.get(household__code=h1)
    assert (first.cadre.name, first.start_date) == ("岩温", day)
    assert Pairing.objects.get(household__code=h2).start_date == timezone.localdate()
    assert Pairing.history.filter(history_type="+").count() == 2
    again = import_pairings(pairings_csv(*rows), "p.csv", by=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Pairing.objects.count() == 2


def test_pairing_rules_with_exact_row_errors(staffed, cadre_a, day):
    h = staffed.households_a
    PairingFactory(household=h[0], cadre=cadre_a, start_date=day)
    future = timezone.localdate() + datetime.timedelta(days=1)
    rows = (
        f"{h[0].code},13900005678,,,{day},",  # has another cadre, no replace
        f"{h[1].code},,,,,",  # no cadre named
        f"{h[2].code},13900001234,,,{future},",  # future
        f"{h[3].code},13999999999,,,,",  # unknown phone
        f"{h[4].code},13900001234,,玉香,,",  # wrong name
        f"{staffed.households_b[0].code},13900001234,,,,maybe",
        "NOPE,13900001234,,,,",
    )
    result = import_pairings(pairings_csv(*rows), "p.csv", by=SYSTEM)
    assert errors(result) == [
        (3, "干部电话", "Give the cadre's phone or staff code."),
        (4, "开始日期", "A pairing cannot start in the future."),
        (7, "替换", "Write 是 (yes) to move the household to this cadre, or leave it empty."),
    ]
    valid = rows[:1] + rows[3:5] + ("NOPE,13900001234,,,,",)
    result = import_pairings(pairings_csv(*valid), "p.csv", by=SYSTEM)
    assert errors(result) == [
        (3, "干部电话", "No cadre has phone 13999999999."),
        (4, "干部姓名", "The cadre with this phone or staff code is 岩温, not 玉香."),
        (5, "户编码", "No household has code NOPE."),
    ]
    result = import_pairings(pairings_csv(rows[0]), "p.csv", by=SYSTEM)
    assert errors(result) == [
        (
            2,
            "户编码",
            f"Household {h[0].code} already has a cadre: 岩温. Write 是 under 替换 (replace) "
            "to move it to this cadre.",
        )
    ]
    assert Pairing.objects.count() == 1


def test_replace_moves_the_household_with_history(staffed, cadre_a, cadre_a2, day):
    h = staffed.households_a[0]
    old = PairingFactory(household=h, cadre=cadre_a, start_date=day)
    later = day + datetime.timedelta(days=10)
    result = import_pairings(pairings_csv(f"{h.code},,G0002,,{later},是"), "p.csv", by=SYSTEM)
    assert (result.ok, result.created, result.updated) == (True, 0, 1)
    old.refresh_from_db()
    assert (old.end_date, old.end_reason) == (later, "reassigned to 玉香")
    assert Pairing.objects.active().get(household=h).cadre == cadre_a2
    assert Pairing.history.filter(id=old.pk, history_type="~").exists()


def test_pairings_outside_the_jurisdiction_read_as_missing(staffed, admin_b):
    code = staffed.households_a[0].code
    result = import_pairings(pairings_csv(f"{code},13900001234,,,,"), "p.csv", by=admin_b)
    assert errors(result) == [
        (2, "户编码", f"No household has code {code}."),
        (2, "干部电话", "No cadre has phone 13900001234."),
    ]
    assert not Pairing.objects.exists()


# Commands, API, size -----------------------------------------------------------------------


def test_commands_import_and_refuse(staffed, tmp_path, township_a_department):
    good = tmp_path / "c.csv"
    # 刘丽芬's phone is cadre_a's (written with spaces): updated; G0009 is new.
    good.write_text(CADRES.replace("G0002", "G0009").replace("13900005678", "13900007777"))
    out = io.StringIO()
    call_command("import_cadres", str(good), stdout=out)
    assert "2 rows: 1 new, 1 updated, 0 unchanged." in out.getvalue()
    bad = tmp_path / "d.csv"
    bad.write_text("name,area_code,kind\n某局,999999,other\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"1 error"):
        call_command("import_departments", str(bad), stderr=err)
    assert "row 2, area_code: No area has code 999999." in err.getvalue()
    p = tmp_path / "p.csv"
    p.write_text(f"household_code,cadre_staff_code\n{staffed.households_a[0].code},G0009\n")
    call_command("import_pairings", str(p), stdout=io.StringIO())
    assert Pairing.objects.get().cadre.staff_code == "G0009"


def test_api_imports_cadres_by_kind(
    county_admin, api_for, township_a_department, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("c.csv", CADRES.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(county_admin).post(
            "/api/v1/imports/", {"kind": "cadres", "file": upload}, format="multipart"
        )
    assert response.status_code == 202, response.content
    detail = api_for(county_admin).get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert (detail["kind"], detail["status"], detail["created_count"]) == ("cadres", "succeeded", 2)
    assert Cadre.objects.count() == 2


def test_two_thousand_cadres_import_in_a_bounded_number_of_queries(tree, township_a_department):
    rows = "".join(f"干部{i},男,娜允镇党政办,一般干部,139{i:08d},,S{i:05d}\n" for i in range(2000))
    text = "姓名,性别,所在部门,职级,联系电话,服务区划代码,工号\n" + rows
    with CaptureQueriesContext(connection) as queries:
        result = import_cadres(csv(text), "c.csv", by=SYSTEM)
    assert (result.ok, result.created) == (True, 2000)
    assert len(queries) < 40
    with CaptureQueriesContext(connection) as queries:
        again = import_cadres(csv(text), "c.csv", by=SYSTEM)
    assert again.unchanged == 2000
    assert len(queries) < 40
