"""Audit events: the request id (X-Request-ID, or a probe job's id) of the change, covered by the event's hash when
set; events recorded before have none and keep their hashes (api.domain.audit.event_hash).

A plain ADD COLUMN, never a table copy: the append-only triggers of migration 0003 stay in place, and no row is
updated.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("request_id", sa.String(64), nullable=True))
    op.create_index(op.f("ix_audit_events_request_id"), "audit_events", ["request_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_events_request_id"), table_name="audit_events")
    op.drop_column("audit_events", "request_id")
