"""The pages' evidence files: attach a file to a criterion from the assessment step, remove one, download one.

The same domain functions as the API (api.domain.evidence): the same content checks, limits, row lock, refusals and
audit events. A refused upload shows the step again with the message at its criterion (status 409, 413, 415, 422)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.datastructures import UploadFile

from api.core.errors import ApiError
from api.domain import evidence
from api.domain.access import load_submission
from api.http.files import file_response, read_upload
from api.http.schemas import MAX_ID
from api.web import dashboard
from api.web.rendering import WebRoute, redirect
from api.web.security import PageDB, PostedForm, SignedIn

router = APIRouter(prefix="/dashboard", route_class=WebRoute, include_in_schema=False)
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _step_of(steps, criterion_id: str):
    return next((s for s in steps if any(f.id == criterion_id for f in s.forms)), None)


@router.post("/submissions/{submission_id}/evidence-files")
def attach_file(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    """Attach the posted file to the posted criterion of a draft; back to that criterion on its step."""
    dashboard._writer(user)
    submission, _, steps = dashboard._assessment(session, user, submission_id, write=True)
    criterion_id = str(form.get("criterion_id", ""))[:32]
    step = _step_of(steps, criterion_id)
    if step is None:
        raise ApiError(404, "Không có tiêu chí này trong bản tự đánh giá / No such criterion in this self-assessment")
    upload = form.get("file")
    settings = request.app.state.settings
    try:
        data = read_upload(upload, settings.evidence_max_file_bytes) if isinstance(upload, UploadFile) else b""
        evidence.add_file(
            session,
            request.app.state.storage,
            evidence.Limits.of(settings),
            user,
            submission,
            criterion_id,
            upload.filename if isinstance(upload, UploadFile) else None,
            data,
        )
    except ApiError as exc:
        if exc.status not in (409, 413, 415, 422):
            raise
        t = request.state.t
        messages = [t.message(e.get("message", "")) for e in exc.errors] or [t.message(exc.detail)]
        values = {}
        for cf in step.forms:
            values.update(cf.values_from(submission.answers.get(cf.id)))
        return dashboard._step_page(
            request,
            session,
            user,
            submission,
            steps,
            step,
            values,
            exc.status,
            placed={f"crit:{criterion_id}": messages},
        )
    return redirect(f"/dashboard/submissions/{submission.id}/steps/{step.id}?done=file_added#files-{criterion_id}")


@router.post("/submissions/{submission_id}/evidence-files/{file_id}/delete")
def remove_file(
    request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, file_id: ObjectId, form: PostedForm
):
    """Remove a file from a draft; back to its criterion."""
    dashboard._writer(user)
    submission, _, steps = dashboard._assessment(session, user, submission_id, write=True)
    row = evidence.load_file(session, submission, file_id)
    criterion_id = row.criterion_id
    evidence.remove_file(session, request.app.state.storage, user, submission, file_id)
    step = _step_of(steps, criterion_id)
    if step is None:
        return redirect(f"/dashboard/submissions/{submission.id}?done=file_removed")
    return redirect(f"/dashboard/submissions/{submission.id}/steps/{step.id}?done=file_removed#files-{criterion_id}")


@router.get("/submissions/{submission_id}/evidence-files/{file_id}")
def download_file(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, file_id: ObjectId):
    """The file as an attachment (the API's download, with the page's cookie session): its vendor, reviewers and
    admins; anyone else gets 404."""
    submission = load_submission(session, user, submission_id)
    return file_response(request.app.state.storage, evidence.load_file(session, submission, file_id))
