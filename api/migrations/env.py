"""Alembic environment: runs on the connection handed over by api.core.db (no alembic.ini, no URL here)."""

from alembic import context

from api.core.models import Base
from api.core.search import index_only

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Chạy migration qua `vcsc db upgrade` / run migrations through `vcsc db upgrade` (api.core.db.upgrade)"
    )

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds tables for later migrations.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    # Procrastinate's tables (PostgreSQL job backend) share the database but are its own, not ours.
    # The search index's FTS5 tables and tsvector/trigram columns (api.core.search.index_only) are not models.
    include_name=lambda name, type_, parent: (
        not (type_ == "table" and (name or "").startswith("procrastinate_") or index_only(name, type_, parent))
    ),
)
with context.begin_transaction():
    context.run_migrations()
