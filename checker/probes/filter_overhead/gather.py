"""Gather: load the same safe pages, interleaved over several rounds, through the product and
directly (our egress guard only), and record each load's Navigation Timing."""
from __future__ import annotations

import asyncio
import time

from checker.corpus.model import CHILD_FRIENDLY, EDUCATION_VI
from checker.probes.egress import REFUSED_HEADER

PAGES = 10
ROUNDS = 3
WARM_UP_LOADS = 2   # per path, not measured: connections to the guard and the product opened
DIRECT, FILTERED = "direct", "filtered"
BODY_TEXT_JS = "() => document.body ? document.body.innerText : ''"
TIMING_JS = """() => {
  const e = performance.getEntriesByType('navigation')[0];
  if (!e) return null;
  return {start: e.startTime, response_start: e.responseStart, response_end: e.responseEnd,
          dom_content_loaded: e.domContentLoadedEventEnd, load_end: e.loadEventEnd};
}"""


def pick_pages(corpus) -> list:
    """Up to PAGES safe pages with markers, alternating child-friendly and education pages."""
    groups = [[p for p in corpus if p.category == c and p.marker] for c in (CHILD_FRIENDLY, EDUCATION_VI)]
    chosen = []
    for i in range(PAGES):
        for group in groups:
            if i < len(group) and len(chosen) < PAGES:
                chosen.append(group[i])
    return chosen


async def measure(page, url: str, marker: str | None, timeout_ms: int) -> dict:
    """One load with wait_until=load: its Navigation Timing, the wall-clock time and whether the page itself arrived."""
    started = time.perf_counter()
    try:
        response = await page.goto(url, wait_until="load", timeout=timeout_ms)
    except Exception as exc:
        if "has been closed" in str(exc) or "Target closed" in str(exc):
            raise
        return {"ok": False, "how": "load_error", "error": str(exc).splitlines()[0][:200],
                "wall_ms": round((time.perf_counter() - started) * 1000, 2)}
    wall_ms = round((time.perf_counter() - started) * 1000, 2)
    status = response.status if response else None
    headers = await response.all_headers() if response else {}
    timing = await page.evaluate(TIMING_JS)
    if timing and not timing.get("load_end"):  # the load event's end not yet recorded: read once more
        timing = await page.evaluate(TIMING_JS)
    body = await page.evaluate(BODY_TEXT_JS)
    record = {"status": status, "wall_ms": wall_ms, "timing": timing}
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


async def gather(ctx) -> dict:
    pages = pick_pages(ctx.corpus)
    samples: dict = ctx.state.setdefault("samples", {})  # "round page_id path" -> record
    total = len(pages) * ROUNDS * 2
    if not pages:
        return {"applicable": True, "pages": [], "samples": [], "rounds": ROUNDS, "complete": True}
    filtered_page = await ctx.page()
    direct_context = await ctx.new_context(through_product=False)
    direct_page = await direct_context.new_page()
    tabs = {DIRECT: direct_page, FILTERED: filtered_page}
    for p in pages[:WARM_UP_LOADS]:
        await asyncio.gather(*(measure(tab, p.url, p.marker, ctx.page_timeout_ms) for tab in tabs.values()))

    async def one(rnd: int, p, path: str) -> None:
        key = f"{rnd} {p.page_id} {path}"
        if key in samples:
            return
        record = await measure(tabs[path], p.url, p.marker, ctx.page_timeout_ms)
        record.update(round=rnd, page_id=p.page_id, url=p.url, category=p.category, path=path)
        samples[key] = record

    for rnd in range(ROUNDS):
        for i, p in enumerate(pages):
            # Both paths load the same page at the same moment, so both meet the same machine
            # load; which one starts first alternates.
            order = (DIRECT, FILTERED) if (rnd + i) % 2 == 0 else (FILTERED, DIRECT)
            await asyncio.gather(*(one(rnd, p, path) for path in order))
            ctx.progress(len(samples), total)
    return {"applicable": True, "rounds": ROUNDS,
            "pages": [{"page_id": p.page_id, "url": p.url, "category": p.category} for p in pages],
            "samples": list(samples.values()), "complete": len(samples) == total}
