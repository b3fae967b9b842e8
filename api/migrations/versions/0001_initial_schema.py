"""Initial schema: organisations, users, tokens, products, submissions, certificates.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the column types: a migration must not change when api.core.models does.
Timestamp = sa.DateTime(timezone=True)
JSONDoc = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", Timestamp, nullable=False), sa.Column("updated_at", Timestamp, nullable=False)]


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("contact_email", sa.String(254), nullable=True),
        sa.Column("website", sa.String(2000), nullable=True),
        *_timestamps(),
        sa.CheckConstraint("kind IN ('vendor', 'club')", name=op.f("ck_organisations_kind_allowed")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("role IN ('vendor', 'reviewer', 'admin')", name=op.f("ck_users_role_allowed")),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_users_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_index(op.f("ix_users_organisation_id"), "users", ["organisation_id"])
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.String(100), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("expires_at", Timestamp, nullable=False),
        sa.CheckConstraint("kind IN ('session', 'api')", name=op.f("ck_tokens_kind_allowed")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_tokens_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tokens_token_hash")),
    )
    op.create_index(op.f("ix_tokens_user_id"), "tokens", ["user_id"])
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("product_type", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("platforms", JSONDoc, nullable=False),
        sa.Column("search_text", sa.String(500), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"], name=op.f("fk_products_organisation_id_organisations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
    )
    op.create_index(op.f("ix_products_organisation_id"), "products", ["organisation_id"])
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("criteria_version", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answers", JSONDoc, nullable=False),
        sa.Column("evaluation", JSONDoc, nullable=True),
        sa.Column("level", sa.String(32), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", Timestamp, nullable=True),
        *_timestamps(),
        sa.CheckConstraint("status IN ('draft', 'submitted')", name=op.f("ck_submissions_status_allowed")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_submissions_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_submissions_product_id_products"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submissions")),
        sa.UniqueConstraint("product_id", "revision", name="uq_submissions_product_revision"),
    )
    op.create_index(op.f("ix_submissions_product_id"), "submissions", ["product_id"])
    op.create_table(
        "certificates",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("criteria_version", sa.String(32), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_at", Timestamp, nullable=False),
        sa.Column("valid_until", Timestamp, nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('valid', 'suspended', 'revoked', 'expired')", name=op.f("ck_certificates_status_allowed")
        ),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_certificates_product_id_products")),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name=op.f("fk_certificates_submission_id_submissions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
    )
    op.create_index(op.f("ix_certificates_product_id"), "certificates", ["product_id"])


def downgrade() -> None:
    for table in ("certificates", "submissions", "products", "tokens", "users", "organisations"):
        op.drop_table(table)
