"""An embeddable SVG badge for a certificate: "VCSC — <level>" | "<status>", shields-style."""

from __future__ import annotations

import hashlib
import unicodedata
from xml.sax.saxutils import escape

from checker.glossary import words

STATUS_WORDS = words("certificate_status")
# Background colours with white text at a contrast of at least 4.5:1 (WCAG AA).
STATUS_COLOURS = {"valid": "#1a7f37", "suspended": "#b45309", "revoked": "#c62828", "expired": "#616161"}
LABEL_COLOUR = "#333333"
# An unknown certificate number: no status applies, and no level may be shown.
UNKNOWN_WORDS = {"vi": "Không có chứng nhận này", "en": "No such certificate"}
UNKNOWN_COLOUR = "#616161"

FONT_SIZE = 11
PADDING = 8  # each side of each part
_NARROW = set("fijlrtI.,:;!|' ()[]")
_WIDE = set("mwMW@%")


def _char_width(char: str) -> float:
    """Approximate advance width (px) of one character in 11px Verdana/DejaVu Sans.

    Vietnamese letters are measured by their base letter: the diacritics stack above or below.
    """
    base = unicodedata.normalize("NFD", char)[0]
    if unicodedata.combining(base):
        return 0.0
    if base in _NARROW:
        return 4.0
    if base in _WIDE:
        return 10.5
    if base == "—":
        return 11.0
    if base.isupper() or base.isdigit():
        return 7.8
    if base.isascii():
        return 6.9
    return 7.5 if unicodedata.east_asian_width(base) not in ("W", "F") else 11.0


def text_width(text: str) -> int:
    return int(round(sum(_char_width(c) for c in unicodedata.normalize("NFC", text)))) + 1


def render_badge(*, level_title: str, status: str, lang: str = "vi") -> str:
    """An accessible SVG badge (role="img" with a <title>) for a certificate's level and status."""
    if status not in STATUS_WORDS:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(STATUS_WORDS)}")
    if lang not in ("vi", "en"):
        raise ValueError(f"unknown language {lang!r}")
    return _draw(f"VCSC — {level_title}", STATUS_WORDS[status][lang], STATUS_COLOURS[status], lang)


def render_unknown_badge(*, lang: str = "vi") -> str:
    """The badge of a certificate number the registry does not know: says so, in grey, instead of any level."""
    if lang not in ("vi", "en"):
        raise ValueError(f"unknown language {lang!r}")
    return _draw("VCSC", UNKNOWN_WORDS[lang], UNKNOWN_COLOUR, lang)


def _draw(label: str, message: str, colour: str, lang: str) -> str:
    full = f"{label} — {message}"
    left = text_width(label) + 2 * PADDING
    right = text_width(message) + 2 * PADDING
    width, height = left + right, 20
    l_mid, r_mid = left / 2, left + right / 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="vcsc-badge-title" '
        f'xml:lang="{lang}" lang="{lang}">'
        f'<title id="vcsc-badge-title">{escape(full)}</title>'
        f'<linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        f'<stop offset="1" stop-opacity=".1"/></linearGradient>'
        f'<clipPath id="r"><rect width="{width}" height="{height}" rx="3" fill="#fff"/></clipPath>'
        f'<g clip-path="url(#r)">'
        f'<rect width="{left}" height="{height}" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{left}" width="{right}" height="{height}" fill="{colour}"/>'
        f'<rect width="{width}" height="{height}" fill="url(#s)"/></g>'
        f'<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,Geneva,sans-serif" '
        f'font-size="{FONT_SIZE}" aria-hidden="true">'
        f'<text x="{l_mid:g}" y="14" textLength="{left - 2 * PADDING}" lengthAdjust="spacingAndGlyphs">'
        f'{escape(label)}</text>'
        f'<text x="{r_mid:g}" y="14" textLength="{right - 2 * PADDING}" lengthAdjust="spacingAndGlyphs">'
        f'{escape(message)}</text></g>'
        f'</svg>'
    )


def badge_etag(svg: str) -> str:
    """A strong ETag: the quoted first 32 hex digits of the SHA-256 of the SVG."""
    return '"' + hashlib.sha256(svg.encode("utf-8")).hexdigest()[:32] + '"'


__all__ = ["STATUS_WORDS", "UNKNOWN_WORDS", "badge_etag", "render_badge", "render_unknown_badge", "text_width"]
