"""Products of vendor organisations: create, update and delete, each recorded in the audit trail."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.domain import audit
from api.domain.audit import Actor
from api.core.errors import conflict
from api.core.models import Certificate, Organisation, Product, Submission, User
from api.core.search import LIKE_ESCAPE, contains_pattern
from api.domain.access import visible

FIELDS = ("name", "product_type", "url", "platforms")


def state(product: Product) -> dict[str, Any]:
    return {f: list(getattr(product, f)) if f == "platforms" else getattr(product, f) for f in FIELDS}


def create_product(session: Session, actor: Actor, org: Organisation, *, name: str, product_type: str, url: str,
                   platforms: list[str]) -> Product:
    product = Product(organisation=org, name=name, product_type=product_type, url=url, platforms=list(platforms))
    product.refresh_search_text()
    session.add(product)
    session.flush()
    audit.record(session, actor, "product.created", "product", product.id, org.id, None, state(product))
    return product


def update_product(session: Session, actor: Actor, product: Product, changes: dict[str, Any]) -> None:
    if "product_type" in changes and changes["product_type"] != product.product_type and product.submissions:
        # Answers are checked against the type's criteria; changing it would strand them.
        raise conflict("Không thể đổi loại sản phẩm đã có bản tự đánh giá; hãy tạo sản phẩm mới",
                       "The type of a product with self-assessments cannot change; add a new product")
    before = state(product)
    for field, value in changes.items():
        setattr(product, field, list(value) if field == "platforms" else value)
    product.refresh_search_text()
    session.flush()
    after = state(product)
    keys = audit.changed_keys(before, after)
    if keys:
        audit.record(session, actor, "product.updated", "product", product.id, product.organisation_id,
                     {k: before[k] for k in keys}, {k: after[k] for k in keys})


def delete_product(session: Session, actor: Actor, product: Product) -> None:
    """Delete a product that has no submitted self-assessment and no certificate (409 otherwise)."""
    submitted = session.scalar(sa.select(sa.func.count()).select_from(Submission)
                               .where(Submission.product_id == product.id, Submission.status == "submitted"))
    certified = session.scalar(sa.select(sa.func.count()).select_from(Certificate)
                               .where(Certificate.product_id == product.id))
    if submitted or certified:
        raise conflict("Sản phẩm đã có bản tự đánh giá đã nộp hoặc chứng nhận nên không xoá được",
                       "The product has a submitted self-assessment or a certificate and cannot be deleted")
    audit.record(session, actor, "product.deleted", "product", product.id, product.organisation_id, state(product), None)
    session.delete(product)


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
        for s in session.scalars(sa.select(Submission).where(Submission.product_id.in_([p.id for p in products]))
                                 .order_by(Submission.revision)):
            latest[s.product_id] = s
    return latest


def revision_numbers(session: Session, product_id: int) -> dict[int, int]:
    """submission id -> revision number, for a product's revisions (links between revisions)."""
    return dict(session.execute(sa.select(Submission.id, Submission.revision)
                                .where(Submission.product_id == product_id)).all())


def certificates_of(session: Session, product: Product) -> list[Certificate]:
    return list(session.scalars(sa.select(Certificate).where(Certificate.product_id == product.id)
                                .order_by(Certificate.issued_at.desc(), Certificate.id)))
