"""The public registry's search index and read model (migration 0006), on SQLite and PostgreSQL: diacritics and
đ both ways, typos, ranking, totals and pages, and every change (product created, renamed, deleted; vendor renamed;
certificate issued, suspended, revoked, reinstated, expired by date) visible in the very next read."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from api.core.db import make_engine, upgrade
from api.core.models import Certificate, Product, UTCDateTime, utcnow
from api.http import present
from api.routes import public as public_routes


def search(api, q=None, **params):
    response = api.request("GET", "/public/products", params={**({"q": q} if q is not None else {}), **params})
    assert response.status_code == 200, response.text
    return response.json()


def names(api, q=None, **params) -> list[str]:
    return [item["name"] for item in search(api, q, **params)["items"]]


def in_index(api, product_id: int) -> bool:
    """Whether the search index itself (not the read model's filters) holds the product."""
    with api.sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            return bool(
                session.scalar(sa.text("SELECT count(*) FROM product_search WHERE rowid = :id"), {"id": product_id})
            )
        return bool(
            session.scalar(
                sa.text("SELECT count(*) FROM public_products WHERE product_id = :id AND search_vector IS NOT NULL"),
                {"id": product_id},
            )
        )


def certified(api, org, name, product_type="filtering_app", **cert):
    product = api.product(org, name, product_type=product_type)
    return product, api.certificate(product, **cert)


def test_diacritics_either_way_and_d_with_stroke(world):
    api = world.api
    certified(api, world.org_a, "Bảo vệ Trẻ em Đồng Hành")
    certified(api, world.org_b, "Bao ve tre em Dong Xanh")  # typed without diacritics by its vendor
    both = sorted(["Bảo vệ Trẻ em Đồng Hành", "Bao ve tre em Dong Xanh"])
    assert sorted(names(api, "bao ve tre em")) == both
    assert sorted(names(api, "bảo vệ trẻ em")) == both
    assert sorted(names(api, "BẢO VỆ TRẺ EM")) == both
    # đ/Đ is a letter of its own (no combining mark): folded to d on both sides.
    assert names(api, "đồng hành") == ["Bảo vệ Trẻ em Đồng Hành"]
    assert names(api, "dong hanh") == ["Bảo vệ Trẻ em Đồng Hành"]
    assert names(api, "Đông xanh") == ["Bao ve tre em Dong Xanh"]
    assert names(api, "dong") == sorted(both)  # the last word is a prefix too
    assert names(api, "đ") == sorted(both)


def test_phrase_first_then_any_order(world):
    api = world.api
    certified(api, world.org_a, "Lá chắn Gia đình")
    certified(api, world.org_a, "Gia đình Lá chắn")
    assert names(api, "la chan gia dinh") == ["Lá chắn Gia đình"]  # the phrase, when it matches
    # A word no product has: nothing exact; what typo tolerance may still find (pg_trgm's similarity of the whole
    # query, on PostgreSQL) is marked as the answer to another query.
    near = search(api, "la chan gia dinh xyz")
    assert near["items"] == [] or near["suggestion"] is not None
    certified(api, world.org_a, "Gia đình Xanh Lá chắn")
    assert names(api, "xanh gia dinh") == ["Gia đình Xanh Lá chắn"]  # no phrase: every word, any order


@pytest.mark.parametrize("typo", ["bao ve tre emm", "bao xe tre em", "bao ve tre mem", "bao ve ter em"])
def test_a_one_letter_typo_still_finds_the_product(world, typo):
    api = world.api
    certified(api, world.org_a, "Bảo vệ trẻ em SafeKid")
    certified(api, world.org_b, "Lá chắn gia đình")
    found = search(api, typo)
    assert [i["name"] for i in found["items"]] == ["Bảo vệ trẻ em SafeKid"] and found["total"] == 1
    assert found["suggestion"] is not None and "bao ve tre em" in found["suggestion"]
    exact = search(api, "bao ve tre em")
    assert exact["suggestion"] is None and exact["total"] == 1


def test_nonsense_finds_nothing(world):
    api = world.api
    certified(api, world.org_a, "Bảo vệ trẻ em SafeKid")
    certified(api, world.org_b, "Lá chắn gia đình")
    assert search(api, "qqqqzzzz xxxkkk") == {"items": [], "total": 0, "page": 1, "per_page": 20, "suggestion": None}
    # Every word is known, only no product has them all: nothing, and nothing to correct (on both back ends).
    assert search(api, "safekid gia dinh") == {"items": [], "total": 0, "page": 1, "per_page": 20, "suggestion": None}


def test_ranking_name_then_vendor_then_description(world):
    api = world.api
    dns_vendor = api.org("DNS Việt Nam")
    certified(api, world.org_a, "Mắt Thần DNS")  # in the name
    certified(api, world.org_a, "Bộ lọc DNS Sạch")  # in the name
    certified(api, dns_vendor, "Cánh Diều")  # in the vendor's name
    certified(api, world.org_b, "Hoa Sen", product_type="dns_proxy_filter")  # in the description (type) only
    assert names(api, "dns") == ["Bộ lọc DNS Sạch", "Mắt Thần DNS", "Cánh Diều", "Hoa Sen"]
    assert search(api, "dns")["total"] == 4
    assert names(api, "dns", type="dns_proxy_filter") == ["Hoa Sen"]


def test_totals_and_pages(world):
    api = world.api
    for i in range(23):
        certified(api, world.org_a, f"Lá chắn {i:02d}")
    certified(api, world.org_a, "Lá chắn hết hạn", days=-1)
    certified(api, world.org_a, "Lá chắn đình chỉ", status="suspended")
    certified(api, world.org_a, "Lá chắn DNS", product_type="dns_proxy_filter")
    pages = [search(api, "la chan", per_page=10, page=p) for p in (1, 2, 3, 4)]
    assert [p["total"] for p in pages] == [24, 24, 24, 24]
    seen = [i["name"] for p in pages for i in p["items"]]
    assert [len(p["items"]) for p in pages] == [10, 10, 4, 0]
    assert seen == sorted(seen) and len(set(seen)) == 24
    assert search(api, "la chan", type="dns_proxy_filter")["total"] == 1
    assert search(api, "la chan", status="suspended")["total"] == 1
    assert [i["name"] for i in search(api, "la chan", status="expired")["items"]] == ["Lá chắn hết hạn"]
    assert search(api)["total"] == 24  # no query: the whole registry, counted the same way
    assert search(api, per_page=5, page=6)["items"] == [] and search(api, per_page=5, page=6)["total"] == 24


def test_product_created_renamed_and_deleted_through_the_api(world):
    api = world.api
    created = api.request(
        "POST",
        "/products",
        "vendor_a",
        json={
            "name": "Cánh Diều Nhí",
            "product_type": "filtering_app",
            "url": "https://canh-dieu.example.vn",
            "platforms": ["android"],
        },
    )
    assert created.status_code == 201, created.text
    product_id = created.json()["id"]
    assert in_index(api, product_id)
    assert names(api, "canh dieu") == []  # in the index, but not certified: not public
    with api.sessions.begin() as session:
        product = session.get(Product, product_id)
    api.certificate(product)
    assert names(api, "canh dieu") == ["Cánh Diều Nhí"]

    renamed = api.request("PATCH", f"/products/{product_id}", "vendor_a", json={"name": "Sao Mai Xanh"})
    assert renamed.status_code == 200, renamed.text
    assert names(api, "canh dieu") == []
    assert names(api, "sao mai") == ["Sao Mai Xanh"]
    assert api.request("GET", f"/public/products/{product_id}").json()["name"] == "Sao Mai Xanh"

    other = api.request(
        "POST",
        "/products",
        "vendor_a",
        json={
            "name": "Tổ Ấm",
            "product_type": "filtering_app",
            "url": "https://to-am.example.vn",
            "platforms": ["ios"],
        },
    )
    other_id = other.json()["id"]
    assert in_index(api, other_id)
    assert api.request("DELETE", f"/products/{other_id}", "vendor_a").status_code == 204
    assert not in_index(api, other_id)


def test_vendor_renamed(world):
    api = world.api
    product, _ = certified(api, world.org_a, "Bé Vui")
    assert names(api, "cong ty a") == ["Bé Vui"]
    assert (
        api.request(
            "PATCH", f"/organisations/{world.org_a.id}", "vendor_a", json={"name": "Tập đoàn Hoa Sen"}
        ).status_code
        == 200
    )
    assert names(api, "cong ty a") == []
    assert [(i["name"], i["vendor"]) for i in search(api, "hoa sen")["items"]] == [("Bé Vui", "Tập đoàn Hoa Sen")]
    assert api.request("GET", f"/public/products/{product.id}").json()["vendor"] == "Tập đoàn Hoa Sen"


def test_suspension_and_revocation_are_visible_at_once(world):
    api = world.api
    product, cert = certified(api, world.org_a, "Người Gác Cổng")
    badge = api.client.get(f"/badge/{cert.id}.svg?lang=en")
    etag = badge.headers["etag"]
    assert api.client.get(f"/badge/{cert.id}.svg?lang=en", headers={"If-None-Match": etag}).status_code == 304

    suspended = api.request("POST", f"/certificates/{cert.id}/suspend", "reviewer", json={"reason": "Kiểm tra lại"})
    assert suspended.status_code == 200, suspended.text
    assert names(api, "nguoi gac") == []
    assert names(api, "nguoi gac", status="suspended") == ["Người Gác Cổng"]
    assert api.request("GET", f"/public/products/{product.id}").status_code == 404
    assert api.request("GET", f"/public/certificates/{cert.id}").json()["status"] == "suspended"
    again = api.client.get(f"/badge/{cert.id}.svg?lang=en", headers={"If-None-Match": etag})
    assert again.status_code == 200 and "Suspended" in again.text and again.headers["etag"] != etag

    assert api.request("POST", f"/certificates/{cert.id}/reinstate", "reviewer", json={}).status_code == 200
    assert names(api, "nguoi gac") == ["Người Gác Cổng"]
    assert api.client.get(f"/badge/{cert.id}.svg?lang=en", headers={"If-None-Match": etag}).status_code == 304

    assert (
        api.request("POST", f"/certificates/{cert.id}/revoke", "reviewer", json={"reason": "Vi phạm"}).status_code
        == 200
    )
    assert names(api, "nguoi gac") == [] and search(api, "nguoi gac")["total"] == 0
    assert names(api, "nguoi gac", status="revoked") == ["Người Gác Cổng"]
    assert api.request("GET", f"/public/products/{product.id}").status_code == 404
    assert api.request("GET", f"/public/certificates/{cert.id}").json()["status"] == "revoked"
    revoked = api.client.get(f"/badge/{cert.id}.svg?lang=en", headers={"If-None-Match": etag})
    assert revoked.status_code == 200 and "Revoked" in revoked.text


def test_expiry_is_by_date_at_read_time(world, monkeypatch):
    api = world.api
    product, cert = certified(api, world.org_a, "Tuổi Thơ Xanh", days=1)
    etag = api.client.get(f"/badge/{cert.id}.svg?lang=en").headers["etag"]
    assert names(api, "tuoi tho") == ["Tuổi Thơ Xanh"]
    later = utcnow() + timedelta(days=2)  # nothing is written: only the clock moves past valid_until
    monkeypatch.setattr(public_routes, "utcnow", lambda: later)  # the badge
    monkeypatch.setattr(present, "utcnow", lambda: later)  # search and lookups (shared with the pages)
    assert names(api, "tuoi tho") == []
    assert names(api, "tuoi tho", status="expired") == ["Tuổi Thơ Xanh"]
    assert api.request("GET", f"/public/products/{product.id}").status_code == 404
    assert api.request("GET", f"/public/certificates/{cert.id}").json()["status"] == "expired"
    expired = api.client.get(f"/badge/{cert.id}.svg?lang=en", headers={"If-None-Match": etag})
    assert expired.status_code == 200 and "Expired" in expired.text


def test_a_newer_certificate_and_a_deleted_one(world):
    api = world.api
    product, old = certified(api, world.org_a, "Hoa Sen Việt", days=30)
    newer = api.certificate(product, days=400)
    listing = api.request("GET", f"/public/products/{product.id}").json()
    assert listing["certificate"]["id"] == newer.id  # the most recently issued
    assert search(api, "hoa sen")["items"][0]["certificate"]["id"] == newer.id
    with api.sessions.begin() as session:  # a hand-made fix straight in the database is seen too
        session.execute(sa.delete(Certificate).where(Certificate.product_id == product.id))
    assert names(api, "hoa sen") == []
    assert api.request("GET", f"/public/certificates/{newer.id}").status_code == 404
    assert api.client.get(f"/badge/{newer.id}.svg").status_code == 404


ORGANISATIONS_0005 = sa.table(
    "organisations",
    *(sa.column(c) for c in ("id", "name", "kind")),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)
PRODUCTS_0005 = sa.table(
    "products",
    *(sa.column(c) for c in ("id", "organisation_id", "name", "product_type", "url", "search_text")),
    sa.column("platforms", sa.JSON()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)
CERTIFICATES_0005 = sa.table(
    "certificates",
    *(sa.column(c) for c in ("id", "product_id", "criteria_version", "level", "status")),
    *(sa.column(c, UTCDateTime()) for c in ("issued_at", "valid_until", "created_at", "updated_at")),
)


def test_the_migration_indexes_what_was_there(database_url):
    """Upgrading a database that already holds products and certificates fills the read model and the index."""
    upgrade(database_url, "0005")
    engine = make_engine(database_url)
    now = utcnow()
    try:
        with engine.begin() as conn:
            conn.execute(
                ORGANISATIONS_0005.insert(),
                [{"id": 1, "name": "Công ty Đà Nẵng", "kind": "vendor", "created_at": now, "updated_at": now}],
            )
            # Tables as they were at 0005 (the models have grown columns since).
            conn.execute(
                PRODUCTS_0005.insert(),
                [
                    {
                        "id": 7,
                        "organisation_id": 1,
                        "name": "Đồng Hành",
                        "product_type": "kid_browser",
                        "url": "https://x.example.vn",
                        "platforms": ["ios"],
                        "search_text": "",
                        "created_at": now,
                        "updated_at": now,
                    }
                ],
            )
            conn.execute(
                CERTIFICATES_0005.insert(),
                [
                    {
                        "id": "VCSC-2026-000001",
                        "product_id": 7,
                        "criteria_version": "vcsc-2024.1",
                        "level": "basic",
                        "status": "valid",
                        "issued_at": now,
                        "valid_until": now + timedelta(days=9),
                        "created_at": now,
                        "updated_at": now,
                    }
                ],
            )
        upgrade(database_url)
        from api.domain import registry

        found = registry.search(
            engine, q="da nang", product_type="kid_browser", status="valid", page=1, per_page=20, now=utcnow()
        )
        assert [(i["name"], i["platforms"], i["certificate"]["id"]) for i in found.items] == [
            ("Đồng Hành", ["ios"], "VCSC-2026-000001")
        ] and found.total == 1
        assert registry.certificate(engine, "VCSC-2026-000001", utcnow())["product"]["vendor"] == "Công ty Đà Nẵng"
    finally:
        engine.dispose()


def test_reads_survive_connections_the_database_dropped(world):
    """PostgreSQL: the registry reads on autocommit connections without pre-ping, retried once on a disconnect."""
    api = world.api
    product, cert = certified(api, world.org_a, "Cánh Diều Xanh")
    paths = [f"/public/products/{product.id}", f"/public/certificates/{cert.id}", "/public/products?q=canh dieu"]
    assert all(api.request("GET", path).status_code == 200 for path in paths)
    assert api.client.get(f"/badge/{cert.id}.svg").status_code == 200
    reads = [lambda: api.client.get(f"/badge/{cert.id}.svg")] + [
        lambda path=path: api.request("GET", path) for path in paths
    ]
    for read in reads:  # each kind of read meets a connection the server has just closed
        with api.sessions() as session:
            if session.get_bind().dialect.name != "postgresql":
                pytest.skip("SQLite: no server to drop connections")
            terminated = session.scalar(
                sa.text(
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()) AS t"
                )
            )
        assert terminated >= 1
        # Nothing kept: the read goes to the database (until the listener notices its own connection is gone, the
        # cache would answer what it keeps, and the next round would find no connection to drop).
        api.app.state.public_cache.invalidate()
        assert read().status_code == 200
