"""The conformance report of a submission revision: HTML, PDF, JSON or EARL JSON-LD."""
from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from api.domain import reporting
from api.domain.access import load_submission
from api.http.auth import DB, CurrentUser
from api.http.schemas import MAX_ID
from reports.conformance import report_json
from reports.earl import render_earl
from reports.html import render_html

router = APIRouter(tags=["reports"])
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "earl": "application/ld+json",
    "pdf": "application/pdf",
}


@router.get("/submissions/{submission_id}/report",
            responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()},
                             "description": "Báo cáo mức độ phù hợp / The conformance report"}},
            response_class=Response,
            summary="Báo cáo mức độ phù hợp (HTML, PDF, JSON, EARL) / Conformance report")
def get_report(submission_id: ObjectId, user: CurrentUser, session: DB,
               format: Literal["html", "json", "earl", "pdf"] = Query("html", description="html | json | earl | pdf"),
               lang: Literal["vi", "en"] = Query("vi")) -> Response:
    submission = load_submission(session, user, submission_id)
    report = reporting.submission_report(session, submission)
    if format == "json":
        body: bytes | str = report_json(report)
    elif format == "earl":
        body = json.dumps(render_earl(report), ensure_ascii=False, indent=2)
    else:
        body = render_html(report, lang=lang)
        if format == "pdf":
            from reports.pdf import render_pdf
            body = render_pdf(body)
    filename = f"vcsc-report-{submission.id}-r{submission.revision}.{ 'jsonld' if format == 'earl' else format}"
    return Response(body, media_type=MEDIA_TYPES[format],
                    headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "private, no-store"})
