"""Public pages beyond plain search: counts with plurals in both languages, filters and sort, the "did you mean"
link, certificate numbers in any case, the criteria page's contents and search, and a product's public history
(certificates with a revocation, certified revisions, probe runs as a chart) without anything vendor-private."""

from __future__ import annotations

from datetime import timedelta

from api.core.models import Certificate, ProbeArtifact, ProbeRun, Submission, utcnow
from checker.glossary import words
from tests.web.conftest import text_of

APPROVED = words("submission_status")["approved"]["vi"]


def _english(browser):
    browser.get("/lang/en")
    return browser


def test_counts_say_product_or_products_in_both_languages(catalogue, world):
    vi = world.site.browser()
    assert "Có 1 sản phẩm khớp với “safekid”." in text_of(vi.get("/", params={"q": "safekid"}).text)
    assert "Có 2 sản phẩm được chứng nhận." in text_of(vi.get("/").text)
    en = _english(world.site.browser())
    assert "1 product matches “safekid”." in text_of(en.get("/", params={"q": "safekid"}).text)
    assert "2 certified products." in text_of(en.get("/").text)
    one = text_of(en.get("/", params={"type": "dns_proxy_filter"}).text)
    assert "1 certified product." in one and "1 certified products" not in one


def test_typo_gives_a_did_you_mean_link_and_filters_keep(catalogue, world):
    page = world.site.browser().get("/", params={"q": "safekit", "type": "filtering_app", "sort": "name"})
    text = text_of(page.text)
    assert "Có phải bạn muốn tìm: safekid" in text and "Bảo vệ trẻ em SafeKid" in text
    assert 'href="/?q=safekid&amp;type=filtering_app&amp;sort=name"' in page.text
    leveled = text_of(world.site.browser().get("/", params={"level": "advanced"}).text)
    assert "Bảo vệ trẻ em SafeKid" in leveled and "Gia Đình An Toàn DNS" not in leveled  # DNS is at basic
    csv_link = world.site.browser().get("/", params={"level": "advanced"}).text
    assert 'href="/api/v1/public/products.csv?level=advanced"' in csv_link
    assert world.site.browser().get("/", params={"sort": "cheapest"}).status_code == 400  # as other bad filters


def test_certificate_number_in_lower_case_and_with_spaces(catalogue, world):
    browser = world.site.browser()
    go = browser.get("/certificates", params={"id": "  vcsc-2025-000123 "})
    assert go.status_code == 303
    found = browser.get(go.headers["location"])
    assert found.status_code == 200 and "Chứng nhận này còn hiệu lực." in text_of(found.text)


def test_criteria_page_has_contents_and_search_without_javascript(world):
    browser = world.site.browser()
    page = browser.get("/criteria/vcsc-2025.1")
    assert 'aria-labelledby="toc-title"' in page.text and 'href="#g-' in page.text
    found = browser.get("/criteria/vcsc-2025.1", params={"q": "nguoi lon"})  # without diacritics
    assert 'id="CF-01"' in found.text and 'id="SD-05"' not in found.text
    by_id = browser.get("/criteria/vcsc-2025.1", params={"q": "cf-01", "type": ""})  # as the form sends it
    assert 'id="CF-01"' in by_id.text and "Đang hiện 1 tiêu chí." in text_of(by_id.text)
    nothing = browser.get("/criteria/vcsc-2025.1", params={"q": "zzzzqqq"})
    assert "Đang hiện 0 tiêu chí." in text_of(nothing.text) and 'class="criterion"' not in nothing.text


def _history_world(world, catalogue):
    """SafeKid: its certified revision with two finished runs (block rates), a later revision that was rejected
    with a run of its own, and an older certificate that was revoked."""
    api, safekid = world.api, catalogue["safekid"]
    rejected = api.submission(safekid, "submitted", version="vcsc-2025.1")
    old = api.certificate(safekid, "revoked", cert_id="VCSC-2024-000050", version="vcsc-2025.1")
    now = utcnow()
    with api.sessions.begin() as session:
        cert = session.get(Certificate, "VCSC-2025-000123")
        certified = session.get(Submission, cert.submission_id)
        certified.decided_at, certified.status = now - timedelta(days=3), "approved"
        session.get(Submission, rejected.id).status = "rejected"
        revoked = session.get(Certificate, old.id)
        revoked.status_changed_at, revoked.note = now - timedelta(days=40), "Thu hồi vì vi phạm"
        revoked.status_reason = "BÍ MẬT NỘI BỘ"
        for submission_id, days, rate in ((certified.id, 20, 0.9), (certified.id, 5, 0.97), (rejected.id, 1, 0.11)):
            run = ProbeRun(
                submission_id=submission_id,
                product_id=safekid.id,
                status="done",
                purpose="assessment",
                manifest={
                    "product_type": "filtering_app",
                    "start_url": "https://bi-mat.example.vn",
                    "filtering": {"mode": "none"},
                },
                criteria_version="vcsc-2025.1",
                finished_at=now - timedelta(days=days),
            )
            session.add(run)
            session.flush()
            session.add(
                ProbeArtifact(
                    run_id=run.id,
                    probe_id="content_filtering",
                    artifact={},
                    measurement={"block_rate_adult": rate, "block_rate_gambling": rate / 2},
                    findings=[],
                )
            )
    return old


def test_history_shows_certificates_revocation_revisions_and_runs(catalogue, world):
    old = _history_world(world, catalogue)
    safekid = catalogue["safekid"]
    product = world.site.browser().get(f"/products/{safekid.id}")
    assert f'href="/products/{safekid.id}/history"' in product.text
    page = world.site.browser().get(f"/products/{safekid.id}/history")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Lịch sử chứng nhận: Bảo vệ trẻ em SafeKid" in text
    assert "VCSC-2025-000123" in text and old.id in text and "Đã thu hồi" in text and "Còn hiệu lực" in text
    assert "Thu hồi vì vi phạm" in text and "BÍ MẬT NỘI BỘ" not in text  # the public note, not the reason
    assert "Đổi trạng thái ngày" in text
    assert f"{APPROVED} — Nâng cao" in text
    # The certified revision's two runs, as a chart and a table; the rejected revision's run is not public.
    assert page.text.count('<svg class="chart"') == 1
    assert "90%" in text and "97%" in text and "11%" not in text and "48,5%" in text and "Người lớn" in text
    assert "bi-mat.example.vn" not in page.text
    # Only revisions that led to a certificate: one row.
    assert page.text.count('<th scope="row">1</th>') == 1 and '<th scope="row">2</th>' not in page.text
    en = _english(world.site.browser()).get(f"/products/{safekid.id}/history")
    assert "Certification history: Bảo vệ trẻ em SafeKid" in text_of(en.text) and "Revoked" in text_of(en.text)


def test_history_of_a_revoked_product_and_of_unlisted_ones(catalogue, world):
    revoked = catalogue["revoked"]
    with world.api.sessions() as session:
        product_id = session.get(Certificate, revoked.id).product_id
    page = world.site.browser().get(f"/products/{product_id}/history")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Thu hồi rồi" in text and "Đã thu hồi" in text and revoked.id in text
    assert f'href="/products/{product_id}"' not in page.text  # no product page: nothing valid
    certificate = world.site.browser().get(f"/certificates/{revoked.id}")
    assert f'href="/products/{product_id}/history"' in certificate.text
    assert world.site.browser().get(f"/products/{catalogue['uncertified'].id}/history").status_code == 404
    assert world.site.browser().get("/products/999999/history").status_code == 404
