"""Gather: load the corpus's RTA-only pages (neutral text, the RTA label their only adult
signal) through the product's proxy and record what reached the page."""
from __future__ import annotations

import asyncio
import time

from checker.corpus.model import RTA_ONLY
from checker.probes.classify import ALLOWED, load_and_classify

MAX_SCREENSHOTS = 3


async def gather(ctx) -> dict:
    pages = [p for p in ctx.corpus if p.category == RTA_ONLY]
    results: dict = ctx.state.setdefault("results", {})  # page_id -> record; kept across a browser restart
    shots: list = ctx.state.setdefault("screenshots", [])
    total = len(pages)
    queue: asyncio.Queue = asyncio.Queue()
    for p in pages:
        if p.page_id not in results:
            queue.put_nowait(p)

    async def worker(page):
        while not queue.empty():
            corpus_page = queue.get_nowait()
            started = time.perf_counter()
            record = await load_and_classify(page, corpus_page.url, corpus_page.marker, ctx.manifest.block_page_markers,
                                             ctx.page_timeout_ms)
            record.update(page_id=corpus_page.page_id, category=corpus_page.category, language=corpus_page.language,
                          url=corpus_page.url, rta=corpus_page.rta, harmful=True,
                          ms=round((time.perf_counter() - started) * 1000, 1))
            # An RTA page that reached the child is the failure to show.
            if record["verdict"] == ALLOWED and len(shots) < MAX_SCREENSHOTS:
                shot = await ctx.screenshot(page, corpus_page.page_id)
                if shot:
                    record["screenshot"] = shot
                    shots.append(shot)
            results[corpus_page.page_id] = record
            ctx.progress(len(results), total)

    ctx.progress(len(results), total)
    if pages:
        await asyncio.gather(*(worker(p) for p in await ctx.pages(ctx.settings.pool_pages)))
    return {"applicable": True, "total": total, "pages": [results[p.page_id] for p in pages if p.page_id in results],
            "complete": len(results) == total}
