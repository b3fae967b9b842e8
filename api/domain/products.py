"""Products of vendor organisations: create, update and delete, each recorded in the audit trail."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.db import lock_for_update
from api.core.errors import conflict
from api.core.models import PROBE_RUN_ACTIVE, Certificate, Organisation, ProbeRun, Product, Submission, User
from api.core.search import LIKE_ESCAPE, contains_pattern
from api.domain import audit
from api.domain.access import visible
from api.domain.audit import Actor

FIELDS = ("name", "product_type", "url", "platforms", "description")


def state(product: Product) -> dict[str, Any]:
    return {f: list(getattr(product, f)) if f == "platforms" else getattr(product, f) for f in FIELDS}


def create_product(
    session: Session,
    actor: Actor,
    org: Organisation,
    *,
    name: str,
    product_type: str,
    url: str,
    platforms: list[str],
    description: str = "",
) -> Product:
    product = Product(
        organisation=org,
        name=name,
        product_type=product_type,
        url=url,
        platforms=list(platforms),
        description=description,
    )
    product.refresh_search_text()
    session.add(product)
    session.flush()
    audit.record(session, actor, "product.created", "product", product.id, org.id, None, state(product))
    return product


def update_product(session: Session, actor: Actor, product: Product, changes: dict[str, Any]) -> None:
    """Change the product's fields (those in `changes`); the type stays once there is a self-assessment (409)."""
    lock_for_update(session, product)  # and re-read: a self-assessment started meanwhile is seen below
    has_submissions = session.scalar(
        sa.select(sa.func.count()).select_from(Submission).where(Submission.product_id == product.id)
    )
    if "product_type" in changes and changes["product_type"] != product.product_type and has_submissions:
        # Answers are checked against the type's criteria; changing it would strand them.
        raise conflict(
            "Không thể đổi loại sản phẩm đã có bản tự đánh giá; hãy tạo sản phẩm mới",
            "The type of a product with self-assessments cannot change; add a new product",
        )
    before = state(product)
    for field, value in changes.items():
        setattr(product, field, list(value) if field == "platforms" else value)
    product.refresh_search_text()
    session.flush()
    after = state(product)
    keys = audit.changed_keys(before, after)
    if keys:
        audit.record(
            session,
            actor,
            "product.updated",
            "product",
            product.id,
            product.organisation_id,
            {k: before[k] for k in keys},
            {k: after[k] for k in keys},
        )


def deletion_blockers(session: Session, product: Product) -> list[dict[str, str]]:
    """Why the product cannot be deleted, one {vi, en} reason each ([] when it can): a self-assessment beyond
    draft, a certificate, or an unfinished probe run. Drafts and finished runs of drafts go with the product."""
    reasons = []
    for revision, status in session.execute(
        sa.select(Submission.revision, Submission.status)
        .where(Submission.product_id == product.id, Submission.status != "draft")
        .order_by(Submission.revision)
    ):
        reasons.append(
            bilingual_reason(
                f"bản tự đánh giá lần {revision} đã ở trạng thái “{status}”",
                f"self-assessment revision {revision} is “{status}”, beyond draft",
            )
        )
    for cert_id in session.scalars(
        sa.select(Certificate.id).where(Certificate.product_id == product.id).order_by(Certificate.id)
    ):
        reasons.append(bilingual_reason(f"đã có chứng nhận {cert_id}", f"certificate {cert_id} was issued for it"))
    for run_id in session.scalars(
        sa.select(ProbeRun.id).where(ProbeRun.product_id == product.id, ProbeRun.status.in_(PROBE_RUN_ACTIVE))
    ):
        reasons.append(
            bilingual_reason(f"lần kiểm tra tự động #{run_id} chưa xong", f"probe run #{run_id} has not finished")
        )
    return reasons


def bilingual_reason(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


def delete_product(session: Session, actor: Actor, product: Product) -> None:
    """Delete a product that has only drafts, no certificate and no unfinished probe run (409 naming why not).

    The product's row and its self-assessments' rows are locked first, so a draft submitted meanwhile is seen
    (and the submit of a draft being deleted waits, then finds it gone)."""
    lock_for_update(session, product)
    session.execute(sa.select(Submission.id).where(Submission.product_id == product.id).with_for_update())
    reasons = deletion_blockers(session, product)
    if reasons:
        raise conflict(
            "Không xoá được sản phẩm vì " + "; ".join(r["vi"] for r in reasons),
            "The product cannot be deleted: " + "; ".join(r["en"] for r in reasons),
            reasons=reasons,
        )
    audit.record(
        session, actor, "product.deleted", "product", product.id, product.organisation_id, state(product), None
    )
    session.delete(product)
    session.flush()


# --- reading ---------------------------------------------------------------------------------------


def visible_products(session: Session, user: User, *, q: str | None = None, by_name: bool = False) -> list[Product]:
    """The products `user` may see (vendors: their organisation's), optionally matching `q` (diacritics
    optional), by id or by name."""
    query = sa.select(Product).where(visible(user, Product.organisation_id))
    if q and q.strip():
        query = query.where(Product.search_text.like(contains_pattern(q), escape=LIKE_ESCAPE))
    order = (Product.name, Product.id) if by_name else (Product.id,)
    return list(session.scalars(query.order_by(*order)))


def revisions(session: Session, product: Product, *, newest_first: bool = False) -> list[Submission]:
    """Every self-assessment revision of the product."""
    order = Submission.revision.desc() if newest_first else Submission.revision
    return list(session.scalars(sa.select(Submission).where(Submission.product_id == product.id).order_by(order)))


def latest_revisions(session: Session, products: list[Product]) -> dict[int, Submission]:
    """product id -> its newest revision, for the products given."""
    latest: dict[int, Submission] = {}
    if products:
        for s in session.scalars(
            sa.select(Submission)
            .where(Submission.product_id.in_([p.id for p in products]))
            .order_by(Submission.revision)
        ):
            latest[s.product_id] = s
    return latest


def revision_numbers(session: Session, product_id: int) -> dict[int, int]:
    """submission id -> revision number, for a product's revisions (links between revisions)."""
    return dict(
        session.execute(sa.select(Submission.id, Submission.revision).where(Submission.product_id == product_id)).all()
    )


def certificates_of(session: Session, product: Product) -> list[Certificate]:
    return list(
        session.scalars(
            sa.select(Certificate)
            .where(Certificate.product_id == product.id)
            .order_by(Certificate.issued_at.desc(), Certificate.id)
        )
    )
