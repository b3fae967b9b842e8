"""The registry's change feed: PostgreSQL statement triggers on the read model's tables send NOTIFY vcsc_registry
inside the writing transaction (delivered only if it commits), so every process empties its cache of public answers
(api.core.readcache). SQLite: nothing (its processes do not cache).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("public_products", "public_certificates")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION registry_notify() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('vcsc_registry', ''); RETURN NULL; END $$"
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER registry_notify_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION registry_notify()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS registry_notify_{table} ON {table}")
    op.execute("DROP FUNCTION IF EXISTS registry_notify()")
