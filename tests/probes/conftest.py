"""Fixtures for probe tests: one Chromium for the session, demo products started on demand."""
from __future__ import annotations

import asyncio
import copy
import os

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
    return ProbeSettings.from_env(allowed_networks=("127.0.0.0/8",), ignore_tls_errors=True, corpus_per_category=12,
                                  page_timeout_ms=10_000, run_timeout_s=240)


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
def run_case(event_loop_runner, browser_host, probe_settings, products, tmp_path_factory):
    """Run one probe against a demo product through the real runner; returns the RunResult."""
    def run(probe_id: str, product: str, manifest_changes: dict | None = None, **kwargs):
        manifest = merge(products[product].manifest(), {"product_type": CASE_PRODUCT_TYPE, **(manifest_changes or {})})
        out_dir = tmp_path_factory.mktemp(f"{probe_id}-{product}")
        return event_loop_runner.run_until_complete(run_probes(
            load_manifest(manifest), criteria_version=CASE_VERSION, only=[probe_id], settings=kwargs.pop("settings", probe_settings),
            browser_host=browser_host, out_dir=out_dir, **kwargs))
    return run
