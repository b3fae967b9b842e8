"""Numbers in explanations, written as each language writes them (Babel's CLDR data): "0,95", "100,3 ms" and
"2,5%" in Vietnamese; "0.95", "100.3 ms" and "2.5%" in English."""
from __future__ import annotations

from babel.numbers import format_decimal, format_percent

LOCALES = {"vi": "vi_VN", "en": "en_GB"}


def number(value: float, lang: str, digits: int = 0) -> str:
    """`value` with exactly `digits` decimals (grouped thousands: 1.200 in Vietnamese, 1,200 in English)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def percent(value: float, lang: str, digits: int = 0) -> str:
    """A rate 0–1 as a percentage with `digits` decimals (0.025 -> "2,5%" / "2.5%")."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
    return format_percent(value, format=pattern, locale=LOCALES[lang])


def both(value: float, kind: str = "number", digits: int = 0) -> dict[str, str]:
    """{"vi": ..., "en": ...} of one number, for building a bilingual explanation."""
    fmt = percent if kind == "percent" else number
    return {lang: fmt(value, lang, digits) for lang in LOCALES}
