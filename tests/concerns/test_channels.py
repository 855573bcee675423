"""The channels' entry pages: liaison officers (and their daily reports), the contact card,
opinion boxes and their openings, the hotline."""

import datetime
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image

from districts.models import Role
from liaison.concerns.access import HOTLINE_OPERATOR, LIAISON_OFFICER
from liaison.concerns.channel_services import box_opening_record, officer_report_record
from liaison.concerns.models import (
    BoxOpening,
    Category,
    Concern,
    ConcernAttachment,
    OfficerReport,
    OpinionBox,
)

from ..factories import OpinionBoxFactory, user_with_role
from ..html import parse

pytestmark = pytest.mark.django_db
REQUIRED = "此字段为必填项。"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _png(name: str = "slip.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _water() -> int:
    return Category.objects.get(code="water").pk


def _success(response) -> str:
    return " ".join(parse(response).texts(class_="alert-success"))


# Liaison officers ------------------------------------------------------------------------


def test_officer_page_offers_the_village_and_its_groups(client, login, tree, officer_a):
    page = parse(login(officer_a).get(reverse("concern-officer")))
    assert page.options("area") == [
        (str(tree.village_a.pk), "芒街村"),
        (str(tree.group_a1.pk), "芒街一组"),
        (str(tree.group_a2.pk), "芒街二组"),
    ]
    assert page.find(id="report-status").text.startswith(_("Today: not reported yet."))


def test_officer_submits_for_a_household_and_that_is_the_days_report(
    client, login, tree, officer_a
):
    household = tree.households_a[3]  # in group A2
    client = login(officer_a)
    url = f"{reverse('concern-officer')}?household={household.pk}"
    page = parse(client.get(url))
    assert household.head_name in page.find(id="household-picked").text
    response = client.post(
        url,
        {
            "household": household.pk,
            "area": household.group_id,
            "kind": "help",
            "category": _water(),
            "description": "水管破了",
            "photo": _png(),
        },
        follow=True,
    )
    concern = Concern.objects.get()
    assert (concern.channel, concern.household, concern.area) == (
        "liaison_officer",
        household,
        tree.group_a2,
    )
    assert concern.created_by == officer_a
    assert ConcernAttachment.objects.filter(concern=concern).count() == 1
    assert concern.tracking_number in _success(response)
    report = OfficerReport.objects.get(officer=officer_a)
    assert (report.date, report.zero, report.village) == (
        timezone.localdate(),
        False,
        tree.village_a,
    )


def test_officer_bad_input_is_refused_in_chinese(client, login, tree, officer_a):
    response = login(officer_a).post(
        reverse("concern-officer"),
        {"area": tree.group_a1.pk, "kind": "help", "category": _water(), "description": ""},
    )
    assert response.status_code == 200
    assert parse(response).form_errors() == [REQUIRED]
    assert not Concern.objects.exists()
    assert not OfficerReport.objects.exists()


def test_officer_cannot_file_for_another_village(client, login, tree, officer_a):
    client = login(officer_a)
    foreign = tree.households_b[0]
    url = f"{reverse('concern-officer')}?household={foreign.pk}"
    assert client.get(url).status_code == 404
    data = {"kind": "help", "category": _water(), "description": "路断了"}
    assert client.post(url, {**data, "household": foreign.pk}).status_code == 404
    # A group of village B is not among the places.
    response = client.post(reverse("concern-officer"), {**data, "area": tree.group_b1.pk})
    assert parse(response).find(class_="invalid-feedback").text
    # Another household of township A, not of the officer's village, is 404 as well.
    other_village = user_with_role(LIAISON_OFFICER, tree.village_b, username="officer_b")
    own = tree.households_a[0]
    assert (
        login(other_village).get(f"{reverse('concern-officer')}?household={own.pk}").status_code
        == 404
    )
    assert not Concern.objects.exists()


def test_officer_household_search_stays_in_the_village(client, login, tree, officer_a):
    client = login(officer_a)
    target = tree.households_a[1]
    foreign = tree.households_b[0]
    url = reverse("concern-household-search", args=["officer"])
    page = parse(client.get(url, {"q": target.head_name}))
    assert [target.head_name in t for t in page.texts("a")] == [True]
    assert parse(client.get(url, {"q": foreign.head_name})).find_all("a") == []
    # Without JavaScript the entry page itself shows the results.
    page = parse(client.get(reverse("concern-officer"), {"q": target.head_name}))
    assert page.find(id="household-results").links() == [
        f"{reverse('concern-officer')}?household={target.pk}"
    ]


def test_zero_report_and_who_has_not_reported(client, login, tree, officer_a, admin_a, admin_b):
    silent = user_with_role(LIAISON_OFFICER, tree.village_a, username="officer_a2")
    user_with_role(LIAISON_OFFICER, tree.village_b, username="officer_b")
    client = login(officer_a)
    response = client.post(
        reverse("concern-officer-report"), {"zero": "1", "note": "村里平安"}, follow=True
    )
    report = OfficerReport.objects.get(officer=officer_a)
    assert (report.zero, report.note) == (True, "村里平安")
    assert _("Zero report recorded.") in _success(response)
    assert parse(response).find(id="report-zero")

    page = parse(login(admin_a).get(reverse("concern-officers")))
    assert [r[0] for r in page.table_rows("#officers")] == ["officer_a", "officer_a2"]
    rows = {r[0]: r for r in page.table_rows("#officers")}
    assert rows["officer_a"][-2] == "零"
    assert rows["officer_a2"][-2] == "—"
    assert page.find(id="silent-officers").text == f"{silent.username} · 芒街村"
    # Township B's officer is township B's business.
    assert "officer_b" not in page.all_text
    assert "officer_a" not in parse(login(admin_b).get(reverse("concern-officers"))).all_text


def test_a_concern_turns_a_zero_report_into_a_report_and_refuses_a_late_zero(
    tree, officer_a, raise_concern
):
    officer_report_record(by=officer_a, zero=True)
    from liaison.concerns.channel_services import officer_concern_create

    officer_concern_create(
        by=officer_a,
        area=tree.group_a1,
        kind="help",
        category=Category.objects.get(code="roads"),
        description="路灯坏了",
    )
    assert OfficerReport.objects.get(officer=officer_a).zero is False
    from django.core.exceptions import ValidationError

    late = _("You submitted concerns that day: it is not a zero report. Add a note instead.")
    with pytest.raises(ValidationError, match=re.escape(late)):
        officer_report_record(by=officer_a, zero=True)
    # A note is still welcome.
    assert officer_report_record(by=officer_a, zero=False, note="已报").note == "已报"


def test_officer_pages_are_the_officers(client, login, tree, viewer_a, cadre_user_a):
    for user in (viewer_a, cadre_user_a):
        assert login(user).get(reverse("concern-officer")).status_code == 403
        assert login(user).post(reverse("concern-officer-report"), {"zero": "1"}).status_code == 403
    assert not OfficerReport.objects.exists()
    assert login(viewer_a).get(reverse("concern-officers")).status_code == 200
    assert login(cadre_user_a).get(reverse("concern-officers")).status_code == 403


# Contact card ----------------------------------------------------------------------------


def test_card_call_in_two_taps(client, login, tree, cadre_a, cadre_user_a, paired_a):
    client = login(cadre_user_a)
    page = parse(client.get(reverse("concern-card")))
    assert page.find(id="card-households").links() == [f"?household={paired_a.pk}"]
    url = f"{reverse('concern-card')}?household={paired_a.pk}"
    page = parse(client.get(url))
    assert dict(page.options("kind"))["help"]
    assert page.find("select", name="kind").find("option", selected=True).attrs["value"] == "help"
    response = client.post(
        url,
        {"household": paired_a.pk, "kind": "help", "category": _water(), "description": "没水"},
        follow=True,
    )
    concern = Concern.objects.get()
    assert (concern.channel, concern.household, concern.owner, concern.state) == (
        "contact_card",
        paired_a,
        cadre_a,
        "assigned",
    )
    assert concern.tracking_number in _success(response)


def test_card_refuses_another_cadres_household_and_bad_input(
    client, login, tree, cadre_user_a, paired_a
):
    client = login(cadre_user_a)
    other = tree.households_a[1]  # not paired with cadre A
    assert client.get(f"{reverse('concern-card')}?household={other.pk}").status_code == 404
    url = f"{reverse('concern-card')}?household={paired_a.pk}"
    response = client.post(url, {"household": paired_a.pk, "kind": "help", "description": "x"})
    assert parse(response).form_errors() == [REQUIRED]
    assert not Concern.objects.exists()


def test_card_without_a_cadre_says_so(client, login, admin_a):
    page = parse(login(admin_a).get(reverse("concern-card")))
    assert "card-households" not in page.all_text


# Hotline ---------------------------------------------------------------------------------


def test_hotline_search_by_name_phone_and_id_tail(client, login, tree, hotline):
    client = login(hotline)
    url = reverse("concern-household-search", args=["hotline"])
    target = tree.households_b[1]  # county-wide: township B too

    def found(q: str) -> list[str]:
        return [a.attrs["href"] for a in parse(client.get(url, {"q": q})).find_all("a")]

    link = f"{reverse('concern-hotline')}?caller=&household={target.pk}"
    assert found(target.head_name) == [link]
    assert found(target.phone) == [link]
    assert found(target.id_number[-6:]) == [link]
    assert link in found(target.id_number[-4:])
    # The numbers are shown masked.
    text = parse(client.get(url, {"q": target.head_name})).all_text
    assert target.phone not in text and target.id_number not in text


def test_hotline_search_never_leaves_the_scope(client, login, tree, admin_a):
    client = login(admin_a)
    url = reverse("concern-household-search", args=["hotline"])
    foreign = tree.households_b[0]
    for q in (foreign.head_name, foreign.phone, foreign.id_number[-6:]):
        assert parse(client.get(url, {"q": q})).find_all("a") == []


def test_hotline_enters_a_call_keeping_the_callers_number(client, login, tree, hotline):
    client = login(hotline)
    household = tree.households_b[0]
    url = f"{reverse('concern-hotline')}?caller=13812345678&household={household.pk}"
    page = parse(client.get(url))
    assert page.find("input", name="reporter_phone").attrs["value"] == "13812345678"
    assert page.find("select", name="kind").attrs.get("autofocus") is not None
    assert page.find("form", id="hotline-form").attrs.get("data-ctrl-enter-submit") is not None
    response = client.post(
        url,
        {
            "household": household.pk,
            "kind": "complaint",
            "category": _water(),
            "description": "停水三天",
            "reporter_phone": "13812345678",
        },
        follow=True,
    )
    concern = Concern.objects.get()
    assert (concern.channel, concern.household, concern.reporter_phone, concern.township) == (
        "hotline",
        household,
        "13812345678",
        tree.town_b,
    )
    # Back on an empty page, ready for the next call.
    assert concern.tracking_number in _success(response)
    assert parse(response).find("input", name="q").attrs.get("autofocus") is not None


def test_hotline_anonymous_caller_and_bad_input(client, login, tree, hotline):
    client = login(hotline)
    url = reverse("concern-hotline")
    data = {"kind": "consult", "category": _water(), "description": "问低保政策"}
    response = client.post(url, data)
    assert [e for e in parse(response).form_errors() if e]
    assert not Concern.objects.exists()
    client.post(url, {**data, "area": tree.group_b1.pk})
    concern = Concern.objects.get()
    assert (concern.household, concern.area, concern.is_anonymous) == (None, tree.group_b1, True)


def test_hotline_refuses_a_viewer(client, login, tree, viewer_a):
    client = login(viewer_a)
    assert client.get(reverse("concern-hotline")).status_code == 403
    data = {"kind": "help", "category": _water(), "description": "x", "area": tree.group_a1.pk}
    assert client.post(reverse("concern-hotline"), data).status_code == 403
    assert not Concern.objects.exists()


# Opinion boxes ---------------------------------------------------------------------------


def test_register_a_box_and_flag_those_not_opened(client, login, tree, admin_a):
    client = login(admin_a)
    page = parse(client.get(reverse("concern-box-new")))
    assert (str(tree.group_a1.pk), "娜允镇 · 芒街村 · 芒街一组") in page.options("area")
    assert str(tree.group_b1.pk) not in dict(page.options("area"))
    response = client.post(
        reverse("concern-box-new"),
        {"area": tree.village_a.pk, "location": "村委会门口", "keyholder": "李文"},
        follow=True,
    )
    box = OpinionBox.objects.get()
    assert response.redirect_chain[-1][0] == reverse("concern-box", args=[box.pk])
    assert parse(response).find_all(id="box-overdue") == []
    # Registered 40 days ago, never opened: flagged; opened 10 days ago: not.
    OpinionBox.objects.filter(pk=box.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=40)
    )
    page = parse(client.get(reverse("concern-boxes")))
    assert len(page.find_all(class_="box-overdue")) == 1
    assert page.find(id="boxes").find(class_="box-overdue").text
    BoxOpening.objects.create(
        box=box,
        opened_on=timezone.localdate() - datetime.timedelta(days=10),
        opened_by="李文",
        slips=0,
    )
    assert parse(client.get(reverse("concern-boxes"))).find_all(class_="box-overdue") == []


def test_box_form_bad_input(client, login, tree, admin_a):
    response = login(admin_a).post(
        reverse("concern-box-new"), {"area": tree.village_a.pk, "location": "", "keyholder": "李文"}
    )
    assert parse(response).form_errors() == [REQUIRED]
    assert not OpinionBox.objects.exists()


def test_another_townships_box_is_404(client, login, tree, admin_a):
    box = OpinionBoxFactory(area=tree.village_b)
    client = login(admin_a)
    assert client.get(reverse("concern-box", args=[box.pk])).status_code == 404
    assert client.get(reverse("concern-box-open", args=[box.pk])).status_code == 404
    assert str(box.location) not in parse(client.get(reverse("concern-boxes"))).text_without()


def _opening(tree, n: int) -> dict:
    data = {
        "opened_on": timezone.localdate().isoformat(),
        "opened_by": "李文",
        "slips": n,
        "note": "",
        "slip-TOTAL_FORMS": 3,
        "slip-INITIAL_FORMS": 0,
        "slip-MIN_NUM_FORMS": 0,
        "slip-MAX_NUM_FORMS": 100,
    }
    return data


def test_box_opening_enters_each_slip(client, login, tree, admin_a):
    box = OpinionBoxFactory(area=tree.village_a)
    client = login(admin_a)
    url = reverse("concern-box-open", args=[box.pk])
    page = parse(client.get(url, {"slips": 3}))
    assert len(page.find_all("fieldset", class_="slip")) == 3
    data = {
        **_opening(tree, 2),
        "slip-0-kind": "suggestion",
        "slip-0-category": _water(),
        "slip-0-description": "希望修水池",
        "slip-0-photo": _png("a.png"),
        "slip-1-kind": "complaint",
        "slip-1-category": _water(),
        "slip-1-description": "村干部不在岗",
        "slip-1-reporter_name": "岩三",
        "slip-2-kind": "suggestion",  # an untouched row: no slip
    }
    response = client.post(f"{url}?slips=3", data, follow=True)
    opening = BoxOpening.objects.get()
    assert (opening.slips, opening.opened_by, opening.recorded_by) == (2, "李文", admin_a)
    concerns = list(Concern.objects.order_by("pk"))
    assert [c.description for c in concerns] == ["希望修水池", "村干部不在岗"]
    assert {c.channel for c in concerns} == {"opinion_box"}
    assert {c.box_opening_id for c in concerns} == {opening.pk}
    assert concerns[0].is_anonymous and concerns[0].attachments.count() == 1
    assert response.redirect_chain[-1][0] == reverse("concern-box", args=[box.pk])
    assert len(parse(response).find_all(class_="opening")) == 1


def test_box_opening_count_must_match_the_slips_entered(client, login, tree, admin_a):
    box = OpinionBoxFactory(area=tree.village_a)
    data = {
        **_opening(tree, 3),
        "slip-0-kind": "suggestion",
        "slip-0-category": _water(),
        "slip-0-description": "希望修水池",
    }
    response = login(admin_a).post(reverse("concern-box-open", args=[box.pk]), data)
    assert response.status_code == 200
    errors = parse(response).form_errors()
    assert errors == [
        _(
            "%(count)d slips were found but %(entered)d entered: enter every slip "
            "(or correct the number found)."
        )
        % {"count": 3, "entered": 1}
    ]
    assert not BoxOpening.objects.exists() and not Concern.objects.exists()


def test_box_opening_all_or_nothing(tree, admin_a):
    from django.core.exceptions import ValidationError

    box = OpinionBoxFactory(area=tree.village_a)
    water = Category.objects.get(code="water")
    slips = [
        {"kind": "help", "category": water, "description": "好的"},
        {"kind": "help", "category": water, "description": "   "},
    ]
    blank = _("Slip %(n)d: %(error)s") % {"n": 2, "error": _("Say what happened.")}
    with pytest.raises(ValidationError, match=re.escape(blank)) as caught:
        box_opening_record(
            box=box, opened_on=timezone.localdate(), opened_by="李文", slips=slips, by=admin_a
        )
    assert list(caught.value.message_dict) == ["slips"]
    assert not BoxOpening.objects.exists() and not Concern.objects.exists()


def test_viewer_reads_boxes_but_records_nothing(client, login, tree, viewer_a):
    box = OpinionBoxFactory(area=tree.village_a)
    client = login(viewer_a)
    assert client.get(reverse("concern-boxes")).status_code == 200
    page = parse(client.get(reverse("concern-box", args=[box.pk])))
    assert reverse("concern-box-open", args=[box.pk]) not in page.links()
    assert client.get(reverse("concern-box-open", args=[box.pk])).status_code == 403
    assert (
        client.post(reverse("concern-box-open", args=[box.pk]), _opening(tree, 0)).status_code
        == 403
    )
    data = {"area": tree.village_a.pk, "location": "x", "keyholder": "y"}
    assert client.post(reverse("concern-box-new"), data).status_code == 403
    assert BoxOpening.objects.count() == 0 and OpinionBox.objects.count() == 1


# Menus -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "entries"),
    [
        (LIAISON_OFFICER, ["concern-officer", "concern-officer-report"]),
        (HOTLINE_OPERATOR, ["concern-hotline"]),
        (Role.CADRE, ["concern-card"]),
        # Administrators and viewers reach boxes and officers through the concern pages'
        # own navigation (tests/concerns/test_pages.py), not the main menu.
        (Role.AREA_ADMIN, []),
        (Role.VIEWER, []),
    ],
)
def test_the_channels_menu_entries(client, login, tree, role, entries):
    user = user_with_role(role, tree.village_a if role == LIAISON_OFFICER else tree.town_a)
    links = parse(login(user).get(reverse("dashboard"))).find("ul", class_="navbar-nav").links()
    names = [
        "concern-officer",
        "concern-officer-report",
        "concern-hotline",
        "concern-card",
        "concern-boxes",
        "concern-officers",
    ]
    assert [n for n in names if reverse(n) in links] == entries
