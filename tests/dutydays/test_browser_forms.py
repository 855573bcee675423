"""Duty-day forms in a real browser, on a phone and a desktop (issue 8, items 1 and 7).

The assertions read the page's structure and messages translated before this branch; the
new messages show in English until their translations (locale/pending/dd.po) are merged.
"""

import datetime
import io

import pytest
from django.utils import timezone
from PIL import Image

from dutydays.models import DutyDay, DutyPhoto
from liaison.core.models import Pairing

from ..browser_support import BROWSER_MARKS, browser, log_in, page, shot
from ..factories import DutyDayFactory

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures

DIARY = "在芒街一组和组长、党员开了院坝会，听取了群众对修路的意见。"


@pytest.fixture
def paired_cadre(tree, cadre_a, cadre_user_a):
    """The cadre's account, paired with households_a[0] (so its village is offered first)."""
    Pairing.objects.create(cadre=cadre_a, household=tree.households_a[0], start_date="2026-01-01")
    return cadre_user_a


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "seagreen").save(buffer, "PNG")
    return buffer.getvalue()


def test_an_empty_day_is_refused_under_its_fields(page, live_server, tree, paired_cadre, cadre_a):
    log_in(page, live_server, paired_cadre.username)
    page.goto(f"{live_server.url}/duty/log/")
    page.click("#log-form button[type=submit]")
    page.wait_for_selector(".invalid-feedback")
    # One message under the activities, one under the diary; nothing saved.
    activities = page.locator("fieldset.mb-3:has(input[name=activities]) > .invalid-feedback")
    diary = page.locator("textarea[name=diary] ~ .invalid-feedback")
    assert activities.count() == diary.count() == 1
    assert activities.is_visible() and diary.is_visible()
    assert "is-invalid" in (page.locator("textarea[name=diary]").get_attribute("class") or "")
    assert not DutyDay.objects.exists()
    shot(page, "duty-empty-refused")

    page.check("input[name=activities][value=talked_with_cadres]")
    page.fill("textarea[name=diary]", DIARY)
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("#month-entries")
    day = DutyDay.objects.get(cadre=cadre_a)
    assert (day.activities, day.diary) == (["talked_with_cadres"], DIARY)
    # The village's feed shows the day with what was done.
    page.goto(f"{live_server.url}/areas/{tree.village_a.pk}/diaries/")
    assert page.locator("#diaries article .day-activities li").all_inner_texts() == [
        "与村组干部、党员沟通"
    ]
    assert page.locator("#diaries article .day-diary").inner_text() == DIARY
    shot(page, "duty-diaries")


def test_a_locked_date_says_so_before_anyone_types(page, live_server, tree, paired_cadre, cadre_a):
    today = timezone.localdate()
    old = today - datetime.timedelta(days=10)
    log_in(page, live_server, paired_cadre.username)

    # Asked for an old date (a link, a bookmark): read-only, with the reason.
    page.goto(f"{live_server.url}/duty/log/?date={old.isoformat()}")
    assert page.locator("#locked-note").is_visible()
    assert page.locator("#log-form button[type=submit]").count() == 0
    assert page.locator("textarea[name=diary]").is_disabled()
    shot(page, "duty-log-locked")

    # Choosing an old date on the form: the reason shows at once and Save waits.
    page.goto(f"{live_server.url}/duty/log/")
    date = page.locator("input[name=date]")
    assert date.get_attribute("max") == today.isoformat()
    assert date.get_attribute("min") == (today - datetime.timedelta(days=7)).isoformat()
    assert not page.locator("#date-locked").is_visible()
    date.fill(old.isoformat())
    assert page.locator("#date-locked").is_visible()
    assert page.locator("#log-form button[type=submit]").is_disabled()
    shot(page, "duty-log-date-locked")
    date.fill((today + datetime.timedelta(days=1)).isoformat())
    assert page.locator("#date-future").is_visible()
    assert not page.locator("#date-locked").is_visible()
    date.fill(today.isoformat())
    assert not page.locator("#date-future").is_visible()
    assert page.locator("#log-form button[type=submit]").is_enabled()

    # A recorded day past the window opens read-only.
    day = DutyDayFactory(cadre=cadre_a, date=old, area=tree.group_a1)
    page.goto(f"{live_server.url}/duty/days/{day.pk}/edit/")
    assert page.locator("#locked-note").is_visible()
    assert page.locator("#log-form button[type=submit]").count() == 0
    assert page.locator("input[name=activities]").first.is_disabled()
    shot(page, "duty-edit-locked")


def test_a_bad_photo_hides_nothing_and_the_good_one_is_kept(
    page, live_server, tree, paired_cadre, cadre_a
):
    log_in(page, live_server, paired_cadre.username)
    page.goto(f"{live_server.url}/duty/log/")
    page.check("input[name=activities][value=talked_with_cadres]")
    page.fill("textarea[name=diary]", "太短")
    page.set_input_files(
        "input[name=photos]",
        files=[
            {"name": "good.png", "mimeType": "image/png", "buffer": _png()},
            {"name": "notes.png", "mimeType": "image/png", "buffer": b"not an image"},
        ],
    )
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("#kept-photos")
    errors = page.locator(".invalid-feedback").all_inner_texts()
    assert len(errors) == 2
    assert errors[1] == "notes.png 不是照片。"  # the photo, and the diary's rule above it
    assert page.locator("textarea[name=diary] ~ .invalid-feedback").count() == 1
    kept = page.locator("#kept-photos img")
    assert kept.count() == 1
    assert kept.evaluate("img => img.complete && img.naturalWidth") == 64
    assert page.locator("input[name=kept_photos]").is_checked()
    shot(page, "duty-photo-kept")

    # Fix the diary; the kept photo goes with the day without being picked again.
    page.fill("textarea[name=diary]", DIARY)
    page.click("#log-form button[type=submit]")
    page.wait_for_selector("#month-entries")
    day = DutyDay.objects.get(cadre=cadre_a)
    assert DutyPhoto.objects.filter(duty_day=day).count() == 1
