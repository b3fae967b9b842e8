"""Gather: load the corpus's RTA-only pages (neutral text, the RTA label their only adult
signal) through the product's proxy and record what reached the page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from checker.corpus.model import RTA_ONLY
from checker.probes.classify import ALLOWED, load_corpus_pages

if TYPE_CHECKING:
    from checker.corpus import CorpusPage
    from checker.probes.runner import ProbeContext

MAX_SCREENSHOTS = 3


def _reached_the_child(corpus_page: CorpusPage, record: dict[str, Any]) -> bool:
    return bool(record["verdict"] == ALLOWED)  # an RTA page that got through is the failure to show


async def gather(ctx: ProbeContext) -> dict[str, Any]:
    pages = [p for p in ctx.corpus if p.category == RTA_ONLY]
    return await load_corpus_pages(ctx, pages, screenshot_when=_reached_the_child, max_screenshots=MAX_SCREENSHOTS)
