"""The public side (issue 11): contact cards with a QR code, the public form without login,
the status lookup and the accountability board."""

import gzip
import io
from pathlib import Path

import pytest
import zxingcpp
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from districts.access import SYSTEM
from liaison.concerns import public
from liaison.concerns.models import (
    Category,
    Channel,
    Concern,
    ContactCard,
    PublicPolicy,
    State,
)
from liaison.concerns.services import concern_act, concern_publish_note
from liaison.concerns.statistics import concern_stats_recompute
from tests.html import parse

BASE = "https://liaison.example.cn"


@pytest.fixture(autouse=True)
def _fresh(settings):
    cache.clear()
    settings.PUBLIC_FORM_MIN_SECONDS = 0
    settings.PUBLIC_BASE_URL = BASE
    yield
    cache.clear()


def _png(name: str = "photo.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _answer(response) -> tuple[str, str]:
    """Read the token and solve the sum asked on the rendered form."""
    doc = parse(response)
    token = doc.find("input", name="token")["value"]
    question = doc.find("label", class_="question").text
    a, b = [public.DIGITS.index(ch) for ch in question if ch in public.DIGITS[1:10]][:2]
    return token, str(a + b)


def _post(client, url: str, **fields):
    page = client.get(url)
    token, answer = _answer(page)
    data = {
        "description": "路灯坏了一个月",
        "kind": "help",
        "category": Category.objects.get(code="water").pk,
        "token": token,
        "answer": answer,
        **fields,
    }
    return client.post(url, data)


# Contact cards and the QR code ----------------------------------------------------------


@pytest.mark.django_db
def test_cards_are_issued_once_per_household_and_the_qr_decodes_to_the_form(tree):
    cards = public.contact_cards_issue(area=tree.village_a, by=SYSTEM)
    again = public.contact_cards_issue(area=tree.village_a, by=SYSTEM)
    assert [c.pk for c in cards] == [c.pk for c in again]
    assert len({c.code for c in cards}) == len(cards) == len(tree.households_a)
    card = cards[0]
    assert card.household.head_name not in card.code and card.household.code not in card.code
    url = public.card_url(card, BASE)
    assert url == f"{BASE}/c/?g={card.household.group.code}&k={card.code}"
    image = Image.open(io.BytesIO(public.qr_image(url, "png")))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [url]
    assert public.qr_image(url, "svg").startswith(b"<?xml")


@pytest.mark.django_db
def test_the_printed_cards_carry_each_households_qr(client, login, tree, admin_a, cadre_a):
    login(admin_a)
    page = client.get(f"/areas/{tree.group_a1.pk}/contact-cards/qr/")
    assert page.status_code == 200
    doc = parse(page)
    figures = doc.find_all("figure", class_="qr")
    assert len(figures) == len([h for h in tree.households_a if h.group_id == tree.group_a1.pk])
    assert all(f.find_all("svg") for f in figures)
    card = ContactCard.objects.first()
    assert card is not None
    png = client.get(f"/contact-cards/{card.code}/qr.png")
    assert png["Content-Type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
    assert [r.text for r in decoded] == [public.card_url(card, BASE)]
    client.logout()
    assert client.get(f"/contact-cards/{card.code}/qr.png").status_code == 302


# The public form ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_card_files_for_its_household_with_a_photo(client, tree, paired_a, cadre_a):
    card = public.contact_cards_issue(area=tree.group_a1, by=SYSTEM)[0]
    assert card.household == paired_a
    url = f"/c/?g={tree.group_a1.code}&k={card.code}"
    answer = _post(client, url, g=tree.group_a1.code, k=card.code, photo=_png())
    assert answer.status_code == 200, parse(answer).form_errors()
    concern = Concern.objects.get()
    assert (concern.channel, concern.household, concern.owner) == (
        Channel.CONTACT_CARD,
        paired_a,
        cadre_a,
    )
    assert concern.attachments.count() == 1
    doc = parse(answer)
    assert doc.select("#tracking-number").text == concern.tracking_number
    # No phone given: the lookup code is on the receipt.
    assert doc.select("#lookup-code").text == concern.lookup_code


@pytest.mark.django_db
def test_without_a_card_the_form_files_a_web_concern_in_the_group(client, tree):
    answer = _post(client, f"/c/?g={tree.group_a2.code}", g=tree.group_a2.code, phone="13912345678")
    assert answer.status_code == 200
    concern = Concern.objects.get()
    assert (concern.channel, concern.area, concern.household) == (Channel.WEB, tree.group_a2, None)
    assert concern.reporter_phone == "13912345678"
    assert not parse(answer).find_all(id="lookup-code")


@pytest.mark.django_db
def test_a_revoked_or_unknown_card_is_only_a_web_concern(client, tree):
    card = public.contact_cards_issue(area=tree.group_a1, by=SYSTEM)[0]
    public.contact_card_revoke(card=card, by=SYSTEM)
    _post(client, f"/c/?g={tree.group_a1.code}&k={card.code}", g=tree.group_a1.code, k=card.code)
    concern = Concern.objects.get()
    assert (concern.channel, concern.household) == (Channel.WEB, None)


@pytest.mark.django_db
def test_without_a_place_the_form_offers_the_picker(client, tree):
    doc = parse(client.get("/c/"))
    assert not doc.find_all("textarea")
    assert f"?t={tree.town_a.code}" in doc.links()
    assert f"?v={tree.village_a.code}" in parse(client.get(f"/c/?t={tree.town_a.code}")).links()
    assert f"?g={tree.group_a1.code}" in parse(client.get(f"/c/?v={tree.village_a.code}")).links()
    # A code that is not a village or group is no place.
    page = client.get(f"/c/?g={tree.town_a.code}")
    assert not parse(page).find_all("textarea")
    for not_a_group in (tree.town_a.code, tree.village_a.code, "no-such-code"):
        answer = _post(client, f"/c/?g={tree.group_a1.code}", g=not_a_group)
        assert answer.status_code == 400
    assert not Concern.objects.exists()


@pytest.mark.django_db
def test_bad_input_is_refused_with_reasons(client, tree):
    url = f"/c/?g={tree.group_a1.code}"
    answer = _post(client, url, g=tree.group_a1.code, description="  ", phone="12ab")
    assert answer.status_code == 400
    doc = parse(answer)
    assert len(doc.find_all(class_="err")) >= 2
    answer = _post(client, url, g=tree.group_a1.code, kind="bribe")
    assert answer.status_code == 400
    answer = _post(client, url, g=tree.group_a1.code, photo=_png("virus.exe"))
    assert answer.status_code == 400
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 not an image", content_type="image/png")
    answer = _post(client, url, g=tree.group_a1.code, photo=fake)
    assert answer.status_code == 400
    assert not Concern.objects.exists()


@pytest.mark.django_db
def test_the_honeypot_refuses(client, tree):
    url = f"/c/?g={tree.group_a1.code}"
    answer = _post(client, url, g=tree.group_a1.code, website="http://spam.example")
    assert answer.status_code == 400
    assert not Concern.objects.exists()


@pytest.mark.django_db
def test_the_challenge_wrong_sum_forged_token_and_too_fast(client, tree, settings):
    url = f"/c/?g={tree.group_a1.code}"
    assert _post(client, url, g=tree.group_a1.code, answer="99").status_code == 400
    assert _post(client, url, g=tree.group_a1.code, token="forged:token").status_code == 400
    settings.PUBLIC_FORM_MIN_SECONDS = 3
    assert _post(client, url, g=tree.group_a1.code).status_code == 400  # at once: a bot
    assert not Concern.objects.exists()


@pytest.mark.django_db
def test_rate_limits_per_address_and_phone_leave_staff_pages_alone(client, login, tree, admin_a):
    policy = PublicPolicy.current()
    policy.per_address_per_hour, policy.per_phone_per_day = 3, 2
    policy.save()
    url = f"/c/?g={tree.group_a1.code}"
    codes = [_post(client, url, g=tree.group_a1.code).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert Concern.objects.count() == 3
    # Another address, one phone: its own limit.
    cache.clear()
    other = {"REMOTE_ADDR": "10.9.9.9"}
    codes = []
    for _ in range(3):
        page = client.get(url, **other)
        token, answer = _answer(page)
        data = {
            "description": "水",
            "kind": "help",
            "category": Category.objects.get(code="water").pk,
            "token": token,
            "answer": answer,
            "g": tree.group_a1.code,
            "phone": "13800000000",
        }
        codes.append(client.post(url, data, **other).status_code)
    assert codes == [200, 200, 429]
    # The flood does not touch the staff.
    login(admin_a)
    assert client.get("/concerns/").status_code == 200


@pytest.mark.django_db
def test_the_first_visit_is_under_30_kb_compressed(client, tree):
    page = client.get(f"/c/?g={tree.group_a1.code}")
    doc = parse(page)
    sheets = [link["href"] for link in doc.find_all("link", rel="stylesheet")]
    assert sheets == ["/static/public/public.css"]
    assert not doc.find_all("script")
    css = (Path(django_settings.BASE_DIR) / "static/public/public.css").read_bytes()
    total = len(gzip.compress(page.content)) + len(gzip.compress(css))
    assert total < 30 * 1024, total


# Status lookup --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_status_lookup_shows_nothing_private(
    client, tree, paired_a, cadre_user_a, raise_concern
):
    concern = raise_concern(
        household=paired_a,
        reporter_name="岩香",
        reporter_phone="13912345678",
        description="邻居家的狗咬人",
    )
    concern_act(concern=concern, action="accept", by=cadre_user_a, note="内部：先去看看")
    concern_publish_note(concern=concern, note="已联系村委会处理。", by=cadre_user_a)
    page = client.post("/c/status/", {"number": concern.tracking_number, "secret": "5678"})
    assert page.status_code == 200
    doc = parse(page)
    html = doc.all_text
    assert doc.find_all(id="status")
    assert "已联系村委会处理。" in html
    for private in (
        "岩香",
        "13912345678",
        "邻居家的狗咬人",
        "内部",
        paired_a.head_name,
        cadre_user_a.cadre.name,
        cadre_user_a.cadre.phone,
    ):
        assert private not in html, private


@pytest.mark.django_db
def test_a_wrong_tail_says_the_same_as_an_unknown_number(client, tree, raise_concern):
    concern = raise_concern(reporter_phone="13912345678")
    wrong = client.post("/c/status/", {"number": concern.tracking_number, "secret": "0000"})
    unknown = client.post("/c/status/", {"number": "530827-1999-999999", "secret": "5678"})
    assert wrong.status_code == unknown.status_code == 404

    def alert(response):
        return parse(response).find(role="alert").text

    assert alert(wrong) == alert(unknown)
    assert concern.tracking_number not in alert(wrong)
    # The lookup code of an anonymous concern opens it; another concern's does not.
    anonymous = raise_concern()
    ok = client.post(
        "/c/status/", {"number": anonymous.tracking_number, "secret": anonymous.lookup_code}
    )
    assert ok.status_code == 200
    cross = client.post(
        "/c/status/", {"number": concern.tracking_number, "secret": anonymous.lookup_code}
    )
    assert cross.status_code == 404


@pytest.mark.django_db
def test_the_lookup_asks_by_post_and_a_get_only_fills_the_number(client, tree, raise_concern):
    concern = raise_concern(reporter_phone="13912345678")
    page = parse(client.get("/c/status/", {"number": concern.tracking_number, "secret": "5678"}))
    assert page.find_all(id="status") == []
    assert page.find("input", name="number")["value"] == concern.tracking_number
    assert page.find("form")["method"] == "post"


@pytest.mark.django_db
def test_the_status_lookup_is_rate_limited(client, tree):
    policy = PublicPolicy.current()
    policy.lookups_per_hour = 2
    policy.save()
    codes = [
        client.post("/c/status/", {"number": "x", "secret": "1234"}).status_code for _ in range(3)
    ]
    assert codes == [404, 404, 429]


# The board ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_board_against_a_hand_counted_set(
    client, tree, paired_a, cadre_user_a, raise_concern, hotline
):
    roads = Category.objects.get(code="roads")
    done = [raise_concern(household=paired_a) for _ in range(2)]
    for concern in done:
        concern_act(concern=concern, action="accept", by=cadre_user_a)
        concern_act(concern=concern, action="resolve", by=cadre_user_a, note="修好了")
    concern_act(concern=done[0], action="feedback", by=hotline, result="satisfied")
    concern_act(concern=done[1], action="feedback", by=hotline, result="unsatisfied")
    concern_act(concern=done[1], action="resolve", by=cadre_user_a, note="再修")
    late = raise_concern(category=roads)
    Concern.objects.filter(pk=late.pk).update(due="2000-01-03")
    raise_concern(area=tree.group_b1)  # township B: not on A's board
    concern_stats_recompute(by=SYSTEM)

    data = client.get(f"/board/{tree.town_a.code}.json").json()
    # Hand-counted: 3 received in A (2 water, 1 roads); 2 resolved, both on time; 1 open and
    # overdue; 2 call-backs, 1 satisfied.
    total = data["total"]
    assert (total["received"], total["resolved"], total["on_time_percent"]) == (3, 2, 100.0)
    assert (total["open_overdue"], total["callbacks"], total["satisfaction_percent"]) == (
        1,
        2,
        50.0,
    )
    assert len(data["months"]) == 12 and data["months"][-1]["received"] == 3
    by_category = {c["code"]: (c["received"], c["resolved"]) for c in data["by_category"]}
    assert by_category == {"water": (2, 2), "roads": (1, 0)}
    text = str(data)
    for private in (paired_a.head_name, cadre_user_a.cadre.name, "自来水管破了"):
        assert private not in text
    page = client.get(f"/board/{tree.town_a.code}/")
    assert page.status_code == 200
    doc = parse(page)
    assert doc.select("#received").text == "3"
    assert doc.select("#on-time").text == "100.0%"


@pytest.mark.django_db
def test_boards_follow_the_policy(client, tree):
    assert client.get(f"/board/{tree.town_a.code}/").status_code == 200
    assert client.get(f"/board/{tree.village_a.code}/").status_code == 404
    assert client.get(f"/board/{tree.county.code}.json").status_code == 404
    policy = PublicPolicy.current()
    policy.village_boards_public, policy.township_boards_public = True, False
    policy.save()
    assert client.get(f"/board/{tree.village_a.code}.json").status_code == 200
    assert client.get(f"/board/{tree.town_a.code}/").status_code == 404


def test_public_states_cover_every_state():
    assert set(public.PUBLIC_STATE) == set(State)
