"""The conformance report of one submission revision: a renderer of its `checker.verdict.Verdict` with the
context a reader needs (product, vendor, answers and evidence, probe findings, content filtering per
category). It decides nothing: every outcome, discrepancy and level comes from the verdict, whose
docstring holds the rules.

`build_report` is pure: it reads the submission, the verdict, the probe findings (``Finding.to_dict()``)
and, optionally, the probe measurements (``Measurement.to_dict()`` by probe id), and never touches the
database or a browser.

Conformance words (as in an accessibility conformance report, VPAT/ACR):
``passed`` → Supports, ``failed`` → Does not support, ``cantTell`` → Partially supports,
``inapplicable`` → Not applicable, ``untested`` → Not evaluated. "Partially supports" is
used only for a claim that passes while its evidence or its probe check is lacking, i.e.
the claim cannot yet be confirmed; it never softens a failure.

Each row keeps ``computed_outcome`` (claim and probes combined) beside ``outcome`` (what counts after a
reviewer's decision, and what the level uses).
"""

from __future__ import annotations

import json

from checker.corpus.model import CATEGORIES, CATEGORY_TITLES, HARMFUL, SAFE
from checker.criteria import load_set, load_vocabulary
from checker.glossary import words
from checker.verdict import CANT_TELL, FAILED, OUTCOMES, PASSED, REVIEWER, UNTESTED, Verdict

REPORT_FORMAT = "vcsc-conformance-report/1"

CONFORMANCE = words("conformance")


DISCREPANCY_REASONS = {
    FAILED: {
        "vi": "Nhà cung cấp khai báo đạt nhưng kiểm tra tự động cho kết quả không đạt.",
        "en": "The vendor claims the criterion is met but an automated probe failed it.",
    },
    CANT_TELL: {
        "vi": "Nhà cung cấp khai báo đạt nhưng kiểm tra tự động không xác định được.",
        "en": "The vendor claims the criterion is met but an automated probe could not tell.",
    },
}

_REMARKS = {
    "probe_failed": {"vi": "Kiểm tra tự động không đạt.", "en": "An automated probe failed."},
    "probe_cant_tell": {
        "vi": "Kiểm tra tự động không xác định được; cần người đánh giá xem xét.",
        "en": "An automated probe could not tell; a reviewer needs to look.",
    },
    "probe_passed": {"vi": "Kiểm tra tự động xác nhận.", "en": "Confirmed by an automated probe."},
    "no_answer_probe_failed": {
        "vi": "Chưa có câu trả lời, nhưng kiểm tra tự động không đạt.",
        "en": "Not answered, but an automated probe failed.",
    },
}


def _answers(submission: dict) -> dict:
    answers = submission.get("answers") or {}
    # Accept a whole answers document as well as its `answers` object.
    if isinstance(answers.get("answers"), dict):
        answers = answers["answers"]
    return answers


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
        rows.append(
            {
                "category": cat,
                "title": CATEGORY_TITLES.get(cat, {"vi": cat, "en": cat}),
                "expected": "allowed" if cat in SAFE else "blocked",
                "harmful": cat in HARMFUL,
                "total": stats.get("total", 0),
                "judged": stats.get("judged", 0),
                "blocked": stats.get("blocked", 0),
                "allowed": stats.get("allowed", 0),
                "block_rate": stats.get("block_rate"),
            }
        )
    return {
        "categories": rows,
        "explanation": (source or {}).get("explanation"),
        "measurements": (source or {}).get("measurements", {}),
    }


def _remarks(cv) -> list[dict]:
    remarks = [dict(cv.claim_reason)]
    if cv.measured == FAILED:
        remarks.append(_REMARKS["no_answer_probe_failed"] if cv.claimed == UNTESTED else _REMARKS["probe_failed"])
    elif cv.measured == CANT_TELL:
        remarks.append(_REMARKS["probe_cant_tell"])
    elif cv.measured == PASSED and cv.claimed == PASSED:
        remarks.append(_REMARKS["probe_passed"])
    if cv.decided_by == REVIEWER:
        comment = cv.decision.comment or ""
        remarks.append(
            {"vi": f"Người thẩm định thay đổi kết quả: {comment}", "en": f"Overridden by the reviewer: {comment}"}
        )
    return remarks


def _level(level) -> dict | None:
    return {"id": level.id, "title": dict(level.title)} if level else None


def build_report(
    *,
    product: dict,
    vendor: dict,
    submission: dict,
    verdict: Verdict,
    probe_findings: list[dict],
    probe_measurements: dict | None = None,
) -> dict:
    """The conformance report of one submission revision, as plain JSON-ready data."""
    version, product_type = verdict.criteria_version, verdict.product_type
    cset = load_set(version)
    vocab = load_vocabulary()
    probe_titles = {p["id"]: p["title"] for p in vocab.probes}
    answers = _answers(submission)

    files_by_criterion: dict[str, list[dict]] = {}
    for f in submission.get("evidence_files") or []:
        files_by_criterion.setdefault(f["criterion_id"], []).append(
            {k: f.get(k) for k in ("id", "name", "media_type", "size", "sha256")}
        )
    findings_by_criterion: dict[str, list[dict]] = {}
    for f in probe_findings:
        findings_by_criterion.setdefault(f["criterion_id"], []).append(f)

    rows, by_id = [], {}
    for cv in verdict.criteria:
        findings = findings_by_criterion.get(cv.criterion_id, [])
        answer = answers.get(cv.criterion_id) if isinstance(answers.get(cv.criterion_id), dict) else None
        decision = cv.decision
        row = {
            "criterion_id": cv.criterion_id,
            "title": dict(cv.title),
            "group": cv.group,
            "obligation": cv.obligation,
            "obligation_title": vocab.term("obligations", cv.obligation)["title"],
            "answer": None
            if answer is None
            else {
                "value": answer.get("value"),
                "not_applicable": bool(answer.get("not_applicable")),
                "justification": answer.get("justification"),
                "note": answer.get("note"),
                "evidence": _evidence(answer),
            },
            # Files the vendor attached to this criterion (name for display, size in bytes, SHA-256 of the content).
            "files": files_by_criterion.get(cv.criterion_id, []),
            "claim": {"outcome": cv.claimed, "reason": dict(cv.claim_reason)},
            "probe": None
            if not findings
            else {"outcome": cv.measured, "findings": [_finding_view(f, probe_titles) for f in findings]},
            "computed_outcome": cv.combined,
            "rule": cv.rule,
            "outcome": cv.decided,
            "decided_by": cv.decided_by,
            "conformance": CONFORMANCE[cv.decided],
            "remarks": _remarks(cv),
            "discrepancy": None
            if cv.discrepancy is None
            else {"kind": cv.discrepancy, "reason": DISCREPANCY_REASONS[cv.discrepancy]},
            "review": None
            if decision is None
            else {
                "decision": decision.decision,
                "outcome": decision.outcome,
                "comment": decision.comment,
                "reviewer": decision.reviewer,
            },
        }
        rows.append(row)
        by_id[cv.criterion_id] = row
    discrepancies = []
    for cid in verdict.discrepancies:
        row = by_id[cid]
        discrepancies.append(
            {
                "criterion_id": cid,
                "title": row["title"],
                "obligation": row["obligation"],
                "claim": row["claim"]["outcome"],
                "probe": row["probe"]["outcome"],
                **row["discrepancy"],
                "findings": row["probe"]["findings"],
                "review": row["review"],
            }
        )

    groups = []
    for g in vocab.groups:
        group_rows = [r for r in rows if r["group"] == g["id"]]
        if group_rows:
            groups.append({"id": g["id"], "title": g["title"], "rows": group_rows})
    return {
        "format": REPORT_FORMAT,
        "product": {"id": product.get("id"), "name": product.get("name"), "url": product.get("url")},
        "vendor": {"id": vendor.get("id"), "name": vendor.get("name")},
        "submission": {
            "id": submission.get("id"),
            "revision": submission.get("revision"),
            "status": submission.get("status"),
            "submitted_at": submission.get("submitted_at"),
        },
        "criteria_version": {"id": cset.version, "title": cset.meta["title"]},
        "product_type": {"id": product_type, "title": vocab.term("product_types", product_type)["title"]},
        "summary": {
            "counts": dict(verdict.counts),
            "claim_counts": dict(verdict.claim_counts),
            "conformance_counts": {o: {"label": CONFORMANCE[o], "count": verdict.counts[o]} for o in OUTCOMES},
            "discrepancy_count": len(discrepancies),
            "finding_count": len(probe_findings),
            "reviewer_decided": list(verdict.reviewer_decided),
        },
        "level": _level(verdict.level),
        "next_level": _level(verdict.next_level),
        "blockers": [{"criterion_id": cid, "title": by_id[cid]["title"]} for cid in verdict.blockers],
        "claimed_level": _level(verdict.claimed_level),
        "verdict_digest": verdict.digest(),
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
    return json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
