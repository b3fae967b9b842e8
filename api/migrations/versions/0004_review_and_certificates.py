"""Review and certification: the submission life cycle, per-criterion decisions, comments, approvals,
signed certificates with status-list positions, monitoring runs and notifications.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

Timestamp = sa.DateTime(timezone=True)
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
STATUSES = ("draft", "submitted", "in_review", "changes_requested", "resubmitted", "approved", "rejected", "withdrawn")


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint(op.f("ck_submissions_status_allowed"), type_="check")
        batch.alter_column("status", type_=sa.String(24), existing_type=sa.String(16), existing_nullable=False)
        batch.create_check_constraint("status_allowed", _in("status", STATUSES))
        batch.add_column(sa.Column("previous_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("renews_certificate_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("reviewer_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("review_started_at", Timestamp, nullable=True))
        batch.add_column(sa.Column("decided_at", Timestamp, nullable=True))
        batch.create_foreign_key(
            "fk_submissions_previous_id_submissions", "submissions", ["previous_id"], ["id"], ondelete="SET NULL"
        )
        batch.create_foreign_key(
            "fk_submissions_renews_certificate_id_certificates",
            "certificates",
            ["renews_certificate_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_foreign_key(
            "fk_submissions_reviewer_id_users", "users", ["reviewer_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("status_index", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("credential_jws", sa.Text(), nullable=True))
        batch.add_column(sa.Column("report_digest", sa.String(71), nullable=True))
        batch.add_column(sa.Column("report_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("status_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("status_changed_at", Timestamp, nullable=True))
        batch.add_column(sa.Column("renews_id", sa.String(64), nullable=True))
        batch.add_column(sa.Column("last_monitored_at", Timestamp, nullable=True))
        batch.add_column(sa.Column("flagged_at", Timestamp, nullable=True))
        batch.add_column(sa.Column("flag_reason", JSONDoc, nullable=True))
        batch.create_unique_constraint("uq_certificates_submission_id", ["submission_id"])
        batch.create_unique_constraint("uq_certificates_status_index", ["status_index"])
        batch.create_foreign_key(
            "fk_certificates_renews_id_certificates", "certificates", ["renews_id"], ["id"], ondelete="SET NULL"
        )

    with op.batch_alter_table("probe_runs") as batch:
        batch.add_column(sa.Column("purpose", sa.String(16), nullable=False, server_default="assessment"))
        batch.add_column(sa.Column("certificate_id", sa.String(64), nullable=True))
        batch.create_check_constraint("purpose_allowed", _in("purpose", ("assessment", "review", "monitoring")))
        batch.create_foreign_key(
            "fk_probe_runs_certificate_id_certificates", "certificates", ["certificate_id"], ["id"], ondelete="SET NULL"
        )

    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.String(32), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.CheckConstraint(_in("decision", ("accept", "override")), name=op.f("ck_review_decisions_decision_allowed")),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_review_decisions_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_review_decisions_reviewer_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_decisions")),
        sa.UniqueConstraint("submission_id", "criterion_id", name="uq_review_decisions_criterion"),
    )
    op.create_index(op.f("ix_review_decisions_submission_id"), "review_decisions", ["submission_id"])
    op.create_table(
        "review_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("author_role", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("criterion_id", sa.String(32), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.CheckConstraint(
            _in("kind", ("request_changes", "reject", "approve", "note", "response")),
            name=op.f("ck_review_comments_kind_allowed"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_review_comments_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_review_comments_author_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_comments")),
    )
    op.create_index(op.f("ix_review_comments_submission_id"), "review_comments", ["submission_id"])
    op.create_table(
        "approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submissions.id"],
            name=op.f("fk_approvals_submission_id_submissions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_approvals_reviewer_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approvals")),
        sa.UniqueConstraint("submission_id", "reviewer_id", name="uq_approvals_submission_reviewer"),
    )
    op.create_index(op.f("ix_approvals_submission_id"), "approvals", ["submission_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("message", JSONDoc, nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("read_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_user_id"), "notifications", ["user_id"])


def downgrade() -> None:
    for table in ("notifications", "approvals", "review_comments", "review_decisions"):
        op.drop_table(table)
    with op.batch_alter_table("probe_runs") as batch:
        batch.drop_constraint("fk_probe_runs_certificate_id_certificates", type_="foreignkey")
        batch.drop_constraint(op.f("ck_probe_runs_purpose_allowed"), type_="check")
        batch.drop_column("certificate_id")
        batch.drop_column("purpose")
    with op.batch_alter_table("certificates") as batch:
        batch.drop_constraint("fk_certificates_renews_id_certificates", type_="foreignkey")
        batch.drop_constraint("uq_certificates_status_index", type_="unique")
        batch.drop_constraint("uq_certificates_submission_id", type_="unique")
        for column in (
            "flag_reason",
            "flagged_at",
            "last_monitored_at",
            "renews_id",
            "status_changed_at",
            "status_reason",
            "report_json",
            "report_digest",
            "credential_jws",
            "status_index",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("submissions") as batch:
        for name in (
            "fk_submissions_reviewer_id_users",
            "fk_submissions_renews_certificate_id_certificates",
            "fk_submissions_previous_id_submissions",
        ):
            batch.drop_constraint(name, type_="foreignkey")
        for column in ("decided_at", "review_started_at", "reviewer_id", "renews_certificate_id", "previous_id"):
            batch.drop_column(column)
        batch.drop_constraint(op.f("ck_submissions_status_allowed"), type_="check")
        batch.create_check_constraint("status_allowed", _in("status", ("draft", "submitted")))
