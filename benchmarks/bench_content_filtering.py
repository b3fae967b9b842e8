"""Benchmark: the content-filtering probe over 1,000 corpus pages through the demo filtering
proxy (SafeKid), against a bare Playwright loop that loads the same pages through the same
proxy with one reused page. Prints pages per second, peak memory and the ratio.

Target (issue 3): probe time / bare-loop time <= 1.25 (the probe's own overhead).

    .venv/bin/python benchmarks/bench_content_filtering.py [--pages 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import threading
import time
from pathlib import Path

import demo_products
from checker.corpus import HARMFUL, SAFE
from checker.probes.manifest import load_manifest
from checker.probes.runner import CHROMIUM_ARGS, BrowserHost, ProbeSettings, run_probes

TARGET_RATIO = 1.25


def _tree_rss_kib(root_pid: int) -> int:
    """Resident memory of a process and all its descendants (Chromium's processes included)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            with open(f"/proc/{entry}/statm") as fh:
                rss[int(entry)] = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


class PeakMemory:
    """Samples the memory of this process tree in a thread; `.peak_mib` after stop."""

    def __init__(self):
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss_kib(os.getpid()))
            self._stop.wait(0.2)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def peak_mib(self) -> float:
        return self.peak / 1024


async def bare_loop(urls_and_markers, proxy: str, chromium: str) -> tuple[float, int]:
    """The baseline: one browser, one context through the proxy, one reused page, goto + marker check."""
    from playwright.async_api import async_playwright

    allowed = 0
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = await browser.new_context(proxy={"server": f"http://{proxy}"}, ignore_https_errors=True)
        page = await context.new_page()
        started = time.perf_counter()
        for url, marker in urls_and_markers:
            try:
                await page.goto(url, wait_until="domcontentloaded", timeout=15_000)
                if marker in await page.evaluate("() => document.body ? document.body.innerText : ''"):
                    allowed += 1
            except Exception:
                pass
        seconds = time.perf_counter() - started
        await browser.close()
    return seconds, allowed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    args = parser.parse_args()
    per_category = max(1, args.pages // (len(HARMFUL) + len(SAFE)))
    settings = ProbeSettings.from_env(
        allowed_networks=("127.0.0.0/8",), ignore_tls_errors=True, corpus_per_category=per_category
    )

    with demo_products.start_safekid() as safekid:
        manifest = load_manifest({**safekid.manifest(), "product_type": "kid_browser"})
        out_dir = Path("var/bench-content-filtering")

        async def probe_run(pool_pages: int):
            s = ProbeSettings(**{**settings.__dict__, "pool_pages": pool_pages})
            host = BrowserHost(s)
            await host.browser()  # browser start-up is not part of either figure
            started = time.perf_counter()
            result = await run_probes(
                manifest,
                criteria_version="vcsc-2025.1",
                only=["content_filtering"],
                settings=s,
                browser_host=host,
                out_dir=out_dir,
            )
            seconds = time.perf_counter() - started
            await host.close()
            return seconds, result

        with PeakMemory() as mem_probe:
            probe_s, result = asyncio.run(probe_run(settings.pool_pages))
        with PeakMemory() as mem_probe1:
            probe1_s, _ = asyncio.run(probe_run(1))
        artifact = result.outcomes[0].artifact
        pages = [(r["url"], r["page_id"]) for r in artifact["pages"]]
        # The same pages, in the same order, through the same proxy, without the probe.
        from checker.corpus import CorpusServer  # the probe's corpus server has stopped; start one on the same port

        port = int(pages[0][0].split(":")[2].split("/")[0])
        with CorpusServer(port=port) as corpus:
            markers = {p.page_id: p.marker for p in corpus.pages}
            urls = [(url, markers[pid]) for url, pid in pages]
            with PeakMemory() as mem_bare:
                bare_s, bare_allowed = asyncio.run(bare_loop(urls, safekid.proxy_address, settings.chromium))

    n = len(pages)
    allowed = sum(1 for r in artifact["pages"] if r["verdict"] == "allowed")
    print(
        f"pages: {n} ({per_category} per category, {len(HARMFUL)} harmful + {len(SAFE)} safe categories), "
        f"through SafeKid's proxy"
    )
    print(
        f"probe ({settings.pool_pages} reused pages): {probe_s:.2f} s = {n / probe_s:.1f} pages/s, "
        f"peak memory {mem_probe.peak_mib:.0f} MiB (Python + Chromium), allowed {allowed}"
    )
    print(
        f"probe (1 page):            {probe1_s:.2f} s = {n / probe1_s:.1f} pages/s, peak memory {mem_probe1.peak_mib:.0f} MiB"
    )
    print(
        f"bare Playwright loop:      {bare_s:.2f} s = {n / bare_s:.1f} pages/s, peak memory {mem_bare.peak_mib:.0f} MiB, "
        f"allowed {bare_allowed}"
    )
    print(
        f"ratio probe/bare: {probe_s / bare_s:.2f} (target <= {TARGET_RATIO}); "
        f"with one page, like the bare loop: {probe1_s / bare_s:.2f}"
    )


if __name__ == "__main__":
    main()
