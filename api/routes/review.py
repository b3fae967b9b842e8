"""The club's review of self-assessments: the queue, the review state, per-criterion decisions, the decision,
re-running probes, comments both ways, and withdrawal by the vendor."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from api.core.models import SUBMISSION_STATUSES, User, utcnow
from api.domain import review
from api.domain.access import load_submission
from api.domain.sealing import load_or_create_box
from api.http.auth import DB, CurrentUser, Writer, require_roles
from api.http.present import probe_run_out
from api.http.schemas import (
    MAX_ID,
    AcceptAgreeingIn,
    AssignmentIn,
    CommentIn,
    CommentOut,
    CriterionDecisionIn,
    CriterionDecisionOut,
    CriterionId,
    ProbeRunOut,
    ProductType,
    ReviewDecisionIn,
    ReviewOut,
    ReviewProbeRunIn,
    ReviewQueueItem,
    ReviewQueuePage,
    WithdrawIn,
)

router = APIRouter(tags=["review"])
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
Staff = Annotated[User, Depends(require_roles("reviewer", "admin"))]
Status = Annotated[str, Query(pattern="^(" + "|".join(SUBMISSION_STATUSES) + ")$")]


def _view(request: Request, session, user, submission) -> ReviewOut:
    return ReviewOut.model_validate(review.review_view(session, request.app.state.settings, user, submission))


@router.get(
    "/reviews/queue",
    response_model=ReviewQueuePage,
    summary="Hàng đợi thẩm định, cũ nhất trước / The review queue, oldest submission first",
)
def review_queue(
    user: Staff,
    session: DB,
    status: Annotated[
        list[Status] | None, Query(description="Mặc định / default: submitted, resubmitted, in_review")
    ] = None,
    product_type: Annotated[ProductType | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    assigned: Annotated[
        Literal["mine", "unassigned"] | None,
        Query(description="mine: giao cho bạn / assigned to you; unassigned: chưa giao ai / assigned to nobody"),
    ] = None,
) -> ReviewQueuePage:
    """The club's review queue, oldest submission first, by default submitted, resubmitted and in_review revisions,
    optionally filtered by status, product type and assignment (mine, unassigned); each item says how long it has
    waited and who it is assigned to. Reviewers and admins only. Refused: 401; 403 for vendors; 422 for an unknown
    status, product type or assignment filter."""
    found = review.queue(
        session, user, statuses=status, product_type=product_type, page=page, per_page=per_page, assigned=assigned
    )
    names = review.user_names(session, {s.assignee_id for s in found.items})
    now = utcnow()
    items = [
        ReviewQueueItem(
            id=s.id,
            product_id=s.product_id,
            product_name=s.product.name,
            vendor=s.product.organisation.name,
            product_type=s.product.product_type,
            revision=s.revision,
            criteria_version=s.criteria_version,
            status=s.status,
            level=s.level,
            submitted_at=s.submitted_at,
            reviewer_id=s.reviewer_id,
            previous_id=s.previous_id,
            renews_certificate_id=s.renews_certificate_id,
            assignee_id=s.assignee_id,
            assignee_name=names.get(s.assignee_id) if s.assignee_id is not None else None,
            assigned_at=s.assigned_at,
            waiting_seconds=int((now - s.submitted_at).total_seconds()) if s.submitted_at else None,
        )
        for s in found.items
    ]
    return ReviewQueuePage(items=items, total=found.total, page=page, per_page=per_page)


@router.get(
    "/submissions/{submission_id}/review",
    response_model=ReviewOut,
    summary="Tình trạng thẩm định, quyết định và trao đổi / Review state, decisions and comments",
)
def get_review(submission_id: ObjectId, request: Request, user: CurrentUser, session: DB) -> ReviewOut:
    """The review state of a revision: status, the actions the caller may take now, approvals, per-criterion decisions
    and the comments both ways. Vendors: their own organisation's; reviewers and admins: any. Refused: 401; 404."""
    submission = load_submission(session, user, submission_id)
    return _view(request, session, user, submission)


@router.post(
    "/submissions/{submission_id}/review/take",
    response_model=ReviewOut,
    summary="Nhận thẩm định / Take a submission from the queue (→ in_review)",
)
def take(submission_id: ObjectId, request: Request, user: Staff, session: DB) -> ReviewOut:
    """Take a submission from the queue as its reviewer (status in_review). Reviewers and admins, never for their own
    organisation's product. Refused: 403 for vendors or the product's own organisation; 404; 409 when the status
    does not allow it (the answer lists the allowed actions)."""
    submission = load_submission(session, user, submission_id)
    review.take(session, user, submission)
    return _view(request, session, user, submission)


@router.put(
    "/submissions/{submission_id}/review/criteria/{criterion_id}",
    response_model=CriterionDecisionOut,
    summary="Quyết định theo tiêu chí / Accept or override (with a comment) one criterion's outcome",
)
def decide_criterion(
    submission_id: ObjectId,
    criterion_id: Annotated[CriterionId, Path()],
    body: CriterionDecisionIn,
    user: Staff,
    session: DB,
) -> CriterionDecisionOut:
    """Record the reviewer's decision on one criterion: accept the combined outcome, or override it with another
    outcome and a comment saying why. Reviewers and admins. Refused: 403 for vendors or the product's own
    organisation; 404; 409 unless the submission is in review; 422 for a criterion not in the version or an override
    without outcome and comment."""
    submission = load_submission(session, user, submission_id)
    decision = review.decide_criterion(
        session, user, submission, criterion_id, body.decision, body.outcome, body.comment
    )
    return CriterionDecisionOut(
        criterion_id=decision.criterion_id,
        decision=decision.decision,
        outcome=decision.outcome,
        comment=decision.comment,
        reviewer=user.name,
        updated_at=decision.updated_at.isoformat() if decision.updated_at else None,
    )


@router.post(
    "/submissions/{submission_id}/review/decision",
    response_model=ReviewOut,
    summary="Phê duyệt, từ chối hoặc yêu cầu sửa đổi / Approve, reject or request changes",
)
def decide(submission_id: ObjectId, body: ReviewDecisionIn, request: Request, user: Staff, session: DB) -> ReviewOut:
    """Decide a submission in review: approve (issues the certificate once enough reviewers approved and every
    discrepancy has a decision), reject (with a comment), or request changes (with comments, also per criterion).
    Reviewers and admins. Refused: 403 for vendors or the product's own organisation; 404; 409 when undecided
    discrepancies remain, the outcomes reach no level, the caller already approved, or the status does not allow it;
    422 for a missing comment."""
    submission = load_submission(session, user, submission_id)
    if body.decision == "approve":
        review.approve(session, request.app.state.settings, user, submission, body.comment)
    elif body.decision == "reject":
        review.reject(session, user, submission, body.comment)
    else:
        review.request_changes(session, user, submission, body.comment, body.criteria_comments)
    return _view(request, session, user, submission)


@router.post(
    "/submissions/{submission_id}/review/accept-agreeing",
    response_model=ReviewOut,
    summary="Chấp nhận mọi tiêu chí khớp / Accept every agreeing criterion without a decision",
)
def accept_agreeing(
    submission_id: ObjectId, body: AcceptAgreeingIn, request: Request, user: Staff, session: DB
) -> ReviewOut:
    """Accept, in one transaction, the combined outcome of every criterion that is not a discrepancy and has no
    decision yet (overrides stay); with criteria, only if that is still exactly the set of such criteria. Reviewers
    and admins, never for their own organisation's product. Refused: 403 for vendors or the product's own
    organisation; 404; 409 unless the submission is in review, or when the set of agreeing undecided criteria
    changed; 422 for a malformed criterion id."""
    submission = load_submission(session, user, submission_id)
    review.accept_agreeing(session, user, submission, body.criteria)
    return _view(request, session, user, submission)


@router.put(
    "/submissions/{submission_id}/review/assignee",
    response_model=ReviewOut,
    summary="Giao bản tự đánh giá cho một người thẩm định / Assign a submission to a reviewer",
)
def assign_submission(
    submission_id: ObjectId, body: AssignmentIn, request: Request, user: Staff, session: DB
) -> ReviewOut:
    """Assign a submission that waits for or is in review to a reviewer (assignee_id; omitted: yourself). Give the
    assignee you saw as expected_assignee_id (omitted: nobody): if the assignment changed meanwhile, the answer is
    409 naming who has it now, so of two reviewers assigning at once one wins. Reviewers and admins, never for their
    own organisation's product. Refused: 403 for vendors or the product's own organisation; 404; 409 when the
    assignment changed or the status is final or a draft; 422 when the assignee is not an active reviewer or admin
    outside the product's organisation."""
    submission = load_submission(session, user, submission_id)
    review.assign(session, user, submission, body.assignee_id or user.id, expected=body.expected_assignee_id)
    return _view(request, session, user, submission)


@router.delete(
    "/submissions/{submission_id}/review/assignee",
    response_model=ReviewOut,
    summary="Bỏ giao bản tự đánh giá / Unassign a submission",
)
def unassign_submission(
    submission_id: ObjectId,
    request: Request,
    user: Staff,
    session: DB,
    expected_assignee_id: Annotated[
        int | None,
        Query(
            ge=1,
            le=MAX_ID,
            description="Người đang được giao mà bạn thấy; bỏ trống: bất kỳ ai / "
            "the assignee you saw; omitted: whoever it is",
        ),
    ] = None,
) -> ReviewOut:
    """Take a submission back from its assignee, so it is assigned to nobody. With expected_assignee_id, only if it
    is still assigned to that reviewer (409 naming who has it now otherwise). Reviewers and admins, never for their
    own organisation's product. Refused: 403 for vendors or the product's own organisation; 404; 409 when the
    assignment changed or the status is final or a draft."""
    submission = load_submission(session, user, submission_id)
    expected = expected_assignee_id if expected_assignee_id is not None else submission.assignee_id
    review.assign(session, user, submission, None, expected=expected)
    return _view(request, session, user, submission)


@router.post(
    "/submissions/{submission_id}/review/probe-runs",
    response_model=ProbeRunOut,
    status_code=202,
    summary="Chạy lại kiểm tra tự động / Re-run the probes with the submission's last manifest",
)
def rerun_probes(
    submission_id: ObjectId, body: ReviewProbeRunIn, request: Request, user: Staff, session: DB
) -> ProbeRunOut:
    """Queue a new probe run with the submission's last manifest, optionally only some probes, to check the vendor's
    claims again. Reviewers and admins. Refused: 403 for vendors; 404; 409 when no manifest was ever given, a run is
    unfinished, or the revision has a final decision; 422 for unknown probe ids."""
    submission = load_submission(session, user, submission_id)
    return probe_run_out(
        review.rerun_probes(
            session,
            request.app.state.jobs,
            user,
            submission,
            body.only,
            box=load_or_create_box(request.app.state.settings.keys_dir),
        )
    )


@router.post(
    "/submissions/{submission_id}/withdraw",
    response_model=ReviewOut,
    summary="Rút bản tự đánh giá / Withdraw a self-assessment (vendor)",
)
def withdraw(submission_id: ObjectId, body: WithdrawIn, request: Request, user: Writer, session: DB) -> ReviewOut:
    """Withdraw a submitted self-assessment from review, with an optional reason. The vendor that owns it, or an admin.
    Refused: 403 for reviewers; 404; 409 when the status does not allow it (already decided or withdrawn)."""
    submission = load_submission(session, user, submission_id, write=True)
    review.withdraw(session, user, submission, body.reason)
    return _view(request, session, user, submission)


@router.post(
    "/submissions/{submission_id}/comments",
    response_model=CommentOut,
    status_code=201,
    summary="Trao đổi với người thẩm định / A comment: the vendor's answer or a reviewer's note",
)
def add_comment(submission_id: ObjectId, body: CommentIn, user: CurrentUser, session: DB) -> CommentOut:
    """Add a comment to a submission in review, optionally about one criterion: the vendor's answer to the reviewer, or
    a reviewer's note. Vendors (their own submissions), reviewers and admins. Refused: 403 for a reviewer of the
    product's own organisation; 404; 409 unless the submission is under review; 422 for a blank body or a criterion
    not in the version."""
    submission = load_submission(session, user, submission_id)
    return CommentOut.model_validate(review.add_comment(session, user, submission, body.body, body.criterion_id))
