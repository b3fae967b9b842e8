"""The vendor's side of a review, on the submission page: answering the reviewers, withdrawing, and starting the
next revision after changes were requested; and the audit trail of a submission, for whoever may read it.

As in the API: comments go through api.domain.review.add_comment, withdrawal through api.domain.review.withdraw, the next
revision through api.domain.assessments.new_draft; refusals (409, 422) are shown on the submission page."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError

from api.core.errors import ApiError
from api.domain import assessments, audit, review
from api.domain.access import load_submission
from api.http.schemas import MAX_ID, CommentIn, WithdrawIn
from api.web import assessment_form as af
from api.web.dashboard import _assessment, _overview, _writer
from api.web.rendering import WebRoute, redirect, render
from api.web.security import PageDB, PostedForm, SignedIn
from api.web.views import problem_from_api, problem_from_validation
from checker.catalog import CATALOG

router = APIRouter(prefix="/dashboard", route_class=WebRoute, include_in_schema=False)
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _refused(request, session, user, submission_id: int, exc: ApiError | ValidationError, anchors: dict, values: dict):
    """The submission page again, with what was refused (409 or 422; anything else is the error page)."""
    t = request.state.t
    if isinstance(exc, ValidationError):
        status, problem = 422, problem_from_validation(exc, t, anchors)
    elif exc.status in (409, 422):
        session.rollback()
        status, problem = exc.status, problem_from_api(exc, t, anchors)
    else:
        raise exc
    submission, _, steps = _assessment(session, user, submission_id)
    return _overview(request, session, user, submission, steps, status, problem=problem, values=values)


@router.post("/submissions/{submission_id}/comments")
def respond(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    """The vendor's answer to the reviewers, on the whole submission or one criterion."""
    submission = load_submission(session, user, submission_id)
    values = {"form": "respond", "body": str(form.get("body", "")), "criterion_id": str(form.get("criterion_id", ""))}
    anchors = {"body": "respond-body", "criterion_id": "respond-criterion"}
    try:
        body = CommentIn(body=values["body"], criterion_id=values["criterion_id"] or None)
        review.add_comment(session, user, submission, body.body, body.criterion_id)
    except (ApiError, ValidationError) as exc:
        return _refused(request, session, user, submission_id, exc, anchors, values)
    return redirect(f"/dashboard/submissions/{submission_id}?done=commented#conversation")


@router.post("/submissions/{submission_id}/withdraw")
def withdraw(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    _writer(user)
    submission = load_submission(session, user, submission_id, write=True)
    values = {"form": "withdraw", "reason": str(form.get("reason", ""))}
    try:
        body = WithdrawIn(reason=values["reason"].strip() or None)
        review.withdraw(session, user, submission, body.reason)
    except (ApiError, ValidationError) as exc:
        return _refused(request, session, user, submission_id, exc, {"reason": "withdraw-reason"}, values)
    return redirect(f"/dashboard/submissions/{submission_id}?done=withdrawn")


@router.post("/submissions/{submission_id}/next-revision")
def next_revision(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    """The next revision (answers carried over) after changes were requested; on to its first step."""
    _writer(user)
    submission = load_submission(session, user, submission_id, write=True)
    try:
        draft = assessments.new_draft(session, submission.product, user, submission.criteria_version, None)
    except ApiError as exc:
        return _refused(request, session, user, submission_id, exc, {}, {"form": "next"})
    return redirect(af.first_step_url(draft, "revision_started"))


@router.get("/submissions/{submission_id}/audit")
def audit_trail(
    request: Request,
    session: PageDB,
    user: SignedIn,
    submission_id: ObjectId,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
):
    """The submission's audit events, oldest first (the API's /submissions/{id}/audit, same access rules)."""
    submission = load_submission(session, user, submission_id)
    events, total = audit.events_page(session, user, object_type="submission", object_id=str(submission.id), page=page)
    return render(
        request,
        "audit.html",
        submission=submission,
        product=submission.product,
        events=events,
        page=page,
        pages=max(1, -(-total // audit.PAGE_SIZE)),
        total=total,
        changes=audit_changes,
        action_title=lambda action: request.state.t(f"audit.{action}") if f"audit.{action}" in CATALOG else action,
    )


def audit_changes(before, after) -> list[tuple[str, str, str]]:
    """(field, before, after) for an event: the fields either side names, values as compact text."""

    def text(value) -> str:
        if value is None:
            return "—"
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)

    before = before if isinstance(before, dict) else ({} if before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"": after})
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, text(before.get(k)), text(after.get(k))) for k in keys]
