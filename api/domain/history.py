"""A product's public history: what a parent may see of how its certification went over time.

Public, and only what the registry already makes public or what a certificate rests on:
- the product's listing fields from the read model (a product never certified has no history: None);
- every certificate of the product (issued, suspended, revoked, expired: the registry lists them all) with the date
  of its last status change and its public note (never the reviewer's internal status reason);
- the revisions that led to a certificate (submitted and decided dates, the outcome and level): a draft, a
  rejected or withdrawn revision, changes requested, the answers, evidence and comments stay the vendor's;
- the finished probe runs of those certified revisions and the monitoring runs of their certificates, with the
  content-filtering probe's block rate per category: no manifest, no URLs, no screenshots, no other measurement.
Reads by product id (indexed): certificates, their submissions, their runs and those runs' content-filtering
artifacts; a handful of rows per product, never a scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.models import (
    Certificate,
    ProbeArtifact,
    ProbeRun,
    RegistryProduct,
    Submission,
    effective_status,
)

BLOCK_RATE = "block_rate_"  # the content-filtering probe's measurement keys: block_rate_<category>
FILTER_PROBE = "content_filtering"


@dataclass
class Revision:
    revision: int
    criteria_version: str
    submitted_at: datetime | None
    decided_at: datetime | None
    outcome: str  # the submission status: approved, for every revision shown
    level: str | None
    certificate_id: str


@dataclass
class Run:
    finished_at: datetime
    purpose: str  # assessment, review or monitoring
    revision: int | None
    block_rates: dict[str, float]  # category -> share of its pages blocked (0–1)


@dataclass
class History:
    product: dict[str, Any]  # the read model's public fields
    certificates: list[dict[str, Any]] = field(default_factory=list)  # newest first
    revisions: list[Revision] = field(default_factory=list)  # oldest first
    runs: list[Run] = field(default_factory=list)  # oldest first


def product_history(session: Session, product_id: int, now: datetime) -> History | None:
    """The product's public history, or None when the registry does not list it (never certified)."""
    listed = session.get(RegistryProduct, product_id)
    if listed is None:
        return None
    certificates = session.scalars(
        sa.select(Certificate)
        .where(Certificate.product_id == product_id)
        .order_by(Certificate.issued_at.desc(), Certificate.id)
    ).all()
    if not certificates:
        return None
    product = {
        "id": listed.product_id,
        "name": listed.name,
        "vendor": listed.vendor,
        "product_type": listed.product_type,
        "url": listed.url,
    }
    found = History(product)
    for cert in certificates:
        status = effective_status(cert.status, cert.valid_until, now)
        changed = cert.status_changed_at if cert.status in ("suspended", "revoked", "expired") else None
        if status == "expired" and cert.status == "valid":
            changed = cert.valid_until  # expired by date
        found.certificates.append(
            {
                "id": cert.id,
                "level": cert.level,
                "criteria_version": cert.criteria_version,
                "status": status,
                "issued_at": cert.issued_at,
                "valid_until": cert.valid_until,
                "changed_at": changed,
                "note": cert.note,
            }
        )
    by_submission = {c.submission_id: c for c in certificates if c.submission_id is not None}
    submissions = (
        session.scalars(
            sa.select(Submission).where(Submission.id.in_(list(by_submission))).order_by(Submission.revision)
        ).all()
        if by_submission
        else []
    )
    revision_of = {s.id: s.revision for s in submissions}
    found.revisions = [
        Revision(
            s.revision,
            s.criteria_version,
            s.submitted_at,
            s.decided_at,
            s.status,
            by_submission[s.id].level,
            by_submission[s.id].id,
        )
        for s in submissions
    ]
    cert_ids = [c.id for c in certificates]
    runs = session.scalars(
        sa.select(ProbeRun)
        .where(
            ProbeRun.product_id == product_id,
            ProbeRun.status == "done",
            ProbeRun.finished_at.is_not(None),
            sa.or_(
                ProbeRun.submission_id.in_(list(revision_of) or [-1]),
                sa.and_(ProbeRun.purpose == "monitoring", ProbeRun.certificate_id.in_(cert_ids)),
            ),
        )
        .order_by(ProbeRun.finished_at, ProbeRun.id)
    ).all()
    measured = {
        run_id: measurement
        for run_id, measurement in session.execute(
            sa.select(ProbeArtifact.run_id, ProbeArtifact.measurement).where(
                ProbeArtifact.run_id.in_([r.id for r in runs] or [-1]), ProbeArtifact.probe_id == FILTER_PROBE
            )
        )
    }
    for run in runs:
        rates = {
            key[len(BLOCK_RATE) :]: float(value)
            for key, value in (measured.get(run.id) or {}).items()
            if key.startswith(BLOCK_RATE) and isinstance(value, (int, float))
        }
        if rates and run.finished_at is not None:  # (selected with a finish time)
            found.runs.append(Run(run.finished_at, run.purpose, revision_of.get(run.submission_id), rates))
    return found
