"""Inline SVG charts (no scripts, nothing fetched): horizontal bars, and stacked bars of outcomes.

Each chart is an image with a title for screen readers; the pages also show the numbers as text."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 480
ROW = 40
BAR = 14
# Fills on white: each at least 3:1 against the background (WCAG 1.4.11 for graphics).
OUTCOME_COLOURS = {
    "passed": "#1a7f37",
    "failed": "#c62828",
    "cantTell": "#8a6100",
    "inapplicable": "#5c6b7a",
    "untested": "#8c8c8c",
}
BAR_COLOUR = "#0b4f8a"
TRACK_COLOUR = "#e6e9ee"
TEXT_COLOUR = "#1a1a1a"


def _svg(height: int, title: str, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>{body}</svg>'
    )


def bars(rows: Sequence[tuple[str, float | None, str]], title: str) -> Markup:
    """One bar per row: (label, share 0–1 or None, the value as text)."""
    parts = []
    for i, (label, share, text) in enumerate(rows):
        y = i * ROW
        width = 0 if share is None else max(0.0, min(1.0, share)) * WIDTH
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="13" fill="{TEXT_COLOUR}">{escape(label)} — {escape(text)}</text>'
            f'<rect x="0" y="{y + 20}" width="{WIDTH}" height="{BAR}" fill="{TRACK_COLOUR}"/>'
            f'<rect x="0" y="{y + 20}" width="{width:.1f}" height="{BAR}" fill="{BAR_COLOUR}"/>'
        )
    return _svg(max(ROW * len(rows), ROW), title, "".join(parts))


def stacked(rows: list[tuple[str, dict[str, int]]], names: dict[str, str], title: str) -> Markup:
    """One bar per row split by outcome: (label, {outcome: count}); `names` gives each outcome's words."""
    parts = []
    for i, (label, counts) in enumerate(rows):
        y = i * ROW
        total = sum(counts.values())
        summary = ", ".join(f"{names[o]} {n}" for o, n in counts.items() if n)
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="13" fill="{TEXT_COLOUR}">{escape(label)}'
            f'{" — " + escape(summary) if summary else ""}</text>'
            f'<rect x="0" y="{y + 20}" width="{WIDTH}" height="{BAR}" fill="{TRACK_COLOUR}"/>'
        )
        x = 0.0
        for outcome, colour in OUTCOME_COLOURS.items():
            n = counts.get(outcome, 0)
            if n and total:
                width = n / total * WIDTH
                parts.append(f'<rect x="{x:.1f}" y="{y + 20}" width="{width:.1f}" height="{BAR}" fill="{colour}"/>')
                x += width
    return _svg(max(ROW * len(rows), ROW), title, "".join(parts))


TREND_ROW = 64  # a category's label and its columns
TREND_HEIGHT = 36  # the tallest column (a share of 1)


def trend(rows: list[tuple[str, list[float | None]]], columns: list[str], title: str) -> Markup:
    """Small multiples over time: one row per label, one column per moment (`columns`, oldest first) whose height is
    the share 0–1 (None: not measured then); each row's label ends with its latest value as text."""
    count = max(len(columns), 1)
    step = WIDTH / count
    width = max(2.0, min(step * 0.6, 40.0))
    parts = []
    for i, (label, shares) in enumerate(rows):
        y = i * TREND_ROW
        latest = next((s for s in reversed(shares) if s is not None), None)
        text = f"{label} — {latest:.0%}" if latest is not None else label
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="13" fill="{TEXT_COLOUR}">{escape(text)}</text>'
            f'<rect x="0" y="{y + 20}" width="{WIDTH}" height="{TREND_HEIGHT}" fill="{TRACK_COLOUR}"/>'
        )
        for j, share in enumerate(shares):
            if share is None:
                continue
            height = max(0.0, min(1.0, share)) * TREND_HEIGHT
            x = j * step + (step - width) / 2
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 20 + TREND_HEIGHT - height:.1f}" width="{width:.1f}" '
                f'height="{height:.1f}" fill="{BAR_COLOUR}"><title>{escape(columns[j])}: '
                f'{share:.0%}</title></rect>'
            )
    return _svg(max(TREND_ROW * len(rows), TREND_ROW), title, "".join(parts))
