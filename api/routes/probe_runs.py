"""Probe runs: start one for a submission, follow its progress, read findings, artifacts and screenshots,
cancel it, and re-evaluate its stored artifacts without a browser."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse

from api.domain import probe_runs
from api.domain.access import load_probe_run, load_submission
from api.domain.sealing import load_or_create_box
from api.http.auth import DB, CurrentUser, Writer
from api.http.present import probe_run_out
from api.http.schemas import MAX_ID, ProbeId, ProbeRunCreate, ProbeRunFindingsOut, ProbeRunOut, ProbeRunSummary

router = APIRouter(tags=["probe runs"])
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post(
    "/submissions/{submission_id}/probe-runs",
    response_model=ProbeRunOut,
    status_code=202,
    summary="Bắt đầu kiểm tra tự động / Start a probe run against the product (queued; poll its status)",
)
def start_probe_run(
    submission_id: ObjectId, body: ProbeRunCreate, request: Request, user: Writer, session: DB
) -> ProbeRunOut:
    """Queue an automated probe run of the product for this self-assessment: the manifest says how the probes reach the
    product (start URL, test accounts; passwords are stored sealed). Poll GET /probe-runs/{run_id} for progress.
    Vendors (their own) and admins. Refused: 403 for reviewers; 404; 409 when a run is already unfinished or the
    revision has a final decision; 422 for an invalid manifest or a product_type that is not the product's."""
    submission = load_submission(session, user, submission_id, write=True)
    run = probe_runs.start_run(
        session,
        request.app.state.jobs,
        submission,
        user,
        body.manifest,
        body.only,
        box=load_or_create_box(request.app.state.settings.keys_dir),
    )
    return probe_run_out(run)


@router.post(
    "/submissions/{submission_id}/probe-runs/check",
    response_model=dict[str, Any],
    summary="Kiểm tra trước khi chạy: manifest, trang bắt đầu, đăng nhập từng tài khoản / Pre-flight check: "
    "manifest, start page, each account's login (ok / failed with reason, nothing stored)",
)
def check_probe_run(
    submission_id: ObjectId, body: ProbeRunCreate, request: Request, user: CurrentUser, session: DB
) -> dict[str, Any]:
    """Pre-flight check of a manifest without starting a run: validates it, loads the start page and tries each
    account's login, answering ok or failed with a reason per step; nothing is stored. Any signed-in user who can
    read the submission (vendors: their own; reviewers, admins). Refused: 401; 404; 422 for an invalid manifest."""
    submission = load_submission(session, user, submission_id)  # the vendor's own, or any for reviewers
    return probe_runs.preflight_check(submission, user, body.manifest, request.app.state.settings)


@router.get(
    "/submissions/{submission_id}/probe-runs",
    response_model=list[ProbeRunSummary],
    summary="Các lần kiểm tra tự động / A self-assessment's probe runs, newest first",
)
def list_probe_runs(submission_id: ObjectId, user: CurrentUser, session: DB) -> list[ProbeRunSummary]:
    """The probe runs of a self-assessment, newest first, with status and progress. Vendors: their own organisation's;
    reviewers and admins: any. Refused: 401; 404."""
    submission = load_submission(session, user, submission_id)
    return [ProbeRunSummary.model_validate(r) for r in probe_runs.runs_of(session, submission)]


@router.get(
    "/probe-runs/{run_id}",
    response_model=ProbeRunOut,
    summary="Một lần kiểm tra: trạng thái và tiến độ / A probe run: status and progress",
)
def get_probe_run(run_id: ObjectId, user: CurrentUser, session: DB) -> ProbeRunOut:
    """One probe run: status, progress (current probe, pages done) and the manifest with account passwords masked.
    Vendors: their own organisation's; reviewers and admins: any. Refused: 401; 404."""
    return probe_run_out(load_probe_run(session, user, run_id))


@router.get(
    "/probe-runs/{run_id}/findings",
    response_model=ProbeRunFindingsOut,
    summary="Kết quả đo và phát hiện theo probe / Measurements and findings per probe stored so far",
)
def get_probe_run_findings(run_id: ObjectId, user: CurrentUser, session: DB) -> ProbeRunFindingsOut:
    """The measurements and findings stored so far, per probe, and the outcomes per criterion. Vendors: their own
    organisation's runs; reviewers and admins: any. Refused: 401; 404."""
    run = load_probe_run(session, user, run_id)
    return ProbeRunFindingsOut.model_validate(probe_runs.findings_view(session, run))


@router.get(
    "/probe-runs/{run_id}/artifacts/{probe_id}",
    response_model=dict[str, Any],
    summary="Dữ liệu thu thập thô của một probe / The raw artifact a probe gathered (replayable)",
)
def get_probe_artifact(run_id: ObjectId, probe_id: ProbeId, user: CurrentUser, session: DB) -> dict[str, Any]:
    """The raw artifact one probe gathered in this run (what it saw, before evaluation), for replaying and auditing.
    Vendors: their own organisation's runs; reviewers and admins: any. Refused: 401; 404 when the run or that
    probe's artifact does not exist; 422 for an unknown probe id."""
    run = load_probe_run(session, user, run_id)
    return probe_runs.artifact_of(session, run, probe_id)


@router.get(
    "/probe-runs/{run_id}/files/{name:path}",
    response_class=FileResponse,
    response_model=None,
    responses={
        200: {"content": {"image/png": {}, "image/jpeg": {}}, "description": "Ảnh chụp màn hình / a screenshot"}
    },
    summary="Ảnh chụp của lần kiểm tra / A screenshot of the run, by the name its artifact gives",
)
def get_probe_run_file(
    run_id: ObjectId,
    name: Annotated[str, Path(min_length=1, max_length=500)],
    request: Request,
    user: CurrentUser,
    session: DB,
) -> FileResponse:
    """A screenshot taken during the run, by the file name its artifact gives (PNG or JPEG). Vendors: their own
    organisation's runs; reviewers and admins: any. Refused: 401; 404 for an unknown run or file (names outside the
    run's folder read as 404)."""
    run = load_probe_run(session, user, run_id)
    path, media_type = probe_runs.screenshot_file(request.app.state.settings, run, name)
    return FileResponse(path, media_type=media_type)


@router.post(
    "/probe-runs/{run_id}/reevaluate",
    response_model=ProbeRunFindingsOut,
    summary="Đánh giá lại dữ liệu đã lưu, không cần trình duyệt / Re-evaluate the stored artifacts "
    "with the current code (no browser)",
)
def reevaluate_probe_run(run_id: ObjectId, user: Writer, session: DB) -> ProbeRunFindingsOut:
    """Evaluate the run's stored artifacts again with the current probe code and thresholds, without a browser, and
    store the new findings. Vendors (their own) and admins. Refused: 403 for reviewers; 404; 409 while the run has
    not ended."""
    run = load_probe_run(session, user, run_id, write=True)
    return ProbeRunFindingsOut.model_validate(probe_runs.reevaluate(session, user, run))


@router.post(
    "/probe-runs/{run_id}/cancel",
    response_model=ProbeRunOut,
    summary="Huỷ lần kiểm tra / Cancel a queued or running probe run (stored probes are kept)",
)
def cancel_probe_run(run_id: ObjectId, user: Writer, session: DB) -> ProbeRunOut:
    """Cancel a queued or running probe run; probes already stored are kept and a running worker stops at its next
    step. Vendors (their own) and admins. Refused: 403 for reviewers; 404; 409 when the run has already ended."""
    run = load_probe_run(session, user, run_id, write=True)
    probe_runs.cancel_run(session, user, run)
    session.flush()
    return probe_run_out(run)
