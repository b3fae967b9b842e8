"""The conformance report of a stored submission: its answers, its latest finished probe run and the reviewers'
per-criterion decisions, put through the pure `reports.conformance.build_report`."""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.domain import probe_runs
from api.core.models import ReviewDecision, Submission, User
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
    rows = session.execute(sa.select(ReviewDecision, User.name).outerjoin(User, User.id == ReviewDecision.reviewer_id)
                           .where(ReviewDecision.submission_id == submission.id)).all()
    return {d.criterion_id: {"decision": d.decision, "outcome": d.outcome, "comment": d.comment,
                             "reviewer": name, "reviewer_id": d.reviewer_id,
                             "updated_at": d.updated_at.isoformat()} for d, name in rows}


def submission_report(session: Session, submission: Submission) -> dict:
    product = submission.product
    findings, measurements = latest_run_inputs(session, submission)
    return build_report(
        product={"id": product.id, "name": product.name, "url": product.url},
        vendor={"id": product.organisation.id, "name": product.organisation.name},
        submission={"id": submission.id, "revision": submission.revision, "status": submission.status,
                    "criteria_version": submission.criteria_version, "product_type": product.product_type,
                    "answers": submission.answers,
                    "submitted_at": submission.submitted_at.isoformat() if submission.submitted_at else None},
        probe_findings=findings, probe_measurements=measurements, review=decisions_of(session, submission))


def report_digest(report: dict) -> tuple[str, str]:
    """(the report's canonical JSON text, "sha256:<hex>" of its UTF-8 bytes)."""
    text = report_json(report)
    return text, "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()
