"""Gather: load every corpus page through the product's proxy and record what reached the page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checker.corpus.model import RTA_ONLY
from checker.probes.classify import ALLOWED, load_corpus_pages

if TYPE_CHECKING:
    from checker.corpus import CorpusPage
    from checker.probes.runner import ProbeContext


def _misjudged(corpus_page: CorpusPage, record: dict[str, Any]) -> bool:
    return bool((record["verdict"] == ALLOWED) == corpus_page.harmful)


async def gather(ctx: ProbeContext) -> dict[str, Any]:
    pages = [p for p in ctx.corpus if p.category != RTA_ONLY]  # RTA-only pages are the rta_label probe's
    return await load_corpus_pages(ctx, pages, screenshot_when=_misjudged, max_screenshots=6)
