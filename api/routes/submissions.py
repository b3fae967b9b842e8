"""Self-assessments of a product: drafts, answers, submission and evaluation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.domain import assessments, probe_runs, products, reporting
from api.domain.access import load_product, load_submission
from api.http.auth import DB, CurrentUser, Writer
from api.http.schemas import (
    MAX_ID,
    AnswersPatch,
    AnswersReplace,
    EvaluationOut,
    SubmissionCreate,
    SubmissionOut,
    SubmissionSummary,
    VerdictOut,
)

router = APIRouter(tags=["submissions"])
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.post(
    "/products/{product_id}/submissions",
    response_model=SubmissionOut,
    status_code=201,
    summary="Tạo bản nháp tự đánh giá / Start a self-assessment draft (the next revision)",
)
def create_submission(product_id: ObjectId, body: SubmissionCreate, user: Writer, session: DB) -> SubmissionOut:
    """Start the product's next self-assessment revision as a draft against `criteria_version`; without `answers`, the
    previous revision's answers of the same version are copied. Vendors (their own products) and admins; reviewers
    are read-only. Refused: 403 for reviewers; 404 for a product the caller cannot see; 409 when the product already
    has an open draft or a revision awaiting review; 422 for an unknown criteria version or invalid answers."""
    product = load_product(session, user, product_id, write=True)
    submission = assessments.new_draft(session, product, user, body.criteria_version, body.answers)
    return SubmissionOut.model_validate(submission)


@router.get(
    "/products/{product_id}/submissions",
    response_model=list[SubmissionSummary],
    summary="Các bản tự đánh giá của sản phẩm / A product's self-assessments",
)
def list_submissions(product_id: ObjectId, user: CurrentUser, session: DB) -> list[SubmissionSummary]:
    """Every self-assessment revision of a product, without answers. Vendors: their own products; reviewers and admins:
    any. Refused: 401; 404 for a product the caller cannot see."""
    product = load_product(session, user, product_id)
    return [SubmissionSummary.model_validate(s) for s in products.revisions(session, product)]


@router.get(
    "/submissions/{submission_id}",
    response_model=SubmissionOut,
    summary="Một bản tự đánh giá / One self-assessment with its answers",
)
def get_submission(submission_id: ObjectId, user: CurrentUser, session: DB) -> SubmissionOut:
    """One self-assessment revision with its answers and, once submitted, its stored evaluation. Vendors: their own
    organisation's; reviewers and admins: any. Refused: 401; 404."""
    return SubmissionOut.model_validate(load_submission(session, user, submission_id))


@router.put(
    "/submissions/{submission_id}/answers",
    response_model=SubmissionOut,
    summary="Thay toàn bộ câu trả lời / Replace all answers of a draft",
)
def replace_answers(submission_id: ObjectId, body: AnswersReplace, user: Writer, session: DB) -> SubmissionOut:
    """Replace every answer of a draft (criteria not given become unanswered). Each answer is checked against the
    criteria set's answer schema. Vendors (their own drafts) and admins. Refused: 403 for reviewers; 404; 409 when
    the revision is no longer a draft; 422 for answers that do not fit the schema or a criteria_version other than
    the draft's."""
    submission = load_submission(session, user, submission_id, write=True)
    assessments.replace_answers(session, user, submission, body.criteria_version, body.answers)
    session.flush()
    return SubmissionOut.model_validate(submission)


@router.patch(
    "/submissions/{submission_id}/answers",
    response_model=SubmissionOut,
    summary="Sửa một số câu trả lời / Merge answers per criterion into a draft (null removes)",
)
def merge_answers(submission_id: ObjectId, body: AnswersPatch, user: Writer, session: DB) -> SubmissionOut:
    """Merge answers into a draft per criterion: each given criterion replaces its old answer, null removes it, the
    others stay. Vendors (their own drafts) and admins. Refused: 403 for reviewers; 404; 409 when the revision is no
    longer a draft; 422 for answers that do not fit the schema."""
    submission = load_submission(session, user, submission_id, write=True)
    assessments.merge_answers(session, user, submission, body.criteria_version, body.answers)
    session.flush()
    return SubmissionOut.model_validate(submission)


@router.post(
    "/submissions/{submission_id}/submit",
    response_model=SubmissionOut,
    summary="Nộp bản tự đánh giá / Submit: checks every answer, stores the evaluation, freezes the draft",
)
def submit_submission(submission_id: ObjectId, user: Writer, session: DB) -> SubmissionOut:
    """Submit a draft for review: every answer must be complete and valid, the evaluation is computed and stored, and
    the answers are frozen. Vendors (their own drafts) and admins. Refused: 403 for reviewers; 404; 409 when the
    revision is not a draft or its answers no longer fit the current criteria set; 422 listing each missing or
    invalid answer."""
    submission = load_submission(session, user, submission_id, write=True)
    assessments.submit(session, user, submission)
    session.flush()
    return SubmissionOut.model_validate(submission)


@router.get(
    "/submissions/{submission_id}/verdict",
    response_model=VerdictOut,
    summary="Kết quả thẩm định / The verdict: claimed, measured, combined and decided outcome per criterion",
)
def get_verdict(submission_id: ObjectId, user: CurrentUser, session: DB) -> VerdictOut:
    """The one verdict on this revision (checker/verdict.py): per criterion the self-assessment's outcome, the
    probes' outcome, their combination and the reviewer's decision, each with its source; the discrepancies; the
    level reached and what blocks the next one. For an approved revision, the verdict its certificate was
    issued on. Vendors read their own organisation's revisions (others: 404); reviewers and admins read all."""
    submission = load_submission(session, user, submission_id)
    found = reporting.current_verdict(session, submission)
    return VerdictOut.model_validate({**found.to_dict(), "digest": found.digest()})


@router.get(
    "/submissions/{submission_id}/evaluation",
    response_model=EvaluationOut,
    summary="Kết quả tự đánh giá / The self-assessment's own outcome per criterion (claims only)",
)
def get_evaluation(submission_id: ObjectId, user: CurrentUser, session: DB) -> EvaluationOut:
    """The self-assessment's own outcome per criterion, the level it reaches and what blocks the next one, computed
    from the answers, with the latest finished probe run's findings. Vendors: their own organisation's; reviewers
    and admins: any. Refused: 401; 404."""
    submission = load_submission(session, user, submission_id)
    evaluation = dict(assessments.evaluation_of(submission))
    latest = probe_runs.latest_findings(session, submission)
    if latest is not None:
        evaluation["probe_run_id"], evaluation["probe_findings"] = latest
    return EvaluationOut.model_validate(evaluation)
