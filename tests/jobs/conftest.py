"""Fixtures for the probe-run job tests: apps with a job back end, people, demo products and waiting helpers."""

from __future__ import annotations

import copy
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.app import create_app
from api.core.db import upgrade
from api.core.models import ProbeArtifact, ProbeRun
from api.core.settings import Settings
from tests.api.conftest import Api, TestClient, World

# The demo products listen on loopback with a self-signed certificate; workers started as subprocesses inherit these.
os.environ.setdefault("VCSC_PROBE_ALLOW_NETWORKS", "127.0.0.0/8")
os.environ.setdefault("VCSC_PROBE_IGNORE_TLS_ERRORS", "1")

REPO = Path(__file__).resolve().parents[2]
VERSION = "vcsc-2024.1"
FINAL = ("done", "failed", "cancelled")

# Quick beats and polls keep the tests short; production keeps the defaults.
FAST_JOBS = {"job_poll_seconds": 0.2, "job_heartbeat_seconds": 0.5}


@pytest.fixture(scope="session")
def safekid():
    import demo_products

    product = demo_products.start_safekid()
    yield product
    product.stop()


def merged(manifest: dict, **changes) -> dict:
    """`manifest` with top-level fields replaced; None removes a field."""
    out = copy.deepcopy(manifest)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def without_signup(manifest: dict) -> dict:
    """No sign-up page: age_assurance is inapplicable, decided by the runner without a browser."""
    pages = {k: v for k, v in manifest.get("pages", {}).items() if k != "signup"}
    return merged(manifest, pages=pages)


def settings_for(database_url: str, tmp_path: Path, **overrides) -> Settings:
    return Settings(database_url=database_url, artifacts_dir=tmp_path / "artifacts", **{**FAST_JOBS, **overrides})


@contextmanager
def running_app(settings: Settings):
    """The app with its lifespan running (so the in-process worker thread too, unless switched off)."""
    app = create_app(settings)
    with TestClient(app) as client:
        yield Api(client, app)
    app.state.engine.dispose()


def people(api: Api) -> World:
    """Vendors A and B with a product each, and the club's reviewer and admin, logged in."""
    a, b, club = api.org("Công ty A"), api.org("Công ty B"), api.org("VCSC", kind="club")
    api.login(api.user(a), "vendor_a")
    api.login(api.user(b), "vendor_b")
    api.login(api.user(club, "reviewer"), "reviewer")
    api.login(api.user(club, "admin"), "admin")
    return World(api, a, b, club, api.product(a, "SafeKid A"), api.product(b, "Lá chắn B"))


def product_for(api: Api, world: World, manifest: dict):
    """A product of vendor A of the manifest's type (the demo products say which type they are)."""
    return api.product(world.org_a, product_type=manifest["product_type"])


def run_row(api_or_sessions, run_id: int) -> ProbeRun:
    sessions = getattr(api_or_sessions, "sessions", api_or_sessions)
    with sessions() as session:
        return session.get(ProbeRun, run_id)


def artifacts(sessions, run_id: int) -> dict[str, ProbeArtifact]:
    with sessions() as session:
        return {a.probe_id: a for a in session.scalars(sa.select(ProbeArtifact).where(ProbeArtifact.run_id == run_id))}


def wait_until(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def wait_final(sessions, run_ids, timeout: float = 120.0) -> dict[int, ProbeRun]:
    def finished():
        with sessions() as session:
            rows = {r.id: r for r in session.scalars(sa.select(ProbeRun).where(ProbeRun.id.in_(list(run_ids))))}
        return rows if all(r.status in FINAL for r in rows.values()) and len(rows) == len(run_ids) else None

    return wait_until(finished, timeout, f"probe runs {sorted(run_ids)} to end")


def worker_command() -> list[str]:
    return [sys.executable, "-m", "api.cli", "worker"]


def worker_env(database_url: str, tmp_path: Path, jobs: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "VCSC_JOBS": jobs,
        "VCSC_ARTIFACTS_DIR": str(tmp_path / "artifacts"),
        "VCSC_JOB_HEARTBEAT_SECONDS": "0.5",
        "VCSC_JOB_POLL_SECONDS": "0.2",
        "PYTHONUNBUFFERED": "1",
    }


__all__ = [
    "FINAL",
    "REPO",
    "VERSION",
    "artifacts",
    "merged",
    "people",
    "product_for",
    "run_row",
    "running_app",
    "settings_for",
    "upgrade",
    "wait_final",
    "wait_until",
    "without_signup",
    "worker_command",
    "worker_env",
]
