"""The club's review of self-assessments: the queue, the review state, per-criterion decisions, the decision,
re-running probes, comments both ways, and withdrawal by the vendor."""
from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Request

from api.domain import probe_runs, review
from api.domain.access import load_submission
from api.http.auth import DB, CurrentUser, Writer, require_roles
from api.core.errors import conflict
from api.core.models import ProbeRun, SUBMISSION_STATUSES, User
from api.routes.probe_runs import _out as probe_run_out
from api.http.schemas import (MAX_ID, CommentIn, CommentOut, CriterionDecisionIn, CriterionDecisionOut, CriterionId,
                         ProbeRunOut, ProductType, ReviewDecisionIn, ReviewOut, ReviewProbeRunIn, ReviewQueueItem,
                         ReviewQueuePage, WithdrawIn)

router = APIRouter(tags=["review"])
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
Staff = Annotated[User, Depends(require_roles("reviewer", "admin"))]
Status = Annotated[str, Query(pattern="^(" + "|".join(SUBMISSION_STATUSES) + ")$")]


def _view(request: Request, session, user, submission) -> ReviewOut:
    return ReviewOut.model_validate(review.review_view(session, request.app.state.settings, user, submission))


@router.get("/reviews/queue", response_model=ReviewQueuePage,
            summary="Hàng đợi thẩm định, cũ nhất trước / The review queue, oldest submission first")
def review_queue(user: Staff, session: DB,
                 status: Annotated[list[Status] | None, Query(description="Mặc định / default: submitted, "
                                                                          "resubmitted, in_review")] = None,
                 product_type: Annotated[ProductType | None, Query()] = None,
                 page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                 per_page: Annotated[int, Query(ge=1, le=100)] = 20) -> ReviewQueuePage:
    found = review.queue(session, user, statuses=status, product_type=product_type, page=page, per_page=per_page)
    items = [ReviewQueueItem(id=s.id, product_id=s.product_id, product_name=s.product.name,
                             vendor=s.product.organisation.name, product_type=s.product.product_type,
                             revision=s.revision, criteria_version=s.criteria_version, status=s.status, level=s.level,
                             submitted_at=s.submitted_at, reviewer_id=s.reviewer_id, previous_id=s.previous_id,
                             renews_certificate_id=s.renews_certificate_id) for s in found.items]
    return ReviewQueuePage(items=items, total=found.total, page=page, per_page=per_page)


@router.get("/submissions/{submission_id}/review", response_model=ReviewOut,
            summary="Tình trạng thẩm định, quyết định và trao đổi / Review state, decisions and comments")
def get_review(submission_id: ObjectId, request: Request, user: CurrentUser, session: DB) -> ReviewOut:
    submission = load_submission(session, user, submission_id)
    return _view(request, session, user, submission)


@router.post("/submissions/{submission_id}/review/take", response_model=ReviewOut,
             summary="Nhận thẩm định / Take a submission from the queue (→ in_review)")
def take(submission_id: ObjectId, request: Request, user: Staff, session: DB) -> ReviewOut:
    submission = load_submission(session, user, submission_id)
    review.take(session, user, submission)
    return _view(request, session, user, submission)


@router.put("/submissions/{submission_id}/review/criteria/{criterion_id}", response_model=CriterionDecisionOut,
            summary="Quyết định theo tiêu chí / Accept or override (with a comment) one criterion's outcome")
def decide_criterion(submission_id: ObjectId, criterion_id: Annotated[CriterionId, Path()], body: CriterionDecisionIn,
                     user: Staff, session: DB) -> CriterionDecisionOut:
    submission = load_submission(session, user, submission_id)
    decision = review.decide_criterion(session, user, submission, criterion_id, body.decision, body.outcome,
                                       body.comment)
    return CriterionDecisionOut(criterion_id=decision.criterion_id, decision=decision.decision,
                                outcome=decision.outcome, comment=decision.comment, reviewer=user.name,
                                updated_at=decision.updated_at.isoformat() if decision.updated_at else None)


@router.post("/submissions/{submission_id}/review/decision", response_model=ReviewOut,
             summary="Phê duyệt, từ chối hoặc yêu cầu chỉnh sửa / Approve, reject or request changes")
def decide(submission_id: ObjectId, body: ReviewDecisionIn, request: Request, user: Staff, session: DB) -> ReviewOut:
    submission = load_submission(session, user, submission_id)
    if body.decision == "approve":
        review.approve(session, request.app.state.settings, user, submission, body.comment)
    elif body.decision == "reject":
        review.reject(session, user, submission, body.comment)
    else:
        review.request_changes(session, user, submission, body.comment, body.criteria_comments)
    return _view(request, session, user, submission)


@router.post("/submissions/{submission_id}/review/probe-runs", response_model=ProbeRunOut, status_code=202,
             summary="Chạy lại kiểm tra tự động / Re-run the probes with the submission's last manifest")
def rerun_probes(submission_id: ObjectId, body: ReviewProbeRunIn, request: Request, user: Staff,
                 session: DB) -> ProbeRunOut:
    submission = load_submission(session, user, submission_id)
    review.check_reviewer(user, submission)
    review.require_transition(submission, "decide")  # only while in review
    manifest = session.scalar(sa.select(ProbeRun.manifest).where(ProbeRun.product_id == submission.product_id)
                              .order_by(ProbeRun.created_at.desc(), ProbeRun.id.desc()).limit(1))
    if manifest is None:
        raise conflict("Nhà cung cấp chưa gửi manifest nào cho sản phẩm này",
                       "The vendor has not given a probe manifest for this product yet")
    run = probe_runs.start_run(session, request.app.state.jobs, submission, user, manifest, body.only,
                               purpose="review")
    return probe_run_out(run)


@router.post("/submissions/{submission_id}/withdraw", response_model=ReviewOut,
             summary="Rút bản tự đánh giá / Withdraw a self-assessment (vendor)")
def withdraw(submission_id: ObjectId, body: WithdrawIn, request: Request, user: Writer, session: DB) -> ReviewOut:
    submission = load_submission(session, user, submission_id, write=True)
    review.withdraw(session, user, submission, body.reason)
    return _view(request, session, user, submission)


@router.post("/submissions/{submission_id}/comments", response_model=CommentOut, status_code=201,
             summary="Trao đổi với người thẩm định / A comment: the vendor's answer or a reviewer's note")
def add_comment(submission_id: ObjectId, body: CommentIn, user: CurrentUser, session: DB) -> CommentOut:
    submission = load_submission(session, user, submission_id)
    return CommentOut.model_validate(review.add_comment(session, user, submission, body.body, body.criterion_id))

