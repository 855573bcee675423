"""The mailbox (民情邮箱) end to end: smtplib talks SMTP on loopback to the same aiosmtpd
handler the command runs; mail becomes a concern and the sender gets a reply, and each bad
mail is refused with an SMTP code or held, with its reason recorded."""

import base64
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from liaison.concerns import mailbox
from liaison.concerns.models import Category, Channel, Concern, MailIntake, QuarantinedMail
from liaison.concerns.personal import mask_email
from tests.html import parse

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = "mlmq@example.cn"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200 + b"\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 300

Reason = QuarantinedMail.Reason


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def intake(tree) -> MailIntake:
    category, _ = Category.objects.get_or_create(code="other", defaults={"name": "其他"})
    return MailIntake.objects.create(address=ADDRESS, default_area=tree.group_a2, category=category)


@pytest.fixture
def server(intake) -> Iterator[int]:
    """The receiver on a free loopback port (the command's handler and controller)."""
    handler = mailbox.MailboxHandler()
    port = free_port()
    controller = mailbox.MailboxController(handler, host="127.0.0.1", port=port)
    controller.start()
    mail.outbox.clear()
    try:
        yield port
    finally:
        controller.stop()
        handler.close()


def message(
    body: str | None = "村口的路灯坏了一个月，晚上看不见路。",
    subject: str = "[芒街一组] 路灯坏了",
    sender: str = "张三 <zhangsan@example.cn>",
    html: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ADDRESS
    if subject:
        msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.cn")
    for name, value in (headers or {}).items():
        msg[name] = value
    if body is not None:
        msg.set_content(body)
    if html is not None:
        if body is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    for filename, ctype, data in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def send(port: int, msg: EmailMessage, envelope_from: str = "zhangsan@example.cn") -> dict:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        return client.send_message(msg, from_addr=envelope_from, to_addrs=[ADDRESS])


def wait_for(predicate, seconds: float = 5.0) -> None:
    """on_commit replies run in the handler's thread right after the 250: wait briefly."""
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_mail_becomes_a_concern_and_the_sender_gets_the_tracking_number(server, tree):
    msg = message(
        html="<p>村口的路灯坏了</p>",
        attachments=(("路灯.jpg", "image/jpeg", JPEG), ("照片说明.pdf", "application/pdf", PDF)),
    )
    assert send(server, msg) == {}

    concern = Concern.objects.get()
    assert concern.channel == Channel.MAILBOX
    assert concern.area == tree.group_a1  # named in the subject
    assert concern.description.startswith("路灯坏了\n\n村口的路灯坏了一个月")
    assert "<p>" not in concern.description  # the plain text is preferred
    assert concern.reporter_email == "zhangsan@example.cn"
    assert concern.reporter_name == "张三"
    names = sorted(a.name for a in concern.attachments.all())
    assert names == ["照片说明.pdf", "路灯.jpg"]
    stored = {a.name: a.file.read() for a in concern.attachments.all()}
    assert stored["路灯.jpg"] == JPEG

    wait_for(lambda: len(mail.outbox) == 1)
    [reply] = mail.outbox
    assert reply.to == ["zhangsan@example.cn"]
    assert reply.from_email == settings.DEFAULT_FROM_EMAIL
    assert concern.tracking_number in reply.subject
    assert concern.tracking_number in reply.body
    assert concern.lookup_code in reply.body
    assert concern.due.isoformat() in reply.body
    assert reply.extra_headers["Auto-Submitted"] == "auto-replied"
    assert reply.extra_headers["In-Reply-To"] == msg["Message-ID"]
    assert not QuarantinedMail.objects.exists()


def test_the_sender_is_masked_in_the_api(server, county_admin, api_for):
    send(server, message())
    concern = Concern.objects.get()
    answer = api_for(county_admin).get(f"/api/v1/concerns/{concern.pk}/").json()
    assert answer["reporter_email"] == "z***@example.cn"
    assert "zhangsan@example.cn" not in str(answer)
    assert mask_email("") == ""


def test_the_sender_is_masked_on_the_page(server, county_admin, login):
    send(server, message())
    concern = Concern.objects.get()
    response = login(county_admin).get(f"/concerns/{concern.pk}/")
    assert response.status_code == 200
    page = parse(response)
    assert page.find(id="reporter-email").text == "z***@example.cn"
    assert "zhangsan@example.cn" not in page.all_text


def test_quarantined_mail_is_read_only_in_the_admin(server, admin_client):
    with pytest.raises(smtplib.SMTPDataError, match="no text"):
        send(server, message(body="", subject=""))
    row = QuarantinedMail.objects.get()
    listing = admin_client.get("/admin/concerns/quarantinedmail/")
    assert listing.status_code == 200
    assert "zhangsan@example.cn" in parse(listing).all_text
    detail = admin_client.get(f"/admin/concerns/quarantinedmail/{row.pk}/change/")
    assert detail.status_code == 200
    assert "Message-ID:" in parse(detail).all_text  # the headers, not the raw bytes
    assert admin_client.post(f"/admin/concerns/quarantinedmail/{row.pk}/delete/").status_code == 403


def test_html_only_is_stripped_and_an_unknown_place_falls_back_to_the_default(server, tree):
    html = (
        "<html><head><style>p{color:red}</style></head><body><p>水管&amp;漏水</p>"
        "<script>alert(1)</script><div>第二段</div></body></html>"
    )
    send(server, message(body=None, html=html, subject="[不存在村] 漏水"))
    concern = Concern.objects.get()
    assert concern.area == tree.group_a2  # the mailbox's default place
    assert concern.description == "漏水\n\n水管&漏水\n\n第二段"
    note = concern.events.get(action="create").note
    assert "不存在村" in note


def test_a_village_by_code_and_an_attachment_too_large_is_left_out_and_said(
    server, tree, monkeypatch
):
    monkeypatch.setattr(mailbox, "MAX_ATTACHMENT_BYTES", 1000)
    big = JPEG + b"\x00" * 2000
    send(
        server,
        message(
            subject=f"【{tree.village_a.code}】 路灯",
            attachments=(("big.jpg", "image/jpeg", big), ("a.docx", "application/msword", b"x")),
        ),
    )
    concern = Concern.objects.get()
    assert concern.area == tree.village_a
    assert not concern.attachments.exists()
    note = concern.events.get(action="create").note
    assert "big.jpg" in note and "a.docx" in note
    wait_for(lambda: len(mail.outbox) == 1)
    assert "big.jpg" in mail.outbox[0].body


def test_no_text_is_refused_and_recorded(server):
    with pytest.raises(smtplib.SMTPDataError, match="no text") as refused:
        send(server, message(body="   ", subject="", attachments=(("a.jpg", "image/jpeg", JPEG),)))
    assert refused.value.smtp_code == 550
    row = QuarantinedMail.objects.get()
    assert (row.reason, row.fate) == (Reason.NO_TEXT, QuarantinedMail.Fate.REFUSED)
    assert row.smtp_reply.startswith("550")
    assert row.sender == "zhangsan@example.cn"
    assert b"Content-Type: image/jpeg" in bytes(row.raw)
    assert not Concern.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("filename", "ctype", "data"),
    [
        ("setup.exe", "application/octet-stream", EXE),
        ("照片.jpg", "image/jpeg", EXE),  # an executable dressed as a photo
        ("run.js", "text/javascript", b"alert(1)"),
    ],
)
def test_an_executable_attachment_is_refused(server, filename, ctype, data):
    with pytest.raises(smtplib.SMTPDataError, match="Executable") as refused:
        send(server, message(body="请看附件", attachments=((filename, ctype, data),)))
    assert refused.value.smtp_code == 554
    row = QuarantinedMail.objects.get()
    assert row.reason == Reason.EXECUTABLE
    assert filename in row.detail
    assert not Concern.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("headers", "sender", "envelope_from", "sign"),
    [
        ({"Auto-Submitted": "auto-replied"}, None, None, "Auto-Submitted"),
        ({"Precedence": "bulk"}, None, None, "Precedence: bulk"),
        ({"Precedence": "junk"}, None, None, "Precedence: junk"),
        ({"X-Autoreply": "yes"}, None, None, "x-autoreply"),
        ({}, "liaison@localhost", None, "our own address"),
        ({}, f"Mailbox <{ADDRESS}>", None, "our own address"),
        ({}, None, "", "empty Return-Path"),
    ],
)
def test_auto_responders_are_held_without_a_reply(server, headers, sender, envelope_from, sign):
    msg = message(
        subject="自动回复: 已收到", headers=headers, **({"sender": sender} if sender else {})
    )
    kwargs = {} if envelope_from is None else {"envelope_from": envelope_from}
    assert send(server, msg, **kwargs) == {}  # accepted: a bounce would only feed the loop
    row = QuarantinedMail.objects.get()
    assert (row.reason, row.fate) == (Reason.AUTO_REPLY, QuarantinedMail.Fate.HELD)
    assert sign in row.detail
    assert not Concern.objects.exists()
    time.sleep(0.1)
    assert mail.outbox == []


def test_ten_megabytes_of_junk_are_refused_at_the_smtp_level(server):
    junk = ("x" * 998 + "\r\n") * (10 * 1024 + 10)
    # With the SIZE extension (smtplib announces the size): refused at MAIL FROM.
    with (
        pytest.raises(smtplib.SMTPSenderRefused, match="size") as refused,
        smtplib.SMTP("127.0.0.1", server, timeout=60) as client,
    ):
        client.sendmail("zhangsan@example.cn", [ADDRESS], junk)
    assert refused.value.smtp_code == 552
    # Without it: the data are read and refused at the end.
    with smtplib.SMTP("127.0.0.1", server, timeout=60) as client:
        client.ehlo()
        assert client.mail("zhangsan@example.cn")[0] == 250
        assert client.rcpt(ADDRESS)[0] == 250
        code, _reply = client.data(junk.encode())
    assert code == 552
    wait_for(lambda: QuarantinedMail.objects.count() == 2)
    rows = QuarantinedMail.objects.all()
    assert {(r.reason, r.fate) for r in rows} == {(Reason.TOO_LARGE, QuarantinedMail.Fate.REFUSED)}
    assert not Concern.objects.exists()
    # The receiver still takes mail.
    assert send(server, message()) == {}
    assert Concern.objects.count() == 1


HEAD = (
    "From: zhangsan@example.cn\r\nTo: mlmq@example.cn\r\nSubject: broken\r\nMIME-Version: 1.0\r\n"
)


@pytest.mark.parametrize(
    ("raw", "sign"),
    [
        (
            HEAD + 'Content-Type: multipart/mixed; boundary="NOPE"\r\n\r\nno boundary comes\r\n',
            "Boundary",
        ),
        (HEAD + "Content-Type: text/plain; charset=x-no-such-charset\r\n\r\nabc\r\n", "Lookup"),
    ],
)
def test_malformed_mime_is_held(server, raw, sign):
    with smtplib.SMTP("127.0.0.1", server, timeout=30) as client:
        assert client.sendmail("zhangsan@example.cn", [ADDRESS], raw.encode()) == {}
    row = QuarantinedMail.objects.get()
    assert (row.reason, row.fate) == (Reason.MALFORMED, QuarantinedMail.Fate.HELD)
    assert sign in row.detail
    assert bytes(row.raw) == raw.encode()
    assert row.subject == "broken"
    assert not Concern.objects.exists()
    assert mail.outbox == []


def test_a_gbk_mail_from_a_chinese_client_is_read(server):
    body = "自来水停了三天".encode("gbk")
    raw = (
        b"From: =?GBK?B?" + base64.b64encode("李四".encode("gbk")) + b"?= "
        b"<lisi@example.cn>\r\nTo: mlmq@example.cn\r\nSubject: =?GB2312?B?"
        + base64.b64encode("停水".encode("gb2312"))
        + b"?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=GBK\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body + b"\r\n"
    )
    with smtplib.SMTP("127.0.0.1", server, timeout=30) as client:
        assert client.sendmail("lisi@example.cn", [ADDRESS], raw) == {}
    concern = Concern.objects.get()
    assert concern.description == "停水\n\n自来水停了三天"
    assert (concern.reporter_name, concern.reporter_email) == ("李四", "lisi@example.cn")


def test_no_reply_when_the_mailbox_says_so(server, intake):
    MailIntake.objects.filter(pk=intake.pk).update(reply=False)
    assert send(server, message()) == {}
    assert Concern.objects.count() == 1
    time.sleep(0.1)
    assert mail.outbox == []


def test_an_unknown_recipient_is_refused(server):
    with (
        smtplib.SMTP("127.0.0.1", server, timeout=30) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused, match="nobody") as refused,
    ):
        client.sendmail("zhangsan@example.cn", ["nobody@example.cn"], b"Subject: x\r\n\r\nx")
    assert refused.value.recipients["nobody@example.cn"][0] == 550


def test_an_error_inside_holds_the_message_and_the_receiver_goes_on(server, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(mailbox, "concern_create", broken)
    assert send(server, message()) == {}
    row = QuarantinedMail.objects.get()
    assert row.reason == Reason.ERROR
    assert "database went away" in row.detail
    monkeypatch.undo()
    assert send(server, message()) == {}
    assert Concern.objects.count() == 1


def test_the_command_starts_answers_and_stops(intake):
    port = free_port()
    thread = threading.Thread(
        target=call_command,
        args=["receive_concern_mail", "--port", str(port), "--run-seconds", "3"],
        daemon=True,
    )
    thread.start()
    deadline = time.monotonic() + 10
    while True:
        try:
            client = smtplib.SMTP("127.0.0.1", port, timeout=10)
            break
        except OSError:
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.1)
    with client:
        assert client.ehlo()[0] == 250
        assert "SIZE" in client.esmtp_features.get("size", "SIZE") or client.has_extn("size")
        assert client.noop()[0] == 250
    thread.join(15)
    assert not thread.is_alive()
    with pytest.raises(OSError, match="refused"):
        smtplib.SMTP("127.0.0.1", port, timeout=2)


def test_the_command_stops_on_sigterm(intake):
    import signal

    port = free_port()
    root = Path(settings.BASE_DIR)
    process = subprocess.Popen(
        [sys.executable, "manage.py", "receive_concern_mail", "--port", str(port)],
        cwd=root,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        assert str(port) in line
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            assert client.noop()[0] == 250
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
