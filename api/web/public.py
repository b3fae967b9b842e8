"""Public pages: search of certified products, a product, certificate lookup, the criteria browser,
how to embed the badge, and the language switch."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlencode

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request
from markupsafe import Markup
from starlette.datastructures import UploadFile

from api.core.errors import ApiError
from api.core.models import Certificate, utcnow
from api.core.search import terms
from api.domain import certificates as certs
from api.domain import history, registry, reporting
from api.http import present
from api.http.schemas import MAX_ID, PRODUCT_TYPES, Text, text_problem
from api.web import charts
from api.web.rendering import LANG_COOKIE, WebRoute, redirect, render, safe_next
from api.web.security import PageDB, PageUser, PostedForm
from api.web.views import (
    conformance_names,
    group_summary,
    level_title,
    product_type_title,
    reviewer_decided_by_group,
    vocabulary,
)
from checker.criteria import diff_sets, list_versions, load_set
from checker.i18n import LANGS
from reports.badge import render_badge

router = APIRouter(route_class=WebRoute, include_in_schema=False)
PER_PAGE = 20
CERTIFICATE_ID = r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"  # the API's pattern for certificate numbers
MAX_CREDENTIAL = 50_000  # characters of a signed credential, as api.http.schemas.VerifyIn
# A form's "any type" option sends type= (empty).
TypeFilter = Annotated[Literal[(*PRODUCT_TYPES, "")] | None, Query()]  # type: ignore[valid-type]


# The form's "any" options send an empty value.
LevelFilter = Annotated[Literal[(*registry.LEVELS, "")] | None, Query()]  # type: ignore[valid-type]
SortChoice = Annotated[Literal[(*registry.SORTS, "")] | None, Query()]  # type: ignore[valid-type]


@router.get("/")
def home(
    request: Request,
    session: PageDB,
    user: PageUser,
    q: Annotated[Text | None, Query(max_length=200)] = None,
    type: TypeFilter = None,
    level: LevelFilter = None,
    sort: SortChoice = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
):
    engine, keep = _registry(request)
    results = present.public_page(
        engine,
        q=q,
        product_type=type or None,
        status="valid",
        page=page,
        per_page=PER_PAGE,
        level=level or None,
        sort=sort or "relevance",
        keep=keep,
    )
    pages = max(1, -(-results.total // PER_PAGE))
    filters = {
        k: v for k, v in (("q", q or ""), ("type", type or ""), ("level", level or ""), ("sort", sort or "")) if v
    }
    return render(
        request,
        "home.html",
        q=q or "",
        type=type or "",
        level=level or "",
        sort=sort or "",
        results=results,
        pages=pages,
        levels=_levels(request.state.t),
        sorts=registry.SORTS,
        query=urlencode(filters),
        query_with_suggestion=urlencode({**filters, "q": results.suggestion or ""}),
        product_types=vocabulary().product_types,
        type_title=product_type_title,
        level_title=level_title,
    )


def _registry(request: Request) -> tuple[sa.Engine, registry.Keeper | None]:
    """Where a public page reads the registry: from the engine, not the page's session, as the API does, so that each
    read sees what is committed now and what the public cache keeps is never read from a snapshot older than the last
    change; with the cache's keeper (api.core.readcache), so the pages share the API's kept rankings and blocks."""
    return request.app.state.engine, request.app.state.public_cache.keeper(utcnow())


def _levels(t) -> list[tuple[str, str]]:
    """Each level id with its title in the newest criteria set that has it."""
    titles: dict[str, str] = {}
    for version in list_versions():
        for lv in load_set(version).levels:
            titles[lv["id"]] = t.pick(lv["title"])
    return [(level, titles[level]) for level in registry.LEVELS]


@router.get("/products/{product_id}/history")
def product_history_page(
    request: Request, session: PageDB, user: PageUser, product_id: Annotated[int, Path(ge=1, le=MAX_ID)]
):
    """Revisions that led to a certificate, probe runs of those revisions, and every certificate (api.domain.history
    says what is public and why)."""
    t = request.state.t
    found = history.product_history(session, product_id, utcnow())
    if found is None:
        raise ApiError(404, "Không tìm thấy sản phẩm được chứng nhận / Certified product not found")
    categories = sorted({c for run in found.runs for c in run.block_rates})
    columns = [t.date(run.finished_at) for run in found.runs]
    chart = (
        charts.trend(
            [(t(f"category.{c}"), [run.block_rates.get(c) for run in found.runs]) for c in categories],
            columns,
            t("history.chart_title"),
        )
        if found.runs
        else None
    )
    return render(
        request,
        "product_history.html",
        h=found,
        categories=categories,
        chart=chart,
        listed=any(c["status"] == "valid" for c in found.certificates),
        type_title=product_type_title,
        level_title=level_title,
    )


@router.get("/products/{product_id}")
def product_page(request: Request, session: PageDB, user: PageUser, product_id: Annotated[int, Path(ge=1, le=MAX_ID)]):
    engine, keep = _registry(request)
    listing = present.public_listing(engine, product_id, keep)
    cert = session.get(Certificate, listing.certificate.id)  # the listing's own certificate
    if cert is None:  # deleted since the listing was read (the registry's change empties the cache)
        raise ApiError(404, "Không tìm thấy sản phẩm được chứng nhận / Certified product not found")
    # The decided outcomes of the certified revision, as the certificate was issued on them (never the claims).
    found = reporting.certified_verdict(cert)
    summary = group_summary(found) if found is not None else None
    return render(
        request,
        "product.html",
        p=listing,
        summary=summary,
        outcome_names=conformance_names(request.state.t),
        reviewer_decided=reviewer_decided_by_group(found) if found is not None else {},
        type_title=product_type_title,
        level_title=level_title,
    )


def _lookup_page(request: Request, status: int = 200, **context):
    """The certificate page's two forms (by number; by the signed file) and, after a check, its result."""
    values = {"error": None, "cert_id": "", "verification": None, "credential": "", "verify_error": None}
    return render(request, "certificate_lookup.html", status, **{**values, **context}, level_title=level_title)


@router.get("/certificates")
def certificate_lookup(request: Request, user: PageUser, id: Annotated[str | None, Query(max_length=100)] = None):
    if id is not None and re.match(CERTIFICATE_ID, id.strip()):
        return redirect(f"/certificates/{id.strip()}")
    error = request.state.t("cert.bad_id") if id is not None else None
    return _lookup_page(request, 422 if error else 200, error=error, cert_id=id or "")


def _credential_text(form) -> tuple[str, str | None]:
    """The signed credential: the chosen file if any, else the pasted text; (text, catalog key of a problem)."""
    upload = form.get("credential_file")
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            return upload.file.read(MAX_CREDENTIAL + 1).decode("utf-8").strip(), None
        except UnicodeDecodeError:
            return "", "probe.not_utf8"
    return str(form.get("credential", "")).strip(), None


@router.post("/certificates/verify")
def verify_credential(request: Request, session: PageDB, user: PageUser, form: PostedForm):
    """Check a signed certificate someone was given: its signature, validity and current status in the
    registry (api.domain.certificates.verify, as POST /api/v1/public/verify)."""
    t = request.state.t
    text, problem = _credential_text(form)
    if problem is None and not text:
        problem = "verify.empty"
    if problem is None and len(text) > MAX_CREDENTIAL:
        return _lookup_page(request, 422, verify_error=t("err.too_long", limit=t.number(MAX_CREDENTIAL)))
    if problem is None and text_problem(text):
        problem = "err.invalid"
    if problem:
        return _lookup_page(request, 422, credential=text[:MAX_CREDENTIAL], verify_error=t(problem))
    result = certs.verify(session, request.app.state.settings, credential_jws=text)
    return _lookup_page(request, credential=text, verification=result)


@router.get("/certificates/{certificate_id}")
def certificate_page(request: Request, user: PageUser, certificate_id: Annotated[str, Path(pattern=CERTIFICATE_ID)]):
    try:
        engine, keep = _registry(request)
        cert = present.certificate_lookup(engine, certificate_id, keep)
    except ApiError as exc:
        if exc.status != 404:
            raise
        return _lookup_page(
            request, 404, cert_id=certificate_id, error=request.state.t("cert.not_found", id=certificate_id)
        )
    return render(request, "certificate.html", cert=cert, type_title=product_type_title, level_title=level_title)


@router.get("/embed-badge")
def embed_badge(request: Request, user: PageUser, certificate: Annotated[str | None, Query(max_length=100)] = None):
    t = request.state.t
    cert, error, preview = None, None, None
    if certificate:
        if not re.match(CERTIFICATE_ID, certificate):
            error = t("cert.bad_id")
        else:
            try:
                engine, keep = _registry(request)
                cert = present.certificate_lookup(engine, certificate, keep)
            except ApiError as exc:
                if exc.status != 404:
                    raise
                error = t("cert.not_found", id=certificate)
    if cert is not None:
        preview = Markup(
            render_badge(level_title=level_title(cert.criteria_version, cert.level, t), status=cert.status, lang=t.lang)
        )
    base = str(request.base_url).rstrip("/")
    return render(
        request,
        "embed_badge.html",
        404 if certificate and cert is None else 200,
        cert=cert,
        error=error,
        preview=preview,
        base=base,
        certificate=certificate or "",
        level_title=level_title,
    )


# --- criteria ------------------------------------------------------------------------------


def _version(version: str):
    if version not in list_versions():
        raise ApiError(404, "Không tìm thấy phiên bản bộ tiêu chí / Criteria version not found")
    return load_set(version)


@router.get("/criteria")
def criteria_index(request: Request, user: PageUser):
    sets = [load_set(v) for v in reversed(list_versions())]
    return render(request, "criteria_index.html", sets=sets)


@router.get("/criteria/changes")
def criteria_changes(
    request: Request,
    user: PageUser,
    from_: Annotated[str | None, Query(alias="from", max_length=32)] = None,
    to: Annotated[str | None, Query(max_length=32)] = None,
):
    versions = list_versions()
    new = _version(to or versions[-1])
    old_id = (
        from_
        or new.meta.get("supersedes")
        or (versions[versions.index(new.version) - 1] if versions.index(new.version) else new.version)
    )
    old = _version(old_id)
    diff = diff_sets(old, new)
    return render(
        request,
        "criteria_changes.html",
        diff=diff,
        old=old,
        new=new,
        versions=versions,
        vocab=vocabulary(),
        type_title=product_type_title,
    )


def _matches(criterion, words: list[str]) -> bool:
    """Whether every word (folded: no diacritics or case) begins a word of the criterion's id, title, description or
    question, in either language."""
    texts = [
        criterion.id,
        *(criterion.title.values()),
        *(criterion.data.get("description", {}).values()),
        *(criterion.question.get("text", {}).values()),
    ]
    found = set(terms(" ".join(str(x) for x in texts)))
    return all(any(f.startswith(w) for f in found) for w in words)


@router.get("/criteria/{version}")
def criteria_version(
    request: Request,
    user: PageUser,
    version: Annotated[str, Path(max_length=32)],
    type: TypeFilter = None,
    q: Annotated[Text | None, Query(max_length=200)] = None,
):
    cset = _version(version)
    type = type or None  # the form's "any type" sends type= (empty)
    words = terms(q or "")
    criteria = [
        c for c in cset.criteria.values() if (type is None or c.applies(type)) and (not words or _matches(c, words))
    ]
    groups = [(g, [c for c in criteria if c.group == g["id"] and c.active]) for g in vocabulary().groups]
    retired = [c for c in criteria if not c.active]
    return render(
        request,
        "criteria_version.html",
        cset=cset,
        groups=groups,
        retired=retired,
        type=type or "",
        q=q or "",
        shown=sum(len(cs) for _, cs in groups) + len(retired),
        vocab=vocabulary(),
        type_title=product_type_title,
    )


# --- language ------------------------------------------------------------------------------


@router.get("/lang/{code}")
def switch_language(request: Request, code: Annotated[str, Path(max_length=5)], next: str | None = None):
    if code not in LANGS:
        raise ApiError(404, "Không có ngôn ngữ này / No such language")
    response = redirect(safe_next(next))
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        path="/",
        samesite="lax",
        httponly=True,
        secure=request.url.scheme == "https",
    )
    return response
