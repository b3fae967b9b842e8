"""Evidence files: what vendors upload per criterion of a revision (api.domain.evidence); the bytes are blobs in
the storage (api.core.storage), each row names its blob by SHA-256.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when api.core.models does.
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "evidence_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("storage_key", sa.String(64), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            ondelete="CASCADE",
            name=op.f("fk_evidence_files_submission_id_submissions"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], ondelete="SET NULL", name=op.f("fk_evidence_files_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_files")),
    )
    op.create_index("ix_evidence_files_submission_criterion", "evidence_files", ["submission_id", "criterion_id"])
    op.create_index("ix_evidence_files_storage_key", "evidence_files", ["storage_key"])


def downgrade() -> None:
    op.drop_index("ix_evidence_files_storage_key", table_name="evidence_files")
    op.drop_index("ix_evidence_files_submission_criterion", table_name="evidence_files")
    op.drop_table("evidence_files")
