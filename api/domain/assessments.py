"""Self-assessment lifecycle (draft, answers, submit, evaluation) on top of the pure checker."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session

from api.core.db import lock_for_update
from api.core.errors import ApiError, bilingual, conflict, invalid, not_found
from api.core.jsonsafe import json_problems
from api.core.models import Product, Submission, User, utcnow
from api.domain import audit, evidence, lifecycle, notifications
from api.domain.audit import Actor
from api.domain.lifecycle import UNDER_REVIEW
from checker.assessment import Checker, Issue, checker_for
from checker.criteria import CriteriaSet, list_versions, load_set


def criteria_set(version: str) -> CriteriaSet:
    """The criteria set `version`; 404 if there is no such version (a broken set stays a server error)."""
    if version not in list_versions():
        raise not_found(f"phiên bản bộ tiêu chí '{version}'", f"Criteria version '{version}'")
    return load_set(version)


def current_version() -> str:
    """The newest published criteria version: what new assessments and renewals are made against."""
    published = [v for v in list_versions() if load_set(v).status == "published"]
    return (published or list_versions())[-1]


def _checker(version: str, product_type: str) -> Checker:
    if version not in list_versions():
        raise invalid(
            [
                {
                    "pointer": "/criteria_version",
                    "message": bilingual(
                        f"Không có phiên bản bộ tiêu chí '{version}'; có: {', '.join(list_versions())}",
                        f"No criteria version '{version}'; known: {', '.join(list_versions())}",
                    ),
                }
            ]
        )
    return checker_for(version, product_type)


def _issue_items(issues: list[Issue]) -> list[dict]:
    # Generic jsonschema messages are English only; give them a Vietnamese lead like ours.
    return [
        {
            "pointer": i.pointer,
            "message": i.message if " / " in i.message else bilingual("Câu trả lời không đúng lược đồ", i.message),
        }
        for i in issues
    ]


def _validated(version: str, product_type: str, answers: dict[str, Any], *, complete: bool = False) -> Checker:
    """The checker for the draft, after checking `answers` (and, for submission, that all are answered)."""
    problems = json_problems(answers, "/answers")
    if problems:
        raise invalid(problems)
    checker = _checker(version, product_type)
    doc = {"criteria_version": version, "product_type": product_type, "answers": answers}
    issues = checker.validate(doc) + (checker.missing(answers) if complete else [])
    if issues:
        raise invalid(
            _issue_items(issues), "Câu trả lời tự đánh giá chưa hợp lệ", "The self-assessment answers are not valid"
        )
    return checker


def carried_answers(previous: dict[str, Any], version: str, product_type: str) -> dict[str, Any]:
    """The previous revision's answers that are still valid under `version` (a renewal moves to the current
    criteria version: answers to retired or changed criteria are dropped, the rest carried over)."""
    checker = _checker(version, product_type)
    answers = dict(previous)
    for _ in range(3):  # dropping an answer never makes another invalid; a second pass only confirms
        doc = {"criteria_version": version, "product_type": product_type, "answers": answers}
        bad = {
            i.pointer.split("/")[2]
            for i in checker.validate(doc)
            if i.pointer.startswith("/answers/") and len(i.pointer.split("/")) > 2
        }
        if not bad:
            break
        answers = {k: v for k, v in answers.items() if k not in bad}
    return answers


def new_draft(
    session: Session, product: Product, user: User, version: str, answers: dict | None, *, renews: str | None = None
) -> Submission:
    """Revision = previous + 1, following the previous revision; without `answers`, the previous revision's
    are carried over (those still valid under `version`). Refused while a revision awaits the club."""
    open_row = session.execute(
        sa.select(Submission.id, Submission.status).where(
            Submission.product_id == product.id, Submission.status.in_(("draft",) + UNDER_REVIEW)
        )
    ).first()
    if open_row is not None and open_row.status == "draft":
        raise conflict(
            f"Sản phẩm đã có bản nháp #{open_row.id}; hãy sửa bản đó",
            f"The product already has a draft (#{open_row.id}); edit that one",
            draft_id=open_row.id,
        )
    if open_row is not None:
        raise conflict(
            f"Bản #{open_row.id} của sản phẩm đang chờ thẩm định; hãy chờ kết quả hoặc rút bản đó",
            f"Self-assessment #{open_row.id} of the product awaits review; wait for the decision or withdraw it",
            submission_id=open_row.id,
        )
    previous = session.scalar(
        sa.select(Submission).where(Submission.product_id == product.id).order_by(Submission.revision.desc()).limit(1)
    )
    if answers is None:
        answers = carried_answers(previous.answers, version, product.product_type) if previous is not None else {}
        _checker(version, product.product_type)
    else:
        _validated(version, product.product_type, answers)
    if renews is None and previous is not None and previous.status == "changes_requested":
        renews = previous.renews_certificate_id  # a resubmitted renewal is still a renewal
    submission = Submission(
        product=product,
        revision=(previous.revision + 1) if previous else 1,
        criteria_version=version,
        status="draft",
        answers=answers,
        created_by_id=user.id,
        previous_id=previous.id if previous is not None else None,
        renews_certificate_id=renews,
    )
    session.add(submission)
    session.flush()
    # The previous revision's files come along as copies of their rows: its own list never changes.
    files = evidence.carry_forward(session, previous, submission) if previous is not None else 0
    audit.record(
        session,
        user,
        "submission.draft_created",
        "submission",
        submission.id,
        product.organisation_id,
        None,
        {
            "product_id": product.id,
            "revision": submission.revision,
            "criteria_version": version,
            "status": "draft",
            "answered_criteria": sorted(answers),
            "previous_id": submission.previous_id,
            "renews_certificate_id": renews,
            "evidence_files": files,
        },
    )
    return submission


def _record_answers(session: Session, actor: Actor, submission: Submission, action: str, old: dict[str, Any]) -> None:
    """Which criteria's answers changed (the answers themselves stay in the submission)."""
    audit.record(
        session,
        actor,
        action,
        "submission",
        submission.id,
        submission.product.organisation_id,
        {"answered": len(old)},
        {"answered": len(submission.answers), "changed_criteria": audit.changed_keys(old, submission.answers)},
    )


def _editable(submission: Submission, version: str | None) -> None:
    lifecycle.require_editable(submission.status)
    if version is not None and version != submission.criteria_version:
        raise invalid(
            [
                {
                    "pointer": "/criteria_version",
                    "message": bilingual(
                        f"Bản nháp dùng phiên bản {submission.criteria_version}, không phải {version}",
                        f"The draft uses {submission.criteria_version}, not {version}",
                    ),
                }
            ]
        )


def replace_answers(
    session: Session, actor: Actor, submission: Submission, version: str | None, answers: dict[str, Any]
) -> None:
    # Under the row lock, re-read: a submit that committed meanwhile is seen here, and refused.
    lock_for_update(session, submission)
    _editable(submission, version)
    _validated(submission.criteria_version, submission.product.product_type, answers)
    old, submission.answers = dict(submission.answers), answers
    _record_answers(session, actor, submission, "submission.answers_replaced", old)


def merge_answers(
    session: Session, actor: Actor, submission: Submission, version: str | None, changes: dict[str, Any]
) -> None:
    """Each criterion in `changes` replaces its answer; null removes it.

    The merge starts from the answers re-read under the submission's row lock, so concurrent merges of different
    criteria all survive (each waits for the previous one's commit) and none lands after a submit."""
    lock_for_update(session, submission)
    _editable(submission, version)
    merged = dict(submission.answers)
    for criterion_id, answer in changes.items():
        if answer is None:
            merged.pop(criterion_id, None)
        else:
            merged[criterion_id] = answer
    _validated(submission.criteria_version, submission.product.product_type, merged)
    old, submission.answers = dict(submission.answers), merged
    _record_answers(session, actor, submission, "submission.answers_merged", old)


def submit(session: Session, actor: Actor, submission: Submission) -> None:
    """Check completely, store the evaluation and freeze the submission."""
    lock_for_update(session, submission)  # the answers evaluated are the answers frozen (no merge in between)
    _editable(submission, None)
    checker = _validated(
        submission.criteria_version, submission.product.product_type, submission.answers, complete=True
    )
    # Files attached to a criterion count as its document evidence (read under the lock: no upload slips in).
    evaluation = checker.evaluate(evidence.effective_answers(session, submission)).to_dict()
    previous = session.get(Submission, submission.previous_id) if submission.previous_id else None
    submission.evaluation = evaluation
    submission.level = evaluation["level"]["id"] if evaluation["level"] else None
    # After "changes requested", the next revision goes back to the club as a resubmission.
    submission.status = lifecycle.require(
        submission.status, "submit", previous_status=previous.status if previous is not None else None
    )
    submission.submitted_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        f"submission.{submission.status}",
        "submission",
        submission.id,
        submission.product.organisation_id,
        {"status": "draft"},
        {
            "status": submission.status,
            "level": submission.level,
            "criteria_version": submission.criteria_version,
            "previous_id": submission.previous_id,
            "submitted_at": submission.submitted_at.isoformat(),
        },
    )
    notifications.submission_sent(session, submission)  # the vendor and the reviewers, after commit by e-mail


def evaluation_of(submission: Submission) -> dict:
    """The stored evaluation of a submission, or the current answers' evaluation for a draft."""
    if submission.status != "draft" and submission.evaluation is not None:
        return submission.evaluation
    try:
        checker = _validated(submission.criteria_version, submission.product.product_type, submission.answers)
    except ApiError as exc:
        # Answers were valid when saved; only a change in a draft criteria set can make them invalid.
        raise conflict(
            "Câu trả lời không còn hợp lệ với bộ tiêu chí hiện tại; hãy sửa bản nháp",
            "The answers no longer fit the current criteria set; update the draft",
            errors=exc.errors,
        ) from None
    session = object_session(submission)
    answers = evidence.effective_answers(session, submission) if session is not None else submission.answers
    return checker.evaluate(answers).to_dict()


def next_revision_of(session: Session, submission: Submission) -> Submission | None:
    """The revision made after this one (after changes were requested), if any."""
    return session.scalar(
        sa.select(Submission).where(Submission.previous_id == submission.id).order_by(Submission.revision).limit(1)
    )
