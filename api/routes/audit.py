"""The audit trail: reviewers and admins read every event, vendors their organisation's; anyone reads the signed
head (an id, a hash and a time: nothing about the events themselves)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from api.domain import audit
from api.domain.access import load_submission
from api.http.auth import DB, CurrentUser
from api.http.schemas import MAX_ID, AuditEventOut, AuditHeadOut

router = APIRouter(tags=["audit"])
Page = Annotated[int, Query(ge=1, le=100_000, description="Trang, 50 sự kiện mỗi trang / page of 50 events")]


@router.get(
    "/audit",
    response_model=list[AuditEventOut],
    summary="Nhật ký thay đổi / Audit trail, oldest first (vendors: their organisation's events)",
)
def list_audit_events(
    user: CurrentUser,
    session: DB,
    object_type: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
    object_id: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] = None,
    page: Page = 1,
) -> list[AuditEventOut]:
    """The hash-chained audit trail, oldest first, 50 events a page, optionally for one object (object_type and
    object_id). Reviewers and admins read every event, vendors their organisation's. Refused: 401 without a valid
    token; 422 for malformed filters or paging."""
    rows, _ = audit.events_page(session, user, object_type=object_type, object_id=object_id, page=page)
    return [AuditEventOut.model_validate(e) for e in rows]


@router.get(
    "/submissions/{submission_id}/audit",
    response_model=list[AuditEventOut],
    summary="Nhật ký của một bản tự đánh giá / A self-assessment's audit events, oldest first",
)
def submission_audit(
    submission_id: Annotated[int, Path(ge=1, le=MAX_ID)], user: CurrentUser, session: DB, page: Page = 1
) -> list[AuditEventOut]:
    """The audit events of one self-assessment, oldest first, 50 a page. Vendors: their own organisation's; reviewers
    and admins: any. Refused: 401; 404 for a submission the caller cannot see."""
    submission = load_submission(session, user, submission_id)
    rows, _ = audit.events_page(session, user, object_type="submission", object_id=str(submission.id), page=page)
    return [AuditEventOut.model_validate(e) for e in rows]


@router.get(
    "/audit/head",
    response_model=AuditHeadOut,
    summary="Đầu chuỗi nhật ký đã ký / The audit chain's head, signed (public: keep copies to detect "
    "truncation or rewriting later)",
)
def audit_head(request: Request, session: DB) -> AuditHeadOut:
    """The audit chain's head (last event id, hash and time) signed with the audit key. Public on purpose: keep copies
    elsewhere and give them to `vcsc audit verify --head` later to detect truncation or rewriting; it shows nothing
    about the events themselves. Nothing to refuse."""
    # Public on purpose: the more places keep a head, the less an insider can rewrite; it shows only how many
    # events there are and when the last one was recorded.
    return AuditHeadOut.model_validate(audit.signed_head(session, request.app.state.audit_sealer.key))
