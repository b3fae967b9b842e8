"""Loading a page through the product and saying whether it was allowed or blocked, and how:
shared by the probes that load the corpus."""
from __future__ import annotations

import re

from checker.probes.egress import REFUSED_HEADER
from checker.probes.signals import BLOCK_EXPLAINS, fold

BODY_TEXT_JS = "() => document.body ? document.body.innerText : ''"
ALLOWED, BLOCKED, UNDETERMINED = "allowed", "blocked", "undetermined"


def _browser_lost(exc: Exception) -> bool:
    return any(s in str(exc) for s in ("has been closed", "Target closed", "browser has disconnected", "Connection closed"))


async def load_and_classify(page, url: str, marker: str | None, block_markers: list[str], timeout_ms: int) -> dict:
    """Load `url` in `page` and classify the result.

    allowed: the page's own marker reached the rendered text (or, for a list without markers,
    a 2xx/3xx page that is not the product's block page); blocked: a block page, an error
    status, a refused connection or a replaced body; undetermined: our own egress guard
    refused it (not the product's doing).
    """
    record: dict = {"verdict": None, "how": None, "status": None}
    try:
        response = await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    except Exception as exc:
        if _browser_lost(exc):
            raise
        message = str(exc)
        code = re.search(r"net::(ERR_[A-Z_]+)", message)
        timed_out = "Timeout" in message and not code
        record.update(verdict=BLOCKED, how="timeout" if timed_out else "connection_error",
                      error=code.group(1) if code else message.splitlines()[0][:200])
        return record
    status = response.status if response else None
    record["status"] = status
    try:
        headers = await response.all_headers() if response else {}
        body = await page.evaluate(BODY_TEXT_JS)
        record["title"] = (await page.title())[:200]
    except Exception as exc:
        if _browser_lost(exc):
            raise
        body, headers = "", {}
    record["final_url"] = page.url
    if headers.get(REFUSED_HEADER.lower()):
        record.update(verdict=UNDETERMINED, how="refused_by_egress_guard")
        return record
    folded = fold(body)
    looks_blocked = any(fold(m) in folded for m in block_markers if m)
    if marker is not None and marker in body:
        record.update(verdict=ALLOWED, how="marker_rendered")
    elif marker is None and status is not None and status < 400 and not looks_blocked:
        record.update(verdict=ALLOWED, how="page_loaded")
    elif status is not None and status >= 400:
        record.update(verdict=BLOCKED, how="error_status")
    elif looks_blocked or BLOCK_EXPLAINS.search(folded):
        record.update(verdict=BLOCKED, how="block_page")
    else:
        record.update(verdict=BLOCKED, how="replaced_body")
    if record["verdict"] == BLOCKED:
        record["excerpt"] = re.sub(r"\s+", " ", body).strip()[:400]
    return record


def summarise(records: list[dict]) -> dict:
    """Counts per category and per blocking method."""
    categories: dict[str, dict] = {}
    methods: dict[str, int] = {}
    undetermined = []
    for r in records:
        stats = categories.setdefault(r["category"], {"total": 0, "judged": 0, "blocked": 0, "allowed": 0, "block_rate": None})
        stats["total"] += 1
        if r["verdict"] == UNDETERMINED:
            undetermined.append(r["url"])
            continue
        stats["judged"] += 1
        stats["blocked" if r["verdict"] == BLOCKED else "allowed"] += 1
        if r["verdict"] == BLOCKED:
            methods[r["how"]] = methods.get(r["how"], 0) + 1
    for stats in categories.values():
        if stats["judged"]:
            stats["block_rate"] = round(stats["blocked"] / stats["judged"], 4)
    return {"categories": categories, "methods": methods, "undetermined": undetermined}


async def load_corpus_pages(ctx, pages, *, screenshot_when, max_screenshots: int) -> dict:
    """Load `pages` through the product on the context's reused pages and classify each.

    Resumable: records live in `ctx.state`, so after a browser restart only the pages not
    yet measured are loaded again. `screenshot_when(corpus_page, record)` says which
    results deserve a screenshot as evidence (the misjudged ones).
    """
    import asyncio
    import time

    results: dict = ctx.state.setdefault("results", {})  # page_id -> record
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
                          url=corpus_page.url, harmful=corpus_page.harmful, rta=corpus_page.rta,
                          ms=round((time.perf_counter() - started) * 1000, 1))
            if record["verdict"] != UNDETERMINED and screenshot_when(corpus_page, record) and len(shots) < max_screenshots:
                shot = await ctx.screenshot(page, corpus_page.page_id)
                if shot:
                    record["screenshot"] = shot
                    shots.append(shot)
            results[corpus_page.page_id] = record
            ctx.progress(len(results), total)

    ctx.progress(len(results), total)
    if pages:
        async with asyncio.TaskGroup() as group:  # one page failing stops the others (a lost browser)
            for page in await ctx.pages(ctx.settings.pool_pages):
                group.create_task(worker(page))
    return {"applicable": True, "total": total, "pages": [results[p.page_id] for p in pages if p.page_id in results],
            "complete": len(results) == total}
