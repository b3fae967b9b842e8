"""Signed heads of the audit chain (SQLite and PostgreSQL): the audit key, GET /audit/head and `vcsc audit head`,
stored checkpoints, and `vcsc audit verify [--head FILE]` finding tail truncation and rewrites with recomputed
hashes, which the hash chain alone cannot."""

from __future__ import annotations

import base64
import json
import stat
import warnings
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from api.app import create_app
from api.cli.service import audit as audit_cli
from api.core.db import upgrade
from api.core.models import AuditCheckpoint, AuditEvent
from api.core.settings import Settings
from api.domain import audit

EVERY = 3  # a checkpoint every 3 events: at events 1, 4, 7, 10


@pytest.fixture
def trail(database_url, tmp_path, monkeypatch):
    """An app whose sessions store a checkpoint every 3 events, 12 events recorded, and the CLI pointed at it."""
    upgrade(database_url)
    settings = Settings(
        database_url=database_url,
        jobs_worker=False,
        artifacts_dir=tmp_path / "artifacts",
        keys_dir=tmp_path / "keys",
        audit_checkpoint_events=EVERY,
        audit_checkpoint_minutes=600,
    )
    app = create_app(settings)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("VCSC_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("VCSC_AUDIT_CHECKPOINT_EVENTS", str(EVERY))
    with TestClient(app) as client:
        for i in range(12):
            with app.state.sessions.begin() as session:
                audit.record(session, "test", "test.recorded", "test", str(i), None, None, {"i": i})
        yield SimpleNamespace(
            app=app,
            client=client,
            url=database_url,
            dialect=sa.engine.make_url(database_url).get_backend_name(),
            tmp=tmp_path,
            settings=settings,
        )
    app.state.engine.dispose()


def _cli(*args: str):
    return CliRunner().invoke(audit_cli, list(args))


def _save_head(trail, name: str = "head.json"):
    printed = _cli("head")
    assert printed.exit_code == 0, printed.output
    path = trail.tmp / name
    path.write_text(printed.output, encoding="utf-8")
    return path, json.loads(printed.output)


def _verify(*args: str) -> tuple[int, dict]:
    result = _cli("verify", "--json", *args)
    return result.exit_code, json.loads(result.output)


def _unguard(session, dialect: str) -> None:
    """Take the append-only triggers out of the way, as someone with the owner's rights could."""
    if dialect == "postgresql":
        session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        session.execute(sa.text("ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_no_change"))
    else:
        for table in ("audit_events", "audit_checkpoints"):
            for verb in ("update", "delete"):
                session.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_no_{verb}"))


def _truncate(trail, above: int, checkpoints_too: bool = False) -> None:
    with trail.app.state.sessions.begin() as session:
        _unguard(session, trail.dialect)
        session.execute(sa.delete(AuditEvent).where(AuditEvent.id > above))
        if checkpoints_too:
            session.execute(sa.delete(AuditCheckpoint).where(AuditCheckpoint.event_id > above))


def _rewrite(trail, event_id: int, drop_checkpoints_from: int | None = None) -> None:
    """Edit one event and recompute every later hash, so that the chain verifies again."""
    with trail.app.state.sessions.begin() as session:
        _unguard(session, trail.dialect)
        if drop_checkpoints_from is not None:
            session.execute(sa.delete(AuditCheckpoint).where(AuditCheckpoint.event_id >= drop_checkpoints_from))
        rows = session.execute(
            sa.select(*AuditEvent.__table__.columns).where(AuditEvent.id >= event_id).order_by(AuditEvent.id)
        ).all()
        prev = session.scalar(sa.select(AuditEvent.hash).where(AuditEvent.id == event_id - 1)) or audit.GENESIS
        for row in rows:
            values = row._asdict()
            if row.id == event_id:
                values["actor_label"] = "someone-else"
            values["prev_hash"] = prev
            values["hash"] = audit.event_hash(SimpleNamespace(**values))
            session.execute(
                sa.update(AuditEvent)
                .where(AuditEvent.id == row.id)
                .values(actor_label=values["actor_label"], prev_hash=values["prev_hash"], hash=values["hash"])
            )
            prev = values["hash"]


def test_the_audit_key_is_its_own_file_0600_and_not_the_certificate_key(trail):
    key_path = audit.audit_key_path(trail.settings.keys_dir)
    assert key_path.exists() and key_path.parent.parent == trail.settings.keys_dir
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700
    audit_key = audit.load_audit_key(trail.settings.keys_dir)
    # The certificate key(s) live elsewhere in the folder and are other keys.
    others = [
        serialization.load_pem_private_key(p.read_bytes(), password=None)
        for p in trail.settings.keys_dir.rglob("*.pem")
        if p != key_path
    ]
    assert others, "the certificate key is made on first start too"
    raw = serialization.Encoding.Raw, serialization.PublicFormat.Raw
    assert all(o.public_key().public_bytes(*raw) != audit_key.public_key.public_bytes(*raw) for o in others)
    # A head signed with the certificate key is not an audit head.
    forged = audit.sign_head(audit.AuditKey(others[0], key_path), {"event_id": 12, "event_hash": "0" * 64})
    with pytest.raises(audit.HeadError, match="another audit key"):
        audit.read_head(forged, audit_key)


def test_the_head_is_public_signed_and_the_same_from_the_api_and_the_cli(trail):
    response = trail.client.get("/api/v1/audit/head")  # no token: anyone may keep a copy
    assert response.status_code == 200, response.text
    head = response.json()
    with trail.app.state.sessions() as session:
        last = session.execute(sa.select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc())).first()
    assert (head["event_id"], head["event_hash"]) == (last.id, last.hash) == (12, last.hash)
    payload = audit.read_head(head["jws"], audit.load_audit_key(trail.settings.keys_dir))
    assert (payload["event_id"], payload["event_hash"]) == (12, last.hash)
    assert head["public_jwk"]["kid"] == head["kid"] and "d" not in head["public_jwk"]
    _, printed = _save_head(trail)
    assert (printed["event_id"], printed["event_hash"], printed["kid"]) == (12, last.hash, head["kid"])


def test_checkpoints_are_stored_every_n_events_and_verify(trail):
    with trail.app.state.sessions() as session:
        assert session.scalars(sa.select(AuditCheckpoint.event_id).order_by(AuditCheckpoint.event_id)).all() == [
            1,
            4,
            7,
            10,
        ]
    code, result = _verify()
    assert code == 0, result
    assert result["checked"] == 12 and result["checkpoints"] == 4 and result["checkpoint_problem"] is None


def test_a_checkpoint_is_also_due_after_the_minutes_setting(database_url, tmp_path):
    upgrade(database_url)
    app = create_app(
        Settings(
            database_url=database_url,
            jobs_worker=False,
            keys_dir=tmp_path / "keys",
            artifacts_dir=tmp_path / "a",
            audit_checkpoint_events=1000,
            audit_checkpoint_minutes=1e-9,
        )
    )
    try:
        for i in range(3):
            with app.state.sessions.begin() as session:
                audit.record(session, "test", "test.recorded", "test", str(i), None)
        with app.state.sessions() as session:
            assert session.scalars(sa.select(AuditCheckpoint.event_id)).all() == [1, 2, 3]
    finally:
        app.state.engine.dispose()


def test_tail_truncation_is_found_against_a_saved_head(trail):
    path, _ = _save_head(trail)
    _truncate(trail, 11)  # the last event only: no checkpoint named it
    code, result = _verify()
    assert code == 0 and result["first_broken"] is None  # the chain and the checkpoints cannot see this
    code, result = _verify("--head", str(path))
    assert code == 1 and result["head_problem"] == audit.TRUNCATED and result["last_event_id"] == 11
    text = _cli("verify", "--head", str(path))
    assert text.exit_code == 1 and "saved head: truncated" in text.output and "đầu chuỗi đã lưu" in text.output


def test_truncation_below_a_checkpoint_is_found_without_a_saved_head(trail):
    _truncate(trail, 8)
    code, result = _verify()
    assert code == 1 and result["checkpoint_problem"] == {"checkpoint": 10, "reason": audit.TRUNCATED}


def test_a_rewrite_with_recomputed_hashes_is_found(trail):
    path, _ = _save_head(trail)
    _rewrite(trail, 5)
    with trail.app.state.sessions() as session:
        assert audit.verify_chain(session)[0] is True  # the chain alone is fooled
    code, result = _verify()
    assert code == 1 and result["checkpoint_problem"] == {"checkpoint": 7, "reason": audit.REWRITTEN}
    code, result = _verify("--head", str(path))
    assert code == 1 and result["head_problem"] == audit.REWRITTEN


def test_a_rewrite_that_deletes_the_later_checkpoints_leaves_an_unsealed_tail(trail):
    path, _ = _save_head(trail)
    _rewrite(trail, 5, drop_checkpoints_from=5)
    code, result = _verify()
    assert code == 1 and result["checkpoint_problem"] == {"checkpoint": 4, "reason": audit.UNSEALED_TAIL}
    assert _verify("--head", str(path))[1]["head_problem"] == audit.REWRITTEN


def test_deleting_a_checkpoint_in_the_middle_is_found(trail):
    with trail.app.state.sessions.begin() as session:
        _unguard(session, trail.dialect)
        session.execute(sa.delete(AuditCheckpoint).where(AuditCheckpoint.event_id == 4))
    code, result = _verify()
    assert code == 1 and result["checkpoint_problem"] == {"checkpoint": 7, "reason": audit.CHECKPOINT_MISSING}


def test_what_only_a_saved_head_can_find(trail):
    """The documented limit: cutting the tail back to fewer than N events after a checkpoint, with the checkpoints
    after the cut, passes the stored checks; a head saved elsewhere still finds it."""
    path, _ = _save_head(trail)
    _truncate(trail, 8, checkpoints_too=True)
    code, result = _verify()
    assert code == 0 and result["checkpoints"] == 3
    code, result = _verify("--head", str(path))
    assert code == 1 and result["head_problem"] == audit.TRUNCATED


def test_a_forged_or_altered_head_is_refused(trail):
    path, head = _save_head(trail)
    header, payload, signature = head["jws"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["event_id"] = 3  # a head for an earlier event would hide a longer truncation
    altered = audit._b64url(audit.canonical(claims))
    path.write_text(json.dumps({**head, "jws": f"{header}.{altered}.{signature}"}), encoding="utf-8")
    code, result = _verify("--head", str(path))
    assert code == 1 and result["head_problem"] == audit.BAD_SIGNATURE
    path.write_text(json.dumps({"event_id": 12}), encoding="utf-8")
    missing = _cli("verify", "--head", str(path))
    assert missing.exit_code != 0 and "jws" in missing.output


def test_checkpoints_are_append_only(trail):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), trail.app.state.sessions.begin() as session:
        session.execute(sa.delete(AuditCheckpoint).where(AuditCheckpoint.event_id == 10))
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), trail.app.state.sessions.begin() as session:
        session.execute(sa.update(AuditCheckpoint).values(event_hash="0" * 64))
