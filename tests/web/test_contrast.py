"""WCAG 2.1 AA text contrast (4.5:1) of the colour pairs the stylesheet actually uses, read from site.css."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "api" / "web" / "static" / "site.css").read_text(encoding="utf-8")
ROOT = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", CSS.split("}", 1)[0]))


def _colour(name: str) -> str:
    return ROOT[name] if not name.startswith("#") else name


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    a, b = sorted((_luminance(_colour(foreground)), _luminance(_colour(background))), reverse=True)
    return (a + 0.05) / (b + 0.05)


# (text, background) as the rules of site.css pair them
PAIRS = [
    ("ink", "paper"),
    ("ink", "soft"),
    ("link", "paper"),
    ("link", "soft"),
    ("muted", "paper"),
    ("muted", "soft"),
    ("error", "paper"),
    ("ok", "paper"),
    ("warn", "paper"),
    ("warn", "soft"),
    ("#ffffff", "brand"),
    ("#ffffff", "ok"),
    ("#ffffff", "error"),
    ("ink", "#dfe3e8"),
    ("ink", "focus"),
    ("ink", "#e7f3ea"),
    ("ok", "soft"),
    ("error", "soft"),
]


def test_the_palette_is_read_from_the_stylesheet():
    assert {"ink", "paper", "link", "muted", "error", "ok", "warn", "brand", "soft", "focus"} <= set(ROOT)
    for pair in PAIRS:  # every colour named here is one the stylesheet uses
        for colour in pair:
            assert colour.startswith("#") and colour.lower() in CSS.lower() or f"var(--{colour})" in CSS


@pytest.mark.parametrize("text, background", PAIRS, ids=[f"{a}-on-{b}" for a, b in PAIRS])
def test_text_contrast_meets_wcag_aa(text, background):
    assert contrast(text, background) >= 4.5, f"{text} on {background}: {contrast(text, background):.2f}:1"
