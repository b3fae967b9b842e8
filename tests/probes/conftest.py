"""Fixtures for probe tests: one Chromium for the session, demo products started on demand."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from checker.probes.manifest import load_manifest
from checker.probes.runner import BrowserHost, ProbeSettings, run_probes

os.environ.setdefault("VCSC_PROBE_ALLOW_NETWORKS", "127.0.0.0/8")
os.environ.setdefault("VCSC_PROBE_IGNORE_TLS_ERRORS", "1")

# Kid-safe browsers are the product type most probe criteria apply to; a case may change it.
CASE_PRODUCT_TYPE = "kid_browser"
CASE_VERSION = "vcsc-2025.1"


@pytest.fixture(scope="session")
def event_loop_runner():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def probe_settings():
    # A bounded corpus sample keeps the case tests fast; the benchmark loads the whole corpus.
    return ProbeSettings.from_env(
        allowed_networks=("127.0.0.0/8",),
        ignore_tls_errors=True,
        corpus_per_category=12,
        page_timeout_ms=10_000,
        run_timeout_s=240,
    )


@pytest.fixture(scope="session")
def browser_host(event_loop_runner, probe_settings):
    host = BrowserHost(probe_settings)
    event_loop_runner.run_until_complete(host.browser())
    yield host
    event_loop_runner.run_until_complete(host.close())


@pytest.fixture(scope="session")
def products():
    """The demo products, started once for the session: name -> running product."""
    import demo_products

    started = {"safekid": demo_products.start_safekid(), "funzone": demo_products.start_funzone()}
    yield started
    for product in started.values():
        product.stop()


@pytest.fixture(scope="session")
def standalone_manifests(tmp_path_factory):
    """The demo products in a process of their own, as a vendor's product would be: name -> its manifest.

    Timing probes use these: in the test process, the products' threads share its interpreter lock with the
    runner, so part of what would be measured as the product's cost is ours."""
    folder = tmp_path_factory.mktemp("standalone-products")
    proc = subprocess.Popen(
        [sys.executable, "-m", "demo_products", str(folder)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    names = {"safekid": folder / "safekid.manifest.json", "funzone": folder / "funzone.manifest.json"}
    deadline = time.monotonic() + 60
    try:
        for line in proc.stdout:  # the last line it prints before serving
            if "Ctrl-C" in line:
                break
            if time.monotonic() > deadline:
                break
        if proc.poll() is not None or not all(path.exists() for path in names.values()):
            pytest.fail(f"the demo products did not start in their own process (exit {proc.poll()})")
        # Keep reading what it prints, so a full pipe never stalls it.
        threading.Thread(target=proc.stdout.read, name="standalone-products-output", daemon=True).start()
        yield {name: json.loads(path.read_text(encoding="utf-8")) for name, path in names.items()}
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def merge(base: dict, changes: dict) -> dict:
    """`base` with top-level fields replaced by `changes`; a null value removes the field."""
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = copy.deepcopy(value)
    return out


@pytest.fixture(scope="session")
def run_case(event_loop_runner, browser_host, probe_settings, products, tmp_path_factory, request):
    """Run one probe against a demo product through the real runner; returns the RunResult. `standalone=True`: the
    product runs in a process of its own (timing probes)."""

    def run(probe_id: str, product: str, manifest_changes: dict | None = None, *, standalone: bool = False, **kwargs):
        base = request.getfixturevalue("standalone_manifests")[product] if standalone else products[product].manifest()
        manifest = merge(base, {"product_type": CASE_PRODUCT_TYPE, **(manifest_changes or {})})
        out_dir = tmp_path_factory.mktemp(f"{probe_id}-{product}")
        return event_loop_runner.run_until_complete(
            run_probes(
                load_manifest(manifest),
                criteria_version=CASE_VERSION,
                only=[probe_id],
                settings=kwargs.pop("settings", probe_settings),
                browser_host=browser_host,
                out_dir=out_dir,
                **kwargs,
            )
        )

    return run
