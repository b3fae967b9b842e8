"""The pages in a real browser (Debian's Chromium through Playwright) against the app served by uvicorn on
demo data: a vendor fills a self-assessment, fixes an error after the message and submits; the public
searches without diacritics and opens the product page, in Vietnamese and then in English."""
from __future__ import annotations

import os
import re
import socket
import threading
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from api.app import create_app
from api.db import upgrade
from api.demo import sample_answers, seed
from api.models import Product, Submission
from api.settings import Settings
from checker.probes.runner import CHROMIUM_ARGS

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("VCSC_CHROMIUM", "/usr/bin/chromium")
VENDOR = ("an@safekid.example", "demo-safekid-2025")
PRODUCT = "SafeKid Trình duyệt Bé Ngoan"  # added by the test, so it has no self-assessment yet


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a temporary SQLite database seeded with the demo data, served by uvicorn in a thread."""
    import uvicorn

    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'demo.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url, jobs_worker=False, keys_dir=folder / "keys",
                              artifacts_dir=folder / "artifacts"))
    with app.state.sessions.begin() as session:
        seed(session)
    port = _free_port()
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
                                      chromium_sandbox=os.geteuid() != 0)  # no sandbox as root only
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def _fill_answer(page, cid: str, answer: dict) -> None:
    """Answer one criterion through its inputs, as a person would."""
    value = answer["value"]
    for prop, v in (value.items() if isinstance(value, dict) else [(None, value)]):
        name = f"a.{cid}.v" + (f".{prop}" if prop else "")
        if isinstance(v, bool):
            page.check(f'input[name="{name}"][value="{"yes" if v else "no"}"]')
        elif isinstance(v, list):
            for choice in v or ["__none__"]:
                page.check(f'input[name="{name}"][value="{choice}"]')
        elif page.locator(f'[name="{name}"]').evaluate("e => e.tagName") == "SELECT":
            page.select_option(f'[name="{name}"]', str(v))
        else:
            page.fill(f'[name="{name}"]', str(v).replace(".", ",") if isinstance(v, float) else str(v))
    for evidence in answer.get("evidence", []):
        field = f"a.{cid}.ev_url" if evidence["kind"] == "url" else f"a.{cid}.ev_doc"
        page.fill(f'[name="{field}"]', evidence.get("url") or evidence["title"])


def test_vendor_fills_fixes_and_submits_a_self_assessment(server, page):
    app, base = server
    page.goto(base + "/dashboard")
    expect(page).to_have_url(re.compile(re.escape(base) + r"/sign-in\?next="))  # the dashboard asks for a sign-in
    page.get_by_label("Email").fill(VENDOR[0])
    page.get_by_label("Mật khẩu").fill(VENDOR[1])
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(base + "/dashboard")
    page.get_by_role("link", name="Thêm sản phẩm").click()
    page.get_by_label("Tên sản phẩm").fill(PRODUCT)
    page.get_by_label("Loại sản phẩm").select_option(label="Trình duyệt an toàn cho trẻ em")
    page.get_by_label("Địa chỉ sản phẩm").fill("https://safekid.example/be-ngoan")
    page.get_by_label("Android").check()
    page.get_by_role("button", name="Thêm sản phẩm").click()
    expect(page.get_by_role("status").first).to_have_text("Đã thêm sản phẩm.")
    page.get_by_label("Phiên bản bộ tiêu chí").select_option("vcsc-2025.1")
    page.get_by_role("button", name="Bắt đầu").click()

    with app.state.sessions() as session:
        product = session.scalar(sa.select(Product).where(Product.name == PRODUCT))
        answers = sample_answers("vcsc-2025.1", product.product_type)
    made_mistake = False
    for _ in range(5):  # the five requirement groups, one step each
        expect(page.locator("section.criterion").first).to_be_visible()
        for cid in page.locator("section.criterion").evaluate_all("els => els.map(e => e.id.slice(2))"):
            _fill_answer(page, cid, answers[cid])
        if not made_mistake and page.locator('[name="a.CF-01.v.block_rate"]').count():
            page.fill('[name="a.CF-01.v.block_rate"]', "1,5")  # a share above 1
            made_mistake = True
            page.get_by_role("button", name="Lưu và sang bước tiếp").click()
            expect(page.locator("#f-a-CF-01-v-block_rate-err1")).to_have_text("Lỗi: Phải nhỏ hơn hoặc bằng 1.")
            assert page.get_by_role("alert").locator('a[href="#f-a-CF-01-v-block_rate"]').count() == 1
            field = page.get_by_label("Tỷ lệ trang bị chặn (0–1)").first
            assert field.get_attribute("aria-invalid") == "true" and field.input_value() == "1,5"
            assert page.locator('[name="a.CF-01.v.corpus_size"]').input_value() != ""  # nothing typed is lost
            field.fill("0,97")
        button = page.get_by_role("button", name=re.compile("^(Lưu và sang bước tiếp|Lưu và xem tổng quan)$"))
        last = button.inner_text() == "Lưu và xem tổng quan"
        button.click()
        expect(page.get_by_role("status").first).to_have_text("Đã lưu bản nháp.")
        assert page.locator(".error-summary").count() == 0
        if last:
            break
    assert made_mistake, "the features step has CF-01"

    page.get_by_role("button", name="Nộp bản tự đánh giá").click()
    expect(page.get_by_role("status").first).to_have_text("Đã nộp bản tự đánh giá.")
    expect(page.get_by_text("Mức đạt được: Nâng cao")).to_be_visible()
    with app.state.sessions() as session:
        submission = session.scalar(sa.select(Submission).where(Submission.product_id == product.id))
        assert submission.status == "submitted" and submission.answers["CF-01"]["value"]["block_rate"] == 0.97


def test_public_search_product_page_and_language_switch(server, page):
    _, base = server
    page.goto(base + "/")
    page.keyboard.press("Tab")  # the first stop is the skip link, and it leads to the main content
    assert page.evaluate("document.activeElement.textContent") == "Chuyển đến nội dung chính"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.get_by_label("Tên sản phẩm hoặc nhà cung cấp").fill("bao ve tre em")
    page.get_by_role("button", name="Tìm kiếm").click()
    results = page.locator(".cards h3")
    expect(results).to_have_text(["Bảo vệ trẻ em SafeKid"])
    results.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Bảo vệ trẻ em SafeKid")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    certificate = page.locator("section", has=page.get_by_role("heading", name="Chứng nhận"))
    assert "Còn hiệu lực" in certificate.inner_text()
    assert page.get_by_role("img", name="Biểu đồ số tiêu chí theo kết quả trong mỗi nhóm yêu cầu").count() == 1

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Bảo vệ trẻ em SafeKid")  # names are data, not translated
    expect(page.get_by_role("heading", name="Results by requirement group")).to_be_visible()
    assert "Valid" in page.locator("section", has=page.get_by_role("heading", name="Certificate")).inner_text()
