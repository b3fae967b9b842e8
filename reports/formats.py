"""The conformance report in each of its formats (HTML, PDF, JSON, EARL JSON-LD): one dispatch that the API
and the pages share. Renders only; the report itself is `reports.conformance.build_report`'s."""
from __future__ import annotations

import json

from reports.conformance import report_json
from reports.earl import render_earl
from reports.html import render_html

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "earl": "application/ld+json",
    "pdf": "application/pdf",
}
EXTENSIONS = {"html": "html", "json": "json", "earl": "jsonld", "pdf": "pdf"}


def render_report(report: dict, format: str, lang: str = "vi", file_href: str | None = None,
                  chromium: str | None = None) -> bytes | str:
    """The report in `format` (one of MEDIA_TYPES); PDF is printed by the probes' Chromium (`chromium`: the
    settings' VCSC_CHROMIUM). `file_href`: where the reader downloads the evidence files (HTML and PDF link to
    them; see reports.html.render_html)."""
    if format == "json":
        return report_json(report)
    if format == "earl":
        return json.dumps(render_earl(report), ensure_ascii=False, indent=2)
    html = render_html(report, lang=lang, file_href=file_href)
    if format == "pdf":
        from reports.pdf import render_pdf  # starts a browser: only loaded when a PDF is asked for
        return render_pdf(html, chromium=chromium)
    return html


def report_filename(submission_id: int, revision: int, format: str) -> str:
    return f"vcsc-report-{submission_id}-r{revision}.{EXTENSIONS[format]}"
