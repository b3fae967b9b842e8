"""Signed checkpoints of the audit chain's head (api.domain.audit): append-only, like the events.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when api.core.models does.
Timestamp = sa.DateTime(timezone=True)

PG_FUNCTION = """
CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_checkpoints is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("event_hash", sa.String(64), nullable=False),
        sa.Column("signed_at", Timestamp, nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
        sa.UniqueConstraint("event_id", name=op.f("uq_audit_checkpoints_event_id")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints "
            "FOR EACH ROW EXECUTE FUNCTION audit_checkpoints_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_checkpoints_no_{verb.lower()} BEFORE {verb} ON audit_checkpoints "
                f"BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only ({verb} refused)'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON audit_checkpoints")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_change ON audit_checkpoints")
        op.execute("DROP FUNCTION IF EXISTS audit_checkpoints_append_only()")
    op.drop_table("audit_checkpoints")
