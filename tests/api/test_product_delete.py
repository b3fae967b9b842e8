"""DELETE /products/{id} and PATCH /products/{id} on both databases: drafts go with the product; anything beyond
draft, a certificate or an unfinished probe run keeps it, each reason named; the type stays once assessed."""

from __future__ import annotations

import sqlalchemy as sa

from api.core.models import AuditEvent, ProbeRun, Product, Submission

VERSION = "vcsc-2025.1"


def test_a_product_with_only_drafts_is_deleted_with_them(world):
    api = world.api
    api.submission(world.product_a, version=VERSION)
    assert api.request("DELETE", f"/products/{world.product_a.id}", "vendor_b").status_code == 404
    assert api.request("DELETE", f"/products/{world.product_a.id}", "reviewer").status_code == 403
    assert api.request("DELETE", f"/products/{world.product_a.id}", "vendor_a").status_code == 204
    assert api.count(Product) == 1 and api.count(Submission) == 0
    with api.sessions() as session:
        assert (
            session.scalar(
                sa.select(AuditEvent.action)
                .where(AuditEvent.object_type == "product", AuditEvent.object_id == str(world.product_a.id))
                .order_by(AuditEvent.id.desc())
                .limit(1)
            )
            == "product.deleted"
        )


def test_deletion_names_every_reason_it_is_refused(world):
    api = world.api
    product = world.product_a
    api.submission(product, "withdrawn", version=VERSION)
    draft = api.submission(product, version=VERSION)
    cert = api.certificate(product)
    with api.sessions.begin() as session:
        session.add(
            ProbeRun(
                submission_id=draft.id,
                product_id=product.id,
                status="queued",
                criteria_version=VERSION,
                manifest={"product_type": "filtering_app", "filtering": {"mode": "none"}},
            )
        )
    refused = api.request("DELETE", f"/products/{product.id}", "vendor_a")
    assert refused.status_code == 409
    reasons = [r["en"] for r in refused.json()["reasons"]]
    assert reasons[0] == "self-assessment revision 1 is “withdrawn”, beyond draft"
    assert f"certificate {cert.id} was issued for it" in reasons and any("has not finished" in r for r in reasons)
    assert api.count(Product) == 2 and api.count(Submission) == 2


def test_the_type_stays_once_a_self_assessment_exists(world):
    api = world.api
    path = f"/products/{world.product_a.id}"
    assert api.request("PATCH", path, "vendor_a", json={"product_type": "kid_browser"}).status_code == 200
    api.submission(world.product_a, version=VERSION)
    refused = api.request("PATCH", path, "vendor_a", json={"product_type": "filtering_app", "name": "Khác"})
    assert refused.status_code == 409
    assert api.request("GET", path, "vendor_a").json()["name"] == "Bảo vệ trẻ em A"  # nothing half-saved
    renamed = api.request("PATCH", path, "vendor_a", json={"name": "Khác", "description": "Lọc web cho trẻ."})
    assert renamed.status_code == 200 and renamed.json()["product_type"] == "kid_browser"
    assert renamed.json()["description"] == "Lọc web cho trẻ."
    too_long = api.request("PATCH", path, "vendor_a", json={"description": "x" * 2001})
    assert too_long.status_code == 422 and "/description" in too_long.text


def test_a_new_product_may_have_a_description(world):
    api = world.api
    body = {
        "name": "Bé Ngoan",
        "product_type": "kid_browser",
        "url": "https://be-ngoan.example.vn",
        "platforms": ["android"],
        "description": "Trình duyệt cho trẻ.",
    }
    created = api.request("POST", "/products", "vendor_a", json=body)
    assert created.status_code == 201 and created.json()["description"] == "Trình duyệt cho trẻ."
    plain = api.request("POST", "/products", "vendor_a", json={**body, "name": "Không mô tả", "description": None})
    assert plain.status_code == 422
    del body["description"]
    assert api.request("POST", "/products", "vendor_a", json={**body, "name": "Bé Ngoan 2"}).json()["description"] == ""
