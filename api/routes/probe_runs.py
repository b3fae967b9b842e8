"""Probe runs: start one for a submission, follow its progress, read findings, artifacts and screenshots,
cancel it, and re-evaluate its stored artifacts without a browser."""
from __future__ import annotations

from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse

from api.domain import probe_runs
from api.domain.access import load_probe_run, load_submission
from api.http.auth import DB, CurrentUser, Writer
from api.core.models import ProbeRun
from api.http.schemas import MAX_ID, ProbeId, ProbeRunCreate, ProbeRunFindingsOut, ProbeRunOut, ProbeRunSummary

router = APIRouter(tags=["probe runs"])
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _out(run: ProbeRun) -> ProbeRunOut:
    out = ProbeRunOut.model_validate(run)
    return out.model_copy(update={"manifest": probe_runs.masked_manifest(run.manifest)})


@router.post("/submissions/{submission_id}/probe-runs", response_model=ProbeRunOut, status_code=202,
             summary="Bắt đầu kiểm tra tự động / Start a probe run against the product (queued; poll its status)")
def start_probe_run(submission_id: ObjectId, body: ProbeRunCreate, request: Request, user: Writer,
                    session: DB) -> ProbeRunOut:
    submission = load_submission(session, user, submission_id, write=True)
    run = probe_runs.start_run(session, request.app.state.jobs, submission, user, body.manifest, body.only)
    return _out(run)


@router.get("/submissions/{submission_id}/probe-runs", response_model=list[ProbeRunSummary],
            summary="Các lần kiểm tra tự động / A self-assessment's probe runs, newest first")
def list_probe_runs(submission_id: ObjectId, user: CurrentUser, session: DB) -> list[ProbeRunSummary]:
    submission = load_submission(session, user, submission_id)
    rows = session.scalars(sa.select(ProbeRun).where(ProbeRun.submission_id == submission.id)
                           .order_by(ProbeRun.created_at.desc(), ProbeRun.id.desc()))
    return [ProbeRunSummary.model_validate(r) for r in rows]


@router.get("/probe-runs/{run_id}", response_model=ProbeRunOut,
            summary="Một lần kiểm tra: trạng thái và tiến độ / A probe run: status and progress")
def get_probe_run(run_id: ObjectId, user: CurrentUser, session: DB) -> ProbeRunOut:
    return _out(load_probe_run(session, user, run_id))


@router.get("/probe-runs/{run_id}/findings", response_model=ProbeRunFindingsOut,
            summary="Kết quả đo và phát hiện theo probe / Measurements and findings per probe stored so far")
def get_probe_run_findings(run_id: ObjectId, user: CurrentUser, session: DB) -> ProbeRunFindingsOut:
    run = load_probe_run(session, user, run_id)
    return ProbeRunFindingsOut.model_validate(probe_runs.findings_view(session, run))


@router.get("/probe-runs/{run_id}/artifacts/{probe_id}", response_model=dict[str, Any],
            summary="Dữ liệu thu thập thô của một probe / The raw artifact a probe gathered (replayable)")
def get_probe_artifact(run_id: ObjectId, probe_id: ProbeId, user: CurrentUser, session: DB) -> dict[str, Any]:
    run = load_probe_run(session, user, run_id)
    return probe_runs.artifact_of(session, run, probe_id)


@router.get("/probe-runs/{run_id}/files/{name:path}", response_class=FileResponse, response_model=None,
            responses={200: {"content": {"image/png": {}, "image/jpeg": {}},
                             "description": "Ảnh chụp màn hình / a screenshot"}},
            summary="Ảnh chụp của lần kiểm tra / A screenshot of the run, by the name its artifact gives")
def get_probe_run_file(run_id: ObjectId, name: Annotated[str, Path(min_length=1, max_length=500)], request: Request,
                       user: CurrentUser, session: DB) -> FileResponse:
    run = load_probe_run(session, user, run_id)
    path, media_type = probe_runs.screenshot_file(request.app.state.settings, run, name)
    return FileResponse(path, media_type=media_type)


@router.post("/probe-runs/{run_id}/reevaluate", response_model=ProbeRunFindingsOut,
             summary="Đánh giá lại dữ liệu đã lưu, không cần trình duyệt / Re-evaluate the stored artifacts "
                     "with the current code (no browser)")
def reevaluate_probe_run(run_id: ObjectId, user: Writer, session: DB) -> ProbeRunFindingsOut:
    run = load_probe_run(session, user, run_id, write=True)
    return ProbeRunFindingsOut.model_validate(probe_runs.reevaluate(session, user, run))


@router.post("/probe-runs/{run_id}/cancel", response_model=ProbeRunOut,
             summary="Huỷ lần kiểm tra / Cancel a queued or running probe run (stored probes are kept)")
def cancel_probe_run(run_id: ObjectId, user: Writer, session: DB) -> ProbeRunOut:
    run = load_probe_run(session, user, run_id, write=True)
    probe_runs.cancel_run(session, user, run)
    session.flush()
    return _out(run)
