"""JSON that the databases accept: what to refuse in a request body, and how to clean what probes bring back."""

from __future__ import annotations

import math
from typing import Any

from api.core.errors import bilingual, body_pointer

MAX_JSON_DEPTH = 32


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored (PostgreSQL refuses NUL; lone surrogates are not UTF-8), or None."""
    if "\x00" in value:
        return bilingual("Chuỗi chứa ký tự NUL", "The string contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return bilingual("Chuỗi chứa ký tự Unicode không hợp lệ", "The string contains invalid Unicode")
    return None


def json_problems(doc: Any, base: str = "") -> list[dict]:
    """Strings the database cannot store, non-finite numbers and excessive nesting in free-form JSON."""
    problems, stack = [], [(doc, base, 0)]
    while stack:  # iterative: a deeply nested body must not exhaust the Python stack
        value, where, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            problems.append(
                {
                    "pointer": where,
                    "message": bilingual(
                        f"Lồng nhau quá {MAX_JSON_DEPTH} cấp", f"Nested deeper than {MAX_JSON_DEPTH} levels"
                    ),
                }
            )
        elif isinstance(value, str):
            if problem := text_problem(value):
                problems.append({"pointer": where, "message": problem})
        elif isinstance(value, float) and not math.isfinite(value):
            problems.append(
                {
                    "pointer": where,
                    "message": bilingual(
                        "Số phải hữu hạn (không NaN/Infinity)", "Numbers must be finite (no NaN/Infinity)"
                    ),
                }
            )
        elif isinstance(value, dict):
            for key, item in value.items():
                if problem := text_problem(key):
                    problems.append({"pointer": where + body_pointer(key), "message": problem})
                else:
                    stack.append((item, where + body_pointer(key), depth + 1))
        elif isinstance(value, list):
            stack.extend((item, f"{where}/{i}", depth + 1) for i, item in enumerate(value))
    return sorted(problems, key=lambda p: p["pointer"])


def storable(value: Any) -> Any:
    """`value` with what PostgreSQL's JSONB refuses replaced: NUL characters, lone surrogates, NaN/Infinity.

    Artifacts quote web pages, which may contain any of these."""
    if isinstance(value, str):
        if "\x00" in value:
            value = value.replace("\x00", "\ufffd")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = value.encode("utf-8", "replace").decode("utf-8")
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {storable(str(k)): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    return value
