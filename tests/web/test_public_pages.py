"""Public pages: diacritic-free search, the product page, certificate lookup, the criteria browser and
the badge snippets."""

from __future__ import annotations

import sqlalchemy as sa

from tests.web.conftest import text_of


def test_search_without_diacritics_finds_certified_products_only(catalogue, world):
    page = world.site.browser().get("/", params={"q": "bao ve tre em"})
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Bảo vệ trẻ em SafeKid" in text
    assert "chưa chứng nhận" not in text and "Gia Đình An Toàn DNS" not in text and "Thu hồi rồi" not in text
    assert "Có 1 sản phẩm khớp với “bao ve tre em”." in text
    as_the_form_sends_it = world.site.browser().get("/", params={"q": "bao ve tre em", "type": ""})
    assert as_the_form_sends_it.status_code == 200 and "Bảo vệ trẻ em SafeKid" in as_the_form_sends_it.text
    assert f'href="/products/{catalogue["safekid"].id}"' in page.text
    everything = text_of(world.site.browser().get("/").text)
    assert "Gia Đình An Toàn DNS" in everything and "Bảo vệ trẻ em SafeKid" in everything
    by_type = text_of(world.site.browser().get("/", params={"type": "dns_proxy_filter"}).text)
    assert "Gia Đình An Toàn DNS" in by_type and "SafeKid" not in by_type


def test_product_page_shows_certificate_and_results_by_group(catalogue, world):
    page = world.site.browser().get(f"/products/{catalogue['safekid'].id}")
    assert page.status_code == 200
    text = text_of(page.text)
    for expected in (
        "VCSC-2025-000123",
        "Còn hiệu lực",
        "vcsc-2025.1",
        "Nâng cao",
        "Công ty A",
        "Ứng dụng lọc nội dung",
        "Kết quả theo nhóm yêu cầu",
        "Tính năng",
        "Hiệu năng xử lý",
    ):
        assert expected in text, expected
    assert '<svg class="chart"' in page.text and "<table>" in page.text
    other = world.site.browser().get(f"/products/{catalogue['dns'].id}")
    assert other.status_code == 200 and "không gắn với một bản tự đánh giá" in other.text
    hidden = world.site.browser().get(f"/products/{catalogue['uncertified'].id}")
    assert hidden.status_code == 404 and "chưa chứng nhận" not in hidden.text
    assert world.site.browser().get("/products/abc").status_code == 404


def test_certificate_lookup(catalogue, world):
    browser = world.site.browser()
    form = browser.get("/certificates")
    assert form.status_code == 200 and '<label for="cert-id">' in form.text
    go = browser.get("/certificates", params={"id": " VCSC-2025-000123 "})
    assert go.status_code == 303 and go.headers["location"] == "/certificates/VCSC-2025-000123"
    valid = text_of(browser.get("/certificates/VCSC-2025-000123").text)
    assert "Chứng nhận này còn hiệu lực." in valid and "Bảo vệ trẻ em SafeKid" in valid
    revoked = text_of(browser.get(f"/certificates/{catalogue['revoked'].id}").text)
    assert "Chứng nhận này đã bị thu hồi." in revoked
    missing = browser.get("/certificates/VCSC-0000")
    assert missing.status_code == 404 and "Không có chứng nhận nào mang số VCSC-0000" in missing.text
    bad = browser.get("/certificates", params={"id": "<script>"})
    assert bad.status_code == 422 and "<script>" not in bad.text and "chỉ gồm chữ cái" in bad.text


def test_product_and_certificate_pages_share_the_public_cache_and_show_a_revocation_at_once(catalogue, world):
    """The pages read the registry as the API does (api.web.public._registry): what the API or a page has read is
    kept for both, so a page seen again sends no query to the read model; a revocation shows on every page at once."""
    app, browser, cert = world.site.app, world.site.browser(), catalogue["cert"]
    product, certificate = f"/products/{catalogue['safekid'].id}", f"/certificates/{cert.id}"
    paths = (product, certificate, f"/embed-badge?certificate={cert.id}")
    for path in (f"/public/products/{catalogue['dns'].id}", f"/public/certificates/{cert.id}"):
        assert world.api.request("GET", path).status_code == 200  # the API reads their blocks
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    sa.event.listen(app.state.engine, "before_cursor_execute", record)
    try:
        pages = [browser.get(path) for path in paths]
    finally:
        sa.event.remove(app.state.engine, "before_cursor_execute", record)
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert "Còn hiệu lực" in text_of(pages[0].text) and "Chứng nhận này còn hiệu lực." in text_of(pages[1].text)
    assert "Bảo vệ trẻ em SafeKid" in text_of(pages[1].text) and cert.id in pages[2].text
    assert sent and not [s for s in sent if "public_products" in s or "public_certificates" in s]  # from memory

    reviewer = world.site.browser("reviewer")
    revoke = reviewer.post(
        f"/dashboard/certificates/{cert.id}/status/revoke", {"reason": "Vi phạm nghiêm trọng"}, page="/dashboard"
    )
    assert revoke.status_code == 303
    gone = browser.get(product)
    assert gone.status_code == 404 and "SafeKid" not in text_of(gone.text)
    assert "Chứng nhận này đã bị thu hồi." in text_of(browser.get(certificate).text)
    assert "Bảo vệ trẻ em SafeKid" not in text_of(browser.get("/", params={"q": "safekid"}).text)


def test_criteria_browser_and_changes(world):
    browser = world.site.browser()
    index = text_of(browser.get("/criteria").text)
    assert "vcsc-2024.1" in index and "vcsc-2025.1" in index and "Đã công bố" in index
    version = browser.get("/criteria/vcsc-2025.1")
    text = text_of(version.text)
    for group in (
        "Tài liệu",
        "Tính năng",
        "Tuân thủ và đặc thù Việt Nam",
        "An toàn thông tin của sản phẩm",
        "Hiệu năng xử lý",
    ):
        assert f'{group}' in text
    assert "CF-01 Chặn nội dung người lớn" in text and "Bắt buộc" in text
    assert "Ghi kết quả trên cấu hình mặc định" in text  # help text
    assert "Tiêu chí đã ngừng áp dụng" in text and "AA-02" in text
    filtered = browser.get("/criteria/vcsc-2025.1", params={"type": "dns_proxy_filter"}).text
    assert 'id="CF-01"' in filtered and 'id="SD-05"' not in filtered
    changes = browser.get("/criteria/changes", params={"from": "vcsc-2024.1", "to": "vcsc-2025.1"})
    text = text_of(changes.text)
    assert "Thay đổi từ vcsc-2024.1 đến vcsc-2025.1" in text
    assert "Tiêu chí mới" in text and "AA-05" in text
    assert "Ngừng áp dụng" in text and "SD-04" in text
    assert "Đổi ngưỡng kiểm tra tự động" in text and "0.95" in text
    assert browser.get("/criteria/changes").status_code == 200  # defaults: the newest and what it supersedes
    assert browser.get("/criteria/vcsc-1999.1").status_code == 404


def test_embed_badge_snippets(catalogue, world):
    browser = world.site.browser()
    page = browser.get("/embed-badge", params={"certificate": "VCSC-2025-000123"})
    assert page.status_code == 200
    assert "http://testserver/badge/VCSC-2025-000123.svg" in page.text
    assert "http://testserver/certificates/VCSC-2025-000123" in page.text
    assert (
        "[![Chứng nhận VCSC mức Nâng cao, số VCSC-2025-000123](http://testserver/badge/VCSC-2025-000123.svg)]"
        in text_of(page.text)
    )
    assert 'role="img"' in page.text  # the preview, inline
    svg = browser.get("/badge/VCSC-2025-000123.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    unknown = browser.get("/embed-badge", params={"certificate": "KHONG-CO"})
    assert unknown.status_code == 404 and "Không có chứng nhận nào mang số KHONG-CO" in unknown.text
