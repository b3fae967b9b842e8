"""Pages of the club's reviewers (and admins): the review queue, and a submission's review: the conformance
report with discrepancies first, the vendor's answers, the probe findings with their evidence, a decision per
criterion, re-running probes, the decision, and notes to the vendor.

Every action goes through api.domain.review (the API's functions), so the rules, the refusals (403, 409 with the
actions allowed now, 422 with pointers) and the audit events are the same; refusals are shown on the page."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError

from api.domain import probe_runs, products, reporting, review
from api.domain.access import load_submission
from api.domain.sealing import load_or_create_box
from api.core.errors import ApiError, forbidden
from api.core.models import Submission, User
from api.http.schemas import MAX_ID, CommentIn, CriterionDecisionIn, ReviewDecisionIn, ReviewProbeRunIn
from api.web.public import TypeFilter
from api.web.rendering import WebRoute, redirect, render
from api.web.security import PageDB, PostedForm, SignedIn
from api.web.views import (answer_parts, level_title, outcome_names, problem_from_api, problem_from_validation,
                           product_type_title, value_text, vocabulary)
from checker.assessment import OUTCOMES
from checker.probes.registry import all_probes

router = APIRouter(prefix="/review", route_class=WebRoute, include_in_schema=False)
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
CriterionPath = Annotated[str, Path(pattern=r"^[A-Z]{2,5}-[0-9]{2,3}$")]
STAFF = ("reviewer", "admin")
PER_PAGE = 20
# The queue's state filter: empty = what waits for the club (submitted, resubmitted, in review).
QUEUE_STATUSES = ("submitted", "resubmitted", "in_review", "changes_requested", "approved", "rejected", "withdrawn")
StatusFilter = Annotated[Literal[(*QUEUE_STATUSES, "")] | None, Query()]  # type: ignore[valid-type]
MAX_EVIDENCE = 12  # screenshots or addresses shown per finding


def staff(user: User) -> User:
    """Reviewers and admins; vendors get 403 (as the API's review routes)."""
    if user.role not in STAFF:
        raise forbidden("Chỉ người thẩm định của câu lạc bộ được thẩm định", "Only club reviewers may review")
    return user


# --- the queue -------------------------------------------------------------------------------------

@router.get("")
def queue_page(request: Request, session: PageDB, user: SignedIn, type: TypeFilter = None,
               status: StatusFilter = None, page: Annotated[int, Query(ge=1, le=100_000)] = 1):
    staff(user)
    found = review.queue(session, user, statuses=[status] if status else None, product_type=type or None, page=page,
                         per_page=PER_PAGE)
    return render(request, "review_queue.html", items=found.items, total=found.total, page=page,
                  pages=max(1, -(-found.total // PER_PAGE)), type=type or "", state=status or "",
                  statuses=QUEUE_STATUSES, product_types=vocabulary().product_types, type_title=product_type_title,
                  level_title=level_title)


# --- a submission's review -------------------------------------------------------------------------

def evidence_of(findings: list[dict]) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    """(probe id, criterion id) -> (screenshot names, web addresses) found anywhere in a finding's evidence."""
    out: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for finding in findings:
        shots, urls = out.setdefault((finding.get("probe_id", ""), finding.get("criterion_id", "")), ([], []))

        def walk(value, key: str = "") -> None:
            if isinstance(value, dict):
                for k, v in value.items():
                    walk(v, str(k))
            elif isinstance(value, list):
                for v in value:
                    walk(v, key)
            elif isinstance(value, str):
                if "screenshot" in key and value not in shots:
                    shots.append(value)
                elif value.startswith(("http://", "https://")) and value not in urls:
                    urls.append(value)

        walk(finding.get("evidence") or {})
    return out


def _review_page(request: Request, session, user: User, submission: Submission, status: int = 200,
                 problem: dict | None = None, values: dict | None = None):
    t = request.state.t
    review.check_reviewer(user, submission)  # 403 for a product of the reviewer's own organisation
    report = reporting.submission_report(session, submission)
    view = review.review_view(session, request.app.state.settings, user, submission)
    rows = {row["criterion_id"]: row for group in report["groups"] for row in group["rows"]}
    comments: dict[str | None, list[dict]] = {}
    for comment in view["comments"]:
        comments.setdefault(comment["criterion_id"], []).append(comment)
    evidence = evidence_of(report["findings"])
    latest_run = probe_runs.latest_finished_run(session, submission)
    runs = probe_runs.runs_of(session, submission)
    revisions = products.revision_numbers(session, submission.product_id)
    reviewer = session.get(User, submission.reviewer_id) if submission.reviewer_id else None
    return render(
        request, "review.html", status, submission=submission, product=submission.product, report=report, view=view,
        rows=rows, discrepancy_ids={d["criterion_id"] for d in report["discrepancies"]}, comments=comments,
        evidence=lambda probe_id, cid: evidence.get((probe_id, cid), ([], [])), MAX_EVIDENCE=MAX_EVIDENCE,
        latest_run=latest_run, runs=runs, revisions=revisions, reviewer=reviewer,
        can_take=submission.status in review.IN_QUEUE, can_decide=submission.status == "in_review",
        approved_by_me=user.id in view.get("approved_by", []), problem=problem, values=values or {},
        probes=[(pid, p.title) for pid, p in all_probes().items()], outcomes=OUTCOMES,
        outcome_names=outcome_names(t), answer_parts=answer_parts, value_text=value_text,
        type_title=product_type_title, level_title=level_title)


def _load(session, user: User, submission_id: int) -> Submission:
    staff(user)
    return load_submission(session, user, submission_id)


def _refused(request, session, user, submission_id: int, exc: ApiError, anchors: dict[str, str], values: dict):
    """The review page again, with what the domain refused (409, 422); anything else is the error page."""
    if exc.status not in (409, 422):
        raise exc
    session.rollback()  # nothing half-done stays, and SQLite's write lock is released before rendering
    problem = problem_from_api(exc, request.state.t, anchors)
    return _review_page(request, session, user, _load(session, user, submission_id), exc.status, problem, values)


def _invalid(request, session, user, submission_id: int, exc: ValidationError, anchors: dict[str, str],
             values: dict):
    problem = problem_from_validation(exc, request.state.t, anchors)
    return _review_page(request, session, user, _load(session, user, submission_id), 422, problem, values)


@router.get("/submissions/{submission_id}")
def review_page(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId):
    return _review_page(request, session, user, _load(session, user, submission_id))


@router.post("/submissions/{submission_id}/take")
def take(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    submission = _load(session, user, submission_id)
    try:
        review.take(session, user, submission)
    except ApiError as exc:
        return _refused(request, session, user, submission_id, exc, {}, {"form": "take"})
    return redirect(f"/review/submissions/{submission_id}?done=taken")


def decision_anchors(criterion_id: str) -> dict[str, str]:
    return {"decision": f"d-{criterion_id}-override", "outcome": f"d-{criterion_id}-outcome",
            "comment": f"d-{criterion_id}-comment", "criterion_id": f"c-{criterion_id}"}


@router.post("/submissions/{submission_id}/criteria/{criterion_id}")
def decide_criterion(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId,
                     criterion_id: CriterionPath, form: PostedForm):
    """Accept the combined outcome of a criterion, or override it with an outcome and a comment."""
    submission = _load(session, user, submission_id)
    values = {"form": f"c-{criterion_id}", "decision": str(form.get("decision", "")),
              "outcome": str(form.get("outcome", "")), "comment": str(form.get("comment", ""))}
    anchors = decision_anchors(criterion_id)
    try:
        body = CriterionDecisionIn(decision=values["decision"], outcome=values["outcome"] or None,
                                   comment=values["comment"].strip() or None)
    except ValidationError as exc:
        return _invalid(request, session, user, submission_id, exc, anchors, values)
    try:
        review.decide_criterion(session, user, submission, criterion_id, body.decision, body.outcome, body.comment)
    except ApiError as exc:
        return _refused(request, session, user, submission_id, exc, anchors, values)
    return redirect(f"/review/submissions/{submission_id}?done=decided#c-{criterion_id}")


DECISION_ANCHORS = {"comment": "decision-comment", "criteria_comments": "decision-cc", "decision": "decision-title"}


@router.post("/submissions/{submission_id}/decision")
def decide(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    """Approve, reject, or request changes (a general comment and comments per criterion for the vendor)."""
    submission = _load(session, user, submission_id)
    criteria_comments = {key[3:]: str(value) for key, value in form.multi_items()
                         if key.startswith("cc.") and str(value).strip()}
    values = {"form": "decision", "decision": str(form.get("decision", "")), "comment": str(form.get("comment", "")),
              "cc": criteria_comments}
    try:
        body = ReviewDecisionIn(decision=values["decision"], comment=values["comment"].strip() or None,
                                criteria_comments=criteria_comments)
    except ValidationError as exc:
        return _invalid(request, session, user, submission_id, exc, DECISION_ANCHORS, values)
    try:
        if body.decision == "approve":
            certificate = review.approve(session, request.app.state.settings, user, submission, body.comment)
            done = "approved" if certificate is not None else "approval_recorded"
        elif body.decision == "reject":
            review.reject(session, user, submission, body.comment)
            done = "rejected"
        else:
            review.request_changes(session, user, submission, body.comment, body.criteria_comments)
            done = "changes_requested"
    except ApiError as exc:
        return _refused(request, session, user, submission_id, exc, DECISION_ANCHORS, values)
    return redirect(f"/review/submissions/{submission_id}?done={done}")


@router.post("/submissions/{submission_id}/probe-runs")
def rerun(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    """Re-run the probes (all, or those chosen) with the product's last manifest, as the API's route does."""
    _load(session, user, submission_id)
    only = [str(p) for p in form.getlist("only")]
    values = {"form": "rerun", "only": only}
    anchors = {"only": "rerun-only", "manifest": "rerun-only"}
    try:
        body = ReviewProbeRunIn(only=only or None)
    except ValidationError as exc:
        return _invalid(request, session, user, submission_id, exc, anchors, values)
    try:
        run = review.rerun_probes(session, request.app.state.jobs, user, _load(session, user, submission_id),
                                  body.only, box=load_or_create_box(request.app.state.settings.keys_dir))
    except ApiError as exc:
        return _refused(request, session, user, submission_id, exc, anchors, values)
    return redirect(f"/dashboard/probe-runs/{run.id}")


@router.post("/submissions/{submission_id}/comments")
def note(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    """A reviewer's note to the vendor, on the whole submission or one criterion."""
    submission = _load(session, user, submission_id)
    values = {"form": "note", "body": str(form.get("body", "")), "criterion_id": str(form.get("criterion_id", ""))}
    anchors = {"body": "note-body", "criterion_id": "note-criterion"}
    try:
        body = CommentIn(body=values["body"], criterion_id=values["criterion_id"] or None)
    except ValidationError as exc:
        return _invalid(request, session, user, submission_id, exc, anchors, values)
    try:
        review.add_comment(session, user, submission, body.body, body.criterion_id)
    except ApiError as exc:
        return _refused(request, session, user, submission_id, exc, anchors, values)
    return redirect(f"/review/submissions/{submission_id}?done=commented#conversation")
