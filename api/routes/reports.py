"""The conformance report of a submission revision: HTML, PDF, JSON or EARL JSON-LD."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.domain import reporting
from api.domain.access import load_submission
from api.http.auth import DB, CurrentUser
from api.http.schemas import MAX_ID
from reports.formats import MEDIA_TYPES, render_report, report_filename

router = APIRouter(tags=["reports"])
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get(
    "/submissions/{submission_id}/report",
    responses={
        200: {
            "content": {t: {} for t in MEDIA_TYPES.values()},
            "description": "Báo cáo mức độ phù hợp / The conformance report",
        }
    },
    response_class=Response,
    summary="Báo cáo mức độ phù hợp (HTML, PDF, JSON, EARL) / Conformance report",
)
def get_report(
    submission_id: ObjectId,
    request: Request,
    user: CurrentUser,
    session: DB,
    format: Literal["html", "json", "earl", "pdf"] = Query("html", description="html | json | earl | pdf"),
    lang: Literal["vi", "en"] = Query("vi"),
) -> Response:
    """The conformance report of one self-assessment revision in HTML, PDF, JSON or EARL JSON-LD, in Vietnamese or
    English, never cached. Vendors: their own organisation's; reviewers and admins: any. Refused: 401; 404; 422 for
    an unknown format or language."""
    submission = load_submission(session, user, submission_id)
    # The reader may download the evidence files (same access as this report): link them for a person reading it,
    # i.e. to the pages' download (a browser has the cookie session, not the token); absolute in a PDF.
    files = f"/dashboard/submissions/{submission.id}/evidence-files/{{id}}"
    base = request.app.state.settings.base_url if format == "pdf" else ""
    body = render_report(
        reporting.submission_report(session, submission),
        format,
        lang,
        file_href=base + files,
        chromium=request.app.state.settings.chromium,
        certificate_id=reporting.certificate_id_of(session, submission),
    )
    filename = report_filename(submission.id, submission.revision, format)
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, no-store"},
    )
