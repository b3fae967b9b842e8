"""Review assignment: the reviewer a submission is given to (assignee_id) and since when (assigned_at).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Frozen copy of the column type: a migration must not change when api.core.models does.
Timestamp = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("assigned_at", Timestamp, nullable=True))
        batch.create_foreign_key(
            "fk_submissions_assignee_id_users", "users", ["assignee_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("fk_submissions_assignee_id_users", type_="foreignkey")
        batch.drop_column("assigned_at")
        batch.drop_column("assignee_id")
