"""Downloads of districts' pages: an area's household list, the import templates and the
import error report, in the reader's language and inside the jurisdiction."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from districts.imports import import_areas, import_households
from districts.models import Household, ImportJob
from liaison.core.models import Pairing

from ..factories import HouseholdFactory
from ..files import filename, read_csv, read_xlsx
from ..html import parse

pytestmark = pytest.mark.django_db

HEADERS = ["编码", "户主", "家庭人口", "乡镇", "村", "村民小组", "类别", "状态", "状态变更日期"]


def export_url(area, fmt="csv") -> str:
    return reverse("area-households-export", args=[area.pk, fmt])


@pytest.fixture
def village_households(tree, cadre_a, day):
    """Three households of 芒街村 with names, categories and a cadre for the first."""
    first, second, third = tree.households_a[:3]
    Household.objects.filter(pk=first.pk).update(
        code="A001", head_name="岩罕", members=4, categories=["poor", "petitioner"]
    )
    Household.objects.filter(pk=second.pk).update(code="A002", head_name="=HYPERLINK(1)")
    Household.objects.filter(pk=third.pk).update(
        code="A003", head_name="玉香", status="moved_out", status_date="2026-03-01"
    )
    Pairing.objects.create(cadre=cadre_a, household=first, start_date=day)
    return first, second, third


def test_an_areas_households_download_in_chinese_with_the_responsible_cadre(
    login, tree, viewer_a, village_households
):
    rows = read_csv(login(viewer_a).get(export_url(tree.group_a1)))
    assert rows == [
        [*HEADERS, "责任干部"],
        ["A001", "岩罕", "4", "娜允镇", "芒街村", "芒街一组", "贫困户、上访户", "在册", "", "岩温"],
        ["A002", "'=HYPERLINK(1)", "3", "娜允镇", "芒街村", "芒街一组", "", "在册", "", ""],
        ["A003", "玉香", "3", "娜允镇", "芒街村", "芒街一组", "", "迁出", "2026-03-01", ""],
    ]


def test_the_download_keeps_the_pages_filters(login, tree, viewer_a, village_households):
    client = login(viewer_a)
    response = client.get(export_url(tree.village_a, "xlsx"), {"category": "poor", "page": "3"})
    assert filename(response) == "芒街村-农户.xlsx"
    sheets = read_xlsx(response)
    assert list(sheets) == ["农户"]
    assert sheets["农户"] == [
        [*HEADERS, "责任干部"],
        ["A001", "岩罕", 4, "娜允镇", "芒街村", "芒街一组", "贫困户、上访户", "在册", None, "岩温"],
    ]
    searched = read_csv(client.get(export_url(tree.village_a), {"status": "moved_out"}))
    assert [r[0] for r in searched[1:]] == ["A003"]


def test_the_area_page_links_to_its_downloads_with_its_filters(login, tree, viewer_a):
    page = parse(login(viewer_a).get(reverse("area-detail", args=[tree.village_a.pk]), {
        "category": "poor", "page": "2"
    }))  # fmt: skip
    links = page.find("div", class_="export-links").find_all("a")
    assert [(a.text, a["href"]) for a in links] == [
        ("CSV", f"{export_url(tree.village_a)}?category=poor"),
        ("Excel", f"{export_url(tree.village_a, 'xlsx')}?category=poor"),
    ]


def test_nothing_outside_the_jurisdiction_is_downloaded(login, tree, admin_a, county_admin):
    client = login(admin_a)
    assert client.get(export_url(tree.town_b)).status_code == 404
    assert client.get(export_url(tree.county)).status_code == 404
    assert client.get(f"/areas/{tree.town_a.pk}/households.pdf").status_code == 404
    # Filters cannot reach past the jurisdiction either.
    rows = read_csv(client.get(export_url(tree.town_a), {"within": tree.town_b.pk}))
    assert rows == [[*HEADERS, "责任干部"]]
    codes = {r[0] for r in read_csv(client.get(export_url(tree.town_a)))[1:]}
    assert codes == {h.code for h in tree.households_a}
    everything = {r[0] for r in read_csv(login(county_admin).get(export_url(tree.county)))[1:]}
    assert everything == {h.code for h in tree.households_a + tree.households_b}


def test_a_long_list_is_read_in_chunks(login, tree, county_admin, django_assert_max_num_queries):
    HouseholdFactory.create_batch(30, group=tree.group_a1)
    client = login(county_admin)
    with django_assert_max_num_queries(12):
        rows = read_csv(client.get(export_url(tree.county)))
    assert len(rows) == 1 + 30 + 7


# Import templates -------------------------------------------------------------------------------

CHINESE = ["户编码", "村民小组编码", "户主姓名", "家庭人口", "身份证号", "联系电话", "住址", "类别",
           "状态", "状态日期"]  # fmt: skip
CODES = ["code", "group_code", "head_name", "members", "id_number", "phone", "address",
         "categories", "status", "status_date"]  # fmt: skip
SAMPLE = ["H530827100201001001", "530827100201001", "岩罕", "4", "530827198001019998",
          "13900001234", "芒街村一组", "贫困户;上访户", "在册", ""]  # fmt: skip


def template(client, kind, fmt):
    return client.get(reverse("import-template", args=[kind, fmt]))


def test_the_households_template_has_both_headers_and_a_sample(login, tree, admin_a):
    client = login(admin_a)
    assert read_csv(template(client, "households", "csv")) == [CHINESE, CODES, SAMPLE]
    response = template(client, "households", "xlsx")
    assert filename(response) == "农户-示例文件.xlsx"
    assert read_xlsx(response) == {"农户": [CHINESE, CODES, [value or None for value in SAMPLE]]}


def test_the_areas_template_has_both_headers_and_samples(login, tree, admin_a):
    assert read_csv(template(login(admin_a), "areas", "csv")) == [
        ["区划代码", "名称", "级别", "上级代码", "类别"],
        ["code", "name", "level", "parent_code", "categories"],
        ["530827100", "娜允镇", "乡镇", "530827", ""],
        ["530827100201", "芒街村", "村", "530827100", "基础条件薄弱村"],
    ]


def test_the_downloaded_templates_import_as_they_are(login, tree, county_admin):
    client = login(county_admin)
    households = template(client, "households", "xlsx").content
    result = import_households(io.BytesIO(households), "户.xlsx", by=county_admin)
    assert (result.errors, result.rows_total, result.created) == ([], 1, 1)
    imported = Household.objects.get(code="H530827100201001001")
    assert (imported.group, imported.categories) == (tree.group_a1, ["poor", "petitioner"])
    areas = template(client, "areas", "csv").content
    result = import_areas(io.BytesIO(areas), "区划.csv", by=county_admin)
    assert (result.errors, result.rows_total) == ([], 2)
    tree.village_a.refresh_from_db()
    assert tree.village_a.categories == ["weak_infrastructure"]


def test_templates_are_for_those_who_import(login, tree, viewer_a, admin_a):
    assert template(login(viewer_a), "households", "xlsx").status_code == 403
    client = login(admin_a)
    assert template(client, "cadres", "csv").status_code == 200  # the core's kinds too
    assert template(client, "people", "csv").status_code == 404
    assert client.get("/imports/templates/households.pdf").status_code == 404


def test_the_import_page_offers_both_templates_of_each_kind(login, tree, admin_a):
    help_box = parse(login(admin_a).get(reverse("import-list"))).find(id="import-help")
    assert help_box.links() == [
        reverse("import-template", args=["areas", "xlsx"]),
        reverse("import-template", args=["areas", "csv"]),
        reverse("import-template", args=["households", "xlsx"]),
        reverse("import-template", args=["households", "csv"]),
        *(
            reverse("import-template", args=[kind, fmt])
            for kind in ("departments", "cadres", "pairings")
            for fmt in ("xlsx", "csv")
        ),
    ]
    households = help_box.find("div", data_kind="households").find("p")
    assert households.text == "农户: " + ", ".join(
        f"{title} ({code})" for title, code in zip(CHINESE, CODES, strict=True)
    )


# The error report ---------------------------------------------------------------------------------


def test_the_error_report_names_columns_as_the_file_does(
    login, tree, admin_a, django_capture_on_commit_callbacks
):
    client = login(admin_a)
    bad = SimpleUploadedFile(
        "户.csv",
        "户编码,村民小组编码,户主姓名,家庭人口\n"
        "P1,530827100201001,岩罕,2\n"
        "P2,530827100201001,,0\n".encode(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-list"), {"kind": "households", "file": bad})
    job = ImportJob.objects.get()
    assert job.status == "failed"
    rows = read_csv(client.get(reverse("import-errors-csv", args=[job.pk])))
    assert rows == [
        ["行", "列", "问题"],
        ["3", "户主姓名", "此列为必填项。"],
        ["3", "家庭人口", "家庭人口必须是 1 到 99 之间的整数。"],
    ]
    page = parse(client.get(reverse("import-detail", args=[job.pk])))
    assert page.table_rows("#import-errors") == rows[1:]
