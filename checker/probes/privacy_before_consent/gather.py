"""Gather: open the start page (and the sign-up page) in a fresh session, touch nothing — no
click on any consent banner — scroll as a reader does, watch the network for a configurable
window (ProbeSettings.consent_watch_s, default 10 s: trackers injected by a timer after load are
caught), and record every request that left, the cookies set by other sites, and whether the
page asked for the location."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from checker.probes.login import browser_lost, goto, is_html
from checker.probes.privacy_before_consent.evaluate import evaluate
from checker.probes.signals import tracker_of

if TYPE_CHECKING:
    from playwright.async_api import Response

    from checker.probes.runner import ProbeContext

# A person reading the page: scroll to the end (no click, so no consent given), which is how
# lazily loaded trackers are started.
SCROLL_JS = "() => { window.scrollTo(0, document.body ? document.body.scrollHeight : 0); return true; }"


async def watch(seconds: float) -> None:
    """Keep the page open and untouched while its timers run; the context logs every request."""
    await asyncio.sleep(max(0.0, seconds))


# Runs before any script of every frame: note each call of the geolocation API (the
# permission itself is never granted; the call goes on to the browser as usual).
GEOLOCATION_WATCH = r"""
(() => {
  try {
    const calls = [];
    Object.defineProperty(window, '__vcscGeolocationCalls', {value: calls, enumerable: false});
    if (typeof Geolocation === 'undefined' || !navigator.geolocation) return;
    for (const name of ['getCurrentPosition', 'watchPosition']) {
      const original = Geolocation.prototype[name];
      if (typeof original !== 'function') continue;
      const wrapped = function (...args) {
        try { calls.push({method: name, at: Date.now(), frame: String(location.href).slice(0, 500)}); } catch (e) {}
        return original.apply(this, args);
      };
      Object.defineProperty(Geolocation.prototype, name, {value: wrapped, configurable: true, writable: true});
    }
  } catch (e) {}
})();
"""
READ_CALLS = "() => (window.__vcscGeolocationCalls || []).slice(0, 50)"


async def gather(ctx: ProbeContext) -> dict[str, Any]:
    if not ctx.manifest.data.get("start_url"):
        return {"applicable": False, "reason": "no_web_pages"}
    context = ctx.browser_context
    await context.add_init_script(GEOLOCATION_WATCH)
    set_cookie_tasks: list[asyncio.Task[None]] = []
    set_cookies: list[dict[str, Any]] = []

    async def note_set_cookie(response: Response) -> None:
        with contextlib.suppress(Exception):
            for value in await response.header_values("set-cookie"):
                for line in value.split("\n"):
                    name = line.split("=", 1)[0].strip()
                    if name:
                        domain = next(
                            (
                                p.split("=", 1)[1].strip()
                                for p in line.split(";")[1:]
                                if p.strip().lower().startswith("domain=")
                            ),
                            "",
                        )
                        set_cookies.append({"url": response.url[:500], "name": name[:100], "domain": domain.lower()})

    def on_response(response: Response) -> None:
        set_cookie_tasks.append(asyncio.ensure_future(note_set_cookie(response)))

    context.on("response", on_response)
    page = await ctx.page()
    timeout = ctx.page_timeout_ms
    pages_to_open = [ctx.manifest.needed(ctx.manifest.start_url, "start_url")]
    signup = ctx.manifest.page("signup")
    if signup and signup != ctx.manifest.start_url:
        pages_to_open.append(signup)
    loads = []
    geolocation_calls: list[dict[str, Any]] = []
    window_s = float(getattr(ctx.settings, "consent_watch_s", 10.0))
    tabs: list[Any] = []
    last_interaction = time.monotonic()
    for number, url in enumerate(pages_to_open):
        # Each page in a fresh tab of the same untouched session: calls are read per document.
        tab = page if number == 0 else await context.new_page()
        loaded = await goto(tab, url, timeout, settle_ms=5000)
        loads.append(loaded)
        if number == 0 and (loaded["error"] or (loaded["status"] or 0) >= 400):
            break
        if number == 0 and loaded["content_type"] and not is_html(loaded["content_type"]):
            return {"applicable": False, "reason": "start_not_a_web_page", "start": loaded}
        # The watch window runs from the last interaction (the scroll right after the load), so it
        # covers both the load and the interaction; a timer set on load fires inside it.
        interactions = []
        with contextlib.suppress(Exception):
            if await tab.evaluate(SCROLL_JS):
                interactions.append("scroll")
        last_interaction = time.monotonic()
        loaded["watched_s"] = window_s
        loaded["interactions"] = interactions
        tabs.append(tab)
        ctx.progress(number + 1, len(pages_to_open))
    # Every tab stays open and untouched until the window after the last interaction has passed:
    # the windows of the pages overlap instead of adding up, and each page gets at least the window.
    if tabs:
        await watch(window_s - (time.monotonic() - last_interaction))
    for tab in tabs:
        for frame in tab.frames:
            try:
                geolocation_calls += await frame.evaluate(READ_CALLS)
            except Exception as exc:
                if browser_lost(exc):
                    raise
    if set_cookie_tasks:
        await asyncio.wait(set_cookie_tasks, timeout=5)
    stored = []
    with contextlib.suppress(Exception):
        stored = [
            {
                "name": c["name"][:100],
                "domain": c["domain"].lower(),
                "path": c.get("path"),
                "secure": c.get("secure"),
                "same_site": c.get("sameSite"),
            }
            for c in await context.cookies()
        ]
    refused_hosts = sorted({r["host"].lower() for r in ctx.refusals()})
    requests = [
        {
            "url": r["url"][:1000],
            "method": r["method"],
            "resource_type": r["resource_type"],
            "frame_url": r["frame_url"][:500],
            "tracker": tracker_of(r["url"]),
            "refused_by_guard": (urlsplit(r["url"]).hostname or "").lower() in refused_hosts,
        }
        for r in ctx.requests
        if r["url"].startswith(("http://", "https://"))
    ]
    first_party = sorted(
        {
            h
            for h in [
                urlsplit(ctx.manifest.start_url).hostname,
                *(urlsplit(load["final_url"]).hostname for load in loads if load.get("final_url")),
                *(urlsplit(u).hostname for u in (ctx.manifest.data.get("pages") or {}).values()),
            ]
            if h
        }
    )
    start: dict[str, Any] = loads[0] if loads else {"url": ctx.manifest.start_url, "error": "not_loaded"}
    artifact: dict[str, Any] = {
        "applicable": True,
        "start": start,
        "loads": loads,
        "start_loaded": not start.get("error") and (start.get("status") or 0) < 400,
        "first_party_hosts": first_party,
        "requests": requests[:2000],
        "cookies": stored[:500],
        "set_cookie_headers": set_cookies[:500],
        "geolocation_calls": geolocation_calls[:50],
        "refused_hosts": refused_hosts,
        "watch_window_s": window_s,
        "screenshots": [],
    }
    measured = evaluate(artifact).measurements
    if (
        measured.get("tracker_requests_before_consent")
        or measured.get("third_party_cookies_before_consent")
        or measured.get("geolocation_requested_on_load")
    ):
        shot = await ctx.screenshot(page, "start-page")
        if shot:
            artifact["screenshots"].append(shot)
    return artifact
