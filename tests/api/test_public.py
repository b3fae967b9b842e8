"""The public lookup: only products with a valid, unexpired certificate; accent-free search; public fields only."""

from __future__ import annotations

import pytest

from api.core.search import contains_pattern, fold

PUBLIC_PRODUCT_KEYS = {"id", "name", "vendor", "product_type", "url", "platforms", "certificate"}
PUBLIC_CERT_KEYS = {"id", "level", "criteria_version", "status", "issued_at", "valid_until", "note"}


@pytest.fixture
def catalogue(world):
    api = world.api
    safekid = api.product(world.org_a, "Bảo vệ trẻ em SafeKid")
    dns = api.product(world.org_b, "Gia Đình An Toàn DNS", product_type="dns_proxy_filter")
    percent = api.product(world.org_b, "Lọc 100% web_đen")
    expired, suspended, revoked = (api.product(world.org_a, n) for n in ("Hết hạn", "Tạm dừng", "Thu hồi"))
    api.product(world.org_a, "Bảo vệ trẻ em chưa chứng nhận")
    certs = {
        "safekid": api.certificate(safekid, cert_id="VCSC-2025-000123"),
        "dns": api.certificate(dns),
        "percent": api.certificate(percent),
        "expired": api.certificate(expired, days=-1),
        "suspended": api.certificate(suspended, "suspended"),
        "revoked": api.certificate(revoked, "revoked"),
    }
    api.submission(safekid, "submitted")
    return {"safekid": safekid, "dns": dns, "percent": percent, "expired": expired, "certs": certs}


def names(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def test_only_valid_unexpired_certificates_are_listed(world, catalogue):
    response = world.api.request("GET", "/public/products")
    assert sorted(names(response)) == sorted(["Bảo vệ trẻ em SafeKid", "Gia Đình An Toàn DNS", "Lọc 100% web_đen"])
    assert response.json()["total"] == 3
    assert world.api.request("GET", f"/public/products/{catalogue['expired'].id}").status_code == 404
    assert world.api.request("GET", f"/public/products/{world.product_a.id}").status_code == 404


@pytest.mark.parametrize(
    "query, expected",
    [
        ("bao ve tre em", ["Bảo vệ trẻ em SafeKid"]),
        ("BẢO VỆ", ["Bảo vệ trẻ em SafeKid"]),
        ("  bao   ve  ", ["Bảo vệ trẻ em SafeKid"]),
        ("gia dinh", ["Gia Đình An Toàn DNS"]),
        ("công ty a", ["Bảo vệ trẻ em SafeKid"]),  # the vendor's name is searchable too
        ("100%", ["Lọc 100% web_đen"]),
        ("%", []),  # no letters or digits: matches nothing (not everything)
        ("_", []),
        ("web_den", ["Lọc 100% web_đen"]),
        ("het han", []),
    ],
)
def test_search_ignores_diacritics_and_case(world, catalogue, query, expected):
    assert names(world.api.request("GET", "/public/products", params={"q": query})) == expected


def test_filter_and_pagination(world, catalogue):
    api = world.api
    assert names(api.request("GET", "/public/products?type=dns_proxy_filter")) == ["Gia Đình An Toàn DNS"]
    pages = [api.request("GET", f"/public/products?per_page=2&page={n}").json() for n in (1, 2, 3)]
    assert [len(p["items"]) for p in pages] == [2, 1, 0]
    assert all(p["total"] == 3 and p["per_page"] == 2 for p in pages)
    assert len({i["id"] for p in pages for i in p["items"]}) == 3


def test_only_public_fields_are_shown(world, catalogue):
    api = world.api
    listing = api.request("GET", "/public/products").json()["items"]
    single = api.request("GET", f"/public/products/{catalogue['safekid'].id}").json()
    for item in listing + [single]:
        assert set(item) == PUBLIC_PRODUCT_KEYS
        assert set(item["certificate"]) == PUBLIC_CERT_KEYS
    text = str(listing) + str(single)
    for private in ("lien-he@example.vn", "answers", "evidence", "contact", "email", "organisation_id"):
        assert private not in text
    assert single["vendor"] == "Công ty A" and single["certificate"]["id"] == "VCSC-2025-000123"


def test_certificate_lookup_reports_status(world, catalogue):
    api = world.api
    valid = api.request("GET", "/public/certificates/VCSC-2025-000123").json()
    assert valid["status"] == "valid" and valid["product"]["name"] == "Bảo vệ trẻ em SafeKid"
    assert api.request("GET", f"/public/certificates/{catalogue['certs']['expired'].id}").json()["status"] == "expired"
    assert api.request("GET", f"/public/certificates/{catalogue['certs']['revoked'].id}").json()["status"] == "revoked"
    assert api.request("GET", "/public/certificates/VCSC-0000-000000").status_code == 404


def test_renaming_the_vendor_updates_search(world, catalogue):
    api = world.api
    renamed = api.request("PATCH", f"/organisations/{world.org_a.id}", "vendor_a", json={"name": "Tập đoàn Sao Mai"})
    assert renamed.status_code == 200
    assert names(api.request("GET", "/public/products?q=sao mai")) == ["Bảo vệ trẻ em SafeKid"]


def test_fold():
    assert fold("Bảo vệ Trẻ Em") == "bao ve tre em"
    assert fold("Gia Đình đặc biệt") == "gia dinh dac biet"
    assert fold("  Ồ   ờ ") == "o o"
    assert contains_pattern("50%_off") == r"%50\%\_off%"
