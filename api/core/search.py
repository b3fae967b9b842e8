"""Vietnamese diacritic-insensitive search: the folded form stored beside names, and LIKE patterns."""
from __future__ import annotations

import unicodedata

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
