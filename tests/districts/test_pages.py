import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from districts.models import Household, ImportJob, PersonalDataAccess

from ..factories import HouseholdFactory, ImportJobFactory, ZoneFactory
from ..html import parse

pytestmark = pytest.mark.django_db


def test_pages_need_login(client, tree):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_logs_in(client, tree, admin_a):
    response = client.post(
        reverse("login"), {"username": "admin_a", "password": "pw-secret-123"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("dashboard")
    page = parse(response)
    assert page.find("span", class_="navbar-text").text == "admin_a · 区域管理员"
    assert page.find("h1").text == "娜允镇"


def test_area_tree_shows_the_jurisdiction_with_counts(login, tree, county_admin):
    page = parse(login(county_admin).get(reverse("area-tree")))
    assert page.texts("div", class_="card-header") == ["孟连县 县 530827 7 户"]
    assert page.table_rows(".area-tree") == [
        ["▸", "娜允镇 乡镇", "530827100", "5"],
        ["▸", "勐马镇 乡镇", "530827101", "2"],
    ]
    assert page.find("table", class_="area-tree").links() == [
        reverse("area-detail", args=[tree.town_a.pk]),
        reverse("area-detail", args=[tree.town_b.pk]),
    ]


def test_area_tree_of_a_township_user_hides_other_townships(login, tree, admin_a):
    page = parse(login(admin_a).get(reverse("area-tree")))
    assert page.texts("div", class_="card-header") == ["娜允镇 乡镇 530827100 5 户"]
    assert page.table_rows(".area-tree") == [["▸", "芒街村 村", "530827100201", "5"]]
    assert "勐马镇" not in page.find("main").text


def test_area_page_lists_children_and_households(login, tree, viewer_a):
    client = login(viewer_a)
    page = parse(client.get(reverse("area-detail", args=[tree.village_a.pk])))
    assert page.find("h1").text == "芒街村"
    assert page.find(id="total-households").text == "5"
    assert page.table_rows(".area-tree") == [
        ["", "芒街一组 村民小组", "530827100201001", "3"],
        ["", "芒街二组 村民小组", "530827100201002", "2"],
    ]
    assert page.table_rows("#households") == [
        [h.code, h.head_name, "3", h.group.name, "—", "在册", "无"] for h in tree.households_a
    ]
    assert client.get(reverse("area-detail", args=[tree.village_b.pk])).status_code == 404
    assert client.get(reverse("area-detail", args=[999999])).status_code == 404


def test_area_page_search_filter_and_pagination(login, tree, viewer_a):
    HouseholdFactory.create_batch(30, group=tree.group_a1, head_name="岩同名")
    client = login(viewer_a)
    url = reverse("area-detail", args=[tree.town_a.pk])
    first = parse(client.get(url, {"search": "岩同名"}))
    assert [row[1] for row in first.table_rows("#households")] == ["岩同名"] * 25
    assert first.find("ul", class_="pagination").links() == [
        "?search=%E5%B2%A9%E5%90%8C%E5%90%8D&page=2"
    ]
    second = parse(client.get(url, {"search": "岩同名", "page": 2}))
    assert [row[1] for row in second.table_rows("#households")] == ["岩同名"] * 5
    assert second.find("ul", class_="pagination").links() == [
        "?search=%E5%B2%A9%E5%90%8C%E5%90%8D&page=1"
    ]
    assert second.find("input", name="search")["value"] == "岩同名"


def test_area_page_query_count_does_not_grow_with_households(
    login, tree, viewer_a, django_assert_max_num_queries
):
    HouseholdFactory.create_batch(40, group=tree.group_a1)
    client = login(viewer_a)
    # 12, and the pager's bounded total and the cadre column (tests/liaison/test_lists.py),
    # and the concerns' statistics panel
    with django_assert_max_num_queries(15):
        assert client.get(reverse("area-detail", args=[tree.town_a.pk])).status_code == 200


def test_household_page_masks_and_reveal_is_recorded(login, tree, admin_a):
    household = tree.households_a[0]
    client = login(admin_a)
    response = client.get(reverse("household-detail", args=[household.pk]))
    page = parse(response)
    masked = household.id_number[:4] + "**********" + household.id_number[-4:]
    assert page.find(id="id-number").text == masked
    assert page.find(id="phone").text == household.phone[:3] + "****" + household.phone[-4:]
    assert household.id_number not in page.text
    assert page.find("button", hx_post=reverse("household-reveal", args=[household.pk])).text == (
        "显示完整号码"
    )
    assert not PersonalDataAccess.objects.exists()
    reveal = parse(client.post(reverse("household-reveal", args=[household.pk])))
    assert reveal.find(id="id-number").text == household.id_number
    assert reveal.find(id="phone").text == household.phone
    assert PersonalDataAccess.objects.filter(user=admin_a, household=household).count() == 1


def test_viewer_cannot_reveal(login, tree, viewer_a):
    household = tree.households_a[0]
    client = login(viewer_a)
    page = parse(client.get(reverse("household-detail", args=[household.pk])))
    assert page.find_all(hx_post=True) == []
    assert page.find(id="personal-data").texts(class_="form-text") == [
        "为保护个人信息，号码已部分隐藏。"
    ]
    assert client.post(reverse("household-reveal", args=[household.pk])).status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_household_outside_jurisdiction_is_404(login, tree, admin_a):
    client = login(admin_a)
    other = tree.households_b[0]
    assert client.get(reverse("household-detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("household-reveal", args=[other.pk])).status_code == 404
    assert client.get(reverse("household-update", args=[other.pk])).status_code == 404


def test_household_edit_keeps_hidden_numbers_and_records_history(login, tree, admin_a):
    household = tree.households_a[0]
    client = login(admin_a)
    response = client.post(
        reverse("household-update", args=[household.pk]),
        {
            "code": household.code,
            "head_name": "新户主",
            "members": 6,
            "id_number": "",
            "phone": "",
            "address": "新址",
            "categories": ["poor"],
            "status": "active",
        },
    )
    assert response.status_code == 302
    updated = Household.objects.get(pk=household.pk)
    assert (updated.head_name, updated.members, updated.categories) == ("新户主", 6, ["poor"])
    assert (updated.id_number, updated.phone) == (household.id_number, household.phone)
    page = parse(client.get(reverse("household-detail", args=[household.pk])))
    assert page.find("h1").text == f"新户主 {household.code}"
    last = page.find("ol", id="history").find("li")
    assert last.find("strong").text == "修改"
    assert last.find("span").text.endswith(" · admin_a")
    assert sorted(last.texts("li")) == sorted(
        [
            f"户主: {household.head_name} → 新户主",
            "家庭人口: 3 → 6",
            "地址: 一组 → 新址",
            "类别: — → 贫困户",
        ]
    )


def test_household_edit_shows_errors_and_keeps_input(login, tree, admin_a):
    household = tree.households_a[0]
    response = login(admin_a).post(
        reverse("household-update", args=[household.pk]),
        {
            "code": household.code,
            "head_name": "保留的名字",
            "members": 2,
            "id_number": "110105194912310021",
            "status": "moved_out",
        },
    )
    assert response.status_code == 200
    page = parse(response)
    assert page.form_errors() == [
        "该身份证号码的校验位不正确，请检查是否输入有误。",
        "请填写该户迁出或注销的日期。",
    ]
    assert page.find("input", name="head_name")["value"] == "保留的名字"
    assert "is-invalid" in page.find("input", name="id_number").classes
    household.refresh_from_db()
    assert household.head_name != "保留的名字"


def test_viewer_cannot_open_edit_or_import(login, tree, viewer_a):
    client = login(viewer_a)
    household = tree.households_a[0]
    assert client.get(reverse("household-update", args=[household.pk])).status_code == 403
    assert client.get(reverse("import-list")).status_code == 403


def test_import_page_flow_with_error_report(
    login, tree, admin_a, django_capture_on_commit_callbacks
):
    client = login(admin_a)
    bad = SimpleUploadedFile(
        "h.csv",
        b"code,group_code,head_name,members,id_number,phone,address,categories\n"
        b"P1,530827100201001,ok,2,,,,\nP2,530827100201001,,2,,,,\n",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-list"), {"kind": "households", "file": bad})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("import-detail", args=[job.pk])
    page = parse(client.get(response["Location"]))
    job.refresh_from_db()
    assert (job.status, job.error_count) == ("failed", 1)
    assert page.messages("danger") == [
        "未写入任何数据：文件中有错误（见下文）。请改正后重新上传文件。"
    ]
    assert page.table_rows("#import-errors") == [["3", "head_name", "此列为必填项。"]]
    assert not Household.objects.filter(code__in=["P1", "P2"]).exists()
    report = client.get(reverse("import-errors-csv", args=[job.pk])).content.decode("utf-8-sig")
    assert report.splitlines()[1].startswith("3,head_name,")


def test_import_page_rejects_other_file_types(login, tree, admin_a):
    response = login(admin_a).post(
        reverse("import-list"), {"kind": "areas", "file": SimpleUploadedFile("a.pdf", b"%PDF")}
    )
    assert response.status_code == 200
    assert parse(response).form_errors() == ["请上传 .csv 或 .xlsx 文件。"]
    assert not ImportJob.objects.exists()


def test_someone_elses_import_is_404(login, tree, admin_a, county_admin):
    job = ImportJobFactory(created_by=county_admin)
    assert login(admin_a).get(reverse("import-detail", args=[job.pk])).status_code == 404


def test_language_switch_and_chinese_default(client, tree, viewer_a):
    client.force_login(viewer_a)
    page = parse(client.get(reverse("dashboard")))
    assert page.find("html")["lang"] == "zh-CN"
    assert page.find("form", action=reverse("logout")).find("button").text == "退出登录"
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = parse(client.get(reverse("dashboard")))
    assert page.find("html")["lang"] == "en"
    assert page.find("form", action=reverse("logout")).find("button").text == "Log out"


def test_zone_list_is_scoped(login, tree, viewer_a):
    ZoneFactory(name="A片区", areas=[tree.group_a1])
    ZoneFactory(name="B片区", areas=[tree.group_b1])
    page = parse(login(viewer_a).get(reverse("zone-list")))
    assert page.table_rows(".table") == [["A片区", "村组责任区", "芒街一组", "暂无负责人。"]]
    assert page.find("table").links() == [reverse("area-detail", args=[tree.group_a1.pk])]
