"""Evidence files per criterion of a self-assessment revision: upload to a draft, list, download, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import Response

from api.domain import evidence
from api.domain.access import load_submission
from api.http.auth import DB, CurrentUser, Writer
from api.http.files import file_response, read_upload
from api.http.schemas import MAX_ID, EvidenceFileOut

router = APIRouter(tags=["evidence"])
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
UPLOAD_EXAMPLE = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "example": {
                    "criterion_id": "CF-01",
                    "file": "(nội dung tệp / the file's bytes, e.g. bao-cao-kiem-thu-loc.pdf)",
                }
            }
        }
    }
}


@router.post(
    "/submissions/{submission_id}/evidence-files",
    response_model=EvidenceFileOut,
    status_code=201,
    openapi_extra=UPLOAD_EXAMPLE,
    summary="Đính kèm tệp bằng chứng cho một tiêu chí / Attach an evidence file to a criterion of a draft",
)
def upload_evidence_file(
    submission_id: ObjectId,
    request: Request,
    user: Writer,
    session: DB,
    criterion_id: Annotated[str, Form(min_length=1, max_length=32, description="Tiêu chí / the criterion, e.g. CF-01")],
    file: Annotated[
        UploadFile, File(description="PDF, PNG, JPEG hoặc văn bản thuần / PDF, PNG, JPEG or plain UTF-8 text")
    ],
) -> EvidenceFileOut:
    """Attach one file (multipart/form-data: `criterion_id`, `file`) to a criterion of a draft revision. The type is
    told by the content only (PDF, PNG, JPEG, or UTF-8 text that is not HTML), never by the name or the Content-Type
    sent; the name is kept, sanitised, for display. Vendors (their own drafts) and admins. Refused: 403 for
    reviewers; 404; 409 once the revision is submitted or for the same file twice on a criterion; 413 for a file
    over VCSC_EVIDENCE_MAX_FILE_BYTES or a revision's files over VCSC_EVIDENCE_MAX_SUBMISSION_BYTES; 415 for any
    other type (HTML renamed .pdf, SVG, scripts); 422 for an unknown criterion or an empty file (pointers /file,
    /criterion_id)."""
    submission = load_submission(session, user, submission_id, write=True)
    settings = request.app.state.settings
    data = read_upload(file, settings.evidence_max_file_bytes)
    row = evidence.add_file(
        session,
        request.app.state.storage,
        evidence.Limits.of(settings),
        user,
        submission,
        criterion_id,
        file.filename,
        data,
    )
    return EvidenceFileOut.model_validate(row)


@router.get(
    "/submissions/{submission_id}/evidence-files",
    response_model=list[EvidenceFileOut],
    summary="Các tệp bằng chứng của bản tự đánh giá / A revision's evidence files, per criterion",
)
def list_evidence_files(submission_id: ObjectId, user: CurrentUser, session: DB) -> list[EvidenceFileOut]:
    """The files attached to a revision, by criterion, with name, size, detected type and SHA-256. Vendors: their
    own organisation's; reviewers and admins: any. Refused: 401; 404."""
    submission = load_submission(session, user, submission_id)
    return [EvidenceFileOut.model_validate(f) for f in evidence.files_of(session, submission.id)]


@router.get(
    "/submissions/{submission_id}/evidence-files/{file_id}",
    response_class=Response,
    response_model=None,
    responses={
        200: {
            "content": {t: {} for t in evidence.MEDIA_TYPES},
            "description": "Tệp, luôn là tệp đính kèm / the file, always as an attachment",
        }
    },
    summary="Tải tệp bằng chứng / Download an evidence file (an attachment of its detected type)",
)
def download_evidence_file(
    submission_id: ObjectId, file_id: ObjectId, request: Request, user: CurrentUser, session: DB
) -> Response:
    """The file's bytes as an attachment (Content-Disposition: attachment), of the type detected at upload, with
    X-Content-Type-Options: nosniff and a Content-Security-Policy that allows nothing. Vendors: their own
    organisation's; reviewers and admins: any. Refused: 401; 404 (also for another vendor's file)."""
    submission = load_submission(session, user, submission_id)
    return file_response(request.app.state.storage, evidence.load_file(session, submission, file_id))


@router.delete(
    "/submissions/{submission_id}/evidence-files/{file_id}",
    status_code=204,
    response_class=Response,
    response_model=None,
    summary="Xoá tệp bằng chứng khỏi bản nháp / Remove an evidence file from a draft",
)
def delete_evidence_file(
    submission_id: ObjectId, file_id: ObjectId, request: Request, user: Writer, session: DB
) -> Response:
    """Remove a file from a draft revision (earlier revisions keep their own copy). Vendors (their own drafts) and
    admins. Refused: 403 for reviewers; 404; 409 once the revision is submitted."""
    submission = load_submission(session, user, submission_id, write=True)
    evidence.remove_file(session, request.app.state.storage, user, submission, file_id)
    return Response(status_code=204)
