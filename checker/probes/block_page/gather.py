"""Gather: load a few clearly harmful pages through the product and record the block page the
child sees: status, visible text, the buttons, links and forms on it (ARIA roles and names),
what happens when the ask-a-parent control is used, and a screenshot."""
from __future__ import annotations

import asyncio
import json
import re
import time

from checker.corpus.model import ADULT, GAMBLING
from checker.probes.egress import REFUSED_HEADER
from checker.probes.signals import ASK_PARENT, fold

CATEGORIES = (ADULT, GAMBLING)
LANGUAGES = ("vi", "en")
MAX_TEXT = 4000
CLICK_WAIT_S = 2.5
BODY_TEXT_JS = "() => document.body ? document.body.innerText : ''"
FORMS_JS = """() => Array.from(document.forms).map((f, i) => ({index: i, text: (f.innerText || '').slice(0, 500),
    method: (f.getAttribute('method') || 'get').toLowerCase()}))"""
ROLE_LINE = re.compile(r'^(\s*)- (button|link|menuitem)(?: "((?:[^"\\]|\\.)*)")?')
URL_LINE = re.compile(r"^\s*- /url: (.*)$")


def pick_pages(corpus) -> list:
    """One clearly harmful page per category and language, pages with a marker only."""
    chosen = []
    for category in CATEGORIES:
        for language in LANGUAGES:
            page = next((p for p in corpus if p.category == category and p.language == language and p.marker), None)
            if page is not None:
                chosen.append(page)
    return chosen


def parse_controls(snapshot: str) -> list[dict]:
    """Buttons, links and menu items with their accessible names (and a link's URL) from an ARIA snapshot."""
    controls: list[dict] = []
    last_link: dict | None = None
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


async def _visible(page) -> tuple[str, list[dict], list[dict]]:
    text = await page.evaluate(BODY_TEXT_JS)
    try:
        snapshot = await page.locator("body").aria_snapshot(timeout=5000)
    except Exception:
        snapshot = ""
    forms = await page.evaluate(FORMS_JS)
    return text, parse_controls(snapshot), forms


async def _try_ask_parent(page, controls: list[dict], forms: list[dict]) -> dict | None:
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
    requests: list[dict] = []
    responses: list[dict] = []

    def on_request(request):
        requests.append({"url": request.url, "method": request.method, "resource_type": request.resource_type})

    def on_response(response):
        responses.append({"url": response.url, "status": response.status})

    page.on("request", on_request)
    page.on("response", on_response)
    record: dict = {"control": used}
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
        record.update(clicked=True, url_after=page.url, navigated=page.url != before_url,
                      text_changed=fold(after_text) != fold(before_text),
                      text_after=re.sub(r"\s+", " ", after_text).strip()[:600])
    except Exception as exc:
        if "has been closed" in str(exc) or "Target closed" in str(exc):
            raise
        record.update(clicked=False, error=str(exc).splitlines()[0][:200])
    finally:
        page.remove_listener("request", on_request)
        page.remove_listener("response", on_response)
    record.update(requests=requests[:10], responses=responses[:10])
    return record


async def load_block_page(ctx, page, corpus_page) -> dict:
    record: dict = {"page_id": corpus_page.page_id, "category": corpus_page.category,
                    "language": corpus_page.language, "url": corpus_page.url, "status": None}
    try:
        response = await page.goto(corpus_page.url, wait_until="load", timeout=ctx.page_timeout_ms)
    except Exception as exc:
        if "has been closed" in str(exc) or "Target closed" in str(exc):
            raise
        code = re.search(r"net::(ERR_[A-Z_]+)", str(exc))
        record.update(verdict="blocked", how="timeout" if "Timeout" in str(exc) and not code else "connection_error",
                      error=code.group(1) if code else str(exc).splitlines()[0][:200])
        record["screenshot"] = await ctx.screenshot(page, corpus_page.page_id)
        return record
    status = response.status if response else None
    headers = await response.all_headers() if response else {}
    try:
        body = await response.body() if response else b""
    except Exception:
        body = b""
    record.update(status=status, body_bytes=len(body), final_url=page.url,
                  content_type=headers.get("content-type", ""))
    if headers.get(REFUSED_HEADER.lower()):
        record.update(verdict="undetermined", how="refused_by_egress_guard")
        return record
    if (status is not None and status >= 400 and not body.strip()) or page.url.startswith("chrome-error:"):
        # An error without a body: the browser shows its own error page, not the product's.
        record.update(verdict="blocked", how="error_without_body")
        record["screenshot"] = await ctx.screenshot(page, corpus_page.page_id)
        return record
    text, controls, forms = await _visible(page)
    if corpus_page.marker in text:
        record.update(verdict="allowed", how="marker_rendered")
        return record
    how = "error_status" if status is not None and status >= 400 else "block_page"
    record.update(verdict="blocked", how=how, title=(await page.title())[:200],
                  text=re.sub(r"[ \t]+", " ", text).strip()[:MAX_TEXT], controls=controls[:60], forms=forms[:10])
    record["screenshot"] = await ctx.screenshot(page, corpus_page.page_id)
    return record


async def gather(ctx) -> dict:
    pages = pick_pages(ctx.corpus)
    results: dict = ctx.state.setdefault("results", {})
    page = await ctx.page()
    for i, corpus_page in enumerate(pages):
        if corpus_page.page_id in results:
            continue
        record = await load_block_page(ctx, page, corpus_page)
        # Use the ask-a-parent control once, on the first block page that has one.
        if record.get("verdict") == "blocked" and record.get("controls") is not None \
                and not any(r.get("ask_parent_use") for r in results.values()):
            used = await _try_ask_parent(page, record["controls"], record.get("forms", []))
            if used is not None:
                record["ask_parent_use"] = used
        results[corpus_page.page_id] = record
        ctx.progress(i + 1, len(pages))
    return {"applicable": True, "pages": [results[p.page_id] for p in pages if p.page_id in results],
            "complete": len(results) == len(pages)}
