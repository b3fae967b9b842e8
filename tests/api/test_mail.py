"""Notifications by e-mail through a real SMTP server (aiosmtpd on a free port): who gets which mail for each step of
a review and of a certificate's life, in Vietnamese then English with a link to the page; the expiry notice sent
once whatever the races; no mail without SMTP settings; an SMTP server that is down never breaks the decision,
and its mail goes out once it is back. STARTTLS and TLS with a certificate made here, and a login."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import time
import warnings
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.app import create_app
from api.core.db import upgrade
from api.core.models import Certificate, MailOutbox, Notification, Submission, utcnow
from api.core.settings import Settings
from api.domain import mail
from api.domain.notifications import notify_expiring
from api.jobs.inprocess import InProcessWorker
from checker.probes.runner import ProbeSettings
from tests.api.conftest import VERSION, Api, World
from tests.api.test_review import certified, in_review, submitted
from tests.concurrency import race

BASE = "https://vcsc.example.vn"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=default_policy)))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpt, m in self.received if address in rcpt]


def serve(handler, port: int, **kwargs) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller


@pytest.fixture
def smtp_sink():
    sink, port = Sink(), free_port()
    controller = serve(sink, port)
    sink.port = port
    yield sink
    controller.stop()


def mail_settings(database_url: str, tmp_path: Path, **smtp) -> Settings:
    return Settings(
        database_url=database_url,
        jobs_worker=False,
        artifacts_dir=tmp_path / "artifacts",
        keys_dir=tmp_path / "keys",
        public_url=BASE,
        **smtp,
    )


def _client(settings: Settings):
    app = create_app(settings)
    client = TestClient(app)
    client.__enter__()
    return app, client


@pytest.fixture
def api_client(database_url, tmp_path, smtp_sink):
    """The app of tests/api/conftest.py, sending its mail to the sink (plain SMTP on localhost)."""
    upgrade(database_url)
    app, client = _client(
        mail_settings(
            database_url,
            tmp_path,
            smtp_host="127.0.0.1",
            smtp_port=smtp_sink.port,
            smtp_tls="none",
            smtp_from="VCSC <thong-bao@vcsc.example.vn>",
        )
    )
    yield Api(client, app)
    client.__exit__(None, None, None)
    app.state.engine.dispose()


def delivered(api: Api, timeout: float = 15.0) -> None:
    """Wait until the outbox is empty of unsent mail (delivery runs on a thread after each commit)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with api.sessions() as session:
            if not session.scalar(
                sa.select(sa.func.count())
                .select_from(MailOutbox)
                .where(MailOutbox.sent_at.is_(None), MailOutbox.failed_at.is_(None))
            ):
                return
        time.sleep(0.05)
    raise AssertionError("mail still queued")


def first_product(api: Api, submission_id: int) -> int:
    with api.sessions() as session:
        return session.get(Submission, submission_id).product_id


def email_of(world: World, role: str) -> str:
    return world.api.users[role].email


def only(sink: Sink, address: str) -> EmailMessage:
    [message] = sink.to(address)
    return message


def check_bilingual(message: EmailMessage, link: str) -> str:
    """Vietnamese first then English, the link to the page in both, the service as the sender."""
    body = message.get_body(("plain",)).get_content()
    assert message["From"] == "VCSC <thong-bao@vcsc.example.vn>"
    assert message["Subject"].startswith("[VCSC] ") and " / " in message["Subject"]
    assert body.index("Xin chào") < body.index("Hello")
    assert body.count(BASE + link) == 2, body
    html = message.get_body(("html",)).get_content()
    assert html.index('<div lang="vi">') < html.index('<div lang="en">')
    assert html.count(f'<a href="{BASE}{link}">') == 2
    return body


def test_a_submission_tells_the_vendor_and_the_reviewers_and_nobody_else(world, smtp_sink):
    submission_id = submitted(world, product=world.product_a)
    delivered(world.api)
    receipt = only(smtp_sink, email_of(world, "vendor_a"))
    assert receipt["Subject"] == (
        "[VCSC] Đã nhận bản tự đánh giá của Bảo vệ trẻ em A / Self-assessment of Bảo vệ trẻ em A received"
    )
    body = check_bilingual(receipt, f"/dashboard/submissions/{submission_id}")
    assert "Đã nộp" in body and "Submitted" in body
    for role in ("reviewer", "admin"):
        work = only(smtp_sink, email_of(world, role))
        assert "Bản tự đánh giá mới" in work["Subject"] and "New self-assessment" in work["Subject"]
        assert "Công ty A" in check_bilingual(work, f"/review/submissions/{submission_id}")
    assert smtp_sink.to(email_of(world, "vendor_b")) == []
    assert len(smtp_sink.received) == 3 and all(len(rcpt) == 1 for rcpt, _ in smtp_sink.received)
    # The same, in the app.
    api = world.api
    [note] = api.request("GET", "/notifications", "vendor_a").json()
    assert note["kind"] == "submission.received" and note["object_id"] == str(submission_id)
    assert [n["kind"] for n in api.request("GET", "/notifications", "reviewer").json()] == ["submission.submitted"]
    assert api.request("GET", "/notifications", "vendor_b").json() == []


def test_changes_requested_comment_and_resubmission(world, smtp_sink):
    api = world.api
    first = in_review(world)
    delivered(api)
    smtp_sink.received.clear()
    asked = api.request(
        "POST",
        f"/submissions/{first}/review/decision",
        "reviewer",
        json={
            "decision": "request_changes",
            "comment": "Cập nhật chính sách quyền riêng tư <b>ngay</b>.",
            "criteria_comments": {"CF-01": "Nêu rõ tỉ lệ chặn đo được."},
        },
    )
    assert asked.status_code == 200, asked.text
    delivered(api)
    message = only(smtp_sink, email_of(world, "vendor_a"))
    assert "Cần sửa đổi" in message["Subject"] and "Changes requested" in message["Subject"]
    body = check_bilingual(message, f"/dashboard/submissions/{first}")
    assert (
        "> Cập nhật chính sách quyền riêng tư <b>ngay</b>." in body and "CF-01:\n> Nêu rõ tỉ lệ chặn đo được." in body
    )
    html = message.get_body(("html",)).get_content()
    assert "<blockquote>Cập nhật chính sách quyền riêng tư &lt;b&gt;ngay&lt;/b&gt;.</blockquote>" in html
    assert [rcpt for rcpt, _ in smtp_sink.received] == [[email_of(world, "vendor_a")]]

    second = api.request(
        "POST", f"/products/{first_product(api, first)}/submissions", "vendor_a", json={"criteria_version": VERSION}
    ).json()
    assert second["previous_id"] == first, second
    smtp_sink.received.clear()
    assert api.request("POST", f"/submissions/{second['id']}/submit", "vendor_a").json()["status"] == "resubmitted"
    delivered(api)
    again = only(smtp_sink, email_of(world, "reviewer"))
    assert "Bản nộp lại" in again["Subject"] and "Resubmitted" in again["Subject"]
    check_bilingual(again, f"/review/submissions/{second['id']}")

    api.request("POST", f"/submissions/{second['id']}/review/take", "reviewer")
    smtp_sink.received.clear()
    noted = api.request(
        "POST",
        f"/submissions/{second['id']}/comments",
        "reviewer",
        json={"body": "Ảnh chụp màn hình ở bước 3 bị mờ.", "criterion_id": "CF-01"},
    )
    assert noted.status_code == 201, noted.text
    answered = api.request(
        "POST", f"/submissions/{second['id']}/comments", "vendor_a", json={"body": "Đã tải ảnh mới."}
    )
    assert answered.status_code == 201
    delivered(api)
    comment = only(smtp_sink, email_of(world, "vendor_a"))  # the vendor's own answer mails nobody
    assert "Bình luận của người thẩm định" in comment["Subject"] and "Reviewer comment" in comment["Subject"]
    assert "> Ảnh chụp màn hình ở bước 3 bị mờ." in check_bilingual(comment, f"/dashboard/submissions/{second['id']}")
    assert len(smtp_sink.received) == 1


def test_approval_rejection_suspension_and_revocation_reach_the_vendor(world, smtp_sink):
    api = world.api
    cert_id = certified(world)
    delivered(api)
    [message] = [m for m in smtp_sink.to(email_of(world, "vendor_a")) if "Đã phê duyệt" in m["Subject"]]
    assert message["Subject"].startswith("[VCSC] Đã phê duyệt: Sản phẩm ")
    assert message["Subject"].endswith(
        f", chứng nhận {cert_id} / Approved: "
        + message["Subject"].split(": ")[1].split(",")[0]
        + f", certificate {cert_id}"
    )
    assert "Approved" in message["Subject"]
    body = check_bilingual(message, f"/dashboard/certificates/{cert_id}")
    assert "còn hiệu lực đến" in body and "valid until" in body

    smtp_sink.received.clear()
    api.request("POST", f"/certificates/{cert_id}/suspend", "reviewer", json={"reason": "Đang xác minh phản ánh."})
    api.request("POST", f"/certificates/{cert_id}/revoke", "admin", json={"reason": "Vi phạm quy định."})
    delivered(api)
    # Two commits, two deliveries on their own threads: the arrival order is the server's.
    [suspended] = [m for m in smtp_sink.to(email_of(world, "vendor_a")) if "Tạm đình chỉ" in m["Subject"]]
    [revoked] = [m for m in smtp_sink.to(email_of(world, "vendor_a")) if "Đã thu hồi" in m["Subject"]]
    assert "Tạm đình chỉ" in suspended["Subject"] and "Suspended" in suspended["Subject"]
    assert "> Đang xác minh phản ánh." in check_bilingual(suspended, f"/dashboard/certificates/{cert_id}")
    assert "Đã thu hồi" in revoked["Subject"] and "Revoked" in revoked["Subject"]
    assert "> Vi phạm quy định." in check_bilingual(revoked, f"/dashboard/certificates/{cert_id}")
    assert smtp_sink.to(email_of(world, "vendor_b")) == [] and len(smtp_sink.received) == 2

    waiting = in_review(world)
    delivered(api)
    smtp_sink.received.clear()
    api.request(
        "POST",
        f"/submissions/{waiting}/review/decision",
        "reviewer",
        json={"decision": "reject", "comment": "Thiếu chính sách quyền riêng tư."},
    )
    delivered(api)
    rejected = only(smtp_sink, email_of(world, "vendor_a"))
    assert "Bị từ chối" in rejected["Subject"] and "Rejected" in rejected["Subject"]
    assert "> Thiếu chính sách quyền riêng tư." in check_bilingual(rejected, f"/dashboard/submissions/{waiting}")
    kinds = [n["kind"] for n in api.request("GET", "/notifications", "vendor_a").json()]
    assert {"submission.approved", "certificate.suspended", "certificate.revoked", "submission.rejected"} <= set(kinds)
    assert api.request("GET", "/notifications", "vendor_b").json() == []


def test_expiry_notice_is_sent_once_even_when_checks_race(world, smtp_sink):
    api = world.api
    settings = api.app.state.settings
    soon, later = api.certificate(world.product_a, days=20), api.certificate(world.product_a, days=60)
    other = api.certificate(world.product_b, days=10)
    gone = api.certificate(world.product_a, status="revoked", days=5)
    results = race([lambda: notify_expiring(api.sessions, settings) for _ in range(3)])
    assert sorted(cid for told in results for cid in told) == sorted([soon.id, other.id])
    assert notify_expiring(api.sessions, settings) == []
    delivered(api)
    [message] = smtp_sink.to(email_of(world, "vendor_a"))
    until = soon.valid_until.date().isoformat()
    assert f"Chứng nhận {soon.id} sắp hết hạn ({until})" in message["Subject"]
    assert f"Certificate {soon.id} expires soon" in message["Subject"]
    check_bilingual(message, f"/dashboard/certificates/{soon.id}")
    [to_b] = smtp_sink.to(email_of(world, "vendor_b"))
    assert other.id in to_b["Subject"]
    assert len(smtp_sink.received) == 2
    with api.sessions() as session:
        assert session.get(Certificate, later.id).expiry_notified_at is None
        assert session.get(Certificate, gone.id).expiry_notified_at is None
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(Notification).where(Notification.kind == "certificate.expiring")
            )
            == 2
        )
    # Thirty days later the other one is due, and only it.
    assert notify_expiring(api.sessions, settings, utcnow() + dt.timedelta(days=31)) == [later.id]


def test_the_in_process_worker_sends_the_expiry_notice_on_its_own(world, smtp_sink):
    """The periodic check runs in the worker's loop (the server's default back end), no call from a test."""
    api = world.api
    cert = api.certificate(world.product_a, days=25)
    worker = InProcessWorker(api.sessions, api.app.state.settings, ProbeSettings.from_env()).start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not smtp_sink.to(email_of(world, "vendor_a")):
            time.sleep(0.1)
    finally:
        worker.stop()
    [message] = smtp_sink.to(email_of(world, "vendor_a"))
    assert cert.id in message["Subject"] and "sắp hết hạn" in message["Subject"]


def test_concurrent_deliverers_send_each_mail_once(world, smtp_sink):
    api = world.api
    settings = api.app.state.settings
    with api.sessions.begin() as session:
        for i in range(12):
            session.add(
                MailOutbox(
                    recipients=[f"nguoi{i}@example.vn"], subject=f"Thư {i}", text="Nội dung.", next_attempt_at=utcnow()
                )
            )
        old = utcnow() - dt.timedelta(days=mail.SENT_KEPT_DAYS + 1)
        session.add(
            MailOutbox(recipients=["cu@example.vn"], subject="Thư cũ", text="Đã gửi.", next_attempt_at=old, sent_at=old)
        )
    sent = race([lambda: mail.deliver_due(api.sessions, settings) for _ in range(3)])
    assert sum(sent) == 12
    assert sorted(m["Subject"] for _, m in smtp_sink.received) == sorted(f"Thư {i}" for i in range(12))
    with api.sessions() as session:  # sent mail older than the retention is gone, the rest is kept
        assert sorted(session.scalars(sa.select(MailOutbox.subject))) == sorted(f"Thư {i}" for i in range(12))


def test_no_smtp_host_no_mail_but_the_notices_in_the_app(database_url, tmp_path, smtp_sink):
    upgrade(database_url)
    app, client = _client(mail_settings(database_url, tmp_path))
    try:
        world = _world(Api(client, app))
        cert_id = certified(world)
        assert cert_id
        assert world.api.count(MailOutbox) == 0
        assert "submission.approved" in [
            n["kind"] for n in world.api.request("GET", "/notifications", "vendor_a").json()
        ]
        assert mail.send(app.state.settings, mail.Message(to=("a@example.vn",), subject="S", text="T")) is False
        time.sleep(0.2)
        assert smtp_sink.received == []
    finally:
        client.__exit__(None, None, None)
        app.state.engine.dispose()


def test_smtp_down_never_breaks_an_approval_and_the_mail_follows_later(database_url, tmp_path, caplog):
    upgrade(database_url)
    port = free_port()  # nothing listens there yet
    settings = mail_settings(
        database_url, tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", smtp_timeout_seconds=2
    )
    app, client = _client(settings)
    try:
        world = _world(Api(client, app))
        cert_id = certified(world)  # 200 with a certificate although no mail can leave
        api = world.api
        assert api.request("GET", f"/certificates/{cert_id}", "vendor_a").json()["status"] == "valid"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:  # the deliveries after each commit fail in the background
            with api.sessions() as session:
                waiting = list(session.scalars(sa.select(MailOutbox).where(MailOutbox.sent_at.is_(None))))
            settled = all(m.attempts == 0 or m.last_error for m in waiting)  # no delivery in flight
            if len(waiting) == 4 and settled and sum(1 for m in waiting if m.last_error) >= 2:
                break
            time.sleep(0.05)
        # Submission: vendor, reviewer, admin; approval: vendor. None sent, failures recorded, none given up.
        assert len(waiting) == 4 and all(m.failed_at is None for m in waiting), waiting
        tried = [m for m in waiting if m.attempts]
        assert len(tried) >= 2 and all("Connection refused" in m.last_error for m in tried)
        assert any("retrying later" in r.getMessage() for r in caplog.records)
        with api.sessions.begin() as session:  # what a pause has not yet made due stays queued
            session.execute(
                sa.update(MailOutbox)
                .where(MailOutbox.attempts > 0)
                .values(next_attempt_at=utcnow() + dt.timedelta(hours=1))
            )
        assert mail.deliver_due(api.sessions, settings) == 0  # still down

        sink = Sink()
        controller = serve(sink, port)
        try:
            with api.sessions.begin() as session:
                session.execute(sa.update(MailOutbox).values(next_attempt_at=utcnow()))
            assert mail.deliver_due(api.sessions, settings) == 4
            assert mail.deliver_due(api.sessions, settings) == 0  # each one once
            [approval] = [m for m in sink.to(email_of(world, "vendor_a")) if cert_id in m["Subject"]]
            assert "Đã phê duyệt" in approval["Subject"]
        finally:
            controller.stop()
    finally:
        client.__exit__(None, None, None)
        app.state.engine.dispose()


def _world(api: Api) -> World:
    a, b, club = api.org("Công ty A"), api.org("Công ty B"), api.org("VCSC", kind="club")
    api.login(api.user(a), "vendor_a")
    api.login(api.user(b), "vendor_b")
    api.login(api.user(club, "reviewer"), "reviewer")
    api.login(api.user(club, "admin"), "admin")
    return World(api, a, b, club, api.product(a, "Bảo vệ trẻ em A"), api.product(b, "Lá chắn gia đình B"))


# --- TLS and login, straight through mail.send --------------------------------------------------------


@pytest.fixture(scope="module")
def certificate_files(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def _server_context(files: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, files))
    return context


def _login(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"thong-bao" and auth_data.password == b"mat-khau-smtp"
    return AuthResult(success=ok, handled=False)


MESSAGE = mail.Message(
    to=("an@safekid.example",),
    subject="Đặt lại mật khẩu / Reset your password",
    text="Xin chào,\n\nHello,\n",
    html="<p lang=\"vi\">Xin chào</p><p lang=\"en\">Hello</p>",
)


def test_starttls_with_login_and_a_trusted_certificate(certificate_files):
    sink, port = Sink(), free_port()
    controller = serve(
        sink,
        port,
        tls_context=_server_context(certificate_files),
        require_starttls=True,
        authenticator=_login,
        auth_required=True,
    )
    try:
        settings = Settings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_tls="starttls",
            smtp_username="thong-bao",
            smtp_password="mat-khau-smtp",
            smtp_ca_file=certificate_files[0],
            smtp_from="VCSC <thong-bao@vcsc.example.vn>",
        )
        assert mail.send(settings, MESSAGE) is True
        [(rcpt, message)] = sink.received
        assert rcpt == ["an@safekid.example"] and message["Subject"] == MESSAGE.subject
        assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == MESSAGE.text
        assert message.get_body(("html",)).get_content().strip() == MESSAGE.html
        # A wrong password, or a certificate the client does not trust, is a MailError (nothing sent).
        with pytest.raises(mail.MailError, match="Authentication"):
            mail.send(settings.model_copy(update={"smtp_password": SecretStr("sai")}), MESSAGE)
        with pytest.raises(mail.MailError, match="CERTIFICATE_VERIFY_FAILED"):
            mail.send(settings.model_copy(update={"smtp_ca_file": None}), MESSAGE)
        # The server insists on STARTTLS: a client configured for plain SMTP is refused.
        with pytest.raises(mail.MailError):
            mail.send(settings.model_copy(update={"smtp_tls": "none", "smtp_username": None}), MESSAGE)
        assert len(sink.received) == 1
    finally:
        controller.stop()


def test_implicit_tls(certificate_files):
    sink, port = Sink(), free_port()
    controller = serve(sink, port, ssl_context=_server_context(certificate_files))
    try:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="tls", smtp_ca_file=certificate_files[0])
        assert mail.send(settings, MESSAGE) is True
        assert [rcpt for rcpt, _ in sink.received] == [["an@safekid.example"]]
    finally:
        controller.stop()
