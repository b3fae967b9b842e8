"""The life cycle of a submission (one self-assessment revision): its states, the moves between them, who
may make each move, and the 409 that a refused move gives. Pure: no database, no I/O; every module that
changes a submission's status (assessments: submit; review: take, decide, approve, reject, request
changes; withdraw; renewal through a new draft) asks this one.

States and who moves them::

    draft ──submit──▶ submitted ──take──▶ in_review ──approve──▶ approved   (certificate issued)
      │   (resubmitted when the previous    │          ──reject───▶ rejected
      │    revision had changes requested)  │          ──request_changes──▶ changes_requested
      └──────────── withdraw (vendor, from any open state) ──────────────▶ withdrawn

After "changes requested" the vendor makes the next revision (a new draft, answers copied) and submits it:
that revision is "resubmitted" and goes back to the queue. Approved, rejected and withdrawn are final.
"""

from __future__ import annotations

from api.core.errors import ApiError, conflict
from checker.glossary import words

STATES = ("draft", "submitted", "in_review", "changes_requested", "resubmitted", "approved", "rejected", "withdrawn")
OPEN = ("draft", "submitted", "in_review", "changes_requested", "resubmitted")
IN_QUEUE = ("submitted", "resubmitted")  # waiting for a reviewer to take it
UNDER_REVIEW = ("submitted", "in_review", "resubmitted")  # with the club: no new revision meanwhile
FINAL = ("approved", "rejected", "withdrawn")

# status -> {action: the status it leads to}
TRANSITIONS: dict[str, dict[str, str]] = {
    "draft": {"submit": "submitted", "withdraw": "withdrawn"},
    "submitted": {"take": "in_review", "withdraw": "withdrawn"},
    "resubmitted": {"take": "in_review", "withdraw": "withdrawn"},
    "in_review": {
        "decide": "in_review",
        "approve": "approved",
        "reject": "rejected",
        "request_changes": "changes_requested",
        "withdraw": "withdrawn",
    },
    "changes_requested": {"withdraw": "withdrawn"},
    "approved": {},
    "rejected": {},
    "withdrawn": {},
}
VENDOR_ACTIONS = ("submit", "withdraw")
REVIEWER_ACTIONS = ("take", "decide", "approve", "reject", "request_changes")
EDITABLE = ("draft",)  # only a draft's answers may change

STATUS_TITLES = words("submission_status")


def allowed_actions(status: str, role: str | None = None) -> list[dict[str, str]]:
    """The actions allowed from `status` (for a role: vendors submit and withdraw, reviewers the rest)."""
    mine = (
        VENDOR_ACTIONS
        if role == "vendor"
        else REVIEWER_ACTIONS
        if role == "reviewer"
        else VENDOR_ACTIONS + REVIEWER_ACTIONS
    )
    return [{"action": action, "to": to} for action, to in TRANSITIONS[status].items() if action in mine]


def next_status(status: str, action: str, *, previous_status: str | None = None) -> str | None:
    """The status `action` leads to from `status`, or None when the move is not allowed.

    Submitting the revision that follows one with changes requested makes it "resubmitted"."""
    to = TRANSITIONS[status].get(action)
    if to == "submitted" and previous_status == "changes_requested":
        return "resubmitted"
    return to


def refused(status: str, action: str) -> ApiError:
    """The 409 of a move that is not allowed from `status`, listing what is allowed."""
    title = STATUS_TITLES[status]
    return conflict(
        f"Không thể '{action}' khi bản tự đánh giá ở trạng thái “{title['vi']}”",
        f"Cannot '{action}' a self-assessment that is “{title['en']}”",
        submission_status=status,
        allowed=allowed_actions(status),
    )


def require(status: str, action: str, *, previous_status: str | None = None) -> str:
    """The status `action` leads to from `status`; raises the 409 of `refused` otherwise."""
    to = next_status(status, action, previous_status=previous_status)
    if to is None:
        raise refused(status, action)
    return to


def require_editable(status: str) -> None:
    """A submission's answers change only while it is a draft; 409 otherwise."""
    if status not in EDITABLE:
        raise conflict(
            "Bản tự đánh giá đã nộp không thể thay đổi; hãy tạo bản nháp mới",
            "A submitted self-assessment cannot change; create a new draft",
            submission_status=status,
            allowed=allowed_actions(status),
        )
