import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from districts.access import SYSTEM
from dutydays.compliance import compliance_recompute
from dutydays.models import DutyDay, DutyPhoto
from liaison.core.models import Pairing

from ..factories import user_with_role
from ..html import parse

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture
def cadre_client(login, tree, cadre_a, cadre_user_a):
    """The logged-in client of `cadre_a`, who is paired with households_a[0]."""
    Pairing.objects.create(cadre=cadre_a, household=tree.households_a[0], start_date="2026-01-01")
    return login(cadre_user_a)


def _png() -> SimpleUploadedFile:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile("p.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def visit(tree) -> dict:
    """The fields of a log form that say enough: a household visited, today."""
    return {
        "date": TODAY.isoformat(),
        "area": tree.group_a1.pk,
        "activities": ["visited_households"],
        "households": [tree.households_a[0].pk],
    }


def test_log_page_offers_own_places_and_households_first(cadre_client, tree):
    page = parse(cadre_client.get(reverse("duty-log")))
    # The places of the cadre's households: their village and group.
    assert page.options("area") == [
        (str(tree.village_a.pk), "芒街村"),
        (str(tree.group_a1.pk), "芒街一组"),
    ]
    # Only the cadre's own households are listed; the others are searched on demand.
    own = tree.households_a[0]
    assert page.find(id="household-picked").texts("label") == [f"★ {own.head_name} · 芒街一组"]


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
    assert response.status_code == 302, parse(response).form_errors()
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
        HTTP_ACCEPT_LANGUAGE="en",  # new messages are English until their translations merge
    )
    assert response.status_code == 200
    page = parse(response)
    # A refused photo does not hide the service's rules: every error shows at once.
    assert page.form_errors() == [
        "A duty day cannot be in the future.",
        "Tick at least 1 thing you did.",
        "Tick the households you visited, or write a diary of at least 20 characters (6 so far).",
        "x.png is not a photo.",
    ]
    assert page.find("textarea", name="diary").text == "这段话不能丢"
    assert not DutyDay.objects.exists()


def test_month_page_shows_progress(cadre_client, tree, cadre_a):
    cadre_a.rank = "county_leader"
    cadre_a.save()
    DutyDay.objects.create(
        cadre=cadre_a, date=TODAY.replace(day=1), area=tree.group_a1, in_zone=True
    )
    page = parse(cadre_client.get(reverse("duty-month")))
    assert page.find(id="progress-bar")["style"] == "width: 20%"
    assert page.find(id="progress-text").text == "1 / 5 天"


def test_compliance_page_and_diaries(client, tree, county_admin, cadre_a):
    march = datetime.date(2026, 3, 1)
    visited = tree.households_a[0]
    day = DutyDay.objects.create(
        cadre=cadre_a, date=march, area=tree.group_a1, in_zone=True, diary="茶叶丰收"
    )
    day.households.add(visited)
    compliance_recompute(month=march, by=SYSTEM)
    client.force_login(county_admin)
    page = parse(client.get(reverse("duty-compliance"), {"month": "2026-03", "all": "1"}))
    assert page.table_rows("#compliance") == [
        ["岩温", "娜允镇党政办", "1", "0", "0", "1", "0", "—"]
    ]
    assert (
        page.find(id="compliance-totals").text
        == "有天数要求的 0 名干部中 0 名达标（共 1 名干部）。"
    )
    empty = parse(client.get(reverse("duty-compliance"), {"month": "2026-01"}))
    assert empty.messages() == ["该月的履职情况尚未计算。"]
    assert empty.find_all(id="compliance") == []
    diaries = parse(client.get(reverse("area-diaries", args=[tree.village_a.pk])))
    (article,) = diaries.find(id="diaries").find_all("article")
    assert article.find("div").texts("span") == ["岩温 · 娜允镇党政办", "2026-03-01 · 芒街一组"]
    assert article.find("p").text == "茶叶丰收"
    household = parse(client.get(reverse("household-detail", args=[visited.pk])))
    assert household.find(id="household-visits").texts("li") == ["2026-03-01 · 岩温 — 茶叶丰收"]


def test_diaries_of_another_township_are_404(client, tree, admin_a):
    client.force_login(admin_a)
    assert client.get(reverse("area-diaries", args=[tree.village_b.pk])).status_code == 404


def test_account_without_cadre_sees_a_notice(client, tree, viewer_a):
    client.force_login(viewer_a)
    page = parse(client.get(reverse("duty-log")))
    assert page.messages() == ["您的账号尚未关联干部，请联系管理员关联。"]
    assert page.find_all("form", id="log-form") == []


def test_photos_are_served_only_to_those_who_see_the_day(
    cadre_client, client, tree, cadre_a, admin_a, visit
):
    from django.test import Client

    cadre_client.post(
        reverse("duty-log"),
        {**visit, "diary": "照片", "photos": [_png()]},
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
    assert locked.status_code == 200
    assert parse(locked).form_errors() == ["超过 7 天的记录已锁定，请联系管理员。"]
    old.refresh_from_db()
    assert old.diary == "旧"


def test_photo_names_are_replaced_and_served_as_images(cadre_client, tree, visit):
    upload = _png()
    upload.name = "note.html"
    cadre_client.post(
        reverse("duty-log"),
        {**visit, "photos": [upload]},
    )
    photo = DutyPhoto.objects.get()
    name = photo.image.name or ""
    assert name.endswith(".png") and "note" not in name
    response = cadre_client.get(reverse("duty-photo", args=[photo.pk]))
    assert response["Content-Type"] == "image/png"


def test_a_huge_image_is_refused_not_a_500(cadre_client, tree, visit):
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, "PNG")
    bomb = SimpleUploadedFile("big.png", buffer.getvalue(), content_type="image/png")
    response = cadre_client.post(reverse("duty-log"), {**visit, "photos": [bomb]})
    assert response.status_code == 200
    assert parse(response).form_errors() == ["big.png 像素过多。"]
    assert not DutyDay.objects.exists()


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
    page = parse(client.get(reverse("duty-month"), {"cadre": county_cadre.pk}))
    (entry,) = page.find(id="month-entries").find_all("li")
    assert entry.find("a").text == f"{TODAY:%m-%d} · 芒街一组"
    assert entry.texts(class_="badge") == ["不计入"]
    assert entry.find("div", class_="text-body-secondary").text == "A镇"
    assert client.get(reverse("duty-month"), {"month": "9999-12"}).status_code == 200


def test_compliance_report_query_count_is_constant(
    client, tree, county_admin, township_a_department, django_assert_max_num_queries
):
    from ..factories import CadreFactory

    CadreFactory.create_batch(30, department=township_a_department, rank="county_leader")
    compliance_recompute(month=datetime.date(2026, 3, 1), by=SYSTEM)
    client.force_login(county_admin)
    with django_assert_max_num_queries(12):
        response = client.get(
            "/api/v1/stats/duty-compliance/", {"month": "2026-03", "area": "", "format": "csv"}
        )
    assert response.status_code == 200


def test_the_cadre_page_shows_this_months_duty_days(login, tree, county_admin, cadre_a, cadre_b):
    """Duty days add a panel to the liaison core's cadre page through the registry."""
    start = timezone.localdate().replace(day=1)
    DutyDay.objects.create(cadre=cadre_a, date=start, area=tree.group_a1, in_zone=True)
    DutyDay.objects.create(
        cadre=cadre_a, date=start + datetime.timedelta(days=1), area=tree.village_a
    )
    DutyDay.objects.create(cadre=cadre_b, date=start, area=tree.group_b1, in_zone=True)
    last_month = start - datetime.timedelta(days=1)
    DutyDay.objects.create(cadre=cadre_a, date=last_month, area=tree.group_a1, in_zone=True)
    page = parse(login(county_admin).get(reverse("cadre-detail", args=[cadre_a.pk])))
    panel = page.find("section", id="cadre-duty-days")
    assert panel.find("h2").text == f"{start:%Y-%m} 下基层日"
    assert panel.find("p").text == "已登记 2 天，其中 1 天在本人责任区。"
    assert panel.links() == [f"/duty/month/?cadre={cadre_a.pk}"]
