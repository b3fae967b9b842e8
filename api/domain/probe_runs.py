"""Probe runs of a submission: start (with a checked manifest), read, cancel, re-evaluate stored artifacts."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.errors import bilingual, conflict, invalid, not_found
from api.core.jsonsafe import json_problems, storable
from api.core.models import PROBE_RUN_ACTIVE, ProbeArtifact, ProbeRun, Submission, User, utcnow
from api.core.settings import Settings
from api.domain import audit
from api.domain.audit import Actor
from api.domain.sealing import SEALED, ManifestBox, SealError, open_manifest, seal_manifest
from checker.probes.manifest import validate_manifest
from checker.probes.registry import all_probes, get_probe
from checker.probes.runner import evaluate_artifact


class RunQueue(Protocol):
    """Where a queued run is handed to be executed (a job back end of api.jobs)."""

    def enqueue(self, session: Session, run: ProbeRun) -> None: ...

    def wake(self) -> None: ...


def probe_ids_of(only: list[str] | None) -> list[str]:
    """The probes a run covers, in the registry's order."""
    probes = list(all_probes())
    return [p for p in probes if p in only] if only else probes


def storable_evaluation(measurement: Any, findings: list) -> tuple[dict, list[dict]]:
    """A probe's measurement and findings as JSON the databases accept."""
    return storable(measurement.to_dict()), storable([f.to_dict() for f in findings])


def evaluate_stored(probe_id: str, artifact: dict, version: str, product_type: str) -> tuple[dict, list[dict]]:
    """Measurement and findings (as JSON) for a stored artifact: pure, no browser (re-evaluation only:
    a run's own artifacts are evaluated once, by the runner, and stored as they are)."""
    measurement, findings = evaluate_artifact(get_probe(probe_id), artifact, version, product_type)
    return storable_evaluation(measurement, findings)


MASK = "********"
SCREENSHOT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


# --- the manifest ------------------------------------------------------------------------------


def check_manifest(manifest: Any, product_type: str, user: User) -> None:
    """422 with pointers under /manifest for anything the runner or the database would not accept."""
    problems = json_problems(manifest, "/manifest")
    if problems:
        raise invalid(problems, "Bản mô tả sản phẩm (manifest) không hợp lệ", "The probe manifest is not valid")
    issues = [
        {
            "pointer": "/manifest" + i.pointer,
            "message": i.message if " / " in i.message else bilingual("Không đúng lược đồ manifest", i.message),
        }
        for i in validate_manifest(manifest)
    ]
    if isinstance(manifest, dict):
        if manifest.get("product_type") not in (None, product_type) and not any(
            i["pointer"] == "/manifest/product_type" for i in issues
        ):
            issues.append(
                {
                    "pointer": "/manifest/product_type",
                    "message": bilingual(
                        f"Phải trùng loại của sản phẩm: '{product_type}'",
                        f"Must equal the product's type '{product_type}'",
                    ),
                }
            )
        corpus = manifest.get("corpus")
        if isinstance(corpus, dict) and "csv" in corpus and user.role != "admin":
            # A path on the server: only the operator may point the probes at a file there.
            issues.append(
                {
                    "pointer": "/manifest/corpus/csv",
                    "message": bilingual(
                        "Chỉ quản trị viên được dùng danh sách URL trên máy chủ",
                        "Only admins may use a URL list on the server",
                    ),
                }
            )
        elif isinstance(corpus, dict) and isinstance(corpus.get("csv"), str) and corpus["csv"]:
            # Read now, so a missing or bad list is a 422 naming the line, not a failed run later.
            from checker.corpus import CorpusListError, load_url_list

            try:
                load_url_list(Path(corpus["csv"]).expanduser())
            except CorpusListError as exc:
                issues.append({"pointer": "/manifest/corpus/csv", "message": str(exc)})
    if issues:
        raise invalid(
            sorted(issues, key=lambda i: i["pointer"]),
            "Bản mô tả sản phẩm (manifest) không hợp lệ",
            "The probe manifest is not valid",
        )


def masked_manifest(manifest: dict) -> dict:
    """The manifest without account passwords and parent PINs (also where a login step spells one out)."""
    shown = copy.deepcopy({k: v for k, v in manifest.items() if k != SEALED})  # nor the sealed original
    secrets = set()
    for account in (shown.get("accounts") or {}).values():
        for key in ("password", "parental_pin"):
            if isinstance(account, dict) and key in account:
                secrets.add(account[key])
                account[key] = MASK
    for step in shown.get("login_steps") or []:
        if isinstance(step, dict) and step.get("value") in secrets:
            step["value"] = MASK
    return shown


# --- runs --------------------------------------------------------------------------------------


def start_run(
    session: Session,
    jobs: RunQueue,
    submission: Submission,
    user: User,
    manifest: dict,
    only: list[str] | None,
    *,
    box: ManifestBox,
    purpose: str = "assessment",
) -> ProbeRun:
    """Create a queued run for `submission` and hand it to the job back end (committed here); the manifest's
    secrets are stored sealed with `box` (api.domain.sealing). A stored (sealed) manifest of the same product, as
    a re-run reuses, is opened to be checked again and stored as it was."""
    if submission.status in ("approved", "rejected", "withdrawn"):
        raise conflict(
            "Bản tự đánh giá đã có quyết định cuối; hãy tạo bản mới để kiểm tra lại",
            "The self-assessment has a final decision; start a new one to probe again",
            submission_status=submission.status,
        )
    try:
        plain = open_manifest(manifest, box, submission.product_id)
    except SealError as exc:  # only this checker writes sealed forms; anything else is not a manifest
        raise invalid(
            [{"pointer": "/manifest", "message": str(exc)}],
            "Bản mô tả sản phẩm (manifest) không hợp lệ",
            "The probe manifest is not valid",
        ) from None
    check_manifest(plain, submission.product.product_type, user)
    active = session.scalar(
        sa.select(ProbeRun.id).where(ProbeRun.submission_id == submission.id, ProbeRun.status.in_(PROBE_RUN_ACTIVE))
    )
    if active is not None:
        raise conflict(
            f"Bản tự đánh giá đang có lần kiểm tra #{active} chưa xong",
            f"The self-assessment already has an unfinished probe run (#{active})",
            probe_run_id=active,
        )
    run = ProbeRun(
        submission_id=submission.id,
        product_id=submission.product_id,
        requested_by_id=user.id,
        status="queued",
        manifest=seal_manifest(manifest, box, submission.product_id),
        only=only,
        criteria_version=submission.criteria_version,
        probes_total=len(probe_ids_of(only)),
        created_at=utcnow(),
        purpose=purpose,
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        user,
        "probe_run.started",
        "probe_run",
        run.id,
        submission.product.organisation_id,
        None,
        {
            "submission_id": submission.id,
            "status": "queued",
            "only": only,
            "purpose": purpose,
            "criteria_version": run.criteria_version,
        },
    )  # not the manifest: it may hold account passwords
    jobs.enqueue(session, run)
    session.commit()  # before waking a worker, which must see the row
    jobs.wake()
    return run


def preflight_check(submission: Submission, user: User, manifest: dict, settings: Settings) -> dict:
    """The pre-flight report for `manifest` against the submission's product: manifest, start page, each
    account's login (checker/probes/preflight.py), through the same egress guard as a run (the probe settings of
    `settings`). Nothing is stored."""
    import asyncio

    from checker.probes.preflight import preflight
    from checker.probes.runner import ProbeSettings

    check_manifest(manifest, submission.product.product_type, user)
    return asyncio.run(preflight(manifest, settings=ProbeSettings.from_settings(settings))).to_dict()


def cancel_run(session: Session, actor: Actor, run: ProbeRun) -> None:
    if run.status not in PROBE_RUN_ACTIVE:
        raise conflict(f"Lần kiểm tra đã kết thúc ({run.status})", f"The probe run has already ended ({run.status})")
    # A worker running it sees the status at its next heartbeat or progress step and stops the probes.
    before = run.status
    run.status, run.finished_at = "cancelled", utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "probe_run.cancelled",
        "probe_run",
        run.id,
        run.product.organisation_id,
        {"status": before},
        {"status": "cancelled"},
    )


def artifacts_of(session: Session, run: ProbeRun) -> list[ProbeArtifact]:
    order = {probe_id: i for i, probe_id in enumerate(all_probes())}
    rows = session.scalars(sa.select(ProbeArtifact).where(ProbeArtifact.run_id == run.id))
    return sorted(rows, key=lambda a: (order.get(a.probe_id, len(order)), a.probe_id))


def outcome_summary(artifacts: list[ProbeArtifact]) -> dict[str, list[str]]:
    """criterion id -> the outcomes the probes found for it."""
    summary: dict[str, list[str]] = {}
    for artifact in artifacts:
        for finding in artifact.findings or []:
            summary.setdefault(finding["criterion_id"], []).append(finding["outcome"])
    return dict(sorted(summary.items()))


def findings_view(session: Session, run: ProbeRun) -> dict:
    artifacts = artifacts_of(session, run)
    return {
        "run_id": run.id,
        "status": run.status,
        "criteria_version": run.criteria_version,
        "product_type": run.product_type,
        "summary": outcome_summary(artifacts),
        "probes": [
            {
                "probe_id": a.probe_id,
                "measurement": a.measurement,
                "findings": a.findings or [],
                "created_at": a.created_at,
                "evaluated_at": a.evaluated_at,
            }
            for a in artifacts
        ],
    }


def reevaluate(session: Session, actor: Actor, run: ProbeRun) -> dict:
    """Measurements and findings again from the stored artifacts, with today's code and the run's criteria
    version: no browser, nothing gathered."""
    if run.status in PROBE_RUN_ACTIVE:
        raise conflict(
            "Lần kiểm tra chưa xong; hãy đợi hoặc huỷ trước khi đánh giá lại",
            "The probe run has not ended; wait or cancel it before re-evaluating",
        )
    now = utcnow()
    known = all_probes()
    for artifact in artifacts_of(session, run):
        if artifact.probe_id not in known:  # a probe retired since: its last findings stay as they were
            continue
        artifact.measurement, artifact.findings = evaluate_stored(
            artifact.probe_id, artifact.artifact, run.criteria_version, run.product_type
        )
        artifact.evaluated_at = now
    session.flush()
    view = findings_view(session, run)
    audit.record(
        session,
        actor,
        "probe_run.reevaluated",
        "probe_run",
        run.id,
        run.product.organisation_id,
        None,
        {"summary": view["summary"]},
    )
    return view


def latest_finished_run(session: Session, submission: Submission) -> ProbeRun | None:
    """The submission's newest finished probe run, or None (monitoring re-probes after certification do not
    count: the report stays the one the reviewers decided on)."""
    return session.scalar(
        sa.select(ProbeRun)
        .where(ProbeRun.submission_id == submission.id, ProbeRun.status == "done", ProbeRun.purpose != "monitoring")
        .order_by(ProbeRun.finished_at.desc(), ProbeRun.id.desc())
        .limit(1)
    )


def latest_findings(session: Session, submission: Submission) -> tuple[int, dict[str, list[str]]] | None:
    """The newest finished run of the submission and its outcomes per criterion, or None."""
    run = latest_finished_run(session, submission)
    if run is None:
        return None
    return run.id, outcome_summary(artifacts_of(session, run))


def artifact_of(session: Session, run: ProbeRun, probe_id: str) -> dict:
    row = session.scalar(
        sa.select(ProbeArtifact).where(ProbeArtifact.run_id == run.id, ProbeArtifact.probe_id == probe_id)
    )
    if row is None:
        raise not_found(f"kết quả thu thập của probe '{probe_id}'", f"Artifact of probe '{probe_id}'")
    return row.artifact


def screenshot_file(settings: Settings, run: ProbeRun, name: str) -> tuple[Path, str]:
    """The run's screenshot `name` (relative to the run folder, as artifacts cite it) and its media type.

    Anything outside the run's folder, missing, or not an image reads as 404."""
    missing = not_found(f"tệp '{name}'", f"File '{name}'")
    root = settings.run_dir(run.id)
    try:
        root = root.resolve()
        path = (root / name).resolve()
    except (OSError, ValueError, RuntimeError):
        raise missing from None
    media_type = SCREENSHOT_TYPES.get(path.suffix.lower())
    if media_type is None or not path.is_relative_to(root) or path == root or not path.is_file():
        raise missing
    return path, media_type


def runs_of(session: Session, submission: Submission) -> list[ProbeRun]:
    """A submission's probe runs, newest first."""
    return list(
        session.scalars(
            sa.select(ProbeRun)
            .where(ProbeRun.submission_id == submission.id)
            .order_by(ProbeRun.created_at.desc(), ProbeRun.id.desc())
        )
    )
