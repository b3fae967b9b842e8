"""The pages in a real browser (Debian's Chromium through Playwright) against the app served by uvicorn on
demo data, with its in-process job worker and the SafeKid demo product to probe.

The walk of issue 5: a vendor fills a self-assessment, fixes an error after the message and submits, runs a
probe against the demo product, watches its progress and reads the report; a reviewer requests changes; the
vendor answers, starts the next revision and resubmits; the reviewer approves; the vendor downloads the signed
certificate; the public searches "bao ve tre em", opens the product page, sees the badge, verifies the
certificate with the downloaded file, and switches the pages to English."""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from api.app import create_app
from api.cli.demo import sample_answers, seed
from api.core.db import upgrade
from api.core.models import Product, Submission
from api.core.settings import Settings
from checker.probes.runner import CHROMIUM_ARGS

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("VCSC_CHROMIUM", "/usr/bin/chromium")
VENDOR = ("an@safekid.example", "demo-safekid-2025")
REVIEWER = ("reviewer@vcsc.example", "demo-reviewer-2025")
ADMIN = ("admin@vcsc.example", "demo-admin-2025")
PRODUCT = "Bảo vệ trẻ em Bé Ngoan"  # added by the test, so it has no self-assessment yet (a kid browser, as SafeKid)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def safekid():
    import demo_products

    product = demo_products.start_safekid()
    yield product
    product.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app on a temporary SQLite database seeded with the demo data, served by uvicorn in a thread, with the
    in-process job worker (probes may reach the demo product on loopback, as in tests/jobs)."""
    import uvicorn

    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'demo.db'}"
    upgrade(url)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("VCSC_PROBE_ALLOW_NETWORKS", "127.0.0.0/8")
        env.setenv("VCSC_PROBE_IGNORE_TLS_ERRORS", "1")
        app = create_app(
            Settings(
                database_url=url,
                keys_dir=folder / "keys",
                artifacts_dir=folder / "artifacts",
                job_poll_seconds=0.2,
                job_heartbeat_seconds=0.5,
            )
        )
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
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, chromium_sandbox=os.geteuid() != 0
        )  # no sandbox as root only
        yield chromium
        chromium.close()


@pytest.fixture
def people(browser):
    """A browser context per person (each its own cookies), opened on demand: people("vendor")."""
    contexts = {}

    def open_page(name: str):
        if name not in contexts:
            contexts[name] = browser.new_context(locale="vi-VN", accept_downloads=True)
            contexts[name].set_default_timeout(10_000)
            contexts[name].new_page()
        return contexts[name].pages[0]

    yield open_page
    for context in contexts.values():
        context.close()


@pytest.fixture
def page(people):
    return people("someone")


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(base + "/dashboard")


def _fill_answer(page, cid: str, answer: dict) -> None:
    """Answer one criterion through its inputs, as a person would."""
    value = answer["value"]
    for prop, v in value.items() if isinstance(value, dict) else [(None, value)]:
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


def test_public_search_product_page_and_language_switch(server, page):
    _, base = server
    page.goto(base + "/")
    page.keyboard.press("Tab")  # the first stop is the skip link, and it leads to the main content
    assert page.evaluate("document.activeElement.textContent") == "Chuyển đến nội dung chính"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    page.get_by_label("Tên sản phẩm hoặc nhà cung cấp").fill("bao ve tre em")
    page.get_by_role("button", name="Tìm kiếm").click()
    page.locator(".cards h3").get_by_role("link", name="Bảo vệ trẻ em SafeKid").click()
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


# --- the walk, person by person ---------------------------------------------------------------------


def _vendor_fills_fixes_and_submits(app, base: str, page) -> None:
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


def _vendor_runs_a_probe_and_reads_the_report(page, manifest: dict) -> None:
    page.get_by_role("link", name="Chạy kiểm tra tự động").click()
    page.get_by_text("Cho người dùng thành thạo: bản mô tả dạng JSON").click()  # the JSON form, folded by default
    json_form = page.locator("form", has=page.locator("#manifest"))
    json_form.get_by_label("Bản mô tả sản phẩm (JSON)").fill(json.dumps(manifest, ensure_ascii=False))
    json_form.get_by_label("Bảo mật đường truyền").check()  # one quick probe: transport security
    json_form.get_by_role("button", name="Bắt đầu kiểm tra").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Lần kiểm tra tự động #\d+$"))
    progress = page.locator("#run-status")  # a live region the page's script updates, then the page reloads
    expect(progress).to_have_text(re.compile("^(Đang chờ|Đang chạy|Đã xong)"))
    assert page.get_by_label("Số bài kiểm tra tự động đã xong").count() == 1
    expect(progress).to_have_text("Đã xong", timeout=90_000)
    expect(page.get_by_role("heading", name="Kết quả theo bài kiểm tra tự động")).to_be_visible()
    expect(page.get_by_role("heading", name="Bảo mật đường truyền")).to_be_visible()
    page.get_by_role("link", name="Đọc báo cáo mức độ phù hợp").click()
    expect(page.locator("h1")).to_contain_text("Báo cáo mức độ phù hợp")
    expect(page.get_by_text(PRODUCT).first).to_be_visible()
    page.go_back()
    page.locator(".crumbs a").last.click()  # the self-assessment's page


def _reviewer_requests_changes(base: str, page) -> None:
    _sign_in(page, base, *REVIEWER)
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Thẩm định").click()
    page.get_by_label("Loại sản phẩm").select_option(label="Trình duyệt an toàn cho trẻ em")
    page.get_by_role("button", name="Lọc").click()
    queue = page.locator("tbody th a")
    expect(queue).to_have_text(["SafeKid Trình duyệt Bé Vui", PRODUCT])  # the demo's, submitted earlier, first
    queue.filter(has_text=PRODUCT).click()
    page.get_by_role("button", name="Nhận thẩm định bản này").click()
    expect(page.get_by_role("status").first).to_have_text("Bạn đã nhận thẩm định bản này.")
    for accept in page.locator("#disc-title ~ article button", has_text="Chấp nhận kết quả").all():
        accept.click()  # any discrepancy needs a decision (SafeKid passes transport, so usually none)
    page.get_by_role("button", name="Yêu cầu sửa đổi").click()  # nothing said yet: the domain refuses
    expect(page.get_by_role("alert")).to_contain_text("Hãy cho nhà cung cấp biết cần sửa gì")
    page.get_by_label("Nhận xét chung cho nhà cung cấp").fill("Hãy gửi kèm báo cáo bộ thử lọc nội dung.")
    page.get_by_text("Nhận xét theo từng tiêu chí (không bắt buộc)").click()
    page.locator("#cc-CF-01").fill("Bộ thử cần ít nhất 600 trang.")
    page.get_by_role("button", name="Yêu cầu sửa đổi").click()
    expect(page.get_by_role("status").first).to_have_text("Đã gửi yêu cầu sửa đổi cho nhà cung cấp.")


def _vendor_answers_revises_and_resubmits(page) -> None:
    page.reload()  # the self-assessment's page, as the reviewer left it
    review = page.locator("#review")
    expect(review).to_contain_text("Người thẩm định yêu cầu sửa đổi.")
    expect(review).to_contain_text("Hãy gửi kèm báo cáo bộ thử lọc nội dung.")
    page.get_by_label("Trả lời người thẩm định").fill("Chúng tôi gửi báo cáo ở lần sau.")
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.get_by_role("status").first).to_have_text("Đã gửi bình luận.")
    page.get_by_role("button", name="Bắt đầu lần sửa đổi tiếp theo").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã tạo lần sửa đổi mới")
    page.get_by_role("navigation", name="Các bước").get_by_role("link", name="Tính năng").click()
    notes = page.locator("#c-CF-01 .review-notes")
    expect(notes).to_contain_text("Bộ thử cần ít nhất 600 trang.")  # the comment next to its criterion
    page.get_by_label("Tên tài liệu bằng chứng — được tính cho tiêu chí này").first.fill(
        "Báo cáo bộ thử 600 trang, 2025"
    )
    page.get_by_role("button", name="Lưu và sang bước tiếp").click()
    expect(page.get_by_role("status").first).to_have_text("Đã lưu bản nháp.")
    page.locator(".crumbs a").last.click()  # the revision's overview
    page.get_by_role("button", name="Nộp bản tự đánh giá").click()
    expect(page.get_by_role("status").first).to_have_text("Đã nộp bản tự đánh giá.")
    expect(page.locator("dl.meta").first).to_contain_text("Đã nộp lại")


def _reviewer_approves(page) -> str:
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Thẩm định").click()
    page.locator("tbody th a", has_text=PRODUCT).click()
    expect(page.locator("h1")).to_have_text(f"Thẩm định {PRODUCT}, lần 2")
    page.get_by_role("button", name="Nhận thẩm định bản này").click()
    expect(page.locator("#conversation")).to_contain_text("Chúng tôi gửi báo cáo ở lần sau.")  # the talk so far
    page.get_by_role("button", name="Phê duyệt").click()  # the decision bar's button: a confirmation page first
    expect(page.locator("#confirm-level")).to_have_text(re.compile(r"^Mức sẽ được chứng nhận: (Cơ bản|Nâng cao)\.$"))
    page.get_by_role("button", name="Xác nhận phê duyệt").click()
    expect(page.get_by_role("status").first).to_have_text("Đã phê duyệt và cấp chứng nhận.")
    return page.locator("dl.meta a[href^='/dashboard/certificates/']").inner_text()


def _vendor_downloads_the_certificate(page, folder) -> str:
    page.reload()
    page.get_by_role("link", name=re.compile("^Xem chứng nhận ")).click()
    expect(page.get_by_role("status").first).to_have_text("Chứng nhận này còn hiệu lực.")
    assert page.locator(".badge-preview svg").count() == 1
    expect(page.get_by_label("Chép đoạn mã này vào trang web của bạn")).to_contain_text("/badge/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp chứng nhận đã ký").click()
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return str(path)


def _public_finds_verifies_and_switches_language(base: str, page, cert_id: str, credential_file: str) -> None:
    page.goto(base + "/")
    page.get_by_label("Tên sản phẩm hoặc nhà cung cấp").fill("bao ve tre em")
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page.locator(".cards h3")).to_have_text([PRODUCT, "Bảo vệ trẻ em SafeKid"])
    page.locator(".cards h3").get_by_role("link", name=PRODUCT).click()
    expect(page.locator("h1")).to_have_text(PRODUCT)
    badge = page.get_by_role("img", name=f"Chứng nhận VCSC mức Nâng cao, số {cert_id}")
    expect(badge).to_be_visible()
    assert badge.evaluate("img => img.complete && img.naturalWidth > 0")  # the badge image was served
    page.get_by_role("link", name="Kiểm tra bằng tệp chứng nhận đã ký").click()
    page.get_by_label("Hoặc chọn tệp chứng nhận (.jwt)").set_input_files(credential_file)
    page.get_by_role("button", name="Kiểm tra chứng nhận").click()
    result = page.locator("#result")
    expect(result.get_by_role("status")).to_have_text("Chứng nhận hợp lệ: chữ ký đúng và chứng nhận đang còn hiệu lực.")
    expect(result).to_contain_text("Đúng chữ ký của VCSC")
    expect(result).to_contain_text(PRODUCT)

    page.get_by_role("link", name="English").click()  # back to the form, in English
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Verify a certificate")
    page.get_by_label("Or choose the certificate file (.jwt)").set_input_files(credential_file)
    page.get_by_role("button", name="Check the certificate").click()
    expect(page.locator("#result").get_by_role("status")).to_have_text(
        "The certificate is genuine: the signature is valid and the certificate is in force."
    )
    page.locator("#result").get_by_role("link", name=PRODUCT).click()
    expect(page.get_by_role("img", name=f"VCSC certificate, Advanced level, number {cert_id}")).to_be_visible()
    expect(page.get_by_role("heading", name="Results by requirement group")).to_be_visible()


def test_the_certification_walk(server, safekid, people, tmp_path):
    app, base = server
    vendor, reviewer, public = people("vendor"), people("reviewer"), people("public")
    _vendor_fills_fixes_and_submits(app, base, vendor)
    _vendor_runs_a_probe_and_reads_the_report(vendor, safekid.manifest())
    _reviewer_requests_changes(base, reviewer)
    _vendor_answers_revises_and_resubmits(vendor)
    cert_id = _reviewer_approves(reviewer)
    credential_file = _vendor_downloads_the_certificate(vendor, tmp_path)
    _public_finds_verifies_and_switches_language(base, public, cert_id, credential_file)
    with app.state.sessions() as session:
        first, second = session.scalars(
            sa.select(Submission).join(Product).where(Product.name == PRODUCT).order_by(Submission.revision)
        ).all()
        assert (first.status, second.status, second.previous_id) == ("changes_requested", "approved", first.id)


def test_pages_pass_axe_at_desktop_and_phone_width_in_both_languages(server, people):
    """axe-core finds no serious or critical violation on the public, vendor, reviewer and admin pages, at
    1280 px and at 375 px, in Vietnamese and English; and no page scrolls sideways at 375 px."""
    from api.core.models import Certificate
    from tests.web.axe import violations

    app, base = server
    with app.state.sessions() as session:
        cert = session.scalars(
            sa.select(Certificate).where(Certificate.status == "valid").order_by(Certificate.id)
        ).first()
        queued = session.scalars(sa.select(Submission).where(Submission.status == "submitted")).first()
        vendors_submission = session.scalars(
            sa.select(Submission).join(Product).where(Submission.id == cert.submission_id)
        ).first()
    public = [
        "/",
        f"/products/{cert.product_id}",
        "/certificates",
        f"/certificates/{cert.id}",
        "/criteria",
        "/criteria/vcsc-2025.1",
        "/criteria/changes?from=vcsc-2024.1&to=vcsc-2025.1",
        f"/embed-badge?certificate={cert.id}",
        "/sign-in",
    ]
    vendor = [
        "/dashboard",
        f"/dashboard/products/{cert.product_id}",
        f"/dashboard/submissions/{vendors_submission.id}",
        "/dashboard/certificates",
    ]
    reviewer = [
        "/review",
        f"/review/submissions/{queued.id}",
        f"/dashboard/certificates/{cert.id}",
        "/dashboard/notifications",
    ]
    admin = ["/admin/users", "/admin/organisations", "/admin/criteria"]
    found = {}
    for who, paths, login in (
        ("public", public, None),
        ("vendor", vendor, VENDOR),
        ("reviewer", reviewer, REVIEWER),
        ("admin", admin, ADMIN),
    ):
        page = people(f"axe-{who}")
        if login:
            _sign_in(page, base, *login)
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 800})
            for path in paths:
                for lang in ("vi", "en"):
                    joiner = "&" if "?" in path else "?"
                    response = page.goto(f"{base}{path}{joiner}lang={lang}")
                    assert response.status == 200, f"{who} {path}: {response.status}"
                    bad = violations(page)
                    if bad:
                        found[f"{who} {path} {lang} {width}px"] = bad
                    if width == 375:
                        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                        if overflow > 0:
                            found[f"{who} {path} {lang} 375px"] = [{"id": "horizontal-scroll", "px": overflow}]
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
