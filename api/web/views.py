"""Small helpers the pages share: names from the vocabulary, level titles, outcome summaries."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from api.web import charts
from checker.catalog import CATALOG
from checker.criteria import CriteriaError, Vocabulary, load_set, load_vocabulary
from checker.i18n import Translator
from checker.verdict import OUTCOMES, Verdict


def vocabulary() -> Vocabulary:
    return load_vocabulary()


def product_type_title(type_id: str, t: Translator) -> str:
    try:
        return t.pick(vocabulary().term("product_types", type_id)["title"])
    except KeyError:
        return type_id


def level_title(version: str, level_id: str | None, t: Translator) -> str:
    """The level's title in the criteria version that defined it (its id if unknown)."""
    if not level_id:
        return t("level.none")
    try:
        levels = load_set(version).levels
    except CriteriaError:
        return level_id
    return next((t.pick(level["title"]) for level in levels if level["id"] == level_id), level_id)


def outcome_names(t: Translator) -> dict[str, str]:
    return {o: t(f"outcome.{o}") for o in OUTCOMES}


def conformance_names(t: Translator) -> dict[str, str]:
    """The words of a conformance report for decided outcomes (Hỗ trợ / Supports, …)."""
    return {o: t(f"conformance.{o}") for o in OUTCOMES}


def group_summary(found: Verdict) -> list[tuple[dict, dict[str, int]]]:
    """Decided outcome counts per requirement group (the verdict's), over the criteria for the product type."""
    groups = {g["id"]: g for g in vocabulary().groups}
    return [(groups[row["group"]], row["counts"]) for row in found.group_summary(list(groups))]


def reviewer_decided_by_group(found: Verdict) -> dict[str, list[str]]:
    """Criteria a reviewer decided, by requirement group."""
    return {
        row["group"]: row["reviewer_decided"] for row in found.group_summary([g["id"] for g in vocabulary().groups])
    }


def level_progress(found: Verdict) -> list[tuple[dict, int, int]]:
    """For each level of the version: (level, criteria satisfied, criteria it requires), from the verdict."""
    return [({"id": p.level.id, "title": dict(p.level.title)}, p.satisfied, p.required) for p in found.progress]


def summary_chart(summary: list[tuple[dict, dict[str, int]]], t: Translator, names: dict[str, str] | None = None):
    return charts.stacked(
        [(t.pick(group["title"]), counts) for group, counts in summary], names or outcome_names(t), t("summary.chart")
    )


def level_chart(levels: list[tuple[dict, int, int]], t: Translator):
    rows = [
        (
            t.pick(level["title"]),
            done / needed if needed else 1.0,
            t("sub.satisfied", done=t.number(done), total=t.number(needed)),
        )
        for level, done, needed in levels
    ]
    return charts.bars(rows, t("sub.level_progress"))


# --- form errors ----------------------------------------------------------------------------

_PYDANTIC_KEYS = {
    "missing": "err.required",
    "string_too_short": "err.required",
    "string_pattern_mismatch": "err.http_url",
    "too_short": "err.choose_one",
    "literal_error": "err.choice",
    "int_parsing": "err.choice",
    "string_too_long": "err.too_long",
    "too_long": "err.too_many",
    "bool_parsing": "err.choice",
}


def field_errors(
    exc: ValidationError, t: Translator, overrides: dict[tuple[str, str], str] | None = None
) -> dict[str, list[str]]:
    """Messages by field name from a pydantic error; `overrides` maps (field, error type) to a catalog key
    where the generic words would not fit (an email pattern is not a web address)."""
    errors: dict[str, list[str]] = {}
    for e in exc.errors():
        name = str(e["loc"][0]) if e["loc"] else ""
        ctx = e.get("ctx") or {}
        message: str
        if e["type"] == "vcsc":  # the API's own validators write "Vietnamese / English"
            message = t.message(e["msg"])  # Markup, escaped once
        else:
            key = (overrides or {}).get((name, e["type"])) or _PYDANTIC_KEYS.get(e["type"], "err.invalid")
            limit = ctx.get("max_length") or ctx.get("min_length")
            message = t(key, **({"limit": t.number(limit)} if limit else {}))
        errors.setdefault(name, []).append(message)
    return errors


# --- answers as text --------------------------------------------------------------------------


def _label(criterion_id: str, prop: str, t: Translator) -> str:
    for key in (f"field.{criterion_id}.{prop}", f"field.{prop}"):
        if key in CATALOG:
            return t(key)
    return prop


def value_text(value: Any, t: Translator) -> str:
    """One answered value in words: yes/no, a number in the page's style, the words of a choice."""
    if isinstance(value, bool):
        return t("common.yes") if value else t("common.no")
    if isinstance(value, (int, float)):
        return t.number(value)
    if isinstance(value, list):
        return ", ".join(value_text(v, t) for v in value) if value else t("form.none_of_these")
    if isinstance(value, str) and f"choice.{value}" in CATALOG:
        return t(f"choice.{value}")
    return "—" if value is None else str(value)


def answer_parts(criterion_id: str, value: Any, t: Translator) -> list[tuple[str | None, str]]:
    """(label, text) for each part of an answer's value; one unlabelled part for a plain value."""
    if isinstance(value, dict):
        return [(_label(criterion_id, prop, t), value_text(v, t)) for prop, v in value.items()]
    return [(None, value_text(value, t))]


# --- errors of the domain, shown on the page of the form that was sent ----------------------------


def problem_from_api(exc, t: Translator, anchors: dict[str, str] | None = None, status_key: str = "sub.status") -> dict:
    """A 409 or 422 of the domain for the page: its message, its items by field (JSON pointer's first token,
    linked to the input `anchors` names) and, for a 409, the actions allowed now (`status_key` names states)."""
    anchors = anchors or {}
    fields: dict[str, list[str]] = {}
    items = []
    for e in exc.errors:
        name = (e.get("pointer") or "").lstrip("/").split("/")[0]
        message = t.message(e.get("message", ""))  # Markup, escaped once
        if name in anchors:
            fields.setdefault(name, []).append(message)
        items.append((anchors.get(name, ""), message))
    allowed = exc.extra.get("allowed")
    if allowed is not None:
        allowed = [
            t("problem.action_to", action=t(f"action.{a['action']}"), status=t(f"{status_key}.{a['to']}"))
            for a in allowed
        ]
    return {"message": t.message(exc.detail), "items": items, "fields": fields, "allowed": allowed}


def problem_from_validation(
    exc: ValidationError, t: Translator, anchors: dict[str, str], overrides: dict[tuple[str, str], str] | None = None
) -> dict:
    fields = field_errors(exc, t, overrides)
    return {
        "message": t("problem.check_fields"),
        "fields": fields,
        "allowed": None,
        "items": [(anchors.get(name, ""), m) for name, messages in fields.items() for m in messages],
    }
