"""The PostgreSQL job back end: Procrastinate on the service's own database. The API defers `run_probe_job` in
the same transaction that creates the run; `vcsc worker` processes (any number, on any machine that reaches the
database and the artifacts folder) run it with the same `execute_run` as the in-process back end."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

import procrastinate
import sqlalchemy as sa
from procrastinate import exceptions as procrastinate_errors
from procrastinate.jobs import Status
from sqlalchemy.orm import Session, sessionmaker

from api.core.db import libpq_conninfo
from api.core.models import ProbeRun, utcnow
from api.core.settings import Settings
from api.jobs.execute import execute_run, recover_runs, worker_name
from api.jobs.inprocess import close_quietly
from checker.logs import request_context
from checker.probes.runner import BrowserHost, ProbeSettings

log = logging.getLogger("vcsc.jobs")

QUEUE = "probe_runs"
RUN_TASK = "run_probe_job"
RECOVER_TASK = "recover_probe_runs"
MONITOR_TASK = "schedule_monitoring"
EXPIRY_TASK = "notify_expiring"
MAIL_TASK = "deliver_mail"


def run_lock(run_id: int) -> str:
    return f"probe-run-{run_id}"


@dataclass
class WorkerState:
    """What the tasks of a worker process share: the database sessions and one Chromium."""

    sessions: sessionmaker[Session]
    settings: Settings
    browser_host: BrowserHost
    probe_settings: ProbeSettings
    name: str


def make_app(settings: Settings, *, state: WorkerState | None = None, pool_max_size: int = 4) -> procrastinate.App:
    """A Procrastinate app on DATABASE_URL with our tasks; `state` is given only in a worker process."""
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_conninfo(settings.database_url), min_size=1, max_size=pool_max_size
    )
    app = procrastinate.App(connector=connector)

    @app.task(name=RUN_TASK, queue=QUEUE, pass_context=True)
    async def run_probe_job(context: procrastinate.JobContext, run_id: int) -> str | None:
        if state is None:
            raise RuntimeError("run_probe_job runs only in `vcsc worker`")
        # Two jobs for one run (a re-deferral racing the first) are harmless: only one can claim the run.
        try:
            return await execute_run(
                run_id,
                sessions=state.sessions,
                settings=state.settings,
                browser_host=state.browser_host,
                probe_settings=state.probe_settings,
                worker=state.name,
                job_id=context.job.id,
            )
        except asyncio.CancelledError:
            # The worker is shutting down and the run went back to the queue: give it a job for the next worker.
            try:
                await defer(app, run_id)
            except Exception:  # the periodic recovery defers it later
                log.exception("could not defer probe run %s again", run_id)
            raise

    @app.periodic(cron="* * * * *")
    @app.task(name=RECOVER_TASK, queue=QUEUE, queueing_lock=RECOVER_TASK, pass_context=False)
    async def recover_probe_runs(timestamp: int) -> dict:
        if state is None:
            raise RuntimeError("recover_probe_runs runs only in `vcsc worker`")
        with request_context(None, worker=state.name, task=RECOVER_TASK):
            return await requeue_orphans(app, state)

    @app.periodic(cron="7 * * * *")
    @app.task(name=MONITOR_TASK, queue=QUEUE, queueing_lock=MONITOR_TASK, pass_context=False)
    async def schedule_monitoring(timestamp: int) -> list[int]:
        if state is None:
            raise RuntimeError("schedule_monitoring runs only in `vcsc worker`")
        from api.domain.monitoring import schedule_due

        with request_context(None, worker=state.name, task=MONITOR_TASK):  # to_thread takes the context along
            return await asyncio.to_thread(schedule_due, state.sessions, state.settings, _Deferrer(app))

    @app.periodic(cron="17 * * * *")
    @app.task(name=EXPIRY_TASK, queue=QUEUE, queueing_lock=EXPIRY_TASK, pass_context=False)
    async def notify_expiring(timestamp: int) -> list[str]:
        if state is None:
            raise RuntimeError("notify_expiring runs only in `vcsc worker`")
        from api.domain.notifications import notify_expiring as notify

        with request_context(None, worker=state.name, task=EXPIRY_TASK):
            return await asyncio.to_thread(notify, state.sessions, state.settings)

    @app.periodic(cron="* * * * *")
    @app.task(name=MAIL_TASK, queue=QUEUE, queueing_lock=MAIL_TASK, pass_context=False)
    async def deliver_mail(timestamp: int) -> int:
        if state is None:
            raise RuntimeError("deliver_mail runs only in `vcsc worker`")
        from api.domain.mail import deliver_due

        with request_context(None, worker=state.name, task=MAIL_TASK):
            return await asyncio.to_thread(deliver_due, state.sessions, state.settings)

    return app


# No Procrastinate `lock`: a job left `doing` by a dead worker would block every later job with that lock. The
# claim on the probe_runs row is what keeps a run to one worker; the queueing lock keeps one job waiting per run.


class _Deferrer:
    """The job-queue face `api.domain.monitoring.schedule_due` needs, inside a worker process."""

    def __init__(self, app: procrastinate.App):
        self.app = app

    def enqueue(self, session: Session, run) -> None:
        defer_in_transaction(self.app, session, run.id)

    def wake(self) -> None:
        pass


def defer_in_transaction(app: procrastinate.App, session: Session, run_id: int) -> None:
    """Defer the run's job on the session's own connection: it exists if and only if the run row is committed."""
    connection = session.connection().connection.driver_connection
    app.configure_task(RUN_TASK, queue=QUEUE, queueing_lock=run_lock(run_id), connection=connection).defer(
        run_id=run_id
    )


async def defer(app: procrastinate.App, run_id: int) -> bool:
    """A job for a queued run, unless one is already waiting; True if deferred."""
    try:
        await app.configure_task(RUN_TASK, queue=QUEUE, queueing_lock=run_lock(run_id)).defer_async(run_id=run_id)
        return True
    except procrastinate_errors.AlreadyEnqueued:
        return False


async def requeue_orphans(app: procrastinate.App, state: WorkerState) -> dict:
    """At worker start and every minute: runs of dead workers back to the queue (or failed after too many tries),
    the dead workers' jobs closed, and a job for each queued run that has waited long without one."""
    outcome = await asyncio.to_thread(recover_runs, state.sessions, state.settings)
    stale = state.settings.job_stale_after_seconds
    closed = []
    for job in await app.job_manager.get_stalled_jobs(task_name=RUN_TASK, seconds_since_heartbeat=stale):
        await app.job_manager.finish_job(job, status=Status.FAILED, delete_job=False)
        closed.append(job.id)
    # Fresh runs got their job with their row; only long-waiting ones (or just re-queued ones) may lack one.
    cutoff = utcnow() - timedelta(seconds=stale)
    with state.sessions() as session:
        queued = list(
            session.scalars(
                sa.select(ProbeRun.id).where(
                    ProbeRun.status == "queued",
                    sa.or_(
                        sa.func.coalesce(ProbeRun.heartbeat_at, ProbeRun.created_at) < cutoff,
                        ProbeRun.id.in_(outcome["requeued"]),
                    ),
                )
            )
        )
    deferred = [run_id for run_id in queued if await defer(app, run_id)]
    if deferred or closed:
        log.warning("probe runs deferred again: %s; jobs of dead workers closed: %s", deferred, closed)
    return {**outcome, "deferred": deferred, "closed_jobs": closed}


def run_worker(
    settings: Settings,
    *,
    concurrency: int = 1,
    shutdown_timeout: float = 60.0,
    probe_settings: ProbeSettings | None = None,
) -> None:
    """Run a Procrastinate worker until SIGINT/SIGTERM (then running probes get `shutdown_timeout` seconds to end,
    after which their runs go back to the queue)."""
    from api.core.db import make_engine, session_factory
    from api.domain import mail
    from api.domain.audit import attach_sealer

    engine = make_engine(settings.database_url)
    probe_settings = probe_settings or ProbeSettings.from_settings(settings)
    sessions = session_factory(engine)
    attach_sealer(sessions, settings)  # the worker's events get checkpoints like the server's
    mail.attach(sessions, settings)  # and its notifications go out by e-mail
    state = WorkerState(sessions, settings, BrowserHost(probe_settings), probe_settings, worker_name("procrastinate"))
    app = make_app(settings, state=state, pool_max_size=concurrency + 3)

    async def main() -> None:
        async with app.open_async():
            await requeue_orphans(app, state)
            try:
                await app.run_worker_async(
                    queues=[QUEUE], concurrency=concurrency, name=state.name, shutdown_graceful_timeout=shutdown_timeout
                )
            finally:
                await close_quietly(state.browser_host)

    try:
        asyncio.run(main())
    finally:
        engine.dispose()
