"""Secrets at rest: probe-manifest passwords and PINs are stored sealed (api.domain.sealing), opened only by the
worker and re-runs, never shown; the SQLite file and the key are private (0600)."""

from __future__ import annotations

import json
import stat

import pytest
import sqlalchemy as sa

from api.core.db import make_engine
from api.core.models import ProbeRun
from api.domain import sealing
from tests.jobs.conftest import (
    FINAL,
    VERSION,
    artifacts,
    people,
    product_for,
    running_app,
    settings_for,
    upgrade,
    wait_until,
)

PIN = "Pin2468"


def _manifest_with_secrets(safekid) -> dict:
    manifest = safekid.manifest()
    manifest["accounts"]["parent"]["parental_pin"] = PIN
    return manifest


def _secrets(manifest: dict) -> list[str]:
    return [v for a in manifest["accounts"].values() for k, v in a.items() if k in ("password", "parental_pin")]


def _stored_text(database_url: str, run_id: int) -> str:
    """The manifest column exactly as the database holds it."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT CAST(manifest AS TEXT) FROM probe_runs WHERE id = :id"), {"id": run_id}
            ).scalar()
    finally:
        engine.dispose()


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.slow
def test_stored_manifest_has_no_plaintext_secret_and_the_run_still_logs_in(safekid, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    upgrade(database_url)
    settings = settings_for(database_url, tmp_path, keys_dir=tmp_path / "keys")
    with running_app(settings) as api:
        world = people(api)
        manifest = _manifest_with_secrets(safekid)
        secrets = _secrets(manifest)
        assert len(secrets) == 3 and all(len(s) >= 4 for s in secrets)
        submission = api.submission(product_for(api, world, manifest), version=VERSION)
        started = api.request(
            "POST",
            f"/submissions/{submission.id}/probe-runs",
            "vendor_a",
            json={"manifest": manifest, "only": ["settings_locked"]},
        )
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]

        stored = _stored_text(database_url, run_id)
        assert not any(s in stored for s in secrets), "a secret is stored in plain text"
        assert '"$sealed"' in stored and safekid.manifest()["start_url"] in stored  # the view stays readable

        def finished():
            current = api.request("GET", f"/probe-runs/{run_id}", "vendor_a").json()
            return current if current["status"] in FINAL else None

        final = wait_until(finished, 120, "the settings_locked run")
        assert final["status"] == "done", final["error"]
        [artifact] = artifacts(api.sessions, run_id).values()
        # The worker opened the sealed manifest: the child account logged in with its real password.
        assert artifact.artifact["login"]["ok"] is True, artifact.artifact["login"]

        for path in (
            f"/probe-runs/{run_id}",
            f"/probe-runs/{run_id}/artifacts/settings_locked",
            f"/probe-runs/{run_id}/findings",
            f"/submissions/{submission.id}/probe-runs",
        ):
            for who in ("vendor_a", "reviewer"):
                text = api.request("GET", path, who).text
                assert not any(s in text for s in secrets), (path, who)
                assert (
                    "$sealed" not in text and sealing.PREFIX + "." + sealing.load_box(settings.keys_dir).kid not in text
                )
        shown = api.request("GET", f"/probe-runs/{run_id}", "vendor_a").json()["manifest"]
        assert shown["accounts"]["parent"]["parental_pin"] == "********"
        assert shown["accounts"]["child"]["username"] == manifest["accounts"]["child"]["username"]
    assert _mode(tmp_path / "keys" / sealing.KEY_FILE) == 0o600


@pytest.fixture
def box(tmp_path):
    return sealing.load_or_create_box(tmp_path / "keys")


MANIFEST = {
    "product_type": "kid_browser",
    "start_url": "https://a.example.vn/",
    "filtering": {"mode": "none"},
    "accounts": {"child": {"username": "be-an", "password": "mat-khau-rat-kho-2024", "parental_pin": "1379"}},
    "login_steps": [
        {"action": "fill", "selector": "#u", "value": "{username}"},
        {"action": "fill", "selector": "#otp", "value": "thu-cong-bi-mat"},
    ],
}


def test_sealed_form_opens_only_for_its_product_and_key(box, tmp_path):
    stored = sealing.seal_manifest(MANIFEST, box, 7)
    text = json.dumps(stored)
    for secret in ("mat-khau-rat-kho-2024", "1379", "thu-cong-bi-mat"):
        assert secret not in text
    assert stored["login_steps"][0]["value"] == "{username}"  # placeholders are no secret
    assert sealing.open_manifest(stored, box, 7) == MANIFEST
    assert sealing.seal_manifest(stored, box, 7) is stored  # a re-run keeps the sealed form
    with pytest.raises(sealing.SealError, match="another product"):
        sealing.open_manifest(stored, box, 8)
    other = sealing.load_or_create_box(tmp_path / "other-keys")
    with pytest.raises(sealing.SealError, match=box.kid):
        sealing.open_manifest(stored, other, 7)
    tampered = {
        **stored,
        sealing.SEALED: stored[sealing.SEALED][:-4]
        + ("AAAA" if not stored[sealing.SEALED].endswith("AAAA") else "BBBB"),
    }
    with pytest.raises(sealing.SealError):
        sealing.open_manifest(tampered, box, 7)
    assert sealing.open_manifest(MANIFEST, None, 7) == MANIFEST  # a row from before sealing reads as it is
    assert "$sealed" not in sealing.view(stored) and sealing.view(stored)["accounts"]["child"]["password"] == "********"


def test_the_key_is_made_once_0600_and_shared(tmp_path):
    first = sealing.load_or_create_box(tmp_path / "keys")
    assert _mode(first.path) == 0o600 and _mode(first.path.parent) == 0o700 and len(first.key) == 32
    assert sealing.load_or_create_box(tmp_path / "keys").key == first.key
    with pytest.raises(sealing.SealError, match="no manifest sealing key"):
        sealing.load_box(tmp_path / "nowhere")
    # The worker never makes a key of its own: a sealed manifest without the key folder fails clearly.
    stored = sealing.seal_manifest(MANIFEST, first, 1)
    with pytest.raises(sealing.SealError):
        sealing.open_stored(stored, tmp_path / "nowhere", 1)
    assert not (tmp_path / "nowhere").exists()


def test_plain_rows_from_before_are_sealed_at_start(tmp_path, database_url):  # SQLite and PostgreSQL (JSONB)
    upgrade(database_url)
    settings = settings_for(database_url, tmp_path, keys_dir=tmp_path / "keys", jobs_worker=False)
    with running_app(settings) as api:
        world = people(api)
        submission = api.submission(product_for(api, world, MANIFEST), version=VERSION)
        with api.sessions.begin() as session:  # as an older version stored it
            session.add(
                ProbeRun(
                    submission_id=submission.id,
                    product_id=submission.product_id,
                    status="done",
                    manifest=MANIFEST,
                    criteria_version=VERSION,
                )
            )
        with api.sessions() as session:
            run_id = session.scalar(sa.select(ProbeRun.id).where(ProbeRun.submission_id == submission.id))
        headers = api.headers
    assert "mat-khau-rat-kho-2024" in _stored_text(database_url, run_id)
    with running_app(settings) as api:  # the next start seals it
        api.headers.update(headers)
        assert "mat-khau-rat-kho-2024" not in _stored_text(database_url, run_id)
        with api.sessions() as session:
            run = session.get(ProbeRun, run_id)
            assert sealing.open_stored(run.manifest, settings.keys_dir, run.product_id) == MANIFEST
            assert run.product_type == "kid_browser"
        assert sealing.seal_legacy_manifests(api.sessions, sealing.load_box(settings.keys_dir)) == 0
        shown = api.request("GET", f"/probe-runs/{run_id}", "vendor_a")
        assert shown.status_code == 200 and "mat-khau" not in shown.text and "$sealed" not in shown.text


def test_a_reviewers_rerun_and_a_monitoring_run_reuse_the_sealed_manifest(tmp_path):
    from datetime import timedelta

    from api.core.models import Certificate, Submission, User, utcnow
    from api.domain import monitoring, review
    from api.jobs import JobQueue

    database_url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    upgrade(database_url)
    settings = settings_for(database_url, tmp_path, keys_dir=tmp_path / "keys", jobs_worker=False)
    box = sealing.load_or_create_box(settings.keys_dir)
    with running_app(settings) as api:
        world = people(api)
        submission = api.submission(product_for(api, world, MANIFEST), version=VERSION)
        started = api.request(
            "POST",
            f"/submissions/{submission.id}/probe-runs",
            "vendor_a",
            json={"manifest": MANIFEST, "only": ["transport"]},
        )
        assert started.status_code == 202, started.text
        first = started.json()["id"]
        with api.sessions() as session:
            session.get(ProbeRun, first).status = "done"
            sub = session.get(Submission, submission.id)
            sub.status = "in_review"
            session.flush()
            reviewer = session.scalar(sa.select(User).where(User.role == "reviewer"))
            rerun_id = review.rerun_probes(session, JobQueue(), reviewer, sub, None, box=box).id  # commits
        with api.sessions() as session:
            stored_first = session.get(ProbeRun, first).manifest
            stored_rerun = session.get(ProbeRun, rerun_id).manifest
        assert sealing.is_sealed(stored_rerun) and "mat-khau" not in json.dumps(stored_rerun)
        assert sealing.open_manifest(stored_rerun, box, submission.product_id) == MANIFEST
        assert stored_rerun == stored_first  # re-stored as it was, unopened outside start_run

        # A vendor cannot hand in a sealed form of its own making.
        forged = {**MANIFEST, "$sealed": "v1." + box.kid + ".AAAA"}
        refused = api.request("POST", f"/submissions/{submission.id}/probe-runs", "vendor_a", json={"manifest": forged})
        assert refused.status_code == 422 and refused.json()["errors"][0]["pointer"] == "/manifest", refused.text

        with api.sessions.begin() as session:
            session.get(ProbeRun, rerun_id).status = "done"
            now = utcnow()
            session.add(
                Certificate(
                    id="VCSC-2026-000001",
                    product_id=submission.product_id,
                    submission_id=submission.id,
                    criteria_version=VERSION,
                    level="basic",
                    status="valid",
                    issued_at=now - timedelta(days=40),
                    valid_until=now + timedelta(days=300),
                    status_index=0,
                )
            )
        [monitor_id] = monitoring.schedule_due(api.sessions, settings, JobQueue())
        with api.sessions() as session:
            stored_monitor = session.get(ProbeRun, monitor_id).manifest
        assert stored_monitor == stored_rerun


def test_the_sqlite_file_and_its_wal_are_created_0600(tmp_path):
    path = tmp_path / "db" / "vcsc.db"
    upgrade(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as connection:  # WAL mode: -wal and -shm exist while a connection is open
            connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x)")
            connection.exec_driver_sql("INSERT INTO t VALUES (1)")
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT * FROM t").all()
            companions = [path.with_name(path.name + s) for s in ("-wal", "-shm")]
            assert all(p.exists() for p in companions)
            assert {p.name: _mode(p) for p in [path, *companions]} == {p.name: 0o600 for p in [path, *companions]}
    finally:
        engine.dispose()


def test_an_old_world_readable_database_is_narrowed(tmp_path):
    path = tmp_path / "vcsc.db"
    upgrade(f"sqlite:///{path}")
    path.chmod(0o644)
    make_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


def test_a_failed_runs_error_text_does_not_quote_a_secret():
    from api.jobs.execute import _error_text

    exc = ValueError("'mat-khau-rat-kho-2024' does not match; typed thu-cong-bi-mat; pin 1379")
    text = _error_text(exc, MANIFEST)
    assert "ValueError" in text and "does not match" in text
    for secret in ("mat-khau-rat-kho-2024", "thu-cong-bi-mat", "1379"):
        assert secret not in text
    assert sealing.secrets_of({"accounts": "not a dict", "login_steps": [None, {"value": 3}]}) == []
