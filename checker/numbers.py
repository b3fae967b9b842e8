"""Numbers in explanations, written as each language writes them (Babel's CLDR data): "0,95", "100,3 ms" and
"2,5%" in Vietnamese; "0.95", "100.3 ms" and "2.5%" in English."""

from __future__ import annotations

import re
from decimal import Decimal

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


# --- reading a number a person typed -------------------------------------------------------------------

_SIGNED = re.compile(r"^[+-]?[0-9.,]*[0-9][0-9.,]*$")


def _grouped(digits: str, sep: str) -> bool:
    """Is `digits` a whole number written with `sep` between groups of three ("1.234.567")?"""
    groups = digits.split(sep)
    return (
        1 <= len(groups[0]) <= 3
        and groups[0].isdigit()
        and not (groups[0] == "0" and len(groups) > 1)
        and all(len(g) == 3 and g.isdigit() for g in groups[1:])
    )


def parse_number(text: str, lang: str = "vi", *, integer: bool = False, rate: bool = False) -> int | float | None:
    """A number typed in either language's style, read by what the answer asks for; None when it is not one.

    - "1.234,5" and "1,234.5": both separators given, the last one is the decimal mark (either language).
    - "1,5", "0.95", "12,75": one separator not followed by exactly three digits is the decimal mark.
    - "1.200" / "1,200" (one separator, then three digits) is ambiguous: for a whole number (`integer`) it is
      a thousands separator in both languages; otherwise the page's language decides ("." groups thousands in
      Vietnamese, "," in English), so "1.200" is 1200 on a Vietnamese page and 1.2 on an English one.
    - "1.234.567": a repeated separator groups thousands. Spaces between groups are ignored ("1 200").
    - "95%", "95 %", "99,5%" are percentages, accepted only where a `rate` (0–1) is asked: 0.95, 0.995.
    Exponents, words and a lone separator are not numbers."""
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    percent = s.endswith("%")
    if percent:
        if not rate:
            return None
        s = s[:-1]
    s = s.replace(" ", "")
    if not _SIGNED.match(s):
        return None
    sign, s = (s[0], s[1:]) if s[0] in "+-" else ("", s)
    group_mark = "." if lang == "vi" else ","
    if "." in s and "," in s:
        at = max(s.rfind("."), s.rfind(","))
        mark, whole, fraction = s[at], s[:at], s[at + 1 :]
        other = "," if mark == "." else "."
        if mark in whole or not fraction.isdigit() or not _grouped(whole, other):
            return None
        whole = whole.replace(other, "")
    elif "." in s or "," in s:
        sep = "." if "." in s else ","
        parts = s.split(sep)
        if len(parts) > 2:
            if not _grouped(s, sep):
                return None
            whole, fraction = s.replace(sep, ""), ""
        else:
            head, tail = parts
            if not tail.isdigit() or (head and not head.isdigit()):
                return None
            thousands = len(tail) == 3 and _grouped(s, sep) and (integer or sep == group_mark)
            whole, fraction = (head + tail, "") if thousands else (head or "0", tail)
    else:
        whole, fraction = s, ""
    value = Decimal(f"{sign}{whole}.{fraction or '0'}")
    if percent:
        value /= 100
    if value == value.to_integral_value() and not percent and not fraction.strip("0"):
        return int(value)
    return float(value)
