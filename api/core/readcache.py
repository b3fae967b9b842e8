"""An in-process cache of the public registry's answers (lookups, badges, search pages), emptied by every change.

Each process keeps its own. It is emptied
- at once, in the process that commits a change (a session that wrote anything, `watch_sessions`), and
- in every other process when PostgreSQL tells it (`NOTIFY vcsc_registry`, sent by statement triggers on the read
  model's tables, migration 0013, inside the writing transaction: only a committed change is told), a few
  milliseconds later; and
- when the time passes at which some certificate's status changes by date (`next_change`, asked of the database
  when the cache starts filling again), so expiry needs no write.

On SQLite, which has no NOTIFY, the other processes' commits (a second server process, a `vcsc` command) are seen
by `PRAGMA data_version` on a connection of the cache's own, asked before every answer (a few microseconds): it
changes whenever another connection has committed, and then the cache is emptied first.

It answers only while it listens: before LISTEN is in place, and from the moment the listening connection is lost
until it is back (and the cache emptied once more), every read goes to the database; an in-memory SQLite database
(one per connection) is never cached. Values are stored as returned: callers must not change them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

CHANNEL = "vcsc_registry"
T = TypeVar("T")


class ReadCache:
    """Answers by key, dropped all at once by `invalidate` (a change) or when `now` reaches the next status change."""

    def __init__(self, *, max_entries: int = 20_000, next_change: Callable[[datetime], datetime | None] | None = None):
        self.max_entries = max_entries
        self._next_change = next_change
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._generation = 0
        self._fresh_until: datetime | None = None
        self._fresh_known = False
        self.listening = False  # set by the listener while LISTEN is in place
        self.check: Callable[[], None] | None = None  # asked before each answer (SQLite: other processes' commits)
        self.hits = self.misses = self.invalidations = 0

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self._fresh_known = False
            self._fresh_until = None
            self.invalidations += 1

    def get(self, key: Hashable, load: Callable[[], T], now: datetime) -> T:
        """The cached answer for `key`, else `load()` (stored unless a change came while it ran)."""
        if not self.listening:
            return load()
        if self.check is not None:
            self.check()
        with self._lock:
            generation = self._generation
            if self._fresh_known and self._fresh_until is not None and now > self._fresh_until:
                self._entries.clear()  # a certificate expired (or became valid) by date: every answer may change
                self._fresh_known = False
                self._generation += 1
                generation = self._generation
            found = self._entries.get(key, _MISSING)
            if found is not _MISSING:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            fresh_known = self._fresh_known
        self.misses += 1
        if not fresh_known and self._next_change is not None:
            fresh_until = self._next_change(now)  # before the load: a change by date after it empties the cache
            with self._lock:
                if generation == self._generation and not self._fresh_known:
                    self._fresh_until, self._fresh_known = fresh_until, True
        value = load()
        with self._lock:
            if generation == self._generation and self.listening:
                self._entries[key] = value
                if len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


_MISSING = object()


def watch_sessions(sessions: sessionmaker[Session], cache: ReadCache) -> None:
    """Empty `cache` when a session of `sessions` commits a transaction that wrote anything (flush or DML)."""

    def wrote(session: Session, *_args) -> None:
        session.info["vcsc_wrote"] = True

    def executed(state) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info["vcsc_wrote"] = True

    def committed(session: Session) -> None:
        if session.info.pop("vcsc_wrote", False):
            cache.invalidate()

    def rolled_back(session: Session, *_args) -> None:
        session.info.pop("vcsc_wrote", None)

    event.listen(sessions, "after_flush", wrote)
    event.listen(sessions, "do_orm_execute", executed)
    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_rollback", rolled_back)


class Listener:
    """A thread holding `LISTEN vcsc_registry` on its own PostgreSQL connection; every notification empties the
    cache. While it is not listening (starting, reconnecting) the cache is bypassed."""

    def __init__(self, engine: sa.Engine, cache: ReadCache, *, poll_seconds: float = 1.0, retry_seconds: float = 2.0):
        self.engine, self.cache = engine, cache
        self.poll_seconds, self.retry_seconds = poll_seconds, retry_seconds
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, wait_seconds: float = 5.0) -> Listener:
        self._thread = threading.Thread(target=self._run, name="registry-listener", daemon=True)
        self._thread.start()
        self._ready.wait(wait_seconds)  # without it the cache simply stays bypassed until it is ready
        return self

    def stop(self) -> None:
        self._stop.set()
        self.cache.listening = False
        if self._thread is not None:
            self._thread.join(self.poll_seconds + 5)

    def _run(self) -> None:
        import psycopg  # the PostgreSQL driver the service ships (api.core.db.normalise_url)

        url = self.engine.url.set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while not self._stop.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self.cache.invalidate()  # whatever changed while nobody listened
                    self.cache.listening = True
                    self._ready.set()
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=self.poll_seconds, stop_after=None):
                            self.cache.invalidate()
            except Exception as exc:  # a restart, a dropped connection: bypass the cache until listening again
                self.cache.listening = False
                self.cache.invalidate()
                if self._stop.is_set():
                    break
                log.warning("registry change feed lost (%s); public reads go to the database until it is back", exc)
                self._stop.wait(self.retry_seconds)
            finally:
                self.cache.listening = False
        self._ready.set()


class SqliteWatcher:
    """Empties the cache when another connection has committed to the SQLite file: `PRAGMA data_version` on a
    connection of its own changes after every such commit (https://www.sqlite.org/pragma.html#pragma_data_version).
    This process's own commits empty it at once already (`watch_sessions`); they are other connections too, so the
    watcher sees them as well: conservative, never stale."""

    def __init__(self, path: str, cache: ReadCache):
        self.cache = cache
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._version = self._read()
        cache.check = self.check
        cache.invalidate()
        cache.listening = True

    def _read(self) -> int:
        return self._connection.execute("PRAGMA data_version").fetchone()[0]

    def check(self) -> None:
        with self._lock:
            version = self._read()
            changed, self._version = version != self._version, version
        if changed:
            self.cache.invalidate()

    def stop(self) -> None:
        self.cache.listening = False
        self.cache.check = None
        with self._lock:
            self._connection.close()


def sqlite_path(engine: sa.Engine) -> str | None:
    """The file of a SQLite engine's database; None for an in-memory one (each connection has its own)."""
    database = engine.url.database
    if not database or database == ":memory:" or "mode=memory" in database or engine.url.query.get("mode") == "memory":
        return None
    return database


def listen(engine: sa.Engine, cache: ReadCache) -> Listener | SqliteWatcher | None:
    """What lets `cache` answer (stop it at shutdown): on PostgreSQL a running listener, on a SQLite file a watcher
    of its data version; otherwise None, and the cache is bypassed."""
    if engine.dialect.name == "sqlite":
        path = sqlite_path(engine)
        return SqliteWatcher(path, cache) if path is not None else None
    if engine.dialect.name != "postgresql":
        return None
    began = time.monotonic()
    listener = Listener(engine, cache).start()
    log.debug("registry change feed ready in %.3f s", time.monotonic() - began)
    return listener
