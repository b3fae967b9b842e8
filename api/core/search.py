"""Vietnamese diacritic-insensitive search: the folded form stored beside names, and LIKE patterns."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

LIKE_ESCAPE = "\\"


def fold(text: str) -> str:
    """'Bảo vệ Trẻ em' -> 'bao ve tre em': NFD, combining marks dropped, đ -> d, casefolded, spaces collapsed."""
    # đ/Đ is a letter of its own, not d + a combining mark, so NFD alone keeps it.
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def contains_pattern(query: str) -> str:
    """A LIKE pattern matching folded text that contains the folded query; % and _ match literally."""
    folded = fold(query)
    for ch in (LIKE_ESCAPE, "%", "_"):
        folded = folded.replace(ch, LIKE_ESCAPE + ch)
    return f"%{folded}%"


# --- the search index (migration 0006; api.domain.registry queries it) -----------------------------------------

TERM = re.compile(r"[^\W_]+")
MAX_TERMS = 8  # more words than this add nothing but cost
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# What exists only as an index of the search, per back end, and is not mapped by the models: the SQLite FTS5
# table (and its shadow tables and vocabulary view), the PostgreSQL tsvector and trigram columns and their indexes.
INDEX_TABLE_PREFIX = "product_search"
INDEX_COLUMNS = ("search_vector", "search_folded")
INDEX_INDEXES = ("ix_public_products_search_vector", "ix_public_products_search_folded")


def index_only(name: str | None, type_: str, parent_names: Mapping[Any, Any]) -> bool:
    """True for what the search index adds to the schema beside the models (for Alembic's include_name)."""
    if type_ == "table":
        return (name or "").startswith(INDEX_TABLE_PREFIX)
    if type_ == "column":
        return parent_names.get("table_name") == "public_products" and name in INDEX_COLUMNS
    if type_ == "index":
        return name in INDEX_INDEXES
    return False


def terms(query: str) -> list[str]:
    """The folded words of a query: 'Bảo vệ, trẻ-em!' -> ['bao', 've', 'tre', 'em']."""
    return TERM.findall(fold(query))[:MAX_TERMS]


def fts5_query(words: list[str], columns: str | None = None, phrase: bool = True) -> str:
    """An FTS5 MATCH expression: the words as a phrase (in this order, side by side) or each anywhere, the last
    one as a prefix (the user may still be typing); restricted to `columns` (e.g. '{name vendor}') when given.
    Words are quoted: no FTS5 syntax gets through."""
    quoted = [f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*']
    expression = " + ".join(quoted) if phrase else " AND ".join(quoted)
    return f"{columns} : ({expression})" if columns else expression


def tsquery(words: list[str], weights: str = "", phrase: bool = True) -> str:
    """A PostgreSQL to_tsquery('simple', ...) text, as `fts5_query`, limited to the lexemes of `weights`."""
    quoted = [f"'{w}':{weights}" if weights else f"'{w}'" for w in words[:-1]]
    quoted.append(f"'{words[-1]}':*{weights}")
    return (" <-> " if phrase else " & ").join(quoted)


def edits1(word: str) -> set[str]:
    """Every string one edit from `word` (delete, transpose, replace, insert) over folded letters and digits."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = [a + b[1:] for a, b in splits if b]
    transposes = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in ALPHABET]
    inserts = [a + c + b for a, b in splits for c in ALPHABET]
    return {w for w in (*deletes, *transposes, *replaces, *inserts) if w and w != word}
