"""Every user-visible string resolves in both languages, wherever it is made: page strings (the catalog, checked
in tests/web/test_i18n.py), problem details (bilingual/conflict/forbidden/... calls), probe explanations,
report labels and CLI texts ({"vi", "en"} pairs), the criteria and the glossary. Read from the source, so a
new string without its English (or its Vietnamese) fails here before anyone sees it."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from checker.criteria import list_versions, load_set, load_vocabulary
from checker.probes.registry import all_probes

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    p for folder in ("api", "checker", "reports") for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts
]
# Functions whose first two positional arguments are the Vietnamese and the English text.
PAIRED = {"bilingual", "conflict", "not_found"}
# Functions with optional (vi, en) texts after their first argument or as keywords.
OPTIONAL_PAIRS = {"forbidden": 0, "unauthenticated": 0, "invalid": 1}


def _const(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _blank(node) -> bool:
    value = _const(node)
    return value is not None and not value.strip()


def test_every_vi_en_pair_in_the_code_has_both_languages():
    problems = []
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        tree, lines = ast.parse(source), source.splitlines()
        where = lambda node: f"{path.relative_to(ROOT)}:{node.lineno}"  # noqa: E731, B023 (used in this iteration)
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                keys = {_const(k): v for k, v in zip(node.keys, node.values, strict=True) if k is not None}
                numbers = all(
                    isinstance(v, ast.Constant) and not isinstance(v.value, str)
                    for k, v in keys.items()
                    if k in ("vi", "en")
                )
                if numbers or "# one language:" in lines[node.lineno - 1]:
                    continue  # counts per language, or a text that exists in one language only (said why)
                if "vi" in keys or "en" in keys:
                    if not ("vi" in keys and "en" in keys):
                        problems.append(f"{where(node)}: a text with only {'vi' if 'vi' in keys else 'en'}")
                    elif _blank(keys["vi"]) or _blank(keys["en"]):
                        problems.append(f"{where(node)}: an empty translation")
            elif isinstance(node, ast.Call):
                name = (
                    node.func.id
                    if isinstance(node.func, ast.Name)
                    else (node.func.attr if isinstance(node.func, ast.Attribute) else None)
                )
                if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
                    continue  # texts passed on from a table: the table's own pairs are checked as dicts
                if name in PAIRED:
                    if len(node.args) < 2 and not {k.arg for k in node.keywords} >= {"vi", "en"}:
                        problems.append(f"{where(node)}: {name}() without both texts")
                    elif any(_blank(a) for a in node.args[:2]):
                        problems.append(f"{where(node)}: {name}() with an empty text")
                elif name in OPTIONAL_PAIRS:
                    texts = node.args[OPTIONAL_PAIRS[name] : OPTIONAL_PAIRS[name] + 2]
                    keywords = {k.arg for k in node.keywords} & {"vi", "en"}
                    if len(texts) == 1 or len(keywords) == 1:
                        problems.append(f"{where(node)}: {name}() with one language only")
    assert problems == [], "\n".join(problems)


def test_criteria_vocabulary_and_probe_definitions_are_in_both_languages():
    def walk(value, where):
        if isinstance(value, dict):
            if "vi" in value or "en" in value:
                assert str(value.get("vi") or "").strip() and str(value.get("en") or "").strip(), where
            for key, item in value.items():
                walk(item, f"{where}/{key}")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                walk(item, f"{where}/{i}")

    for version in list_versions():
        cset = load_set(version)
        walk(cset.meta, version)
        for criterion in cset.criteria.values():
            walk({"title": criterion.title}, f"{version}/{criterion.id}")
    vocabulary = yaml.safe_load((ROOT / "criteria" / "vocabulary.yaml").read_text(encoding="utf-8"))
    walk(vocabulary, "vocabulary")
    assert load_vocabulary().groups
    for probe_id in all_probes():
        definition = yaml.safe_load((ROOT / "checker" / "probes" / probe_id / "definition.yaml").read_text("utf-8"))
        for field in ("title", "description", "remediation"):
            assert definition[field]["vi"].strip() and definition[field]["en"].strip(), f"{probe_id}.{field}"
        walk(definition, probe_id)
