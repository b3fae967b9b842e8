"""The public registry's API beyond plain search, on SQLite and PostgreSQL: certificate numbers in any case, filters
by level, sorting, the CSV export (its filters, BOM and formula escaping), and the badge of an unknown number."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from api.core.models import Certificate, utcnow
from api.http import present
from api.http.present import csv_cell


def certified(api, org, name, product_type="filtering_app", level="basic", issued_days_ago=1, **cert):
    product = api.product(org, name, product_type=product_type)
    made = api.certificate(product, **cert)
    with api.sessions.begin() as session:
        row = session.get(Certificate, made.id)
        row.level, row.issued_at = level, utcnow() - timedelta(days=issued_days_ago)
    return product, made


def names(api, **params) -> list[str]:
    response = api.request("GET", "/public/products", params=params)
    assert response.status_code == 200, response.text
    return [item["name"] for item in response.json()["items"]]


def test_certificate_number_in_any_case_and_with_spaces(world):
    api = world.api
    certified(api, world.org_a, "Bảo vệ trẻ em SafeKid", cert_id="VCSC-2025-000777")
    for typed in ("vcsc-2025-000777", "Vcsc-2025-000777"):
        found = api.request("GET", f"/public/certificates/{typed}")
        assert found.status_code == 200 and found.json()["id"] == "VCSC-2025-000777"
    verified = api.request("POST", "/public/verify", json={"certificate_id": "vcsc-2025-000777"}).json()
    assert verified["status"] == "valid" and verified["certificate"]["id"] == "VCSC-2025-000777"
    badge = api.client.get("/badge/vcsc-2025-000777.svg")
    assert badge.status_code == 200 and badge.headers["content-type"].startswith("image/svg+xml")
    assert "Còn hiệu lực" in badge.text


def test_unknown_certificate_badge_is_an_svg_saying_so(world):
    api = world.api
    for lang, words in (("vi", "Không có chứng nhận này"), ("en", "No such certificate")):
        badge = api.client.get("/badge/VCSC-1999-000001.svg", params={"lang": lang})
        assert badge.status_code == 404
        assert badge.headers["content-type"].startswith("image/svg+xml")
        assert badge.text.startswith("<svg") and words in badge.text and "{" not in badge.text
        assert badge.headers["cache-control"] == "public, max-age=300" and "etag" not in badge.headers


def test_filter_by_level_and_sort(world):
    api = world.api
    certified(api, world.org_a, "An Toàn Cơ Bản", level="basic", issued_days_ago=30)
    certified(api, world.org_b, "Bảo Vệ Nâng Cao", level="advanced", issued_days_ago=2)
    certified(api, world.org_a, "Che Chắn Nâng Cao", level="advanced", issued_days_ago=10)
    assert names(api, level="advanced") == ["Bảo Vệ Nâng Cao", "Che Chắn Nâng Cao"]
    assert names(api, level="basic") == ["An Toàn Cơ Bản"]
    advanced = api.request("GET", "/public/products", params={"level": "advanced"}).json()
    assert advanced["total"] == 2 and {i["certificate"]["level"] for i in advanced["items"]} == {"advanced"}
    assert names(api, sort="newest") == ["Bảo Vệ Nâng Cao", "Che Chắn Nâng Cao", "An Toàn Cơ Bản"]
    assert names(api, sort="name") == ["An Toàn Cơ Bản", "Bảo Vệ Nâng Cao", "Che Chắn Nâng Cao"]
    assert names(api, q="nang cao", sort="newest") == ["Bảo Vệ Nâng Cao", "Che Chắn Nâng Cao"]
    assert names(api, q="nang cao", level="advanced", sort="name", type="filtering_app") == [
        "Bảo Vệ Nâng Cao",
        "Che Chắn Nâng Cao",
    ]
    assert names(api, q="nang cao", level="basic") == []
    # A typo, with a filter: the corrected query is answered within the filter.
    typo = api.request("GET", "/public/products", params={"q": "che chan nang cau", "level": "advanced"}).json()
    assert [i["name"] for i in typo["items"]] == ["Che Chắn Nâng Cao"] and typo["suggestion"]
    assert api.request("GET", "/public/products", params={"level": "gold"}).status_code == 422
    assert api.request("GET", "/public/products", params={"sort": "price"}).status_code == 422


def _csv(api, **params) -> tuple[bytes, list[list[str]]]:
    response = api.request("GET", "/public/products.csv", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    return response.content, list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_export_with_the_search_filters_and_formula_escaping(world):
    api = world.api
    product, cert = certified(api, world.org_a, "=HYPERLINK(\"http://evil\",\"bấm\")", level="advanced")
    certified(api, world.org_b, "Bảo vệ trẻ em", product_type="kid_browser")
    with api.sessions.begin() as session:  # the vendor name is the vendor's to choose, too
        session.get(type(world.org_a), world.org_a.id).name = "@SUM(1+1)"
    raw, rows = _csv(api)
    assert raw.startswith("\ufeff".encode())  # UTF-8 with a byte order mark, for Excel
    assert rows[0][0] == "Tên sản phẩm / Product name" and len(rows[0]) == 10
    body = {r[4]: r for r in rows[1:]}
    assert len(body) == 2
    evil = body[cert.id]
    assert evil[0] == "'=HYPERLINK(\"http://evil\",\"bấm\")" and evil[1] == "'@SUM(1+1)"
    assert evil[2:6] == ["filtering_app", "advanced", cert.id, "valid"]
    assert evil[6] == (utcnow() - timedelta(days=1)).date().isoformat()  # ISO dates
    assert evil[7] == cert.valid_until.date().isoformat() and evil[8] == cert.criteria_version
    assert evil[9].endswith(f"/products/{product.id}")
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows[1:] for cell in r)
    _, typed = _csv(api, type="kid_browser")
    assert [r[0] for r in typed[1:]] == ["Bảo vệ trẻ em"]
    _, leveled = _csv(api, level="advanced", q="hyperlink")
    assert [r[4] for r in leveled[1:]] == [cert.id]
    _, revoked = _csv(api, status="revoked")
    assert revoked[1:] == []


def test_csv_export_streams_past_one_page(world, monkeypatch):
    monkeypatch.setattr(present, "CSV_PAGE", 2)
    api = world.api
    for i in range(5):
        certified(api, world.org_a, f"Sản phẩm {i}")
    _, rows = _csv(api, sort="name")
    assert [r[0] for r in rows[1:]] == [f"Sản phẩm {i}" for i in range(5)]


@pytest.mark.parametrize(
    "cell, shown",
    [
        ("-1+2", "'-1+2"),
        ("+84 123", "'+84 123"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("An toàn", "An toàn"),
        ("a=b", "a=b"),
    ],
)
def test_formula_cells_are_neutralised(cell, shown):
    assert csv_cell(cell) == shown
