"""The conformance report lists each criterion's evidence files: name, size (as each language writes numbers),
SHA-256, and a download link only when the renderer is told where files are served; in JSON, HTML and PDF."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from checker.assessment import checker_for
from checker.criteria import load_set
from checker.verdict import claims_from_evaluation, decisions_from_rows, verdict
from reports.conformance import build_report, inputs_from_run, report_json
from reports.formats import render_report
from reports.html import render_html
from tests.test_reports import ANSWERS, RUN, pdf_texts

SHA = hashlib.sha256(b"bao cao kiem thu").hexdigest()
FILES = [
    {
        "id": 7,
        "criterion_id": "CF-01",
        "name": 'bao-cao"><script>alert(1)</script>.pdf',
        "media_type": "application/pdf",
        "size": 1234567,
        "sha256": SHA,
        "created_at": "2026-01-02T03:04:05+00:00",
    }
]


def _report_with_files() -> dict:
    """build_report takes the files from the submission it is given, as api.domain.reporting passes them."""
    findings, measurements = inputs_from_run(RUN)
    claims = claims_from_evaluation(checker_for("vcsc-2025.1", "kid_browser").evaluate(ANSWERS).to_dict())
    found = verdict(load_set("vcsc-2025.1"), "kid_browser", claims, findings, decisions_from_rows({}))
    return build_report(
        product={"id": 11, "name": "FunZone Kids", "url": "https://funzone.example.vn"},
        vendor={"id": 3, "name": "Công ty TNHH FunZone"},
        submission={"id": 42, "revision": 2, "answers": ANSWERS, "status": "submitted", "evidence_files": FILES},
        verdict=found,
        probe_findings=findings,
        probe_measurements=measurements,
    )


def _row(report: dict, cid: str) -> dict:
    return next(r for g in report["groups"] for r in g["rows"] if r["criterion_id"] == cid)


def test_json_lists_each_criterions_files_with_their_hash():
    report = json.loads(report_json(_report_with_files()))
    assert _row(report, "CF-01")["files"] == [
        {"id": 7, "name": FILES[0]["name"], "media_type": "application/pdf", "size": 1234567, "sha256": SHA}
    ]
    assert _row(report, "CF-02")["files"] == []
    assert "storage_key" not in report_json(_report_with_files())


def test_html_lists_name_size_and_hash_in_the_readers_language():
    report = _report_with_files()
    vi = render_html(report, "vi")
    en = render_html(report, "en")
    assert SHA in vi and "1.234.567 byte" in vi
    assert "1,234,567 bytes" in en
    assert "<script>alert(1)</script>" not in vi  # the vendor's file name is text, never markup
    assert 'href="/dashboard' not in vi  # no links unless the reader may download
    linked = render_html(report, "vi", file_href="/dashboard/submissions/42/evidence-files/{id}")
    assert 'href="/dashboard/submissions/42/evidence-files/7" download' in linked


@pytest.mark.slow
def test_pdf_shows_the_hash():
    pdf = render_report(_report_with_files(), "pdf", "vi", file_href="https://vcsc.example/files/{id}")
    # The hash wraps (it breaks anywhere to fit the page): its pieces, read once each, make it up in order.
    pieces = list(dict.fromkeys(t for t in pdf_texts(pdf) if re.fullmatch(r"[0-9a-f]+", t)))
    assert SHA in "".join(pieces)
    assert b"https://vcsc.example/files/7" in pdf  # the link is kept in the PDF
