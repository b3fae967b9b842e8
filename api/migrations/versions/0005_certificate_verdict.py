"""The verdict a certificate was issued on: its canonical JSON and its digest, beside the report's.

Certificates issued before this revision get the verdict recomputed from what was stored when they were
issued: the submission's evaluation of its answers, the findings kept in the approved report, and the
reviewers' decisions (the same pure `checker.verdict.verdict` that issues new certificates).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import json

import sqlalchemy as sa
from alembic import op

from checker.criteria import CriteriaError, load_set
from checker.verdict import claims_from_evaluation, decisions_from_rows, verdict

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("verdict_json", sa.Text(), nullable=True))
        batch.add_column(sa.Column("verdict_digest", sa.String(71), nullable=True))
    _backfill(op.get_bind())


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _backfill(bind) -> None:
    rows = (
        bind.execute(
            sa.text(
                "SELECT c.id, c.report_json, s.id AS submission_id, s.criteria_version, s.evaluation, p.product_type "
                "FROM certificates c JOIN submissions s ON s.id = c.submission_id JOIN products p ON p.id = s.product_id "
                "WHERE c.report_json IS NOT NULL AND s.evaluation IS NOT NULL"
            )
        )
        .mappings()
        .all()
    )
    for row in rows:
        try:
            cset = load_set(row["criteria_version"])
        except CriteriaError:
            continue  # a version no longer shipped: the certificate keeps its report only
        decisions = (
            bind.execute(
                sa.text(
                    "SELECT d.criterion_id, d.decision, d.outcome, d.comment, u.name AS reviewer FROM review_decisions d "
                    "LEFT JOIN users u ON u.id = d.reviewer_id WHERE d.submission_id = :sid"
                ),
                {"sid": row["submission_id"]},
            )
            .mappings()
            .all()
        )
        found = verdict(
            cset,
            row["product_type"],
            claims_from_evaluation(_json(row["evaluation"])),
            _json(row["report_json"]).get("findings", []),
            decisions_from_rows({d["criterion_id"]: dict(d) for d in decisions}),
        )
        bind.execute(
            sa.text("UPDATE certificates SET verdict_json = :j, verdict_digest = :d WHERE id = :id"),
            {"j": found.canonical_json(), "d": found.digest(), "id": row["id"]},
        )


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("verdict_digest")
        batch.drop_column("verdict_json")
