"""The public answers each process keeps on SQLite (api.core.readcache.SqliteWatcher): a change made by this process
shows at once, a commit by another connection or process (a second server, a `vcsc` command) shows on the next read,
seen through SQLite's data version; an in-memory database is never cached."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa

from api.core.readcache import ReadCache, listen, sqlite_path


@pytest.fixture(params=["sqlite"])
def database_url(request, tmp_path):
    yield f"sqlite:///{tmp_path / 'vcsc.db'}"


def status_of(api, cert_id: str) -> str:
    response = api.request("GET", f"/public/certificates/{cert_id}")
    assert response.status_code == 200, response.text
    return response.json()["status"]


def other_connection(api) -> sqlite3.Connection:
    return sqlite3.connect(api.app.state.engine.url.database, isolation_level=None)


def test_answers_are_kept_and_a_change_here_shows_at_once(world):
    api = world.api
    cache = api.app.state.public_cache
    assert cache.listening
    cert = api.certificate(world.product_a)
    assert status_of(api, cert.id) == "valid"
    hits = cache.hits
    assert status_of(api, cert.id) == "valid" and cache.hits == hits + 1  # the second answer came from the cache
    assert api.request("GET", f"/public/products/{world.product_a.id}").status_code == 200
    response = api.request("POST", f"/certificates/{cert.id}/revoke", "admin", json={"reason": "Vi phạm / breach"})
    assert response.status_code == 200, response.text
    assert status_of(api, cert.id) == "revoked"
    assert api.request("GET", f"/public/products/{world.product_a.id}").status_code == 404


def test_a_commit_by_another_connection_shows_on_the_next_read(world):
    api = world.api
    cert = api.certificate(world.product_a)
    assert status_of(api, cert.id) == "valid" and status_of(api, cert.id) == "valid"  # now kept
    with other_connection(api) as other:  # another process would do the same: a commit to the file
        other.execute("UPDATE certificates SET status = 'suspended' WHERE id = ?", (cert.id,))
    assert status_of(api, cert.id) == "suspended"


def test_badge_revalidation_follows_a_revocation_by_another_process(world):
    api = world.api
    cert = api.certificate(world.product_a)
    etag = api.client.get(f"/badge/{cert.id}.svg").headers["ETag"]
    assert api.client.get(f"/badge/{cert.id}.svg", headers={"If-None-Match": etag}).status_code == 304
    with other_connection(api) as other:
        other.execute("UPDATE certificates SET status = 'revoked' WHERE id = ?", (cert.id,))
    changed = api.client.get(f"/badge/{cert.id}.svg", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_search_answers_follow_a_revocation_by_another_process(world):
    api = world.api
    api.certificate(world.product_a)
    query = {"q": world.product_a.name}
    first = api.request("GET", "/public/products", params=query).json()
    assert first["total"] == 1
    assert api.request("GET", "/public/products", params=query).json() == first  # kept, and the same
    with other_connection(api) as other:
        other.execute("UPDATE certificates SET status = 'revoked' WHERE product_id = ?", (world.product_a.id,))
    assert api.request("GET", "/public/products", params=query).json()["total"] == 0


def test_an_in_memory_database_is_never_cached():
    engine = sa.create_engine("sqlite://")
    cache = ReadCache()
    assert sqlite_path(engine) is None and listen(engine, cache) is None
    assert not cache.listening


def test_a_commit_outside_the_registry_keeps_the_answers(world):
    api = world.api
    cache = api.app.state.public_cache
    cert = api.certificate(world.product_a)
    assert status_of(api, cert.id) == "valid"
    with other_connection(api) as other:  # another process saves a draft: a commit, but not to the registry
        other.execute("UPDATE products SET description = 'bản nháp' WHERE id = ?", (world.product_b.id,))
        other.execute("UPDATE users SET name = 'Người dùng mới' WHERE id = (SELECT min(id) FROM users)")
    hits, invalidations = cache.hits, cache.invalidations
    assert status_of(api, cert.id) == "valid"
    assert cache.hits == hits + 1 and cache.invalidations == invalidations  # still kept
    with other_connection(api) as other:  # and then the registry: emptied, and the new status read
        other.execute("UPDATE certificates SET status = 'suspended' WHERE id = ?", (cert.id,))
    assert status_of(api, cert.id) == "suspended" and cache.invalidations == invalidations + 1
