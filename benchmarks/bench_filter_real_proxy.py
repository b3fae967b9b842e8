"""Benchmark: the content-filtering probe through a real filtering proxy (Privoxy, started here
on a loopback port with a blacklist of half the adult pages) against a bare Playwright loop
that loads the same pages through the same proxy with one reused page and checks the marker.

Prints seconds and pages per second of each, and the speed ratio bare time / probe time
(goal: >= 1.0, the probe at least as fast as the bare loop), for a list with markers and for
a club list without markers (judged against a direct fetch). Numbers only; no assertion.

    .venv/bin/python benchmarks/bench_filter_real_proxy.py [--per-category 20]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from checker.corpus import RTA_ONLY, CorpusServer, sample  # noqa: E402
from checker.probes.manifest import read_manifest  # noqa: E402
from checker.probes.runner import CHROMIUM_ARGS, BrowserHost, ProbeSettings, run_probes  # noqa: E402
from tests.probes import realfilters as rf  # noqa: E402

TARGET = 1.0


async def bare_loop(pages, proxy: str, chromium: str) -> tuple[float, int]:
    """The baseline: one browser, one context through the proxy, one reused page, goto + marker check."""
    from playwright.async_api import async_playwright

    allowed = 0
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = await browser.new_context(proxy={"server": f"http://{proxy}"})
        page = await context.new_page()
        await page.goto(pages[0].url, wait_until="domcontentloaded")  # warm-up, as the probe's controls do
        started = time.perf_counter()
        for p in pages:
            try:
                await page.goto(p.url, wait_until="domcontentloaded", timeout=15_000)
                if p.marker in await page.evaluate("() => document.body ? document.body.innerText : ''"):
                    allowed += 1
            except Exception:
                pass
        seconds = time.perf_counter() - started
        await browser.close()
    return seconds, allowed


def write_list(folder: Path, proxy: str, pages, controls, markers: bool) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "club.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["url", "category", "language"] + (["marker"] if markers else []))
        for p in [*pages, *controls]:
            writer.writerow([p.url, p.category, p.language] + ([p.marker] if markers else []))
    manifest = folder / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "product_type": "dns_proxy_filter",
                "filtering": {"mode": "proxy", "proxy": proxy},
                "corpus": {"csv": "club.csv"},
            }
        ),
        encoding="utf-8",
    )
    return manifest


async def probe_time(manifest: Path, settings: ProbeSettings) -> tuple[float, dict]:
    host = BrowserHost(settings)
    await host.browser()  # browser start-up is in neither figure
    started = time.perf_counter()
    result = await run_probes(
        read_manifest(manifest),
        criteria_version="vcsc-2025.1",
        only=["content_filtering"],
        settings=settings,
        browser_host=host,
        out_dir=manifest.parent / "out",
    )
    seconds = time.perf_counter() - started
    await host.close()
    return seconds, result.outcomes[0].artifact


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-category", type=int, default=20)
    args = parser.parse_args()
    missing = rf.missing_binaries()
    if missing:
        sys.exit(f"missing {', '.join(missing)}: {rf.SETUP_HINT}")
    settings = ProbeSettings.from_env(allowed_networks=("127.0.0.0/8",), corpus_per_category=None)
    tmp = Path(tempfile.mkdtemp(prefix="vcsc-bench-"))
    with CorpusServer(public_host="127.0.0.1") as corpus:
        pages = [p for p in sample(corpus.pages, args.per_category, seed=7) if p.category != RTA_ONLY]
        blocked = [p.url for p in pages if p.category == "adult"][::2]
        with rf.start_privoxy(tmp / "privoxy", blocked) as proxy:
            bare_s, bare_allowed = asyncio.run(bare_loop(pages, proxy.address, settings.chromium))
            print(
                f"pages: {len(pages)} through Privoxy ({len(blocked)} blacklisted), {settings.pool_pages} reused pages in the probe"
            )
            print(
                f"bare Playwright loop:       {bare_s:6.2f} s = {len(pages) / bare_s:5.1f} pages/s, allowed {bare_allowed}"
            )
            for markers in (True, False):
                manifest = write_list(
                    tmp / ("marked" if markers else "unmarked"), proxy.address, pages, corpus.controls, markers
                )
                probe_s, artifact = asyncio.run(probe_time(manifest, settings))
                allowed = sum(r["verdict"] == "allowed" for r in artifact["pages"])
                label = "probe, list with markers:  " if markers else "probe, list without marks: "
                print(
                    f"{label}{probe_s:6.2f} s = {len(pages) / probe_s:5.1f} pages/s, allowed {allowed}, "
                    f"direct fetches {artifact.get('direct_fetches')}, speed ratio bare/probe {bare_s / probe_s:.2f} "
                    f"(goal >= {TARGET})"
                )


if __name__ == "__main__":
    main()
