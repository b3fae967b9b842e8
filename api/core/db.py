"""Database engine, per-request sessions and Alembic migrations (configured in code, no alembic.ini)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import Request
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def normalise_url(url: str | URL) -> URL:
    """postgres:// and postgresql:// name psycopg 3 (the driver we ship), not psycopg2."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while a request writes; SQLite leaves foreign keys off unless asked.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


def private_sqlite_file(path: Path) -> None:
    """The database file made (empty) with mode 0600 before SQLite opens it, so it is never world-readable; SQLite
    gives its -wal and -shm files the mode of the database file. A file left group- or world-readable by an older
    version is narrowed to 0600 with its companions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for file in (path, *(path.with_name(path.name + suffix) for suffix in SQLITE_COMPANIONS)):
        try:
            if file.stat().st_mode & 0o077:
                file.chmod(0o600)
        except FileNotFoundError:
            continue
        except PermissionError:  # not ours to change (a shared file set up by the operator): leave it
            continue


def make_engine(url: str | URL, echo: bool = False) -> sa.Engine:
    """An engine for `url`; for a SQLite file, its folder is created and the pragmas set on connect."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(parsed, echo=echo, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
        private_sqlite_file(Path(parsed.database).expanduser())
    # Sync routes run in a thread pool, so one connection may serve several threads in turn.
    engine = sa.create_engine(parsed, echo=echo, connect_args={"check_same_thread": False})
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def session_factory(engine: sa.Engine) -> sessionmaker[Session]:
    # Objects stay readable after commit: responses are built after the transaction ends.
    return sessionmaker(bind=engine, expire_on_commit=False)


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on any error."""
    with request.app.state.sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# --- migrations ------------------------------------------------------------------------


def alembic_config(connection: sa.Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str | URL, revision: str = "head", *, job_schema: bool = False) -> None:
    """Bring the database at `url` to `revision` (head by default); with `job_schema`, also create the
    Procrastinate job tables if they are missing (PostgreSQL only)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), revision)
            if job_schema:
                ensure_job_schema(connection)
    finally:
        engine.dispose()


def has_job_schema(connection: sa.Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    return bool(connection.exec_driver_sql("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").scalar())


def ensure_job_schema(connection: sa.Connection) -> bool:
    """Apply Procrastinate's schema once (its schema.sql is not idempotent); True if it was applied now."""
    if connection.dialect.name != "postgresql":
        raise ValueError("Procrastinate needs PostgreSQL / Procrastinate cần PostgreSQL")
    if has_job_schema(connection):
        return False
    from procrastinate.schema import SchemaManager

    # Several statements in one string: psycopg sends them as one simple query when no parameters are given.
    driver = connection.connection.driver_connection
    assert driver is not None  # an open connection has its driver's (psycopg) connection
    driver.execute(SchemaManager.get_schema())
    return True


def libpq_conninfo(url: str | URL) -> str:
    """The libpq connection string for a PostgreSQL SQLAlchemy URL (what Procrastinate's psycopg pool takes)."""
    from psycopg.conninfo import make_conninfo

    parsed = normalise_url(url)
    params = {key: value if isinstance(value, str) else value[-1] for key, value in parsed.query.items()}
    for key, value in (
        ("host", parsed.host),
        ("port", parsed.port),
        ("user", parsed.username),
        ("password", parsed.password),
        ("dbname", parsed.database),
    ):
        if value is not None and value != "":
            params[key] = str(value)
    return make_conninfo("", **params)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None  # api/migrations has revisions
    return head


def affected(result: sa.Result[Any]) -> int:
    """The number of rows an UPDATE or DELETE matched (its result is a CursorResult)."""
    return cast(sa.CursorResult[Any], result).rowcount


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def lock_for_update(session: Session, obj) -> None:
    """Lock `obj`'s row until the transaction ends, then re-read it, so a check-then-change on it cannot race.

    PostgreSQL: SELECT ... FOR UPDATE (a second transaction waits, then sees the committed change).
    SQLite: a write statement matching no row takes the database's single write lock now (a concurrent writer
    waits on busy_timeout); the re-read then sees whatever the previous writer committed.
    """
    table = type(obj).__table__
    if session.get_bind().dialect.name == "postgresql":
        # The row alone (the mapped object's eager joins cannot be locked with it).
        session.execute(sa.select(table.c.id).where(table.c.id == obj.id).with_for_update())
    else:
        session.execute(sa.text(f'UPDATE "{table.name}" SET id = id WHERE 0'))
    session.refresh(obj)
