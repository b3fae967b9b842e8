"""Benchmark: a full run of every probe against one demo product (SafeKid by default), with the
wall time of the run and of each probe. Goal: under 60 s on 2 cores. Numbers only.

    .venv/bin/python benchmarks/bench_full_run.py [--product funzone] [--per-category 12]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import demo_products  # noqa: E402
from checker.probes.manifest import load_manifest  # noqa: E402
from checker.probes.runner import BrowserHost, ProbeSettings, run_probes  # noqa: E402

GOAL_S = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--product", choices=["safekid", "funzone"], default="safekid")
    parser.add_argument(
        "--per-category", type=int, default=12, help="corpus pages per category (the probe tests use 12)"
    )
    parser.add_argument(
        "--one-after-another",
        action="store_true",
        help="no lanes side by side (ProbeSettings.parallel_lanes=False), to compare",
    )
    args = parser.parse_args()
    settings = ProbeSettings.from_env(
        allowed_networks=("127.0.0.0/8",),
        ignore_tls_errors=True,
        corpus_per_category=args.per_category,
        parallel_lanes=not args.one_after_another,
    )
    start = demo_products.start_safekid if args.product == "safekid" else demo_products.start_funzone
    with start() as product:
        manifest = load_manifest({**product.manifest(), "product_type": "kid_browser"})

        async def run():
            host = BrowserHost(settings)
            launched = time.perf_counter()
            await host.browser()
            launch_s = time.perf_counter() - launched
            started = time.perf_counter()
            result = await run_probes(
                manifest,
                criteria_version="vcsc-2025.1",
                settings=settings,
                browser_host=host,
                out_dir=Path("var/bench-full-run"),
            )
            seconds = time.perf_counter() - started
            await host.close()
            return launch_s, seconds, result

        launch_s, seconds, result = asyncio.run(run())
    print(
        f"{args.product}: {len(result.outcomes)} probes, corpus {args.per_category} pages per category, "
        f"{'one after another' if args.one_after_another else 'independent lanes side by side'}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    for outcome in result.outcomes:
        outcomes = sorted({f.outcome for f in outcome.findings})
        print(f"  {outcome.probe_id:<24} {outcome.seconds:6.2f} s  {', '.join(outcomes)}")
    print(f"browser start {launch_s:.2f} s; full run {seconds:.2f} s (goal < {GOAL_S:.0f} s)")


if __name__ == "__main__":
    main()
