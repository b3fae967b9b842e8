"""Pages of the club's reviewers (and admins): the review queue (how long each submission has waited, who it is
assigned to), and a submission's review: the conformance report with discrepancies first (one form each), the
agreeing criteria folded away with one "accept all agreeing" action, the vendor's answers, the probe findings with
their evidence, re-running probes, notes to the vendor, assignment, and the decision bar that stays in view, with a
confirmation page before approving or rejecting.

Every action goes through api.domain.review (the API's functions), so the rules, the refusals (403, 409 with the
actions allowed now, 422 with pointers) and the audit events are the same; refusals are shown on the page."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from pydantic import ValidationError

from api.core.errors import ApiError, forbidden, not_found
from api.core.models import Submission, User, utcnow
from api.domain import probe_runs, products, reporting, review
from api.domain.access import load_submission
from api.domain.sealing import load_or_create_box
from api.http.schemas import MAX_ID, CommentIn, CriterionDecisionIn, ReviewDecisionIn, ReviewProbeRunIn
from api.web.public import TypeFilter
from api.web.rendering import WebRoute, redirect, render
from api.web.security import PageDB, PostedForm, SignedIn
from api.web.views import (
    answer_parts,
    level_title,
    outcome_names,
    problem_from_api,
    problem_from_validation,
    product_type_title,
    value_text,
    vocabulary,
)
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
AssignedFilter = Annotated[Literal["mine", "unassigned", ""] | None, Query()]
CriterionQuery = Annotated[str | None, Query(pattern=r"^[A-Z]{2,5}-[0-9]{2,3}$")]
MAX_EVIDENCE = 12  # screenshots or addresses shown per finding


def staff(user: User) -> User:
    """Reviewers and admins; vendors get 403 (as the API's review routes)."""
    if user.role not in STAFF:
        raise forbidden("Chỉ người thẩm định của câu lạc bộ được thẩm định", "Only club reviewers may review")
    return user


# --- the queue -------------------------------------------------------------------------------------


def waited(t, since: datetime | None, now: datetime) -> str:
    """How long since `since`, in the reader's language with its numbers: days and hours, hours and minutes, or
    minutes ("3 ngày 4 giờ", "3 days 4 hours")."""
    if since is None:
        return "—"
    minutes = max(0, int((now - since) / timedelta(minutes=1)))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def part(count: int, unit: str) -> str:
        return t(f"wait.{unit}" + ("" if count == 1 else "s"), count=t.number(count))

    if days:
        return part(days, "day") + (" " + part(hours, "hour") if hours else "")
    if hours:
        return part(hours, "hour") + (" " + part(minutes, "minute") if minutes else "")
    return part(minutes, "minute")


@router.get("")
def queue_page(
    request: Request,
    session: PageDB,
    user: SignedIn,
    type: TypeFilter = None,
    status: StatusFilter = None,
    assigned: AssignedFilter = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
):
    staff(user)
    found = review.queue(
        session,
        user,
        statuses=[status] if status else None,
        product_type=type or None,
        page=page,
        per_page=PER_PAGE,
        assigned=assigned or None,
    )
    here = "/review?" + urlencode({"status": status or "", "type": type or "", "assigned": assigned or ""})
    now = utcnow()
    return render(
        request,
        "review_queue.html",
        items=found.items,
        total=found.total,
        page=page,
        pages=max(1, -(-found.total // PER_PAGE)),
        type=type or "",
        state=status or "",
        assigned=assigned or "",
        statuses=QUEUE_STATUSES,
        product_types=vocabulary().product_types,
        type_title=product_type_title,
        level_title=level_title,
        names=review.user_names(session, {s.assignee_id for s in found.items}),
        waited=lambda since: waited(request.state.t, since, now),
        queue_here=here,
        pager_base=here + "&",
        assignable=review.ASSIGNABLE,
    )


# --- a submission's review -------------------------------------------------------------------------


def evidence_of(findings: list[dict]) -> dict[tuple[str, str], tuple[list[str], list[str]]]:
    """(probe id, criterion id) -> (screenshot names, web addresses) found anywhere in a finding's evidence."""
    out: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for finding in findings:
        shots, urls = out.setdefault((finding.get("probe_id", ""), finding.get("criterion_id", "")), ([], []))

        def walk(value, key: str = "", shots: list = shots, urls: list = urls) -> None:
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


def _review_page(
    request: Request,
    session,
    user: User,
    submission: Submission,
    status: int = 200,
    problem: dict | None = None,
    values: dict | None = None,
    criterion_id: str | None = None,
):
    t = request.state.t
    review.check_reviewer(user, submission)  # 403 for a product of the reviewer's own organisation
    found, report = reporting.verdict_and_report(session, submission)
    view = review.review_view(session, request.app.state.settings, user, submission)
    rows = {row["criterion_id"]: row for group in report["groups"] for row in group["rows"]}
    at = request.query_params.get("at", "")
    if criterion_id is not None and criterion_id not in rows:
        raise not_found(f"tiêu chí '{criterion_id}'", f"Criterion '{criterion_id}'")
    comments: dict[str | None, list[dict]] = {}
    for comment in view["comments"]:
        comments.setdefault(comment["criterion_id"], []).append(comment)
    evidence = evidence_of(report["findings"])
    latest_run = probe_runs.latest_finished_run(session, submission)
    runs = probe_runs.runs_of(session, submission)
    revisions = products.revision_numbers(session, submission.product_id)
    reviewer = session.get(User, submission.reviewer_id) if submission.reviewer_id else None
    assignee = session.get(User, submission.assignee_id) if submission.assignee_id else None
    return render(
        request,
        "review.html",
        status,
        criterion_id=criterion_id,
        submission=submission,
        product=submission.product,
        report=report,
        view=view,
        agreeing=set(found.agreeing),
        undecided_agreeing=list(found.undecided_agreeing),
        undecided_discrepancies=list(found.undecided_discrepancies),
        at=at if at in rows else "",
        assignee=assignee,
        reviewers=review.assignable_reviewers(session, submission),
        can_assign=submission.status in review.ASSIGNABLE,
        rows=rows,
        discrepancy_ids={d["criterion_id"] for d in report["discrepancies"]},
        comments=comments,
        evidence=lambda probe_id, cid: evidence.get((probe_id, cid), ([], [])),
        MAX_EVIDENCE=MAX_EVIDENCE,
        latest_run=latest_run,
        runs=runs,
        revisions=revisions,
        reviewer=reviewer,
        can_take=submission.status in review.IN_QUEUE,
        can_decide=submission.status == "in_review",
        approved_by_me=user.id in view.get("approved_by", []),
        problem=problem,
        values=values or {},
        probes=[(pid, p.title) for pid, p in all_probes().items()],
        outcomes=OUTCOMES,
        outcome_names=outcome_names(t),
        answer_parts=answer_parts,
        value_text=value_text,
        type_title=product_type_title,
        level_title=level_title,
    )


def _load(session, user: User, submission_id: int) -> Submission:
    staff(user)
    return load_submission(session, user, submission_id)


def _again(request, session, user, submission_id: int, status: int, problem: dict, values: dict):
    """The page the form was on (the review page, or one criterion's page), with the problem."""
    submission = _load(session, user, submission_id)
    if values.get("page") == "criterion":
        return _criterion_page(request, session, user, submission, values["form"][2:], status, problem, values)
    return _review_page(request, session, user, submission, status, problem, values)


def _refused(request, session, user, submission_id: int, exc: ApiError, anchors: dict[str, str], values: dict):
    """The review page again, with what the domain refused (409, 422); anything else is the error page."""
    if exc.status not in (409, 422):
        raise exc
    session.rollback()  # nothing half-done stays, and SQLite's write lock is released before rendering
    problem = problem_from_api(exc, request.state.t, anchors)
    return _again(request, session, user, submission_id, exc.status, problem, values)


def _invalid(request, session, user, submission_id: int, exc: ValidationError, anchors: dict[str, str], values: dict):
    problem = problem_from_validation(exc, request.state.t, anchors)
    return _again(request, session, user, submission_id, 422, problem, values)


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


@router.get("/submissions/{submission_id}/criteria/{criterion_id}")
def criterion_page(
    request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, criterion_id: CriterionPath
):
    """One criterion of the review with its decision form (the agreeing criteria on the review page have none)."""
    submission = _load(session, user, submission_id)
    return _criterion_page(request, session, user, submission, criterion_id)


def _criterion_page(
    request,
    session,
    user,
    submission,
    criterion_id: str,
    status: int = 200,
    problem: dict | None = None,
    values: dict | None = None,
):
    return _review_page(request, session, user, submission, status, problem, values, criterion_id=criterion_id)


def decision_anchors(criterion_id: str) -> dict[str, str]:
    return {
        "decision": f"d-{criterion_id}-override",
        "outcome": f"d-{criterion_id}-outcome",
        "comment": f"d-{criterion_id}-comment",
        "criterion_id": f"c-{criterion_id}",
    }


@router.post("/submissions/{submission_id}/criteria/{criterion_id}")
def decide_criterion(
    request: Request,
    session: PageDB,
    user: SignedIn,
    submission_id: ObjectId,
    criterion_id: CriterionPath,
    form: PostedForm,
):
    """Accept the combined outcome of a criterion, or override it with an outcome and a comment (one form per
    criterion: accepting ignores the override's fields)."""
    submission = _load(session, user, submission_id)
    values = {
        "form": f"c-{criterion_id}",
        "decision": str(form.get("decision", "")),
        "outcome": str(form.get("outcome", "")),
        "comment": str(form.get("comment", "")),
        "page": "criterion" if form.get("page") == "criterion" else "review",
    }
    anchors = decision_anchors(criterion_id)
    accepting = values["decision"] == "accept"
    try:
        body = CriterionDecisionIn(
            decision=values["decision"],
            outcome=None if accepting else values["outcome"] or None,
            comment=None if accepting else values["comment"].strip() or None,
        )
    except ValidationError as exc:
        return _invalid(request, session, user, submission_id, exc, anchors, values)
    try:
        review.decide_criterion(session, user, submission, criterion_id, body.decision, body.outcome, body.comment)
    except ApiError as exc:
        return _refused(request, session, user, submission_id, exc, anchors, values)
    at = f"&at={criterion_id}" if values["page"] == "criterion" else ""
    return redirect(f"/review/submissions/{submission_id}?done=decided{at}#c-{criterion_id}")


@router.post("/submissions/{submission_id}/accept-agreeing")
def accept_agreeing(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    """Accept the combined outcome of every agreeing criterion without a decision, in one transaction; `criteria`
    are those the page showed, so a verdict that changed meanwhile is refused (409) rather than accepted blind."""
    submission = _load(session, user, submission_id)
    seen = [str(c) for c in form.getlist("criteria")]
    try:
        review.accept_agreeing(session, user, submission, seen)
    except ApiError as exc:
        return _refused(request, session, user, submission_id, exc, {}, {"form": "agreeing"})
    return redirect(f"/review/submissions/{submission_id}?done=agreeing_accepted#agreeing")


@router.post("/submissions/{submission_id}/assignee")
def assign(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    """Assign to me, to another reviewer (`assignee`), or to nobody (`action` = me, other, unassign); `expected`
    is the assignee the page showed. Back to the queue when sent from there."""
    submission = _load(session, user, submission_id)
    action = str(form.get("action", ""))
    values = {"form": "assign", "assignee": str(form.get("assignee", ""))}
    anchors = {"assignee_id": "assign-to"}
    expected_text = str(form.get("expected", ""))
    expected = int(expected_text) if expected_text.isdigit() and len(expected_text) < 11 else None
    if action == "me":
        target: int | None = user.id
    elif action == "unassign":
        target = None
    elif action == "other" and values["assignee"].isdigit() and len(values["assignee"]) < 11:
        target = int(values["assignee"])
    else:
        problem = {
            "message": request.state.t("problem.check_fields"),
            "allowed": None,
            "fields": {"assignee_id": [request.state.t("assign.choose_error")]},
            "items": [("assign-to", request.state.t("assign.choose_error"))],
        }
        return _review_page(request, session, user, submission, 422, problem, values)
    try:
        review.assign(session, user, submission, target, expected=expected)
    except ApiError as exc:
        return _refused(request, session, user, submission_id, exc, anchors, values)
    done = "assigned" if target is not None else "unassigned"
    back = str(form.get("back", ""))
    if back.startswith("/review?") and "//" not in back and "\\" not in back:
        return redirect(f"{back}&done={done}#q-{submission_id}")
    return redirect(f"/review/submissions/{submission_id}?done={done}#assignment")


DECISION_ANCHORS = {"comment": "decision-comment", "criteria_comments": "decision-cc", "decision": "decision-title"}


@router.post("/submissions/{submission_id}/decision")
def decide(request: Request, session: PageDB, user: SignedIn, submission_id: ObjectId, form: PostedForm):
    """Approve, reject, or request changes (a general comment and comments per criterion for the vendor).

    Approving and rejecting ask first: without `confirmed=yes` the answer is the confirmation page (which says the
    level that will be certified, or that the rejection is final); approving then carries the confirmed level, and
    a verdict that reaches another level meanwhile is refused (409)."""
    submission = _load(session, user, submission_id)
    criteria_comments = {
        key[3:]: str(value) for key, value in form.multi_items() if key.startswith("cc.") and str(value).strip()
    }
    decision, comment = str(form.get("decision", "")), str(form.get("comment", ""))
    values = {"form": "decision", "decision": decision, "comment": comment, "cc": criteria_comments}
    try:
        body = ReviewDecisionIn(decision=decision, comment=comment.strip() or None, criteria_comments=criteria_comments)
    except ValidationError as exc:
        return _invalid(request, session, user, submission_id, exc, DECISION_ANCHORS, values)
    if body.decision in ("approve", "reject") and form.get("confirmed") != "yes":
        try:
            outlook = (
                review.approval_outlook(session, request.app.state.settings, user, submission)
                if body.decision == "approve"
                else None
            )
            if body.decision == "reject":
                review.require_transition(submission, "reject")
        except ApiError as exc:
            return _refused(request, session, user, submission_id, exc, DECISION_ANCHORS, values)
        return render(
            request,
            "review_confirm.html",
            submission=submission,
            product=submission.product,
            decision=body.decision,
            outlook=outlook,
            comment=values["comment"],
            problem=None,
            level_title=level_title,
        )
    try:
        if body.decision == "approve":
            level = str(form.get("level", "")) or None
            certificate = review.approve(
                session, request.app.state.settings, user, submission, body.comment, expected_level=level
            )
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
        run = review.rerun_probes(
            session,
            request.app.state.jobs,
            user,
            _load(session, user, submission_id),
            body.only,
            box=load_or_create_box(request.app.state.settings.keys_dir),
        )
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
