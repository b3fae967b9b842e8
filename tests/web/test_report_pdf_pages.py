"""The conformance report's PDF (/dashboard/submissions/{id}/report.pdf) and the printable certificate
(/dashboard/certificates/{id}/certificate.pdf) over HTTP: links from the pages, one language per ?lang, the
running header and page numbers, at most 15 pages for the demo data, and the same access as the rest of the
dashboard (vendors their own organisation's, the club's staff all, others 404, anonymous sent to sign in)."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest

from api.cli.demo import seed
from api.core.models import Certificate, Submission
from tests.web.conftest import Browser, approved, in_review, text_of

MAX_PAGES = 15
DEMO_VENDOR = ("an@safekid.example", "demo-safekid-2025")


def pages_of(response) -> list[str]:
    from pypdf import PdfReader

    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    # Ligatures ("ﬁ") read as their letters; lines joined as the text runs on.
    return [
        " ".join(unicodedata.normalize("NFKC", page.extract_text()).split())
        for page in PdfReader(io.BytesIO(response.content)).pages
    ]


def visible(html: str) -> str:
    return text_of(re.sub(r"<style>.*?</style>", " ", html, flags=re.S))


def test_the_report_page_is_in_one_language_and_links_its_pdf(world):
    submission = in_review(world)
    vendor = world.site.browser("vendor_a")
    base = f"/dashboard/submissions/{submission.id}"
    vi = vendor.get(f"{base}/report?lang=vi")
    assert vi.status_code == 200
    assert f'href="{base}/report.pdf?lang=vi"' in vi.text
    text = visible(vi.text)
    assert "Đang thẩm định" in text and "Không hỗ trợ" in text and "giờ Việt Nam (UTC+7)" in text
    assert "Does not support" not in text and "in_review" not in text
    en = vendor.get(f"{base}/report?lang=en")
    assert f'href="{base}/report.pdf?lang=en"' in en.text
    text = visible(en.text)
    assert "In review" in text and "Vietnam time (UTC+7)" in text and "Không hỗ trợ" not in text
    # The submission page and the reviewer's page link the PDF too.
    page = vendor.get(base)
    assert f'href="{base}/report.pdf?lang=vi"' in page.text and f'href="{base}/report.pdf?lang=en"' in page.text
    review = world.site.browser("reviewer").get(f"/review/submissions/{submission.id}?lang=en")
    assert review.status_code == 200 and f'href="{base}/report.pdf?lang=en"' in review.text


def test_other_vendors_get_404_and_anonymous_readers_are_sent_to_sign_in(world):
    submission = in_review(world)
    cert = approved(world)
    for path in (
        f"/dashboard/submissions/{submission.id}/report.pdf?lang=vi",
        f"/dashboard/certificates/{cert.id}/certificate.pdf?lang=en",
    ):
        refused = world.site.browser("vendor_b").get(path)
        assert refused.status_code == 404 and refused.headers["content-type"].startswith("text/html")
        assert "Bảo vệ trẻ em A" not in refused.text
        anonymous = Browser(world.site.app).get(path)
        assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/sign-in?next=")


@pytest.mark.slow
def test_the_report_pdf_in_each_language_for_its_readers(world):
    submission = in_review(world)
    path = f"/dashboard/submissions/{submission.id}/report.pdf"
    vendor = world.site.browser("vendor_a")
    vi = pages_of(vendor.get(f"{path}?lang=vi"))
    assert 1 <= len(vi) <= MAX_PAGES
    assert f"Trang 1/{len(vi)}" in vi[0] and f"Hồ sơ số {submission.id}, lần nộp 1" in vi[0]
    assert "Bảo vệ trẻ em A" in vi[0] and "Đang thẩm định" in vi[0]
    assert not any("Does not support" in text for text in vi)
    en = pages_of(world.site.browser("reviewer").get(f"{path}?lang=en"))
    assert f"Page 1/{len(en)}" in en[0] and "In review" in en[0]
    assert not any("Không hỗ trợ" in text for text in en)


@pytest.mark.slow
def test_the_demo_reports_fit_in_fifteen_pages(site):
    with site.app.state.sessions.begin() as session:
        seed(session, site.app.state.settings)
    with site.app.state.sessions() as session:
        submissions = [(s.id, s.status) for s in session.query(Submission).order_by(Submission.id)]
        certified = {c.submission_id: c.id for c in session.query(Certificate)}
    assert submissions
    vendor = Browser(site.app)
    vendor.sign_in(*DEMO_VENDOR)
    staff = Browser(site.app)
    staff.sign_in("reviewer@vcsc.example", "demo-reviewer-2025")
    for submission_id, _ in submissions:
        for lang, word in (("vi", "Trang"), ("en", "Page")):
            pages = pages_of(staff.get(f"/dashboard/submissions/{submission_id}/report.pdf?lang={lang}"))
            assert len(pages) <= MAX_PAGES, (submission_id, lang, len(pages))
            assert f"{word} 1/{len(pages)}" in pages[0]
            if submission_id in certified:  # the running header names the certificate once there is one
                assert all(certified[submission_id] in text for text in pages)
    own = pages_of(vendor.get(f"/dashboard/submissions/{submissions[0][0]}/report.pdf?lang=vi"))
    assert "Trang 1/" in own[0]


@pytest.mark.slow
def test_the_printable_certificate_for_its_holder_and_the_club(world):
    cert = approved(world)
    other = approved(world, world.product_b)
    vendor = world.site.browser("vendor_a")
    page = vendor.get(f"/dashboard/certificates/{cert.id}")
    path = f"/dashboard/certificates/{cert.id}/certificate.pdf"
    assert f'href="{path}?lang=vi"' in page.text and f'href="{path}?lang=en"' in page.text
    vi = pages_of(vendor.get(f"{path}?lang=vi"))
    assert len(vi) == 1
    text = vi[0]
    public = world.site.app.state.settings.base_url  # the configured public address, as the badge's
    for expected in (
        "Giấy chứng nhận an toàn trẻ em trên mạng",
        "Bảo vệ trẻ em A",
        "Công ty A",
        cert.id,
        "Còn hiệu lực",
        "vcsc-2025.1",
        f"{public}/certificates/{cert.id}",
    ):
        assert expected in text, expected
    en = pages_of(world.site.browser("reviewer").get(f"{path}?lang=en"))
    assert "Child online safety certificate" in en[0] and "Valid" in en[0] and "Giấy chứng nhận" not in en[0]
    assert world.site.browser("admin").get(f"{path}?lang=vi").status_code == 200
    # Another vendor's certificate reads as missing; without a session, sign in first.
    refused = vendor.get(f"/dashboard/certificates/{other.id}/certificate.pdf?lang=vi")
    assert refused.status_code == 404 and "Lá chắn gia đình B" not in refused.text
