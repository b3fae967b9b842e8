"""The glossary (checker/glossary.yaml): the one Vietnamese and one English word for each state, outcome, action,
role and concept. Everything a user reads takes these words from here."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

GLOSSARY_FILE = Path(__file__).resolve().parent / "glossary.yaml"


@lru_cache(maxsize=1)
def glossary() -> dict[str, dict[str, dict[str, Any]]]:
    data: dict[str, dict[str, dict[str, Any]]] = yaml.safe_load(GLOSSARY_FILE.read_text(encoding="utf-8"))
    return data


def words(family: str) -> dict[str, dict[str, str]]:
    """{key: {"vi": ..., "en": ...}} of one family (e.g. "submission_status")."""
    return {key: {"vi": entry["vi"], "en": entry["en"]} for key, entry in glossary()[family].items()}


def term(family: str, key: str) -> dict[str, str]:
    entry = glossary()[family][key]
    return {"vi": entry["vi"], "en": entry["en"]}


def avoided() -> list[tuple[str, str, str]]:
    """(language, word to avoid, the glossary's word) for every term that lists words to avoid."""
    out: list[tuple[str, str, str]] = []
    for family in glossary().values():
        for entry in family.values():
            for lang in ("vi", "en"):
                out.extend((lang, word, entry[lang]) for word in entry.get(f"avoid_{lang}", []))
    return out
