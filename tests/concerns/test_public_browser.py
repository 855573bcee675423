"""On a phone, no login: a household opens its card's URL (the QR code), files a concern
with a photo, gets a tracking number; after the cadre resolves it, the lookup says so."""

import pytest
from PIL import Image

from districts.access import SYSTEM
from liaison.concerns import public
from liaison.concerns.models import Category, Concern, State
from liaison.concerns.services import concern_act
from liaison.concerns.statistics import concern_stats_recompute

from ..browser_support import BROWSER_MARKS, browser, log_in, page, shot
from ..test_accessibility import axe_violations, describe

pytestmark = BROWSER_MARKS
__all__ = ["browser", "page"]  # fixtures


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _solve(page) -> str:
    question = page.inner_text("label.question")
    a, b = [public.DIGITS.index(ch) for ch in question if ch in public.DIGITS[1:10]][:2]
    return str(a + b)


@pytest.mark.parametrize("page", [(375, 812)], ids=["phone"], indirect=True)
def test_a_household_files_from_its_card_and_follows_it(
    page, live_server, tree, paired_a, cadre_user_a, settings, tmp_path
):
    settings.PUBLIC_FORM_MIN_SECONDS = 0
    settings.MEDIA_ROOT = str(tmp_path)
    Category.objects.get_or_create(code="water", defaults={"name": "饮水"})
    card = public.contact_cards_issue(area=tree.group_a1, by=SYSTEM)[0]
    url = public.card_url(card, live_server.url)
    photo = tmp_path / "pipe.jpg"
    Image.new("RGB", (64, 48), (30, 90, 200)).save(photo, format="JPEG")

    page.goto(url)  # what the QR code opens
    assert tree.group_a1.name in page.inner_text(".place")
    page.fill("textarea[name=description]", "自来水管破了，三天没水")
    page.check("input[name=kind][value=help]")
    page.fill("input[name=phone]", "13912345678")
    page.set_input_files("input[name=photo]", str(photo))
    page.fill("input[name=answer]", _solve(page))
    assert _fits(page)
    shot(page, "public-form")
    page.click("button[type=submit]")
    page.wait_for_selector("#tracking-number")
    concern = Concern.objects.get()
    assert page.inner_text("#tracking-number") == concern.tracking_number
    assert (concern.channel, concern.household) == ("contact_card", paired_a)
    assert concern.attachments.count() == 1
    assert _fits(page)
    shot(page, "public-receipt")

    concern_act(concern=concern, action="accept", by=cadre_user_a)
    concern_act(concern=concern, action="resolve", by=cadre_user_a, note="换了一段水管")

    page.click("a.button")  # check progress
    page.fill("input[name=secret]", "5678")
    page.click("button[type=submit]")
    page.wait_for_selector("#status")
    assert "state-resolved" in (page.get_attribute("#status .state", "class") or "")
    assert "换了一段水管" not in page.content()  # the resolution is internal
    assert _fits(page)
    shot(page, "public-status")
    problems = describe("public-status", axe_violations(page))
    page.goto(url)
    problems += describe("public-form", axe_violations(page))
    assert problems == []
    concern.refresh_from_db()
    assert concern.state == State.RESOLVED


def test_the_public_pages_and_the_cards_on_screens(
    page, live_server, tree, paired_a, cadre_a, raise_concern, admin_a
):
    Category.objects.get_or_create(code="water", defaults={"name": "饮水"})
    concern = raise_concern(household=paired_a, reporter_phone="13912345678")
    concern_stats_recompute(by=SYSTEM)
    page.goto(f"{live_server.url}/board/{tree.town_a.code}/")
    assert page.inner_text("#received") == "1"
    assert _fits(page)
    shot(page, "public-board")
    page.goto(f"{live_server.url}/c/")
    assert _fits(page)
    shot(page, "public-picker")
    page.goto(f"{live_server.url}/c/?g={tree.group_a1.code}")
    assert _fits(page)
    shot(page, "public-form-web")
    page.goto(f"{live_server.url}/c/status/?number={concern.tracking_number}")
    page.fill("input[name=secret]", "5678")
    page.click("button[type=submit]")
    assert page.locator("#status").count() == 1
    shot(page, "public-status-open")
    log_in(page, live_server, admin_a.username)
    page.goto(f"{live_server.url}/areas/{tree.group_a1.pk}/contact-cards/qr/")
    assert page.locator("figure.qr svg").count() == 3
    shot(page, "public-cards-qr")
