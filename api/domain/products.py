"""Products of vendor organisations: create, update and delete, each recorded in the audit trail."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.domain import audit
from api.domain.audit import Actor
from api.core.errors import conflict
from api.core.models import Certificate, Organisation, Product, Submission

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
