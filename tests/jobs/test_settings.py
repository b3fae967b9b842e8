"""The job back-end setting and its commands: wrong combinations are refused with a clear message, and the
PostgreSQL URL reaches Procrastinate as an equivalent libpq connection string."""

from __future__ import annotations

import psycopg
import pytest
from click.testing import CliRunner

from api.app import create_app
from api.cli.service import db as db_command
from api.cli.service import worker as worker_command
from api.core.db import libpq_conninfo
from api.core.settings import Settings
from api.jobs import JobsConfigError
from api.jobs.execute import storable


def test_procrastinate_needs_postgresql(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    with pytest.raises(JobsConfigError, match="PostgreSQL"):
        create_app(Settings(database_url=url, jobs="procrastinate"))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("VCSC_JOBS", "procrastinate")
    for command, args in ((db_command, ["upgrade"]), (worker_command, [])):
        result = CliRunner().invoke(command, args)
        assert result.exit_code == 1 and "PostgreSQL" in result.output, result.output
    monkeypatch.setenv("VCSC_JOBS", "celery")
    assert CliRunner().invoke(db_command, ["upgrade"]).exit_code != 0


def test_worker_needs_a_migrated_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'vcsc.db'}")
    result = CliRunner().invoke(worker_command, [])
    assert result.exit_code == 1 and "vcsc db upgrade" in result.output


@pytest.mark.parametrize(
    "url,expected",
    [
        (
            "postgresql://vcsc:p%40ss%20w@db.example.vn:5433/vcsc?sslmode=require",
            {
                "host": "db.example.vn",
                "port": "5433",
                "user": "vcsc",
                "password": "p@ss w",
                "dbname": "vcsc",
                "sslmode": "require",
            },
        ),
        (
            "postgresql+psycopg://postgres@/t_1?host=/tmp/vcsc-pg-x&port=5999",
            {"host": "/tmp/vcsc-pg-x", "port": "5999", "user": "postgres", "dbname": "t_1"},
        ),
        ("postgres://u@h/d", {"host": "h", "user": "u", "dbname": "d"}),
    ],
)
def test_database_url_as_libpq_conninfo(url, expected):
    assert psycopg.conninfo.conninfo_to_dict(libpq_conninfo(url)) == expected


def test_artifacts_are_made_storable():
    assert storable({"a\x00": ["x\x00y", float("nan"), "\ud800", 1.5, {"k": float("inf")}]}) == {
        "a\ufffd": ["x\ufffdy", None, "?", 1.5, {"k": None}]
    }
