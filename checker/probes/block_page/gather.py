"""Gather: load a few clearly harmful pages through the product and record the block page the
child sees: status, visible text, the buttons, links and forms on it (ARIA roles and names),
what happens when the ask-a-parent control is used, and a screenshot."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from checker.corpus.model import ADULT, GAMBLING
from checker.probes.classify import (
    ALLOWED,
    BLOCKED,
    DirectFetcher,
    check_controls,
    compare_with_direct,
    direct_for,
    html_title_and_text,
    measured_verdict,
    network_error_kind,
)
from checker.probes.egress import REFUSED_HEADER
from checker.probes.signals import ASK_PARENT, fold

CATEGORIES = (ADULT, GAMBLING)
LANGUAGES = ("vi", "en")
TRIES_PER_GROUP = 8  # pages of one category and language loaded to find one the product blocks
MAX_TEXT = 4000
CLICK_WAIT_S = 2.5
BODY_TEXT_JS = "() => document.body ? document.body.innerText : ''"
FORMS_JS = """() => Array.from(document.forms).map((f, i) => ({index: i, text: (f.innerText || '').slice(0, 500),
    method: (f.getAttribute('method') || 'get').toLowerCase()}))"""

if TYPE_CHECKING:
    from playwright.async_api import Page, Request, Response

    from checker.corpus import CorpusPage
    from checker.probes.runner import ProbeContext

ROLE_LINE = re.compile(r'^(\s*)- (button|link|menuitem)(?: "((?:[^"\\]|\\.)*)")?')
URL_LINE = re.compile(r"^\s*- /url: (.*)$")


def candidate_groups(
    corpus: Sequence[CorpusPage], measured: Callable[[str], str | None] = lambda url: None
) -> list[list[Any]]:
    """Per category and language, the clearly harmful pages to try in order: pages the product
    was measured to block first, then pages with a marker, then the rest; never a page
    measured allowed (it shows no block page)."""
    groups = []
    for category in CATEGORIES:
        for language in LANGUAGES:
            pages = [
                p for p in corpus if p.category == category and p.language == language and measured(p.url) != ALLOWED
            ]
            pages.sort(key=lambda p: (measured(p.url) != BLOCKED, p.marker is None))
            if pages:
                groups.append(pages[:TRIES_PER_GROUP])
    return groups


def pick_pages(corpus: Sequence[CorpusPage], measured: Callable[[str], str | None] = lambda url: None) -> list[Any]:
    """The first page to try per category and language (see candidate_groups)."""
    return [group[0] for group in candidate_groups(corpus, measured)]


def parse_controls(snapshot: str) -> list[dict[str, Any]]:
    """Buttons, links and menu items with their accessible names (and a link's URL) from an ARIA snapshot."""
    controls: list[dict[str, Any]] = []
    last_link: dict[str, Any] | None = None
    for line in snapshot.splitlines():
        match = ROLE_LINE.match(line)
        if match:
            name = match.group(3) or ""
            try:
                name = json.loads(f'"{name}"')
            except ValueError:
                pass
            control = {"role": match.group(2), "name": name}
            controls.append(control)
            last_link = control if match.group(2) == "link" else None
            continue
        url = URL_LINE.match(line)
        if url and last_link is not None and "url" not in last_link:
            last_link["url"] = url.group(1).strip().strip('"')
    return controls


async def _visible(page: Page) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    text = await page.evaluate(BODY_TEXT_JS)
    try:
        snapshot = await page.locator("body").aria_snapshot(timeout=5000)
    except Exception:
        snapshot = ""
    forms = await page.evaluate(FORMS_JS)
    return text, parse_controls(snapshot), forms


async def _try_ask_parent(
    page: Page, controls: list[dict[str, Any]], forms: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """Use the first ask-a-parent control and record what the product does in response."""
    target = None
    for control in controls:
        if ASK_PARENT.search(fold(control["name"])):
            target = ("role", control)
            break
    if target is None:
        for form in forms:
            if ASK_PARENT.search(fold(form["text"])):
                target = ("form", form)
                break
    if target is None:
        return None
    kind, what = target
    if kind == "role":
        locator = page.get_by_role(what["role"], name=what["name"], exact=True).first
        used = {"role": what["role"], "name": what["name"]}
    else:
        locator = page.locator("form").nth(what["index"]).get_by_role("button").first
        used = {"role": "form", "name": what["text"][:120]}
    before_url, before_text = page.url, await page.evaluate(BODY_TEXT_JS)
    requests: list[dict[str, Any]] = []
    responses: list[dict[str, Any]] = []

    def on_request(request: Request) -> None:
        requests.append({"url": request.url, "method": request.method, "resource_type": request.resource_type})

    def on_response(response: Response) -> None:
        responses.append({"url": response.url, "status": response.status})

    page.on("request", on_request)
    page.on("response", on_response)
    record: dict[str, Any] = {"control": used}
    try:
        await locator.click(timeout=3000)
        deadline = time.monotonic() + CLICK_WAIT_S
        while time.monotonic() < deadline and (not requests or len(responses) < len(requests)):
            await asyncio.sleep(0.05)
        try:
            await page.wait_for_load_state("load", timeout=3000)
        except Exception:
            pass
        after_text = await page.evaluate(BODY_TEXT_JS)
        record.update(
            clicked=True,
            url_after=page.url,
            navigated=page.url != before_url,
            text_changed=fold(after_text) != fold(before_text),
            text_after=re.sub(r"\s+", " ", after_text).strip()[:600],
        )
    except Exception as exc:
        if "has been closed" in str(exc) or "Target closed" in str(exc):
            raise
        record.update(clicked=False, error=str(exc).splitlines()[0][:200])
    finally:
        page.remove_listener("request", on_request)
        page.remove_listener("response", on_response)
    record.update(requests=requests[:10], responses=responses[:10])
    return record


async def load_block_page(
    ctx: ProbeContext, page: Page, corpus_page: CorpusPage, direct: DirectFetcher | None = None
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "page_id": corpus_page.page_id,
        "category": corpus_page.category,
        "language": corpus_page.language,
        "url": corpus_page.url,
        "status": None,
    }
    try:
        response = await page.goto(corpus_page.url, wait_until="load", timeout=ctx.page_timeout_ms)
    except Exception as exc:
        if "has been closed" in str(exc) or "Target closed" in str(exc):
            raise
        code = re.search(r"net::(ERR_[A-Z_]+)", str(exc))
        record.update(
            verdict="blocked",
            how="timeout" if "Timeout" in str(exc) and not code else "connection_error",
            error=code.group(1) if code else str(exc).splitlines()[0][:200],
        )
        if await _unreachable_directly(direct, corpus_page.url, record):
            return record
        record["screenshot"] = await ctx.screenshot(page, corpus_page.page_id)
        return record
    status = response.status if response else None
    headers = await response.all_headers() if response else {}
    try:
        body = await response.body() if response else b""
    except Exception:
        body = b""
    record.update(status=status, body_bytes=len(body), final_url=page.url, content_type=headers.get("content-type", ""))
    if headers.get(REFUSED_HEADER.lower()):
        record.update(verdict="undetermined", how="refused_by_egress_guard")
        return record
    if (status is not None and status >= 400 and not body.strip()) or page.url.startswith("chrome-error:"):
        # An error without a body: the browser shows its own error page, not the product's.
        record.update(verdict="blocked", how="error_without_body")
        if status in (502, 503, 504):
            record.update(verdict="unreachable", how="product_network_error", network_error=f"gateway_{status}")
            return record
        if await _unreachable_directly(direct, corpus_page.url, record):
            return record
        record["screenshot"] = await ctx.screenshot(page, corpus_page.page_id)
        return record
    text, controls, forms = await _visible(page)
    if corpus_page.marker and corpus_page.marker in text:
        record.update(verdict="allowed", how="marker_rendered")
        return record
    title = await page.title()
    kind = network_error_kind(status, {k.lower(): v for k, v in headers.items()}, title, text)
    if kind is not None:
        # The product's own "could not reach the site" page is not a block page.
        record.update(
            verdict="unreachable",
            how="product_network_error",
            network_error=kind,
            title=title[:200],
            text=re.sub(r"\s+", " ", text).strip()[:400],
        )
        return record
    if await _unreachable_directly(direct, corpus_page.url, record):
        return record
    if corpus_page.marker is None and direct is not None:
        raw_title, raw_text = html_title_and_text(body.decode("utf-8", "replace"))
        verdict, how, detail = compare_with_direct(
            {"status": status, "title": raw_title or title, "text": raw_text or text},
            await direct.get(corpus_page.url),
            ctx.manifest.block_page_markers,
        )
        record.update(detail)
        if verdict == ALLOWED:
            record.update(verdict="allowed", how=how)
            return record
    how = "error_status" if status is not None and status >= 400 else "block_page"
    record.update(
        verdict="blocked",
        how=how,
        title=title[:200],
        text=re.sub(r"[ \t]+", " ", text).strip()[:MAX_TEXT],
        controls=controls[:60],
        forms=forms[:10],
    )
    record["screenshot"] = await ctx.screenshot(page, corpus_page.page_id)
    return record


async def _unreachable_directly(direct: DirectFetcher | None, url: str, record: dict[str, Any]) -> bool:
    """True (and the record says so) when the page fails when fetched directly too: not the product's doing."""
    if direct is None:
        return False
    reference = await direct.get(url)
    if reference.get("error") or reference.get("status") is None or reference["status"] >= 400:
        record.update(
            verdict="unreachable",
            how="direct_fetch_failed",
            direct_status=reference.get("status"),
            direct_error=reference.get("error"),
        )
        return True
    return False


async def gather(ctx: ProbeContext) -> dict[str, Any]:
    controls = ctx.state.get("controls")
    if controls is None:
        controls = ctx.state["controls"] = await check_controls(ctx)
    if controls.get("ok") is False:
        return {"applicable": True, "pages": [], "tried": [], "controls": controls, "complete": True}
    groups = candidate_groups(ctx.corpus, lambda url: measured_verdict(ctx, url))
    results: dict[str, Any] = ctx.state.setdefault("results", {})  # group index -> the record judged for that group
    tried: dict[str, Any] = ctx.state.setdefault("tried", {})  # page_id -> verdict of pages loaded to find one blocked
    page = await ctx.page()
    direct = await DirectFetcher.for_probe(ctx)
    for i, group in enumerate(groups):
        if str(i) in results:
            continue
        record = None
        for corpus_page in group:
            if corpus_page.page_id in tried:
                continue
            record = await load_block_page(ctx, page, corpus_page, direct_for(corpus_page.marker, controls, direct))
            tried[corpus_page.page_id] = record.get("verdict")
            if record.get("verdict") == "blocked":
                break
        if record is None:
            continue
        # Use the ask-a-parent control once, on the first block page that has one.
        if (
            record.get("verdict") == "blocked"
            and record.get("controls") is not None
            and not any(r.get("ask_parent_use") for r in results.values())
        ):
            used = await _try_ask_parent(page, record["controls"], record.get("forms", []))
            if used is not None:
                record["ask_parent_use"] = used
        results[str(i)] = record
        ctx.progress(i + 1, len(groups))
    return {
        "applicable": True,
        "pages": [results[str(i)] for i in range(len(groups)) if str(i) in results],
        "tried": [{"page_id": pid, "verdict": v} for pid, v in tried.items()],
        "controls": controls,
        "complete": len(results) == len(groups),
    }
