"""E-mail notifications: the outbox of queued mail (api.domain.mail) and the once-per-certificate expiry notice.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when api.core.models does.
Timestamp = sa.DateTime(timezone=True)
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipients", JSONDoc, nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("html", sa.Text(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("next_attempt_at", Timestamp, nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("sent_at", Timestamp, nullable=True),
        sa.Column("failed_at", Timestamp, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["sent_at", "failed_at", "next_attempt_at"])
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("expiry_notified_at", Timestamp, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("expiry_notified_at")
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    op.drop_table("mail_outbox")
