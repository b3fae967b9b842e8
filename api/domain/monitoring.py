"""Monitoring of certified products: re-probe each valid certificate's product on a schedule and flag the
certificate for review when a MUST criterion that passed at approval now fails. Nothing is revoked
automatically: every reviewer and admin is notified and decides.

`schedule_due` queues the runs (called by the in-process worker, by Procrastinate's periodic task, or by
`vcsc monitor tick` from cron); `check_run` looks at a finished monitoring run.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from api.core.models import Certificate, Notification, ProbeArtifact, ProbeRun, User, utcnow
from api.core.settings import Settings
from api.domain import audit, notifications, reporting
from api.domain.probe_runs import RunQueue, probe_ids_of
from api.domain.sealing import load_or_create_box, seal_manifest
from checker.criteria import load_set

log = logging.getLogger("vcsc.monitoring")
ACTOR = "monitoring"


def _manifest_for(session: Session, cert: Certificate) -> dict | None:
    """The stored (sealed) manifest of the newest run against the certified submission (or, failing that, the
    product)."""
    for where in (ProbeRun.submission_id == cert.submission_id, ProbeRun.product_id == cert.product_id):
        manifest = session.scalar(
            sa.select(ProbeRun.manifest).where(where).order_by(ProbeRun.created_at.desc(), ProbeRun.id.desc()).limit(1)
        )
        if manifest is not None:
            return manifest
    return None


def due(session: Session, settings: Settings, now: datetime) -> list[Certificate]:
    """Valid, unexpired certificates not re-probed (or issued) within the interval, with no run in progress."""
    if settings.monitor_interval_days <= 0:
        return []
    cutoff = now - timedelta(days=settings.monitor_interval_days)
    active = sa.exists().where(ProbeRun.certificate_id == Certificate.id, ProbeRun.status.in_(("queued", "running")))
    return list(
        session.scalars(
            sa.select(Certificate)
            .where(
                Certificate.status == "valid",
                Certificate.valid_until >= now,
                Certificate.submission_id.is_not(None),
                sa.func.coalesce(Certificate.last_monitored_at, Certificate.issued_at) <= cutoff,
                ~active,
            )
            .order_by(Certificate.issued_at)
        )
    )


def schedule_due(
    sessions: sessionmaker[Session], settings: Settings, jobs: RunQueue, now: datetime | None = None
) -> list[int]:
    """Queue a monitoring run for every due certificate; returns the run ids."""
    now = now or utcnow()
    queued: list[ProbeRun] = []
    box = load_or_create_box(settings.keys_dir)  # the sealed manifest of the same product is copied unopened
    with sessions.begin() as session:
        for cert in due(session, settings, now):
            manifest = _manifest_for(session, cert)
            cert.last_monitored_at = now
            if manifest is None:  # nothing to probe with: reviewers decide by other means
                audit.record(
                    session,
                    ACTOR,
                    "certificate.monitoring_skipped",
                    "certificate",
                    cert.id,
                    cert.product.organisation_id,
                    None,
                    {"reason": "no probe manifest on record"},
                )
                continue
            run = ProbeRun(
                submission_id=cert.submission_id,
                product_id=cert.product_id,
                requested_by_id=None,
                status="queued",
                manifest=seal_manifest(manifest, box, cert.product_id),
                only=None,
                criteria_version=cert.criteria_version,
                probes_total=len(probe_ids_of(None)),
                created_at=now,
                purpose="monitoring",
                certificate_id=cert.id,
            )
            session.add(run)
            session.flush()
            audit.record(
                session,
                ACTOR,
                "certificate.monitoring_queued",
                "certificate",
                cert.id,
                cert.product.organisation_id,
                None,
                {"probe_run_id": run.id},
            )
            queued.append(run)
        for run in queued:
            jobs.enqueue(session, run)
    if queued:
        jobs.wake()
    return [r.id for r in queued]


def _approved_outcomes(cert: Certificate) -> dict[str, str]:
    """criterion id -> decided outcome in the verdict the certificate was issued on."""
    found = reporting.certified_verdict(cert)
    if found is None:
        return {}
    return {c.criterion_id: c.decided for c in found.criteria}


def regressions(session: Session, cert: Certificate, run: ProbeRun) -> list[dict]:
    """MUST criteria a probe now fails that were not failed when the certificate was approved."""
    cset = load_set(cert.criteria_version)
    must = {c.id for c in cset.active_criteria() if c.obligation == "MUST"}
    before = _approved_outcomes(cert)
    found: dict[str, dict] = {}
    for artifact in session.scalars(sa.select(ProbeArtifact).where(ProbeArtifact.run_id == run.id)):
        for finding in artifact.findings or []:
            cid = finding.get("criterion_id")
            if cid in must and finding.get("outcome") == "failed" and before.get(cid) != "failed":
                found.setdefault(
                    cid,
                    {
                        "criterion_id": cid,
                        "probe_id": artifact.probe_id,
                        "approved_outcome": before.get(cid),
                        "failures": finding.get("failures", []),
                    },
                )
    return [found[k] for k in sorted(found)]


def check_run(sessions: sessionmaker[Session], run_id: int) -> list[dict]:
    """After a monitoring run finished: flag its certificate and notify reviewers of any MUST regression."""
    with sessions.begin() as session:
        run = session.get(ProbeRun, run_id)
        if run is None or run.purpose != "monitoring" or run.certificate_id is None or run.status != "done":
            return []
        cert = session.get(Certificate, run.certificate_id)
        if cert is None:
            return []
        found = regressions(session, cert, run)
        if not found:
            audit.record(
                session,
                ACTOR,
                "certificate.monitoring_passed",
                "certificate",
                cert.id,
                cert.product.organisation_id,
                None,
                {"probe_run_id": run.id},
            )
            return []
        ids = [f["criterion_id"] for f in found]
        before = {"flagged_at": cert.flagged_at.isoformat() if cert.flagged_at else None}
        cert.flagged_at = utcnow()
        cert.flag_reason = {"probe_run_id": run.id, "regressions": found}
        message = {
            "vi": f"Chứng nhận {cert.id} ({cert.product.name}): kiểm tra định kỳ không đạt tiêu chí bắt buộc "
            f"{', '.join(ids)}. Cần người thẩm định xem xét.",
            "en": f"Certificate {cert.id} ({cert.product.name}): the scheduled re-probe failed MUST criteria "
            f"{', '.join(ids)}. A reviewer needs to look.",
        }
        staff = session.scalars(sa.select(User).where(User.role.in_(("reviewer", "admin")), User.active.is_(True)))
        for user in staff:
            session.add(
                Notification(
                    user_id=user.id,
                    kind="certificate.flagged",
                    object_type="certificate",
                    object_id=cert.id,
                    message=message,
                    created_at=utcnow(),
                )
            )
        session.flush()
        audit.record(
            session,
            ACTOR,
            "certificate.flagged",
            "certificate",
            cert.id,
            cert.product.organisation_id,
            before,
            {"flagged_at": cert.flagged_at.isoformat(), "probe_run_id": run.id, "regressions": ids},
        )
        notifications.certificate_regressed(session, cert, ids)  # the holder's people, by e-mail too
        log.warning("certificate %s flagged: MUST regressions %s in run %s", cert.id, ids, run.id)
        return found
