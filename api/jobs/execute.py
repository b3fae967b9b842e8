"""Running one probe run: claim it atomically, run the probes, store each artifact as it comes, mark the end.

The same `execute_run` serves both job back ends (the in-process thread and Procrastinate workers). Because every
finished probe is stored at once, a run that is interrupted resumes with the probes that are still missing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import traceback
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from api.core.db import affected
from api.core.jsonsafe import storable
from api.core.models import ProbeArtifact, ProbeRun, Product, utcnow
from api.core.settings import Settings
from api.domain import audit
from api.domain.monitoring import check_run
from api.domain.probe_runs import probe_ids_of, storable_evaluation
from api.domain.sealing import open_stored, secrets_of
from checker.logs import request_context
from checker.probes.manifest import load_manifest, redact
from checker.probes.runner import BrowserHost, ProbeOutcome, ProbeSettings, run_probes

log = logging.getLogger("vcsc.jobs")

PROGRESS_INTERVAL = 0.5  # seconds between progress writes; a probe's last step is always written
MAX_ERROR_CHARS = 4000


def worker_name(tag: str = "") -> str:
    """host:pid[:tag], recorded on the runs a worker claims."""
    name = f"{socket.gethostname()}:{os.getpid()}"
    return f"{name}:{tag}"[:200] if tag else name[:200]


# --- claiming and recovery --------------------------------------------------------------------


def claim(sessions: sessionmaker[Session], run_id: int, worker: str) -> bool:
    """Atomically move the run from queued to running for `worker`; False if it was not queued
    (another worker has it, it was cancelled, or it is already finished)."""
    now = utcnow()
    with sessions.begin() as session:
        result = session.execute(
            sa.update(ProbeRun)
            .where(ProbeRun.id == run_id, ProbeRun.status == "queued")
            .values(
                status="running",
                attempts=ProbeRun.attempts + 1,
                worker=worker,
                heartbeat_at=now,
                error=None,
                finished_at=None,
                started_at=sa.func.coalesce(ProbeRun.started_at, sa.literal(now, ProbeRun.started_at.type)),
            )
            .execution_options(synchronize_session=False)
        )
        return affected(result) == 1


def next_queued(sessions: sessionmaker[Session]) -> int | None:
    with sessions() as session:
        return session.scalar(
            sa.select(ProbeRun.id)
            .where(ProbeRun.status == "queued")
            .order_by(ProbeRun.created_at, ProbeRun.id)
            .limit(1)
        )


def _local_process_gone(worker: str | None) -> bool:
    """True when `worker` names a process of this machine that no longer exists."""
    if not worker:
        return False
    parts = worker.split(":")
    if len(parts) < 2 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid = int(parts[1])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def record_finished(session: Session, run_id: int, worker: str, status: str, error: str | None) -> None:
    """The audit event of a run's end, in the transaction that ends it (the actor is the worker)."""
    org_id = session.scalar(
        sa.select(Product.organisation_id)
        .join(ProbeRun, ProbeRun.product_id == Product.id)
        .where(ProbeRun.id == run_id)
    )
    audit.record(
        session,
        f"worker {worker}",
        "probe_run.finished",
        "probe_run",
        run_id,
        org_id,
        {"status": "running"},
        {"status": status, "error": error},
    )


def recover_runs(sessions: sessionmaker[Session], settings: Settings) -> dict[str, list[int]]:
    """Runs left `running` by a dead worker go back to the queue, or fail after `job_max_attempts` starts.

    A worker is dead when its heartbeat is older than `job_stale_after_seconds`; on SQLite (one machine) also
    when its process is gone, so a restarted server resumes at once."""
    cutoff = utcnow() - timedelta(seconds=settings.job_stale_after_seconds)
    outcome: dict[str, list[int]] = {"requeued": [], "failed": []}
    with sessions.begin() as session:
        local_only = session.get_bind().dialect.name == "sqlite"
        rows = session.execute(
            sa.select(ProbeRun.id, ProbeRun.worker, ProbeRun.heartbeat_at, ProbeRun.attempts).where(
                ProbeRun.status == "running"
            )
        ).all()
        for run_id, worker, heartbeat_at, attempts in rows:
            stale = heartbeat_at is None or heartbeat_at < cutoff
            if not (stale or (local_only and _local_process_gone(worker))):
                continue
            same_claim = sa.and_(
                ProbeRun.id == run_id,
                ProbeRun.status == "running",
                ProbeRun.worker.is_(None) if worker is None else ProbeRun.worker == worker,
            )
            values: dict[str, Any]
            if attempts >= settings.job_max_attempts:
                values = {
                    "status": "failed",
                    "finished_at": utcnow(),
                    "error": (
                        f"Bộ chạy dừng giữa chừng {attempts} lần; đã ngừng thử / "
                        f"The worker died {attempts} times during this run; gave up"
                    ),
                }
                kind = "failed"
            else:
                values, kind = {"status": "queued"}, "requeued"
            result = session.execute(
                sa.update(ProbeRun).where(same_claim).values(**values).execution_options(synchronize_session=False)
            )
            if affected(result):
                if kind == "failed":
                    record_finished(session, run_id, "worker-recovery", "failed", values["error"])
                outcome[kind].append(run_id)
                log.warning("probe run %s of dead worker %s: %s", run_id, worker, kind, extra={"run_id": run_id})
    return outcome


# --- one run ----------------------------------------------------------------------------------


@dataclass
class _Recorder:
    """Writes progress (throttled) and artifacts (each in its own transaction) of the run being executed."""

    sessions: sessionmaker[Session]
    run_id: int
    worker: str
    version: str
    product_type: str
    probe_task: asyncio.Task | None = None
    stopped_by: str | None = None  # the status someone else set (cancelled), or "lost"
    _last_write: float = 0.0
    _last_probe: str | None = None
    _pending: tuple | None = field(default=None)

    def _mine(self):
        return sa.and_(ProbeRun.id == self.run_id, ProbeRun.status == "running", ProbeRun.worker == self.worker)

    def _stop(self, session: Session) -> None:
        """The run is no longer ours (cancelled, deleted, or taken over): stop the probes."""
        if self.stopped_by is None:
            self.stopped_by = session.scalar(sa.select(ProbeRun.status).where(ProbeRun.id == self.run_id)) or "deleted"
            if self.stopped_by == "running":
                self.stopped_by = "lost"
            log.info("probe run %s stopped: %s", self.run_id, self.stopped_by)
        if self.probe_task is not None:
            self.probe_task.cancel()

    def progress(self, probe_id: str, done: int, total: int) -> None:
        now = time.monotonic()
        self._pending = (probe_id, done, total)
        if probe_id == self._last_probe and done < total and now - self._last_write < PROGRESS_INTERVAL:
            return
        self._last_write, self._last_probe = now, probe_id
        try:
            self.flush_progress()
        except Exception:  # progress is a courtesy: a failed write must not fail the probe
            log.exception("progress of probe run %s", self.run_id)

    def flush_progress(self) -> None:
        if self._pending is None:
            return
        probe_id, done, total = self._pending
        with self.sessions.begin() as session:
            result = session.execute(
                sa.update(ProbeRun)
                .where(self._mine())
                .values(
                    progress_probe=probe_id[:64],
                    progress_done=max(0, int(done)),
                    progress_total=max(0, int(total)),
                    heartbeat_at=utcnow(),
                )
                .execution_options(synchronize_session=False)
            )
            if affected(result) == 0:
                self._stop(session)

    def store(self, outcome: ProbeOutcome) -> None:
        """Store a probe's artifact with the runner's one evaluation of it."""
        probe_id, artifact = outcome.probe_id, storable(outcome.artifact)
        measurement, findings = (
            storable_evaluation(outcome.measurement, outcome.findings)
            if outcome.measurement is not None
            else (None, [])
        )
        now = utcnow()
        with self.sessions.begin() as session:
            if session.scalar(sa.select(ProbeRun.id).where(self._mine()).with_for_update()) is None:
                self._stop(session)
                return
            row = session.scalar(
                sa.select(ProbeArtifact).where(ProbeArtifact.run_id == self.run_id, ProbeArtifact.probe_id == probe_id)
            )
            if row is None:
                session.add(
                    ProbeArtifact(
                        run_id=self.run_id,
                        probe_id=probe_id,
                        artifact=artifact,
                        measurement=measurement,
                        findings=findings,
                        created_at=now,
                        evaluated_at=now,
                    )
                )
            else:
                row.artifact, row.measurement, row.findings, row.evaluated_at = artifact, measurement, findings, now
            session.flush()
            count = session.scalar(
                sa.select(sa.func.count()).select_from(ProbeArtifact).where(ProbeArtifact.run_id == self.run_id)
            )
            session.execute(
                sa.update(ProbeRun)
                .where(ProbeRun.id == self.run_id)
                .values(probes_done=count, heartbeat_at=now)
                .execution_options(synchronize_session=False)
            )

    def beat(self) -> None:
        with self.sessions.begin() as session:
            result = session.execute(
                sa.update(ProbeRun)
                .where(self._mine())
                .values(heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            if affected(result) == 0:
                self._stop(session)

    def finish(self, status: str, error: str | None = None) -> bool:
        values: dict[str, Any] = {"status": status, "finished_at": utcnow(), "error": error}
        if status == "done":
            values["progress_done"] = ProbeRun.progress_total
        with self.sessions.begin() as session:
            result = session.execute(
                sa.update(ProbeRun).where(self._mine()).values(**values).execution_options(synchronize_session=False)
            )
            if affected(result) != 1:
                return False
            record_finished(session, self.run_id, self.worker, status, error)
            return True

    def release(self) -> None:
        """Back to the queue, untouched (the worker is shutting down): this start does not count."""
        with self.sessions.begin() as session:
            session.execute(
                sa.update(ProbeRun)
                .where(self._mine())
                .values(status="queued", attempts=sa.case((ProbeRun.attempts > 0, ProbeRun.attempts - 1), else_=0))
                .execution_options(synchronize_session=False)
            )


async def _heartbeat(recorder: _Recorder, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            recorder.beat()
        except Exception:  # a database hiccup must not kill the run; the next beat tries again
            log.exception("heartbeat of probe run %s", recorder.run_id)


def _error_text(exc: BaseException, manifest: dict | None = None) -> str:
    """The run's error as the API shows it, without the manifest's secrets (a schema message or a browser error
    may quote a value)."""
    lines = traceback.format_exception_only(type(exc), exc)
    text = redact("".join(lines).strip(), secrets_of(manifest)) if manifest else "".join(lines).strip()
    return ("Lần chạy thất bại / The run failed: " + text)[:MAX_ERROR_CHARS]


async def execute_run(
    run_id: int,
    *,
    sessions: sessionmaker[Session],
    settings: Settings,
    browser_host: BrowserHost | None = None,
    probe_settings: ProbeSettings | None = None,
    worker: str | None = None,
    job_id: int | None = None,
) -> str | None:
    """Claim and run probe run `run_id`; returns its final status, or None when it was not ours to run.

    Probes whose artifacts are already stored (an interrupted earlier attempt) are not run again. A worker that
    shuts down (this coroutine cancelled) puts the run back in the queue.

    Each execution has a request id of its own (checker.logs): on its log lines with run_id, worker and the
    Procrastinate job_id, and on the audit event of the run's end."""
    worker = worker or worker_name()
    with request_context(None, run_id=run_id, worker=worker, job_id=job_id):
        return await _execute_run(
            run_id,
            sessions=sessions,
            settings=settings,
            browser_host=browser_host,
            probe_settings=probe_settings,
            worker=worker,
        )


async def _execute_run(
    run_id: int,
    *,
    sessions: sessionmaker[Session],
    settings: Settings,
    browser_host: BrowserHost | None,
    probe_settings: ProbeSettings | None,
    worker: str,
) -> str | None:
    if not claim(sessions, run_id, worker):
        return None
    with sessions() as session:
        run = session.get_one(ProbeRun, run_id)  # claimed above
        manifest_data, only, version = run.manifest, run.only, run.criteria_version  # manifest_data: sealed
        product_id = run.product_id
        done = {
            a.probe_id: a.artifact
            for a in session.scalars(sa.select(ProbeArtifact).where(ProbeArtifact.run_id == run_id))
        }
    recorder = _Recorder(sessions, run_id, worker, version, manifest_data.get("product_type", ""))
    probe_ids = probe_ids_of(only)
    with sessions.begin() as session:
        session.execute(
            sa.update(ProbeRun)
            .where(ProbeRun.id == run_id)
            .values(probes_total=len(probe_ids), probes_done=len(set(done) & set(probe_ids)))
            .execution_options(synchronize_session=False)
        )
    log.info("probe run %s: %d probe(s), %d already stored, worker %s", run_id, len(probe_ids), len(done), worker)
    heartbeat = asyncio.create_task(_heartbeat(recorder, settings.job_heartbeat_seconds))
    opened = None
    try:
        opened = open_stored(manifest_data, settings.keys_dir, product_id)  # the secrets are opened only here
        manifest = load_manifest(opened)
        out_dir = settings.run_dir(run_id)
        recorder.probe_task = asyncio.ensure_future(
            run_probes(
                manifest,
                criteria_version=version,
                only=only,
                settings=probe_settings or ProbeSettings.from_settings(settings),
                browser_host=browser_host,
                out_dir=out_dir,
                progress=recorder.progress,
                done=done,
                on_artifact=recorder.store,
            )
        )
        await recorder.probe_task
    except asyncio.CancelledError:
        if recorder.stopped_by is not None:  # cancelled by a user, or the run was taken from us
            return recorder.stopped_by
        recorder.release()
        raise
    except Exception as exc:
        if recorder.stopped_by is not None:
            return recorder.stopped_by
        log.exception("probe run %s failed", run_id)
        recorder.finish("failed", _error_text(exc, opened))
        return "failed"
    finally:
        heartbeat.cancel()
    try:
        recorder.flush_progress()
    except Exception:
        log.exception("progress of probe run %s", run_id)
    if not recorder.finish("done"):
        return recorder.stopped_by or "lost"
    try:  # a monitoring re-probe of a certified product: look for MUST regressions
        check_run(sessions, run_id)
    except Exception:
        log.exception("monitoring check of probe run %s", run_id)
    return "done"
