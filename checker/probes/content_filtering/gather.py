"""Gather: load every corpus page through the product's proxy and record what reached the page."""
from __future__ import annotations

import asyncio
import time

from checker.probes.classify import load_and_classify

MAX_FAILURE_SCREENSHOTS = 6


async def gather(ctx) -> dict:
    pages = [p for p in ctx.corpus if p.category != "rta_only"]
    results: dict = ctx.state.setdefault("results", {})  # page_id -> record; kept across a browser restart
    todo = [p for p in pages if p.page_id not in results]
    total = len(pages)
    queue: asyncio.Queue = asyncio.Queue()
    for p in todo:
        queue.put_nowait(p)
    shots = ctx.state.setdefault("screenshots", [])

    async def worker(page):
        while not queue.empty():
            corpus_page = queue.get_nowait()
            started = time.perf_counter()
            record = await load_and_classify(page, corpus_page.url, corpus_page.marker, ctx.manifest.block_page_markers,
                                             ctx.page_timeout_ms)
            record.update(page_id=corpus_page.page_id, category=corpus_page.category, language=corpus_page.language,
                          url=corpus_page.url, harmful=corpus_page.harmful,
                          ms=round((time.perf_counter() - started) * 1000, 1))
            misjudged = (record["verdict"] == "allowed") == corpus_page.harmful and record["verdict"] != "undetermined"
            if misjudged and len(shots) < MAX_FAILURE_SCREENSHOTS:
                shot = await ctx.screenshot(page, corpus_page.page_id)
                if shot:
                    record["screenshot"] = shot
                    shots.append(shot)
            results[corpus_page.page_id] = record
            ctx.progress(len(results), total)

    ctx.progress(len(results), total)
    async with asyncio.TaskGroup() as group:  # one page failing stops the others (a lost browser)
        for page in await ctx.pages(ctx.settings.pool_pages):
            group.create_task(worker(page))
    return {"applicable": True, "total": total, "pages": [results[p.page_id] for p in pages if p.page_id in results],
            "complete": len(results) == total}
