"""Bad input is refused with problem+json (400, 413, 415, 422 with JSON pointers) and leaves no partial row."""

from __future__ import annotations

import pytest

from api.core.models import Organisation, Product, Submission, User
from tests.api.conftest import PASSWORD, VERSION

JSON = {"content-type": "application/json"}
PRODUCT = {"name": "Lá chắn", "product_type": "filtering_app", "url": "https://x.example.vn", "platforms": ["web"]}


def counts(api) -> dict:
    return {model.__name__: api.count(model) for model in (Organisation, User, Product, Submission)}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert {"type", "title", "status", "detail", "errors"} <= set(body) and body["status"] == status
    assert " / " in body["title"] and " / " in body["detail"]  # Vietnamese / English
    return body


def pointers(body: dict) -> set[str]:
    return {e.get("pointer") for e in body["errors"]}


@pytest.fixture
def draft(world):
    return world.api.submission(world.product_a, answers={"PC-01": {"value": True}})


def test_malformed_json_is_400(world):
    before = counts(world.api)
    for path in ("/products", f"/products/{world.product_a.id}/submissions"):
        response = world.api.request("POST", path, "vendor_a", content='{"name": "Lá chắn",'.encode(), headers=JSON)
        body = assert_problem(response, 400)
        assert "JSON" in body["title"]
    assert counts(world.api) == before


@pytest.mark.parametrize(
    "payload, pointer",
    [
        ({**PRODUCT, "name": 42}, "/name"),
        ({**PRODUCT, "platforms": ["android", "toaster"]}, "/platforms/1"),
        ({**PRODUCT, "platforms": "android"}, "/platforms"),
        ({**PRODUCT, "product_type": "spaceship"}, "/product_type"),
        ({**PRODUCT, "url": "javascript:alert(1)"}, "/url"),
        ({**PRODUCT, "name": "a\u0000b"}, "/name"),  # PostgreSQL cannot store NUL
        ({**PRODUCT, "surprise": 1}, "/surprise"),
        ({k: v for k, v in PRODUCT.items() if k != "url"}, "/url"),
    ],
)
def test_wrong_types_are_422_with_pointer(world, payload, pointer):
    before = counts(world.api)
    body = assert_problem(world.api.request("POST", "/products", "vendor_a", json=payload), 422)
    assert pointer in pointers(body)
    assert all(" / " in e["message"] for e in body["errors"])
    assert counts(world.api) == before


def test_unknown_criterion_is_422_at_its_pointer(world, draft):
    api = world.api
    before = counts(api)
    body = assert_problem(
        api.request(
            "PATCH", f"/submissions/{draft.id}/answers", "vendor_a", json={"answers": {"ZZ-99": {"value": True}}}
        ),
        422,
    )
    assert pointers(body) == {"/answers/ZZ-99"}
    created = api.request(
        "POST",
        f"/products/{world.product_b.id}/submissions",
        "vendor_b",
        json={"criteria_version": VERSION, "answers": {"ZZ-99": {"value": True}}},
    )
    assert pointers(assert_problem(created, 422)) == {"/answers/ZZ-99"}
    assert counts(api) == before
    assert api.request("GET", f"/submissions/{draft.id}", "vendor_a").json()["answers"] == {"PC-01": {"value": True}}


def test_invalid_answer_value_points_into_the_answer(world, draft):
    response = world.api.request(
        "PUT",
        f"/submissions/{draft.id}/answers",
        "vendor_a",
        json={"answers": {"CF-01": {"value": {"block_rate": "most", "corpus_size": 10}}}},
    )
    body = assert_problem(response, 422)
    assert "/answers/CF-01/value/block_rate" in pointers(body)
    assert all(" / " in e["message"] for e in body["errors"])


def test_answers_for_another_version_are_422(world, draft):
    api = world.api
    for method in ("PUT", "PATCH"):
        response = api.request(
            method,
            f"/submissions/{draft.id}/answers",
            "vendor_a",
            json={"criteria_version": "vcsc-1999.1", "answers": {}},
        )
        assert pointers(assert_problem(response, 422)) == {"/criteria_version"}
    unknown = api.request(
        "POST", f"/products/{world.product_b.id}/submissions", "vendor_b", json={"criteria_version": "vcsc-1999.1"}
    )
    assert pointers(assert_problem(unknown, 422)) == {"/criteria_version"}
    assert api.request("GET", f"/submissions/{draft.id}", "vendor_a").json()["answers"] == {"PC-01": {"value": True}}


def test_values_the_database_cannot_store_are_422(world, draft):
    raw = b'{"answers": {"PC-01": {"value": true, "note": "a\\u0000b"}, "CF-05": {"value": NaN}}}'
    body = assert_problem(
        world.api.request("PATCH", f"/submissions/{draft.id}/answers", "vendor_a", content=raw, headers=JSON), 422
    )
    assert pointers(body) == {"/answers/PC-01/note", "/answers/CF-05/value"}
    surrogate = b'{"answers": {"\\ud800": 1}}'
    assert_problem(
        world.api.request("PATCH", f"/submissions/{draft.id}/answers", "vendor_a", content=surrogate, headers=JSON), 422
    )


def test_oversized_body_is_413(world):
    api = world.api
    before = counts(api)
    limit = api.app.state.settings.max_body_bytes
    big = b'{"name": "' + b"x" * limit + b'"}'
    assert_problem(api.request("POST", "/products", "vendor_a", content=big, headers=JSON), 413)

    def chunks():  # no Content-Length: the limit is enforced while streaming
        yield b'{"name": "'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    assert_problem(api.request("POST", "/products", "vendor_a", content=chunks(), headers=JSON), 413)
    assert counts(api) == before


def test_registration_with_a_taken_email_creates_nothing(world):
    api = world.api
    before = counts(api)
    taken = api.users["vendor_a"].email
    response = api.request(
        "POST",
        "/auth/register",
        json={"organisation_name": "Công ty mới", "email": taken, "name": "Chủ", "password": PASSWORD},
    )
    # The same answer as for a new address (no account enumeration); the owner is mailed instead.
    assert response.status_code == 202, response.text
    assert counts(api) == before


def test_not_json_is_415(world):
    response = world.api.request(
        "POST",
        "/products",
        "vendor_a",
        content=b"name=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert_problem(response, 415)


def test_bad_query_and_path_parameters_are_422(world):
    api = world.api
    body = assert_problem(api.request("GET", "/public/products?page=0&per_page=1000"), 422)
    assert {e["parameter"] for e in body["errors"]} == {"query.page", "query.per_page"}
    assert_problem(api.request("GET", "/products/99999999999999", "admin"), 422)
    assert_problem(api.request("GET", "/products?q=%00", "admin"), 422)


def test_unknown_route_and_method(world):
    assert_problem(world.api.request("GET", "/no-such-thing"), 404)
    assert_problem(world.api.client.get("/definitely/not/here"), 404)
    assert_problem(world.api.request("PUT", "/products", "admin", json={}), 405)


def test_unknown_criteria_version_is_404_with_message(world):
    for path in (
        "/criteria/vcsc-1999.1",
        "/criteria/vcsc-1999.1/criteria/CF-01",
        "/criteria/vcsc-1999.1/schema?product_type=filtering_app",
        f"/criteria/diff?from={VERSION}&to=vcsc-1999.1",
        f"/criteria/{VERSION}/criteria/ZZ-99",
    ):
        body = assert_problem(world.api.request("GET", path), 404)
        assert "1999" in body["detail"] or "ZZ-99" in body["detail"]


def test_longest_values_fit_the_columns(world):
    """Length limits in the API match the columns (SQLite ignores VARCHAR lengths; PostgreSQL does not)."""
    api = world.api
    longest = {**PRODUCT, "name": "ệ" * 200, "url": "https://x.example.vn/" + "a" * 1979}
    assert api.request("POST", "/products", "vendor_a", json=longest).status_code == 201
    assert (
        api.request(
            "PATCH",
            f"/organisations/{world.org_a.id}",
            "vendor_a",
            json={"name": "Đ" * 200, "contact_email": "a" * 240 + "@example.vn"},
        ).status_code
        == 200
    )
    assert api.request("POST", "/users/me/tokens", "vendor_a", json={"name": "t" * 100}).status_code == 201
    for method, path, body in [
        ("POST", "/products", {**longest, "name": "ệ" * 201}),
        ("POST", "/products", {**longest, "url": longest["url"] + "a"}),
        ("POST", "/users/me/tokens", {"name": "t" * 101}),
        ("POST", f"/products/{world.product_a.id}/submissions", {"criteria_version": "v" * 33}),
    ]:
        assert_problem(api.request(method, path, "vendor_a", json=body), 422)
