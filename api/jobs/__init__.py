"""Probe runs as jobs, on one of two back ends chosen by the one setting VCSC_JOBS:

- `inprocess` (default, for the embedded SQLite): a thread of the server runs queued runs; a run interrupted by a
  restart is picked up again when the server starts.
- `procrastinate` (PostgreSQL): the API defers a Procrastinate job in the transaction that creates the run, and
  `vcsc worker` processes run it.

Either way the job is `api.jobs.execute.execute_run`, and the `probe_runs` table is the truth about a run.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from api.core.models import ProbeRun
from api.core.settings import Settings

if TYPE_CHECKING:
    from api.jobs.inprocess import InProcessWorker

log = logging.getLogger("vcsc.jobs")


class JobsConfigError(ValueError):
    pass


def check_settings(settings: Settings) -> None:
    if settings.jobs == "procrastinate" and make_url(settings.database_url).get_backend_name() != "postgresql":
        raise JobsConfigError(
            "VCSC_JOBS=procrastinate cần PostgreSQL trong DATABASE_URL / "
            "VCSC_JOBS=procrastinate needs a PostgreSQL DATABASE_URL"
        )


class JobQueue:
    """What the API needs from a back end: queue a run (inside the request's transaction), then nudge workers."""

    def enqueue(self, session: Session, run: ProbeRun) -> None:
        """Called before the transaction that creates `run` commits."""

    def wake(self) -> None:
        """Called after that commit."""

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


class InProcessQueue(JobQueue):
    def __init__(self, sessions: sessionmaker[Session], settings: Settings):
        self.sessions, self.settings = sessions, settings
        self.worker: InProcessWorker | None = None

    def wake(self) -> None:
        if self.worker is not None:
            self.worker.wake()

    def start(self) -> None:
        if self.settings.jobs_worker and self.worker is None:
            from api.jobs.inprocess import InProcessWorker

            self.worker = InProcessWorker(self.sessions, self.settings).start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None


class ProcrastinateQueue(JobQueue):
    def __init__(self, settings: Settings):
        from api.jobs.procrastinate_backend import make_app

        self.app = make_app(settings)  # used only to defer, on the request's connection: no pool is opened

    def enqueue(self, session: Session, run: ProbeRun) -> None:
        from api.jobs.procrastinate_backend import defer_in_transaction

        defer_in_transaction(self.app, session, run.id)


def make_queue(settings: Settings, sessions: sessionmaker[Session]) -> JobQueue:
    check_settings(settings)
    if settings.jobs == "procrastinate":
        return ProcrastinateQueue(settings)
    return InProcessQueue(sessions, settings)


def run_worker(settings: Settings, *, concurrency: int = 1) -> None:
    """`vcsc worker`: run jobs in the foreground until interrupted."""
    check_settings(settings)
    if settings.jobs == "procrastinate":
        from api.jobs.procrastinate_backend import run_worker as run_procrastinate

        run_procrastinate(settings, concurrency=concurrency)
        return
    import signal
    import threading

    from api.core.db import make_engine, session_factory
    from api.domain import mail
    from api.domain.audit import attach_sealer
    from api.jobs.inprocess import InProcessWorker

    if concurrency != 1:
        log.warning("VCSC_JOBS=inprocess runs one probe run at a time; --concurrency ignored")
    engine = make_engine(settings.database_url)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    sessions = session_factory(engine)
    attach_sealer(sessions, settings)  # the worker's events get checkpoints like the server's
    mail.attach(sessions, settings)  # and its notifications go out by e-mail
    worker = InProcessWorker(sessions, settings).start()
    try:
        while not stop.wait(1.0) and worker.alive:
            pass
    finally:
        worker.stop()
        engine.dispose()
