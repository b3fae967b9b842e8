"""The conformance report in each of its formats (HTML, PDF, JSON, EARL JSON-LD): one dispatch that the API
and the pages share. Renders only; the report itself is `reports.conformance.build_report`'s."""

from __future__ import annotations

import json

from reports.conformance import report_json
from reports.earl import render_earl
from reports.html import LABELS, render_html, running_header

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "earl": "application/ld+json",
    "pdf": "application/pdf",
}
EXTENSIONS = {"html": "html", "json": "json", "earl": "jsonld", "pdf": "pdf"}


def render_report(
    report: dict,
    format: str,
    lang: str = "vi",
    file_href: str | None = None,
    chromium: str | None = None,
    *,
    pdf_href: str | None = None,
    certificate_id: str | None = None,
) -> bytes | str:
    """The report in `format` (one of MEDIA_TYPES) and one language; PDF is printed by the probes' Chromium
    (`chromium`: the settings' VCSC_CHROMIUM) for A4, each page headed by the certificate's number (or the
    submission's) and numbered "Trang x/y" / "Page x/y". `file_href`: where the reader downloads the evidence files
    (HTML and PDF link to them; see reports.html.render_html); `pdf_href`: the HTML's link to its PDF."""
    if format == "json":
        return report_json(report)
    if format == "earl":
        return json.dumps(render_earl(report), ensure_ascii=False, indent=2)
    html = render_html(
        report,
        lang=lang,
        file_href=file_href,
        certificate_id=certificate_id,
        pdf_href=None if format == "pdf" else pdf_href,
    )
    if format == "pdf":
        from reports.pdf import render_pdf  # starts a browser: only loaded when a PDF is asked for

        return render_pdf(
            html, chromium=chromium, header=running_header(report, lang, certificate_id), page_word=LABELS["page"][lang]
        )
    return html


def report_filename(submission_id: int, revision: int, format: str) -> str:
    return f"vcsc-report-{submission_id}-r{revision}.{EXTENSIONS[format]}"
