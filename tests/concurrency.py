"""Helpers for tests with concurrent writers: start calls together, and widen the window between a read and
the write that depends on it, as a busy server would."""

from __future__ import annotations

import threading
import time


def race(calls, timeout: float = 120) -> list:
    """Run the calls at once (behind a barrier) and return their results in order; any exception fails."""
    barrier, results, errors = threading.Barrier(len(calls)), [None] * len(calls), []

    def go(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert errors == []
    return results


def slowed(monkeypatch, owner, name: str, seconds: float) -> None:
    """Make `owner.name` sleep `seconds` before doing its work."""
    real = getattr(owner, name)

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, slow)
