import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dutydays.compliance import compliance_recompute
from dutydays.models import DutyDay, DutyPhoto
from liaison.core.models import Pairing

from ..factories import user_with_role

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def cadre_client(client, tree, cadre_a):
    user = user_with_role("cadre", tree.town_a, username="yanwen")
    cadre_a.user = user
    cadre_a.save()
    Pairing.objects.create(cadre=cadre_a, household=tree.households_a[0], start_date="2026-01-01")
    client.force_login(user)
    return client


def _png() -> SimpleUploadedFile:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


def test_log_page_offers_own_places_and_households_first(cadre_client, tree):
    page = cadre_client.get(reverse("duty-log")).content.decode()
    assert tree.group_a1.name in page
    assert f"★ {tree.households_a[0].head_name}" in page


def test_logging_a_day_with_a_photo(cadre_client, tree, cadre_a):
    response = cadre_client.post(
        reverse("duty-log"),
        {
            "date": TODAY.isoformat(),
            "area": tree.group_a1.pk,
            "activities": ["visited_households"],
            "households": [tree.households_a[0].pk, tree.households_a[1].pk],
            "diary": "院坝会",
            "photos": [_png()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    day = DutyDay.objects.get(cadre=cadre_a)
    assert day.in_zone and day.households.count() == 2
    assert DutyPhoto.objects.filter(duty_day=day).count() == 1


def test_errors_keep_what_was_typed(cadre_client, tree):
    response = cadre_client.post(
        reverse("duty-log"),
        {
            "date": (TODAY + datetime.timedelta(days=3)).isoformat(),
            "area": tree.group_a1.pk,
            "diary": "这段话不能丢",
            "photos": [SimpleUploadedFile("x.png", b"not an image")],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "这段话不能丢" in page and "invalid-feedback" in page
    assert not DutyDay.objects.exists()


def test_month_page_shows_progress(cadre_client, tree, cadre_a):
    cadre_a.rank = "county_leader"
    cadre_a.save()
    DutyDay.objects.create(
        cadre=cadre_a, date=TODAY.replace(day=1), area=tree.group_a1, in_zone=True
    )
    page = cadre_client.get(reverse("duty-month")).content.decode()
    assert 'id="progress-bar" style="width: 20%"' in page


def test_compliance_page_and_diaries(client, tree, county_admin, cadre_a):
    march = datetime.date(2026, 3, 1)
    DutyDay.objects.create(
        cadre=cadre_a, date=march, area=tree.group_a1, in_zone=True, diary="茶叶丰收"
    )
    compliance_recompute(month=march)
    client.force_login(county_admin)
    page = client.get(reverse("duty-compliance"), {"month": "2026-03"}).content.decode()
    assert cadre_a.name in page and 'id="compliance"' in page
    empty = client.get(reverse("duty-compliance"), {"month": "2026-01"}).content.decode()
    assert "alert-info" in empty
    diaries = client.get(reverse("area-diaries", args=[tree.village_a.pk])).content.decode()
    assert "茶叶丰收" in diaries
    household = client.get(reverse("household-detail", args=[tree.households_a[0].pk]))
    assert 'id="household-visits"' in household.content.decode()


def test_diaries_of_another_township_are_404(client, tree, admin_a):
    client.force_login(admin_a)
    assert client.get(reverse("area-diaries", args=[tree.village_b.pk])).status_code == 404


def test_account_without_cadre_sees_a_notice(client, tree, viewer_a):
    client.force_login(viewer_a)
    assert "alert-info" in client.get(reverse("duty-log")).content.decode()


def test_photos_are_served_only_to_those_who_see_the_day(
    cadre_client, client, tree, cadre_a, admin_a
):
    from django.test import Client

    cadre_client.post(
        reverse("duty-log"),
        {"date": TODAY.isoformat(), "area": tree.group_a1.pk, "diary": "照片", "photos": [_png()]},
    )
    photo = DutyPhoto.objects.get()
    assert cadre_client.get(reverse("duty-photo", args=[photo.pk])).status_code == 200
    outsider = Client()
    outsider.force_login(user_with_role("viewer", tree.town_b, username="b_viewer"))
    assert outsider.get(reverse("duty-photo", args=[photo.pk])).status_code == 404


def test_a_cadre_corrects_a_recent_day_but_not_an_old_one(cadre_client, tree, cadre_a):
    day = DutyDay.objects.create(cadre=cadre_a, date=TODAY, area=tree.group_a1, diary="初稿")
    response = cadre_client.post(
        reverse("duty-edit", args=[day.pk]),
        {"activities": ["farm_work"], "households": [tree.households_a[1].pk], "diary": "改好了"},
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.diary, day.activities) == ("改好了", ["farm_work"])
    assert list(day.households.all()) == [tree.households_a[1]]
    old = DutyDay.objects.create(
        cadre=cadre_a, date=TODAY - datetime.timedelta(days=30), area=tree.group_a1, diary="旧"
    )
    locked = cadre_client.post(reverse("duty-edit", args=[old.pk]), {"diary": "改不了"})
    assert locked.status_code == 200 and "已锁定" in locked.content.decode()
    old.refresh_from_db()
    assert old.diary == "旧"


def test_photo_names_are_replaced_and_served_as_images(cadre_client, tree):
    upload = _png()
    upload.name = "note.html"
    cadre_client.post(
        reverse("duty-log"),
        {"date": TODAY.isoformat(), "area": tree.group_a1.pk, "photos": [upload]},
    )
    photo = DutyPhoto.objects.get()
    name = photo.image.name or ""
    assert name.endswith(".png") and "note" not in name
    response = cadre_client.get(reverse("duty-photo", args=[photo.pk]))
    assert response["Content-Type"] == "image/png"


def test_a_huge_image_is_refused_not_a_500(cadre_client, tree):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, "PNG")
    bomb = SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")
    response = cadre_client.post(
        reverse("duty-log"), {"date": TODAY.isoformat(), "area": tree.group_a1.pk, "photos": [bomb]}
    )
    assert response.status_code == 200 and "invalid-feedback" in response.content.decode()


def test_month_page_of_another_cadre_shows_only_visible_days(
    client, tree, admin_a, county_department
):
    from ..factories import CadreFactory

    county_cadre = CadreFactory(department=county_department)
    DutyDay.objects.create(cadre=county_cadre, date=TODAY, area=tree.group_a1, diary="A镇")
    DutyDay.objects.create(
        cadre=county_cadre, date=TODAY - datetime.timedelta(days=1), area=tree.group_b1, diary="B镇"
    )
    client.force_login(admin_a)
    page = client.get(reverse("duty-month"), {"cadre": county_cadre.pk}).content.decode()
    assert "A镇" in page and "B镇" not in page
    assert client.get(reverse("duty-month"), {"month": "9999-12"}).status_code == 200


def test_compliance_report_query_count_is_constant(
    client, tree, county_admin, township_a_department, django_assert_max_num_queries
):
    from ..factories import CadreFactory

    CadreFactory.create_batch(30, department=township_a_department, rank="county_leader")
    compliance_recompute(month=datetime.date(2026, 3, 1))
    client.force_login(county_admin)
    with django_assert_max_num_queries(12):
        response = client.get(
            "/api/v1/stats/duty-compliance/", {"month": "2026-03", "area": "", "format": "csv"}
        )
    assert response.status_code == 200
