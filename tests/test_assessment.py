"""Self-assessment validation and evaluation: outcomes, evidence, N/A and levels."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from checker import criteria as crit
from checker.assessment import AssessmentError, Checker, answers_schema, assess_document, checker_for
from checker.criteria import load_set
from criteria import CRITERIA_DIR

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
URL_EVIDENCE = [{"kind": "url", "url": "https://example.vn/bao-cao-kiem-thu.pdf"}]


def doc(answers, version="vcsc-2024.1", product_type="filtering_app"):
    return {"criteria_version": version, "product_type": product_type, "answers": answers}


@pytest.fixture(scope="module")
def checker():
    return checker_for("vcsc-2024.1", "filtering_app")


def test_passing_answer_with_evidence_passes(checker):
    ev = checker.evaluate({"CF-01": {"value": {"block_rate": 0.99, "corpus_size": 2000}, "evidence": URL_EVIDENCE}})
    assert ev.outcome_of("CF-01") == "passed"


def test_failing_answer_fails(checker):
    ev = checker.evaluate({"CF-01": {"value": {"block_rate": 0.91, "corpus_size": 2000}, "evidence": URL_EVIDENCE}})
    assert ev.outcome_of("CF-01") == "failed"
    reason = next(r.reason for r in ev.results if r.criterion_id == "CF-01")
    assert reason["vi"] and reason["en"]


def test_passing_answer_without_required_evidence_cant_tell(checker):
    ev = checker.evaluate({"CF-01": {"value": {"block_rate": 0.99, "corpus_size": 2000}}})
    assert ev.outcome_of("CF-01") == "cantTell"
    assert "evidence" in next(r.reason["en"] for r in ev.results if r.criterion_id == "CF-01")


def test_unanswered_is_untested(checker):
    assert checker.evaluate({}).outcome_of("PC-01") == "untested"


def test_criterion_outside_product_type_is_inapplicable():
    cset = load_set("vcsc-2024.1")
    product_type = "children_platform"
    outside = [c for c in cset.active_criteria() if not c.applies(product_type)]
    assert outside, "some criteria do not apply to children's platforms"
    ev = checker_for("vcsc-2024.1", product_type).evaluate({})
    for c in outside:
        assert ev.outcome_of(c.id) == "inapplicable"


def test_vendor_declared_na_is_inapplicable_where_allowed(checker):
    na_ok = [c for c in checker.applicable if c.question["na_allowed"]]
    assert na_ok, "at least one criterion allows N/A for filtering apps"
    cid = na_ok[0].id
    answers = {cid: {"not_applicable": True, "justification": "Sản phẩm không có trang đăng ký."}}
    assert checker.validate(doc(answers)) == []
    assert checker.evaluate(answers).outcome_of(cid) == "inapplicable"


def test_na_where_not_allowed_is_a_validation_error(checker):
    issues = checker.validate(doc({"PC-01": {"not_applicable": True, "justification": "x"}}))
    assert any(i.pointer == "/answers/PC-01/not_applicable" and "N/A" in i.message for i in issues)


def test_na_without_justification_is_refused(checker):
    cid = next(c.id for c in checker.applicable if c.question["na_allowed"])
    issues = checker.validate(doc({cid: {"not_applicable": True}}))
    assert [i.pointer for i in issues] == [f"/answers/{cid}"]
    assert "justification" in issues[0].message


def test_every_error_is_reported_with_its_pointer(checker):
    issues = checker.validate(
        doc(
            {
                "CF-01": {"value": {"block_rate": 1.7}},
                "PC-01": {"value": "yes"},
                "ZZ-99": {"value": True},
            }
        )
    )
    pointers = {i.pointer for i in issues}
    assert {
        "/answers/CF-01/value",
        "/answers/CF-01/value/block_rate",
        "/answers/PC-01/value",
        "/answers/ZZ-99",
    } <= pointers
    assert any("ZZ-99" in i.message and "unknown criterion" in i.message for i in issues)


def test_wrong_version_and_product_type_are_pointed_at(checker):
    pointers = {i.pointer for i in checker.validate(doc({}, version="vcsc-2025.1", product_type="kid_browser"))}
    assert {"/criteria_version", "/product_type"} <= pointers


def test_bad_evidence_is_pointed_at(checker):
    issues = checker.validate(doc({"PC-01": {"value": True, "evidence": [{"kind": "url"}]}}))
    assert [i.pointer for i in issues] == ["/answers/PC-01/evidence/0"]


def test_answers_schema_lists_only_applicable_active_criteria():
    cset = load_set("vcsc-2025.1")
    schema = answers_schema(cset, "dns_proxy_filter")
    ids = set(schema["properties"]["answers"]["properties"])
    assert ids == {c.id for c in cset.applicable("dns_proxy_filter")}
    assert not any(not cset.criteria[i].active for i in ids)


def test_retired_criterion_cannot_be_answered_in_new_version():
    cset = load_set("vcsc-2025.1")
    retired = next(c for c in cset.criteria.values() if not c.active)
    product_type = retired.applies_to[0]
    issues = checker_for("vcsc-2025.1", product_type).validate(
        doc({retired.id: {"value": True}}, "vcsc-2025.1", product_type)
    )
    assert any(i.pointer == f"/answers/{retired.id}" and "retired" in i.message for i in issues)


def test_assess_document_refuses_missing_header_and_unknown_version():
    with pytest.raises(AssessmentError) as err:
        assess_document({"answers": {}})
    assert {i.pointer for i in err.value.issues} == {"/criteria_version", "/product_type"}
    with pytest.raises(AssessmentError) as err:
        assess_document(doc({}, version="vcsc-1999.1"))
    assert err.value.issues[0].pointer == "/criteria_version"
    with pytest.raises(AssessmentError) as err:
        assess_document(doc({}, product_type="toaster"))
    assert err.value.issues[0].pointer == "/product_type"


# --- levels, on a small set of our own so that the rule is seen exactly ------------------


@pytest.fixture
def tiny_set(tmp_path):
    """A copy of the criteria tree where vcsc-2024.1 keeps only PC-01 (MUST) and CF-01 as SHOULD."""
    root = tmp_path / "criteria"
    shutil.copytree(CRITERIA_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    folder = root / "vcsc-2024.1"
    for path in folder.glob("*.yaml"):
        if path.stem not in ("set", "PC-01", "CF-01"):
            path.unlink()
    cf = yaml.safe_load((folder / "CF-01.yaml").read_text(encoding="utf-8"))
    cf["obligation"] = "SHOULD"
    (folder / "CF-01.yaml").write_text(yaml.safe_dump(cf, allow_unicode=True), encoding="utf-8")
    yield Checker(crit.load_set("vcsc-2024.1", root), "filtering_app")
    crit._load_set.cache_clear()


PC_PASS = {"value": True, "evidence": URL_EVIDENCE}
CF_PASS = {"value": {"block_rate": 0.99, "corpus_size": 900}, "evidence": URL_EVIDENCE}
CF_FAIL = {"value": {"block_rate": 0.5, "corpus_size": 900}, "evidence": URL_EVIDENCE}


def test_no_level_when_a_must_fails(tiny_set):
    ev = tiny_set.evaluate({"PC-01": {"value": False, "evidence": URL_EVIDENCE}, "CF-01": CF_PASS})
    assert ev.level is None
    assert ev.next_level["id"] == "basic" and ev.blockers == ["PC-01"]


def test_basic_when_musts_pass_and_a_should_fails(tiny_set):
    ev = tiny_set.evaluate({"PC-01": PC_PASS, "CF-01": CF_FAIL})
    assert ev.level["id"] == "basic" and ev.level["title"] == {"vi": "Cơ bản", "en": "Basic"}
    assert ev.next_level["id"] == "advanced" and ev.blockers == ["CF-01"]


def test_advanced_when_everything_passes(tiny_set):
    ev = tiny_set.evaluate({"PC-01": PC_PASS, "CF-01": CF_PASS})
    assert ev.level["id"] == "advanced" and ev.next_level is None and ev.blockers == []


def test_untested_must_blocks_basic(tiny_set):
    ev = tiny_set.evaluate({"CF-01": CF_PASS})
    assert ev.level is None and ev.blockers == ["PC-01"]


# --- the shipped example answer files -------------------------------------------------------


def _example(name):
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


def test_example_reaching_advanced():
    ev = assess_document(_example("answers-filtering-app-advanced.json"))
    assert ev.level["id"] == "advanced"
    assert ev.counts["failed"] == ev.counts["cantTell"] == ev.counts["untested"] == 0


def test_example_reaching_basic_names_its_blockers():
    ev = assess_document(_example("answers-kid-browser-basic.json"))
    assert ev.level["id"] == "basic" and ev.next_level["id"] == "advanced"
    assert ev.blockers and all(ev.outcome_of(b) in ("failed", "cantTell") for b in ev.blockers)


def test_example_failing_a_must():
    ev = assess_document(_example("answers-children-platform-2025.json"))
    assert ev.criteria_version == "vcsc-2025.1"
    assert ev.level is None
    assert ev.counts["failed"] >= 1 and ev.counts["cantTell"] >= 1 and ev.counts["inapplicable"] >= 1


# --- the compiled fast path and the reference validator agree ---------------------------------


def _mutations(doc):
    """Valid and invalid variants of a document, one change at a time."""
    import copy

    yield doc
    for cid in doc["answers"]:
        for change in ("drop_value", "wrong_type", "extra_field", "bad_evidence", "na"):
            d = copy.deepcopy(doc)
            a = d["answers"][cid]
            if change == "drop_value":
                a.pop("value", None)
            elif change == "wrong_type":
                a["value"] = [] if not isinstance(a.get("value"), list) else "x"
            elif change == "extra_field":
                a["surprise"] = 1
            elif change == "bad_evidence":
                a["evidence"] = [{"kind": "url", "url": "ftp://nope"}]
            else:
                d["answers"][cid] = {"not_applicable": True, "justification": "—"}
            yield d


@pytest.mark.parametrize("name", ["answers-kid-browser-basic.json", "answers-children-platform-2025.json"])
def test_fast_and_reference_validators_agree(name):
    base = _example(name)
    checker = checker_for(base["criteria_version"], base["product_type"])
    seen = {True: 0, False: 0}
    for doc in _mutations(base):
        fast = checker.fast_validator.is_valid(doc)
        reference = not list(checker.validator.iter_errors(doc))
        assert fast == reference, doc
        seen[fast] += 1
    assert seen[True] > 1 and seen[False] > 100


def test_fast_and_reference_pass_rules_agree():
    from jsonschema import Draft202012Validator

    samples = [
        True,
        False,
        0,
        1,
        0.5,
        0.9,
        0.95,
        0.99,
        1.0,
        2,
        24,
        30,
        60,
        72,
        180,
        200,
        "cached_lists",
        "allow_all",
        "self_declaration",
        "id_document",
        [],
        ["google", "bing", "youtube", "coccoc"],
        ["00+"],
        {"block_rate": 0.99, "corpus_size": 900},
        {"block_rate": 0.96, "corpus_size": 900},
        {},
    ]
    for version in ("vcsc-2024.1", "vcsc-2025.1"):
        for product_type in ("filtering_app", "children_platform"):
            checker = checker_for(version, product_type)
            for c in checker.applicable:
                reference = Draft202012Validator(c.question["pass_rule"])
                for s in samples:
                    assert checker.pass_rules[c.id].is_valid(s) == reference.is_valid(s), (version, c.id, s)
