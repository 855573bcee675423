"""The staff pages of concerns: the list, a concern's page and its actions, the inboxes,
notifications, the menu's count, the panels, and the e-mail of an assignment."""

import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from districts.access import SYSTEM
from districts.models import Role
from liaison.concerns.models import Concern, ConcernEvent, Notification, State
from liaison.concerns.services import concern_act
from tests.factories import user_with_role
from tests.html import parse

REQUIRED = "此字段为必填项。"


def _png(name: str = "slip.png") -> SimpleUploadedFile:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def assigned_concern(raise_concern, paired_a):
    """A concern of cadre A's paired household, with a reporter's phone: assigned to A."""
    return raise_concern(household=paired_a, reporter_name="岩三", reporter_phone="13912345678")


@pytest.fixture
def queued_concern(raise_concern):
    """An anonymous concern nobody was routed to: in the township's queue."""
    return raise_concern(description="路灯坏了")


def _act(client, concern: Concern, action: str, **data):
    return client.post(reverse("concern-act", args=[concern.pk, action]), data)


# Pages per role ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "page", "status"),
    [
        ("admin_a", "concern-list", 200),
        ("admin_a", "concern-queue", 200),
        ("admin_a", "concern-supervision", 200),
        ("admin_a", "concern-notifications", 200),
        ("admin_a", "concern-mine", 200),
        ("viewer_a", "concern-list", 200),
        ("viewer_a", "concern-queue", 200),
        ("viewer_a", "concern-supervision", 200),
        ("cadre_user_a", "concern-mine", 200),
        ("cadre_user_a", "concern-list", 200),
        ("cadre_user_a", "concern-notifications", 200),
        ("cadre_user_a", "concern-queue", 403),
        ("cadre_user_a", "concern-supervision", 403),
        ("hotline", "concern-queue", 200),
        ("hotline", "concern-supervision", 403),
    ],
)
def test_each_page_for_its_roles(request, login, assigned_concern, who, page, status):
    response = login(request.getfixturevalue(who)).get(reverse(page))
    assert response.status_code == status


def test_the_list_shows_and_filters_the_concerns(login, admin_a, assigned_concern, queued_concern):
    client = login(admin_a)
    page = parse(client.get(reverse("concern-list")))
    rows = page.table_rows("#concerns")
    assert [r[0] for r in rows] == [
        queued_concern.tracking_number,
        assigned_concern.tracking_number,
    ]
    filtered = parse(client.get(reverse("concern-list") + "?state=received"))
    assert [r[0] for r in filtered.table_rows("#concerns")] == [queued_concern.tracking_number]
    assert filtered.selected("state") == ["received"]
    empty = parse(client.get(reverse("concern-list") + "?state=rejected"))
    assert len(empty.find("table", id="concerns").find_all("td", class_="empty")) == 1


def test_overdue_says_so_in_words(login, admin_a, assigned_concern):
    Concern.objects.filter(pk=assigned_concern.pk).update(due="2020-01-02")
    client = login(admin_a)
    page = parse(client.get(reverse("concern-list") + "?overdue=true"))
    row = page.find("tr", class_="concern-overdue")
    assert row.find("span", class_="overdue-badge").text  # said in words, not only in red
    assert [r[0] for r in page.table_rows("#concerns")] == [assigned_concern.tracking_number]


def test_another_townships_concern_is_404_and_nothing_leaks(
    login, admin_b, assigned_concern, queued_concern
):
    client = login(admin_b)
    pk = assigned_concern.pk
    assert client.get(reverse("concern-detail", args=[pk])).status_code == 404
    assert _act(client, assigned_concern, "reject", reason="x").status_code == 404
    assert client.post(reverse("concern-reveal", args=[pk])).status_code == 404
    assert client.post(reverse("concern-attach", args=[pk]), {"file": _png()}).status_code == 404
    listed = parse(client.get(reverse("concern-list")))
    assert assigned_concern.tracking_number not in listed.all_text
    assert queued_concern.tracking_number not in listed.all_text
    queue = parse(client.get(reverse("concern-queue")))
    assert queued_concern.tracking_number not in queue.all_text
    assigned_concern.refresh_from_db()
    assert assigned_concern.state == State.ASSIGNED


def test_a_viewer_may_not_act_and_nothing_changes(login, viewer_a, assigned_concern):
    client = login(viewer_a)
    page = parse(client.get(reverse("concern-detail", args=[assigned_concern.pk])))
    assert page.find_all("form", class_="concern-action") == []
    before = ConcernEvent.objects.count()
    assert _act(client, assigned_concern, "reject", reason="不受理").status_code == 403
    assert _act(client, assigned_concern, "accept").status_code == 403
    assigned_concern.refresh_from_db()
    assert assigned_concern.state == State.ASSIGNED
    assert ConcernEvent.objects.count() == before


def test_an_unknown_action_is_404(login, admin_a, assigned_concern):
    assert _act(login(admin_a), assigned_concern, "explode").status_code == 404


# A concern's page ---------------------------------------------------------------------------


def test_the_page_shows_the_facts_masked_phone_and_the_timeline(
    login, cadre_user_a, assigned_concern
):
    page = parse(login(cadre_user_a).get(reverse("concern-detail", args=[assigned_concern.pk])))
    assert page.find("h1").text == assigned_concern.tracking_number
    assert page.find(id="reporter-phone").text == "139****5678"
    assert "13912345678" not in page.all_text
    assert page.find_all("button", id="reveal-reporter")
    assert [li["data-action"] for li in page.find(id="concern-timeline").find_all("li")] == [
        "create"
    ]
    forms = [f["id"] for f in page.find_all("form", class_="concern-action")]
    assert forms == ["action-accept"]


def test_the_owner_reveals_the_reporters_number(login, cadre_user_a, assigned_concern):
    from districts.models import AuditEntry

    response = login(cadre_user_a).post(reverse("concern-reveal", args=[assigned_concern.pk]))
    assert response.status_code == 200
    assert parse(response).find(id="reporter-phone").text == "13912345678"
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.REVEAL).count() == 1


def test_another_cadre_may_not_reveal(login, tree, cadre_a2, assigned_concern):
    user = user_with_role(Role.CADRE, tree.town_a, username="yuxiang")
    cadre_a2.user = user
    cadre_a2.save(update_fields=["user"])
    client = login(user)
    page = parse(client.get(reverse("concern-detail", args=[assigned_concern.pk])))
    assert page.find_all("button", id="reveal-reporter") == []
    response = client.post(reverse("concern-reveal", args=[assigned_concern.pk]))
    assert response.status_code == 403
    assert parse(response).find(id="reporter-phone").text == "139****5678"


def test_accept_resolve_and_an_unsatisfied_call_back_bring_it_back(
    login, client, cadre_user_a, hotline, assigned_concern
):
    cadre = login(cadre_user_a)
    response = _act(cadre, assigned_concern, "accept")
    assert response.status_code == 302
    assert response["Location"] == reverse("concern-detail", args=[assigned_concern.pk])
    page = parse(cadre.get(response["Location"]))
    assert page.messages("success")
    assert [f["id"] for f in page.find_all("form", class_="concern-action")] == [
        "action-request-info",
        "action-resolve",
    ]
    # A resolution needs a note: the error shows on the form, nothing changes.
    failed = parse(_act(cadre, assigned_concern, "resolve", note=""))
    assert failed.find(id="action-resolve").texts(class_="invalid-feedback") == [REQUIRED]
    assigned_concern.refresh_from_db()
    assert assigned_concern.state == State.IN_PROGRESS
    assert _act(cadre, assigned_concern, "resolve", note="换了水管").status_code == 302
    mine = parse(cadre.get(reverse("concern-mine")))
    card = mine.find("a", class_="concern-card")
    assert card.find_all(class_="callback-badge")

    client.logout()
    operator = login(hotline)
    detail = parse(operator.get(reverse("concern-detail", args=[assigned_concern.pk])))
    assert [v for v, _label in detail.radios("result")] == [
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
        "unreachable",
    ]
    assert _act(operator, assigned_concern, "feedback", result="unsatisfied").status_code == 302
    assigned_concern.refresh_from_db()
    assert (assigned_concern.state, assigned_concern.reopen_count) == (State.IN_PROGRESS, 1)

    client.logout()
    mine = parse(login(cadre_user_a).get(reverse("concern-mine")))
    cards = mine.find(id="my-concerns").find_all("a", class_="concern-card")
    assert [c["href"] for c in cards] == [reverse("concern-detail", args=[assigned_concern.pk])]
    assert cards[0].find_all(class_="callback-badge") == []


def test_a_refused_transition_says_why(login, cadre_user_a, assigned_concern):
    client = login(cadre_user_a)
    _act(client, assigned_concern, "accept")
    response = _act(client, assigned_concern, "accept")
    assert response.status_code == 302
    page = parse(client.get(response["Location"]))
    assert len(page.messages("danger")) == 1
    assert ConcernEvent.objects.filter(concern=assigned_concern, action="accept").count() == 1


def test_assign_from_the_queue(login, client, admin_a, cadre_a, cadre_user_a, queued_concern):
    admin = login(admin_a)
    queue = parse(admin.get(reverse("concern-queue")))
    assert queue.find(id="unassigned").find("h2").find(class_="badge").text == "1"
    assert queue.table_rows("#queue-unassigned")[0][0] == queued_concern.tracking_number
    detail = parse(admin.get(reverse("concern-detail", args=[queued_concern.pk])))
    assert (str(cadre_a.pk), f"{cadre_a.name} · {cadre_a.department.name}") in detail.options(
        "cadre"
    )
    missing = parse(_act(admin, queued_concern, "assign", cadre=""))
    assert missing.find(id="action-assign").texts(class_="invalid-feedback") == [REQUIRED]
    response = _act(admin, queued_concern, "assign", cadre=cadre_a.pk)
    assert response.status_code == 302
    queued_concern.refresh_from_db()
    assert (queued_concern.state, queued_concern.owner) == (State.ASSIGNED, cadre_a)
    assert Notification.objects.filter(user=cadre_user_a, concern=queued_concern).count() == 1
    queue = parse(admin.get(reverse("concern-queue")))
    assert queue.find(id="unassigned").find("h2").find(class_="badge").text == "0"


def test_reject_needs_a_reason(login, admin_a, queued_concern):
    admin = login(admin_a)
    failed = parse(_act(admin, queued_concern, "reject", reason="  "))
    assert failed.find(id="action-reject").texts(class_="invalid-feedback") == [REQUIRED]
    assert _act(admin, queued_concern, "reject", reason="不属于本镇事项").status_code == 302
    queued_concern.refresh_from_db()
    assert queued_concern.state == State.REJECTED
    page = parse(admin.get(reverse("concern-detail", args=[queued_concern.pk])))
    assert page.find(id="concern-timeline").find_all("li")[-1]["data-action"] == "reject"
    assert "不属于本镇事项" in page.find(id="concern-timeline").text


def test_duplicate_by_tracking_number(login, admin_a, assigned_concern, queued_concern):
    admin = login(admin_a)
    unknown = parse(_act(admin, queued_concern, "duplicate", of="530827-1999-000001"))
    assert len(unknown.find(id="action-duplicate").texts(class_="invalid-feedback")) == 1
    response = _act(admin, queued_concern, "duplicate", of=assigned_concern.tracking_number)
    assert response.status_code == 302
    queued_concern.refresh_from_db()
    assert (queued_concern.state, queued_concern.duplicate_of) == (
        State.DUPLICATE,
        assigned_concern,
    )


def test_refer_needs_where_and_why(login, admin_a, queued_concern):
    admin = login(admin_a)
    failed = parse(_act(admin, queued_concern, "refer", to="县水务局", reason=""))
    assert failed.find(id="action-refer").texts(class_="invalid-feedback") == [REQUIRED]
    assert _act(admin, queued_concern, "refer", to="县水务局", reason="供水管网").status_code == 302
    queued_concern.refresh_from_db()
    assert (queued_concern.state, queued_concern.referred_to) == (State.REFERRED, "县水务局")


def test_waiting_for_information_and_resuming(login, cadre_user_a, assigned_concern):
    client = login(cadre_user_a)
    _act(client, assigned_concern, "accept")
    assert _act(client, assigned_concern, "request-info", note="请提供照片").status_code == 302
    assigned_concern.refresh_from_db()
    assert assigned_concern.state == State.AWAITING_INFO
    page = parse(client.get(reverse("concern-detail", args=[assigned_concern.pk])))
    assert [f["id"] for f in page.find_all("form", class_="concern-action")] == ["action-resume"]
    assert _act(client, assigned_concern, "resume").status_code == 302
    assigned_concern.refresh_from_db()
    assert assigned_concern.state == State.IN_PROGRESS


def test_the_township_extends_once_with_a_reason(login, admin_a, assigned_concern):
    client = login(admin_a)
    due = assigned_concern.due
    failed = parse(_act(client, assigned_concern, "extend", reason=""))
    assert failed.find(id="action-extend").texts(class_="invalid-feedback") == [REQUIRED]
    assert _act(client, assigned_concern, "extend", reason="需协调县水务局").status_code == 302
    assigned_concern.refresh_from_db()
    assert assigned_concern.extended and assigned_concern.due > due
    page = parse(client.get(reverse("concern-detail", args=[assigned_concern.pk])))
    assert page.find_all("form", id="action-extend") == []


def test_a_call_back_needs_the_answer_and_the_township_may_close(
    login, client, cadre_user_a, admin_a, assigned_concern
):
    cadre = login(cadre_user_a)
    _act(cadre, assigned_concern, "accept")
    _act(cadre, assigned_concern, "resolve", note="已修复")
    failed = parse(_act(cadre, assigned_concern, "feedback", note="电话未接"))
    assert failed.find(id="action-feedback").texts(class_="invalid-feedback") == [REQUIRED]
    client.logout()
    admin = login(admin_a)
    assert _act(admin, assigned_concern, "close").status_code == 302
    assigned_concern.refresh_from_db()
    assert assigned_concern.state == State.CLOSED
    page = parse(admin.get(reverse("concern-detail", args=[assigned_concern.pk])))
    assert page.find_all("form", class_="concern-action") == []
    assert page.find_all(id="no-actions")


# Attachments ------------------------------------------------------------------------------


def test_attachments_are_served_only_through_the_scoped_view(
    login, client, cadre_user_a, admin_b, assigned_concern
):
    cadre = login(cadre_user_a)
    response = cadre.post(reverse("concern-attach", args=[assigned_concern.pk]), {"file": _png()})
    assert response.status_code == 302
    attachment = assigned_concern.attachments.get()
    url = reverse("concern-attachment", args=[assigned_concern.pk, attachment.pk])
    page = parse(cadre.get(reverse("concern-detail", args=[assigned_concern.pk])))
    assert page.find(id="concern-attachments").find("img")["src"] == url
    assert "/media/" not in page.all_text
    served = cadre.get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["Cache-Control"] == "private, no-store"
    refused = cadre.post(
        reverse("concern-attach", args=[assigned_concern.pk]),
        {"file": SimpleUploadedFile("x.exe", b"MZ")},
    )
    assert refused.status_code == 302
    assert len(parse(cadre.get(refused["Location"])).messages("danger")) == 1
    client.logout()
    assert login(admin_b).get(url).status_code == 404


def test_a_pdf_scan_is_a_download(login, admin_a, assigned_concern, queued_concern):
    """…and an attachment is found only under its own concern."""
    client = login(admin_a)
    scan = SimpleUploadedFile("slip.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    client.post(reverse("concern-attach", args=[assigned_concern.pk]), {"file": scan})
    attachment = assigned_concern.attachments.get()
    url = reverse("concern-attachment", args=[assigned_concern.pk, attachment.pk])
    page = parse(client.get(reverse("concern-detail", args=[assigned_concern.pk])))
    assert page.find(id="concern-attachments").links() == [url]
    assert page.find(id="concern-attachments").find_all("img") == []
    served = client.get(url)
    assert served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("attachment")
    elsewhere = reverse("concern-attachment", args=[queued_concern.pk, attachment.pk])
    assert client.get(elsewhere).status_code == 404


# Inboxes ------------------------------------------------------------------------------------


def test_my_concerns_due_soonest_first_with_overdue_in_words(
    login, raise_concern, paired_a, cadre_user_a
):
    later = raise_concern(household=paired_a, kind="complaint")
    sooner = raise_concern(household=paired_a, kind="help")
    late = raise_concern(household=paired_a, kind="suggestion")
    Concern.objects.filter(pk=late.pk).update(due="2020-01-02")
    page = parse(login(cadre_user_a).get(reverse("concern-mine")))
    cards = page.find(id="my-concerns").find_all("a", class_="concern-card")
    assert [c["href"] for c in cards] == [
        reverse("concern-detail", args=[c.pk]) for c in (late, sooner, later)
    ]
    assert "concern-overdue" in cards[0].classes
    assert cards[0].find_all(class_="overdue-badge")
    assert cards[1].find_all(class_="overdue-badge") == []


def test_an_account_without_a_cadre_is_told_so(login, tree):
    user = user_with_role(Role.CADRE, tree.town_a, username="nobody")
    page = parse(login(user).get(reverse("concern-mine")))
    assert page.messages("info")


def test_the_supervision_list(login, admin_a, assigned_concern, queued_concern):
    Concern.objects.filter(pk=assigned_concern.pk).update(escalation_level=3)
    page = parse(login(admin_a).get(reverse("concern-supervision")))
    assert [r[0] for r in page.table_rows("#supervision")] == [assigned_concern.tracking_number]


# Query counts -------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_my_concerns_reads_a_fixed_number_of_queries(
    login, raise_concern, paired_a, cadre_user_a, django_assert_num_queries
):
    raise_concern(household=paired_a)
    client = login(cadre_user_a)
    url = reverse("concern-mine")
    before = _queries(client, url)
    assert before <= 7
    for _ in range(6):
        raise_concern(household=paired_a, reporter_name="岩三")
    with django_assert_num_queries(before):
        page = parse(client.get(url))
    assert len(page.find_all("a", class_="concern-card")) == 7


def test_the_list_reads_a_fixed_number_of_queries(
    login, raise_concern, paired_a, admin_a, django_assert_num_queries
):
    raise_concern(household=paired_a)
    client = login(admin_a)
    url = reverse("concern-list")
    before = _queries(client, url)
    assert before <= 8
    for _ in range(6):
        raise_concern()
    with django_assert_num_queries(before):
        page = parse(client.get(url))
    assert len(page.table_rows("#concerns")) == 7


# Notifications and the menu ----------------------------------------------------------------


def _menu_badge(client) -> str | None:
    menu = parse(client.get(reverse("dashboard"))).find("ul", class_="navbar-nav")
    link = menu.find("a", href=reverse("concern-mine"))
    badges = link.find_all("span", class_="menu-badge")
    if not badges:
        return None
    assert badges[0].find("span", class_="visually-hidden").text  # what the count counts
    return str(badges[0].children[0]).strip()


def test_the_menu_counts_unread_notifications(
    login, raise_concern, paired_a, cadre_user_a, admin_a
):
    client = login(cadre_user_a)
    assert _menu_badge(client) is None
    first = raise_concern(household=paired_a)
    raise_concern(household=paired_a)
    assert _menu_badge(client) == "2"
    page = parse(client.get(reverse("concern-notifications")))
    items = page.find(id="notifications").find_all("a", class_="notification")
    assert [a["class"].split().count("unread") for a in items] == [1, 1]
    opened = Notification.objects.get(concern=first)
    response = client.get(reverse("concern-notification-open", args=[opened.pk]))
    assert response["Location"] == reverse("concern-detail", args=[first.pk])
    assert _menu_badge(client) == "1"
    client.post(reverse("concern-notifications-read"))
    assert _menu_badge(client) is None
    # Another's notification is not found.
    client.logout()
    other = login(admin_a)
    assert other.get(reverse("concern-notification-open", args=[opened.pk])).status_code == 404


def test_menu_entries_per_role(login, tree, cadre_user_a, admin_a, viewer_a, hotline):
    def entries(user):
        login(user)
        menu = parse(login(user).get(reverse("dashboard"))).find("ul", class_="navbar-nav")
        wanted = {
            reverse(n)
            for n in ("concern-mine", "concern-list", "concern-queue", "concern-supervision")
        }
        return [href for href in menu.links() if href in wanted]

    # One entry each: the queue and supervision are in the concern pages' own navigation.
    assert entries(cadre_user_a) == [reverse("concern-mine")]
    assert entries(admin_a) == [reverse("concern-list")]
    assert entries(viewer_a) == [reverse("concern-list")]
    assert entries(hotline) == [reverse("concern-list")]


# Panels -------------------------------------------------------------------------------------


def test_household_and_cadre_panels(login, admin_a, cadre_a, assigned_concern, paired_a):
    client = login(admin_a)
    household = parse(client.get(reverse("household-detail", args=[paired_a.pk])))
    panel = household.find(id="household-concerns")
    assert panel.links() == [reverse("concern-detail", args=[assigned_concern.pk])]
    Concern.objects.filter(pk=assigned_concern.pk).update(due="2020-01-02")
    cadre = parse(client.get(reverse("cadre-detail", args=[cadre_a.pk])))
    panel = cadre.find(id="cadre-concerns")
    assert panel.links() == [
        f"{reverse('concern-list')}?owner={cadre_a.pk}",
        f"{reverse('concern-list')}?owner={cadre_a.pk}&overdue=true",
    ]
    owned = parse(client.get(panel.links()[1]))
    assert [r[0] for r in owned.table_rows("#concerns")] == [assigned_concern.tracking_number]


def test_the_household_panel_shows_the_latest_five(login, admin_a, raise_concern, paired_a):
    concerns = [raise_concern(household=paired_a) for _ in range(6)]
    page = parse(login(admin_a).get(reverse("household-detail", args=[paired_a.pk])))
    panel = page.find(id="household-concerns")
    assert panel.links() == [reverse("concern-detail", args=[c.pk]) for c in reversed(concerns[1:])]
    assert panel.find("h2").find(class_="badge").text == "6"


# E-mail -------------------------------------------------------------------------------------


@pytest.mark.parametrize("enabled", [True, False])
def test_an_assignment_emails_the_cadre_when_enabled(
    settings, django_capture_on_commit_callbacks, raise_concern, cadre_a, cadre_user_a, enabled
):
    settings.CONCERN_EMAILS = enabled
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    cadre_user_a.email = "yanwen@example.cn"
    cadre_user_a.save(update_fields=["email"])
    concern = raise_concern()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        concern_act(concern=concern, action="assign", by=SYSTEM, cadre=cadre_a)
    if not enabled:
        assert mail.outbox == []
        return
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["yanwen@example.cn"]
    assert concern.tracking_number in message.subject
    with translation.override("zh-hans"):  # the site's language, also outside a request
        assert str(Notification.Kind.ASSIGNED.label) in message.subject
    assert "芒街一组" in message.body


@pytest.mark.parametrize(
    ("who", "page", "current"),
    [
        ("admin_a", "concern-detail", "concern-list"),
        ("admin_a", "concern-queue", "concern-list"),
        ("admin_a", "concern-supervision", "concern-list"),
        ("cadre_user_a", "concern-detail", "concern-mine"),
        ("cadre_user_a", "concern-notifications", "concern-mine"),
    ],
)
def test_the_menu_marks_the_concern_pages(request, login, assigned_concern, who, page, current):
    args = [assigned_concern.pk] if page == "concern-detail" else []
    client = login(request.getfixturevalue(who))
    menu = parse(client.get(reverse(page, args=args))).find("ul", class_="navbar-nav")
    assert [a["href"] for a in menu.find_all("a", aria_current="page")] == [reverse(current)]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (
            "administrator",
            [
                "concern-list",
                "concern-queue",
                "concern-supervision",
                "concern-stats",
                "concern-boxes",
                "concern-officers",
                "concern-notifications",
                "open311-keys",
            ],
        ),
        (
            "inspector",
            ["concern-list", "concern-supervision", "concern-stats", "concern-notifications"],
        ),
        ("hotline_operator", ["concern-list", "concern-queue", "concern-notifications"]),
    ],
)
def test_the_concern_pages_lead_to_each_other(login, tree, role, expected):
    """One main-menu entry; the pages of concerns have their own navigation, by role, with
    the current page marked, and the main menu's entry marked on all of them."""
    user = user_with_role(role, tree.town_a, username=f"nav-{role}")
    client = login(user)
    for name in expected:
        page = parse(client.get(reverse(name)))
        nav = page.find(id="concerns-nav")
        assert [a["id"].removeprefix("concerns-nav-") for a in nav.find_all("a")] == expected
        assert nav.find("a", aria_current="page")["id"] == f"concerns-nav-{name}"
        menu = page.find("ul", class_="navbar-nav")
        assert menu.find("a", aria_current="page")["href"] == reverse("concern-list")


def test_the_owner_publishes_a_note_that_the_timeline_marks_public(
    login, cadre_user_a, viewer_a, assigned_concern
):
    from liaison.concerns.selectors import public_notes

    client = login(cadre_user_a)
    page = parse(client.get(reverse("concern-detail", args=[assigned_concern.pk])))
    form = page.find(id="publish-form")
    assert form["action"] == reverse("concern-publish", args=[assigned_concern.pk])
    response = client.post(form["action"], {"note": "水管已订购，周五更换。"}, follow=True)
    assert [e.note for e in public_notes(assigned_concern)] == ["水管已订购，周五更换。"]
    step = parse(response).find("li", data_action="publish")
    assert "公开" in step.text
    # Nothing to publish is said; a viewer may not publish (and sees no form).
    empty = parse(client.post(form["action"], {"note": " "}, follow=True))
    assert "请填写要公开的说明。" in empty.text
    viewer = login(viewer_a)
    page = parse(viewer.get(reverse("concern-detail", args=[assigned_concern.pk])))
    assert page.find_all(id="publish-form") == []
    assert viewer.post(form["action"], {"note": "x"}).status_code == 403
    assert public_notes(assigned_concern).count() == 1
