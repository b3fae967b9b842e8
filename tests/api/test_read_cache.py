"""The in-process cache of public answers (api.core.readcache): what it keeps, and everything that empties it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from api.core.readcache import ReadCache

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


def counting():
    calls = []

    def load(value="answer"):
        calls.append(value)
        return value

    return calls, load


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
    started, release = threading.Event(), threading.Event()

    def slow_load():
        started.set()
        release.wait(5)
        return "read before the change"

    reader = threading.Thread(target=lambda: cache.get("k", slow_load, NOW))
    reader.start()
    started.wait(5)
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
