"""The public product, history and criteria pages in Chromium at 375 px: nothing scrolls sideways, axe finds no
serious or critical violation, in Vietnamese and English; the criteria search works with the form alone."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from api.core.models import Certificate, ProbeArtifact, ProbeRun, utcnow
from tests.web.axe import violations
from tests.web.test_browser import browser, people, server  # noqa: F401  (the fixtures: a served demo, Chromium)

pytestmark = pytest.mark.slow
CATEGORIES = ("adult", "gambling", "violence", "self_harm", "drugs", "weapons", "dating", "proxy")


def _with_history(app) -> Certificate:
    """The demo's first valid certificate, its revision with three finished runs over every category, and a revoked
    certificate beside it."""
    now = utcnow()
    with app.state.sessions.begin() as session:
        cert = session.scalars(
            sa.select(Certificate)
            .where(Certificate.status == "valid", Certificate.submission_id.is_not(None))
            .order_by(Certificate.id)
        ).first()
        for days in (30, 12, 2):
            run = ProbeRun(
                submission_id=cert.submission_id,
                product_id=cert.product_id,
                status="done",
                purpose="monitoring",
                certificate_id=cert.id,
                manifest={
                    "product_type": "filtering_app",
                    "start_url": "https://x.example.vn",
                    "filtering": {"mode": "none"},
                },
                criteria_version=cert.criteria_version,
                finished_at=now - timedelta(days=days),
            )
            session.add(run)
            session.flush()
            session.add(
                ProbeArtifact(
                    run_id=run.id,
                    probe_id="content_filtering",
                    artifact={},
                    findings=[],
                    measurement={f"block_rate_{c}": 0.8 + i / 50 for i, c in enumerate(CATEGORIES)},
                )
            )
        session.add(
            Certificate(
                id="VCSC-2023-000999",
                product_id=cert.product_id,
                criteria_version=cert.criteria_version,
                level=cert.level,
                status="revoked",
                issued_at=now - timedelta(days=400),
                valid_until=now - timedelta(days=35),
                status_changed_at=now - timedelta(days=200),
                note="Thu hồi sau khi kiểm tra lại thấy bộ lọc không còn chặn trang cờ bạc",
            )
        )
        session.expunge(cert)
    return cert


def test_product_history_and_criteria_pages_fit_375_px_and_pass_axe(server, people):  # noqa: F811
    app, base = server
    cert = _with_history(app)
    page = people("phone")
    page.set_viewport_size({"width": 375, "height": 800})
    paths = [
        f"/products/{cert.product_id}",
        f"/products/{cert.product_id}/history",
        "/criteria/vcsc-2025.1",
        "/criteria/vcsc-2025.1?q=nguoi+lon",
        "/?sort=newest&level=basic",
    ]
    found, widths = {}, {}
    for path in paths:
        for lang in ("vi", "en"):
            joiner = "&" if "?" in path else "?"
            response = page.goto(f"{base}{path}{joiner}lang={lang}")
            assert response.status == 200, f"{path}: {response.status}"
            widths[f"{path} {lang}"] = page.evaluate("() => document.documentElement.scrollWidth")
            bad = violations(page)
            if bad:
                found[f"{path} {lang}"] = bad
    assert {k: w for k, w in widths.items() if w > 375} == {}
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)
    page.goto(f"{base}/products/{cert.product_id}/history?lang=vi")
    assert page.locator("svg.chart").count() == 1 and page.get_by_text("Đã thu hồi").count() >= 1


def test_criteria_search_with_the_form(server, people):  # noqa: F811
    _, base = server
    page = people("searcher")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{base}/criteria/vcsc-2025.1?lang=vi")
    page.get_by_role("link", name="Tính năng").first.click()  # the contents jump to the group
    assert "#g-" in page.url
    page.get_by_label("Tìm trong bộ tiêu chí").fill("cf-01")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page).to_have_url(re.compile(r"q=cf-01"))
    expect(page.locator("article.criterion")).to_have_count(1)
    expect(page.locator("#CF-01")).to_be_visible()
