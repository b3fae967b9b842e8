"""Gather: open every page that collects data — the manifest's sign-up and log-in pages, and the
start page when it holds personal-data fields — read its links by accessible name, and follow
each link named as a Vietnamese privacy policy to see what it leads to."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag

from checker.probes.login import activate, form_fields, goto, matching, read_page
from checker.probes.privacy_policy.evaluate import collects_data, language_stats
from checker.probes.signals import PRIVACY_POLICY_EN, PRIVACY_POLICY_VI

if TYPE_CHECKING:
    from checker.probes.runner import ProbeContext

MAX_LINKS_PER_PAGE = 2


async def gather(ctx: ProbeContext) -> dict[str, Any]:
    page = await ctx.page()
    timeout = ctx.page_timeout_ms
    manifest = ctx.manifest
    to_check: list[tuple[str, str | None]] = []
    for name in ("signup", "login"):
        url = manifest.page(name)
        if url and url not in [u for u, _ in to_check]:
            to_check.append((url, name))
    start_url = manifest.data.get("start_url")
    if start_url and start_url not in [u for u, _ in to_check]:
        to_check.append((start_url, None))
    pages: list[dict[str, Any]] = []
    targets: dict[str, dict[str, Any]] = {}
    screenshots: list[str] = []
    for number, (url, declared) in enumerate(to_check):
        loaded = await goto(page, url, timeout)
        record = {
            "url": url,
            "declared": declared,
            "final_url": loaded.get("final_url"),
            "status": loaded["status"],
            "error": loaded["error"],
            "collects": None,
            "data_fields": [],
            "vi_links": [],
            "en_links": [],
        }
        pages.append(record)
        if loaded["error"] or (loaded["status"] or 0) >= 400:
            continue
        info = await read_page(page)
        record["data_fields"] = collects_data(await form_fields(page))
        record["collects"] = bool(record["data_fields"])
        if not declared and not record["collects"]:
            continue
        if not info["controls_ok"]:
            record["error"] = "controls_unreadable"
            continue
        vi_links = matching(info["controls"], PRIVACY_POLICY_VI)
        # A link is followed to its address; a button (a policy shown in a dialog) is clicked in place.
        record["vi_links"] = [
            {
                "name": c["name"],
                "url": c.get("url"),
                "role": c["role"],
                "target_key": urldefrag(c["url"])[0] if c.get("url") else f"{page.url}#{c['role']}:{c['name']}",
            }
            for c in vi_links
        ]
        record["en_links"] = [
            {"name": c["name"], "url": c.get("url")}
            for c in matching(info["controls"], PRIVACY_POLICY_EN)
            if c not in vi_links
        ][:5]
        if not vi_links:
            shot = await ctx.screenshot(page, f"no-vi-policy-link-{number}")
            if shot:
                screenshots.append(shot)
        followed = 0
        for link in record["vi_links"]:
            key = link["target_key"]
            if not key or followed >= MAX_LINKS_PER_PAGE:
                continue
            followed += 1
            if key in targets:
                continue
            if link["url"]:
                target = await goto(page, key, timeout)
            else:
                await goto(page, url, timeout)
                target = await activate(page, {"role": link["role"], "name": link["name"], "url": None}, timeout)
                target.setdefault("status", None)
                target["url"] = key
            body = (await read_page(page))["text"] if not target.get("error") else ""
            target["stats"] = language_stats(body)
            target["excerpt"] = re.sub(r"\s+", " ", body).strip()[:300]
            targets[key] = target
        ctx.progress(number + 1, len(to_check))
    return {"applicable": True, "pages": pages, "targets": targets, "screenshots": screenshots}
