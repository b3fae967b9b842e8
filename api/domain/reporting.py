"""The verdict and the conformance report of a stored submission: its stored evaluation of the answers, the
findings of its latest finished probe run and the reviewers' per-criterion decisions, put through the pure
`checker.verdict.verdict` (which decides) and `reports.conformance.build_report` (which renders)."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.models import Certificate, ReviewDecision, Submission, User
from api.domain import assessments, evidence, probe_runs
from checker.criteria import load_set
from checker.verdict import Verdict, claims_from_evaluation, decisions_from_rows, verdict
from reports.conformance import build_report, report_json


def latest_run_inputs(session: Session, submission: Submission) -> tuple[list[dict], dict]:
    """Findings and measurements of the submission's newest finished probe run (none: empty)."""
    run = probe_runs.latest_finished_run(session, submission)
    if run is None:
        return [], {}
    artifacts = probe_runs.artifacts_of(session, run)
    findings = [f for a in artifacts for f in (a.findings or [])]
    measurements = {a.probe_id: a.measurement for a in artifacts if a.measurement}
    return findings, measurements


def decisions_of(session: Session, submission: Submission) -> dict[str, dict]:
    rows = session.execute(
        sa.select(ReviewDecision, User.name)
        .outerjoin(User, User.id == ReviewDecision.reviewer_id)
        .where(ReviewDecision.submission_id == submission.id)
    ).all()
    return {
        d.criterion_id: {
            "decision": d.decision,
            "outcome": d.outcome,
            "comment": d.comment,
            "reviewer": name,
            "reviewer_id": d.reviewer_id,
            "updated_at": d.updated_at.isoformat(),
        }
        for d, name in rows
    }


def _verdict(session: Session, submission: Submission, findings: list[dict]) -> Verdict:
    claims = claims_from_evaluation(assessments.evaluation_of(submission))
    return verdict(
        load_set(submission.criteria_version),
        submission.product.product_type,
        claims,
        findings,
        decisions_from_rows(decisions_of(session, submission)),
    )


def verdict_of(session: Session, submission: Submission) -> Verdict:
    """The verdict on the submission as it stands: stored claims, latest finished probe run, decisions."""
    findings, _ = latest_run_inputs(session, submission)
    return _verdict(session, submission, findings)


def verdict_and_report(session: Session, submission: Submission) -> tuple[Verdict, dict]:
    """The verdict and the conformance report rendered from it (one read of the findings for both)."""
    product = submission.product
    findings, measurements = latest_run_inputs(session, submission)
    found = _verdict(session, submission, findings)
    report = build_report(
        product={"id": product.id, "name": product.name, "url": product.url},
        vendor={"id": product.organisation.id, "name": product.organisation.name},
        submission={
            "id": submission.id,
            "revision": submission.revision,
            "status": submission.status,
            "criteria_version": submission.criteria_version,
            "product_type": product.product_type,
            "answers": submission.answers,
            "evidence_files": [evidence.as_dict(f) for f in evidence.files_of(session, submission.id)],
            "submitted_at": submission.submitted_at.isoformat() if submission.submitted_at else None,
        },
        verdict=found,
        probe_findings=findings,
        probe_measurements=measurements,
    )
    return found, report


def certified_verdict(certificate: Certificate) -> Verdict | None:
    """The verdict a certificate was issued on, as stored with it (None for a certificate issued without one)."""
    return Verdict.from_dict(json.loads(certificate.verdict_json)) if certificate.verdict_json else None


def current_verdict(session: Session, submission: Submission) -> Verdict:
    """What the vendor's and reviewers' pages show: for an approved revision, the verdict its certificate was
    issued on; otherwise the verdict as it stands now."""
    if submission.status == "approved":
        cert = session.scalar(sa.select(Certificate).where(Certificate.submission_id == submission.id))
        found = certified_verdict(cert) if cert is not None else None
        if found is not None:
            return found
    return verdict_of(session, submission)


def certificate_id_of(session: Session, submission: Submission) -> str | None:
    """The number of the certificate issued on this revision (None before one is)."""
    return session.scalar(
        sa.select(Certificate.id)
        .where(Certificate.submission_id == submission.id)
        .order_by(Certificate.issued_at.desc())
        .limit(1)
    )


def submission_report(session: Session, submission: Submission) -> dict:
    return verdict_and_report(session, submission)[1]


def report_digest(report: dict) -> tuple[str, str]:
    """(the report's canonical JSON text, "sha256:<hex>" of its UTF-8 bytes)."""
    text = report_json(report)
    return text, "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
