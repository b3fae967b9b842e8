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
