"""Shared fixtures: database URLs for both back ends (SQLite file and a throw-away PostgreSQL)."""

from __future__ import annotations

import os

import pytest

from tests.pg import Cluster, ExternalServer, fresh_database


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for the session: VCSC_TEST_POSTGRES_DSN if given, else a temp cluster.

    Set VCSC_SKIP_POSTGRES=1 to skip PostgreSQL tests on a machine without the server;
    CI never sets it, so a missing server fails the run instead of hiding the tests.
    """
    if os.environ.get("VCSC_SKIP_POSTGRES") == "1":
        pytest.skip("VCSC_SKIP_POSTGRES=1")
    dsn = os.environ.get("VCSC_TEST_POSTGRES_DSN")
    server = ExternalServer(dsn) if dsn else Cluster()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    """An empty database URL, once for SQLite (a file, WAL) and once for PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vcsc.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        with fresh_database(server) as url:
            yield url
