"""Gather: load a sample of harmful corpus pages normally through the product, then ask for
each page it blocked again with simple bypass tricks, and record what reached the page."""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from checker.corpus.model import HARMFUL
from checker.corpus.resolve import resolve_host
from checker.probes.classify import (
    ALLOWED,
    BLOCKED,
    DirectFetcher,
    check_controls,
    direct_for,
    load_and_classify,
    measured_verdict,
    remember,
)

RAW_IP, ALTERNATE_HOST, UPPER_CASE_HOST, TRAILING_DOT_HOST, PERCENT_ENCODED_PATH = (
    "raw_ip",
    "alternate_host",
    "upper_case_host",
    "trailing_dot_host",
    "percent_encoded_path",
)

if TYPE_CHECKING:
    from playwright.async_api import Page, Request

    from checker.corpus import CorpusPage
    from checker.probes.runner import ProbeContext

TRICKS = (RAW_IP, ALTERNATE_HOST, UPPER_CASE_HOST, TRAILING_DOT_HOST, PERCENT_ENCODED_PATH)
SAMPLE_BLOCKED = 6  # pages blocked normally that the tricks are tried on
MAX_PER_CATEGORY = 2  # of those, at most this many from one category while others have some
TRIES_PER_CATEGORY = 20  # normal loads in a category before it is given up (a filter blocking some pages)
MAX_NORMAL_LOADS = 160  # candidates loaded normally in all
MAX_SCREENSHOTS = 2


def candidates(corpus: Sequence[CorpusPage], measured: Callable[[str], str | None] = lambda url: None) -> list[Any]:
    """Harmful pages, one category after another (round-robin), languages alternating within a
    category: pages the product was measured to block first, then pages with a marker (whose
    arrival can be seen), then pages without; never a page measured allowed (nothing to bypass)."""
    per_category: dict[str, list[Any]] = {}
    for category in HARMFUL:
        pages = [p for p in corpus if p.category == category and measured(p.url) != ALLOWED]
        pages.sort(key=lambda p: measured(p.url) != BLOCKED)  # stable: corpus order otherwise
        by_language: dict[str, list[Any]] = {}
        for page in sorted(pages, key=lambda p: p.marker is None):  # stable: corpus order otherwise
            by_language.setdefault(page.language, []).append(page)
        queues = list(by_language.values())
        mixed = [q[i] for i in range(max((len(q) for q in queues), default=0)) for q in queues if i < len(q)]
        mixed.sort(key=lambda p: (measured(p.url) != BLOCKED, p.marker is None))
        if mixed:
            per_category[category] = mixed
    ordered, depth = [], max((len(v) for v in per_category.values()), default=0)
    for i in range(depth):
        for pages in per_category.values():
            if i < len(pages):
                ordered.append(pages[i])
    return ordered[:MAX_NORMAL_LOADS]


def _netloc(host: str, port: int | None) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}" if port else host


def encode_path(path: str) -> str:
    """Every character of the path except '/' percent-encoded ('/p/a-b' -> '/%70/%61%2D%62')."""
    return "/".join("".join(f"%{byte:02X}" for byte in unquote(segment).encode("utf-8")) for segment in path.split("/"))


def preferred_address(addresses: list[str]) -> str | None:
    """An IPv4 address when there is one (the form pupils type), else the first."""
    for address in addresses:
        if ipaddress.ip_address(address).version == 4:
            return address
    return addresses[0] if addresses else None


def trick_url(url: str, trick: str, *, alternate_url: str | None = None, address: str | None = None) -> str | None:
    """The URL of `url` disguised by `trick`, or None when the trick cannot be built."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port
    if trick == RAW_IP:
        if not address or _is_ip(host):
            return None
        return urlunsplit(parts._replace(netloc=_netloc(address, port)))
    if trick == ALTERNATE_HOST:
        return alternate_url or None
    if trick == UPPER_CASE_HOST:
        return urlunsplit(parts._replace(netloc=_netloc(host.upper(), port)))
    if trick == TRAILING_DOT_HOST:
        return (
            None if host.endswith(".") or _is_ip(host) else urlunsplit(parts._replace(netloc=_netloc(host + ".", port)))
        )
    if trick == PERCENT_ENCODED_PATH:
        path = encode_path(parts.path or "/")
        return urlunsplit(parts._replace(path=path)) if path != parts.path else None
    raise ValueError(trick)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


async def load(
    ctx: ProbeContext, page: Page, url: str, marker: str | None, direct: DirectFetcher | None = None
) -> dict[str, Any]:
    """load_and_classify, plus the URL the browser actually sent for the navigation."""
    sent: list[str] = []

    def on_request(request: Request) -> None:
        try:
            if request.is_navigation_request() and request.frame == page.main_frame:
                sent.append(request.url)
        except Exception:
            pass

    page.on("request", on_request)
    started = time.perf_counter()
    try:
        record = await load_and_classify(
            page, url, marker, ctx.manifest.block_page_markers, ctx.page_timeout_ms, direct
        )
    finally:
        page.remove_listener("request", on_request)
    record["sent_url"] = sent[0] if sent else None
    record["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return record


async def _canonical(page: Page, url: str) -> str | None:
    """The URL as the browser's own URL parser writes it (the form a navigation sends)."""
    try:
        href: str | None = await page.evaluate("u => new URL(u).href", url)
        return href
    except Exception as exc:
        if "has been closed" in str(exc) or "Target closed" in str(exc):
            raise
        return None


async def _address(host: str) -> str | None:
    try:
        return preferred_address(await asyncio.get_running_loop().run_in_executor(None, resolve_host, host))
    except OSError:
        return None


async def gather(ctx: ProbeContext) -> dict[str, Any]:
    pool = await ctx.pages(ctx.settings.pool_pages)
    normal: dict[str, Any] = ctx.state.setdefault("normal", {})  # page_id -> record of the normal load
    attempts: dict[str, Any] = ctx.state.setdefault("attempts", {})  # "page_id trick" -> record
    shots: list[Any] = ctx.state.setdefault("screenshots", [])
    controls = ctx.state.get("controls")
    if controls is None:
        controls = ctx.state["controls"] = await check_controls(ctx)
    if controls.get("ok") is False:
        return {
            "applicable": True,
            "tricks": list(TRICKS),
            "sample_size": SAMPLE_BLOCKED,
            "normal": [],
            "blocked_normally": [],
            "attempts": [],
            "unavailable": [],
            "controls": controls,
            "complete": True,
        }
    pages = candidates(ctx.corpus, lambda url: measured_verdict(ctx, url))[:MAX_NORMAL_LOADS]
    by_id = {p.page_id: p for p in pages}
    direct = await DirectFetcher.for_probe(ctx)

    def blocked_in(category: str | None = None) -> list[str]:
        return [
            p.page_id
            for p in pages
            if normal.get(p.page_id, {}).get("verdict") == BLOCKED and (category is None or p.category == category)
        ]

    def tries(category: str) -> int:
        return sum(r.get("category") == category for r in normal.values())

    def blocked_ids() -> list[str]:
        """Up to SAMPLE_BLOCKED pages blocked normally, spread over the categories (round-robin)."""
        per_category = [blocked_in(c) for c in HARMFUL]
        spread = [ids[i] for i in range(SAMPLE_BLOCKED) for ids in per_category if i < len(ids)]
        return spread[:SAMPLE_BLOCKED]

    def worth_trying(corpus_page: CorpusPage) -> bool:
        """A category is tried until it has MAX_PER_CATEGORY blocked pages or TRIES_PER_CATEGORY loads:
        a filter that lets some pages of a category through may still block others."""
        category = corpus_page.category
        return len(blocked_in(category)) < MAX_PER_CATEGORY and tries(category) < TRIES_PER_CATEGORY

    # 1. Normal loads, a batch at a time, until enough blocked pages are found.
    while len(blocked_ids()) < SAMPLE_BLOCKED:
        batch = [p for p in pages if p.page_id not in normal and worth_trying(p)][: len(pool)]
        if not batch:
            # Every category reached its share or its tries: take more blocked pages where there are some.
            batch = [
                p
                for p in pages
                if p.page_id not in normal and tries(p.category) < TRIES_PER_CATEGORY and blocked_in(p.category)
            ][: len(pool)]
        if not batch:
            break

        async def load_normal(page: Page, corpus_page: CorpusPage) -> None:
            record = await load(
                ctx, page, corpus_page.url, corpus_page.marker, direct_for(corpus_page.marker, controls, direct)
            )
            record.update(page_id=corpus_page.page_id, category=corpus_page.category, url=corpus_page.url)
            normal[corpus_page.page_id] = record

        await asyncio.gather(*(load_normal(page, cp) for page, cp in zip(pool, batch, strict=False)))
        ctx.progress(len(normal), len(pages))

    remember(ctx, normal.values())
    chosen = blocked_ids()
    # 2. The tricks on every page blocked normally.
    jobs = []
    unavailable = []
    for page_id in chosen:
        corpus_page = by_id[page_id]
        address = await _address(urlsplit(corpus_page.url).hostname or "")
        for trick in TRICKS:
            url = trick_url(corpus_page.url, trick, alternate_url=corpus_page.alternate_url, address=address)
            if url is None:
                unavailable.append({"page_id": page_id, "trick": trick})
            elif f"{page_id} {trick}" not in attempts:
                jobs.append((corpus_page, trick, url))
    total = len(normal) + len(jobs) + len(attempts)
    queue: asyncio.Queue[Any] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def worker(page: Page) -> None:
        while not queue.empty():
            corpus_page, trick, url = queue.get_nowait()
            original = normal[corpus_page.page_id]
            # A trick the browser undoes (it lower-cases host names) would send the very same
            # request as the normal load: recorded, not loaded again.
            canonical = await _canonical(page, url)
            if canonical is not None and canonical == await _canonical(page, corpus_page.url):
                record = {"verdict": None, "how": "normalised_by_browser", "sent_url": canonical, "distinct": False}
            else:
                record = await load(
                    ctx, page, url, corpus_page.marker, direct_for(corpus_page.marker, controls, direct)
                )
                record["distinct"] = not (record["sent_url"] and record["sent_url"] == original.get("sent_url"))
            record.update(
                page_id=corpus_page.page_id,
                category=corpus_page.category,
                trick=trick,
                url=url,
                original_url=corpus_page.url,
                original_sent_url=original.get("sent_url"),
            )
            if record["verdict"] == ALLOWED and len(shots) < MAX_SCREENSHOTS:
                shot = await ctx.screenshot(page, f"{corpus_page.page_id}-{trick}")
                if shot:
                    record["screenshot"] = shot
                    shots.append(shot)
            attempts[f"{corpus_page.page_id} {trick}"] = record
            ctx.progress(len(normal) + len(attempts), total)

    await asyncio.gather(*(worker(page) for page in pool))
    expected = len(chosen) * len(TRICKS) - len(unavailable)
    return {
        "applicable": True,
        "tricks": list(TRICKS),
        "sample_size": SAMPLE_BLOCKED,
        "normal": [normal[p.page_id] for p in pages if p.page_id in normal],
        "blocked_normally": chosen,
        "attempts": [attempts[f"{pid} {t}"] for pid in chosen for t in TRICKS if f"{pid} {t}" in attempts],
        "unavailable": unavailable,
        "controls": controls,
        "complete": len(attempts) >= expected,
    }
