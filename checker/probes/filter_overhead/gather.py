"""Gather: load the same safe pages, interleaved over several rounds, through the product and
directly (our egress guard only), and record each load's Navigation Timing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from checker.corpus.model import CHILD_FRIENDLY, EDUCATION_VI
from checker.probes.classify import ALLOWED, BLOCKED, compare_with_direct, measured_verdict
from checker.probes.egress import REFUSED_HEADER
from checker.probes.filter_overhead.evaluate import MIN_PAIRS, bootstrap_interval, paired_loads

if TYPE_CHECKING:
    from playwright.async_api import Page

    from checker.corpus import CorpusPage
    from checker.probes.runner import ProbeContext

PAGES = 10
ROUNDS = 4  # paired loads of each page at least: enough pairs for a confidence interval of the ratio
MAX_ROUNDS = 16  # more rounds while the interval is wide (a noisy machine), up to this many
TARGET_WIDTH = 0.12  # stop adding rounds once the ratio's interval is this narrow
TIME_BUDGET_S = 30.0
WARM_UP_LOADS = 2  # per path, not measured: connections to the guard and the product opened
DIRECT, FILTERED = "direct", "filtered"
BODY_TEXT_JS = "() => document.body ? document.body.innerText : ''"
TIMING_JS = """() => {
  const e = performance.getEntriesByType('navigation')[0];
  if (!e) return null;
  return {start: e.startTime, response_start: e.responseStart, response_end: e.responseEnd,
          dom_content_loaded: e.domContentLoadedEventEnd, load_end: e.loadEventEnd};
}"""


def pick_pages(corpus: Sequence[CorpusPage], measured: Callable[[str], str | None] = lambda url: None) -> list[Any]:
    """Up to PAGES safe pages, alternating child-friendly and education pages: pages the product
    was measured to let through first, then pages with a marker, then the rest (a URL list
    without markers: their arrival is judged against the direct load); never a page measured blocked."""

    def rank(p: CorpusPage) -> tuple[bool, bool]:
        return (measured(p.url) != ALLOWED, p.marker is None)

    groups = [
        sorted((p for p in corpus if p.category == c and measured(p.url) != BLOCKED), key=rank)
        for c in (CHILD_FRIENDLY, EDUCATION_VI)
    ]
    chosen: list[Any] = []
    for i in range(PAGES):
        for group in groups:
            if i < len(group) and len(chosen) < PAGES:
                chosen.append(group[i])
    return chosen


async def measure(page: Page, url: str, marker: str | None, timeout_ms: int) -> dict[str, Any]:
    """One load with wait_until=load: its Navigation Timing, the wall-clock time and whether the page itself arrived."""
    started = time.perf_counter()
    try:
        response = await page.goto(url, wait_until="load", timeout=timeout_ms)
    except Exception as exc:
        if "has been closed" in str(exc) or "Target closed" in str(exc):
            raise
        return {
            "ok": False,
            "how": "load_error",
            "error": str(exc).splitlines()[0][:200],
            "wall_ms": round((time.perf_counter() - started) * 1000, 2),
        }
    wall_ms = round((time.perf_counter() - started) * 1000, 2)
    status = response.status if response else None
    headers = await response.all_headers() if response else {}
    timing = await page.evaluate(TIMING_JS)
    if timing and not timing.get("load_end"):  # the load event's end not yet recorded: read once more
        timing = await page.evaluate(TIMING_JS)
    body = await page.evaluate(BODY_TEXT_JS)
    record = {
        "status": status,
        "wall_ms": wall_ms,
        "timing": timing,
        "_seen": {"status": status, "title": await page.title(), "text": body},
    }
    if headers.get(REFUSED_HEADER.lower()):
        record.update(ok=False, how="refused_by_egress_guard")
    elif marker is not None and marker not in body:
        record.update(ok=False, how="page_not_delivered")
    elif status is None or status >= 400:
        record.update(ok=False, how="error_status")
    else:
        record.update(ok=True)
    if timing and timing.get("load_end"):
        record["load_ms"] = round(timing["load_end"] - timing["start"], 2)
    return record


async def gather(ctx: ProbeContext) -> dict[str, Any]:
    pages = pick_pages(ctx.corpus, lambda url: measured_verdict(ctx, url))
    samples: dict[str, Any] = ctx.state.setdefault("samples", {})  # "round page_id path" -> record
    total = len(pages) * ROUNDS * 2
    started = time.monotonic()
    if not pages:
        return {"applicable": True, "pages": [], "samples": [], "rounds": ROUNDS, "complete": True}
    filtered_page = await ctx.page()
    direct_context = await ctx.new_context(through_product=False)
    direct_page = await direct_context.new_page()
    tabs = {DIRECT: direct_page, FILTERED: filtered_page}
    for p in pages[:WARM_UP_LOADS]:
        await asyncio.gather(*(measure(tab, p.url, p.marker, ctx.page_timeout_ms) for tab in tabs.values()))

    async def one(rnd: int, p: CorpusPage, path: str) -> None:
        key = f"{rnd} {p.page_id} {path}"
        if key in samples:
            return
        record = await measure(tabs[path], p.url, p.marker, ctx.page_timeout_ms)
        record.update(round=rnd, page_id=p.page_id, url=p.url, category=p.category, path=path)
        samples[key] = record

    def judge_unmarked(rnd: int, p: CorpusPage) -> None:
        """A page without a marker arrived through the product when it looks like its direct load."""
        direct, filtered = samples.get(f"{rnd} {p.page_id} {DIRECT}"), samples.get(f"{rnd} {p.page_id} {FILTERED}")
        if (
            p.marker is None
            and direct
            and filtered
            and direct.get("ok")
            and filtered.get("ok")
            and direct.get("_seen")
            and filtered.get("_seen")
        ):
            verdict, _, _ = compare_with_direct(filtered["_seen"], direct["_seen"], ctx.manifest.block_page_markers)
            if verdict != ALLOWED:
                filtered.update(ok=False, how="page_not_delivered")
        for sample in (direct, filtered):
            if sample:
                sample.pop("_seen", None)

    def interval_width() -> float | None:
        pairs, _ = paired_loads(list(samples.values()))
        if len(pairs) < MIN_PAIRS:
            return None
        low, high = bootstrap_interval([q[3] for q in pairs], [q[4] for q in pairs], resamples=400)["median_load_ratio"]
        return high - low

    rounds = 0
    for rnd in range(MAX_ROUNDS):
        if rnd >= ROUNDS:
            width = interval_width()
            # A clear answer needs a narrow interval; a noisy machine needs more rounds for it.
            if width is not None and width <= TARGET_WIDTH or time.monotonic() - started > TIME_BUDGET_S:
                break
            total = len(pages) * (rnd + 1) * 2
        rounds = rnd + 1
        for i, p in enumerate(pages):
            # Both paths load the same page at the same moment, so both meet the same machine
            # load; which one starts first alternates.
            order = (DIRECT, FILTERED) if (rnd + i) % 2 == 0 else (FILTERED, DIRECT)
            await asyncio.gather(*(one(rnd, p, path) for path in order))
            judge_unmarked(rnd, p)
            ctx.progress(len(samples), total)
    return {
        "applicable": True,
        "rounds": rounds,
        "pages": [{"page_id": p.page_id, "url": p.url, "category": p.category} for p in pages],
        "samples": list(samples.values()),
        "complete": len(samples) >= len(pages) * rounds * 2,
    }
