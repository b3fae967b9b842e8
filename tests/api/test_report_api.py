"""The conformance report over HTTP: formats, the latest probe findings, and who may read it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.core.models import ProbeArtifact, ProbeRun, utcnow

RUN = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "probe-run-funzone.json").read_text(encoding="utf-8")
)
VERSION = "vcsc-2025.1"


@pytest.fixture
def submitted(world):
    """A's submitted kid-browser self-assessment with a finished FunZone-like probe run stored."""
    api = world.api
    product = api.product(world.org_a, "Trình duyệt FunZone Kids", product_type="kid_browser")
    submission = api.submission(product, status="submitted", version=VERSION)
    run = ProbeRun(
        submission_id=submission.id,
        product_id=product.id,
        status="done",
        manifest={"product_type": "kid_browser"},
        criteria_version=VERSION,
        finished_at=utcnow(),
    )
    api.add(run)
    api.add(
        *[
            ProbeArtifact(
                run_id=run.id, probe_id=p["probe_id"], artifact={}, measurement=p["measurement"], findings=p["findings"]
            )
            for p in RUN["probes"]
        ]
    )
    return submission


def test_html_report_shows_discrepancies_from_the_stored_run(world, submitted):
    r = world.api.request("GET", f"/submissions/{submitted.id}/report", "vendor_a")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Trình duyệt FunZone Kids" in r.text and 'lang="vi"' in r.text
    assert "SEC-01" in r.text and "Không hỗ trợ" in r.text


def test_json_and_earl_reports(world, submitted):
    data = world.api.request("GET", f"/submissions/{submitted.id}/report?format=json", "reviewer").json()
    assert data["product"]["name"] == "Trình duyệt FunZone Kids"
    assert any(d["criterion_id"] == "SEC-01" for d in data["discrepancies"])
    earl = world.api.request("GET", f"/submissions/{submitted.id}/report?format=earl", "admin")
    assert earl.headers["content-type"].startswith("application/ld+json")
    doc = earl.json()
    assert isinstance(doc["@context"], dict)


def test_other_vendors_and_anonymous_cannot_read_the_report(world, submitted):
    assert world.api.request("GET", f"/submissions/{submitted.id}/report", "vendor_b").status_code == 404
    assert world.api.request("GET", f"/submissions/{submitted.id}/report").status_code == 401
    assert world.api.request("GET", f"/submissions/{submitted.id}/report?format=docx", "vendor_a").status_code == 422


@pytest.mark.slow
def test_pdf_report(world, submitted):
    r = world.api.request("GET", f"/submissions/{submitted.id}/report?format=pdf", "vendor_a")
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and len(r.content) > 5000
