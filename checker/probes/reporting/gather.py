"""Gather: from the start page, look for a report control and the 111 hotline, then click the
way a child would — report controls first, then help, contact, safety and menu controls —
up to two clicks deep, recording every page reached and the forms on it."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag

from checker.probes.login import activate, form_fields, goto, is_html, matching, read_page
from checker.probes.reporting.evaluate import MAX_CLICKS, hotline_seen, is_report_form
from checker.probes.signals import HOTLINE_111, REPORT_WORDS, _any, fold

# Where a report link usually hides, in Vietnamese and English.
NAV_WORDS = _any(
    [
        r"tro giup",
        r"ho tro",
        r"\bhelp\b",
        r"\bsupport\b",
        r"lien he",
        r"\bcontact\b",
        r"\ban toan\b",
        r"\bsafety\b",
        r"\bsafe\b",
        r"\bmenu\b",
        r"danh muc",
        r"\bthem\b",
        r"\bmore\b",
        r"cau hoi thuong gap",
        r"\bfaq\b",
        r"huong dan",
        r"\bguide\b",
        r"trung tam",
        r"\bcent(?:er|re)\b",
        r"gop y",
        r"feedback",
        r"dieu huong",
        r"\bnavigation\b",
        r"\bnav\b",
        r"\u2630",
        r"\u22ee",
        r"\u2026",
    ]
)

if TYPE_CHECKING:
    from playwright.async_api import Page

    from checker.probes.runner import ProbeContext

MAX_REPORT_CONTROLS = 3  # report controls followed per page
MAX_NAV_CONTROLS = 5  # help/menu controls followed from the start page
MAX_NAV_DEPTH2 = 2  # help/menu controls followed from a page one click away
MAX_ACTIVATIONS = 16  # clicks in all


def _key(control: dict[str, Any]) -> str:
    url = control.get("url")
    return urldefrag(url)[0] if url else f"{control['role']}:{control['name']}"


def _snippets(body: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", body[max(0, m.start() - 80) : m.end() + 80]).strip() for m in HOTLINE_111.finditer(body)
    ][:10]


def _form_summaries(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    forms: dict[int, dict[str, Any]] = {}
    for f in fields:
        if not f["visible"] or f["disabled"] or f["type"] in ("hidden", "submit", "button", "image", "reset"):
            continue
        summary = forms.setdefault(
            f["form"], {"form": f["form"], "textareas": 0, "choices": 0, "text_fields": 0, "fields": 0}
        )
        summary["fields"] += 1
        if f["tag"] == "textarea":
            summary["textareas"] += 1
        elif f["tag"] == "select" and len(f.get("options") or []) >= 3:
            summary["choices"] += 1
        elif f["type"] == "radio":
            summary["choices"] += 1
        elif f["type"] in ("text", "email", "url", "tel", "search", ""):
            summary["text_fields"] += 1
    return list(forms.values())


async def _state(
    page: Page, clicks: int, via: list[str], result: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    info = await read_page(page)
    state = {
        "clicks": clicks,
        "via": via,
        "url": page.url,
        "title": info["title"],
        # A broken link (an HTTP error page) was still explored; a page that did not load or
        # could not be read was not, and leaves the search incomplete.
        "status": (result or {}).get("status"),
        "error": (result or {}).get("error") or (None if info["controls_ok"] else "controls_unreadable"),
        "report_words_on_page": bool(REPORT_WORDS.search(fold(info["title"] + "\n" + info["text"]))),
        "forms": _form_summaries(await form_fields(page)),
        "report_controls": [c["name"] for c in matching(info["controls"], REPORT_WORDS)][:10],
        "hotline_snippets": _snippets(info["text"])[:3],
        "kind": "page",
    }
    return state, info


def _candidates(controls: list[dict[str, Any]], visited: set[str], limit_nav: int) -> list[tuple[str, dict[str, Any]]]:
    """(kind, control) to follow from a page: report controls first, then help/menu controls."""
    out: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for c in matching(controls, REPORT_WORDS):
        key = _key(c)
        if key in visited or key in seen:
            continue
        if c.get("url", "") and c["url"].startswith("tel:"):
            continue
        seen.add(key)
        out.append(("report", c))
        if len([k for k, _ in out if k == "report"]) >= MAX_REPORT_CONTROLS:
            break
    nav = [
        c
        for c in controls
        if (c.get("expanded") is False or NAV_WORDS.search(fold(c["name"])))
        and not REPORT_WORDS.search(fold(c["name"]))
    ]
    nav.sort(key=lambda c: 0 if c.get("expanded") is False else 1)  # menus that open in place first
    count = 0
    for c in nav:
        key = _key(c)
        if key in visited or key in seen or (c.get("url") or "").startswith(("mailto:", "tel:")):
            continue
        seen.add(key)
        out.append(("nav", c))
        count += 1
        if count >= limit_nav:
            break
    return out


async def gather(ctx: ProbeContext) -> dict[str, Any]:
    if not ctx.manifest.data.get("start_url"):
        return {"applicable": False, "reason": "no_web_pages"}
    page = await ctx.page()
    timeout = ctx.page_timeout_ms
    start_url = ctx.manifest.needed(ctx.manifest.start_url, "start_url")
    deadline = time.monotonic() + max(30.0, 6 * timeout / 1000)
    start = await goto(page, start_url, timeout)
    artifact: dict[str, Any] = {
        "applicable": True,
        "start": start,
        "start_loaded": False,
        "states": [],
        "screenshots": [],
    }
    if start["error"] or (start["status"] or 0) >= 400:
        return artifact
    if start["content_type"] and not is_html(start["content_type"]):
        return {"applicable": False, "reason": "start_not_a_web_page", "start": start}
    artifact["start_loaded"] = True
    state0, info0 = await _state(page, 0, [], start)
    states = [state0]
    artifact["start_controls"] = [c["name"] for c in info0["controls"]][:400]
    artifact["start_controls_read"] = info0["controls_ok"]
    artifact["hotline_snippets"] = _snippets(info0["text"])
    artifact["tel_links"] = [c["url"] for c in info0["controls"] if (c.get("url") or "").startswith("tel:")][:10]
    if not matching(info0["controls"], REPORT_WORDS) or not hotline_seen(
        artifact["hotline_snippets"], artifact["tel_links"]
    ):
        shot = await ctx.screenshot(page, "start-page")
        if shot:
            artifact["screenshots"].append(shot)

    activations = 0
    cut_short = False
    found = is_report_form(state0)
    visited = {urldefrag(page.url)[0], urldefrag(start_url)[0]}
    followed: set[str] = set()  # controls already pressed or followed

    async def back_to_start() -> bool:
        # Always load it afresh: a click may have changed the page in place (a menu opened).
        loaded = await goto(page, state0["url"], timeout)
        return loaded["error"] is None

    async def follow(
        kind: str, control: dict[str, Any], clicks: int, via: list[str], setup: Callable[[], Awaitable[bool]]
    ) -> dict[str, Any] | None:
        nonlocal activations
        if (control.get("url") or "").startswith("mailto:"):
            state = {
                "clicks": clicks,
                "via": via + [control["name"]],
                "url": control["url"],
                "kind": "mailto",
                "forms": [],
                "report_words_on_page": True,
                "report_controls": [],
                "error": None,
            }
            return state if kind == "report" else None
        followed.add(_key(control))
        is_address = control["role"] == "link" and (control.get("url") or "").startswith(("http://", "https://"))
        # A link is followed by its address from anywhere; a button must be pressed on its own page.
        if not is_address and not await setup():
            return {
                "clicks": clicks,
                "via": via + [control["name"]],
                "url": None,
                "error": "could_not_return",
                "forms": [],
                "report_controls": [],
                "kind": "page",
            }
        activations += 1
        result = await activate(page, control, timeout)
        state, info = await _state(page, clicks, via + [control["name"]], result)
        state["followed"] = kind
        state["_controls"] = info["controls"]
        return state

    depth1: list[
        tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]
    ] = []  # (state, the control that led there, its controls)
    if not found:
        for kind, control in _candidates(info0["controls"], set(), MAX_NAV_CONTROLS):
            if activations >= MAX_ACTIVATIONS or time.monotonic() > deadline:
                cut_short = True
                break
            state = await follow(kind, control, 1, [], back_to_start)
            if state is None:
                continue
            controls_here = state.pop("_controls", [])
            states.append(state)
            visited.add(urldefrag(state["url"] or "")[0])
            if is_report_form(state):
                found = True
                break
            if not state.get("error"):
                depth1.append((state, control, controls_here))
    if not found and MAX_CLICKS >= 2:
        for state1, control1, controls1 in depth1:
            if found:
                break

            async def back_to_state1(control1: dict[str, Any] = control1, state1: dict[str, Any] = state1) -> bool:
                if control1["role"] == "link" and (control1.get("url") or "").startswith("http"):
                    return (await goto(page, state1["url"], timeout))["error"] is None
                if not await back_to_start():
                    return False
                return (await activate(page, control1, timeout)).get("error") is None

            for kind, control in _candidates(controls1, visited | followed, MAX_NAV_DEPTH2):
                if activations >= MAX_ACTIVATIONS or time.monotonic() > deadline:
                    cut_short = True
                    break
                state = await follow(kind, control, 2, state1["via"], back_to_state1)
                if state is None:
                    continue
                state.pop("_controls", None)
                states.append(state)
                if state.get("url"):
                    visited.add(urldefrag(state["url"])[0])
                if is_report_form(state):
                    found = True
                    break
    artifact["states"] = states
    artifact["activations"] = activations
    errors = [s for s in states[1:] if s.get("error")]
    artifact["searched_completely"] = found or (not cut_short and not errors)
    artifact["cut_short"] = cut_short
    ctx.progress(1, 1)
    return artifact
