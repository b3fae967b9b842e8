"""The conformance report of a submission revision: HTML, PDF, JSON or EARL JSON-LD."""
from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from api import probe_runs
from api.access import load_submission
from api.auth import DB, CurrentUser
from api.schemas import MAX_ID
from reports.conformance import build_report, report_json
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


def _latest_run_inputs(session, submission) -> tuple[list[dict], dict]:
    """Findings and measurements of the submission's newest finished probe run (none: empty)."""
    run = probe_runs.latest_finished_run(session, submission)
    if run is None:
        return [], {}
    artifacts = probe_runs.artifacts_of(session, run)
    findings = [f for a in artifacts for f in (a.findings or [])]
    measurements = {a.probe_id: a.measurement for a in artifacts if a.measurement}
    return findings, measurements


@router.get("/submissions/{submission_id}/report",
            responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()},
                             "description": "Báo cáo mức độ phù hợp / The conformance report"}},
            response_class=Response,
            summary="Báo cáo mức độ phù hợp (HTML, PDF, JSON, EARL) / Conformance report")
def get_report(submission_id: ObjectId, user: CurrentUser, session: DB,
               format: Literal["html", "json", "earl", "pdf"] = Query("html", description="html | json | earl | pdf"),
               lang: Literal["vi", "en"] = Query("vi")) -> Response:
    submission = load_submission(session, user, submission_id)
    product = submission.product
    findings, measurements = _latest_run_inputs(session, submission)
    report = build_report(
        product={"id": product.id, "name": product.name, "url": product.url},
        vendor={"id": product.organisation.id, "name": product.organisation.name},
        submission={"id": submission.id, "revision": submission.revision, "status": submission.status,
                    "criteria_version": submission.criteria_version, "product_type": product.product_type,
                    "answers": submission.answers,
                    "submitted_at": submission.submitted_at.isoformat() if submission.submitted_at else None},
        probe_findings=findings, probe_measurements=measurements)
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
