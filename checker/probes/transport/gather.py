"""Gather: ask the product's origin for its start page over HTTPS and over plain HTTP (hop by
hop, to see redirects and the Strict-Transport-Security header), load the HTTPS pages in the
browser to catch plain-HTTP subresources, and fetch /.well-known/security.txt. Every request
goes through the browser context (its request API or its pages), so through the egress guard."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from checker.probes.login import browser_lost, error_code, goto

if TYPE_CHECKING:
    from playwright.async_api import APIRequestContext

    from checker.probes.runner import ProbeContext

MAX_HOPS = 6
MAX_BODY = 8192

# Subresources named in the page with a plain-HTTP address (the browser may upgrade or block
# them before any request leaves, so the requests log alone would miss them).
HTTP_SUBRESOURCES_JS = r"""
() => {
  const out = new Set();
  const add = (u) => { if (typeof u === 'string' && u.startsWith('http://')) out.add(u); };
  document.querySelectorAll('img, script, iframe, frame, audio, video, source, track, embed, input[type=image]')
    .forEach((el) => { add(el.src); if (el.srcset) el.srcset.split(',').forEach((s) => add(s.trim().split(/\s+/)[0])); });
  document.querySelectorAll('link[rel~=stylesheet], link[rel~=icon], link[rel~=preload], link[rel~=manifest]').forEach((el) => add(el.href));
  document.querySelectorAll('object').forEach((el) => add(el.data));
  document.querySelectorAll('form').forEach((el) => add(el.action));
  return Array.from(out).slice(0, 200);
}
"""


def _with_scheme(url: str, scheme: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme, parts.netloc, parts.path or "/", parts.query, ""))


async def _chain(api: APIRequestContext, url: str, timeout_ms: int) -> list[dict[str, Any]]:
    """GET `url` following redirects one hop at a time; each hop: url, status, location, HSTS header."""
    hops: list[dict[str, Any]] = []
    for _ in range(MAX_HOPS):
        hop: dict[str, Any] = {"url": url, "status": None, "error": None}
        try:
            response = await api.get(url, max_redirects=0, timeout=timeout_ms, fail_on_status_code=False)
        except Exception as exc:
            if browser_lost(exc):
                raise
            hop["error"] = error_code(str(exc), type(exc).__name__)
            hops.append(hop)
            break
        headers = response.headers
        hop.update(
            status=response.status,
            hsts=headers.get("strict-transport-security"),
            location=headers.get("location"),
            content_type=headers.get("content-type"),
            refused_by_egress_guard=bool(headers.get("x-vcsc-egress")),
        )
        if hop["refused_by_egress_guard"]:
            hop["error"] = "refused_by_egress_guard"  # our guard answered, not the product
        hops.append(hop)
        await response.dispose()
        if 300 <= response.status < 400 and hop["location"]:
            url = urljoin(url, hop["location"])
            continue
        break
    return hops


async def _fetch(api: APIRequestContext, url: str, timeout_ms: int) -> dict[str, Any]:
    record: dict[str, Any] = {"url": url, "status": None, "error": None}
    try:
        response = await api.get(url, max_redirects=3, timeout=timeout_ms, fail_on_status_code=False)
    except Exception as exc:
        if browser_lost(exc):
            raise
        record["error"] = error_code(str(exc), type(exc).__name__)
        return record
    body = await response.body()
    if response.headers.get("x-vcsc-egress"):
        record["error"] = "refused_by_egress_guard"
    record.update(
        status=response.status,
        final_url=response.url,
        content_type=response.headers.get("content-type"),
        body=body[:MAX_BODY].decode("utf-8", errors="replace"),
    )
    await response.dispose()
    return record


async def gather(ctx: ProbeContext) -> dict[str, Any]:
    start_url = ctx.manifest.start_url
    if not start_url:
        # A product without any web page of its own (see the definition's inapplicable case).
        return {"applicable": False, "reason": "no_web_pages"}
    timeout = ctx.page_timeout_ms
    api = ctx.browser_context.request
    https_url, http_url = _with_scheme(start_url, "https"), _with_scheme(start_url, "http")
    artifact: dict[str, Any] = {"applicable": True, "start_url": start_url, "screenshots": []}
    artifact["https_chain"] = await _chain(api, https_url, timeout)
    artifact["http_chain"] = await _chain(api, http_url, timeout)
    ctx.progress(1, 3)

    # The HTTPS pages in a real page load: plain-HTTP requests, the browser's mixed-content
    # warnings, and plain-HTTP addresses in the document.
    def works(chain: list[dict[str, Any]]) -> bool:
        final = chain[-1] if chain else {}
        return (
            not final.get("error") and final.get("url", "").startswith("https://") and (final.get("status") or 0) < 400
        )

    # The HTTPS start page as it is really reached (http://example.vn may land on https://www.example.vn).
    landed = next(
        (chain[-1]["url"] for chain in (artifact["https_chain"], artifact["http_chain"]) if works(chain)), None
    )
    mixed: dict[str, Any] = {"pages": [], "pages_loaded": 0, "urls": []}
    if landed is not None:  # HTTPS works
        page = await ctx.page()
        warnings: list[str] = []
        page.on("console", lambda msg: warnings.append(msg.text) if "Mixed Content" in msg.text else None)
        targets = [landed] + [
            _with_scheme(u, "https") for u in (ctx.manifest.page("login"), ctx.manifest.page("signup")) if u
        ]
        found: dict[str, str] = {}
        for url in dict.fromkeys(targets):
            seen_before = len(ctx.requests)
            loaded = await goto(page, url, timeout)
            entry = {
                "url": url,
                "final_url": loaded.get("final_url"),
                "status": loaded["status"],
                "error": loaded["error"],
            }
            mixed["pages"].append(entry)
            if loaded["error"] or not (loaded.get("final_url") or "").startswith("https://"):
                continue
            mixed["pages_loaded"] += 1
            for r in ctx.requests[seen_before:]:
                if r["url"].startswith("http://") and r["frame_url"].startswith("https://"):
                    found.setdefault(r["url"], "request")
            try:
                for u in await page.evaluate(HTTP_SUBRESOURCES_JS):
                    found.setdefault(u, "document")
            except Exception as exc:
                if browser_lost(exc):
                    raise
        for w in warnings:
            for u in re.findall(r"'(http://[^']+)'", w):
                found.setdefault(u, "browser_warning")
        mixed["urls"] = [{"url": u[:500], "seen_as": how} for u, how in list(found.items())[:200]]
        mixed["browser_warnings"] = warnings[:20]
        if found:
            shot = await ctx.screenshot(page, "mixed-content")
            if shot:
                artifact["screenshots"].append(shot)
    else:
        # Evidence of what a visitor gets: the start page as served without HTTPS.
        page = await ctx.page()
        loaded = await goto(page, http_url, timeout, settle_ms=1000)
        if not loaded["error"]:
            shot = await ctx.screenshot(page, "start-page-without-https")
            if shot:
                artifact["screenshots"].append(shot)
    artifact["mixed_content"] = mixed
    ctx.progress(2, 3)

    origin = landed if landed is not None else http_url
    artifact["security_txt"] = await _fetch(api, urljoin(origin, "/.well-known/security.txt"), timeout)
    ctx.progress(3, 3)
    return artifact
