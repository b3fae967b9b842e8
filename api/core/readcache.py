"""An in-process cache of the public registry's answers (lookups, badges, search pages) and of what they are made
from (a query's whole ranking, blocks of rows: api.domain.registry), emptied by every change to the registry.

Each process keeps its own, bounded by entries and by bytes. It is emptied
- at once, in the process that commits a change (a session that wrote a table feeding the registry,
  `watch_sessions`), and
- in every other process when PostgreSQL tells it (`NOTIFY vcsc_registry`, sent by statement triggers on the read
  model's tables, migration 0013, inside the writing transaction: only a committed change is told), a few
  milliseconds later; and
- when the time passes at which some certificate's status changes by date (`next_change`, asked of the database
  when the cache starts filling again), so expiry needs no write.

On SQLite, which has no NOTIFY, the other processes' commits (a second server process, a `vcsc` command) are seen
by `PRAGMA data_version` on a connection of the cache's own, asked before every answer (a few microseconds): it
changes whenever another connection has committed, and then the registry's version (migration 0015) says whether
the registry changed; if so, the cache is emptied first.

A route answers from the event loop what can be made from kept entries alone (`from_memory`: a page of a kept
ranking whose products are in kept blocks, a lookup or badge whose block is kept): the build gets a keeper that
only gives what is kept (`MemoryOnly`) and no database (`NO_DATABASE`); when either raises `NotKept`, the route
reads instead (api.routes.public._read: in a worker thread on PostgreSQL, in place on SQLite, but for a search's
ranking, which is read first in a worker thread there too). What memory holds thus costs no thread hop and no query.

It answers only while it listens: before LISTEN is in place, and from the moment the listening connection is lost
until it is back (and the cache emptied once more), every read goes to the database; an in-memory SQLite database
(one per connection) is never cached. Values are stored as returned: callers must not change them.
"""

from __future__ import annotations

import logging
import re
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


def size_of(value: Any) -> int:
    """What an entry costs to keep, roughly, in bytes: a body its length, a ranking its `nbytes`, others a little."""
    if isinstance(value, bytes | bytearray):
        return len(value) + 100
    return int(getattr(value, "nbytes", 200))


class NotKept(LookupError):
    """What an answer being made from memory alone (`ReadCache.from_memory`) needs is not kept: it takes a read."""


class _NoDatabase:
    """The stand-in for a connection while an answer is made from memory: whatever is asked of it raises NotKept."""

    def __getattr__(self, name: str) -> Any:
        raise NotKept(name)

    def __repr__(self) -> str:
        return "NO_DATABASE"


NO_DATABASE: Any = _NoDatabase()


class _Flight:
    """One load of a key under way: the callers that miss the same key meanwhile wait for its value."""

    def __init__(self, generation: int):
        self.generation = generation
        self.done = threading.Event()
        self.value: Any = None
        self.ok = False


class ReadCache:
    """Answers by key, dropped all at once by `invalidate` (a change) or when `now` reaches the next status change.
    Bounded by entries and by bytes (`size_of`): the least recently used go first. Callers that miss the same key
    at once load it once: the first loads, the others wait for its value (a query's ranking read by twenty pages
    at the same moment is read once)."""

    FLIGHT_WAIT_S = 30.0  # a caller waits this long at most for another's load, then loads itself

    def __init__(
        self,
        *,
        max_entries: int = 200_000,
        max_bytes: int = 256 * 2**20,
        next_change: Callable[[datetime], datetime | None] | None = None,
    ):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._bytes = 0
        self._next_change = next_change
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()  # key -> (value, size)
        self._flights: dict[Hashable, _Flight] = {}
        self._generation = 0
        self._fresh_until: datetime | None = None
        self._fresh_known = False
        self.listening = False  # set by the listener while LISTEN is in place
        self.check: Callable[[], None] | None = None  # asked before each answer (SQLite: other processes' commits)
        self.hits = self.misses = self.invalidations = 0
        self.from_memory_builds = 0  # misses made from kept entries, without a read (`from_memory`)

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()
            self._bytes = 0
            self._fresh_known = False
            self._fresh_until = None
            self.invalidations += 1

    def _held(self, key: Hashable, now: datetime) -> tuple[tuple[Any, int] | None, int, bool]:
        """(the entry or None, the generation, whether the next status change is known); empties the cache first
        when another process committed (`check`) or `now` passed the next status change."""
        if self.check is not None:
            self.check()
        with self._lock:
            if self._fresh_known and self._fresh_until is not None and now > self._fresh_until:
                self._entries.clear()  # a certificate expired (or became valid) by date: every answer may change
                self._bytes = 0
                self._fresh_known = False
                self._generation += 1
            found = self._entries.get(key)  # (value, size): never None itself
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return found, self._generation, self._fresh_known

    def peek(self, key: Hashable, now: datetime) -> tuple[Any] | None:
        """(the cached answer,) for `key`, or None: nothing is loaded (an async route asks this first and loads only
        on a miss, in a thread)."""
        if not self.listening:
            return None
        found, _, _ = self._held(key, now)
        return None if found is None else (found[0],)

    def get(self, key: Hashable, load: Callable[[], T], now: datetime, since: int | None = None) -> T:
        """The cached answer for `key`, else `load()` (stored unless a change came while it ran, or since the
        `generation` given as `since`, when what `load` returns was read before)."""
        if not self.listening:
            return load()
        found, generation, fresh_known = self._held(key, now)
        if found is not None:
            return found[0]
        if since is not None and since != generation:  # read, or to be read, for a state of the registry now past
            self.misses += 1
            return load()
        with self._lock:
            flight = self._flights.get(key)
            leader = flight is None or flight.generation != generation
            if leader:
                flight = self._flights[key] = _Flight(generation)
        assert flight is not None
        if not leader:  # another caller is loading it for this same state of the registry: its value will do
            if flight.done.wait(self.FLIGHT_WAIT_S) and flight.ok:
                self.hits += 1
                return flight.value
            return load()
        try:
            flight.value = self._load(key, load, now, generation, fresh_known)
            flight.ok = True
            return flight.value
        finally:
            flight.done.set()
            with self._lock:
                if self._flights.get(key) is flight:
                    del self._flights[key]

    def _load(self, key: Hashable, load: Callable[[], T], now: datetime, generation: int, fresh_known: bool) -> T:
        self.misses += 1
        if not fresh_known and self._next_change is not None:
            fresh_until = self._next_change(now)  # before the load: a change by date after it empties the cache
            with self._lock:
                if generation == self._generation and not self._fresh_known:
                    self._fresh_until, self._fresh_known = fresh_until, True
        value = load()
        self._store(key, value, generation)
        return value

    def _store(self, key: Hashable, value: Any, generation: int) -> None:
        """Keep `value`, unless the registry changed since `generation` (it may be made of what was true before)."""
        size = size_of(value)
        with self._lock:
            if generation == self._generation and self.listening and size <= self.max_bytes:
                previous = self._entries.pop(key, None)
                if previous is not None:
                    self._bytes -= previous[1]
                self._entries[key] = (value, size)
                self._bytes += size
                while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                    self._bytes -= self._entries.popitem(last=False)[1][1]

    def from_memory(self, key: Hashable, build: Callable[[MemoryOnly], T], now: datetime) -> tuple[T] | None:
        """(the answer for `key`,): kept, or made by `build` from kept entries alone (`build` gets a keeper that
        raises NotKept for anything not kept, and must not read: see NO_DATABASE), then kept; None when it takes a
        read (also before the next status change is known, which is read). Never reads, never waits for another
        caller's load: safe on the event loop."""
        if not self.listening:
            return None
        found, generation, fresh_known = self._held(key, now)
        if found is not None:
            return (found[0],)
        if not fresh_known and self._next_change is not None:
            return None
        try:
            value = build(MemoryOnly(Kept(self, now)))
        except NotKept:
            return None
        self.misses += 1
        self.from_memory_builds += 1
        self._store(key, value, generation)
        return (value,)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def generation(self) -> int:
        """How many times it was emptied: a value read at one generation may be kept only in that generation."""
        return self._generation

    @property
    def bytes(self) -> int:
        return self._bytes

    def keeper(self, now: datetime) -> Kept | None:
        """This cache at `now`, as api.domain.registry's Keeper (a search's ranking kept for its other pages, the
        blocks of rows lookups read); None while it does not answer, so that nothing reads for a cache that keeps
        nothing."""
        return Kept(self, now) if self.listening else None


class Kept:
    """A ReadCache at one moment: `get` and `peek` without the time (api.domain.registry.Keeper). What its `get`
    loads is kept only if the registry did not change since it was made: a read made for one request (several
    blocks at once, say) can then be handed to `get` afterwards without keeping rows older than a change."""

    shared = True  # one per request, over the process's cache

    def __init__(self, cache: ReadCache, now: datetime):
        self.cache, self.now = cache, now
        self.generation = cache.generation

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        return self.cache.get(key, load, self.now, since=self.generation)

    def peek(self, key: Hashable) -> tuple[Any] | None:
        return self.cache.peek(key, self.now)


class MemoryOnly:
    """A keeper (api.domain.registry.Keeper) that gives what `kept` holds and raises NotKept for anything else."""

    shared = True

    def __init__(self, kept: Kept):
        self.kept = kept

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        found = self.kept.peek(key)
        if found is None:
            raise NotKept(key)
        return found[0]

    def peek(self, key: Hashable) -> tuple[Any] | None:
        return self.kept.peek(key)


# The tables whose changes reach the read model (migration 0006's triggers: products, their organisations and
# certificates) and the read model itself (migration 0015 counts its changes): only a write to one of these can change
# a public answer.
FEEDS = frozenset(
    {"products", "organisations", "certificates", "public_products", "public_certificates", "registry_version"}
)
DML = re.compile(r"\b(?:insert|update|delete|replace)\b", re.I)
# The tables plain SQL writes to (INSERT [OR …] INTO t, UPDATE [OR …] t, DELETE FROM t, REPLACE INTO t), anywhere.
TEXT_WRITE = re.compile(
    r'(?:insert(?:\s+or\s+\w+)?\s+into|update(?:\s+or\s+\w+)?|delete\s+from|replace\s+into)\s+"?(\w+)"?', re.I
)


def _feeds_the_registry(statement: Any) -> bool:
    """Whether a statement may write a table of FEEDS: a Core or ORM one by its table; SQL text by the tables its
    writes name, and text that names a write it cannot read counts as writing the registry (conservative)."""
    if isinstance(statement, sa.TextClause):
        if not DML.search(statement.text):
            return False
        tables = [name.lower() for name in TEXT_WRITE.findall(statement.text)]
        return not tables or any(name in FEEDS for name in tables)
    table = getattr(statement, "table", None)
    return getattr(table, "name", None) in FEEDS if table is not None else True


def watch_sessions(sessions: sessionmaker[Session], cache: ReadCache) -> None:
    """Empty `cache` when a session of `sessions` commits a transaction that wrote a table of FEEDS (by the unit of
    work or by a DML statement); a commit that wrote only other tables (a draft, an audit event) leaves it alone."""

    def flushed(session: Session, *_args) -> None:
        for instance in (*session.new, *session.dirty, *session.deleted):
            if getattr(sa.inspect(instance).mapper.local_table, "name", None) in FEEDS:
                session.info["vcsc_wrote"] = True
                return

    def executed(state) -> None:
        statement = state.statement
        dml = state.is_insert or state.is_update or state.is_delete or isinstance(statement, sa.TextClause)
        if dml and _feeds_the_registry(statement):
            state.session.info["vcsc_wrote"] = True

    def committed(session: Session) -> None:
        if session.info.pop("vcsc_wrote", False):
            cache.invalidate()

    def rolled_back(session: Session, *_args) -> None:
        session.info.pop("vcsc_wrote", None)

    event.listen(sessions, "after_flush", flushed)
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
    """Empties the cache when another connection has committed a change to the registry in the SQLite file. `PRAGMA
    data_version` on a connection of its own changes after every commit by any other connection
    (https://www.sqlite.org/pragma.html#pragma_data_version), which costs microseconds to ask; only then is the
    registry's version read (migration 0015: triggers count every change to the read model), and only when that has
    changed is the cache emptied, so a draft saved or an audit event written leaves the public answers in place. This
    process's commits are other connections too: seen the same way. Without the version table (a database not yet
    migrated) every commit empties the cache: conservative, never stale."""

    def __init__(self, path: str, cache: ReadCache):
        self.cache = cache
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._data_version = self._read_data_version()
        self._registry_version = self._read_registry_version()
        cache.check = self.check
        cache.invalidate()
        cache.listening = True

    def _read_data_version(self) -> int:
        return self._connection.execute("PRAGMA data_version").fetchone()[0]

    def _read_registry_version(self) -> int | None:
        try:
            row = self._connection.execute("SELECT version FROM registry_version WHERE id = 1").fetchone()
        except sqlite3.OperationalError:  # no such table: every commit counts
            return None
        return None if row is None else int(row[0])

    def check(self) -> None:
        with self._lock:
            data_version = self._read_data_version()
            if data_version == self._data_version:
                return
            self._data_version = data_version
            registry_version = self._read_registry_version()  # read after: it includes at least that commit
            changed = registry_version is None or registry_version != self._registry_version
            self._registry_version = registry_version
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
