"""Evidence files on the pages: the step form attaches a file to its criterion (checked by content, refused with the
message at the criterion), lists it with size and SHA-256, removes it; the review page lists it for the reviewer;
downloads are attachments, for the owning vendor and the club only."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
import time

import pytest
import sqlalchemy as sa

from api.app import create_app
from api.core.db import upgrade
from api.core.models import EvidenceFile, Organisation, Product, Submission, User
from api.core.settings import Settings
from api.domain.identity import hash_password
from tests.web.conftest import in_review

CHROMIUM = os.environ.get("VCSC_CHROMIUM", "/usr/bin/chromium")

VERSION = "vcsc-2025.1"
PDF = b"%PDF-1.4\n% bao cao kiem thu loc noi dung\n%%EOF\n" + b"x" * 1200


def _draft(world, browser) -> int:
    response = browser.post(
        f"/dashboard/products/{world.product_a.id}/submissions",
        {"criteria_version": VERSION},
        page=f"/dashboard/products/{world.product_a.id}",
    )
    assert response.status_code == 303, response.text
    with world.api.sessions() as session:
        return session.scalar(sa.select(Submission.id).where(Submission.product_id == world.product_a.id))


def _files(world, submission_id: int) -> list[EvidenceFile]:
    with world.api.sessions() as session:
        return list(session.scalars(sa.select(EvidenceFile).where(EvidenceFile.submission_id == submission_id)))


def test_the_step_form_attaches_lists_and_removes_a_file(world):
    browser = world.site.browser("vendor_a")
    submission_id = _draft(world, browser)
    step = f"/dashboard/submissions/{submission_id}/steps/features"
    page = browser.get(step)
    assert 'id="file-CF-01"' in page.text and 'form="files-up-CF-01"' in page.text
    assert 'enctype="multipart/form-data"' in page.text  # the upload forms work without JavaScript

    refused = browser.post(
        f"/dashboard/submissions/{submission_id}/evidence-files",
        {"criterion_id": "CF-01"},
        page=step,
        files={"file": ("bao-cao.pdf", b"<html><script>alert(1)</script>", "application/pdf")},
    )
    assert refused.status_code == 415
    section = refused.text[refused.text.index('id="c-CF-01"') :]
    assert "Chỉ nhận tệp PDF, PNG, JPEG hoặc văn bản thuần" in section[: section.index("</section>")]
    assert _files(world, submission_id) == []

    done = browser.post(
        f"/dashboard/submissions/{submission_id}/evidence-files",
        {"criterion_id": "CF-01"},
        page=step,
        files={"file": ("Báo cáo kiểm thử.pdf", PDF, "text/html")},
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"{step}?done=file_added#files-CF-01"
    [row] = _files(world, submission_id)
    assert (row.criterion_id, row.media_type, row.sha256) == (
        "CF-01",
        "application/pdf",
        hashlib.sha256(PDF).hexdigest(),
    )
    listed = browser.get(done.headers["location"]).text
    assert "Đã đính kèm tệp." in listed and "Báo cáo kiểm thử.pdf" in listed
    assert row.sha256 in listed and f"({len(PDF):,} byte)".replace(",", ".") in listed  # 1.245 byte: Vietnamese digits
    english = browser.get(step + "?lang=en").text
    assert f"({len(PDF):,} bytes)" in english

    download = browser.get(f"/dashboard/submissions/{submission_id}/evidence-files/{row.id}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    other = world.site.browser("vendor_b").get(f"/dashboard/submissions/{submission_id}/evidence-files/{row.id}")
    assert other.status_code == 404

    removed = browser.post(f"/dashboard/submissions/{submission_id}/evidence-files/{row.id}/delete", {}, page=step)
    assert removed.status_code == 303 and removed.headers["location"] == f"{step}?done=file_removed#files-CF-01"
    assert _files(world, submission_id) == []


def test_the_review_page_lists_the_files_with_hash_and_link(world):
    submission = in_review(world, discrepancy=False)
    key = world.site.app.state.storage.put(PDF)
    world.api.add(
        EvidenceFile(
            submission_id=submission.id,
            criterion_id="CF-01",
            name="bao-cao.pdf",
            media_type="application/pdf",
            size=len(PDF),
            sha256=key,
            storage_key=key,
        )
    )
    page = world.site.browser("reviewer").get(f"/review/submissions/{submission.id}")
    assert page.status_code == 200, page.text
    block = page.text[page.text.index('id="c-CF-01"') :]
    block = block[: block.index("</article>")]
    assert "bao-cao.pdf" in block and key in block
    link = re.search(r'href="(/dashboard/submissions/\d+/evidence-files/\d+)"', block).group(1)
    download = world.site.browser("reviewer").get(link)
    assert download.status_code == 200 and download.content == PDF
    # Submitted: the vendor's step page shows the list without the attach and remove controls.
    vendor_step = world.site.browser("vendor_a").get(f"/dashboard/submissions/{submission.id}/steps/features").text
    assert "bao-cao.pdf" in vendor_step and 'id="file-CF-01"' not in vendor_step and "files-remove" not in vendor_step


@pytest.fixture
def live_draft(tmp_path):
    """The app served by uvicorn on a fresh SQLite database with one vendor and a draft of its product."""
    import uvicorn

    url = f"sqlite:///{tmp_path / 'live.db'}"
    upgrade(url)
    app = create_app(
        Settings(
            database_url=url,
            jobs_worker=False,
            keys_dir=tmp_path / "keys",
            artifacts_dir=tmp_path / "artifacts",
            storage_dir=tmp_path / "storage",
        )
    )
    with app.state.sessions.begin() as session:
        org = Organisation(name="Công ty Tệp", kind="vendor")
        user = User(
            organisation=org,
            email="tep@example.vn",
            name="Người nộp",
            role="vendor",
            password_hash=hash_password(LIVE_PASSWORD),
            active=True,
        )
        product = Product(
            organisation=org,
            name="Bảo vệ trẻ em Tệp",
            product_type="filtering_app",
            url="https://tep.example.vn",
            platforms=["web"],
        )
        product.refresh_search_text()
        draft = Submission(product=product, revision=1, criteria_version=VERSION, answers={}, status="draft")
        session.add_all([org, user, product, draft])
        session.flush()
        draft_id = draft.id
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}", draft_id
    server.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


LIVE_PASSWORD = "mat-khau-tep-bang-chung-2025"


@pytest.mark.slow
def test_attaching_a_file_in_chromium_at_phone_width(live_draft, tmp_path):
    """A real browser at 375 px: the criterion's file input sends its own form (no JavaScript), the file is
    listed with its SHA-256, and the step page passes axe with no sideways scrolling."""
    from playwright.sync_api import expect, sync_playwright

    from checker.probes.runner import CHROMIUM_ARGS
    from tests.web.axe import violations

    app, base, draft_id = live_draft
    report = tmp_path / "Báo cáo kiểm thử.txt"
    report.write_text("Tỷ lệ chặn trang người lớn: 99,1%.\n", encoding="utf-8")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, chromium_sandbox=os.geteuid() != 0
        )
        try:
            context = chromium.new_context(
                locale="vi-VN", java_script_enabled=False, viewport={"width": 375, "height": 800}
            )
            context.set_default_timeout(15_000)
            page = context.new_page()
            page.goto(base + "/sign-in")
            page.get_by_label("Email").fill("tep@example.vn")
            page.get_by_label("Mật khẩu").fill(LIVE_PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.goto(f"{base}/dashboard/submissions/{draft_id}/steps/features")
            page.locator("#file-CF-01").set_input_files(str(report))
            page.locator("#files-CF-01").get_by_role("button", name="Đính kèm tệp").click()
            expect(page.get_by_text("Đã đính kèm tệp.")).to_be_visible()
            sha = hashlib.sha256(report.read_bytes()).hexdigest()
            expect(page.locator("#files-CF-01")).to_contain_text(sha)
            expect(page.locator("#files-CF-01")).to_contain_text("Báo cáo kiểm thử.txt")
            assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
            context.close()
            audit = chromium.new_context(locale="vi-VN", viewport={"width": 375, "height": 800})
            page = audit.new_page()
            page.goto(base + "/sign-in")
            page.get_by_label("Email").fill("tep@example.vn")
            page.get_by_label("Mật khẩu").fill(LIVE_PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.goto(f"{base}/dashboard/submissions/{draft_id}/steps/features")
            assert violations(page) == []
            audit.close()
        finally:
            chromium.close()
    with app.state.sessions() as session:
        [row] = session.scalars(sa.select(EvidenceFile).where(EvidenceFile.submission_id == draft_id)).all()
    assert (row.criterion_id, row.media_type, row.sha256) == ("CF-01", "text/plain", sha)
