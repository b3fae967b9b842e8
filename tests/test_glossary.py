"""One word per concept: the glossary gives each state, outcome, action and role one Vietnamese and one English
word; the pages, reports, badge, CLI and life cycle take them from it, and the words it rules out appear
nowhere a user reads."""

from __future__ import annotations

import re
from pathlib import Path

from api.domain.lifecycle import STATES, STATUS_TITLES, TRANSITIONS
from checker.catalog import CATALOG
from checker.glossary import avoided, glossary, words
from checker.verdict import OUTCOMES
from reports.badge import STATUS_WORDS
from reports.conformance import CONFORMANCE
from reports.text import OUTCOME_LABELS

ROOT = Path(__file__).resolve().parent.parent
USER_TEXT = [
    p
    for folder in ("api", "reports", "checker")
    for p in (ROOT / folder).rglob("*")
    if p.suffix in (".py", ".html", ".j2", ".yaml") and p.name != "glossary.yaml" and "migrations" not in p.parts
]


def test_every_term_has_both_languages_and_no_two_terms_of_a_family_share_a_word():
    for family, entries in glossary().items():
        for key, entry in entries.items():
            assert entry["vi"].strip() and entry["en"].strip(), f"{family}.{key}"
        for lang in ("vi", "en"):
            seen = [e[lang] for e in entries.values()]
            assert len(seen) == len(set(seen)), f"{family} uses one {lang} word for two terms"


def test_the_families_cover_what_the_code_knows():
    assert set(words("outcome")) == set(words("conformance")) == set(OUTCOMES)
    assert set(words("submission_status")) == set(STATES)
    assert {a for moves in TRANSITIONS.values() for a in moves} == set(words("submission_action"))
    assert set(words("certificate_status")) == set(STATUS_WORDS)


def test_every_reader_takes_the_glossary_words():
    assert words("submission_status") == STATUS_TITLES
    assert words("certificate_status") == STATUS_WORDS
    assert words("conformance") == CONFORMANCE
    assert words("outcome") == OUTCOME_LABELS
    for prefix, family in (
        ("outcome", "outcome"),
        ("conformance", "conformance"),
        ("status", "certificate_status"),
        ("sub.status", "submission_status"),
        ("action", "submission_action"),
        ("role", "role"),
    ):
        for key, word in words(family).items():
            assert CATALOG[f"{prefix}.{key}"] == (word["vi"], word["en"])


def test_the_words_to_avoid_appear_nowhere_a_user_reads():
    rules = avoided()
    assert rules, "the glossary lists words to avoid"
    found = []
    for path in USER_TEXT:
        text = path.read_text(encoding="utf-8")
        for _lang, word, instead in rules:
            if word in text:
                found.append(f"{path.relative_to(ROOT)}: “{word}” (say “{instead}”)")
    assert found == []


def test_vietnamese_page_text_uses_vietnamese_words_where_they_exist():
    english = re.compile(r"\b(probe|probes|adult|self_harm|MUST|SHOULD|manifest)\b")

    def words_of(text: str) -> str:  # placeholders ({probe}) and file paths are not words
        return re.sub(r"\{[^}]*\}|\S+/\S+", " ", text)

    offenders = [key for key, (vi, _) in CATALOG.items() if english.search(words_of(vi))]
    assert offenders == []
