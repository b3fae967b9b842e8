"""The public lookup: certified products (valid, unexpired certificate) and certificate verification."""
from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query
from sqlalchemy.orm import Session

from api.auth import DB
from api.errors import not_found
from api.models import Certificate, Product, utcnow
from api.schemas import (MAX_ID, CertificateLookup, ProductType, PublicCertificate, PublicListing, PublicPage,
                         PublicProduct, Text)
from api.search import LIKE_ESCAPE, contains_pattern

router = APIRouter(prefix="/public", tags=["public"])


def _valid_certificate(now):
    return sa.and_(Certificate.status == "valid", Certificate.valid_until >= now)


def _public_product(product: Product) -> PublicProduct:
    # Built field by field: nothing private (contacts, answers, evidence) can slip in.
    return PublicProduct(id=product.id, name=product.name, vendor=product.organisation.name,
                         product_type=product.product_type, url=product.url, platforms=list(product.platforms))


def _listings(session: Session, products: list[Product], now) -> list[PublicListing]:
    """Each product with its most recently issued valid certificate."""
    certs = session.scalars(sa.select(Certificate).where(Certificate.product_id.in_([p.id for p in products]),
                                                         _valid_certificate(now))
                            .order_by(Certificate.issued_at.desc(), Certificate.id))
    best: dict[int, Certificate] = {}
    for cert in certs:
        best.setdefault(cert.product_id, cert)
    return [PublicListing(**_public_product(p).model_dump(), certificate=PublicCertificate.model_validate(best[p.id]))
            for p in products]


@router.get("/products", response_model=PublicPage,
            summary="Sản phẩm được chứng nhận / Certified products (search without diacritics)")
def list_certified(session: DB,
                   q: Annotated[Text | None, Query(max_length=200, description="vd. / e.g. 'bao ve tre em'")] = None,
                   type: Annotated[ProductType | None, Query(description="Loại sản phẩm / product type")] = None,
                   page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                   per_page: Annotated[int, Query(ge=1, le=100)] = 20) -> PublicPage:
    now = utcnow()
    certified = sa.exists().where(Certificate.product_id == Product.id, _valid_certificate(now))
    where = [certified]
    if q and q.strip():
        where.append(Product.search_text.like(contains_pattern(q), escape=LIKE_ESCAPE))
    if type:
        where.append(Product.product_type == type)
    total = session.scalar(sa.select(sa.func.count()).select_from(Product).where(*where))
    products = list(session.scalars(sa.select(Product).where(*where).order_by(Product.name, Product.id)
                                    .offset((page - 1) * per_page).limit(per_page)))
    return PublicPage(items=_listings(session, products, now), total=total, page=page, per_page=per_page)


@router.get("/products/{product_id}", response_model=PublicListing,
            summary="Một sản phẩm được chứng nhận / One certified product")
def get_certified(product_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DB) -> PublicListing:
    now = utcnow()
    product = session.scalar(sa.select(Product).where(Product.id == product_id, sa.exists().where(
        Certificate.product_id == Product.id, _valid_certificate(now))))
    if product is None:
        raise not_found("sản phẩm được chứng nhận", "Certified product")
    return _listings(session, [product], now)[0]


@router.get("/certificates/{certificate_id}", response_model=CertificateLookup,
            summary="Tra cứu chứng nhận / Verify a certificate by its number (any status)")
def verify_certificate(certificate_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")],
                       session: DB) -> CertificateLookup:
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        raise not_found(f"chứng nhận {certificate_id}", f"Certificate {certificate_id}")
    data = PublicCertificate.model_validate(cert).model_dump()
    data["status"] = cert.effective_status(utcnow())
    return CertificateLookup(**data, product=_public_product(cert.product))
