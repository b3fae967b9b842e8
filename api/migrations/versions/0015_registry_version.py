"""The registry's version: one row whose number grows with every change to the read model (public_products,
public_certificates), by triggers inside the writing transaction. A process that keeps public answers
(api.core.readcache) empties its cache when the number has changed, and only then: a commit elsewhere in the
database (a draft saved, an audit event, a probe run) leaves the public answers in place.

SQLite: row triggers (SQLite has no statement triggers); another process's commit is noticed by PRAGMA data_version
first, then this number says whether the registry was part of it. PostgreSQL keeps the row at 0: its change feed is
NOTIFY vcsc_registry (migration 0013), sent only by changes to the read model already. (Bumping one row there in every
writing statement would also leave a dead row version per statement: a bulk load of a transaction would slow down
with each one.)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("public_products", "public_certificates")
EVENTS = ("INSERT", "UPDATE", "DELETE")
BUMP = "UPDATE registry_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "registry_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO registry_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER registry_version_{table}_{event.lower()} AFTER {event} ON {table} BEGIN {BUMP}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for event in EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS registry_version_{table}_{event.lower()}")
    op.drop_table("registry_version")
