"""The criteria sets as data: every file valid, published versions frozen, vocabulary consistent."""

from __future__ import annotations

import shutil

import pytest
import yaml
from jsonschema import Draft202012Validator

from checker import criteria as crit
from checker.criteria import CriteriaError, diff_sets, list_versions, load_set, load_vocabulary
from criteria import CRITERIA_DIR

VERSIONS = list_versions()


def test_both_versions_exist():
    assert {"vcsc-2024.1", "vcsc-2025.1"} <= set(VERSIONS)


@pytest.mark.parametrize("version", VERSIONS)
def test_every_file_of_every_version_is_valid(version):
    cset = load_set(version)  # raises CriteriaError naming the file and pointer
    validator = Draft202012Validator(crit.criterion_meta_schema())
    for path in sorted((CRITERIA_DIR / version).glob("*.yaml")):
        if path.name == "set.yaml":
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert not list(validator.iter_errors(data)), path
        assert data["id"] == path.stem
    assert cset.criteria


def test_first_version_has_at_least_30_criteria_covering_all_groups_and_types():
    cset = load_set("vcsc-2024.1")
    active = cset.active_criteria()
    assert len(active) >= 30
    vocab = load_vocabulary()
    assert {c.group for c in active} == set(vocab.ids("groups"))
    assert {c.obligation for c in active} == {"MUST", "SHOULD"}
    for product_type in vocab.ids("product_types"):
        assert len(cset.applicable(product_type)) >= 10, product_type


@pytest.mark.parametrize("version", VERSIONS)
def test_every_probe_is_named_and_every_named_probe_exists(version):
    vocab = load_vocabulary()
    named = {p["id"] for c in load_set(version).active_criteria() for p in c.probes}
    assert named == set(vocab.ids("probes"))


@pytest.mark.parametrize("version", VERSIONS)
def test_every_criterion_is_bilingual_and_cites_a_basis(version):
    for c in load_set(version).criteria.values():
        for key in ("title", "description", "rationale"):
            assert c.data[key]["vi"].strip() and c.data[key]["en"].strip()
            assert c.data[key]["vi"] != c.data[key]["en"], (c.id, key)
        assert c.data["basis"]


@pytest.mark.parametrize("version", VERSIONS)
def test_pass_rules_accept_something_the_question_allows(version):
    """A pass rule that no valid answer can meet, or that every answer meets, is a broken rule."""
    samples = [True, False, 0, 1, 0.5, 0.95, 0.99, 1.0, 5, 24, 30, 60, 180, 1000, "daily", "hourly", "never"]
    for c in load_set(version).active_criteria():
        q = c.question
        answer, rule = Draft202012Validator(q["answer_schema"]), Draft202012Validator(q["pass_rule"])
        if q["answer_schema"].get("type") == "object":
            continue  # object answers are covered by the example answer files
        allowed = [s for s in samples + q["answer_schema"].get("enum", []) if answer.is_valid(s)]
        if not allowed:
            continue
        verdicts = {rule.is_valid(s) for s in allowed}
        assert True in verdicts, f"{version}/{c.id}: no sample answer passes"


def test_ids_are_never_reused_with_another_meaning():
    """A criterion id present in two versions keeps its group; retired ids are not revived silently."""
    old, new = load_set("vcsc-2024.1"), load_set("vcsc-2025.1")
    for cid in set(old.criteria) & set(new.criteria):
        assert old.criteria[cid].group == new.criteria[cid].group, cid


def test_published_versions_are_frozen():
    assert crit.frozen_violations() == []
    recorded = crit.recorded_digests()
    for version in VERSIONS:
        if load_set(version).status == "published":
            assert version in recorded


@pytest.fixture
def criteria_copy(tmp_path):
    root = tmp_path / "criteria"
    shutil.copytree(CRITERIA_DIR, root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    yield root
    crit._load_set.cache_clear()


def test_a_changed_published_file_is_detected(criteria_copy):
    path = criteria_copy / "vcsc-2024.1" / "CF-01.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("0.98", "0.90"), encoding="utf-8")
    problems = crit.frozen_violations(criteria_copy)
    assert len(problems) == 1 and problems[0].startswith("vcsc-2024.1:")


def test_a_draft_version_may_change(criteria_copy):
    draft = criteria_copy / "vcsc-2026.1"
    shutil.copytree(criteria_copy / "vcsc-2025.1", draft)
    meta = yaml.safe_load((draft / "set.yaml").read_text(encoding="utf-8"))
    meta.update(version="vcsc-2026.1", status="draft", supersedes="vcsc-2025.1", released=None)
    (draft / "set.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    assert crit.frozen_violations(criteria_copy) == []
    path = draft / "CF-01.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("0.95", "0.97"), encoding="utf-8")
    assert crit.frozen_violations(criteria_copy) == []
    with pytest.raises(CriteriaError, match="draft"):
        crit.freeze("vcsc-2026.1", criteria_copy)


def test_invalid_criterion_file_names_file_and_pointer(criteria_copy):
    path = criteria_copy / "vcsc-2024.1" / "PC-01.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["obligation"] = "MAYBE"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CriteriaError) as err:
        load_set("vcsc-2024.1", criteria_copy)
    assert "PC-01.yaml#/obligation" in str(err.value)


def test_invalid_pass_rule_schema_is_refused(criteria_copy):
    path = criteria_copy / "vcsc-2024.1" / "PC-01.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["question"]["pass_rule"] = {"type": "bogus"}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CriteriaError) as err:
        load_set("vcsc-2024.1", criteria_copy)
    assert "PC-01.yaml#/question/pass_rule" in str(err.value)


def test_unknown_probe_measurement_is_refused(criteria_copy):
    path = criteria_copy / "vcsc-2024.1" / "PC-01.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["probes"] = [{"id": "settings_locked", "threshold": {"properties": {"made_up": {"const": 0}}}}]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CriteriaError, match="made_up"):
        load_set("vcsc-2024.1", criteria_copy)


def test_unknown_version_is_a_clear_error():
    with pytest.raises(CriteriaError, match="vcsc-1999.1"):
        load_set("vcsc-1999.1")
    with pytest.raises(CriteriaError):
        load_set("../criteria")


# --- diff between the two shipped versions ------------------------------------------------


@pytest.fixture(scope="module")
def real_diff():
    return diff_sets(load_set("vcsc-2024.1"), load_set("vcsc-2025.1"))["changes"]


def test_diff_shows_added_decree_147_criteria(real_diff):
    new = load_set("vcsc-2025.1")
    assert real_diff["added"], "2025.1 adds criteria"
    for item in real_diff["added"]:
        assert item["id"] not in load_set("vcsc-2024.1").criteria
        refs = " ".join(b["ref"] for b in new.criteria[item["id"]].data["basis"])
        assert "147" in refs or "Bảo vệ dữ liệu cá nhân" in refs, item["id"]


def test_diff_shows_retired_with_replacement(real_diff):
    assert real_diff["retired"]
    for item in real_diff["retired"]:
        assert item["reason"]["vi"] and item["reason"]["en"]
        for repl in item["replaced_by"]:
            assert repl in load_set("vcsc-2025.1").criteria


def test_diff_shows_the_block_rate_threshold_change(real_diff):
    cf01 = [c for c in real_diff["threshold_changed"] if c["id"] == "CF-01"]
    assert cf01 and cf01[0]["before"]["properties"]["block_rate_adult"]["minimum"] == 0.98
    assert cf01[0]["after"]["properties"]["block_rate_adult"]["minimum"] == 0.95
    rules = [c for c in real_diff["rule_changed"] if c["id"] == "CF-01"]
    assert rules, "the self-assessment pass rule of CF-01 changes too"


def test_diff_shows_reworded_criteria(real_diff):
    reworded = {c["id"] for c in real_diff["reworded"]}
    assert len(reworded - {"CF-01"}) >= 1


def test_diff_of_a_version_with_itself_is_empty():
    cset = load_set("vcsc-2024.1")
    assert all(not items for items in diff_sets(cset, cset)["changes"].values())
