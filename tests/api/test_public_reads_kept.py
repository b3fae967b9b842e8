"""What the public read cache keeps beside the answers themselves (api.domain.registry, api.core.readcache), on
SQLite and PostgreSQL: a query's ranking, which its other pages slice instead of searching the index again, and the
blocks of rows a lookup reads for its neighbours. Each test checks the answers are right first, then that the
database was not asked again, then that a change shows at once."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from api.domain import registry
from reports.badge import STATUS_WORDS


@contextmanager
def statements(api):
    """The SQL statements the app sends while the block runs (both its engines: PostgreSQL reads have their own)."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    engine = api.app.state.engine
    engines = {engine, registry.reads(engine)}
    for e in engines:
        sa.event.listen(e, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        for e in engines:
            sa.event.remove(e, "before_cursor_execute", record)


def searched_the_index(sent: list[str]) -> bool:
    return any("product_search MATCH" in s or "search_vector @@" in s for s in sent)


def page(api, q: str, n: int, per_page: int = 10) -> dict:
    response = api.request("GET", "/public/products", params={"q": q, "page": n, "per_page": per_page})
    assert response.status_code == 200, response.text
    return response.json()


def test_every_page_of_a_query_is_a_slice_of_one_ranking(world):
    api = world.api
    for i in range(25):
        api.certificate(api.product(world.org_a, f"Lá chắn {i:02d}"))
    with statements(api) as sent:
        first = page(api, "la chan", 1)
    assert searched_the_index(sent)
    with statements(api) as sent:
        later = [page(api, "lá chắn", n) for n in (2, 3, 4)]  # diacritics or not: the same words, the same ranking
    assert not searched_the_index(sent)
    seen = [i["name"] for p in (first, *later) for i in p["items"]]
    assert seen == [f"Lá chắn {i:02d}" for i in range(25)]
    assert [p["total"] for p in (first, *later)] == [25, 25, 25, 25] and later[-1]["items"] == []

    # Once a lookup has read their block, a page of other size (another answer, the same ranking) reads nothing.
    some = api.request("GET", f"/public/products/{first['items'][0]['id']}")
    assert some.status_code == 200
    with statements(api) as sent:
        fifth = page(api, "la chan", 5, per_page=5)
    assert [i["name"] for i in fifth["items"]] == [f"Lá chắn {i}" for i in range(20, 25)]
    assert fifth["items"][0]["certificate"]["status"] == "valid" and sent == []

    # A new product that the query finds: every page, even one already answered, shows it at once.
    api.certificate(api.product(world.org_a, "Lá chắn 07b"))
    with statements(api) as sent:
        after = [page(api, "la chan", n) for n in (1, 2, 3)]
    assert searched_the_index(sent)
    assert [p["total"] for p in after] == [26, 26, 26]
    assert [i["name"] for i in after[0]["items"]][7:9] == ["Lá chắn 07", "Lá chắn 07b"]
    assert [i["name"] for i in after[2]["items"]] == ["Lá chắn 19", *(f"Lá chắn {i}" for i in range(20, 25))]


def test_a_revocation_leaves_every_kept_page_at_once(world):
    api = world.api
    products = [api.product(world.org_a, f"Mắt Thần {i:02d}") for i in range(12)]
    certs = [api.certificate(p) for p in products]
    assert page(api, "mat than", 2)["total"] == 12  # the ranking is kept now
    response = api.request("POST", f"/certificates/{certs[11].id}/revoke", "admin", json={"reason": "Vi phạm"})
    assert response.status_code == 200, response.text
    second = page(api, "mat than", 2)
    assert second["total"] == 11 and [i["name"] for i in second["items"]] == ["Mắt Thần 10"]


def test_a_lookup_reads_the_rows_of_its_neighbours_once(world):
    api = world.api
    product_b = api.product(world.org_b, "Cánh Diều")
    cert_a, cert_b = api.certificate(world.product_a), api.certificate(product_b)
    found = api.request("GET", f"/public/products/{world.product_a.id}")
    assert found.status_code == 200 and found.json()["certificate"]["id"] == cert_a.id
    with statements(api) as sent:
        neighbour = api.request("GET", f"/public/products/{product_b.id}")  # same block of 256 ids
    assert neighbour.status_code == 200 and neighbour.json()["name"] == "Cánh Diều"
    assert neighbour.json()["certificate"]["id"] == cert_b.id
    assert sent == []  # from the block the first lookup read

    response = api.request("POST", f"/certificates/{cert_b.id}/revoke", "admin", json={"reason": "Vi phạm"})
    assert response.status_code == 200, response.text
    assert api.request("GET", f"/public/products/{product_b.id}").status_code == 404  # at once
    assert api.request("GET", f"/public/products/{world.product_a.id}").status_code == 200


def test_certificate_numbers_as_issued_are_read_a_hundred_at_a_time(world):
    api = world.api
    product_b = api.product(world.org_b, "Cánh Diều")
    first = api.certificate(world.product_a, cert_id="VCSC-2031-000101")
    second = api.certificate(product_b, cert_id="VCSC-2031-000102", status="suspended")
    found = api.request("GET", f"/public/certificates/{first.id.lower()}")
    assert found.status_code == 200 and found.json()["status"] == "valid"
    with statements(api) as sent:
        other = api.request("GET", f"/public/certificates/{second.id}")
        badge = api.client.get(f"/badge/{second.id}.svg?lang=en")
        unknown = api.request("GET", "/public/certificates/VCSC-2031-000150")  # in the block, never issued
    assert other.status_code == 200 and other.json()["status"] == "suspended"
    assert other.json()["product"]["name"] == "Cánh Diều"
    assert badge.status_code == 200 and STATUS_WORDS["suspended"]["en"] in badge.text
    assert unknown.status_code == 404
    assert sent == []

    # Issued after the block was read: found at once.
    later = api.certificate(api.product(world.org_b, "Hoa Sen"), cert_id="VCSC-2031-000150")
    assert api.request("GET", f"/public/certificates/{later.id}").status_code == 200


def test_a_number_not_as_issued_is_read_alone(world):
    api = world.api
    cert = api.certificate(world.product_a, cert_id="LEGACY-7")
    with statements(api) as sent:
        found = api.request("GET", "/public/certificates/legacy-7")
    assert found.status_code == 200 and found.json()["id"] == "LEGACY-7"
    assert any("public_certificates.id = " in s for s in sent)  # one read by primary key
    assert not any("public_certificates.id IN " in s for s in sent)  # and no block
    assert api.client.get(f"/badge/{cert.id}.svg").status_code == 200


def test_a_vendor_saving_a_draft_leaves_the_public_answers_kept(world):
    api = world.api
    cache = api.app.state.public_cache
    cert = api.certificate(world.product_a)
    lookup = f"/public/certificates/{cert.id}"
    assert api.request("GET", lookup).json()["status"] == "valid"
    submission = api.submission(world.product_b)  # a write through this process's sessions, not to the registry
    response = api.request("PATCH", f"/submissions/{submission.id}/answers", "vendor_b", json={"answers": {}})
    assert response.status_code == 200, response.text
    hits, invalidations = cache.hits, cache.invalidations
    assert api.request("GET", lookup).json()["status"] == "valid"
    assert cache.hits == hits + 1 and cache.invalidations == invalidations
    response = api.request("POST", f"/certificates/{cert.id}/suspend", "admin", json={"reason": "Kiểm tra lại"})
    assert response.status_code == 200, response.text
    assert api.request("GET", lookup).json()["status"] == "suspended"  # a registry change: at once


def test_what_memory_holds_is_answered_without_a_worker_thread(world, monkeypatch):
    """A lookup, a badge and a page made of kept blocks and a kept ranking are answered on the event loop
    (ReadCache.from_memory): no worker thread, no SQL. What is not kept still reads, in a thread."""
    from api.routes import public

    api = world.api
    neighbours = [api.product(world.org_b, f"Sao Mai {i:02d}") for i in range(6)]
    certs = [api.certificate(p, cert_id=f"VCSC-2032-0001{i:02d}") for i, p in enumerate(neighbours)]
    assert page(api, "sao mai", 1, per_page=3)["total"] == 6  # the ranking, read in a thread
    assert api.request("GET", f"/public/products/{neighbours[0].id}").status_code == 200  # their block
    assert api.request("GET", f"/public/certificates/{certs[0].id}").status_code == 200  # the certificates' block

    hops = []

    async def no_thread(*args, **kwargs):
        hops.append(args)
        raise AssertionError("a worker thread for an answer memory holds")

    monkeypatch.setattr(public, "run_in_threadpool", no_thread)
    with statements(api) as sent:
        second = page(api, "sao mai", 2, per_page=3)
        lookup = api.request("GET", f"/public/products/{neighbours[4].id}")
        cert = api.request("GET", f"/public/certificates/{certs[5].id.lower()}")
        badge = api.client.get(f"/badge/{certs[3].id}.svg?lang=en")
        unknown = api.request("GET", "/public/certificates/VCSC-2032-000199")  # in the block, never issued
    assert [i["name"] for i in second["items"]] == ["Sao Mai 03", "Sao Mai 04", "Sao Mai 05"]
    assert second["items"][0]["certificate"]["id"] == certs[3].id
    assert lookup.status_code == 200 and lookup.json()["name"] == "Sao Mai 04"
    assert cert.status_code == 200 and cert.json()["product"]["name"] == "Sao Mai 05"
    assert badge.status_code == 200 and STATUS_WORDS["valid"]["en"] in badge.text
    assert unknown.status_code == 404
    assert sent == [] and hops == []

    # A product outside every kept block takes a read: on PostgreSQL in a worker thread; on SQLite, inside this
    # process, right on the event loop (a thread would only wait for the interpreter lock at every row).
    far = api.product(world.org_a, "Hoa Sen")
    api.certificate(far)
    api.app.state.public_cache.invalidate()
    if api.app.state.engine.dialect.name == "postgresql":
        with pytest.raises(AssertionError, match="worker thread"):
            api.request("GET", f"/public/products/{far.id}")
        assert len(hops) == 1
    else:
        with statements(api) as sent:
            found = api.request("GET", f"/public/products/{far.id}")
        assert found.status_code == 200 and found.json()["name"] == "Hoa Sen"
        assert sent and hops == []


def test_a_search_page_reads_the_blocks_of_its_products_for_the_lookups_after_it(world):
    api = world.api
    products = [api.product(world.org_b, f"Hoa Sen {i:02d}") for i in range(4)]
    certs = [api.certificate(p) for p in products]
    api.app.state.public_cache.invalidate()
    with statements(api) as sent:
        first = page(api, "hoa sen", 1, per_page=2)
    assert [i["name"] for i in first["items"]] == ["Hoa Sen 00", "Hoa Sen 01"] and first["total"] == 4
    assert first["items"][1]["certificate"]["id"] == certs[1].id
    assert any("public_products.product_id BETWEEN" in s for s in sent)  # the block, not the page's rows alone
    with statements(api) as sent:
        lookup = api.request("GET", f"/public/products/{products[3].id}")
        second = page(api, "hoa sen", 2, per_page=2)
    assert lookup.status_code == 200 and lookup.json()["certificate"]["id"] == certs[3].id
    assert [i["name"] for i in second["items"]] == ["Hoa Sen 02", "Hoa Sen 03"]
    assert sent == []


def test_a_query_narrowed_to_a_type_is_a_filter_of_its_kept_ranking(world):
    """With a query's ranking kept, the same query with a product type searches no index: its pages are that
    ranking's products of the type, in its order, as a search of its own finds them. When none of them is of the
    type, the narrower query is searched (the words in any order may still find some)."""
    api = world.api
    types = ("filtering_app", "dns_proxy_filter")
    for i in range(7):
        api.certificate(api.product(world.org_b, f"Hoa Sen {i:02d}", product_type=types[i % 2]))
    api.certificate(api.product(world.org_a, "Sen đá Hoa", product_type="kid_browser"))  # the words, not the phrase

    def typed(product_type: str, n: int) -> dict:
        params = {"q": "hoa sen", "type": product_type, "page": n, "per_page": 2}
        response = api.request("GET", "/public/products", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    searched = {t: [typed(t, n) for n in (1, 2, 3)] for t in types}  # each read by a search of its own
    assert [i["name"] for p in searched["dns_proxy_filter"] for i in p["items"]] == [
        "Hoa Sen 01",
        "Hoa Sen 03",
        "Hoa Sen 05",
    ]
    api.app.state.public_cache.invalidate()
    assert page(api, "hoa sen", 1)["total"] == 7  # the query's ranking, kept: the phrase, in every type
    with statements(api) as sent:
        narrowed = {t: [typed(t, n) for n in (1, 2, 3)] for t in types}
    assert narrowed == searched and narrowed["filtering_app"][0]["total"] == 4
    assert not searched_the_index(sent)

    with statements(api) as sent:
        other = typed("kid_browser", 1)
    assert searched_the_index(sent)
    assert [i["name"] for i in other["items"]] == ["Sen đá Hoa"] and other["total"] == 1


def test_a_first_ranking_is_read_in_a_worker_thread(world, monkeypatch):
    """A search whose ranking is not kept reads it in a worker thread, on SQLite too (api.routes.public: `prepare`),
    so that the event loop is not held while the database ranks; on SQLite the page's rows are then read in place,
    and on PostgreSQL the whole read is in that one thread. A later page of the ranking takes no thread."""
    from api.routes import public

    api = world.api
    for i in range(5):
        api.certificate(api.product(world.org_b, f"Cánh Diều {i:02d}"))
    api.app.state.public_cache.invalidate()
    hops, real = [], public.run_in_threadpool

    async def recorded(func, *args, **kwargs):
        hops.append(func)
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(public, "run_in_threadpool", recorded)
    threads: dict[str, set[int]] = {"index": set(), "rows": set()}

    def record(_conn, _cursor, statement, *_args):
        if "product_search MATCH" in statement or "search_vector @@" in statement:
            threads["index"].add(threading.get_ident())
        elif "public_products.product_id BETWEEN" in statement:
            threads["rows"].add(threading.get_ident())

    engine = api.app.state.engine
    for e in {engine, registry.reads(engine)}:
        sa.event.listen(e, "before_cursor_execute", record)
    try:
        first = page(api, "canh dieu", 1, per_page=2)
    finally:
        for e in {engine, registry.reads(engine)}:
            sa.event.remove(e, "before_cursor_execute", record)
    assert [i["name"] for i in first["items"]] == ["Cánh Diều 00", "Cánh Diều 01"] and first["total"] == 5
    assert len(hops) == 1 and threads["index"] and threads["rows"]
    if engine.dialect.name == "sqlite":
        assert threads["index"].isdisjoint(threads["rows"])  # the ranking in the worker, the rows in place
    else:
        assert threads["index"] == threads["rows"]  # one read, in the worker

    with statements(api) as sent:
        second = page(api, "canh dieu", 2, per_page=2)
    assert [i["name"] for i in second["items"]] == ["Cánh Diều 02", "Cánh Diều 03"]
    assert sent == [] and len(hops) == 1
