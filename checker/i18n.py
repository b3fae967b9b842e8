"""The project's languages: Vietnamese (default) and English, the catalog lookup, and Babel formatting, for the pages
(api/web) and the printed reports and certificates (reports/) alike; it lies here, below both, so that they share it."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup, escape

from checker.catalog import CATALOG

LANGS = ("vi", "en")
DEFAULT_LANG = "vi"
# Each language named in itself, so a reader of either finds the switch.
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
# The club works in Vietnam: times are shown in Vietnamese time, whatever the language.
TIMEZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_INDEX = {lang: i for i, lang in enumerate(LANGS)}
# The generic Vietnamese lead that api.domain.assessments puts before jsonschema's English messages.
_GENERIC_LEADS = ("Câu trả lời không đúng lược đồ", "Không đúng lược đồ manifest")


def choose_lang(value: str | None) -> str | None:
    return value if value in LANGS else None


class Translator:
    """`t("key", name=...)` in one language, plus the formatting of dates and numbers for it."""

    def __init__(self, lang: str):
        if lang not in LANGS:
            raise ValueError(f"unsupported language {lang!r}")
        self.lang = lang
        self.other = LANGS[1 - _INDEX[lang]]

    def __call__(self, key: str, **params: Any) -> str:
        text = CATALOG[key][_INDEX[self.lang]]
        return text.format(**params) if params else text

    def in_other(self, key: str, **params: Any) -> str:
        """The same string in the other language (for messages shown in both)."""
        return Translator(self.other)(key, **params)

    def pick(self, value: Any) -> str:
        """A {vi, en} text from the criteria data in this language."""
        if isinstance(value, dict):
            return value.get(self.lang) or value.get(self.other) or ""
        return "" if value is None else str(value)

    def message(self, text: str) -> Markup:
        """This language's half of a "Vietnamese / English" message from the API (whole if not bilingual).

        When the Vietnamese half is only a generic lead before a library's English detail, the
        Vietnamese page keeps the detail, marked as English."""
        if " / " not in text:
            return escape(text)
        vi, en = text.split(" / ", 1)
        if self.lang == "en":
            return escape(en)
        if vi in _GENERIC_LEADS:
            return Markup('{} (<span lang="en">{}</span>)').format(vi, en)
        return escape(vi)

    # --- formatting ------------------------------------------------------------------------
    def date(self, value: date | datetime | str | None) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, str):
            value = date.fromisoformat(value[:10])
        if isinstance(value, datetime):
            value = value.astimezone(TIMEZONE).date()
        return format_date(value, format="long", locale=self.lang)

    def datetime(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return format_datetime(value, format="medium", tzinfo=TIMEZONE, locale=self.lang)

    def number(self, value: float | Decimal | None, digits: int = 3) -> str:
        if value is None:
            return "—"
        return format_decimal(value, format=f"#,##0.{'#' * digits}" if digits else "#,##0", locale=self.lang)

    def percent(self, value: float | Decimal | None, digits: int = 1) -> str:
        if value is None:
            return "—"
        return format_percent(value, format=f"#,##0.{'#' * digits}%" if digits else "#,##0%", locale=self.lang)


_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def parse_number(text: str) -> int | float | None:
    """A number typed in either language's style ("0,95" or "0.95"); None if it is not one."""
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if not _NUMBER.match(text):
        return None
    text = text.replace(",", ".")
    return float(text) if "." in text else int(text)
