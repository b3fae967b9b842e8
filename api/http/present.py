"""Response bodies built from domain objects, shared by the JSON API (api.routes) and the pages (api.web)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from api.core.errors import not_found
from api.core.models import Certificate, ProbeRun, utcnow
from api.core.settings import Settings
from api.domain import certificates as certs
from api.domain import probe_runs, registry
from api.http.schemas import CertificateLookup, CertificateOut, ProbeRunOut, PublicListing, PublicPage


def certificate_out(cert: Certificate, settings: Settings) -> CertificateOut:
    level = certs.level_of(cert.criteria_version, cert.level)
    return CertificateOut(
        id=cert.id,
        product_id=cert.product_id,
        product_name=cert.product.name,
        vendor=cert.product.organisation.name,
        submission_id=cert.submission_id,
        criteria_version=cert.criteria_version,
        level=cert.level,
        level_title=level["title"],
        status=certs.effective_status(cert),
        status_reason=cert.status_reason,
        status_changed_at=cert.status_changed_at,
        issued_at=cert.issued_at,
        valid_until=cert.valid_until,
        renews_id=cert.renews_id,
        report_digest=cert.report_digest,
        verdict_digest=cert.verdict_digest,
        flagged_at=cert.flagged_at,
        flag_reason=cert.flag_reason,
        last_monitored_at=cert.last_monitored_at,
        badge_url=certs.badge_url(settings, cert.id),
        allowed_actions=certs.allowed_actions(cert),
        note=cert.note,
    )


def probe_run_out(run: ProbeRun) -> ProbeRunOut:
    out = ProbeRunOut.model_validate(run)
    return out.model_copy(update={"manifest": probe_runs.masked_manifest(run.manifest)})


# --- the public register (api.domain.registry), for the API's /public routes and the public pages ----------------


def public_page(
    source,
    *,
    q: str | None,
    product_type: str | None,
    status: str,
    page: int,
    per_page: int,
    level: str | None = None,
    sort: str = "relevance",
    keep: registry.Keeper | None = None,
) -> PublicPage:
    """A page of the public search; `keep` keeps each query's ranking for its other pages (api.domain.registry)."""
    found = registry.search(
        source,
        q=q,
        product_type=product_type,
        status=status,
        page=page,
        per_page=per_page,
        now=utcnow(),
        level=level,
        sort=sort,
        keep=keep,
    )
    return PublicPage(items=found.items, total=found.total, page=page, per_page=per_page, suggestion=found.suggestion)


def public_listing(source, product_id: int, keep: registry.Keeper | None = None) -> PublicListing:
    """One certified product with its current certificate; 404 when it has none published. `keep`: the public cache,
    which keeps the rows of its block (api.domain.registry.BLOCK)."""
    listing = registry.certified_product(source, product_id, utcnow(), keep)
    if listing is None:
        raise not_found("sản phẩm được chứng nhận", "Certified product")
    return PublicListing(**listing)


def certificate_lookup(source, certificate_id: str, keep: registry.Keeper | None = None) -> CertificateLookup:
    """A certificate by its number, in any status, with the certified product; 404 for an unknown number. `keep` as
    for `public_listing`."""
    found = registry.certificate(source, certificate_id, utcnow(), keep)
    if found is None:
        raise not_found(f"chứng nhận {certificate_id}", f"Certificate {certificate_id}")
    return CertificateLookup(**found)


# --- the registry as CSV ------------------------------------------------------------------------------------------

CSV_PAGE = 500  # products per read of the export: each page is one search of the read model
CSV_COLUMNS = (
    ("Tên sản phẩm", "Product name"),
    ("Tổ chức", "Organisation"),
    ("Loại sản phẩm", "Product type"),
    ("Mức", "Level"),
    ("Số chứng nhận", "Certificate number"),
    ("Trạng thái", "Status"),
    ("Ngày cấp", "Issued"),
    ("Hết hạn", "Expires"),
    ("Phiên bản bộ tiêu chí", "Criteria version"),
    ("Trang sản phẩm", "Product page"),
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as the start of a formula


def csv_cell(value: str) -> str:
    """A text cell a spreadsheet shows as text: one starting like a formula gets a leading apostrophe (OWASP)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def registry_csv(
    source,
    base_url: str,
    *,
    q: str | None,
    product_type: str | None,
    status: str,
    level: str | None = None,
    sort: str = "relevance",
) -> Iterator[str]:
    """The certified products a search finds (same filters and order), as CSV text in pieces: a UTF-8 byte order
    mark first (so Excel reads Vietnamese right), a bilingual header row, then one row per product with its most
    recently issued certificate of `status` and its public page (the product page; the history page when the
    certificate is not valid, as the product page shows valid ones only). Read a page at a time, so memory stays flat however long the list."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f"{vi} / {en}" for vi, en in CSV_COLUMNS])
    yield "\ufeff" + out.getvalue()
    page = 1
    keep = registry.KeepInDict()  # the ranking, made once for the whole export

    while True:
        found = registry.search(
            source,
            q=q,
            product_type=product_type,
            status=status,
            page=page,
            per_page=CSV_PAGE,
            now=utcnow(),
            level=level,
            sort=sort,
            keep=keep,
        )
        out.seek(0)
        out.truncate()
        for item in found.items:
            cert = item["certificate"]
            writer.writerow(
                [
                    csv_cell(item["name"]),
                    csv_cell(item["vendor"]),
                    item["product_type"],
                    cert["level"],
                    cert["id"],
                    cert["status"],
                    cert["issued_at"].date().isoformat(),
                    cert["valid_until"].date().isoformat(),
                    cert["criteria_version"],
                    f"{base_url}/products/{item['id']}" + ("" if status == "valid" else "/history"),
                ]
            )
        if found.items:
            yield out.getvalue()
        if page * CSV_PAGE >= found.total or not found.items:
            return
        page += 1
