"""The conformance report of one submission revision: the vendor's claims, the probe findings
and their combined outcome per criterion, discrepancies first, content filtering per category
and the level reached on the combined outcomes.

`build_report` is pure: it reads the submission, the probe findings (``Finding.to_dict()``)
and, optionally, the probe measurements (``Measurement.to_dict()`` by probe id), and never
touches the database or a browser.

How a claim and the probes combine, per criterion
-------------------------------------------------
* **Claim** (self-assessment outcome): ``checker_for(version, type).evaluate(answers)``.
  An answer that passes its rule but lacks required evidence is ``cantTell``.
* **Probe outcome**: the worst of the criterion's findings, ranked
  ``failed > cantTell > passed``; ``inapplicable`` (and ``untested``) findings are
  ignored unless every finding is one, in which case the probes say nothing.
* **Combined outcome**, first rule that applies:

  1. ``failed`` if the claim failed or the probes failed (a failing probe outweighs a
     missing answer or an N/A declaration too: the measured failure is real);
  2. ``inapplicable`` if the claim is inapplicable (by product type or the vendor's
     justified N/A);
  3. ``untested`` if there is no answer;
  4. ``cantTell`` if the claim is ``cantTell`` (evidence missing) or the claim passed and
     the probes could not tell;
  5. ``passed`` if the claim passed and the probes passed or there are none.

* **Discrepancy**: the claim passed and the probes failed, or the claim passed and the
  probes could not tell. A discrepancy is listed apart (failed first), never merged away.

Conformance words (as in an accessibility conformance report, VPAT/ACR):
``passed`` → Supports, ``failed`` → Does not support, ``cantTell`` → Partially supports,
``inapplicable`` → Not applicable, ``untested`` → Not evaluated. "Partially supports" is
used only for a claim that passes while its evidence or its probe check is lacking, i.e.
the claim cannot yet be confirmed; it never softens a failure.

The level reached is computed with the criteria set's levels on the combined outcomes
(``Evaluation.build``); the level the answers alone would reach is kept as ``claimed_level``.

Reviewer decisions
------------------
A club reviewer records a decision per criterion: ``accept`` keeps the combined outcome,
``override`` replaces it (always with a comment). The row keeps both: ``computed_outcome`` is
what the claim and the probes gave, ``outcome`` is what counts (and what the level uses).
"""
from __future__ import annotations

from checker.assessment import (CANT_TELL, FAILED, INAPPLICABLE, OUTCOMES, PASSED, UNTESTED, CriterionResult,
                                Evaluation, checker_for)
from checker.corpus.model import CATEGORIES, CATEGORY_TITLES, HARMFUL, SAFE
from checker.criteria import load_vocabulary

REPORT_FORMAT = "vcsc-conformance-report/1"

CONFORMANCE = {
    PASSED: {"vi": "Hỗ trợ", "en": "Supports"},
    FAILED: {"vi": "Không hỗ trợ", "en": "Does not support"},
    CANT_TELL: {"vi": "Hỗ trợ một phần", "en": "Partially supports"},
    INAPPLICABLE: {"vi": "Không áp dụng", "en": "Not applicable"},
    UNTESTED: {"vi": "Chưa đánh giá", "en": "Not evaluated"},
}

_PROBE_RANK = {FAILED: 3, CANT_TELL: 2, PASSED: 1}

DISCREPANCY_REASONS = {
    FAILED: {"vi": "Nhà cung cấp khai báo đạt nhưng kiểm tra tự động cho kết quả không đạt.",
             "en": "The vendor claims the criterion is met but an automated probe failed it."},
    CANT_TELL: {"vi": "Nhà cung cấp khai báo đạt nhưng kiểm tra tự động không xác định được.",
                "en": "The vendor claims the criterion is met but an automated probe could not tell."},
}

_REMARKS = {
    "probe_failed": {"vi": "Kiểm tra tự động không đạt.", "en": "An automated probe failed."},
    "probe_cant_tell": {"vi": "Kiểm tra tự động không xác định được; cần người đánh giá xem xét.",
                        "en": "An automated probe could not tell; a reviewer needs to look."},
    "probe_passed": {"vi": "Kiểm tra tự động xác nhận.", "en": "Confirmed by an automated probe."},
    "no_answer_probe_failed": {"vi": "Chưa có câu trả lời, nhưng kiểm tra tự động không đạt.",
                               "en": "Not answered, but an automated probe failed."},
}


def probe_outcome(findings: list[dict]) -> str | None:
    """The worst outcome of a criterion's findings; None when no finding says anything."""
    ranked = [f["outcome"] for f in findings if f["outcome"] in _PROBE_RANK]
    if ranked:
        return max(ranked, key=_PROBE_RANK.__getitem__)
    return INAPPLICABLE if findings and all(f["outcome"] == INAPPLICABLE for f in findings) else None


def combine(claim: str, probe: str | None) -> str:
    """The combined outcome of a claim and a probe outcome (see the module docstring)."""
    if FAILED in (claim, probe):
        return FAILED
    if claim == INAPPLICABLE:
        return INAPPLICABLE
    if claim == UNTESTED:
        return UNTESTED
    if claim == CANT_TELL or probe == CANT_TELL:
        return CANT_TELL
    return PASSED


def discrepancy(claim: str, probe: str | None) -> dict | None:
    """Why a passing claim and the probes disagree, or None."""
    if claim == PASSED and probe in (FAILED, CANT_TELL):
        return {"kind": probe, "reason": DISCREPANCY_REASONS[probe]}
    return None


def _answers(submission: dict) -> dict:
    answers = submission.get("answers") or {}
    # Accept a whole answers document as well as its `answers` object.
    if isinstance(answers.get("answers"), dict):
        answers = answers["answers"]
    return answers


def _usable(answers: dict) -> dict:
    """Answers the evaluator can read: an object with a value, or a declared N/A."""
    return {cid: a for cid, a in answers.items()
            if isinstance(a, dict) and ("value" in a or a.get("not_applicable") is True)}


def _evidence(answer: dict | None) -> list[dict]:
    out = []
    for item in (answer or {}).get("evidence", []) or []:
        if isinstance(item, dict):
            out.append({"kind": item.get("kind"), "url": item.get("url"), "title": item.get("title")})
    return out


def _finding_view(f: dict, probe_titles: dict) -> dict:
    return {
        "probe_id": f["probe_id"],
        "probe_title": probe_titles.get(f["probe_id"], {"vi": f["probe_id"], "en": f["probe_id"]}),
        "criterion_id": f["criterion_id"],
        "outcome": f["outcome"],
        "measurements": f.get("measurements", {}),
        "explanation": f.get("explanation", {}),
        "confidence": f.get("confidence"),
        "failures": f.get("failures", []),
    }


def _content_filtering(findings: list[dict], measurements: dict) -> dict | None:
    """Per-category counts from the content_filtering measurement (or, failing that, a finding)."""
    source = measurements.get("content_filtering")
    if source is None:
        source = next((f for f in findings if f["probe_id"] == "content_filtering"), None)
    categories = ((source or {}).get("evidence") or {}).get("categories")
    if not categories:
        return None
    order = [c for c in CATEGORIES if c in categories] + sorted(c for c in categories if c not in CATEGORIES)
    rows = []
    for cat in order:
        stats = categories[cat]
        rows.append({
            "category": cat,
            "title": CATEGORY_TITLES.get(cat, {"vi": cat, "en": cat}),
            "expected": "allowed" if cat in SAFE else "blocked",
            "harmful": cat in HARMFUL,
            "total": stats.get("total", 0), "judged": stats.get("judged", 0),
            "blocked": stats.get("blocked", 0), "allowed": stats.get("allowed", 0),
            "block_rate": stats.get("block_rate"),
        })
    return {"categories": rows, "explanation": (source or {}).get("explanation"),
            "measurements": (source or {}).get("measurements", {})}


def build_report(*, product: dict, vendor: dict, submission: dict, probe_findings: list[dict],
                 probe_measurements: dict | None = None, review: dict[str, dict] | None = None) -> dict:
    """The conformance report of one submission revision, as plain JSON-ready data.

    `review`: reviewer decisions by criterion id, each {"decision": "accept"|"override",
    "outcome": ..., "comment": ..., "reviewer": ...}.
    """
    review = review or {}
    version, product_type = submission["criteria_version"], submission["product_type"]
    checker = checker_for(version, product_type)
    cset = checker.cset
    vocab = load_vocabulary()
    probe_titles = {p["id"]: p["title"] for p in vocab.probes}
    answers = _answers(submission)
    claims = checker.evaluate(_usable(answers))
    claim_by_id = {r.criterion_id: r for r in claims.results}

    findings_by_criterion: dict[str, list[dict]] = {}
    for f in probe_findings:
        findings_by_criterion.setdefault(f["criterion_id"], []).append(f)

    rows, combined_results, discrepancies = [], [], []
    for c in cset.active_criteria():
        claim = claim_by_id[c.id]
        findings = findings_by_criterion.get(c.id, [])
        probe = probe_outcome(findings)
        computed = combine(claim.outcome, probe)
        decision = review.get(c.id)
        outcome = decision["outcome"] if decision and decision.get("decision") == "override" else computed
        disc = discrepancy(claim.outcome, probe)
        answer = answers.get(c.id) if isinstance(answers.get(c.id), dict) else None
        remarks = [claim.reason]
        if probe == FAILED:
            remarks.append(_REMARKS["no_answer_probe_failed"] if claim.outcome == UNTESTED else _REMARKS["probe_failed"])
        elif probe == CANT_TELL:
            remarks.append(_REMARKS["probe_cant_tell"])
        elif probe == PASSED and claim.outcome == PASSED:
            remarks.append(_REMARKS["probe_passed"])
        if decision and decision.get("decision") == "override":
            comment = decision.get("comment") or ""
            remarks.append({"vi": f"Người thẩm định thay đổi kết quả: {comment}",
                            "en": f"Overridden by the reviewer: {comment}"})
        row = {
            "criterion_id": c.id,
            "title": c.title,
            "group": c.group,
            "obligation": c.obligation,
            "obligation_title": vocab.term("obligations", c.obligation)["title"],
            "answer": None if answer is None else {
                "value": answer.get("value"), "not_applicable": bool(answer.get("not_applicable")),
                "justification": answer.get("justification"), "note": answer.get("note"),
                "evidence": _evidence(answer)},
            "claim": {"outcome": claim.outcome, "reason": claim.reason},
            "probe": None if not findings else {"outcome": probe, "findings": [_finding_view(f, probe_titles) for f in findings]},
            "computed_outcome": computed,
            "outcome": outcome,
            "conformance": CONFORMANCE[outcome],
            "remarks": remarks,
            "discrepancy": disc,
            "review": None if decision is None else {k: decision.get(k) for k in
                                                     ("decision", "outcome", "comment", "reviewer")},
        }
        rows.append(row)
        combined_results.append(CriterionResult(c.id, c.group, c.obligation, outcome, remarks[-1], c.title))
        if disc:
            discrepancies.append({"criterion_id": c.id, "title": c.title, "obligation": c.obligation,
                                  "claim": claim.outcome, "probe": probe, **disc,
                                  "findings": row["probe"]["findings"], "review": row["review"]})
    discrepancies.sort(key=lambda d: (d["kind"] != FAILED, d["obligation"] != "MUST", d["criterion_id"]))

    combined = Evaluation.build(cset, product_type, combined_results)
    groups = []
    for g in vocab.groups:
        group_rows = [r for r in rows if r["group"] == g["id"]]
        if group_rows:
            groups.append({"id": g["id"], "title": g["title"], "rows": group_rows})
    titles = {c.id: c.title for c in cset.active_criteria()}
    return {
        "format": REPORT_FORMAT,
        "product": {"id": product.get("id"), "name": product.get("name"), "url": product.get("url")},
        "vendor": {"id": vendor.get("id"), "name": vendor.get("name")},
        "submission": {"id": submission.get("id"), "revision": submission.get("revision"),
                       "status": submission.get("status"), "submitted_at": submission.get("submitted_at")},
        "criteria_version": {"id": cset.version, "title": cset.meta["title"]},
        "product_type": {"id": product_type, "title": vocab.term("product_types", product_type)["title"]},
        "summary": {
            "counts": combined.counts,
            "claim_counts": claims.counts,
            "conformance_counts": {o: {"label": CONFORMANCE[o], "count": combined.counts[o]} for o in OUTCOMES},
            "discrepancy_count": len(discrepancies),
            "finding_count": len(probe_findings),
        },
        "level": combined.level,
        "next_level": combined.next_level,
        "blockers": [{"criterion_id": cid, "title": titles[cid]} for cid in combined.blockers],
        "claimed_level": claims.level,
        "discrepancies": discrepancies,
        "groups": groups,
        "content_filtering": _content_filtering(probe_findings, probe_measurements or {}),
        "findings": [dict(f) for f in probe_findings],
    }


def inputs_from_run(run: dict) -> tuple[list[dict], dict]:
    """(findings, measurements by probe id) from a ``RunResult.to_dict()``."""
    findings = [f for p in run.get("probes", []) for f in p.get("findings", [])]
    measurements = {p["probe_id"]: p["measurement"] for p in run.get("probes", []) if p.get("measurement")}
    return findings, measurements


def report_json(report: dict) -> str:
    """The report as JSON text (UTF-8, Vietnamese kept readable, stable key order)."""
    import json

    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
