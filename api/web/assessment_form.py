"""The self-assessment form: inputs generated from each criterion's question, answers built from the
posted fields, and validation messages placed next to the field their JSON pointer names."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator
from starlette.datastructures import ImmutableMultiDict

from checker.assessment import Checker, checker_for
from checker.catalog import CATALOG
from checker.criteria import Criterion, load_vocabulary
from checker.i18n import Translator
from checker.numbers import parse_number

NONE_OF_THESE = "__none__"  # the explicit "none of these" box of a multiple choice: an empty list
YES, NO = "yes", "no"


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class Field:
    """One input of a criterion's value."""

    name: str
    pointer: str
    kind: str  # boolean | number | integer | choice | multi | url | text
    schema: dict
    prop: str | None = None  # the property of an object answer, None for a plain value
    required: bool = True
    choices: list = field(default_factory=list)

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")

    def label_key(self, criterion_id: str) -> str | None:
        """The catalog key naming this input (a criterion-specific key wins)."""
        if self.prop is None:
            return None
        specific = f"field.{criterion_id}.{self.prop}"
        return specific if specific in CATALOG else f"field.{self.prop}"

    def range_hint(self, t: Translator) -> str:
        """ "0–1", "≥ 1", "≤ 8 760" for numbers; empty otherwise."""
        if self.kind not in ("number", "integer"):
            return ""
        low = self.schema.get("minimum", self.schema.get("exclusiveMinimum"))
        high = self.schema.get("maximum", self.schema.get("exclusiveMaximum"))
        if low is not None and high is not None:
            return f"{t.number(low)}–{t.number(high)}"
        if low is not None:
            return ("> " if "exclusiveMinimum" in self.schema else "≥ ") + t.number(low)
        if high is not None:
            return "≤ " + t.number(high)
        return ""


def _kind(schema: dict) -> tuple[str, list]:
    if "enum" in schema:
        return "choice", list(schema["enum"])
    kind = schema.get("type")
    if kind == "array" and "enum" in schema.get("items", {}):
        return "multi", list(schema["items"]["enum"])
    if kind == "string":
        return (
            "url" if schema.get("format") == "uri" or str(schema.get("pattern", "")).startswith("^http") else "text"
        ), []
    if kind in ("boolean", "number", "integer"):
        return kind, []
    raise ValueError(f"no form input for answer schema {schema!r}")


@dataclass
class CriterionForm:
    criterion: Criterion
    fields: list[Field]
    object_value: bool

    @property
    def id(self) -> str:
        return self.criterion.id

    @property
    def prefix(self) -> str:
        return f"a.{self.criterion.id}"

    @property
    def pointer(self) -> str:
        return f"/answers/{_escape(self.criterion.id)}"

    @property
    def question(self) -> dict:
        return self.criterion.question

    def name(self, part: str) -> str:
        return f"{self.prefix}.{part}"

    def html_id(self, part: str) -> str:
        return "f-" + self.name(part).replace(".", "-")

    # --- stored answer -> form values -------------------------------------------------------
    def values_from(self, answer: dict | None, lang: str = "vi") -> dict[str, Any]:
        """Form values (strings, or lists for multiple choice) showing a stored answer; numbers with the decimal
        mark of the page's language and no grouping, so they read back as the same number."""
        values: dict[str, Any] = {}
        if not answer:
            return values
        if answer.get("not_applicable"):
            values[self.name("na")] = "1"
            values[self.name("just")] = answer.get("justification", "")
        value = answer.get("value")
        for f in self.fields:
            v = (
                value.get(f.prop)
                if self.object_value and isinstance(value, dict)
                else (value if not self.object_value else None)
            )
            if v is None or "value" not in answer:
                continue
            if f.kind == "boolean":
                values[f.name] = YES if v else NO
            elif f.kind == "multi":
                values[f.name] = list(v) if v else [NONE_OF_THESE]
            elif f.kind in ("number", "integer") and isinstance(v, (int, float)) and not isinstance(v, bool):
                values[f.name] = _plain_number(v, lang)
            else:
                values[f.name] = str(v)
        evidence = answer.get("evidence") or []
        values[self.name("ev_url")] = "\n".join(e.get("url", "") for e in evidence if e.get("kind") == "url")
        values[self.name("ev_doc")] = "\n".join(e.get("title", "") for e in evidence if e.get("kind") == "document")
        values[self.name("note")] = answer.get("note", "")
        return values

    # --- posted form -> answer --------------------------------------------------------------
    def read(self, form: ImmutableMultiDict[str, Any]) -> dict[str, Any]:
        """The posted values of this criterion, in the shape `values_from` gives."""
        values: dict[str, Any] = {}
        for f in self.fields:
            values[f.name] = list(form.getlist(f.name)) if f.kind == "multi" else str(form.get(f.name, ""))
        for part in ("na", "just", "ev_url", "ev_doc", "note"):
            values[self.name(part)] = str(form.get(self.name(part), ""))
        return values

    def build(
        self, values: dict[str, Any], previous: dict | None, lang: str = "vi"
    ) -> tuple[dict | None, dict[str, str], list]:
        """(answer or None when nothing was entered, pointer -> input name, errors found before validation).
        Numbers are read as typed on a page in `lang` (checker.numbers.parse_number)."""
        pointers = {self.pointer: f"crit:{self.id}"}
        errors: list[tuple[str, str]] = []
        answer: dict[str, Any] = {}
        na = values.get(self.name("na")) == "1" and self.question["na_allowed"]
        if na:
            answer["not_applicable"] = True
            pointers[self.pointer + "/not_applicable"] = self.name("na")
            justification = values.get(self.name("just"), "").strip()
            if justification:
                answer["justification"] = justification
            pointers[self.pointer + "/justification"] = self.name("just")
        else:
            value = self._value(values, pointers, errors, lang)
            if value is not _EMPTY:
                answer["value"] = value
        evidence = self._evidence(values, previous, pointers)
        if evidence:
            answer["evidence"] = evidence
        note = values.get(self.name("note"), "").strip()
        if note:
            answer["note"] = note
        pointers[self.pointer + "/note"] = self.name("note")
        pointers[self.pointer + "/evidence"] = self.name("ev_url")
        return (answer or None), pointers, errors

    def _value(self, values, pointers, errors, lang):
        value_pointer = self.pointer + "/value"
        if self.object_value:
            pointers[value_pointer] = f"val:{self.id}"
            obj = {}
            for f in self.fields:
                pointers[f.pointer] = f.name
                v = _parse(f, values.get(f.name), errors, lang)
                if v is not _EMPTY:
                    obj[f.prop] = v
            return obj if obj else _EMPTY
        f = self.fields[0]
        pointers[f.pointer] = f.name
        return _parse(f, values.get(f.name), errors, lang)

    def _evidence(self, values, previous, pointers) -> list[dict]:
        known = {e.get("title"): e for e in (previous or {}).get("evidence", []) if e.get("kind") == "document"}
        items: list[dict[str, Any]] = []
        for line in _lines(values.get(self.name("ev_url"), "")):
            pointers[f"{self.pointer}/evidence/{len(items)}"] = self.name("ev_url")
            items.append({"kind": "url", "url": line})
        for line in _lines(values.get(self.name("ev_doc"), "")):
            pointers[f"{self.pointer}/evidence/{len(items)}"] = self.name("ev_doc")
            # A document's sha256 (given through the API) stays with its title.
            items.append({**known[line]} if line in known else {"kind": "document", "title": line})
        return items


class _Empty:
    def __repr__(self) -> str:
        return "<empty>"


_EMPTY = _Empty()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def is_rate(schema: dict) -> bool:
    """Does the answer ask for a rate (a number from 0 to 1), where "95%" may be typed?"""
    return schema.get("type") == "number" and schema.get("minimum") == 0 and schema.get("maximum") == 1


def _plain_number(value: int | float, lang: str) -> str:
    text = format(Decimal(repr(value)), "f") if isinstance(value, float) else str(value)
    return text.replace(".", ",") if lang == "vi" else text


def criterion_of(pointer: str) -> str | None:
    """The criterion id an error pointer (/answers/<id>/...) is about, or None."""
    parts = pointer.split("/")
    if len(parts) < 3 or parts[1] != "answers":
        return None
    return parts[2].replace("~1", "/").replace("~0", "~")


def _parse(f: Field, raw, errors: list, lang: str = "vi") -> Any:
    """The typed value of one input; unparseable text is kept as text for the schema to refuse."""
    if f.kind == "multi":
        chosen = [v for v in (raw or []) if v]
        if not chosen:
            return _EMPTY
        if NONE_OF_THESE in chosen:
            if len(chosen) > 1:
                errors.append((f.pointer, "err.none_and_others"))
            return []
        return chosen
    raw = (raw or "").strip()
    if raw == "":
        return _EMPTY
    if f.kind == "boolean":
        return {YES: True, NO: False}.get(raw, raw)
    if f.kind in ("number", "integer"):
        number = parse_number(raw, lang, integer=f.kind == "integer", rate=is_rate(f.schema))
        if number is None:
            return raw
        if f.kind == "integer" and isinstance(number, float) and number.is_integer():
            return int(number)
        return number
    return raw


def criterion_form(criterion: Criterion) -> CriterionForm:
    schema = criterion.question["answer_schema"]
    base = f"a.{criterion.id}.v"
    pointer = f"/answers/{_escape(criterion.id)}/value"
    if schema.get("type") == "object":
        required = set(schema.get("required", []))
        fields = []
        for prop, sub in schema["properties"].items():
            kind, choices = _kind(sub)
            fields.append(
                Field(f"{base}.{prop}", f"{pointer}/{_escape(prop)}", kind, sub, prop, prop in required, choices)
            )
        return CriterionForm(criterion, fields, True)
    kind, choices = _kind(schema)
    return CriterionForm(criterion, [Field(base, pointer, kind, schema, None, True, choices)], False)


@dataclass
class Step:
    """One requirement group of the form: its criteria, in file order."""

    group: dict
    forms: list[CriterionForm]

    @property
    def id(self) -> str:
        return self.group["id"]


def steps_for(checker: Checker) -> list[Step]:
    """The five requirement groups in the vocabulary's order, those with applicable criteria only."""
    steps = []
    for group in load_vocabulary().groups:
        forms = [criterion_form(c) for c in checker.applicable if c.group == group["id"]]
        if forms:
            steps.append(Step(group, forms))
    return steps


# --- messages ------------------------------------------------------------------------------


def _schema_message(err, t: Translator) -> list[tuple[str, str]]:
    """(pointer suffix, message) for one jsonschema error, in the page's language."""
    from checker.criteria import pointer as json_pointer

    where = json_pointer(err.absolute_path)
    kind = err.validator
    if kind == "required":
        missing = [p for p in err.validator_value if isinstance(err.instance, dict) and p not in err.instance]
        return [(f"{where}/{_escape(p)}", t("err.required")) for p in missing]
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return [(where, t(f"err.{kind}", limit=t.number(err.validator_value)))]
    if kind == "type":
        expected = err.validator_value
        key = {"number": "err.type_number", "integer": "err.type_integer", "boolean": "err.choice"}.get(
            expected if isinstance(expected, str) else "", "err.invalid"
        )
        return [(where, t(key))]
    if kind in ("enum", "const"):
        return [(where, t("err.choice"))]
    if kind == "pattern":
        return [(where, t("err.https_url" if err.validator_value.startswith("^https://") else "err.http_url"))]
    if kind == "minLength":
        return [(where, t("err.required"))]
    if kind == "maxLength":
        return [(where, t("err.too_long", limit=t.number(err.validator_value)))]
    if kind == "maxItems":
        return [(where, t("err.too_many", limit=t.number(err.validator_value)))]
    if kind == "uniqueItems":
        return [(where, t("err.unique"))]
    return [(where, t("err.invalid"))]


def local_messages(checker: Checker, answers: dict[str, Any], t: Translator) -> list[tuple[str, str]]:
    """The same answer schemas the API checks, with messages in the page's language (pointer, message)."""
    schemas = checker.schema["properties"]["answers"]["properties"]
    out: list[tuple[str, str]] = []
    for cid, answer in answers.items():
        if answer is None or cid not in schemas:
            continue
        base = f"/answers/{_escape(cid)}"
        for err in Draft202012Validator(schemas[cid]).iter_errors(answer):
            out.extend((base + suffix, message) for suffix, message in _schema_message(err, t))
    return out


def _under(pointer: str, base: str) -> bool:
    return pointer == base or pointer.startswith(base + "/")


def combine(api_errors: list[dict], local: list[tuple[str, str]], t: Translator) -> list[tuple[str, str]]:
    """The API's errors, each told in the page's language where the local check says the same thing
    (at its pointer or below it); an API error no local message explains keeps the API's wording."""
    out: list[tuple[str, str]] = []
    used = set()
    for item in api_errors:
        pointer = item.get("pointer") or ""
        mine = [(p, m) for p, m in local if _under(p, pointer) and pointer.startswith("/answers/")]
        if mine:
            for entry in mine:
                if entry not in used:
                    used.add(entry)
                    out.append(entry)
        else:
            out.append((pointer, t.message(item.get("message", ""))))
    out.extend(entry for entry in local if entry not in used)
    return out


def place(errors: list[tuple[str, str]], pointers: dict[str, str]) -> tuple[dict[str, list[str]], list[str]]:
    """Messages by input name (the deepest known pointer at or above each error), and the rest."""
    placed: dict[str, list[str]] = {}
    unplaced = []
    for pointer, message in errors:
        best = max((p for p in pointers if _under(pointer, p)), key=len, default=None)
        if best is None:
            unplaced.append(message)
        elif message not in placed.setdefault(pointers[best], []):
            placed[pointers[best]].append(message)
    return placed, unplaced


def first_step_url(submission, done: str | None = None) -> str:
    """The form's first step for a draft (where a new draft, a renewal or the next revision starts)."""
    first = steps_for(checker_for(submission.criteria_version, submission.product.product_type))[0]
    return f"/dashboard/submissions/{submission.id}/steps/{first.id}" + (f"?done={done}" if done else "")
