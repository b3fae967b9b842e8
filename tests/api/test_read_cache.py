"""The in-process cache of public answers (api.core.readcache): what it keeps, and everything that empties it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from api.core.models import Certificate, Submission
from api.core.readcache import NO_DATABASE, NotKept, ReadCache, _feeds_the_registry

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def counting():
    calls = []

    def load(value="answer"):
        calls.append(value)
        return value

    return calls, load


def held_load(cache: ReadCache, key: str, value: str) -> tuple[threading.Thread, threading.Event]:
    """A load of `key` begun in another thread and held there until the returned event is set."""
    started, release = threading.Event(), threading.Event()

    def load():
        started.set()
        release.wait(5)
        return value

    thread = threading.Thread(target=lambda: cache.get(key, load, NOW))
    thread.start()
    started.wait(5)
    return thread, release


def test_it_answers_only_while_it_listens():
    cache = ReadCache()
    calls, load = counting()
    assert cache.get("k", load, NOW) == "answer" and cache.get("k", load, NOW) == "answer"
    assert len(calls) == 2  # not listening: every read goes to the database
    cache.listening = True
    cache.get("k", load, NOW)
    cache.get("k", load, NOW)
    assert len(calls) == 3 and cache.hits == 1


def test_a_change_empties_it():
    cache = ReadCache()
    cache.listening = True
    calls, load = counting()
    cache.get("k", load, NOW)
    cache.invalidate()
    cache.get("k", load, NOW)
    assert len(calls) == 2


def test_an_answer_loaded_across_a_change_is_not_kept():
    cache = ReadCache()
    cache.listening = True
    reader, release = held_load(cache, "k", "read before the change")
    cache.invalidate()  # a revocation committed while the read was on its way
    release.set()
    reader.join(5)
    assert len(cache) == 0
    calls, load = counting()
    assert cache.get("k", lambda: load("after"), NOW) == "after"


def test_expiry_by_date_empties_it_without_a_write():
    end = NOW + timedelta(hours=1)
    asked = []

    def next_change(now):
        asked.append(now)
        return end

    cache = ReadCache(next_change=next_change)
    cache.listening = True
    calls, load = counting()
    cache.get("k", load, NOW)
    cache.get("k", load, end)  # still valid at its end date (expired only after it)
    assert len(calls) == 1
    cache.get("k", load, end + timedelta(seconds=1))
    assert len(calls) == 2 and len(asked) == 2  # asked again for the next change after emptying


def test_the_oldest_answers_go_first_when_full():
    cache = ReadCache(max_entries=2)
    cache.listening = True
    calls, load = counting()
    for key in ("a", "b", "a", "c"):  # "a" used again: "b" is the least recently used
        cache.get(key, load, NOW)
    cache.get("a", load, NOW)
    assert len(calls) == 3
    cache.get("b", load, NOW)
    assert len(calls) == 4


def test_it_is_bounded_by_bytes_too():
    cache = ReadCache(max_bytes=1_000)
    cache.listening = True
    calls, load = counting()
    cache.get("a", lambda: load(b"x" * 400), NOW)
    cache.get("b", lambda: load(b"y" * 400), NOW)
    cache.get("c", lambda: load(b"z" * 400), NOW)  # over 1,000 bytes with "a": the least recently used goes
    assert len(cache) == 2 and cache.bytes <= 1_000
    cache.get("a", lambda: load(b"x" * 400), NOW)
    assert len(calls) == 4
    cache.get("huge", lambda: load(b"h" * 5_000), NOW)  # larger than the whole cache: answered, not kept
    assert len(cache) == 2 and cache.peek("huge", NOW) is None


def test_peek_answers_only_what_is_kept_and_loads_nothing():
    cache = ReadCache()
    calls, load = counting()
    cache.get("k", load, NOW)
    assert cache.peek("k", NOW) is None  # not listening: nothing is kept, nothing answered
    cache.listening = True
    assert cache.peek("k", NOW) is None
    cache.get("k", lambda: load(None), NOW)  # None is an answer too (an unknown certificate)
    assert cache.peek("k", NOW) == (None,) and len(calls) == 2
    assert cache.keeper(NOW) is not None and cache.keeper(NOW).peek("k") == (None,)
    cache.listening = False
    assert cache.keeper(NOW) is None  # nothing to keep blocks or rankings in: lookups read their row alone


@pytest.mark.parametrize(
    ("statement", "registry"),
    [
        (sa.text('UPDATE "submissions" SET id = id WHERE 0'), False),  # api.core.db.lock_for_update on SQLite
        (sa.text("update audit_events set id = id where 0"), False),
        (sa.text("INSERT INTO mail_outbox (id) VALUES (1)"), False),
        (sa.text("UPDATE certificates SET status = 'revoked'"), True),
        (sa.text('DELETE FROM "products" WHERE id = 1'), True),
        (sa.text("INSERT OR REPLACE INTO organisations (id) VALUES (1)"), True),
        (sa.text("WITH x AS (SELECT 1) UPDATE certificates SET note = ''"), True),  # a write after a CTE
        (sa.text("SELECT id FROM certificates WHERE status = 'valid'"), False),
        (sa.text("UPDATE/* a comment */certificates SET note = ''"), True),  # unreadable: counted as the registry
        (sa.update(Certificate).values(note=""), True),
        (sa.delete(Submission), False),
    ],
)
def test_which_writes_can_change_a_public_answer(statement, registry):
    assert _feeds_the_registry(statement) is registry


def test_callers_missing_the_same_key_at_once_load_it_once():
    cache = ReadCache()
    cache.listening = True
    started, release = threading.Event(), threading.Event()
    loads = []

    def slow_load():
        loads.append(1)
        started.set()
        release.wait(5)
        return "ranking"

    answers = []
    first = threading.Thread(target=lambda: answers.append(cache.get("k", slow_load, NOW)))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: answers.append(cache.get("k", slow_load, NOW))) for _ in range(5)]
    for t in others:
        t.start()
    release.set()
    for t in (first, *others):
        t.join(5)
    assert answers == ["ranking"] * 6 and len(loads) == 1


def test_a_caller_after_a_change_does_not_take_the_load_begun_before_it():
    cache = ReadCache()
    cache.listening = True
    reader, release = held_load(cache, "k", "before")
    cache.invalidate()  # a revocation committed while the first read was on its way
    assert cache.get("k", lambda: "after", NOW) == "after"  # its own load, not the one begun before the change
    release.set()
    reader.join(5)
    assert cache.get("k", lambda: "again", NOW) == "after"


def test_from_memory_makes_an_answer_of_kept_entries_alone_and_keeps_it():
    cache = ReadCache()
    cache.listening = True
    assert cache.from_memory("page", lambda keep: keep.get("block", _never), NOW) is None  # the block takes a read
    assert cache.peek("page", NOW) is None and cache.from_memory_builds == 0
    cache.get("block", lambda: {"a": 1}, NOW)  # read once, in a worker thread in the app
    assert cache.from_memory("page", lambda keep: f"page of {keep.get('block', _never)['a']}", NOW) == ("page of 1",)
    assert cache.peek("page", NOW) == ("page of 1",) and cache.from_memory_builds == 1
    assert cache.from_memory("page", lambda keep: _never(), NOW) == ("page of 1",)  # kept: not made again


def test_from_memory_never_touches_the_database():
    cache = ReadCache()
    cache.listening = True
    with pytest.raises(NotKept):
        NO_DATABASE.execute("SELECT 1")
    assert cache.from_memory("k", lambda keep: NO_DATABASE.scalar("SELECT 1"), NOW) is None
    assert cache.peek("k", NOW) is None


def test_from_memory_keeps_nothing_made_across_a_change():
    cache = ReadCache()
    cache.listening = True
    cache.get("block", lambda: "before", NOW)

    def made_while_a_revocation_commits(keep):
        value = keep.get("block", _never)
        cache.invalidate()
        return f"page of {value}"

    assert cache.from_memory("page", made_while_a_revocation_commits, NOW) == ("page of before",)
    assert cache.peek("page", NOW) is None  # the next reader makes it again from what is true now


def test_from_memory_reads_nothing_before_the_next_status_change_is_known():
    asked = []
    cache = ReadCache(next_change=lambda now: asked.append(now) or now + timedelta(days=1))
    cache.listening = True
    assert cache.from_memory("k", lambda keep: "made", NOW) is None and asked == []  # that is a read: a thread's job
    cache.get("block", lambda: "rows", NOW)
    assert asked == [NOW] and cache.from_memory("k", lambda keep: "made", NOW) == ("made",)


def test_from_memory_does_not_wait_for_another_callers_load():
    cache = ReadCache()
    cache.listening = True
    cache.get("other", lambda: "rows", NOW)  # the next status change is known now
    loader, release = held_load(cache, "block", "rows")
    answers = []
    on_the_event_loop = threading.Thread(
        target=lambda: answers.append(cache.from_memory("page", lambda keep: keep.get("block", _never), NOW))
    )
    on_the_event_loop.start()
    on_the_event_loop.join(5)
    finished_before_the_load = not on_the_event_loop.is_alive()
    release.set()
    loader.join(5)
    assert finished_before_the_load and answers == [None]  # left to a thread, which waits for that load
    assert cache.from_memory("page", lambda keep: keep.get("block", _never), NOW) == ("rows",)


def _never():
    raise AssertionError("loaded: an answer made from memory must not read")


def test_a_keeper_made_before_a_change_keeps_nothing_it_loads():
    cache = ReadCache()
    cache.listening = True
    keeper = cache.keeper(NOW)  # a request begins: what it reads from now on may be handed to the keeper later
    cache.invalidate()  # a revocation commits meanwhile
    assert keeper.get("block", lambda: "rows read before the change") == "rows read before the change"
    assert cache.peek("block", NOW) is None  # not kept: the next request reads what is true now
    assert cache.keeper(NOW).get("block", lambda: "now") == "now" and cache.peek("block", NOW) == ("now",)
