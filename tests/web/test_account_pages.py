"""Accounts on the pages, with a real SMTP server (aiosmtpd): sign-up → the link in the mail → activate → sign in;
forgotten password → the link → a new password (every session ends); my account: change the password (other
sessions end), API tokens created (shown once), listed and revoked (at once); CSRF on every form."""

from __future__ import annotations

import re
import shutil

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.core.settings import Settings
from tests.api.conftest import PASSWORD, Api
from tests.api.test_mail import BASE, smtp_sink  # noqa: F401 (fixture)
from tests.web.conftest import Browser, Site, csrf_of, text_of

NEW_PASSWORD = "hoa-sen-nở-giữa-hồ-2026"
LINK = re.compile(re.escape(BASE) + r"(/(?:verify-email|reset-password)\?token=[\w-]+)")


@pytest.fixture
def site(tmp_path, migrated_database, smtp_sink):  # noqa: F811
    shutil.copyfile(migrated_database, tmp_path / "web.db")
    app = create_app(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'web.db'}",
            jobs_worker=False,
            artifacts_dir=tmp_path / "artifacts",
            keys_dir=tmp_path / "keys",
            storage_dir=tmp_path / "storage",
            public_url=BASE,
            smtp_host="127.0.0.1",
            smtp_port=smtp_sink.port,
            smtp_tls="none",
        )
    )
    with TestClient(app) as client:
        yield Site(Api(client, app), app)
    app.state.engine.dispose()


def mailed_link(sink, address: str) -> str:
    """The path and query of the link in the newest mail to `address`."""
    [link] = set(LINK.findall(sink.to(address)[-1].get_content()))
    return link


def signed_up(site: Site, sink, email: str) -> Browser:
    browser = Browser(site.app)
    sent = browser.post(
        "/sign-up",
        {
            "organisation_name": f"Công ty {email[:4]}",
            "name": "Lê An",
            "email": email,
            "password": PASSWORD,
            "website": "",
        },
    )
    assert sent.status_code == 200 and "Hãy kiểm tra hộp thư" in text_of(sent.text)
    confirm = browser.get(mailed_link(sink, email))
    assert confirm.status_code == 200 and confirm.headers["Cache-Control"] == "private, no-store"
    activated = browser.post(
        "/verify-email",
        {"token": re.search(r'name="token" value="([^"]+)"', confirm.text).group(1)},
        page=mailed_link(sink, email),
    )
    assert activated.status_code == 303 and activated.headers["location"] == "/sign-in?done=email_verified"
    return browser


def test_sign_up_then_the_mailed_link_then_sign_in(site, smtp_sink):
    browser = Browser(site.app)
    assert (
        'href="/sign-up"' in browser.get("/sign-in").text and 'href="/forgot-password"' in browser.get("/sign-in").text
    )
    weak = browser.post(
        "/sign-up",
        {"organisation_name": "Công ty Yếu", "name": "Lê An", "email": "yeu@example.vn", "password": "yeu@example.vn"},
    )
    assert weak.status_code == 422 and 'href="#signup-password"' in weak.text and smtp_sink.received == []
    Browser(site.app).post(
        "/sign-up", {"organisation_name": "Công ty An", "name": "Lê An", "email": "an@example.vn", "password": PASSWORD}
    )
    refused = browser.post("/sign-in", {"email": "an@example.vn", "password": PASSWORD})
    assert refused.status_code == 401  # not before the link is followed
    link = mailed_link(smtp_sink, "an@example.vn")
    page = browser.get(link)
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    assert browser.client.post("/verify-email", data={"token": token}).status_code == 403  # no CSRF token
    assert browser.post("/verify-email", {"token": token}, page=link).status_code == 303
    again = browser.post("/verify-email", {"token": token}, page=link)
    assert again.status_code == 422 and "đã được dùng" in text_of(again.text)
    browser.sign_in("an@example.vn")
    assert "Lê An" in text_of(browser.get("/dashboard").text)


def test_the_same_page_for_a_registered_email(site, smtp_sink):
    signed_up(site, smtp_sink, "binh@example.vn")
    new = Browser(site.app).post(
        "/sign-up", {"organisation_name": "Công ty Mới", "name": "X", "email": "moi@example.vn", "password": PASSWORD}
    )
    old = Browser(site.app).post(
        "/sign-up", {"organisation_name": "Công ty Cũ", "name": "X", "email": "binh@example.vn", "password": PASSWORD}
    )
    strip = lambda html: re.sub(r'value="[0-9a-f]{64}"', "", html)  # noqa: E731 (the CSRF token differs)
    assert (new.status_code, strip(new.text)) == (old.status_code, strip(old.text))
    assert "đã có tài khoản" in smtp_sink.to("binh@example.vn")[-1]["Subject"]


def test_forgotten_password_by_the_mailed_link(site, smtp_sink):
    browser = signed_up(site, smtp_sink, "chi@example.vn")
    other = Browser(site.app)
    other.sign_in("chi@example.vn")
    known = Browser(site.app).post("/forgot-password", {"email": "chi@example.vn"})
    unknown = Browser(site.app).post("/forgot-password", {"email": "khong-ai@example.vn"})
    assert known.status_code == unknown.status_code == 200 and text_of(known.text) == text_of(unknown.text)
    link = mailed_link(smtp_sink, "chi@example.vn")
    form = browser.get(link)
    assert "chi@example.vn" in text_of(form.text)
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    short = browser.post("/reset-password", {"token": token, "password": "ngan"}, page=link)
    assert short.status_code == 422 and 'name="token"' in short.text  # the link still works
    done = browser.post("/reset-password", {"token": token, "password": NEW_PASSWORD}, page=link)
    assert done.headers["location"] == "/sign-in?done=password_reset"
    assert other.get("/account").status_code == 303  # that session ended
    assert browser.get(link).status_code == 422  # spent
    browser.sign_in("chi@example.vn", NEW_PASSWORD)


def test_forgotten_password_requests_are_throttled(site, smtp_sink):
    limit = site.app.state.settings.account_mails_per_email
    for _ in range(limit):
        assert Browser(site.app).post("/forgot-password", {"email": "dung@example.vn"}).status_code == 200
    refused = Browser(site.app).post("/forgot-password", {"email": "dung@example.vn"})
    assert refused.status_code == 429 and "Quá nhiều yêu cầu" in text_of(refused.text)


def test_my_account_password_and_api_tokens(site, smtp_sink):
    browser = signed_up(site, smtp_sink, "em@example.vn")
    browser.sign_in("em@example.vn")
    other = Browser(site.app)
    other.sign_in("em@example.vn")
    page = browser.get("/account")
    assert page.status_code == 200 and "Bạn chưa có mã API nào." in text_of(page.text)
    created = browser.post("/account/tokens", {"name": "Máy CI", "expires_in_days": "30"}, page="/account")
    secret = re.search(r'id="new-token" readonly value="(vcsc_[\w-]+)"', created.text).group(1)
    assert "Máy CI" in text_of(created.text) and "Chưa dùng" in text_of(created.text)
    assert secret not in browser.get("/account").text  # shown once
    script = {"Authorization": f"Bearer {secret}"}
    assert site.api.client.get("/api/v1/users/me", headers=script).status_code == 200
    assert "Chưa dùng" not in text_of(browser.get("/account").text)  # its last use is listed
    token_id = re.search(r'action="/account/tokens/(\d+)/revoke"', browser.get("/account").text).group(1)
    assert browser.client.post(f"/account/tokens/{token_id}/revoke", data={}).status_code == 403  # no CSRF token
    revoked = browser.post(f"/account/tokens/{token_id}/revoke", {}, page="/account")
    assert revoked.headers["location"] == "/account?done=token_revoked"
    assert site.api.client.get("/api/v1/users/me", headers=script).status_code == 401  # at once
    wrong = browser.post(
        "/account/password", {"current_password": "sai-mat-khau-roi", "password": NEW_PASSWORD}, page="/account"
    )
    assert wrong.status_code == 422 and 'href="#current-password"' in wrong.text
    changed = browser.post(
        "/account/password", {"current_password": PASSWORD, "password": NEW_PASSWORD}, page="/account"
    )
    assert changed.headers["location"] == "/account?done=password_changed"
    assert browser.get("/account").status_code == 200 and other.get("/account").status_code == 303
    assert csrf_of(browser.get("/account").text)
