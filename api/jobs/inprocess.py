"""The embedded job back end: one thread of the server process, with its own event loop and Chromium, runs the
queued probe runs one after another (oldest first). Runs left behind by a dead process are queued again."""

from __future__ import annotations

import asyncio
import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from api.core.settings import Settings
from api.domain.mail import deliver_due
from api.domain.monitoring import schedule_due
from api.domain.notifications import notify_expiring
from api.jobs import JobQueue
from api.jobs.execute import execute_run, next_queued, recover_runs, worker_name
from checker.logs import request_context
from checker.probes.runner import BrowserHost, ProbeSettings

log = logging.getLogger("vcsc.jobs")

RECOVER_EVERY = 30.0  # seconds between looks for runs of dead workers


class InProcessWorker:
    def __init__(
        self, sessions: sessionmaker[Session], settings: Settings, probe_settings: ProbeSettings | None = None
    ):
        self.sessions = sessions
        self.settings = settings
        self.probe_settings = probe_settings
        self.name = worker_name("inprocess")
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None
        self._stopping = threading.Event()
        self._ready = threading.Event()

    # --- called from other threads -------------------------------------------------------------

    def start(self) -> InProcessWorker:
        self._thread = threading.Thread(target=self._run_thread, name="vcsc-probe-jobs", daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return self

    def wake(self) -> None:
        """A run was queued: look now rather than at the next poll."""
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:  # the loop closed in between
                pass

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the thread; a run in progress goes back to the queue (its stored probes are kept)."""
        self._stopping.set()
        loop, main = self._loop, self._main
        if loop is not None and main is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(main.cancel)
            except RuntimeError:
                pass
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("the probe job thread did not stop within %.0f s", timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # --- the worker thread ----------------------------------------------------------------------

    def _run_thread(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException:  # noqa: BLE001 - a dying thread must say why
            log.exception("the probe job thread stopped")
        finally:
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._main = asyncio.current_task()
        self._ready.set()
        if self._stopping.is_set():
            return
        probe_settings = self.probe_settings or ProbeSettings.from_settings(self.settings)
        host = BrowserHost(probe_settings)
        last_recovery = -RECOVER_EVERY
        last_monitoring = -self.settings.monitor_check_seconds
        try:
            while not self._stopping.is_set():
                self._wake.clear()  # before looking, so a run queued meanwhile still wakes the wait below
                try:
                    if time.monotonic() - last_recovery >= RECOVER_EVERY:
                        last_recovery = time.monotonic()
                        with request_context(None, worker=self.name, task="recover"):  # logs and audit events
                            recover_runs(self.sessions, self.settings)
                            deliver_due(self.sessions, self.settings)  # e-mail that failed before: try again
                    if time.monotonic() - last_monitoring >= self.settings.monitor_check_seconds:
                        last_monitoring = time.monotonic()
                        with request_context(None, worker=self.name, task="monitoring"):
                            # The runs it queues are picked up just below: no job back end needed.
                            schedule_due(self.sessions, self.settings, JobQueue())
                            notify_expiring(self.sessions, self.settings)  # once per certificate
                    run_id = next_queued(self.sessions)
                    if run_id is not None:
                        await execute_run(
                            run_id,
                            sessions=self.sessions,
                            settings=self.settings,
                            browser_host=host,
                            probe_settings=probe_settings,
                            worker=self.name,
                        )
                        continue
                except asyncio.CancelledError:
                    raise
                except Exception:  # e.g. the database is briefly unreachable: wait and try again
                    log.exception("probe job loop")
                # Idle: Chromium's memory goes back to the server until the next run.
                await host.close()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.settings.job_poll_seconds)
                except TimeoutError:
                    pass
        except asyncio.CancelledError:
            pass
        finally:
            await close_quietly(host)


async def close_quietly(host: BrowserHost) -> None:
    """Close Chromium, then let the loop see the Playwright driver exit (else its transport outlives the loop)."""
    await host.close()
    await asyncio.sleep(0.25)
