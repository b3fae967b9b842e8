"""The public lookup: certified products, certificate verification, the status lists verifiers poll,
and (in `badge_router`, outside /api/v1) the SVG badge vendors embed."""
from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session, lazyload

from api.domain import certificates as certs
from api.http.auth import DB
from api.core.errors import bilingual, invalid, not_found
from api.core.models import Certificate, Product, effective_status, utcnow
from api.http.schemas import (MAX_ID, CertificateLookup, ProductType, PublicCertificate, PublicListing, PublicPage,
                         PublicProduct, Text, VerifyIn, VerifyOut)
from reports.badge import badge_etag, render_badge
from api.core.search import LIKE_ESCAPE, contains_pattern

router = APIRouter(prefix="/public", tags=["public"])
badge_router = APIRouter(tags=["public"])
CertificateId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")]
PublicStatus = Literal["valid", "suspended", "revoked", "expired"]


def _valid_certificate(now):
    return sa.and_(Certificate.status == "valid", Certificate.valid_until >= now)


def _status_is(status: str, now):
    """Certificates whose current status (expiry by date included) is `status`."""
    if status == "valid":
        return _valid_certificate(now)
    if status == "expired":
        return sa.or_(Certificate.status == "expired",
                      sa.and_(Certificate.status == "valid", Certificate.valid_until < now))
    return Certificate.status == status


def _public_product(product: Product) -> PublicProduct:
    # Built field by field: nothing private (contacts, answers, evidence) can slip in.
    return PublicProduct(id=product.id, name=product.name, vendor=product.organisation.name,
                         product_type=product.product_type, url=product.url, platforms=list(product.platforms))


def _public_certificate(cert: Certificate, now) -> PublicCertificate:
    data = PublicCertificate.model_validate(cert).model_dump()
    data["status"] = cert.effective_status(now)
    return PublicCertificate(**data)


def _listings(session: Session, products: list[Product], now, status: str = "valid") -> list[PublicListing]:
    """Each product with its most recently issued certificate of that status."""
    rows = session.scalars(sa.select(Certificate).where(Certificate.product_id.in_([p.id for p in products]),
                                                        _status_is(status, now))
                           .options(lazyload(Certificate.product))  # the products are loaded already
                           .order_by(Certificate.issued_at.desc(), Certificate.id))
    best: dict[int, Certificate] = {}
    for cert in rows:
        best.setdefault(cert.product_id, cert)
    return [PublicListing(**_public_product(p).model_dump(), certificate=_public_certificate(best[p.id], now))
            for p in products]


@router.get("/products", response_model=PublicPage,
            summary="Sản phẩm được chứng nhận / Certified products (search without diacritics)")
def list_certified(session: DB,
                   q: Annotated[Text | None, Query(max_length=200, description="vd. / e.g. 'bao ve tre em'")] = None,
                   type: Annotated[ProductType | None, Query(description="Loại sản phẩm / product type")] = None,
                   status: Annotated[PublicStatus, Query(description="Trạng thái chứng nhận / certificate status "
                                                                     "(valid, suspended, revoked, expired)")] = "valid",
                   page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                   per_page: Annotated[int, Query(ge=1, le=100)] = 20) -> PublicPage:
    now = utcnow()
    certified = sa.exists().where(Certificate.product_id == Product.id, _status_is(status, now))
    where = [certified]
    if q and q.strip():
        where.append(Product.search_text.like(contains_pattern(q), escape=LIKE_ESCAPE))
    if type:
        where.append(Product.product_type == type)
    # One scan gives the page and the total (a window count); only a page past the end needs a count of its own.
    rows = session.execute(sa.select(Product, sa.func.count().over().label("total")).where(*where)
                           .order_by(Product.name, Product.id).offset((page - 1) * per_page).limit(per_page)).all()
    products = [row.Product for row in rows]
    total = rows[0].total if rows else session.scalar(sa.select(sa.func.count()).select_from(Product).where(*where))
    return PublicPage(items=_listings(session, products, now, status), total=total, page=page, per_page=per_page)


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
def verify_certificate(certificate_id: CertificateId, session: DB) -> CertificateLookup:
    cert = session.get(Certificate, certificate_id)
    if cert is None:
        raise not_found(f"chứng nhận {certificate_id}", f"Certificate {certificate_id}")
    return CertificateLookup(**_public_certificate(cert, utcnow()).model_dump(), product=_public_product(cert.product))


@router.post("/verify", response_model=VerifyOut,
             summary="Kiểm tra chứng nhận: chữ ký và trạng thái hiện tại / Verify a certificate: signature and "
                     "current status (give the signed credential, or just its number)")
def verify(body: VerifyIn, request: Request, session: DB) -> VerifyOut:
    if (body.credential is None) == (body.certificate_id is None):
        raise invalid([{"pointer": "/credential", "message": bilingual(
            "Hãy gửi đúng một trong hai: credential (JWS) hoặc certificate_id",
            "Give exactly one of credential (the JWS) or certificate_id")}])
    return VerifyOut.model_validate(certs.verify(session, request.app.state.settings,
                                                 credential_jws=body.credential, certificate_id=body.certificate_id))


@router.get("/status-lists/{purpose}", response_class=Response,
            responses={200: {"content": {"application/vc+jwt": {}},
                             "description": "BitstringStatusListCredential đã ký / signed"}},
            summary="Danh sách trạng thái (thu hồi, đình chỉ) / Bitstring status list (revocation, suspension)")
def status_list(purpose: Literal["revocation", "suspension"], request: Request, session: DB) -> Response:
    jws = certs.status_list_jws(session, request.app.state.settings, purpose)
    return Response(jws, media_type="application/vc+jwt", headers={"Cache-Control": "public, max-age=60"})


@badge_router.get("/badge/{certificate_id}.svg", response_class=Response,
                  responses={200: {"content": {"image/svg+xml": {}}}, 304: {"description": "Không đổi / not modified"}},
                  summary="Huy hiệu chứng nhận / The certificate badge (SVG, ETag)")
def badge(certificate_id: CertificateId, session: DB, lang: Literal["vi", "en"] = "vi",
          if_none_match: Annotated[str | None, Header()] = None) -> Response:
    row = session.execute(sa.select(Certificate.status, Certificate.valid_until, Certificate.level,
                                    Certificate.criteria_version).where(Certificate.id == certificate_id)).first()
    if row is None:
        raise not_found(f"chứng nhận {certificate_id}", f"Certificate {certificate_id}")
    svg, etag = _badge(row.criteria_version, row.level, effective_status(row.status, row.valid_until, utcnow()), lang)
    # no-cache: embedders revalidate every time (a cheap 304), so a revoked badge says so at once.
    headers = {"ETag": etag, "Cache-Control": "public, no-cache", "Vary": "Accept-Encoding"}
    if if_none_match and (if_none_match.strip() == "*" or etag in [t.strip() for t in if_none_match.split(",")]):
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)


@lru_cache(maxsize=256)
def _badge(criteria_version: str, level: str, status: str, lang: str) -> tuple[str, str]:
    """The SVG and its ETag: few distinct badges exist (level × status × language), so each is drawn once."""
    title = certs.level_of(criteria_version, level)["title"][lang]
    svg = render_badge(level_title=title, status=status, lang=lang)
    return svg, badge_etag(svg)
