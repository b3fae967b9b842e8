"""A throw-away PostgreSQL cluster for the test session, from the Debian server binaries."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import contextmanager

import psycopg


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL server binary '{name}' not found: apt-get install -y postgresql")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; the Debian package creates the 'postgres' user.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="vcsc-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = _free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                [_bin("initdb"), "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"]
            ),
            check=True,
            capture_output=True,
        )
        opts = (
            f"-k {self.dir} -p {self.port} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            _as_postgres(
                [_bin("pg_ctl"), "-D", self.data, "-o", opts, "-l", os.path.join(self.dir, "log"), "-w", "start"]
            ),
            check=True,
            capture_output=True,
        )

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.dir} port={self.port} user=postgres dbname={dbname}"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@/{dbname}?host={self.dir}&port={self.port}"

    def stop(self):
        subprocess.run(_as_postgres([_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


class ExternalServer:
    """A server named by VCSC_TEST_POSTGRES_DSN (libpq key=value string with admin rights)."""

    def __init__(self, dsn: str):
        self._dsn = dsn
        self._params = psycopg.conninfo.conninfo_to_dict(dsn)

    def dsn(self, dbname: str = "postgres") -> str:
        return psycopg.conninfo.make_conninfo(self._dsn, dbname=dbname)

    def url(self, dbname: str) -> str:
        from sqlalchemy.engine import URL

        p = self._params
        query = {"host": p["host"]} if str(p.get("host", "")).startswith("/") else {}
        return URL.create(
            "postgresql+psycopg",
            username=p.get("user"),
            password=p.get("password"),
            host=None if query else p.get("host"),
            port=p.get("port"),
            database=dbname,
            query=query,
        ).render_as_string(hide_password=False)

    def stop(self):
        pass


@contextmanager
def fresh_database(server):
    """Create an empty database, yield its SQLAlchemy URL, drop it afterwards."""
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(server.dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        yield server.url(name)
    finally:
        with psycopg.connect(server.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
