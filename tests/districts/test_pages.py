import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from districts.models import Household, ImportJob, PersonalDataAccess

from ..factories import HouseholdFactory

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
    assert "娜允镇" in response.content.decode()


def test_dashboard_shows_the_jurisdiction_tree_with_counts(login, tree, county_admin):
    page = login(county_admin).get(reverse("dashboard")).content.decode()
    assert "孟连县" in page
    assert "娜允镇" in page and "勐马镇" in page
    assert 'class="num">5<' in page  # township A's households


def test_dashboard_of_a_township_user_hides_other_townships(login, tree, admin_a):
    page = login(admin_a).get(reverse("dashboard")).content.decode()
    assert "娜允镇" in page and "勐马镇" not in page


def test_area_page_lists_children_and_households(login, tree, viewer_a):
    client = login(viewer_a)
    page = client.get(reverse("area-detail", args=[tree.village_a.pk])).content.decode()
    assert "芒街一组" in page and "芒街二组" in page
    for household in tree.households_a:
        assert household.head_name in page
    assert client.get(reverse("area-detail", args=[tree.village_b.pk])).status_code == 404
    assert client.get(reverse("area-detail", args=[999999])).status_code == 404


def test_area_page_search_filter_and_pagination(login, tree, viewer_a):
    HouseholdFactory.create_batch(30, group=tree.group_a1, head_name="岩同名")
    client = login(viewer_a)
    url = reverse("area-detail", args=[tree.town_a.pk])
    first = client.get(url, {"search": "岩同名"}).content.decode()
    assert first.count(">岩同名<") == 25
    second = client.get(url, {"search": "岩同名", "page": 2}).content.decode()
    assert second.count(">岩同名<") == 5
    assert "search=%E5%B2%A9%E5%90%8C%E5%90%8D&amp;page=1" in second


def test_area_page_query_count_does_not_grow_with_households(
    login, tree, viewer_a, django_assert_max_num_queries
):
    HouseholdFactory.create_batch(40, group=tree.group_a1)
    client = login(viewer_a)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("area-detail", args=[tree.town_a.pk])).status_code == 200


def test_household_page_masks_and_reveal_is_recorded(login, tree, admin_a):
    household = tree.households_a[0]
    client = login(admin_a)
    page = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert household.id_number not in page
    assert household.id_number[:4] + "**********" + household.id_number[-4:] in page
    reveal = client.post(reverse("household-reveal", args=[household.pk]))
    assert household.id_number in reveal.content.decode()
    assert PersonalDataAccess.objects.filter(user=admin_a, household=household).count() == 1


def test_viewer_cannot_reveal(login, tree, viewer_a):
    household = tree.households_a[0]
    client = login(viewer_a)
    page = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert reverse("household-reveal", args=[household.pk]) not in page
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
    page = client.get(reverse("household-detail", args=[household.pk])).content.decode()
    assert "新户主" in page and "admin_a" in page


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
    page = response.content.decode()
    assert "保留的名字" in page
    assert "is-invalid" in page
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
    page = client.get(response["Location"]).content.decode()
    job.refresh_from_db()
    assert (job.status, job.error_count) == ("failed", 1)
    assert 'id="import-errors"' in page and "head_name" in page
    assert not Household.objects.filter(code__in=["P1", "P2"]).exists()
    report = client.get(reverse("import-errors-csv", args=[job.pk])).content.decode("utf-8-sig")
    assert report.splitlines()[1].startswith("3,head_name,")


def test_import_page_rejects_other_file_types(login, tree, admin_a):
    response = login(admin_a).post(
        reverse("import-list"), {"kind": "areas", "file": SimpleUploadedFile("a.pdf", b"%PDF")}
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_someone_elses_import_is_404(login, tree, admin_a, county_admin):
    job = ImportJob.objects.create(
        kind="areas", file="imports/x.csv", original_name="x.csv", created_by=county_admin
    )
    assert login(admin_a).get(reverse("import-detail", args=[job.pk])).status_code == 404


def test_language_switch_and_chinese_default(client, tree, viewer_a):
    client.force_login(viewer_a)
    assert "退出" in client.get(reverse("dashboard")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Log out" in client.get(reverse("dashboard")).content.decode()


def test_zone_list_is_scoped(login, tree, viewer_a):
    from districts.models import Zone

    Zone.objects.create(name="A片区", level="group").zone_areas.create(area=tree.group_a1)
    Zone.objects.create(name="B片区", level="group").zone_areas.create(area=tree.group_b1)
    page = login(viewer_a).get(reverse("zone-list")).content.decode()
    assert "A片区" in page and "B片区" not in page
