"""Editing and deleting a product on the pages (and the same rules over the API): errors by field, the type kept
once assessed, deletion only while nothing but drafts depends on the product, each reason named, audit events."""

from __future__ import annotations

import sqlalchemy as sa

from api.core.models import AuditEvent, ProbeRun, Product, Submission
from tests.web.conftest import approved, text_of
from tests.web.test_vendor_pages import VERSION, field_block


def _actions(world, product_id: int) -> list[str]:
    with world.api.sessions() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.object_type == "product", AuditEvent.object_id == str(product_id))
                .order_by(AuditEvent.id)
            )
        )


def test_edit_shows_errors_by_field_then_saves_and_records_it(world):
    browser = world.site.browser("vendor_a")
    product = world.product_a
    edit = f"/dashboard/products/{product.id}/edit"
    page = browser.get(edit)
    assert page.status_code == 200 and 'value="Bảo vệ trẻ em A"' in page.text
    bad = browser.post(edit, [("name", " "), ("product_type", "kid_browser"), ("url", "ftp://x")], page=edit)
    assert bad.status_code == 422
    assert "Không được để trống" in field_block(bad.text, "f-name")
    assert "http:// hoặc https://" in field_block(bad.text, "f-url")
    assert "Hãy chọn ít nhất một mục." in field_block(bad.text, "f-platforms")
    assert 'value="ftp://x"' in bad.text
    good = browser.post(
        edit,
        [
            ("name", "Bảo vệ trẻ em A Plus"),
            ("product_type", "kid_browser"),
            ("url", "https://a-plus.example.vn"),
            ("platforms", "ios"),
            ("description", " Trình duyệt an toàn cho trẻ 6–12 tuổi. "),
        ],
        page=edit,
    )
    assert good.status_code == 303 and good.headers["location"].endswith("?done=product_updated")
    shown = text_of(browser.get(good.headers["location"]).text)
    assert (
        "Đã lưu thông tin sản phẩm." in shown
        and "Bảo vệ trẻ em A Plus" in shown
        and "https://a-plus.example.vn" in shown
    )
    assert "Mô tả sản phẩm (tuỳ chọn) Trình duyệt an toàn cho trẻ 6–12 tuổi." in shown
    with world.api.sessions() as session:
        row = session.get(Product, product.id)
        assert (row.name, row.product_type, row.platforms) == ("Bảo vệ trẻ em A Plus", "kid_browser", ["ios"])
        assert row.description == "Trình duyệt an toàn cho trẻ 6–12 tuổi."
    assert _actions(world, product.id)[-1] == "product.updated"


def test_the_type_of_an_assessed_product_stays(world):
    browser = world.site.browser("vendor_a")
    product = world.product_a
    world.api.submission(product, version=VERSION)
    edit = f"/dashboard/products/{product.id}/edit"
    page = browser.get(edit)
    assert "không đổi được loại" in field_block(page.text, "f-product_type")
    refused = browser.post(
        edit,
        [
            ("name", "Tên mới"),
            ("product_type", "kid_browser"),
            ("url", "https://san-pham.example.vn"),
            ("platforms", "android"),
        ],
        page=edit,
    )
    assert refused.status_code == 409
    assert "Không thể đổi loại sản phẩm đã có bản tự đánh giá" in field_block(refused.text, "f-product_type")
    with world.api.sessions() as session:
        assert session.get(Product, product.id).name == "Bảo vệ trẻ em A"  # nothing half-saved


def test_another_vendor_and_reviewers_cannot_edit_or_delete(world):
    product = world.product_a
    for path in (f"/dashboard/products/{product.id}/edit",):
        assert world.site.browser("vendor_b").get(path).status_code == 404
        assert world.site.browser("reviewer").get(path).status_code == 403
    other = world.site.browser("vendor_b")
    refused = other.post(f"/dashboard/products/{product.id}/delete", {"confirm": "yes"}, page="/dashboard")
    assert refused.status_code == 404
    with world.api.sessions() as session:
        assert session.get(Product, product.id) is not None


def test_a_product_with_only_drafts_is_deleted_after_confirmation(world):
    browser = world.site.browser("vendor_a")
    product = world.product_a
    draft = world.api.submission(product, version=VERSION)
    page = f"/dashboard/products/{product.id}"
    assert f'action="/dashboard/products/{product.id}/delete"' in browser.get(page).text
    unconfirmed = browser.post(f"{page}/delete", {}, page=page)
    assert unconfirmed.status_code == 422 and "Hãy đánh dấu ô xác nhận" in unconfirmed.text
    deleted = browser.post(f"{page}/delete", {"confirm": "yes"}, page=page)
    assert deleted.status_code == 303 and deleted.headers["location"] == "/dashboard?done=product_deleted"
    with world.api.sessions() as session:
        assert session.get(Product, product.id) is None and session.get(Submission, draft.id) is None
    assert _actions(world, product.id)[-1] == "product.deleted"
    assert browser.get(page).status_code == 404


def test_deletion_is_refused_with_each_reason(world):
    browser = world.site.browser("vendor_a")
    product = world.product_a
    cert = approved(world, product)
    world.api.submission(product, version=VERSION)  # a new draft does not matter
    with world.api.sessions.begin() as session:
        session.add(
            ProbeRun(
                submission_id=session.scalar(
                    sa.select(Submission.id).where(Submission.product_id == product.id, Submission.status == "draft")
                ),
                product_id=product.id,
                status="running",
                manifest={"product_type": "filtering_app", "filtering": {"mode": "none"}},
                criteria_version=VERSION,
            )
        )
    page = f"/dashboard/products/{product.id}"
    shown = text_of(browser.get(page).text)
    assert "Không xoá được sản phẩm này, vì:" in shown and f"đã có chứng nhận {cert.id}" in shown
    assert "bản tự đánh giá lần 1" in shown and "chưa xong" in shown
    refused = browser.post(f"{page}/delete", {"confirm": "yes"}, page=page)
    assert refused.status_code == 409 and "Không xoá được sản phẩm vì" in text_of(refused.text)
    en = text_of(browser.get(page + "?lang=en").text)
    assert f"certificate {cert.id} was issued for it" in en and "has not finished" in en
    world.api.login(world.site.people["vendor_a"], "vendor_a")
    api = world.api.request("DELETE", f"/products/{product.id}", "vendor_a")
    assert api.status_code == 409
    assert [r["en"] for r in api.json()["reasons"]][:1] == ["self-assessment revision 1 is “approved”, beyond draft"]
    with world.api.sessions() as session:
        assert session.get(Product, product.id) is not None
    assert "product.deleted" not in _actions(world, product.id)
