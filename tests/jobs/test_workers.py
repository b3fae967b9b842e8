"""Job workers as separate processes: a SQLite worker killed mid-run is resumed by the next server start, and two
`vcsc worker` processes on PostgreSQL (Procrastinate) share queued runs, each run processed exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from api.cli.service import db as db_command
from api.core.db import make_engine, session_factory
from api.core.models import ProbeRun, utcnow
from tests.jobs.conftest import (
    REPO,
    VERSION,
    artifacts,
    people,
    product_for,
    running_app,
    settings_for,
    upgrade,
    wait_final,
    wait_until,
    without_signup,
    worker_command,
    worker_env,
)


def _start_worker(database_url, tmp_path, jobs: str, log_name: str) -> subprocess.Popen:
    # Its own process group: killing it takes its Playwright driver and Chromium along. The worker holds its own
    # copy of the log file.
    with open(tmp_path / log_name, "wb") as log:
        return subprocess.Popen(
            worker_command(),
            cwd=REPO,
            env=worker_env(database_url, tmp_path, jobs),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _kill_group(process: subprocess.Popen, sig=signal.SIGKILL) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


@pytest.mark.slow
def test_sqlite_worker_killed_mid_run_is_resumed_by_the_next_start(safekid, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    upgrade(database_url)
    with running_app(settings_for(database_url, tmp_path, jobs_worker=False)) as api:  # queues only
        world = people(api)
        submission = api.submission(product_for(api, world, safekid.manifest()), version=VERSION)
        # age_assurance (no sign-up page: decided at once) comes before transport (a browser, some seconds).
        response = api.request(
            "POST",
            f"/submissions/{submission.id}/probe-runs",
            "vendor_a",
            json={"manifest": without_signup(safekid.manifest()), "only": ["transport", "age_assurance"]},
        )
        assert response.status_code == 202, response.text
        run = response.json()
    sessions = session_factory(make_engine(database_url))
    worker = _start_worker(database_url, tmp_path, "inprocess", "worker.log")
    try:
        first = wait_until(
            lambda: artifacts(sessions, run["id"]).get("age_assurance"), 60, "the first probe of the worker process"
        )
        row = wait_until(
            lambda: (r := _row(sessions, run["id"])).progress_probe == "transport" and r,
            60,
            "the second probe to start",
        )
        assert row.status == "running" and row.worker.split(":")[1] == str(worker.pid)
    finally:
        _kill_group(worker)
        worker.wait(10)
    assert _row(sessions, run["id"]).status == "running"  # as a dead process leaves it

    with running_app(settings_for(database_url, tmp_path)) as api:  # the next start: its own worker thread
        final = wait_final(api.sessions, [run["id"]], timeout=90)[run["id"]]
    assert final.status == "done", final.error
    assert final.attempts == 2 and final.worker.split(":")[1] == str(os.getpid())
    stored = artifacts(sessions, run["id"])
    assert set(stored) == {"age_assurance", "transport"}
    assert stored["age_assurance"].created_at == first.created_at  # kept, not gathered again
    assert stored["transport"].created_at > first.created_at and stored["transport"].artifact["applicable"] is True
    sessions.kw["bind"].dispose()


def _row(sessions, run_id) -> ProbeRun:
    with sessions() as session:
        return session.get(ProbeRun, run_id)


@pytest.mark.slow
@pytest.mark.postgres
def test_two_procrastinate_workers_share_the_runs_each_exactly_once(safekid, postgres_server, tmp_path, monkeypatch):
    from tests.pg import fresh_database

    with fresh_database(postgres_server) as database_url:
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("VCSC_JOBS", "procrastinate")
        for _ in range(2):  # idempotent: the second leaves Procrastinate's tables alone
            result = CliRunner().invoke(db_command, ["upgrade"])
            assert result.exit_code == 0, result.output
        settings = settings_for(database_url, tmp_path, jobs="procrastinate")
        with running_app(settings) as api:
            world = people(api)
            manifest = safekid.manifest()
            run_ids = []
            for _ in range(4):
                submission = api.submission(product_for(api, world, manifest), version=VERSION)
                response = api.request(
                    "POST",
                    f"/submissions/{submission.id}/probe-runs",
                    "vendor_a",
                    json={"manifest": manifest, "only": ["transport"]},
                )
                assert response.status_code == 202, response.text
                run_ids.append(response.json()["id"])
            # A refused manifest leaves neither a run nor a job behind.
            bad = api.request(
                "POST",
                f"/submissions/{submission.id}/probe-runs",
                "vendor_a",
                json={"manifest": {**manifest, "product_type": "toaster"}},
            )
            assert bad.status_code == 422
            assert _jobs(api) == [(run_id, "todo") for run_id in run_ids]
            # A run whose worker died long ago without a trace in the job queue: a starting worker takes it up.
            orphan_of = api.submission(product_for(api, world, manifest), version=VERSION)
            long_ago = utcnow() - timedelta(hours=1)
            orphan = ProbeRun(
                submission_id=orphan_of.id,
                product_id=orphan_of.product_id,
                status="running",
                manifest=without_signup(manifest),
                only=["age_assurance"],
                criteria_version=VERSION,
                attempts=1,
                worker="gone-host:1:procrastinate",
                heartbeat_at=long_ago,
                created_at=long_ago,
            )
            api.add(orphan)

            workers = [_start_worker(database_url, tmp_path, "procrastinate", f"worker{i}.log") for i in range(2)]
            try:
                rows = wait_final(api.sessions, run_ids + [orphan.id], timeout=150)
                recovered = rows.pop(orphan.id)
            finally:
                for worker in workers:
                    _kill_group(worker, signal.SIGTERM)  # a graceful stop: no run is in progress
                codes = [worker.wait(30) for worker in workers]
            logs = "\n".join((tmp_path / f"worker{i}.log").read_text(errors="replace") for i in range(2))
            assert codes == [0, 0], logs[-3000:]
            assert {r.status for r in rows.values()} == {"done"}, [r.error for r in rows.values()]
            assert [r.attempts for r in rows.values()] == [1] * 4  # nobody claimed a run twice
            assert len({r.worker for r in rows.values()}) == 2, "both workers should have taken runs"
            assert (recovered.status, recovered.attempts) == ("done", 2), recovered.error
            assert sorted(_jobs(api)) == [(run_id, "succeeded") for run_id in run_ids + [orphan.id]]
            for run_id in run_ids:
                [stored] = artifacts(api.sessions, run_id).values()
                assert stored.probe_id == "transport" and {f["outcome"] for f in stored.findings} == {"passed"}
            assert api.count(ProbeRun) == 5  # the refused manifest left no run


def _jobs(api) -> list[tuple[int, str]]:
    with api.sessions() as session:
        return [
            (args["run_id"], status)
            for args, status in session.execute(
                sa.text("SELECT args, status FROM procrastinate_jobs WHERE task_name = 'run_probe_job' ORDER BY id")
            )
        ]
