"""The audit trail: every state change as an append-only, hash-chained event (who, what, when, before, after).

`record` writes the event in the caller's transaction, so a rolled-back change leaves no event. Each event's hash
covers its content and the previous event's hash; `verify_chain` finds the first edited, deleted or reordered row.
There is no code path that updates or deletes an event, and database triggers refuse both (migration 0003).

Signed heads. A hash chain alone proves nothing to someone who can write the table: deleting the last rows, or
editing a row and recomputing every later hash, leaves a chain that verifies. So the head of the chain (last event
id, its hash and time) is signed with an Ed25519 key of its own, the *audit key* (`keys_dir/audit/ed25519.pem`,
made on first start, 0600; never the certificate key, so neither key can stand in for the other):

* `signed_head` signs the current head; GET /api/v1/audit/head (public) and `vcsc audit head` publish it. Anyone
  may keep copies elsewhere (a ticket, an email, another server).
* `record` stores a signed head as a checkpoint (table audit_checkpoints, append-only) with the first event that
  comes `every_events` events or `every_minutes` minutes after the previous checkpoint. Each checkpoint names the
  previous one and the largest gap allowed after it.
* `verify_trail` checks the chain, then every stored checkpoint, then, if given, a head saved elsewhere.

What is detected, by someone who can write the database but does not hold the audit key:
* any edit, deletion, insertion or reordering inside the chain that is not followed by recomputing the later
  hashes (the chain itself: first broken link);
* against a saved head for event N: deleting event N or any earlier one, or deleting the tail down below N
  ("truncated"); editing any event up to N even with every later hash recomputed ("rewritten");
* against the stored checkpoints: the same for every checkpoint left in place; deleting a checkpoint in the middle
  (the next one names it); a rewrite that also deletes every checkpoint after the edit, when the events after the
  last checkpoint left then number at least that checkpoint's allowed gap ("unsealed tail");
* a checkpoint or saved head whose signature does not verify with the audit key (forged or altered).

What is not detected:
* without a saved head: deleting or rewriting the events after the last checkpoint, together with every checkpoint
  after the point of change, as long as fewer events than the allowed gap remain after the last checkpoint kept
  (so at most `every_events - 1` events past it); deleting all checkpoints (verify reports that there are none);
* anything after the newest head saved elsewhere, and events that were never recorded (a change made by writing
  the tables directly, bypassing `record`);
* anything done by someone who holds the audit key (they can sign a new head for a rewritten chain): keep
  keys_dir out of database backups and readable only by the service; compare against heads saved elsewhere;
* when the events' times are true: `at` is written by the server and covered by the hash, but not witnessed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.api_jws import PyJWS
from sqlalchemy.orm import Session, sessionmaker

from api.core.keyfiles import read_private_key, write_private_key
from api.core.models import AuditCheckpoint, AuditEvent, User, utcnow
from api.domain.access import visible
from checker.logs import current_request_id

GENESIS = "0" * 64
PAGE_SIZE = 50  # events per page, for the API and the pages
# Any constant: the transaction-level advisory lock that serialises appends on PostgreSQL ("VCSC" "AUDT").
PG_LOCK_KEY = 0x56435343_41554454 - 2**63
HASH_MISMATCH = "hash mismatch"
PREV_MISMATCH = "prev_hash mismatch"

Actor = User | str | None  # a user, a label for the system ("cli", "worker", "demo"), or None ("system")


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def event_hash(event: Any) -> str:
    """sha256 of the canonical JSON of an event (an AuditEvent or a row with its columns).

    `request_id` is hashed only when the event has one, so the events recorded before it existed (migration 0014)
    keep their hashes, and a request id added to, changed in or removed from a later event breaks the chain."""
    content = {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor_user_id": event.actor_user_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "organisation_id": event.organisation_id,
        "before": event.before,
        "after": event.after,
        "prev_hash": event.prev_hash,
    }
    request_id = getattr(event, "request_id", None)
    if request_id is not None:
        content["request_id"] = request_id
    return hashlib.sha256(canonical(content)).hexdigest()


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


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj_type: str,
    obj_id: Any,
    org_id: int | None,
    before: Any = None,
    after: Any = None,
) -> AuditEvent:
    """Append one event in the session's transaction (never pass secrets in `before`/`after`). The event carries
    the current request id (checker.logs: the HTTP request's X-Request-ID, or the probe job's id), if any."""
    _lock_chain(session)
    last = session.execute(sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    actor_id, label = _actor(actor)
    event = AuditEvent(
        id=(last.id + 1) if last else 1,
        at=utcnow(),
        actor_user_id=actor_id,
        actor_label=label[:254],
        action=action,
        object_type=obj_type,
        object_id=None if obj_id is None else str(obj_id),
        organisation_id=org_id,
        before=before,
        after=after,
        prev_hash=last.hash if last else GENESIS,
        request_id=current_request_id(),
    )
    event.hash = event_hash(event)
    session.add(event)
    session.flush()
    sealer = session.info.get(SEALER_INFO_KEY)
    if sealer is not None:  # still under the chain lock: checkpoints follow the events' order
        sealer.checkpoint_if_due(session, event)
    return event


def verify_chain(session: Session, batch: int = 1000) -> tuple[bool, int, dict[str, Any] | None]:
    """(ok, events checked, first broken link {id, reason} or None), walking the events in id order."""
    expected_prev, checked, after_id = GENESIS, 0, 0
    while True:
        # Plain rows, not ORM objects: nothing piles up in the session however long the log is.
        rows = session.execute(
            sa.select(*AuditEvent.__table__.columns)
            .where(AuditEvent.id > after_id)
            .order_by(AuditEvent.id)
            .limit(batch)
        ).all()
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


# --- the audit key and signed heads ------------------------------------------------------------------------------

AUDIT_KEY_FOLDER = "audit"  # under keys_dir, beside (never instead of) the certificate key
AUDIT_KEY_FILE = "ed25519.pem"
HEAD_ALG = "EdDSA"
HEAD_TYP = "vcsc-audit-head+jws"
SEALER_INFO_KEY = "vcsc.audit_sealer"
# Reasons verify_trail gives (besides the chain's HASH_MISMATCH and PREV_MISMATCH).
TRUNCATED = "truncated below a signed head"
REWRITTEN = "rewritten before a signed head"
BAD_SIGNATURE = "signed head does not verify with the audit key"
OTHER_KEY = "signed head made with another audit key"
CHECKPOINT_MISSING = "checkpoint missing before this one"
CHECKPOINT_ALTERED = "checkpoint columns differ from its signed head"
UNSEALED_TAIL = "too many events after the last checkpoint (checkpoints deleted?)"
NO_KEY = "no audit key to check the signed heads"


class AuditKeyError(Exception):
    """The audit key cannot be read."""


@dataclass(frozen=True)
class AuditKey:
    private_key: Ed25519PrivateKey
    path: Path

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def public_jwk(self) -> dict[str, str]:
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw), "use": "sig", "kid": self.kid}

    @property
    def kid(self) -> str:
        """The RFC 7638 thumbprint of the public key (as the certificate key's kid is made)."""
        raw = self.public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(raw)}
        return _b64url(hashlib.sha256(json.dumps(members, sort_keys=True, separators=(",", ":")).encode()).digest())


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def audit_key_path(keys_dir: Path) -> Path:
    return Path(keys_dir) / AUDIT_KEY_FOLDER / AUDIT_KEY_FILE


def load_audit_key(keys_dir: Path) -> AuditKey:
    """The existing audit key (never creates one)."""
    path = audit_key_path(keys_dir)
    private_key = read_private_key(path, AuditKeyError, "khoá nhật ký", "audit key")
    return AuditKey(private_key, path)


def load_or_create_audit_key(keys_dir: Path) -> AuditKey:
    """The audit key, created on the first call (folder 0700, file 0600; written to a temporary file and
    hard-linked into place, so of two processes starting together the second reads the first's key)."""
    path = audit_key_path(keys_dir)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists():
        return load_audit_key(keys_dir)
    private_key = Ed25519PrivateKey.generate()
    if not write_private_key(path, private_key):
        return load_audit_key(keys_dir)
    return AuditKey(private_key, path)


def sign_head(key: AuditKey, payload: dict[str, Any]) -> str:
    """A compact JWS (EdDSA) over the canonical JSON of `payload`."""
    return PyJWS().encode(
        canonical(payload), key.private_key, algorithm=HEAD_ALG, headers={"kid": key.kid, "typ": HEAD_TYP}
    )


class HeadError(ValueError):
    """A signed head that does not verify; the message is one of the reasons above."""


def read_head(token: str, key: AuditKey) -> dict[str, Any]:
    """The payload of a signed head made with `key`; HeadError otherwise."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise HeadError(BAD_SIGNATURE) from None
    if header.get("kid") != key.kid:
        raise HeadError(OTHER_KEY)
    if header.get("typ") != HEAD_TYP or header.get("alg") != HEAD_ALG:
        raise HeadError(BAD_SIGNATURE)
    try:
        decoded = PyJWS().decode_complete(token, key=key.public_key, algorithms=[HEAD_ALG])
        payload = json.loads(decoded["payload"])
    except (jwt.PyJWTError, ValueError):
        raise HeadError(BAD_SIGNATURE) from None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("event_id"), int)
        or not isinstance(payload.get("event_hash"), str)
    ):
        raise HeadError(BAD_SIGNATURE)
    return payload


def _last_event(session: Session):
    return session.execute(
        sa.select(AuditEvent.id, AuditEvent.hash, AuditEvent.at).order_by(AuditEvent.id.desc()).limit(1)
    ).first()


def signed_head(session: Session, key: AuditKey) -> dict[str, Any]:
    """The current head of the chain, signed: what to save elsewhere and give to `verify_trail(head=...)` later.
    An empty chain's head is event 0 with the genesis hash."""
    last = _last_event(session)
    payload = {
        "event_id": last.id if last else 0,
        "event_hash": last.hash if last else GENESIS,
        "event_at": last.at.isoformat() if last else None,
        "signed_at": utcnow().isoformat(),
    }
    return {**payload, "kid": key.kid, "jws": sign_head(key, payload), "public_jwk": key.public_jwk}


@dataclass
class Sealer:
    """Stores signed checkpoints as events are recorded (attached to a sessionmaker by `attach_sealer`)."""

    keys_dir: Path
    every_events: int = 100
    every_minutes: float = 60.0
    _key: AuditKey | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def key(self) -> AuditKey:
        with self._lock:
            if self._key is None:
                self._key = load_or_create_audit_key(self.keys_dir)
            return self._key

    def checkpoint_if_due(self, session: Session, event: AuditEvent) -> AuditCheckpoint | None:
        last = session.execute(
            sa.select(AuditCheckpoint.event_id, AuditCheckpoint.signed_at)
            .order_by(AuditCheckpoint.event_id.desc())
            .limit(1)
        ).first()
        if (
            last is not None
            and event.id - last.event_id < self.every_events
            and event.at - last.signed_at < timedelta(minutes=self.every_minutes)
        ):
            return None
        signed_at = utcnow()
        payload = {
            "event_id": event.id,
            "event_hash": event.hash,
            "event_at": event.at.isoformat(),
            "signed_at": signed_at.isoformat(),
            "previous_checkpoint": last.event_id if last else None,
            "max_gap": self.every_events,
        }
        key = self.key
        checkpoint = AuditCheckpoint(
            event_id=event.id, event_hash=event.hash, signed_at=signed_at, kid=key.kid, jws=sign_head(key, payload)
        )
        session.add(checkpoint)
        session.flush()
        return checkpoint


def attach_sealer(sessions: sessionmaker, settings) -> Sealer:
    """Make every session of `sessions` store checkpoints (the server, the workers and the CLI all do this, so
    the gap between two checkpoints never exceeds the setting)."""
    sealer = Sealer(Path(settings.keys_dir), settings.audit_checkpoint_events, settings.audit_checkpoint_minutes)
    sessions.configure(info={**sessions.kw.get("info", {}), SEALER_INFO_KEY: sealer})
    return sealer


def _event_hash_at(session: Session, event_id: int) -> str | None:
    return session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.id == event_id))


def _against(session: Session, payload: dict[str, Any], last_id: int) -> str | None:
    """Why the chain does not extend the signed head `payload`, or None."""
    if payload["event_id"] == 0:
        return None if payload["event_hash"] == GENESIS else REWRITTEN
    if payload["event_id"] > last_id:
        return TRUNCATED
    stored = _event_hash_at(session, payload["event_id"])
    if stored is None:
        return TRUNCATED
    return None if stored == payload["event_hash"] else REWRITTEN


def verify_checkpoints(session: Session, key: AuditKey | None, last_id: int) -> tuple[int, dict[str, Any] | None]:
    """(checkpoints checked, first problem {checkpoint, reason} or None)."""
    rows = session.execute(
        sa.select(AuditCheckpoint.event_id, AuditCheckpoint.event_hash, AuditCheckpoint.jws).order_by(
            AuditCheckpoint.event_id
        )
    ).all()
    if not rows:
        return 0, None
    if key is None:
        return 0, {"checkpoint": rows[0].event_id, "reason": NO_KEY}
    previous: dict[str, Any] | None = None
    for checked, row in enumerate(rows):
        try:
            payload = read_head(row.jws, key)
        except HeadError as exc:
            return checked, {"checkpoint": row.event_id, "reason": str(exc)}
        if payload["event_id"] != row.event_id or payload["event_hash"] != row.event_hash:
            return checked, {"checkpoint": row.event_id, "reason": CHECKPOINT_ALTERED}
        if previous is not None and payload.get("previous_checkpoint") != previous["event_id"]:
            return checked, {"checkpoint": row.event_id, "reason": CHECKPOINT_MISSING}
        reason = _against(session, payload, last_id)
        if reason is not None:
            return checked, {"checkpoint": row.event_id, "reason": reason}
        previous = payload
    assert previous is not None  # rows is not empty, and each row either returned or set it
    if last_id - previous["event_id"] >= int(previous.get("max_gap") or 1):
        return len(rows), {"checkpoint": previous["event_id"], "reason": UNSEALED_TAIL}
    return len(rows), None


def verify_trail(session: Session, key: AuditKey | None = None, head: dict[str, Any] | None = None) -> dict[str, Any]:
    """The chain (`verify_chain`), the stored checkpoints, and, if given, a signed head saved elsewhere (what
    `signed_head` returned, or just its {"jws": ...}). Returns {ok, checked, first_broken, checkpoints,
    checkpoint_problem, head, head_problem}."""
    ok, checked, broken = verify_chain(session)
    last = _last_event(session)
    last_id = last.id if last else 0
    checkpoints, checkpoint_problem = verify_checkpoints(session, key, last_id)
    head_payload, head_problem = None, None
    if head is not None:
        if key is None:
            head_problem = NO_KEY
        else:
            try:
                head_payload = read_head(str(head.get("jws", "")), key)
            except HeadError as exc:
                head_problem = str(exc)
            else:
                head_problem = _against(session, head_payload, last_id)
    return {
        "ok": ok and checkpoint_problem is None and head_problem is None,
        "checked": checked,
        "first_broken": broken,
        "last_event_id": last_id,
        "checkpoints": checkpoints,
        "checkpoint_problem": checkpoint_problem,
        "head": None
        if head_payload is None
        else {"event_id": head_payload["event_id"], "event_hash": head_payload["event_hash"]},
        "head_problem": head_problem,
    }


# --- reading ----------------------------------------------------------------------------------------


def events_page(
    session: Session, user: User, *, object_type: str | None = None, object_id: str | None = None, page: int = 1
) -> tuple[list[AuditEvent], int]:
    """One page of the events `user` may read (vendors: their organisation's), oldest first, and the total."""
    where = [visible(user, AuditEvent.organisation_id)]
    if object_type is not None:
        where.append(AuditEvent.object_type == object_type)
    if object_id is not None:
        where.append(AuditEvent.object_id == object_id)
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(*where)) or 0
    rows = list(
        session.scalars(
            sa.select(AuditEvent).where(*where).order_by(AuditEvent.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        )
    )
    return rows, total
