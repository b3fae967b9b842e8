"""The audit trail: every state change as an append-only, hash-chained event (who, what, when, before, after).

`record` writes the event in the caller's transaction, so a rolled-back change leaves no event. Each event's hash
covers its content and the previous event's hash; `verify_chain` finds the first edited, deleted or reordered row.
There is no code path that updates or deletes an event, and database triggers refuse both (migration 0003).
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.models import AuditEvent, User, utcnow

GENESIS = "0" * 64
# Any constant: the transaction-level advisory lock that serialises appends on PostgreSQL ("VCSC" "AUDT").
PG_LOCK_KEY = 0x56435343_41554454 - 2**63
HASH_MISMATCH = "hash mismatch"
PREV_MISMATCH = "prev_hash mismatch"

Actor = User | str | None  # a user, a label for the system ("cli", "worker", "demo"), or None ("system")


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(event: Any) -> str:
    """sha256 of the canonical JSON of an event (an AuditEvent or a row with its columns)."""
    return hashlib.sha256(canonical({
        "id": event.id, "at": event.at.isoformat(), "actor_user_id": event.actor_user_id,
        "actor_label": event.actor_label, "action": event.action, "object_type": event.object_type,
        "object_id": event.object_id, "organisation_id": event.organisation_id, "before": event.before,
        "after": event.after, "prev_hash": event.prev_hash})).hexdigest()


def _lock_chain(session: Session) -> None:
    """Make this transaction the only one appending until it ends, before the last hash is read."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_LOCK_KEY)))
    elif dialect == "sqlite":
        # A write statement (matching no row, so no trigger fires) takes SQLite's single write lock now, if this
        # transaction does not hold it already; a concurrent appender waits for our commit (busy_timeout).
        session.execute(sa.text("UPDATE audit_events SET id = id WHERE 0"))
    else:  # pragma: no cover - only the two back ends are supported
        raise RuntimeError(f"no audit lock for {dialect}")


def _actor(actor: Actor) -> tuple[int | None, str]:
    if isinstance(actor, User):
        return actor.id, actor.email
    return None, actor or "system"


def record(session: Session, actor: Actor, action: str, obj_type: str, obj_id: Any, org_id: int | None,
           before: Any = None, after: Any = None) -> AuditEvent:
    """Append one event in the session's transaction (never pass secrets in `before`/`after`)."""
    _lock_chain(session)
    last = session.execute(sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    actor_id, label = _actor(actor)
    event = AuditEvent(id=(last.id + 1) if last else 1, at=utcnow(), actor_user_id=actor_id, actor_label=label[:254],
                       action=action, object_type=obj_type, object_id=None if obj_id is None else str(obj_id),
                       organisation_id=org_id, before=before, after=after,
                       prev_hash=last.hash if last else GENESIS)
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session, batch: int = 1000) -> tuple[bool, int, dict[str, Any] | None]:
    """(ok, events checked, first broken link {id, reason} or None), walking the events in id order."""
    expected_prev, checked, after_id = GENESIS, 0, 0
    while True:
        # Plain rows, not ORM objects: nothing piles up in the session however long the log is.
        rows = session.execute(sa.select(*AuditEvent.__table__.columns).where(AuditEvent.id > after_id)
                               .order_by(AuditEvent.id).limit(batch)).all()
        if not rows:
            return True, checked, None
        for event in rows:
            if event_hash(event) != event.hash:
                return False, checked, {"id": event.id, "reason": HASH_MISMATCH}
            if event.prev_hash != expected_prev:
                return False, checked, {"id": event.id, "reason": PREV_MISMATCH}
            expected_prev, checked, after_id = event.hash, checked + 1, event.id


def changed_keys(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The keys whose values differ (added, removed or changed), sorted."""
    return sorted(k for k in set(before) | set(after) if before.get(k, ...) != after.get(k, ...))
