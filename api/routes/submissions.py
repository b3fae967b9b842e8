"""Self-assessments of a product: drafts, answers, submission and evaluation."""
from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path

from api.domain import assessments, probe_runs
from api.domain.access import load_product, load_submission
from api.http.auth import DB, CurrentUser, Writer
from api.core.models import Submission
from api.http.schemas import (MAX_ID, AnswersPatch, AnswersReplace, EvaluationOut, SubmissionCreate, SubmissionOut,
                         SubmissionSummary)

router = APIRouter(tags=["submissions"])
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post("/products/{product_id}/submissions", response_model=SubmissionOut, status_code=201,
             summary="Tạo bản nháp tự đánh giá / Start a self-assessment draft (the next revision)")
def create_submission(product_id: ObjectId, body: SubmissionCreate, user: Writer, session: DB) -> SubmissionOut:
    product = load_product(session, user, product_id, write=True)
    submission = assessments.new_draft(session, product, user, body.criteria_version, body.answers)
    return SubmissionOut.model_validate(submission)


@router.get("/products/{product_id}/submissions", response_model=list[SubmissionSummary],
            summary="Các bản tự đánh giá của sản phẩm / A product's self-assessments")
def list_submissions(product_id: ObjectId, user: CurrentUser, session: DB) -> list[SubmissionSummary]:
    product = load_product(session, user, product_id)
    rows = session.scalars(sa.select(Submission).where(Submission.product_id == product.id)
                           .order_by(Submission.revision))
    return [SubmissionSummary.model_validate(s) for s in rows]


@router.get("/submissions/{submission_id}", response_model=SubmissionOut,
            summary="Một bản tự đánh giá / One self-assessment with its answers")
def get_submission(submission_id: ObjectId, user: CurrentUser, session: DB) -> SubmissionOut:
    return SubmissionOut.model_validate(load_submission(session, user, submission_id))


@router.put("/submissions/{submission_id}/answers", response_model=SubmissionOut,
            summary="Thay toàn bộ câu trả lời / Replace all answers of a draft")
def replace_answers(submission_id: ObjectId, body: AnswersReplace, user: Writer, session: DB) -> SubmissionOut:
    submission = load_submission(session, user, submission_id, write=True)
    assessments.replace_answers(session, user, submission, body.criteria_version, body.answers)
    session.flush()
    return SubmissionOut.model_validate(submission)


@router.patch("/submissions/{submission_id}/answers", response_model=SubmissionOut,
              summary="Sửa một số câu trả lời / Merge answers per criterion into a draft (null removes)")
def merge_answers(submission_id: ObjectId, body: AnswersPatch, user: Writer, session: DB) -> SubmissionOut:
    submission = load_submission(session, user, submission_id, write=True)
    assessments.merge_answers(session, user, submission, body.criteria_version, body.answers)
    session.flush()
    return SubmissionOut.model_validate(submission)


@router.post("/submissions/{submission_id}/submit", response_model=SubmissionOut,
             summary="Nộp bản tự đánh giá / Submit: checks every answer, stores the evaluation, freezes the draft")
def submit_submission(submission_id: ObjectId, user: Writer, session: DB) -> SubmissionOut:
    submission = load_submission(session, user, submission_id, write=True)
    assessments.submit(session, user, submission)
    session.flush()
    return SubmissionOut.model_validate(submission)


@router.get("/submissions/{submission_id}/evaluation", response_model=EvaluationOut,
            summary="Kết quả đánh giá / Outcome per criterion and the level reached")
def get_evaluation(submission_id: ObjectId, user: CurrentUser, session: DB) -> EvaluationOut:
    submission = load_submission(session, user, submission_id)
    evaluation = dict(assessments.evaluation_of(submission))
    latest = probe_runs.latest_findings(session, submission)
    if latest is not None:
        evaluation["probe_run_id"], evaluation["probe_findings"] = latest
    return EvaluationOut.model_validate(evaluation)
