"""The conformance report as a reader reads and prints it: one language per ?lang, the glossary's words for states
and outcomes, dates in Vietnam time with the zone named, answers as words and numbers (decimal comma in
Vietnamese), the summary before the details, A4 print rules, and a PDF of at most 15 pages headed by the
submission's or certificate's number and numbered "Trang x/y" / "Page x/y". The printable certificate too."""

from __future__ import annotations

import copy
import io
import re
import unicodedata
from datetime import UTC, datetime

import pytest

from reports.certificate import CertificateSheet, render_certificate_html
from reports.formats import render_report
from reports.html import render_html
from tests.test_reports import ANSWERS, make_report
from tests.web.conftest import text_of as _text_of

MAX_PAGES = 15


def text_of(html: str) -> str:
    """What a reader sees: the text of the document without its style sheet."""
    return _text_of(re.sub(r"<style>.*?</style>", " ", html, flags=re.S))


def answers() -> dict:
    """The example answers with a rate and a decimal number, so number formats show."""
    changed = copy.deepcopy(ANSWERS)
    changed["CF-01"]["value"]["block_rate"] = 0.955
    changed["PERF-02"]["value"]["median_load_ratio"] = 1.25
    return changed


@pytest.fixture(scope="module")
def report() -> dict:
    return make_report(answers=answers())


def section(html: str, start: str, end: str) -> str:
    return html[html.index(start) : html.index(end)]


def row_text(html: str, criterion_id: str) -> str:
    start = html.index(f'id="c-{criterion_id}"')
    return text_of(html[start : html.index("</tr>", start)])


def test_each_language_alone(report):
    vi, en = text_of(render_html(report, "vi")), text_of(render_html(report, "en"))
    # The glossary's conformance words and the submission status, in the reader's language only.
    assert "Không hỗ trợ" in vi and "Đã nộp" in vi
    for english in ("Does not support", "Supports", "Not applicable", "Submitted", "Conformance report", "Answer:"):
        assert english not in vi
    assert "Does not support" in en and "Submitted" in en
    for vietnamese in ("Không hỗ trợ", "Hỗ trợ", "Đã nộp", "Báo cáo mức độ phù hợp", "Câu trả lời"):
        assert vietnamese not in en
    # Never the machine words the report is built from.
    for raw in ("submitted", "passed", "cantTell", "true", "false", "2026-01-02T"):
        assert not re.search(rf"\b{raw}\b", vi) and not re.search(rf"\b{raw}\b", en), raw


def test_dates_in_vietnam_time_with_the_zone_named(report):
    # Submitted at 03:04 UTC on 2 January 2026: 10:04 in Vietnam.
    assert "Ngày nộp 2 tháng 1, 2026, 10:04 giờ Việt Nam (UTC+7)" in text_of(render_html(report, "vi"))
    assert "Submitted January 2, 2026, 10:04 Vietnam time (UTC+7)" in text_of(render_html(report, "en"))


def test_answers_are_words_and_numbers_in_the_readers_style(report):
    vi, en = render_html(report, "vi"), render_html(report, "en")
    assert "Tỷ lệ trang bị chặn: 95,5%" in row_text(vi, "CF-01")
    assert "Share of pages blocked: 95.5%" in row_text(en, "CF-01")
    assert "Số trang trong bộ thử: 1.000" in row_text(vi, "CF-01")
    assert "Number of pages tested: 1,000" in row_text(en, "CF-01")
    assert "1,25" in row_text(vi, "PERF-02") and "1.25" in row_text(en, "PERF-02")
    assert "Câu trả lời: Có" in row_text(vi, "DOC-01") and "Answer: Yes" in row_text(en, "DOC-01")
    # Choices in words, not their codes; no JSON anywhere in the answers.
    assert "Ứng dụng tạo mã (TOTP)" in row_text(vi, "SEC-05") and "totp_app" not in vi
    assert not re.search(r'[{]\s*"|": ', text_of(vi))
    # A probe's measurement by its name and as a percentage, its outcome in the glossary's word.
    cf03 = row_text(vi, "CF-03")
    assert "Tỷ lệ chặn — Bạo lực = 0%" in cf03 and "block_rate_violence" not in cf03
    assert "Kiểm tra tự động “Lọc nội dung qua sản phẩm”: Không đạt" in cf03


def test_summary_comes_before_the_details(report):
    html = render_html(report, "vi")
    summary = text_of(section(html, 'id="h-summary"', 'id="h-discrepancies"'))
    for expected in (
        "FunZone Kids",
        "Công ty TNHH FunZone",
        "vcsc-2025.1",
        "Mức đạt được: Chưa đạt mức nào",
        "Để đạt mức Cơ bản còn 4 tiêu chí",
        "SEC-01 HTTPS, HSTS",
    ):
        assert expected in summary, expected
    counts = text_of(section(html, 'id="outcome-counts"', "</table>"))
    found = report["summary"]
    expected = [f"{item['label']['vi']} {item['count']}" for item in found["conformance_counts"].values()]
    expected += [f"Số sai khác {found['discrepancy_count']}", f"Số kết quả kiểm tra tự động {found['finding_count']}"]
    assert counts.endswith(" ".join(expected))
    assert found["conformance_counts"]["failed"]["count"] > 0 and found["discrepancy_count"] > 0
    order = [
        html.index(marker)
        for marker in (
            'id="h-summary"',
            'id="level-summary"',
            'id="outcome-counts"',
            'id="h-discrepancies"',
            'id="h-filtering"',
            'id="h-criteria"',
        )
    ]
    assert order == sorted(order)
    assert html.index('id="c-DOC-01"') > html.index('id="h-criteria"')


def test_a4_print_rules_and_a_wide_notes_column(report):
    html = render_html(report, "en")
    assert "@page { size: A4; }" in html and "@media print" in html
    assert re.search(r"h1, h2, h3, caption \{ break-after: avoid;", html)
    assert re.search(r"tr, [^{]*\.card \{ break-inside: avoid;", html)
    notes = int(re.search(r"col\.c-notes \{ width: (\d+)%", html).group(1))
    assert notes >= 50


def test_the_pdf_link_is_on_screen_only(report):
    html = render_html(report, "vi", pdf_href="/dashboard/submissions/42/report.pdf?lang=vi")
    link = re.search(r'<p class="actions screen-only"><a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert link and link.group(1) == "/dashboard/submissions/42/report.pdf?lang=vi"
    assert link.group(2) == "Tải báo cáo dạng PDF (in khổ A4)"
    assert ".screen-only { display: none; }" in html
    assert "report.pdf" not in render_html(report, "vi")


def test_the_certificate_number_is_named_when_there_is_one(report):
    assert "Số chứng nhận VCSC-2025-000123" in text_of(render_html(report, "vi", certificate_id="VCSC-2025-000123"))


def pdf_pages(pdf: bytes) -> list[str]:
    from pypdf import PdfReader

    # Ligatures ("ﬁ") read as their letters; lines joined as the text runs on.
    return [
        " ".join(unicodedata.normalize("NFKC", page.extract_text()).split())
        for page in PdfReader(io.BytesIO(pdf)).pages
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    "lang, page_word, number", [("vi", "Trang", "Hồ sơ số 42, lần nộp 2"), ("en", "Page", "Submission 42, revision 2")]
)
def test_the_pdf_fits_and_numbers_its_pages(report, lang, page_word, number):
    pages = pdf_pages(render_report(report, "pdf", lang))
    assert 1 < len(pages) <= MAX_PAGES
    for i, text in enumerate(pages, start=1):
        assert f"{page_word} {i}/{len(pages)}" in text
        assert number in text  # the running header
    assert ("Tóm tắt" if lang == "vi" else "Summary") in pages[0]
    other = "Does not support" if lang == "vi" else "Không hỗ trợ"
    assert all(other not in text for text in pages)


@pytest.mark.slow
def test_the_pdf_heads_its_pages_with_the_certificate_number(report):
    pages = pdf_pages(render_report(report, "pdf", "vi", certificate_id="VCSC-2025-000123"))
    assert all("Chứng nhận VCSC-2025-000123" in text for text in pages) and "Trang 1/" in pages[0]


SHEET = CertificateSheet(
    id="VCSC-2025-000123",
    product_name="Bảo vệ trẻ em SafeKid",
    vendor="Công ty SafeKid",
    product_type_title={"vi": "Ứng dụng lọc nội dung", "en": "Content-filtering app"},
    level_title={"vi": "Cơ bản", "en": "Basic"},
    criteria_version="vcsc-2025.1",
    status="valid",
    issued_at=datetime(2026, 3, 4, 20, 0, tzinfo=UTC),
    valid_until=datetime(2027, 3, 4, 20, 0, tzinfo=UTC),
    verify_url="https://vcsc.example/certificates/VCSC-2025-000123",
)


def test_the_certificate_shows_what_a_reader_checks():
    vi = render_certificate_html(SHEET, "vi")
    text = text_of(vi)
    for expected in (
        "Giấy chứng nhận an toàn trẻ em trên mạng",
        "Bảo vệ trẻ em SafeKid",
        "Công ty SafeKid",
        "Mức chứng nhận: Cơ bản",
        "Số chứng nhận VCSC-2025-000123",
        "vcsc-2025.1",
        "Ngày cấp 5 tháng 3, 2026",
        "Hiệu lực đến 5 tháng 3, 2027",
        "Trạng thái Còn hiệu lực",
        "https://vcsc.example/certificates/VCSC-2025-000123",
    ):
        assert expected in text, expected
    assert re.search(r'<svg [^>]*class="segno"><title>Mã QR tới trang kiểm tra chứng nhận VCSC-2025-000123</title>', vi)
    assert "<script" not in vi
    en = text_of(render_certificate_html(SHEET, "en"))
    assert "Issued on March 5, 2026" in en and "Valid until March 5, 2027" in en and "Basic" in en
    assert "Giấy chứng nhận" not in en


@pytest.mark.slow
def test_the_certificate_prints_on_one_page():
    from reports.certificate import render_certificate_pdf

    pages = pdf_pages(render_certificate_pdf(SHEET, "vi"))
    assert len(pages) == 1
    assert "Bảo vệ trẻ em SafeKid" in pages[0] and "Trang 1/1" in pages[0]


@pytest.mark.slow
@pytest.mark.parametrize("width", [375, 1000])
def test_report_and_certificate_pass_axe_in_chromium(report, width):
    from playwright.sync_api import sync_playwright

    from checker.probes.runner import CHROMIUM_ARGS
    from checker.settings import CheckerSettings
    from tests.web.axe import violations

    documents = {
        "report": render_html(report, "vi", pdf_href="/dashboard/submissions/42/report.pdf?lang=vi"),
        "certificate": render_certificate_html(SHEET, "en"),
    }
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CheckerSettings().chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 800})
            for name, html in documents.items():
                page.set_content(html)
                assert violations(page) == [], name
                # Nothing but the wide tables scrolls sideways: the page itself fits the screen.
                overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, (name, overflow)
        finally:
            browser.close()
