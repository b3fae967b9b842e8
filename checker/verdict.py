"""The certification verdict: from a criteria version, the evaluated answers, the probe findings and the
reviewers' decisions, one immutable `Verdict`. Pure (no I/O, no database, no HTTP): review approval, the
certificate, every report format, the vendor's pages and the public product page read this, and nothing
else computes an outcome or a level.

Per criterion, four outcomes, each with where it came from
-----------------------------------------------------------
* **claimed** — the self-assessment's outcome (source ``self_assessment``), evaluated once per revision
  by ``checker.assessment.Checker.evaluate`` and stored with the revision. An answer that passes its rule
  but lacks required evidence is ``cantTell``; not answered is ``untested``; N/A or not for this product
  type is ``inapplicable``.
* **measured** — what the probes say (source ``probe``): the worst of the criterion's findings, ranked
  ``failed > cantTell > passed``; ``inapplicable`` only when every finding is inapplicable; ``None`` when no
  probe says anything (no finding, or only ``untested`` ones).
* **combined** — claimed and measured together, by the first row of this truth table that applies
  (source ``self_assessment``, ``probe`` or both, as the ``rule`` says):

  ====  ===========================  ==========================  ============  ===============
  row   claimed                      measured                    combined      rule
  ====  ===========================  ==========================  ============  ===============
  1     any                          failed                      failed        probe_failed
  2     failed                       any but failed              failed        claim_failed
  3     inapplicable                 passed/cantTell/inapp./None inapplicable  claim_inapplicable
  4     untested                     passed/cantTell/inapp./None untested      claim_untested
  5     cantTell                     passed/cantTell/inapp./None cantTell      claim_cant_tell
  6     passed                       cantTell                    cantTell      probe_cant_tell
  7     passed                       passed                      passed        probe_confirmed
  8     passed                       inapplicable or None        passed        claim_passed
  ====  ===========================  ==========================  ============  ===============

  A measured failure outweighs a missing answer or an N/A declaration (row 1): the failure is real.
* **decided** — what counts: a reviewer's ``override`` replaces the combined outcome (source ``reviewer``);
  an ``accept``, or no decision, keeps it (source ``combined``; with ``accept`` the reviewer is named).

**Discrepancy**: the claim passed and the probes failed or could not tell (rows 1 and 6 with a passing
claim). It is listed apart, failed first, then MUST before SHOULD, never merged away; approval needs a
reviewer decision on each.

The level
---------
The criteria set's levels are tried in order (``set.yaml``: Cơ bản / Basic, then Nâng cao / Advanced); a
level is reached when every criterion whose obligation the level requires is decided ``passed`` or
``inapplicable``; the first level not reached is ``next_level`` and its unmet criteria are the
``blockers``. `reach_level` is the one implementation; ``claimed_level`` is the same rule on the claims
alone (what the vendor's answers would reach).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

# EARL outcome words (https://www.w3.org/TR/EARL10-Schema/#OutcomeValue)
PASSED, FAILED, CANT_TELL, INAPPLICABLE, UNTESTED = "passed", "failed", "cantTell", "inapplicable", "untested"
OUTCOMES = (PASSED, FAILED, CANT_TELL, INAPPLICABLE, UNTESTED)
# Outcomes that do not block a level.
SATISFIED = frozenset({PASSED, INAPPLICABLE})

VERDICT_FORMAT = "vcsc-verdict/1"

SELF_ASSESSMENT, PROBE, REVIEWER, COMBINED = "self_assessment", "probe", "reviewer", "combined"

_PROBE_RANK = {FAILED: 3, CANT_TELL: 2, PASSED: 1}

Bilingual = Mapping[str, str]


class CriterionLike(Protocol):
    """What the verdict reads of a criterion (``checker.criteria.Criterion`` has it)."""

    @property
    def id(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def obligation(self) -> str: ...
    @property
    def title(self) -> Bilingual: ...

    def applies(self, product_type: str) -> bool: ...


class CriteriaSetLike(Protocol):
    @property
    def version(self) -> str: ...
    @property
    def levels(self) -> Sequence[Mapping[str, Any]]: ...

    def active_criteria(self) -> Iterable[CriterionLike]: ...


@dataclass(frozen=True)
class Claim:
    """A self-assessment outcome of one criterion, with its reason (Vietnamese and English)."""

    outcome: str
    reason: Bilingual


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on one criterion: ``accept`` keeps the combined outcome, ``override`` replaces it."""

    decision: str
    outcome: str | None = None
    comment: str | None = None
    reviewer: str | None = None


@dataclass(frozen=True)
class Level:
    id: str
    title: Bilingual


@dataclass(frozen=True)
class LevelProgress:
    """How far the decided outcomes are towards one level: criteria satisfied of those it requires."""

    level: Level
    satisfied: int
    required: int


@dataclass(frozen=True)
class LevelResult:
    """The level reached (or None), the next one and the criteria that block it."""

    level: Level | None
    next_level: Level | None
    blockers: tuple[str, ...]


@dataclass(frozen=True)
class CriterionVerdict:
    criterion_id: str
    group: str
    obligation: str
    title: Bilingual
    claimed: str
    claim_reason: Bilingual
    measured: str | None
    measured_by: tuple[str, ...]  # probe ids of the findings on this criterion
    combined: str
    rule: str  # the truth-table row that gave `combined`
    decided: str
    decided_by: str  # "reviewer" (override) or "combined"
    decision: Decision | None
    discrepancy: str | None  # FAILED or CANT_TELL when a passing claim meets a failing/unsure probe
    applies: bool = True  # False: the criterion is not for this product type (inapplicable by definition)

    @property
    def combined_source(self) -> str:
        return _RULE_SOURCE[self.rule]


@dataclass(frozen=True)
class Verdict:
    criteria_version: str
    product_type: str
    criteria: tuple[CriterionVerdict, ...]
    discrepancies: tuple[str, ...]  # criterion ids, failed first, then MUST first
    level: Level | None
    next_level: Level | None
    blockers: tuple[str, ...]
    claimed_level: Level | None
    counts: Mapping[str, int] = field(default_factory=dict)  # decided outcomes
    claim_counts: Mapping[str, int] = field(default_factory=dict)
    progress: tuple[LevelProgress, ...] = ()

    def criterion(self, criterion_id: str) -> CriterionVerdict:
        for c in self.criteria:
            if c.criterion_id == criterion_id:
                return c
        raise KeyError(criterion_id)

    @property
    def undecided_discrepancies(self) -> tuple[str, ...]:
        """Discrepancies no reviewer has decided yet (approval waits for them)."""
        return tuple(cid for cid in self.discrepancies if self.criterion(cid).decision is None)

    @property
    def agreeing(self) -> tuple[str, ...]:
        """The criteria that are not discrepancies (the claim and the probes do not disagree), in criteria order."""
        return tuple(c.criterion_id for c in self.criteria if c.discrepancy is None)

    @property
    def undecided_agreeing(self) -> tuple[str, ...]:
        """Agreeing criteria no reviewer has decided yet (what "accept all agreeing" would accept)."""
        return tuple(c.criterion_id for c in self.criteria if c.discrepancy is None and c.decision is None)

    @property
    def reviewer_decided(self) -> tuple[str, ...]:
        """Criteria whose outcome a reviewer overrode."""
        return tuple(c.criterion_id for c in self.criteria if c.decided_by == REVIEWER)

    def group_summary(self, group_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Per requirement group, over the criteria for this product type: how many are decided supported
        (passed), partially (cantTell), not supported (failed), not applicable, not evaluated (untested), and
        which a reviewer decided."""
        rows = []
        for gid in group_ids:
            members = [c for c in self.criteria if c.group == gid and c.applies]
            if not members:
                continue
            counts = {o: sum(1 for c in members if c.decided == o) for o in OUTCOMES}
            rows.append(
                {
                    "group": gid,
                    "total": len(members),
                    "counts": counts,
                    "reviewer_decided": [c.criterion_id for c in members if c.decided_by == REVIEWER],
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = VERDICT_FORMAT
        plain: dict[str, Any] = _plain(data)
        return plain

    def canonical_json(self) -> str:
        """Stable JSON text of the verdict (sorted keys, UTF-8 kept readable): what the digest is over."""
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict:
        """The verdict as stored (``to_dict``), e.g. the one a certificate was issued on."""

        def level(d: Mapping[str, Any] | None) -> Level | None:
            return Level(d["id"], d["title"]) if d else None

        rows = tuple(
            CriterionVerdict(
                **{
                    **c,
                    "measured_by": tuple(c["measured_by"]),
                    "decision": Decision(**c["decision"]) if c["decision"] else None,
                }
            )
            for c in data["criteria"]
        )
        progress = tuple(
            LevelProgress(Level(p["level"]["id"], p["level"]["title"]), p["satisfied"], p["required"])
            for p in data.get("progress", [])
        )
        return cls(
            data["criteria_version"],
            data["product_type"],
            rows,
            tuple(data["discrepancies"]),
            level(data["level"]),
            level(data["next_level"]),
            tuple(data["blockers"]),
            level(data["claimed_level"]),
            dict(data["counts"]),
            dict(data["claim_counts"]),
            progress,
        )


_RULE_SOURCE = {
    "probe_failed": PROBE,
    "claim_failed": SELF_ASSESSMENT,
    "claim_inapplicable": SELF_ASSESSMENT,
    "claim_untested": SELF_ASSESSMENT,
    "claim_cant_tell": SELF_ASSESSMENT,
    "probe_cant_tell": PROBE,
    "probe_confirmed": f"{SELF_ASSESSMENT}+{PROBE}",
    "claim_passed": SELF_ASSESSMENT,
}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# --- the parts, each a small pure function ------------------------------------------------------------


def measured_outcome(findings: Iterable[Mapping[str, Any]]) -> str | None:
    """The worst outcome of a criterion's findings; None when no finding says anything."""
    outcomes: list[str] = [f["outcome"] for f in findings]
    ranked = [o for o in outcomes if o in _PROBE_RANK]
    if ranked:
        return max(ranked, key=_PROBE_RANK.__getitem__)
    return INAPPLICABLE if outcomes and all(o == INAPPLICABLE for o in outcomes) else None


def combine(claimed: str, measured: str | None) -> tuple[str, str]:
    """(combined outcome, the truth-table rule that gave it): see the module docstring."""
    if measured == FAILED:
        return FAILED, "probe_failed"
    if claimed == FAILED:
        return FAILED, "claim_failed"
    if claimed == INAPPLICABLE:
        return INAPPLICABLE, "claim_inapplicable"
    if claimed == UNTESTED:
        return UNTESTED, "claim_untested"
    if claimed == CANT_TELL:
        return CANT_TELL, "claim_cant_tell"
    if measured == CANT_TELL:
        return CANT_TELL, "probe_cant_tell"
    if measured == PASSED:
        return PASSED, "probe_confirmed"
    return PASSED, "claim_passed"


def discrepancy(claimed: str, measured: str | None) -> str | None:
    """FAILED or CANT_TELL when a passing claim meets a failing or unsure probe, else None."""
    if claimed == PASSED and measured in (FAILED, CANT_TELL):
        return measured
    return None


def decide(combined: str, decision: Decision | None) -> tuple[str, str]:
    """(decided outcome, its source): an override replaces the combined outcome, anything else keeps it."""
    if decision is not None and decision.decision == "override" and decision.outcome in OUTCOMES:
        return decision.outcome, REVIEWER
    return combined, COMBINED


def reach_level(levels: Sequence[Mapping[str, Any]], outcomes: Iterable[tuple[str, str, str]]) -> LevelResult:
    """The level reached by (criterion id, obligation, outcome) triples, with the criteria set's `levels`
    tried in order: the one place a conformance level is computed."""
    rows = list(outcomes)
    reached: Mapping[str, Any] | None = None
    for level in levels:
        missing = tuple(
            cid for cid, obligation, outcome in rows if obligation in level["requires"] and outcome not in SATISFIED
        )
        if missing:
            return LevelResult(_level(reached), _level(level), missing)
        reached = level
    return LevelResult(_level(reached), None, ())


def level_progress(
    levels: Sequence[Mapping[str, Any]], outcomes: Iterable[tuple[str, str, str]]
) -> tuple[LevelProgress, ...]:
    """For each level: how many of the criteria it requires are satisfied (passed or inapplicable)."""
    rows = list(outcomes)
    out = []
    for level in levels:
        needed = [outcome for _, obligation, outcome in rows if obligation in level["requires"]]
        out.append(LevelProgress(Level(level["id"], level["title"]), sum(o in SATISFIED for o in needed), len(needed)))
    return tuple(out)


def _level(level: Mapping[str, Any] | None) -> Level | None:
    return Level(level["id"], level["title"]) if level else None


def count(outcomes: Iterable[str]) -> dict[str, int]:
    counts = {o: 0 for o in OUTCOMES}
    for o in outcomes:
        counts[o] += 1
    return counts


# --- the verdict ---------------------------------------------------------------------------------------


def verdict(
    cset: CriteriaSetLike,
    product_type: str,
    claims: Mapping[str, Claim],
    findings: Iterable[Mapping[str, Any]] = (),
    decisions: Mapping[str, Decision] | None = None,
) -> Verdict:
    """The verdict on one submission revision (see the module docstring for every rule).

    `claims`: the stored evaluation of the answers, by criterion id (every active criterion of `cset`;
    a missing one reads as untested). `findings`: probe findings (``Finding.to_dict()``: probe_id,
    criterion_id, outcome, …). `decisions`: reviewer decisions by criterion id."""
    decisions = decisions or {}
    by_criterion: dict[str, list[Mapping[str, Any]]] = {}
    for f in findings:
        by_criterion.setdefault(f["criterion_id"], []).append(f)
    not_answered = Claim(UNTESTED, {"vi": "Chưa có câu trả lời.", "en": "Not answered."})
    rows = []
    for c in cset.active_criteria():
        claim = claims.get(c.id, not_answered)
        mine = by_criterion.get(c.id, [])
        measured = measured_outcome(mine)
        combined, rule = combine(claim.outcome, measured)
        decision = decisions.get(c.id)
        decided, decided_by = decide(combined, decision)
        rows.append(
            CriterionVerdict(
                criterion_id=c.id,
                group=c.group,
                obligation=c.obligation,
                title=c.title,
                claimed=claim.outcome,
                claim_reason=claim.reason,
                measured=measured,
                measured_by=tuple(sorted({str(f.get("probe_id")) for f in mine})),
                combined=combined,
                rule=rule,
                decided=decided,
                decided_by=decided_by,
                decision=decision,
                discrepancy=discrepancy(claim.outcome, measured),
                applies=c.applies(product_type),
            )
        )
    flagged = sorted(
        (r for r in rows if r.discrepancy),
        key=lambda r: (r.discrepancy != FAILED, r.obligation != "MUST", r.criterion_id),
    )
    decided_rows = [(r.criterion_id, r.obligation, r.decided) for r in rows]
    # Progress counts only the criteria a product of this type must meet.
    applicable = [(r.criterion_id, r.obligation, r.decided) for r in rows if r.applies]
    decided_level = reach_level(cset.levels, decided_rows)
    claimed_level = reach_level(cset.levels, ((r.criterion_id, r.obligation, r.claimed) for r in rows))
    return Verdict(
        cset.version,
        product_type,
        tuple(rows),
        tuple(r.criterion_id for r in flagged),
        decided_level.level,
        decided_level.next_level,
        decided_level.blockers,
        claimed_level.level,
        count(r.decided for r in rows),
        count(r.claimed for r in rows),
        level_progress(cset.levels, applicable),
    )


def claims_from_evaluation(evaluation: Mapping[str, Any]) -> dict[str, Claim]:
    """Claims from a stored evaluation (``Evaluation.to_dict()``, as kept with each submitted revision)."""
    return {r["criterion_id"]: Claim(r["outcome"], r["reason"]) for r in evaluation.get("results", [])}


def decisions_from_rows(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, Decision]:
    """Decisions from plain rows by criterion id ({"decision", "outcome", "comment", "reviewer"})."""
    return {
        cid: Decision(d["decision"], d.get("outcome"), d.get("comment"), d.get("reviewer")) for cid, d in rows.items()
    }
