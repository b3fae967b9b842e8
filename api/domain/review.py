"""The review of a submission by the club: the state machine, the queue, per-criterion decisions, comments,
approvals (one or two reviewers) and the decision that issues the certificate.

The states and the moves between them are `api.domain.lifecycle`'s.

Every change locks the submission row first and re-reads it (`api.core.db.lock_for_update`), so two reviewers
acting at once are serialised: one wins, the other sees the new state and gets 409.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.db import lock_for_update
from api.core.errors import bilingual, conflict, forbidden, invalid
from api.core.models import (
    Approval,
    Certificate,
    ProbeRun,
    Product,
    ReviewComment,
    ReviewDecision,
    Submission,
    User,
    utcnow,
)
from api.core.settings import Settings
from api.domain import audit, certificates, lifecycle, notifications, probe_runs, reporting
from api.domain.assessments import criteria_set
from api.domain.lifecycle import IN_QUEUE, OPEN, STATUS_TITLES, TRANSITIONS, UNDER_REVIEW, allowed_actions  # noqa: F401
from checker.verdict import Level, Verdict


def require_transition(submission: Submission, action: str) -> str:
    """The status `action` leads to from the submission's status, or 409 listing the allowed actions."""
    return lifecycle.require(submission.status, action)


def check_reviewer(user: User, submission: Submission) -> None:
    """Reviewers and admins review, but never a product of their own organisation."""
    if user.role not in ("reviewer", "admin"):
        raise forbidden("Chỉ người thẩm định của câu lạc bộ được thẩm định", "Only club reviewers may review")
    if user.organisation_id == submission.product.organisation_id:
        raise forbidden(
            "Không được thẩm định sản phẩm của chính tổ chức mình",
            "Reviewers may not review their own organisation's product",
        )


def _locked(session: Session, submission: Submission, action: str) -> str:
    lock_for_update(session, submission)
    return require_transition(submission, action)


def _comment(
    session: Session, user: User, submission: Submission, kind: str, body: str, criterion_id: str | None = None
) -> ReviewComment:
    comment = ReviewComment(
        submission_id=submission.id,
        author_id=user.id,
        author_name=user.name,
        author_role=user.role,
        kind=kind,
        criterion_id=criterion_id,
        body=body,
        created_at=utcnow(),
    )
    session.add(comment)
    return comment


def _status_change(
    session: Session, user: User, submission: Submission, action: str, old: str, extra: dict[str, Any] | None = None
) -> None:
    session.flush()
    audit.record(
        session,
        user,
        f"submission.{action}",
        "submission",
        submission.id,
        submission.product.organisation_id,
        {"status": old},
        {"status": submission.status, **(extra or {})},
    )


# --- the queue -------------------------------------------------------------------------------------


@dataclass
class QueuePage:
    items: list[Submission]
    total: int


def queue(
    session: Session,
    user: User,
    *,
    statuses: list[str] | None,
    product_type: str | None,
    page: int,
    per_page: int,
    assigned: str | None = None,
) -> QueuePage:
    """Submissions waiting for the club, oldest submission first; a reviewer's own organisation is left out.
    `assigned`: "mine" (given to `user`), "unassigned" (given to nobody), or None (all)."""
    where = [Submission.status.in_(statuses or list(UNDER_REVIEW)), Product.organisation_id != user.organisation_id]
    if product_type:
        where.append(Product.product_type == product_type)
    if assigned == "mine":
        where.append(Submission.assignee_id == user.id)
    elif assigned == "unassigned":
        where.append(Submission.assignee_id.is_(None))
    base = sa.select(Submission).join(Product, Product.id == Submission.product_id).where(*where)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    items = list(
        session.scalars(
            base.order_by(Submission.submitted_at, Submission.id).offset((page - 1) * per_page).limit(per_page)
        )
    )
    return QueuePage(items, total)


# --- reviewer actions ------------------------------------------------------------------------------


def take(session: Session, user: User, submission: Submission) -> None:
    check_reviewer(user, submission)
    to = _locked(session, submission, "take")
    old, submission.status = submission.status, to
    submission.reviewer_id, submission.review_started_at = user.id, utcnow()
    _status_change(session, user, submission, "taken", old, {"reviewer_id": user.id})


def decide_criterion(
    session: Session,
    user: User,
    submission: Submission,
    criterion_id: str,
    decision: str,
    outcome: str | None,
    comment: str | None,
) -> ReviewDecision:
    """Accept the combined outcome of a criterion, or override it (a comment is then required)."""
    check_reviewer(user, submission)
    _locked(session, submission, "decide")
    found = reporting.verdict_of(session, submission)
    row = next((c for c in found.criteria if c.criterion_id == criterion_id), None)
    if row is None:
        raise invalid(
            [
                {
                    "pointer": "/criterion_id",
                    "message": bilingual(
                        f"Không có tiêu chí '{criterion_id}' trong phiên bản {submission.criteria_version}",
                        f"No criterion '{criterion_id}' in {submission.criteria_version}",
                    ),
                }
            ]
        )
    problems = []
    if decision == "override":
        if outcome is None:
            problems.append(
                {
                    "pointer": "/outcome",
                    "message": bilingual(
                        "Cần kết quả thay thế khi thay đổi kết quả", "An override needs the outcome that replaces it"
                    ),
                }
            )
        if not (comment or "").strip():
            problems.append(
                {
                    "pointer": "/comment",
                    "message": bilingual(
                        "Cần nêu lý do khi thay đổi kết quả", "An override needs a comment saying why"
                    ),
                }
            )
    elif outcome is not None and outcome != row.combined:
        problems.append(
            {
                "pointer": "/outcome",
                "message": bilingual(
                    f"Chấp nhận nghĩa là giữ kết quả '{row.combined}'; hãy dùng override để thay đổi",
                    f"Accepting keeps the outcome '{row.combined}'; use override to change it",
                ),
            }
        )
    if problems:
        raise invalid(problems)
    final = outcome if decision == "override" and outcome is not None else row.combined  # (an override has one)
    existing = session.scalar(
        sa.select(ReviewDecision).where(
            ReviewDecision.submission_id == submission.id, ReviewDecision.criterion_id == criterion_id
        )
    )
    before = (
        None
        if existing is None
        else {
            "decision": existing.decision,
            "outcome": existing.outcome,
            "comment": existing.comment,
            "reviewer_id": existing.reviewer_id,
        }
    )
    if existing is None:
        existing = ReviewDecision(submission_id=submission.id, criterion_id=criterion_id)
        session.add(existing)
    existing.decision, existing.outcome, existing.comment, existing.reviewer_id = decision, final, comment, user.id
    session.flush()
    audit.record(
        session,
        user,
        "submission.criterion_decided",
        "submission",
        submission.id,
        submission.product.organisation_id,
        before,
        {
            "criterion_id": criterion_id,
            "decision": decision,
            "outcome": final,
            "comment": comment,
            "computed_outcome": row.combined,
            "reviewer_id": user.id,
        },
    )
    return existing


def rerun_probes(
    session: Session,
    jobs: probe_runs.RunQueue,
    user: User,
    submission: Submission,
    only: list[str] | None,
    *,
    box: probe_runs.ManifestBox,
) -> ProbeRun:
    """Re-run the probes (all, or `only`) with the product's last manifest (stored sealed: `box` opens it);
    only while in review."""
    check_reviewer(user, submission)
    require_transition(submission, "decide")
    manifest = session.scalar(
        sa.select(ProbeRun.manifest)
        .where(ProbeRun.product_id == submission.product_id)
        .order_by(ProbeRun.created_at.desc(), ProbeRun.id.desc())
        .limit(1)
    )
    if manifest is None:
        raise conflict(
            "Nhà cung cấp chưa gửi manifest nào cho sản phẩm này",
            "The vendor has not given a probe manifest for this product yet",
        )
    return probe_runs.start_run(session, jobs, submission, user, manifest, only, box=box, purpose="review")


def request_changes(
    session: Session, user: User, submission: Submission, comment: str | None, criteria_comments: dict[str, str]
) -> None:
    check_reviewer(user, submission)
    to = _locked(session, submission, "request_changes")
    old = submission.status
    texts = {k: v.strip() for k, v in criteria_comments.items() if v and v.strip()}
    if not (comment or "").strip() and not texts:
        raise invalid(
            [
                {
                    "pointer": "/comment",
                    "message": bilingual("Hãy cho nhà cung cấp biết cần sửa gì", "Tell the vendor what to change"),
                }
            ]
        )
    submission.status = to
    if comment and comment.strip():
        _comment(session, user, submission, "request_changes", comment.strip())
    for criterion_id, text in sorted(texts.items()):
        _comment(session, user, submission, "request_changes", text, criterion_id)
    submission.decided_at = utcnow()
    _status_change(
        session, user, submission, "changes_requested", old, {"comment": comment, "criteria_comments": texts}
    )
    notifications.changes_requested(session, submission, comment, texts)


def reject(session: Session, user: User, submission: Submission, comment: str | None) -> None:
    check_reviewer(user, submission)
    to = _locked(session, submission, "reject")
    old = submission.status
    why = (comment or "").strip()
    if not why:
        raise invalid(
            [
                {
                    "pointer": "/comment",
                    "message": bilingual("Cần nêu lý do từ chối", "A rejection needs a comment saying why"),
                }
            ]
        )
    submission.status = to
    _comment(session, user, submission, "reject", why)
    submission.decided_at = utcnow()
    _status_change(session, user, submission, "rejected", old, {"comment": comment})
    notifications.rejected(session, submission, comment)


def approvals_of(session: Session, submission: Submission) -> list[Approval]:
    return list(
        session.scalars(sa.select(Approval).where(Approval.submission_id == submission.id).order_by(Approval.id))
    )


def _check_approvable(found: Verdict, approvals: list[Approval], user: User) -> Level:
    """409 while a discrepancy has no decision, the outcomes reach no level, or `user` already approved; else the
    level reached."""
    undecided = list(found.undecided_discrepancies)
    if undecided:
        raise conflict(
            "Còn sai khác chưa có quyết định của người thẩm định: " + ", ".join(undecided),
            "Some discrepancies have no reviewer decision yet: " + ", ".join(undecided),
            undecided=undecided,
        )
    if found.level is None:
        blockers = list(found.blockers)
        raise conflict(
            "Kết quả chưa đạt mức nào nên không thể phê duyệt; chưa đạt: " + ", ".join(blockers),
            "The outcomes reach no level, so it cannot be approved; not met: " + ", ".join(blockers),
            blockers=blockers,
        )
    if any(a.reviewer_id == user.id for a in approvals):
        raise conflict(
            "Bạn đã phê duyệt; cần một người thẩm định khác phê duyệt",
            "You have already approved; another reviewer must approve",
            allowed=[],
        )
    return found.level


def approve(
    session: Session,
    settings: Settings,
    user: User,
    submission: Submission,
    comment: str | None,
    *,
    expected_level: str | None = None,
) -> Certificate | None:
    """Record this reviewer's approval; once enough distinct reviewers approved, issue the certificate.

    Refused (409) while a discrepancy has no decision or the outcomes reach no level; with `expected_level` (the
    level the reviewer confirmed, see `approval_outlook`), also when the level reached is no longer that one."""
    check_reviewer(user, submission)
    _locked(session, submission, "approve")
    found, report = reporting.verdict_and_report(session, submission)
    approvals = approvals_of(session, submission)
    level = _check_approvable(found, approvals, user)
    if expected_level is not None and level.id != expected_level:
        raise conflict(
            f"Mức đạt được đã đổi thành “{level.title['vi']}” từ khi bạn xác nhận; hãy xác nhận lại",
            f"The level reached is now “{level.title['en']}”, not the one you confirmed; confirm again",
            level=level.id,
        )
    session.add(Approval(submission_id=submission.id, reviewer_id=user.id, created_at=utcnow()))
    if comment and comment.strip():
        _comment(session, user, submission, "approve", comment.strip())
    count = len(approvals) + 1
    session.flush()
    audit.record(
        session,
        user,
        "submission.approval_recorded",
        "submission",
        submission.id,
        submission.product.organisation_id,
        {"approvals": count - 1},
        {"approvals": count, "required": settings.review_approvals_required, "comment": comment},
    )
    if count < settings.review_approvals_required:
        return None
    old = submission.status
    submission.status, submission.decided_at = "approved", utcnow()
    _status_change(session, user, submission, "approved", old, {"level": level.id, "verdict_digest": found.digest()})
    cert = certificates.issue(session, settings, user, submission, found, report)
    notifications.approved(session, submission, cert)
    return cert


# --- a day of reviewing: accepting every agreeing criterion, the approval's outlook, assignment --------


def accept_agreeing(
    session: Session, user: User, submission: Submission, expected: Collection[str] | None = None
) -> list[str]:
    """Accept, in one transaction, the combined outcome of every agreeing criterion (not a discrepancy) that has
    no decision yet; decisions already made (overrides too) stay as they are. Returns the criteria accepted.

    `expected`: the criteria the reviewer saw as agreeing and undecided. After the row lock the verdict is read
    again; if that set changed meanwhile (a probe run finished, another reviewer decided), 409 and nothing is
    recorded. One audit event lists the criteria accepted and their outcomes."""
    check_reviewer(user, submission)
    _locked(session, submission, "decide")
    found = reporting.verdict_of(session, submission)
    todo = list(found.undecided_agreeing)
    if expected is not None and sorted(set(expected)) != sorted(todo):
        raise conflict(
            "Kết quả thẩm định đã thay đổi từ khi bạn mở trang; hãy xem lại các tiêu chí rồi chấp nhận lại",
            "The verdict changed since you opened the page; look at the criteria again, then accept again",
            criteria=todo,
        )
    if not todo:
        return []
    outcomes = {}
    for criterion_id in todo:
        outcome = found.criterion(criterion_id).combined
        session.add(
            ReviewDecision(
                submission_id=submission.id,
                criterion_id=criterion_id,
                decision="accept",
                outcome=outcome,
                comment=None,
                reviewer_id=user.id,
            )
        )
        outcomes[criterion_id] = outcome
    session.flush()
    audit.record(
        session,
        user,
        "submission.agreeing_accepted",
        "submission",
        submission.id,
        submission.product.organisation_id,
        {"undecided": todo},
        {"accepted": outcomes, "count": len(outcomes), "reviewer_id": user.id},
    )
    return todo


@dataclass
class ApprovalOutlook:
    """What approving now would do (the confirmation step): the level the certificate carries, and whether this
    approval is the last one needed (it issues the certificate) or is recorded while another reviewer must
    approve too."""

    level: Level
    approvals: int  # approvals so far, without this one
    required: int

    @property
    def issues_certificate(self) -> bool:
        return self.approvals + 1 >= self.required


def approval_outlook(session: Session, settings: Settings, user: User, submission: Submission) -> ApprovalOutlook:
    """The outlook of `approve` for `user` now, with its refusals (403, 409); nothing is written or locked."""
    check_reviewer(user, submission)
    require_transition(submission, "approve")
    found = reporting.verdict_of(session, submission)
    approvals = approvals_of(session, submission)
    level = _check_approvable(found, approvals, user)
    return ApprovalOutlook(level, len(approvals), settings.review_approvals_required)


def user_names(session: Session, ids) -> dict[int, str]:
    """Names of the users `ids` (None left out), for lists that show who a submission is assigned to."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(sa.select(User.id, User.name).where(User.id.in_(wanted))).all())


ASSIGNABLE = UNDER_REVIEW  # submitted, resubmitted, in review: what waits for the club


def may_be_assigned(candidate: User, submission: Submission) -> bool:
    """Active reviewers and admins, never of the product's own organisation."""
    return (
        candidate.role in ("reviewer", "admin")
        and candidate.active
        and candidate.organisation_id != submission.product.organisation_id
    )


def assignable_reviewers(session: Session, submission: Submission) -> list[User]:
    """Who the submission may be given to, by name."""
    staff = session.scalars(
        sa.select(User).where(User.role.in_(("reviewer", "admin")), User.active.is_(True)).order_by(User.name, User.id)
    )
    return [u for u in staff if may_be_assigned(u, submission)]


def assign(
    session: Session, user: User, submission: Submission, assignee_id: int | None, *, expected: int | None
) -> User | None:
    """Give the submission to the reviewer `assignee_id`, or to nobody (None); returns the assignee.

    `expected` is the assignee the caller saw (None: nobody). The row is locked and read again first: if the
    assignment changed meanwhile, 409 naming who has it now, so of two reviewers assigning at once one wins and
    the other is told. Only while the submission waits for or is in review (409 otherwise); the assignee must be
    an active reviewer or admin outside the product's organisation (422). Assigning to whoever has it already
    changes nothing. Each change is an audit event."""
    check_reviewer(user, submission)
    lock_for_update(session, submission)
    if submission.status not in ASSIGNABLE:
        title = STATUS_TITLES[submission.status]
        raise conflict(
            f"Chỉ giao việc được khi bản tự đánh giá đang chờ hoặc đang thẩm định, không phải khi “{title['vi']}”",
            f"Only a self-assessment waiting for or in review can be assigned, not one that is “{title['en']}”",
            submission_status=submission.status,
            allowed=[],
        )
    current = submission.assignee_id
    if current == assignee_id:
        return session.get(User, current) if current is not None else None
    if current != expected:
        holder = session.get(User, current) if current is not None else None
        if holder is not None:
            raise conflict(
                f"Bản này vừa được giao cho {holder.name}; hãy tải lại trang rồi quyết định lại",
                f"This submission has just been assigned to {holder.name}; reload the page and decide again",
                assignee_id=current,
                assignee_name=holder.name,
            )
        raise conflict(
            "Bản này vừa được bỏ giao; hãy tải lại trang rồi quyết định lại",
            "This submission has just been unassigned; reload the page and decide again",
            assignee_id=None,
            assignee_name=None,
        )
    assignee = session.get(User, assignee_id) if assignee_id is not None else None
    if assignee_id is not None and (assignee is None or not may_be_assigned(assignee, submission)):
        raise invalid(
            [
                {
                    "pointer": "/assignee_id",
                    "message": bilingual(
                        "Chỉ giao được cho người thẩm định hoặc quản trị viên đang hoạt động, không thuộc tổ chức của sản phẩm",
                        "Only an active reviewer or admin outside the product's organisation can be assigned",
                    ),
                }
            ]
        )
    old_name = session.scalar(sa.select(User.name).where(User.id == current)) if current is not None else None
    submission.assignee_id = assignee_id
    submission.assigned_at = utcnow() if assignee_id is not None else None
    session.flush()
    audit.record(
        session,
        user,
        "submission.assigned" if assignee is not None else "submission.unassigned",
        "submission",
        submission.id,
        submission.product.organisation_id,
        {"assignee_id": current, "assignee_name": old_name},
        {"assignee_id": assignee_id, "assignee_name": assignee.name if assignee is not None else None},
    )
    return assignee


# --- vendor actions --------------------------------------------------------------------------------


def withdraw(session: Session, user: User, submission: Submission, reason: str | None) -> None:
    to = _locked(session, submission, "withdraw")
    old, submission.status = submission.status, to
    if reason and reason.strip():
        _comment(session, user, submission, "note", reason.strip())
    _status_change(session, user, submission, "withdrawn", old, {"reason": reason})


def add_comment(
    session: Session, user: User, submission: Submission, body: str, criterion_id: str | None
) -> ReviewComment:
    """A vendor's answer to the reviewers, or a reviewer's note; not on drafts or final submissions
    (a draft's answers and notes speak for themselves)."""
    if user.role != "vendor":
        check_reviewer(user, submission)
    if submission.status not in OPEN or submission.status == "draft":
        raise conflict(
            "Chỉ bình luận được khi bản tự đánh giá đang được xem xét",
            "Comments are only possible while the self-assessment is under review",
            submission_status=submission.status,
        )
    if criterion_id is not None and criterion_id not in {
        c.id for c in criteria_set(submission.criteria_version).active_criteria()
    }:
        raise invalid(
            [
                {
                    "pointer": "/criterion_id",
                    "message": bilingual(
                        f"Không có tiêu chí '{criterion_id}' trong phiên bản {submission.criteria_version}",
                        f"No criterion '{criterion_id}' in {submission.criteria_version}",
                    ),
                }
            ]
        )
    kind = "response" if user.role == "vendor" else "note"
    comment = _comment(session, user, submission, kind, body.strip(), criterion_id)
    session.flush()
    audit.record(
        session,
        user,
        "submission.comment_added",
        "submission",
        submission.id,
        submission.product.organisation_id,
        None,
        {"comment_id": comment.id, "kind": kind, "criterion_id": criterion_id},
    )
    if kind == "note":
        notifications.reviewer_commented(session, submission, comment)
    return comment


# --- what a reader sees ----------------------------------------------------------------------------


def comments_of(session: Session, submission: Submission, *, with_history: bool = True) -> list[ReviewComment]:
    """The comments on this revision and on the revisions it follows (the conversation so far)."""
    ids, current = [submission.id], submission
    while with_history and current.previous_id is not None and len(ids) < 100:
        previous = session.get(Submission, current.previous_id)
        if previous is None or previous.product_id != submission.product_id:
            break
        ids.append(previous.id)
        current = previous
    return list(
        session.scalars(
            sa.select(ReviewComment)
            .where(ReviewComment.submission_id.in_(ids))
            .order_by(ReviewComment.created_at, ReviewComment.id)
        )
    )


def review_view(session: Session, settings: Settings, user: User, submission: Submission) -> dict[str, Any]:
    """The state of the review for `user`: vendors see the comments and decisions, not who approved."""
    decisions = reporting.decisions_of(session, submission)
    approvals = approvals_of(session, submission)
    certificate = session.scalar(sa.select(Certificate.id).where(Certificate.submission_id == submission.id))
    view: dict[str, Any] = {
        "submission_id": submission.id,
        "revision": submission.revision,
        "status": submission.status,
        "status_title": STATUS_TITLES[submission.status],
        "previous_id": submission.previous_id,
        "renews_certificate_id": submission.renews_certificate_id,
        "allowed_actions": allowed_actions(submission.status, "vendor" if user.role == "vendor" else "reviewer"),
        "reviewer_id": submission.reviewer_id,
        "review_started_at": submission.review_started_at,
        "decided_at": submission.decided_at,
        "assignee_id": submission.assignee_id,
        "assigned_at": submission.assigned_at,
        "approvals": len(approvals),
        "approvals_required": settings.review_approvals_required,
        "decisions": [{"criterion_id": cid, **d} for cid, d in sorted(decisions.items())],
        "comments": [
            {
                "id": c.id,
                "submission_id": c.submission_id,
                "author_name": c.author_name,
                "author_role": c.author_role,
                "kind": c.kind,
                "criterion_id": c.criterion_id,
                "body": c.body,
                "created_at": c.created_at,
            }
            for c in comments_of(session, submission)
        ],
        "certificate_id": certificate,
    }
    if user.role != "vendor":
        view["approved_by"] = [a.reviewer_id for a in approvals]
    else:
        for decision in view["decisions"]:
            decision.pop("reviewer_id", None)
    return view
