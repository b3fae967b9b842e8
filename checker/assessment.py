"""Self-assessments: the answers schema of a version and product type, validation with JSON
pointers, and evaluation of answers into EARL outcomes and a conformance level."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator

from checker.criteria import CriteriaError, CriteriaSet, Criterion, load_set, load_vocabulary, pointer

# The EARL outcome words and the level rule live with the verdict; OUTCOMES is re-exported for the callers of
# this module.
from checker.verdict import CANT_TELL, FAILED, INAPPLICABLE, PASSED, UNTESTED, Level, count, reach_level
from checker.verdict import OUTCOMES as OUTCOMES

MAX_TEXT = 4000

EVIDENCE_ITEM = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kind"],
    "properties": {
        "kind": {"enum": ["url", "document"]},
        "url": {"type": "string", "format": "uri", "pattern": "^https?://", "maxLength": 2000},
        "title": {"type": "string", "minLength": 1, "maxLength": 300},
        "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    },
    "allOf": [
        {"if": {"properties": {"kind": {"const": "url"}}}, "then": {"required": ["url"]}},
        {"if": {"properties": {"kind": {"const": "document"}}}, "then": {"required": ["title"]}},
    ],
}


def _answer_schema(question: dict[str, Any]) -> dict[str, Any]:
    """Schema of one criterion's answer entry: a value (with evidence) or a justified N/A."""
    props: dict[str, Any] = {
        "value": question["answer_schema"],
        "evidence": {"type": "array", "maxItems": 20, "items": EVIDENCE_ITEM},
        "note": {"type": "string", "maxLength": MAX_TEXT},
    }
    if question["na_allowed"]:
        props["not_applicable"] = {"type": "boolean"}
        props["justification"] = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT}
        return {
            "type": "object",
            "additionalProperties": False,
            "properties": props,
            "if": {"required": ["not_applicable"], "properties": {"not_applicable": {"const": True}}},
            "then": {"required": ["justification"], "not": {"required": ["value"]}},
            "else": {"required": ["value"]},
        }
    props["not_applicable"] = {"const": False}
    return {"type": "object", "additionalProperties": False, "properties": props, "required": ["value"]}


def answers_schema(cset: CriteriaSet, product_type: str) -> dict[str, Any]:
    """JSON Schema of a self-assessment document for one version and product type."""
    if product_type not in load_vocabulary().ids("product_types"):
        raise CriteriaError(f"không có loại sản phẩm '{product_type}' / unknown product type '{product_type}'")
    applicable = cset.applicable(product_type)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://vcsc.vn/schema/answers/{cset.version}/{product_type}.json",
        "title": f"Tự đánh giá / Self-assessment — {cset.version} — {product_type}",
        "type": "object",
        "additionalProperties": False,
        "required": ["criteria_version", "product_type", "answers"],
        "properties": {
            "$schema": {"type": "string"},
            "criteria_version": {"const": cset.version},
            "product_type": {"const": product_type},
            "product": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string", "maxLength": 200},
                    "url": {"type": "string", "maxLength": 2000},
                },
            },
            "answers": {
                "type": "object",
                "additionalProperties": False,
                "properties": {c.id: _answer_schema(c.question) for c in applicable},
            },
        },
    }


@dataclass
class Issue:
    """One validation problem: where (JSON pointer) and what."""

    pointer: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


def _compiled(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    # jsonschema-rs compiles a schema to native code: the fast yes/no path (about 50x the
    # pure-Python validator). Formats are annotations here, as in `jsonschema` by default.
    return jsonschema_rs.Draft202012Validator(schema, validate_formats=False)


class Checker:
    """Compiled validators for one version and product type; build once, evaluate many.

    Two implementations of the same JSON Schema draft: jsonschema-rs answers "valid or
    not" and decides pass rules quickly; when a document is invalid, the reference
    `jsonschema` lists every error with its path. Tests check that the two agree.
    """

    def __init__(self, cset: CriteriaSet, product_type: str):
        self.cset = cset
        self.product_type = product_type
        self.schema = answers_schema(cset, product_type)
        self.validator = Draft202012Validator(self.schema)
        self.fast_validator = _compiled(self.schema)
        self.applicable = cset.applicable(product_type)
        self.pass_rules = {c.id: _compiled(c.question["pass_rule"]) for c in self.applicable}
        self._known = set(cset.criteria)

    # -- validation ------------------------------------------------------------------
    def validate(self, doc: Any, base: str = "") -> list[Issue]:
        """Every schema error of `doc` with its JSON pointer (prefixed by `base`)."""
        if self.fast_validator.is_valid(doc):
            return []
        issues: list[Issue] = []
        for err in self.validator.iter_errors(doc):
            where = base + pointer(err.absolute_path)
            if err.validator == "additionalProperties" and isinstance(err.instance, dict):
                allowed = set(err.schema.get("properties", {}))
                for key in sorted(set(err.instance) - allowed):
                    issues.append(Issue(f"{where}/{_escape(key)}", self._unexpected(where, key)))
            elif (
                err.validator == "const"
                and err.validator_value is False
                and err.path
                and err.path[-1] == "not_applicable"
            ):
                issues.append(
                    Issue(where, "tiêu chí này không cho phép trả lời N/A / this criterion does not allow N/A")
                )
            else:
                issues.append(Issue(where, err.message))
        issues.sort(key=lambda i: i.pointer)
        return issues

    def _unexpected(self, where: str, key: str) -> str:
        if where.endswith("/answers"):
            if key not in self._known:
                return f"không có tiêu chí '{key}' trong {self.cset.version} / unknown criterion '{key}' in {self.cset.version}"
            c = self.cset.criteria[key]
            if not c.active:
                return f"tiêu chí '{key}' đã ngừng áp dụng / criterion '{key}' is retired in {self.cset.version}"
            return f"tiêu chí '{key}' không áp dụng cho loại {self.product_type} / criterion '{key}' does not apply to {self.product_type}"
        return f"trường không được phép '{key}' / unexpected field '{key}'"

    def missing(self, answers: Mapping[str, Any]) -> list[Issue]:
        """Applicable criteria with no answer (a submission must answer them all)."""
        return [
            Issue(f"/answers/{_escape(c.id)}", "chưa trả lời / no answer")
            for c in self.applicable
            if c.id not in answers
        ]

    # -- evaluation ------------------------------------------------------------------
    def evaluate(self, answers: Mapping[str, Any]) -> Evaluation:
        """Outcome per criterion of the version (answers must already be valid)."""
        results = []
        for c in self.cset.active_criteria():
            results.append(self._outcome(c, answers.get(c.id)))
        return Evaluation.build(self.cset, self.product_type, results)

    def _outcome(self, c: Criterion, answer: Mapping[str, Any] | None) -> CriterionResult:
        def result(outcome: str, vi: str, en: str) -> CriterionResult:
            return CriterionResult(c.id, c.group, c.obligation, outcome, {"vi": vi, "en": en}, c.title)

        if not c.applies(self.product_type):
            return result(INAPPLICABLE, "Không áp dụng cho loại sản phẩm này.", "Does not apply to this product type.")
        if answer is None:
            return result(UNTESTED, "Chưa có câu trả lời.", "Not answered.")
        if answer.get("not_applicable"):
            return result(
                INAPPLICABLE,
                "Nhà cung cấp khai báo không áp dụng, có giải trình.",
                "Declared not applicable by the vendor, with a justification.",
            )
        if not self.pass_rules[c.id].is_valid(answer["value"]):
            return result(
                FAILED, "Câu trả lời không đạt yêu cầu của tiêu chí.", "The answer does not meet the criterion's rule."
            )
        evidence = c.question["evidence"]
        if evidence["required"]:
            kinds = {e.get("kind") for e in answer.get("evidence", [])}
            if not kinds & set(evidence["kinds"]):
                wanted = ", ".join(evidence["kinds"])
                return result(
                    CANT_TELL,
                    f"Câu trả lời đạt nhưng thiếu bằng chứng ({wanted}).",
                    f"The answer passes but lacks evidence ({wanted}).",
                )
        return result(
            PASSED,
            "Câu trả lời đạt yêu cầu, có đủ bằng chứng.",
            "The answer meets the rule, with the evidence required.",
        )


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


@dataclass
class CriterionResult:
    criterion_id: str
    group: str
    obligation: str
    outcome: str
    reason: dict[str, str]
    title: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion_id": self.criterion_id,
            "group": self.group,
            "obligation": self.obligation,
            "outcome": self.outcome,
            "reason": self.reason,
            "title": self.title,
        }


@dataclass
class Evaluation:
    criteria_version: str
    product_type: str
    results: list[CriterionResult]
    level: dict[str, Any] | None
    next_level: dict[str, Any] | None
    blockers: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def build(cls, cset: CriteriaSet, product_type: str, results: list[CriterionResult]) -> Evaluation:
        reached = reach_level(cset.levels, ((r.criterion_id, r.obligation, r.outcome) for r in results))

        def short(lv: Level | None) -> dict[str, Any] | None:
            return {"id": lv.id, "title": dict(lv.title)} if lv else None

        return cls(
            cset.version,
            product_type,
            results,
            short(reached.level),
            short(reached.next_level),
            list(reached.blockers),
            count(r.outcome for r in results),
        )

    def outcome_of(self, criterion_id: str) -> str:
        return next(r.outcome for r in self.results if r.criterion_id == criterion_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "criteria_version": self.criteria_version,
            "product_type": self.product_type,
            "level": self.level,
            "next_level": self.next_level,
            "blockers": self.blockers,
            "counts": self.counts,
            "results": [r.to_dict() for r in self.results],
        }


@lru_cache(maxsize=64)
def checker_for(version: str, product_type: str) -> Checker:
    """A cached Checker: schemas are compiled once per version and product type."""
    return Checker(load_set(version), product_type)


class AssessmentError(Exception):
    """An answers document is invalid; carries every issue with its JSON pointer."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        first = issues[0]
        super().__init__(f"{first.pointer or '/'}: {first.message}")


def assess_document(doc: Any) -> Evaluation:
    """Validate a whole answers document (naming its version and product type) and evaluate it."""
    if not isinstance(doc, dict):
        raise AssessmentError([Issue("", "tài liệu phải là một đối tượng JSON / the document must be a JSON object")])
    head = []
    version, product_type = doc.get("criteria_version"), doc.get("product_type")
    if not isinstance(version, str):
        head.append(Issue("/criteria_version", "thiếu phiên bản bộ tiêu chí / criteria_version is required"))
    if not isinstance(product_type, str):
        head.append(Issue("/product_type", "thiếu loại sản phẩm / product_type is required"))
    if (
        head or not isinstance(version, str) or not isinstance(product_type, str)
    ):  # head is empty only when both are str
        raise AssessmentError(head)
    try:
        cset = load_set(version)
    except CriteriaError as exc:
        raise AssessmentError([Issue("/criteria_version", exc.message)]) from None
    if product_type not in load_vocabulary().ids("product_types"):
        known = ", ".join(load_vocabulary().ids("product_types"))
        raise AssessmentError(
            [Issue("/product_type", f"không có loại sản phẩm '{product_type}' / unknown product type; one of: {known}")]
        )
    checker = checker_for(cset.version, product_type)
    issues = checker.validate(doc)
    if issues:
        raise AssessmentError(issues)
    return checker.evaluate(doc["answers"])
