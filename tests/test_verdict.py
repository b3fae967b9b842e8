"""The verdict: every row of the truth table in checker/verdict.py's docstring, the measured outcome, reviewer
decisions, discrepancies, the level rule, and the digest a certificate keeps."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from checker import verdict as v
from checker.criteria import load_set
from checker.verdict import (
    CANT_TELL,
    FAILED,
    INAPPLICABLE,
    PASSED,
    UNTESTED,
    Claim,
    Decision,
    Verdict,
    combine,
    decide,
    discrepancy,
    measured_outcome,
    reach_level,
)

ROOT = Path(__file__).resolve().parent.parent
ANY = (PASSED, FAILED, CANT_TELL, INAPPLICABLE, UNTESTED)
NOT_FAILED = (PASSED, CANT_TELL, INAPPLICABLE, None)

# (row, claimed, measured, combined, rule): one entry per row of the docstring's table, expanded over "any".
TABLE = (
    [(1, c, FAILED, FAILED, "probe_failed") for c in ANY]
    + [(2, FAILED, m, FAILED, "claim_failed") for m in NOT_FAILED]
    + [(3, INAPPLICABLE, m, INAPPLICABLE, "claim_inapplicable") for m in NOT_FAILED]
    + [(4, UNTESTED, m, UNTESTED, "claim_untested") for m in NOT_FAILED]
    + [(5, CANT_TELL, m, CANT_TELL, "claim_cant_tell") for m in NOT_FAILED]
    + [(6, PASSED, CANT_TELL, CANT_TELL, "probe_cant_tell")]
    + [(7, PASSED, PASSED, PASSED, "probe_confirmed")]
    + [(8, PASSED, m, PASSED, "claim_passed") for m in (INAPPLICABLE, None)]
)


@pytest.mark.parametrize("row, claimed, measured, combined, rule", TABLE)
def test_truth_table_row(row, claimed, measured, combined, rule):
    assert combine(claimed, measured) == (combined, rule)


def test_the_table_covers_every_pair_once_and_matches_the_docstring():
    pairs = [(c, m) for _, c, m, _, _ in TABLE]
    assert len(pairs) == len(set(pairs)) == len(ANY) * (len(NOT_FAILED) + 1)  # every (claimed, measured) pair
    documented = {int(n): rule for n, rule in re.findall(r"^\s+(\d)\s+.*?\s(\w+)\s*$", v.__doc__, re.M)}
    assert documented == {row: rule for row, _, _, _, rule in TABLE}


@pytest.mark.parametrize(
    "claimed, measured, expected",
    [
        (PASSED, FAILED, FAILED),
        (PASSED, CANT_TELL, CANT_TELL),
        (PASSED, PASSED, None),
        (PASSED, None, None),
        (PASSED, INAPPLICABLE, None),
        (FAILED, FAILED, None),
        (CANT_TELL, FAILED, None),
        (UNTESTED, FAILED, None),
        (INAPPLICABLE, FAILED, None),
    ],
)
def test_discrepancy_only_when_a_passing_claim_meets_a_failing_or_unsure_probe(claimed, measured, expected):
    assert discrepancy(claimed, measured) == expected


def test_measured_outcome_is_the_worst_finding():
    f = lambda o: {"outcome": o}  # noqa: E731
    assert measured_outcome([f(PASSED), f(FAILED), f(CANT_TELL)]) == FAILED
    assert measured_outcome([f(PASSED), f(CANT_TELL), f(INAPPLICABLE)]) == CANT_TELL
    assert measured_outcome([f(INAPPLICABLE), f(PASSED)]) == PASSED
    assert measured_outcome([f(INAPPLICABLE), f(INAPPLICABLE)]) == INAPPLICABLE
    assert measured_outcome([f(UNTESTED)]) is None
    assert measured_outcome([]) is None


def test_override_replaces_accept_and_none_keep():
    assert decide(PASSED, None) == (PASSED, "combined")
    assert decide(FAILED, Decision("accept", FAILED)) == (FAILED, "combined")
    assert decide(PASSED, Decision("override", CANT_TELL, "no test report")) == (CANT_TELL, "reviewer")
    assert decide(FAILED, Decision("override", "bogus")) == (FAILED, "combined")  # not an outcome: ignored


# -- the whole verdict on a tiny criteria set ------------------------------------------------------------


@dataclass
class C:
    id: str
    group: str
    obligation: str
    title: dict = field(default_factory=lambda: {"vi": "t", "en": "t"})
    only: tuple = ()

    def applies(self, product_type):
        return not self.only or product_type in self.only


@dataclass
class Tiny:
    version: str = "tiny-1"
    levels: list = field(
        default_factory=lambda: [
            {"id": "basic", "title": {"vi": "Cơ bản", "en": "Basic"}, "requires": ["MUST"]},
            {"id": "advanced", "title": {"vi": "Nâng cao", "en": "Advanced"}, "requires": ["MUST", "SHOULD"]},
        ]
    )
    items: tuple = (
        C("A-1", "documentation", "MUST"),
        C("A-2", "features", "MUST"),
        C("B-1", "features", "SHOULD"),
        C("B-2", "security", "SHOULD"),
    )

    def active_criteria(self):
        return self.items


def claims(**outcomes):
    return {cid.replace("_", "-"): Claim(o, {"vi": o, "en": o}) for cid, o in outcomes.items()}


def finding(cid, outcome, probe="transport"):
    return {"probe_id": probe, "criterion_id": cid, "outcome": outcome}


ALL_PASS = dict(A_1=PASSED, A_2=PASSED, B_1=PASSED, B_2=PASSED)


def test_everything_passing_reaches_the_highest_level():
    found = v.verdict(Tiny(), "kid_browser", claims(**ALL_PASS))
    assert found.level.id == "advanced" and found.next_level is None and found.blockers == ()
    assert found.claimed_level.id == "advanced" and found.discrepancies == ()


def test_a_probe_failure_on_a_must_takes_the_level_and_is_a_discrepancy():
    found = v.verdict(Tiny(), "kid_browser", claims(**ALL_PASS), [finding("A-2", FAILED)])
    assert found.level is None and found.next_level.id == "basic" and found.blockers == ("A-2",)
    assert found.claimed_level.id == "advanced"  # what the answers alone would reach
    assert found.discrepancies == ("A-2",) and found.undecided_discrepancies == ("A-2",)
    row = found.criterion("A-2")
    assert (row.claimed, row.measured, row.combined, row.decided) == (PASSED, FAILED, FAILED, FAILED)
    assert row.measured_by == ("transport",) and row.combined_source == "probe"


def test_a_reviewer_override_changes_the_level_and_is_named():
    base = v.verdict(Tiny(), "kid_browser", claims(**ALL_PASS))
    over = v.verdict(
        Tiny(),
        "kid_browser",
        claims(**ALL_PASS),
        (),
        {"B-1": Decision("override", CANT_TELL, "thiếu báo cáo", "Trần Thẩm Định")},
    )
    assert base.level.id == "advanced" and over.level.id == "basic"
    assert over.next_level.id == "advanced" and over.blockers == ("B-1",)
    assert over.reviewer_decided == ("B-1",) and over.criterion("B-1").decided_by == "reviewer"
    assert over.digest() != base.digest()


def test_accepting_a_discrepancy_decides_it_without_changing_the_outcome():
    found = v.verdict(
        Tiny(), "kid_browser", claims(**ALL_PASS), [finding("B-2", CANT_TELL)], {"B-2": Decision("accept", CANT_TELL)}
    )
    assert found.discrepancies == ("B-2",) and found.undecided_discrepancies == ()
    assert found.criterion("B-2").decided == CANT_TELL and found.level.id == "basic"


def test_discrepancies_are_ordered_failed_first_then_must_first():
    found = v.verdict(
        Tiny(),
        "kid_browser",
        claims(**ALL_PASS),
        [finding("B-1", FAILED), finding("A-1", CANT_TELL), finding("A-2", FAILED)],
    )
    assert found.discrepancies == ("A-2", "B-1", "A-1")


def test_a_missing_claim_reads_as_untested_and_inapplicable_does_not_block():
    found = v.verdict(Tiny(), "kid_browser", claims(A_1=PASSED, A_2=INAPPLICABLE, B_1=PASSED))
    assert found.criterion("B-2").claimed == UNTESTED and found.level.id == "basic"
    assert found.blockers == ("B-2",) and found.counts[UNTESTED] == 1 and found.counts[INAPPLICABLE] == 1


def test_group_summary_counts_decided_outcomes_and_reviewer_decisions():
    found = v.verdict(
        Tiny(),
        "kid_browser",
        claims(**ALL_PASS),
        [finding("B-1", FAILED)],
        {"B-1": Decision("override", PASSED, "đã sửa", "R")},
    )
    summary = {g["group"]: g for g in found.group_summary(["documentation", "features", "security", "performance"])}
    assert set(summary) == {"documentation", "features", "security"}  # empty groups are left out
    assert summary["features"]["counts"][PASSED] == 2 and summary["features"]["reviewer_decided"] == ["B-1"]


def test_reach_level_is_ordered_and_names_blockers():
    levels = Tiny().levels
    assert reach_level(levels, [("x", "MUST", FAILED)]).level is None
    result = reach_level(levels, [("x", "MUST", PASSED), ("y", "SHOULD", UNTESTED), ("z", "SHOULD", CANT_TELL)])
    assert result.level.id == "basic" and result.next_level.id == "advanced" and result.blockers == ("y", "z")


def test_progress_counts_only_criteria_for_the_product_type():
    tiny = Tiny(items=Tiny.items + (C("C-1", "features", "MUST", only=("dns_filter",)),))
    found = v.verdict(tiny, "kid_browser", claims(**ALL_PASS, C_1=INAPPLICABLE))
    assert found.level.id == "advanced" and not found.criterion("C-1").applies
    assert [(p.level.id, p.satisfied, p.required) for p in found.progress] == [("basic", 2, 2), ("advanced", 4, 4)]
    assert sum(g["total"] for g in found.group_summary(["documentation", "features", "security"])) == 4


def test_the_verdict_round_trips_and_its_digest_is_stable():
    found = v.verdict(
        Tiny(),
        "kid_browser",
        claims(**ALL_PASS),
        [finding("A-2", FAILED)],
        {"A-2": Decision("override", PASSED, "ok", "R")},
    )
    again = Verdict.from_dict(found.to_dict())
    assert again == found and again.digest() == found.digest()
    assert found.digest().startswith("sha256:") and len(found.digest()) == 71
    with pytest.raises(AttributeError):
        found.level = None  # immutable


def test_the_real_criteria_sets_give_a_verdict_per_active_criterion():
    for version in ("vcsc-2024.1", "vcsc-2025.1"):
        cset = load_set(version)
        found = v.verdict(cset, "filtering_app", {})
        assert len(found.criteria) == len(list(cset.active_criteria()))
        assert found.level is None and found.counts[UNTESTED] == len(found.criteria)


def test_no_level_is_computed_outside_checker_verdict():
    """The level rule has one home: nothing else walks a criteria set's levels' requirements."""
    offenders = []
    for path in [*ROOT.glob("api/**/*.py"), *ROOT.glob("reports/**/*.py"), *ROOT.glob("checker/**/*.py")]:
        if path.name == "verdict.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\[[\"']requires[\"']\]|SATISFIED\b(?!,)", text.replace("SATISFIED,", "")):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
