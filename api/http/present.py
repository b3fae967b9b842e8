"""Response bodies built from domain objects, shared by the JSON API (api.routes) and the pages (api.web)."""
from __future__ import annotations

from api.core.errors import not_found
from api.core.models import Certificate, ProbeRun, utcnow
from api.core.settings import Settings
from api.domain import certificates as certs
from api.domain import probe_runs, registry
from api.http.schemas import CertificateLookup, CertificateOut, ProbeRunOut, PublicListing, PublicPage


def certificate_out(cert: Certificate, settings: Settings) -> CertificateOut:
    level = certs.level_of(cert.criteria_version, cert.level)
    return CertificateOut(
        id=cert.id, product_id=cert.product_id, product_name=cert.product.name, vendor=cert.product.organisation.name,
        submission_id=cert.submission_id, criteria_version=cert.criteria_version, level=cert.level,
        level_title=level["title"], status=certs.effective_status(cert), status_reason=cert.status_reason,
        status_changed_at=cert.status_changed_at, issued_at=cert.issued_at, valid_until=cert.valid_until,
        renews_id=cert.renews_id, report_digest=cert.report_digest, verdict_digest=cert.verdict_digest,
        flagged_at=cert.flagged_at,
        flag_reason=cert.flag_reason, last_monitored_at=cert.last_monitored_at,
        badge_url=certs.badge_url(settings, cert.id), allowed_actions=certs.allowed_actions(cert), note=cert.note)


def probe_run_out(run: ProbeRun) -> ProbeRunOut:
    out = ProbeRunOut.model_validate(run)
    return out.model_copy(update={"manifest": probe_runs.masked_manifest(run.manifest)})


# --- the public register (api.domain.registry), for the API's /public routes and the public pages ----------------

def public_page(source, *, q: str | None, product_type: str | None, status: str, page: int,
                per_page: int) -> PublicPage:
    found = registry.search(source, q=q, product_type=product_type, status=status, page=page, per_page=per_page,
                            now=utcnow())
    return PublicPage(items=found.items, total=found.total, page=page, per_page=per_page, suggestion=found.suggestion)


def public_listing(source, product_id: int) -> PublicListing:
    """One certified product with its current certificate; 404 when it has none published."""
    listing = registry.certified_product(source, product_id, utcnow())
    if listing is None:
        raise not_found("sản phẩm được chứng nhận", "Certified product")
    return PublicListing(**listing)


def certificate_lookup(source, certificate_id: str) -> CertificateLookup:
    """A certificate by its number, in any status, with the certified product; 404 for an unknown number."""
    found = registry.certificate(source, certificate_id, utcnow())
    if found is None:
        raise not_found(f"chứng nhận {certificate_id}", f"Certificate {certificate_id}")
    return CertificateLookup(**found)
