"""The public lookup: certified products, certificate verification, the status lists verifiers poll,
and (in `badge_router`, outside /api/v1) the SVG badge vendors embed."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel

from api.core.errors import bilingual, invalid
from api.core.models import effective_status, utcnow
from api.core.readcache import NO_DATABASE, MemoryOnly, NotKept
from api.domain import certificates as certs
from api.domain import registry
from api.domain.registry import Keeper
from api.http.auth import DB
from api.http.present import certificate_lookup, public_listing, public_page, registry_csv
from api.http.schemas import (
    MAX_ID,
    CertificateLookup,
    ProductType,
    PublicListing,
    PublicPage,
    Text,
    VerifyIn,
    VerifyOut,
)
from reports.badge import badge_etag, render_badge, render_unknown_badge

router = APIRouter(prefix="/public", tags=["public"])
badge_router = APIRouter(tags=["public"])
CertificateId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")]
PublicStatus = Literal["valid", "suspended", "revoked", "expired"]
Level = Literal[registry.LEVELS]  # type: ignore[valid-type]
Sort = Literal[registry.SORTS]  # type: ignore[valid-type]
CSV_EXAMPLE = (
    "\ufeffTên sản phẩm / Product name,Tổ chức / Organisation,Loại sản phẩm / Product type,Mức / Level,"
    "Số chứng nhận / Certificate number,Trạng thái / Status,Ngày cấp / Issued,Hết hạn / Expires,"
    "Phiên bản bộ tiêu chí / Criteria version,Trang sản phẩm / Product page\r\n"
    "Bảo vệ trẻ em SafeKid,Công ty A,filtering_app,advanced,VCSC-2025-000123,valid,2025-03-01,2026-03-01,"
    "vcsc-2025.1,https://vcsc.example.vn/products/1\r\n"
)

T = TypeVar("T")


async def read_engine(request: Request) -> sa.Engine:
    """The engine, for a read of the registry's read model without a per-request session (async: no thread hop)."""
    return request.app.state.engine


# The web pages pass their session instead (api.domain.registry.connected takes either).
Reads = Annotated[sa.Engine, Depends(read_engine)]


Q = Annotated[Text | None, Query(max_length=200, description="vd. / e.g. 'bao ve tre em'")]
TypeParam = Annotated[ProductType | None, Query(description="Loại sản phẩm / product type")]
StatusParam = Annotated[
    PublicStatus, Query(description="Trạng thái chứng nhận / certificate status (valid, suspended, revoked, expired)")
]
LevelParam = Annotated[Level | None, Query(description="Mức chứng nhận / certification level (basic, advanced)")]
SortParam = Annotated[
    Sort,
    Query(
        description="Thứ tự: mức độ khớp, tên, chứng nhận mới nhất / order: relevance "
        "(by name without a query), name, newest certificate"
    ),
]


@router.get(
    "/products",
    response_model=PublicPage,
    summary="Sản phẩm được chứng nhận / Certified products (search without diacritics)",
)
async def list_certified(
    request: Request,
    q: Q = None,
    type: TypeParam = None,
    status: StatusParam = "valid",
    level: LevelParam = None,
    sort: SortParam = "relevance",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:  # a PublicPage
    """Search the public register of certified products (accent-insensitive: `bao ve tre em` finds “Bảo vệ trẻ em”;
    when nothing matches, a typo-corrected `suggestion` is tried), filtered by product type, certificate status
    (default valid) and level, sorted by relevance, name or newest certificate. Public: no token needed. Refused:
    422 for an unknown type, status, level or sort or out-of-range paging."""
    return await _cached_json(
        request,
        ("search", q, type, status, page, per_page, level, sort),
        lambda source, keep: public_page(
            source,
            q=q,
            product_type=type,
            status=status,
            page=page,
            per_page=per_page,
            level=level,
            sort=sort,
            keep=keep,
        ),
        lambda source, keep: registry.rank(
            source, q=q, product_type=type, status=status, now=utcnow(), level=level, sort=sort, keep=keep
        ),
    )


@router.get(
    "/products.csv",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/csv": {"example": CSV_EXAMPLE}},
            "description": "CSV, UTF-8 có BOM / CSV, UTF-8 with a byte order mark",
        }
    },
    summary="Sổ đăng ký dạng CSV / The registry as CSV (same filters as the search)",
)
def export_certified(
    session: Reads,
    request: Request,
    q: Q = None,
    type: TypeParam = None,
    status: StatusParam = "valid",
    level: LevelParam = None,
    sort: SortParam = "relevance",
) -> StreamingResponse:
    """Every certified product the same search finds (no paging), as CSV streamed row by row: product name,
    organisation, product type, level, certificate number, status, issued, expires, criteria version and the URL of
    its public page. UTF-8 with a byte order mark (Excel reads Vietnamese right); a cell that starts like a
    spreadsheet formula (= + - @, tab, carriage return) gets a leading apostrophe. Public: no token needed. Refused:
    422 for an unknown type, status, level or sort."""
    base = request.app.state.settings.base_url.rstrip("/")
    rows = registry_csv(session, base, q=q, product_type=type, status=status, level=level, sort=sort)
    return StreamingResponse(
        rows,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="vcsc-registry.csv"'},
    )


@router.get(
    "/products/{product_id}",
    response_model=PublicListing,
    summary="Một sản phẩm được chứng nhận / One certified product",
)
async def get_certified(
    product_id: Annotated[int, Path(ge=1, le=MAX_ID)], request: Request
) -> Response:  # a PublicListing
    """One product of the public register with its current certificate. Public. Refused: 404 when the product does not
    exist or has no published certificate."""
    return await _cached_json(
        request,
        ("product", product_id),
        lambda source, keep: public_listing(source, product_id, keep),
    )


@router.get(
    "/certificates/{certificate_id}",
    response_model=CertificateLookup,
    summary="Tra cứu chứng nhận / Verify a certificate by its number (any status)",
)
async def verify_certificate(certificate_id: CertificateId, request: Request) -> Response:  # a lookup
    """Look up a certificate by its number (as printed on the badge; any case) in any status, with the certified
    product. Public.
    Refused: 404 for an unknown number; 422 for a malformed one."""
    return await _cached_json(
        request,
        ("certificate", registry.normal_id(certificate_id)),
        lambda source, keep: certificate_lookup(source, certificate_id, keep),
    )


async def _cached_json(
    request: Request,
    key: tuple,
    build: Callable[[Any, Keeper | None], BaseModel],
    prepare: Callable[[Any, Keeper], None] | None = None,
) -> Response:
    """The JSON body of `build(source, keep)`'s model, kept by the public read cache (api/core/readcache.py: emptied
    by every change and by expiry dates) as the bytes sent, so a repeated read costs neither a query nor a
    serialisation. Made on the event loop when what it needs is kept (a page of a kept ranking whose products are
    in kept blocks, a lookup in a kept block: `ReadCache.from_memory`), else read (`_read`). The bytes are
    those FastAPI would make of the route's response model (same fields, aliases, JSON encoding); a 404 raised by
    `build` is not kept.

    `prepare(source, keep)`, when given, keeps what `build` will need that costs the most (a search's ranking), read
    first in a worker thread on SQLite too: its statements return a row or a few, so the database works with the
    interpreter lock let go, on the other core, while the event loop answers the requests memory holds (issue 14's
    "search as typed": a dense first ranking read in place held every other request for up to 200 ms)."""
    cache, key, now = request.app.state.public_cache, ("json", *key), utcnow()

    def body(source, keep: Keeper | None) -> bytes:
        return build(source, keep).model_dump_json(by_alias=True).encode()

    kept = cache.from_memory(key, lambda keep: body(NO_DATABASE, keep), now)
    if kept is None:
        engine = request.app.state.engine
        keeper = cache.keeper(now)
        if prepare is not None and keeper is not None and engine.dialect.name == "sqlite":  # PostgreSQL: `_read`
            try:  # is in a thread already
                prepare(NO_DATABASE, MemoryOnly(keeper))  # kept: no thread
            except NotKept:
                await run_in_threadpool(prepare, engine, keeper)
        kept = (await _read(engine, cache.get, key, lambda: body(engine, cache.keeper(now)), now),)
    return Response(kept[0], media_type="application/json")


async def _read(engine: sa.Engine, read: Callable[..., T], *args: Any) -> T:
    """`read(*args)`, which reads the database: on PostgreSQL in a worker thread (the event loop serves others while
    the server answers); on SQLite right here. SQLite runs inside this process, so a thread would only add its hop,
    and worse: the sqlite3 module lets go of the interpreter lock at every row and waits for it again behind the
    event loop, so that under load reads of 256-row blocks crawled (issue 14's benchmark, first round at 100,000
    products: product lookups at 152/s with their reads in threads, 928/s with them here). Reads of the read model
    are short, and in WAL mode no writer blocks them (api.core.db). A search's ranking is the exception, read before
    in a thread by `_cached_json`'s `prepare` in one row."""
    if engine.dialect.name == "sqlite":
        return read(*args)
    return await run_in_threadpool(read, *args)


@router.post(
    "/verify",
    response_model=VerifyOut,
    summary="Kiểm tra chứng nhận: chữ ký và trạng thái hiện tại / Verify a certificate: signature and "
    "current status (give the signed credential, or just its number)",
)
def verify(body: VerifyIn, request: Request, session: DB) -> VerifyOut:
    """Check a certificate for a third party: give the signed credential (compact JWS, whose signature is checked
    against the published keys) or just its number; the answer says whether it is valid now and why not. Public: no
    token needed. Refused: 422 unless exactly one of `credential` and `certificate_id` is given."""
    if (body.credential is None) == (body.certificate_id is None):
        raise invalid(
            [
                {
                    "pointer": "/credential",
                    "message": bilingual(
                        "Hãy gửi đúng một trong hai: credential (JWS) hoặc certificate_id",
                        "Give exactly one of credential (the JWS) or certificate_id",
                    ),
                }
            ]
        )
    return VerifyOut.model_validate(
        certs.verify(
            session,
            request.app.state.settings,
            credential_jws=body.credential,
            certificate_id=body.certificate_id and registry.normal_id(body.certificate_id),
        )
    )


@router.get(
    "/status-lists/{purpose}",
    response_class=Response,
    responses={
        200: {"content": {"application/vc+jwt": {}}, "description": "BitstringStatusListCredential đã ký / signed"}
    },
    summary="Danh sách trạng thái (thu hồi, đình chỉ) / Bitstring status list (revocation, suspension)",
)
def status_list(purpose: Literal["revocation", "suspension"], request: Request, session: DB) -> Response:
    """The signed Bitstring Status List credential for revocation or suspension that verifiers of VCSC credentials poll
    (cached 60 s). Public. Refused: 422 for a purpose other than revocation or suspension."""
    jws = certs.status_list_jws(session, request.app.state.settings, purpose)
    return Response(jws, media_type="application/vc+jwt", headers={"Cache-Control": "public, max-age=60"})


@badge_router.get(
    "/badge/{certificate_id}.svg",
    response_class=Response,
    responses={
        200: {"content": {"image/svg+xml": {}}},
        304: {"description": "Không đổi / not modified"},
        404: {
            "content": {"image/svg+xml": {}},
            "description": "Huy hiệu “không có chứng nhận này” / the “no such certificate” badge",
        },
    },
    summary="Huy hiệu chứng nhận / The certificate badge (SVG, ETag)",
)
async def badge(
    certificate_id: CertificateId,
    request: Request,
    lang: Literal["vi", "en"] = "vi",
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The SVG badge vendors embed on their sites, showing the level and the current status (expiry by date) in
    Vietnamese or English; revalidate with If-None-Match for a cheap 304. The number is matched regardless of case and
    surrounding spaces. Public. Refused: 404 for an unknown certificate number, with an SVG badge saying so (cached
    for 5 minutes); 422 for a malformed one or an unknown language."""
    engine = request.app.state.engine  # one primary-key read, nothing else; or the answer this process keeps
    certificate_id = registry.normal_id(certificate_id)
    cache, now, key = request.app.state.public_cache, utcnow(), ("badge", certificate_id)
    # From memory when kept or its block is (ReadCache.from_memory); else read (`_read`).
    kept = cache.from_memory(key, lambda keep: registry.badge_fields(NO_DATABASE, certificate_id, keep), now)
    if kept is None:
        kept = (
            await _read(
                engine, cache.get, key, lambda: registry.badge_fields(engine, certificate_id, cache.keeper(now)), now
            ),
        )
    row = kept[0]
    if row is None:
        # An image where the page expects one, saying so; 404 all the same. Cached briefly (a number not issued
        # yet may be soon), without an ETag: nothing to revalidate.
        return Response(
            _unknown_badge(lang),
            status_code=404,
            media_type="image/svg+xml",
            headers={"Cache-Control": f"public, max-age={UNKNOWN_BADGE_MAX_AGE}"},
        )
    # The status now (expiry by date, at read time); the SVG and its ETag are drawn once per level/status/language.
    svg, etag = _badge(row.criteria_version, row.level, effective_status(row.status, row.valid_until, utcnow()), lang)
    # no-cache: embedders revalidate every time (a cheap 304), so a revoked badge says so at once.
    headers = {"ETag": etag, "Cache-Control": "public, no-cache", "Vary": "Accept-Encoding"}
    if if_none_match and (if_none_match.strip() == "*" or etag in [t.strip() for t in if_none_match.split(",")]):
        return Response(status_code=304, headers=headers)
    return Response(svg, media_type="image/svg+xml", headers=headers)


UNKNOWN_BADGE_MAX_AGE = 300  # seconds a cache may keep the badge of an unknown number


@lru_cache(maxsize=2)
def _unknown_badge(lang: str) -> str:
    return render_unknown_badge(lang=lang)


@lru_cache(maxsize=256)
def _badge(criteria_version: str, level: str, status: str, lang: str) -> tuple[str, str]:
    """The SVG and its ETag: few distinct badges exist (level × status × language), so each is drawn once."""
    title = certs.level_of(criteria_version, level)["title"][lang]
    svg = render_badge(level_title=title, status=status, lang=lang)
    return svg, badge_etag(svg)
