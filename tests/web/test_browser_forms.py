"""The manifest builder and the product edit page in a real browser at phone width (375 px), audited by axe-core:
a vendor loads the SafeKid demo manifest into the form, adds login-step rows without JavaScript, runs the
pre-flight check against the running demo product, and edits and tries to delete a product."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from api.core.models import Product, Submission
from tests.web.axe import violations
from tests.web.test_browser import VENDOR, _sign_in, browser, people, safekid, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow
SUBMITTED = "SafeKid Trình duyệt Bé Vui"  # a demo kid browser waiting for review: the probes may run on it


def _fits(page) -> None:
    assert violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_manifest_form_at_375px_import_rows_and_preflight(server, people, safekid):
    app, base = server
    with app.state.sessions() as session:
        submission = session.scalar(sa.select(Submission).join(Product).where(Product.name == SUBMITTED))
    page = people("vendor")
    page.set_viewport_size({"width": 375, "height": 800})
    _sign_in(page, base, *VENDOR)
    page.goto(f"{base}/dashboard/submissions/{submission.id}/probe-runs/new")
    expect(page.get_by_role("heading", name="Bản mô tả sản phẩm theo từng mục")).to_be_visible()
    _fits(page)

    page.get_by_text("Cho người dùng thành thạo: bản mô tả dạng JSON").click()
    json_form = page.locator("form", has=page.locator("#manifest"))
    json_form.get_by_label("Bản mô tả sản phẩm (JSON)").fill(json.dumps(safekid.manifest(), ensure_ascii=False))
    json_form.get_by_role("button", name="Đưa vào biểu mẫu").click()
    expect(page.get_by_text("Đã đưa bản mô tả JSON vào biểu mẫu")).to_be_visible()
    expect(page.get_by_label("Proxy lọc (máy:cổng)")).to_have_value(safekid.proxy_address)
    assert page.locator("#mf-step_3_selector").input_value() == "form[action='/dang-nhap'] button[type=submit]"
    assert page.locator("#mf-acc_child_password").input_value() == ""  # kept sealed, not written into the page
    rows = page.locator("#mf-steps > fieldset").count()
    page.get_by_role("button", name="Thêm dòng bước đăng nhập").click()
    expect(page.locator("#mf-steps > fieldset")).to_have_count(rows + 2)
    _fits(page)

    page.get_by_role("button", name="Kiểm tra trước khi chạy").first.click(timeout=90_000)  # Chromium logs in
    report = page.locator("#preflight")
    expect(report.get_by_text("Sẵn sàng chạy kiểm tra.")).to_be_visible(timeout=60_000)
    expect(report.get_by_text("Đăng nhập tài khoản trẻ — đạt")).to_be_visible()
    expect(report.get_by_text("The manifest is valid.")).to_be_visible()  # each step in both languages
    _fits(page)
    page.goto(f"{base}/dashboard/submissions/{submission.id}/probe-runs/new?lang=en")
    _fits(page)


def test_product_edit_and_delete_refusal_at_375px(server, people):
    app, base = server
    page = people("vendor-edit")
    page.set_viewport_size({"width": 375, "height": 800})
    _sign_in(page, base, *VENDOR)
    with app.state.sessions() as session:
        certified = session.scalar(sa.select(Product).where(Product.name == "Bảo vệ trẻ em SafeKid"))
    page.goto(f"{base}/dashboard/products/{certified.id}")
    expect(page.get_by_text("Không xoá được sản phẩm này, vì:")).to_be_visible()
    _fits(page)
    page.get_by_role("link", name="Sửa thông tin sản phẩm").click()
    _fits(page)
    page.get_by_label("Tên sản phẩm").fill("")
    page.get_by_role("button", name="Lưu thay đổi").click()
    expect(page.locator(".error-summary")).to_be_visible()
    _fits(page)
    page.get_by_label("Tên sản phẩm").fill("Bảo vệ trẻ em SafeKid Gia Đình")
    page.get_by_role("button", name="Lưu thay đổi").click()
    expect(page.get_by_text("Đã lưu thông tin sản phẩm.")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Bảo vệ trẻ em SafeKid Gia Đình")
    page.goto(f"{base}/dashboard/products/{certified.id}/edit?lang=en")
    _fits(page)
