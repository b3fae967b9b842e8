"""Self-service sign-up in a real browser at phone width (375 px): the sign-up form, the mail read from an SMTP
server (aiosmtpd), its link followed, the account activated and signed in; axe-core on each page on the way."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest
from playwright.sync_api import expect

from api.app import create_app
from api.core.db import upgrade
from api.core.settings import Settings
from tests.api.test_mail import BASE, smtp_sink  # noqa: F401 (fixture)
from tests.web.axe import violations
from tests.web.test_browser import _free_port, browser, people  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow
PASSWORD = "mây-trắng-bay-qua-đồi-2026"


@pytest.fixture
def server(tmp_path, smtp_sink):  # noqa: F811
    import uvicorn

    url = f"sqlite:///{tmp_path / 'accounts.db'}"
    upgrade(url)
    port = _free_port()
    app = create_app(
        Settings(
            database_url=url,
            jobs_worker=False,
            keys_dir=tmp_path / "keys",
            artifacts_dir=tmp_path / "artifacts",
            public_url=f"http://127.0.0.1:{port}",
            smtp_host="127.0.0.1",
            smtp_port=smtp_sink.port,
            smtp_tls="none",
        )
    )
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


def test_sign_up_verify_and_sign_in_at_phone_width(server, smtp_sink, people):  # noqa: F811
    base, page, found = server, people("new-vendor"), {}
    page.set_viewport_size({"width": 375, "height": 800})

    def audit(name: str) -> None:
        bad = violations(page)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        if bad or overflow > 0:
            found[name] = bad + ([{"id": "horizontal-scroll", "px": overflow}] if overflow > 0 else [])

    page.goto(base + "/sign-in")
    page.get_by_role("link", name="Đăng ký nhà cung cấp").click()
    expect(page).to_have_url(base + "/sign-up")
    audit("sign-up")
    page.get_by_label("Tên tổ chức").fill("Công ty TNHH Bé Vui")
    page.get_by_label("Họ và tên").fill("Phạm Thu Hà")
    page.get_by_label("Email").fill("ha@bevui.example.vn")
    page.get_by_label("Mật khẩu").fill("123")
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.locator(".error-summary")).to_be_visible()
    audit("sign-up with errors")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.get_by_role("heading", name="Hãy kiểm tra hộp thư")).to_be_visible()
    audit("mail sent")
    deadline = time.monotonic() + 10
    while not smtp_sink.to("ha@bevui.example.vn") and time.monotonic() < deadline:
        time.sleep(0.05)
    [message] = smtp_sink.to("ha@bevui.example.vn")
    link = re.search(re.escape(base) + r"/verify-email\?token=[\w-]+", message.get_content()).group(0)
    response = page.goto(link)
    assert response.status == 200
    audit("verify")
    page.get_by_role("button", name="Kích hoạt tài khoản").click()
    expect(page).to_have_url(base + "/sign-in?done=email_verified")
    audit("sign-in after verification")
    page.get_by_label("Email").fill("ha@bevui.example.vn")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(base + "/dashboard")
    page.goto(base + "/account")
    audit("account")
    page.get_by_label("Tên mã").fill("Máy CI")
    page.get_by_role("button", name="Tạo mã").click()
    expect(page.locator("#new-token")).to_have_value(re.compile(r"^vcsc_"))
    audit("account with a new token")
    for lang in ("en",):
        page.goto(f"{base}/account?lang={lang}")
        audit(f"account {lang}")
        page.goto(f"{base}/forgot-password?lang={lang}")
        audit(f"forgot-password {lang}")
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
