"""Inline SVG charts (no scripts, nothing fetched): horizontal bars, and stacked bars of outcomes.

Each chart is an image with a title for screen readers; the pages also show the numbers as text."""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 480
ROW = 40
BAR = 14
# Fills on white: each at least 3:1 against the background (WCAG 1.4.11 for graphics).
OUTCOME_COLOURS = {"passed": "#1a7f37", "failed": "#c62828", "cantTell": "#8a6100", "inapplicable": "#5c6b7a",
                   "untested": "#8c8c8c"}
BAR_COLOUR = "#0b4f8a"
TRACK_COLOUR = "#e6e9ee"
TEXT_COLOUR = "#1a1a1a"


def _svg(height: int, title: str, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>')


def bars(rows: list[tuple[str, float | None, str]], title: str) -> Markup:
    """One bar per row: (label, share 0–1 or None, the value as text)."""
    parts = []
    for i, (label, share, text) in enumerate(rows):
        y = i * ROW
        width = 0 if share is None else max(0.0, min(1.0, share)) * WIDTH
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="13" fill="{TEXT_COLOUR}">{escape(label)} — {escape(text)}</text>'
            f'<rect x="0" y="{y + 20}" width="{WIDTH}" height="{BAR}" fill="{TRACK_COLOUR}"/>'
            f'<rect x="0" y="{y + 20}" width="{width:.1f}" height="{BAR}" fill="{BAR_COLOUR}"/>')
    return _svg(max(ROW * len(rows), ROW), title, "".join(parts))


def stacked(rows: list[tuple[str, dict[str, int]]], names: dict[str, str], title: str) -> Markup:
    """One bar per row split by outcome: (label, {outcome: count}); `names` gives each outcome's words."""
    parts = []
    for i, (label, counts) in enumerate(rows):
        y = i * ROW
        total = sum(counts.values())
        summary = ", ".join(f"{names[o]} {n}" for o, n in counts.items() if n)
        parts.append(f'<text x="0" y="{y + 14}" font-size="13" fill="{TEXT_COLOUR}">{escape(label)}'
                     f'{" — " + escape(summary) if summary else ""}</text>'
                     f'<rect x="0" y="{y + 20}" width="{WIDTH}" height="{BAR}" fill="{TRACK_COLOUR}"/>')
        x = 0.0
        for outcome, colour in OUTCOME_COLOURS.items():
            n = counts.get(outcome, 0)
            if n and total:
                width = n / total * WIDTH
                parts.append(f'<rect x="{x:.1f}" y="{y + 20}" width="{width:.1f}" height="{BAR}" fill="{colour}"/>')
                x += width
    return _svg(max(ROW * len(rows), ROW), title, "".join(parts))
