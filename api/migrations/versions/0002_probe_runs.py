"""Probe runs (jobs) and their stored artifacts, measurements and findings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when api.core.models does.
Timestamp = sa.DateTime(timezone=True)
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "probe_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("manifest", JSONDoc, nullable=False),
        sa.Column("only", JSONDoc, nullable=True),
        sa.Column("criteria_version", sa.String(32), nullable=False),
        sa.Column("progress_probe", sa.String(64), nullable=True),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("probes_done", sa.Integer(), nullable=False),
        sa.Column("probes_total", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("heartbeat_at", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("started_at", Timestamp, nullable=True),
        sa.Column("finished_at", Timestamp, nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled')", name=op.f("ck_probe_runs_status_allowed")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_probe_runs_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_probe_runs_product_id_products"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_probe_runs_requested_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probe_runs")),
    )
    op.create_index(op.f("ix_probe_runs_submission_id"), "probe_runs", ["submission_id"])
    op.create_index(op.f("ix_probe_runs_product_id"), "probe_runs", ["product_id"])
    op.create_index("ix_probe_runs_status_created_at", "probe_runs", ["status", "created_at"])
    op.create_table(
        "probe_artifacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("probe_id", sa.String(64), nullable=False),
        sa.Column("artifact", JSONDoc, nullable=False),
        sa.Column("measurement", JSONDoc, nullable=True),
        sa.Column("findings", JSONDoc, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("evaluated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["probe_runs.id"], name=op.f("fk_probe_artifacts_run_id_probe_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probe_artifacts")),
        sa.UniqueConstraint("run_id", "probe_id", name="uq_probe_artifacts_run_probe"),
    )


def downgrade() -> None:
    op.drop_table("probe_artifacts")
    op.drop_table("probe_runs")
