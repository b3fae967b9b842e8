"""The audit trail: reviewers and admins read every event, vendors their organisation's."""
from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query

from api.domain.access import load_submission, visible
from api.http.auth import DB, CurrentUser
from api.core.models import AuditEvent
from api.http.schemas import MAX_ID, AuditEventOut

router = APIRouter(tags=["audit"])
PAGE_SIZE = 50
Page = Annotated[int, Query(ge=1, le=100_000, description="Trang, 50 sự kiện mỗi trang / page of 50 events")]


def _page(session, query: sa.Select, page: int) -> list[AuditEventOut]:
    rows = session.scalars(query.order_by(AuditEvent.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return [AuditEventOut.model_validate(e) for e in rows]


@router.get("/audit", response_model=list[AuditEventOut],
            summary="Nhật ký thay đổi / Audit trail, oldest first (vendors: their organisation's events)")
def list_audit_events(user: CurrentUser, session: DB,
                      object_type: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]+$")] = None,
                      object_id: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")] = None,
                      page: Page = 1) -> list[AuditEventOut]:
    query = sa.select(AuditEvent).where(visible(user, AuditEvent.organisation_id))
    if object_type is not None:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == object_id)
    return _page(session, query, page)


@router.get("/submissions/{submission_id}/audit", response_model=list[AuditEventOut],
            summary="Nhật ký của một bản tự đánh giá / A self-assessment's audit events, oldest first")
def submission_audit(submission_id: Annotated[int, Path(ge=1, le=MAX_ID)], user: CurrentUser, session: DB,
                     page: Page = 1) -> list[AuditEventOut]:
    submission = load_submission(session, user, submission_id)
    return _page(session, sa.select(AuditEvent).where(AuditEvent.object_type == "submission",
                                                      AuditEvent.object_id == str(submission.id)), page)
