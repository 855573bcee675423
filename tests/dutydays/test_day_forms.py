"""Duty-day forms (issue 8, item 7): a locked day shows read-only with the reason before
anyone types; date pickers stop at today (and at the edit window for a cadre's own days);
a bad photo hides no other error, and the good photos are kept for the next submit.

Messages are pinned in English until the branch's translations are merged
(locale/pending/dd.po).
"""

import datetime
import io
import os

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from dutydays.models import KEPT_PHOTOS, DutyDay, DutyPhoto, DutySettings
from liaison.common.uploads import KEEP_FOR, KEPT_DIR, kept_uploads_purge, upload_keep
from liaison.core.models import Pairing

from ..factories import DutyDayFactory
from ..html import Element, parse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = timezone.localdate()
LOCKED = "Records older than 7 days are locked; ask an administrator."


@pytest.fixture
def own_client(login, tree, cadre_a, cadre_user_a):
    """The cadre's own client (English pages); the cadre is paired with households_a[0]."""
    Pairing.objects.create(cadre=cadre_a, household=tree.households_a[0], start_date="2026-01-01")
    client = login(cadre_user_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def admin_client_a(login, admin_a):
    """Township A's administrator (English pages), who records on cadres' behalf."""
    client = login(admin_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def kept_dir():
    """The folder of kept duty photos, emptied before and after the test."""
    folder = os.path.join(KEPT_DIR, KEPT_PHOTOS)

    def empty() -> None:
        if default_storage.exists(folder):
            for name in default_storage.listdir(folder)[1]:
                default_storage.delete(os.path.join(folder, name))

    empty()
    yield folder
    empty()


def png(name: str = "good.png", colour: str = "red") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def kept_files(folder: str) -> list[str]:
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


def kept_tokens(page: Element) -> list[str]:
    return [i["value"] for i in page.find_all("input", name="kept_photos")]


# Locked days


def test_a_locked_day_opens_read_only_with_the_reason(own_client, tree, cadre_a):
    old = DutyDayFactory(cadre=cadre_a, date=TODAY - datetime.timedelta(days=8), area=tree.group_a1)
    page = parse(own_client.get(reverse("duty-edit", args=[old.pk])))
    note = page.find(id="locked-note")
    assert note.texts("div") == ["This record can no longer be changed.", LOCKED]
    assert note.links() == [f"/duty/month/?month={old.date:%Y-%m}"]
    assert "disabled" in page.find("fieldset", id="log-fields").attrs
    assert page.find("form", id="log-form").find_all("button") == []
    # The last day of the window is still open.
    recent = DutyDayFactory(
        cadre=cadre_a, date=TODAY - datetime.timedelta(days=7), area=tree.group_a1
    )
    open_page = parse(own_client.get(reverse("duty-edit", args=[recent.pk])))
    assert open_page.find_all(id="locked-note") == []
    assert "disabled" not in open_page.find("fieldset", id="log-fields").attrs
    assert open_page.find("form", id="log-form").texts("button") == ["Save"]


def test_an_administrator_is_not_held_to_the_window(admin_client_a, tree, cadre_a):
    old = DutyDayFactory(
        cadre=cadre_a, date=TODAY - datetime.timedelta(days=40), area=tree.group_a1
    )
    page = parse(admin_client_a.get(reverse("duty-edit", args=[old.pk])))
    assert page.find_all(id="locked-note") == []
    assert page.find("form", id="log-form").texts("button") == ["Save"]
    log = parse(
        admin_client_a.get(reverse("duty-log"), {"cadre": cadre_a.pk, "date": "2026-01-05"})
    )
    assert log.find_all(id="locked-note") == []
    date = log.find("input", name="date")
    assert (date["value"], date["max"], date.get("min")) == ("2026-01-05", TODAY.isoformat(), None)


def test_a_locked_day_refuses_a_post_too(own_client, tree, cadre_a):
    old = DutyDayFactory(
        cadre=cadre_a, date=TODAY - datetime.timedelta(days=30), area=tree.group_a1
    )
    response = own_client.post(
        reverse("duty-edit", args=[old.pk]), {"activities": ["farm_work"], "diary": "改不了"}
    )
    page = parse(response)
    assert page.form_errors() == [LOCKED]
    assert page.find_all(id="locked-note") == []  # said once, under the date
    old.refresh_from_db()
    assert old.activities == ["talked_with_cadres"]


def test_the_log_page_shows_a_locked_date_read_only(own_client):
    old = TODAY - datetime.timedelta(days=8)
    page = parse(own_client.get(reverse("duty-log"), {"date": old.isoformat()}))
    note = page.find(id="locked-note")
    assert note.texts("div") == [f"{old:%Y-%m-%d} can no longer be logged.", LOCKED]
    assert note.links() == ["/duty/log/"]
    assert "disabled" in page.find("fieldset", id="log-fields").attrs
    assert page.find("form", id="log-form").find_all("button") == []
    fresh = parse(own_client.get(reverse("duty-log"), {"date": TODAY.isoformat()}))
    assert fresh.find_all(id="locked-note") == []


def test_date_inputs_stop_at_today_and_at_the_window(own_client, tree, cadre_a):
    page = parse(own_client.get(reverse("duty-log")))
    date = page.find("input", name="date")
    first = TODAY - datetime.timedelta(days=7)
    assert (date["type"], date["max"], date["min"]) == (
        "date",
        TODAY.isoformat(),
        first.isoformat(),
    )
    # The reasons the page shows (app.js) as soon as a date out of range is chosen.
    assert page.find(id="date-locked").text == LOCKED
    assert page.find(id="date-future").text == "A duty day cannot be in the future."
    assert "hidden" in page.find(id="date-locked").attrs
    DutySettings.objects.filter(pk=1).update(edit_days=2)
    narrower = parse(own_client.get(reverse("duty-log"))).find("input", name="date")
    assert narrower["min"] == (TODAY - datetime.timedelta(days=2)).isoformat()
    day = DutyDayFactory(cadre=cadre_a, date=TODAY, area=tree.group_a1)
    edit = parse(own_client.get(reverse("duty-edit", args=[day.pk]))).find("input", name="date")
    assert (edit["max"], "disabled" in edit.attrs) == (TODAY.isoformat(), True)


def test_the_month_marks_locked_days_and_links_only_open_dates(own_client, tree, cadre_a):
    month = TODAY.replace(day=1) - datetime.timedelta(days=40)
    old = DutyDayFactory(cadre=cadre_a, date=month.replace(day=3), area=tree.group_a1)
    page = parse(own_client.get(reverse("duty-month"), {"month": f"{old.date:%Y-%m}"}))
    (entry,) = page.find(id="month-entries").find_all("li")
    assert entry.texts(class_="badge") == ["locked"]
    assert page.find("table", class_="calendar").links() == []  # no date there can be logged
    now = parse(own_client.get(reverse("duty-month")))
    linked = [a.text for a in now.find("table", class_="calendar").find_all("a")]
    first = max(TODAY - datetime.timedelta(days=7), TODAY.replace(day=1))
    assert linked == [str(d) for d in range(first.day, TODAY.day + 1)]


# Photos


def test_each_bad_photo_is_named_with_the_other_errors(own_client, tree, kept_dir):
    response = own_client.post(
        reverse("duty-log"),
        {
            "date": TODAY.isoformat(),
            "area": tree.group_a1.pk,
            "diary": "太短",
            "photos": [
                png(),
                SimpleUploadedFile("notes.png", b"not an image"),
                SimpleUploadedFile("scan.gif", _gif()),
            ],
        },
    )
    page = parse(response)
    assert page.form_errors() == [
        "Tick at least 1 thing you did.",
        "Tick the households you visited, or write a diary of at least 20 characters (2 so far).",
        "notes.png is not a photo.",
        "scan.gif: use JPEG, PNG or WebP.",
    ]
    # The good photo is kept, and shown as kept.
    (token,) = kept_tokens(page)
    box = page.find("input", name="kept_photos")
    assert (box["type"], "checked" in box.attrs) == ("checkbox", True)
    assert page.find(id="kept-photos").find("img")["src"] == f"/duty/photos/kept/{token}/"
    assert len(kept_files(kept_dir)) == 1
    assert not DutyDay.objects.exists()


def test_kept_photos_are_saved_with_the_day_without_picking_them_again(
    own_client, tree, cadre_a, kept_dir, django_capture_on_commit_callbacks
):
    visit = {"date": TODAY.isoformat(), "area": tree.group_a1.pk}
    first = parse(own_client.post(reverse("duty-log"), {**visit, "photos": [png(), png("b.png")]}))
    tokens = kept_tokens(first)
    assert len(tokens) == 2
    preview = own_client.get(reverse("duty-kept-photo", args=[tokens[0]]))
    assert (preview.status_code, preview["Content-Type"]) == (200, "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = own_client.post(
            reverse("duty-log"),
            {**visit, "households": [tree.households_a[0].pk], "kept_photos": tokens},
        )
    assert response.status_code == 302, parse(response).form_errors()
    day = DutyDay.objects.get(cadre=cadre_a)
    photos = list(DutyPhoto.objects.filter(duty_day=day))
    assert len(photos) == 2
    assert all((p.image.name or "").startswith("duty-days/") for p in photos)
    assert kept_files(kept_dir) == []  # no longer kept once stored with the day
    assert own_client.get(reverse("duty-kept-photo", args=[tokens[0]])).status_code == 404


def test_an_unticked_kept_photo_is_left_out(own_client, tree, cadre_a, kept_dir):
    visit = {"date": TODAY.isoformat(), "area": tree.group_a1.pk}
    tokens = kept_tokens(parse(own_client.post(reverse("duty-log"), {**visit, "photos": [png()]})))
    own_client.post(
        reverse("duty-log"),
        {**visit, "households": [tree.households_a[0].pk], "photos": [png("new.png")]},
    )
    day = DutyDay.objects.get(cadre=cadre_a)
    assert DutyPhoto.objects.filter(duty_day=day).count() == 1
    assert len(tokens) == 1


def test_kept_photos_and_new_ones_are_five_at_most(own_client, tree, kept_dir):
    visit = {"date": TODAY.isoformat(), "area": tree.group_a1.pk}
    tokens = kept_tokens(
        parse(own_client.post(reverse("duty-log"), {**visit, "photos": [png() for _ in range(4)]}))
    )
    assert len(tokens) == 4
    page = parse(
        own_client.post(
            reverse("duty-log"),
            {
                **visit,
                "households": [tree.households_a[0].pk],
                "kept_photos": tokens,
                "photos": [png("e.png"), png("f.png")],
            },
        )
    )
    assert page.form_errors() == ["At most 5 photos, those kept from your last attempt included."]
    assert len(kept_tokens(page)) == 5  # the first new one fills the last place
    assert not DutyDay.objects.exists()


def test_someone_elses_or_a_forged_token_is_refused(own_client, tree, admin_a, kept_dir):
    from django.test import Client

    visit = {"date": TODAY.isoformat(), "area": tree.group_a1.pk}
    (token,) = kept_tokens(
        parse(own_client.post(reverse("duty-log"), {**visit, "photos": [png()]}))
    )
    other = Client()
    other.force_login(admin_a)
    assert other.get(reverse("duty-kept-photo", args=[token])).status_code == 404
    assert own_client.get(reverse("duty-kept-photo", args=["x" + token])).status_code == 404
    page = parse(
        own_client.post(
            reverse("duty-log"),
            {**visit, "households": [tree.households_a[0].pk], "kept_photos": ["forged:token"]},
        )
    )
    assert page.form_errors() == [
        "A photo kept from your last attempt is no longer there; pick it again."
    ]
    assert not DutyDay.objects.exists()


def test_a_kept_photo_expires_after_a_day(own_client, tree, kept_dir):
    visit = {"date": TODAY.isoformat(), "area": tree.group_a1.pk}
    (token,) = kept_tokens(
        parse(own_client.post(reverse("duty-log"), {**visit, "photos": [png()]}))
    )
    later = timezone.now() + KEEP_FOR + datetime.timedelta(minutes=1)
    assert kept_uploads_purge(folder=KEPT_PHOTOS, now=timezone.now()) == 0
    assert kept_uploads_purge(folder=KEPT_PHOTOS, now=later) == 1
    assert kept_files(kept_dir) == []
    assert own_client.get(reverse("duty-kept-photo", args=[token])).status_code == 404


def test_the_purge_task_is_scheduled_and_leaves_fresh_files(settings, cadre_user_a, kept_dir):
    from dutydays.tasks import kept_photos_purge_task

    assert settings.CELERY_BEAT_SCHEDULE["duty-kept-photos-purge"]["task"] == (
        "dutydays.kept_photos_purge_task"
    )
    upload_keep(png(), folder=KEPT_PHOTOS, user_id=cadre_user_a.pk)
    assert kept_photos_purge_task.apply().get() == 0
    assert len(kept_files(kept_dir)) == 1


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (8, 8)).save(buffer, "GIF")
    return buffer.getvalue()
