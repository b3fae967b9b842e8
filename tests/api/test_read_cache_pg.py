"""The public answers each process keeps on PostgreSQL (api.core.readcache), against a real server: a change made
here shows at once, a change made by another process shows as soon as PostgreSQL tells this one, a lost change
feed means no cache until it is back."""

from __future__ import annotations

import time
from datetime import timedelta

import psycopg
import pytest

pytestmark = pytest.mark.postgres


@pytest.fixture(params=["postgres"])
def database_url(request, tmp_path):
    from tests.pg import fresh_database

    server = request.getfixturevalue("postgres_server")
    with fresh_database(server) as url:
        yield url


def dsn(api) -> str:
    return api.app.state.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def status_of(api, cert_id: str) -> str:
    response = api.request("GET", f"/public/certificates/{cert_id}")
    assert response.status_code == 200, response.text
    return response.json()["status"]


def eventually(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def test_answers_are_kept_and_a_change_here_shows_at_once(world):
    api = world.api
    cache = api.app.state.public_cache
    assert eventually(lambda: cache.listening)
    cert = api.certificate(world.product_a)
    assert status_of(api, cert.id) == "valid"
    hits = cache.hits
    assert status_of(api, cert.id) == "valid" and cache.hits == hits + 1  # the second answer came from the cache
    assert api.request("GET", f"/public/products/{world.product_a.id}").status_code == 200
    response = api.request("POST", f"/certificates/{cert.id}/revoke", "admin", json={"reason": "Vi phạm / breach"})
    assert response.status_code == 200, response.text
    assert status_of(api, cert.id) == "revoked"  # no waiting: this process emptied its cache on commit
    assert api.request("GET", f"/public/products/{world.product_a.id}").status_code == 404


def test_a_change_by_another_process_shows_when_postgresql_tells(world):
    api = world.api
    cache = api.app.state.public_cache
    assert eventually(lambda: cache.listening)
    cert = api.certificate(world.product_a)
    assert status_of(api, cert.id) == "valid" and status_of(api, cert.id) == "valid"
    # Another process (here: a connection of our own, outside the app) suspends it.
    with psycopg.connect(dsn(api), autocommit=True) as other:
        other.execute("UPDATE certificates SET status = 'suspended' WHERE id = %s", (cert.id,))
    assert eventually(lambda: status_of(api, cert.id) == "suspended", 5.0)


def test_badge_revalidation_follows_a_revocation(world):
    api = world.api
    assert eventually(lambda: api.app.state.public_cache.listening)
    cert = api.certificate(world.product_a)
    first = api.client.get(f"/badge/{cert.id}.svg")
    etag = first.headers["ETag"]
    assert api.client.get(f"/badge/{cert.id}.svg", headers={"If-None-Match": etag}).status_code == 304
    with psycopg.connect(dsn(api), autocommit=True) as other:
        other.execute("UPDATE certificates SET status = 'revoked' WHERE id = %s", (cert.id,))
    assert eventually(
        lambda: api.client.get(f"/badge/{cert.id}.svg", headers={"If-None-Match": etag}).status_code == 200, 5.0
    )


def test_a_lost_change_feed_means_no_cache_until_it_is_back(world):
    api = world.api
    cache = api.app.state.public_cache
    assert eventually(lambda: cache.listening)
    cert = api.certificate(world.product_a)
    assert status_of(api, cert.id) == "valid"
    with psycopg.connect(dsn(api), autocommit=True) as admin:
        # The listener's connection dies (a restart, a proxy timeout): until it listens again, nothing is cached.
        killed = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE query LIKE 'LISTEN vcsc_registry%' AND pid <> pg_backend_pid()"
        ).fetchall()
        assert killed
        assert eventually(lambda: not cache.listening or cache.invalidations > 0, 5.0)
        admin.execute("UPDATE certificates SET status = 'suspended' WHERE id = %s", (cert.id,))
    assert eventually(lambda: status_of(api, cert.id) == "suspended", 5.0)
    assert eventually(lambda: cache.listening, 10.0)  # and it comes back by itself


def test_an_expiry_by_date_needs_no_write(world, monkeypatch):
    from api.http import present
    from api.routes import public

    api = world.api
    cache = api.app.state.public_cache
    assert eventually(lambda: cache.listening)
    cert = api.certificate(world.product_a, days=1)
    assert status_of(api, cert.id) == "valid" and status_of(api, cert.id) == "valid"
    two_days_on = present.utcnow() + timedelta(days=2)
    monkeypatch.setattr(present, "utcnow", lambda: two_days_on)  # where the lookups read the time
    monkeypatch.setattr(public, "utcnow", lambda: two_days_on)  # and where the cache is asked
    assert status_of(api, cert.id) == "expired"
    assert api.request("GET", f"/public/products/{world.product_a.id}").status_code == 404
