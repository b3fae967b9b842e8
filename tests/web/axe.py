"""axe-core (Deque's accessibility engine, from the npm registry: tools/package.json) run inside a page of the
browser tests. `page.evaluate` runs in the page's own context through the DevTools protocol, so the pages'
Content-Security-Policy (no inline scripts) needs no exception for the audit."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "tools" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = ("serious", "critical")


@lru_cache(maxsize=1)
def _source() -> str:
    if not AXE.is_file():
        raise AssertionError(f"{AXE} is missing: run scripts/setup (it installs axe-core with npm ci)")
    return AXE.read_text(encoding="utf-8")


def violations(page) -> list[dict]:
    """axe's serious and critical violations on the page as it is now: [{id, impact, help, targets}]."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_source())
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]
