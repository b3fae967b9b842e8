"""Gather: load every corpus page through the product's proxy and record what reached the page."""
from __future__ import annotations

from checker.corpus.model import RTA_ONLY
from checker.probes.classify import ALLOWED, load_corpus_pages


def _misjudged(corpus_page, record) -> bool:
    return (record["verdict"] == ALLOWED) == corpus_page.harmful


async def gather(ctx) -> dict:
    pages = [p for p in ctx.corpus if p.category != RTA_ONLY]  # RTA-only pages are the rta_label probe's
    return await load_corpus_pages(ctx, pages, screenshot_when=_misjudged, max_screenshots=6)
