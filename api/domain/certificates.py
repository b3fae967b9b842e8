"""Certificates: issued on approval as signed Open Badges 3.0 credentials, suspended, reinstated, revoked
(with a reason), expired by date, renewed by a new submission, published through bitstring status lists,
and verified for anyone who holds one.

Status changes lock the certificate row (`api.core.db.lock_for_update`); issuance takes the audit chain's lock
first, so numbers and status-list positions are handed out one at a time on both back ends.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from api.core.db import lock_for_update
from api.core.errors import bilingual, conflict, invalid, not_found
from api.core.models import Certificate, Product, Submission, User, utcnow
from api.core.settings import Settings
from api.domain import assessments, audit, notifications, reporting
from api.domain.access import visible
from api.domain.credentials import (
    ALG,
    build_credential,
    build_status_list_credential,
    encode_status_list,
    key_status_document,
    load_or_create_key,
    sign_credential,
    status_of,
    verify_credential,
)
from checker.criteria import load_set
from checker.glossary import term
from checker.verdict import Verdict
from reports.badge import STATUS_WORDS

ISSUER_NAME = f"{term('concept', 'club')['vi']} / {term('concept', 'club')['en']}"
STATUS_PURPOSES = ("revocation", "suspension")
STATUS_LIST_BITS = 131072

# certificate status -> {action: new status}
TRANSITIONS: dict[str, dict[str, str]] = {
    "valid": {"suspend": "suspended", "revoke": "revoked"},
    "suspended": {"reinstate": "valid", "revoke": "revoked"},
    "revoked": {},
    "expired": {"revoke": "revoked"},
}
STATUS_TITLES = STATUS_WORDS
PAST = {"suspend": "suspended", "reinstate": "reinstated", "revoke": "revoked"}  # audit action names


def issuer(settings: Settings) -> dict[str, str]:
    return {"id": settings.base_url, "name": ISSUER_NAME}


def status_list_url(settings: Settings, purpose: str) -> str:
    return f"{settings.base_url}/api/v1/public/status-lists/{purpose}"


def badge_url(settings: Settings, certificate_id: str) -> str:
    return f"{settings.base_url}/badge/{certificate_id}.svg"


def level_of(version: str, level_id: str) -> dict[str, Any]:
    level = next((lv for lv in load_set(version).levels if lv["id"] == level_id), None)
    return level or {"id": level_id, "title": {"vi": level_id, "en": level_id}}


# --- issuing ---------------------------------------------------------------------------------------


def _next_numbers(session: Session, year: int) -> tuple[str, int]:
    """The next certificate number of `year` and the next status-list position (caller holds the lock)."""
    prefix = f"VCSC-{year}-"
    ids = session.scalars(sa.select(Certificate.id).where(Certificate.id.like(prefix + "%")))
    serial = max((int(i[len(prefix) :]) for i in ids if i[len(prefix) :].isdigit()), default=0) + 1
    index = session.scalar(sa.select(sa.func.coalesce(sa.func.max(Certificate.status_index) + 1, 0))) or 0
    if index >= STATUS_LIST_BITS:
        raise conflict("Danh sách trạng thái đã đầy", "The status list is full")
    return f"{prefix}{serial:06d}", index


def issue(
    session: Session, settings: Settings, actor: User, submission: Submission, found: Verdict, report: dict
) -> Certificate:
    """The certificate of an approved submission: numbered, signed, with the digests of the verdict it was
    issued on and of the approved report rendered from that verdict."""
    existing = session.scalar(sa.select(Certificate).where(Certificate.submission_id == submission.id))
    if existing is not None:  # the row lock on the submission makes this unreachable; the unique key backs it
        raise conflict(
            f"Đã cấp chứng nhận {existing.id} cho bản này",
            f"Certificate {existing.id} was already issued for this submission",
            certificate_id=existing.id,
        )
    audit._lock_chain(session)
    now = utcnow()
    cert_id, index = _next_numbers(session, now.year)
    product, vendor = submission.product, submission.product.organisation
    report_text, digest = reporting.report_digest(report)
    verdict_text, verdict_digest = found.canonical_json(), found.digest()
    if found.level is None:  # review.approve refuses a verdict that reaches no level
        raise ValueError("a certificate needs a level")
    level: dict[str, Any] = {"id": found.level.id, "title": dict(found.level.title)}
    valid_until = now + timedelta(days=settings.certificate_validity_days)
    credential = build_credential(
        certificate_id=cert_id,
        issued_at=now,
        valid_until=valid_until,
        issuer=issuer(settings),
        product={"id": product.id, "name": product.name, "url": product.url},
        vendor={"id": vendor.id, "name": vendor.name},
        criteria_version=submission.criteria_version,
        level=level,
        report_digest=digest,
        verdict_digest=verdict_digest,
        status_list_url=status_list_url(settings, "revocation"),
        status_index=index,
        suspension_list_url=status_list_url(settings, "suspension"),
    )
    jws = sign_credential(credential, load_or_create_key(settings.keys_dir))
    cert = Certificate(
        id=cert_id,
        product_id=product.id,
        submission_id=submission.id,
        criteria_version=submission.criteria_version,
        level=level["id"],
        status="valid",
        issued_at=now,
        valid_until=valid_until,
        status_index=index,
        credential_jws=jws,
        report_digest=digest,
        report_json=report_text,
        verdict_json=verdict_text,
        verdict_digest=verdict_digest,
        renews_id=submission.renews_certificate_id,
    )
    session.add(cert)
    session.flush()
    audit.record(
        session,
        actor,
        "certificate.issued",
        "certificate",
        cert.id,
        product.organisation_id,
        None,
        {
            "submission_id": submission.id,
            "product_id": product.id,
            "level": cert.level,
            "criteria_version": cert.criteria_version,
            "valid_until": valid_until.isoformat(),
            "status_index": index,
            "report_digest": digest,
            "verdict_digest": verdict_digest,
            "renews_id": cert.renews_id,
        },
    )
    return cert


def list_visible(
    session: Session,
    user: User,
    *,
    status: str | None,
    flagged: bool | None,
    product_id: int | None,
    page: int,
    per_page: int,
) -> tuple[list[Certificate], int]:
    """Certificates `user` may see (vendors: their own), newest first, with the total; `status` is the
    effective one (a valid certificate past its date is expired)."""
    now = utcnow()
    where = [visible(user, Product.organisation_id)]
    if status == "expired":
        where.append(
            sa.or_(
                Certificate.status == "expired", sa.and_(Certificate.status == "valid", Certificate.valid_until < now)
            )
        )
    elif status == "valid":
        where.append(sa.and_(Certificate.status == "valid", Certificate.valid_until >= now))
    elif status:
        where.append(Certificate.status == status)
    if flagged is not None:
        where.append(Certificate.flagged_at.is_not(None) if flagged else Certificate.flagged_at.is_(None))
    if product_id is not None:
        where.append(Certificate.product_id == product_id)
    base = sa.select(Certificate).join(Product, Product.id == Certificate.product_id).where(*where)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    rows = list(
        session.scalars(
            base.order_by(Certificate.issued_at.desc(), Certificate.id).offset((page - 1) * per_page).limit(per_page)
        )
    )
    return rows, total


# --- status ----------------------------------------------------------------------------------------


def effective_status(cert: Certificate, now: datetime | None = None) -> str:
    return cert.effective_status(now or utcnow())


def allowed_actions(cert: Certificate) -> list[dict[str, str]]:
    return [{"action": a, "to": to} for a, to in TRANSITIONS[effective_status(cert)].items()]


def change_status(session: Session, actor: User, cert: Certificate, action: str, reason: str | None) -> None:
    """Suspend, reinstate or revoke; suspension and revocation need a reason. 409 lists what is allowed."""
    lock_for_update(session, cert)
    current = effective_status(cert)
    to = TRANSITIONS[current].get(action)
    if to is None:
        title = STATUS_TITLES[current]
        raise conflict(
            f"Không thể '{action}' chứng nhận đang “{title['vi']}”",
            f"Cannot '{action}' a certificate that is “{title['en']}”",
            certificate_status=current,
            allowed=allowed_actions(cert),
        )
    if action in ("suspend", "revoke") and not (reason or "").strip():
        raise invalid([{"pointer": "/reason", "message": bilingual("Cần nêu lý do", "A reason is required")}])
    before = {"status": cert.status, "status_reason": cert.status_reason}
    cert.status, cert.status_reason, cert.status_changed_at = to, (reason or "").strip() or None, utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        f"certificate.{PAST[action]}",
        "certificate",
        cert.id,
        cert.product.organisation_id,
        before,
        {"status": cert.status, "status_reason": cert.status_reason},
    )
    notifications.certificate_status_changed(session, cert)


def clear_flag(session: Session, actor: User, cert: Certificate, comment: str) -> None:
    """A reviewer has looked at a monitoring regression (and suspended or revoked separately if needed)."""
    lock_for_update(session, cert)
    if cert.flagged_at is None:
        raise conflict("Chứng nhận không bị gắn cờ", "The certificate is not flagged", allowed=allowed_actions(cert))
    before = {"flagged_at": cert.flagged_at.isoformat(), "flag_reason": cert.flag_reason}
    cert.flagged_at, cert.flag_reason = None, None
    session.flush()
    audit.record(
        session,
        actor,
        "certificate.flag_cleared",
        "certificate",
        cert.id,
        cert.product.organisation_id,
        before,
        {"flagged_at": None, "comment": comment},
    )


def renew(session: Session, actor: User, cert: Certificate) -> Submission:
    """A new submission for the certified product, against the newest published criteria version,
    linked to `cert` (answers still valid under that version are carried over)."""
    lock_for_update(session, cert)  # a revocation at the same moment is either seen here or waits for us
    if cert.status == "revoked":
        raise conflict(
            "Chứng nhận đã bị thu hồi; hãy nộp bản tự đánh giá mới thay vì gia hạn",
            "The certificate was revoked; submit a new self-assessment instead of renewing",
            certificate_status="revoked",
        )
    submission = assessments.new_draft(
        session, cert.product, actor, assessments.current_version(), None, renews=cert.id
    )
    audit.record(
        session,
        actor,
        "certificate.renewal_started",
        "certificate",
        cert.id,
        cert.product.organisation_id,
        None,
        {"submission_id": submission.id, "criteria_version": submission.criteria_version},
    )
    return submission


def _indexes(session: Session, status: str) -> set[int]:
    return set(
        session.scalars(
            sa.select(Certificate.status_index).where(
                Certificate.status == status, Certificate.status_index.is_not(None)
            )
        )
    )


def status_list_jws(session: Session, settings: Settings, purpose: str) -> str:
    """The signed BitstringStatusListCredential for `purpose` (revocation or suspension), as it is now."""
    status = {"revocation": "revoked", "suspension": "suspended"}[purpose]
    encoded = encode_status_list(_indexes(session, status), STATUS_LIST_BITS)
    credential = build_status_list_credential(
        status_list_url(settings, purpose), issuer(settings)["id"], encoded, purpose=purpose
    )
    return sign_credential(credential, load_or_create_key(settings.keys_dir))


# --- verification ----------------------------------------------------------------------------------


def certificate_id_of(credential: dict[str, Any]) -> str | None:
    ident = str(credential.get("id", ""))
    return ident.removeprefix("urn:vcsc:certificate:") if ident.startswith("urn:vcsc:certificate:") else None


def public_summary(cert: Certificate, now: datetime) -> dict[str, Any]:
    product = cert.product
    level = level_of(cert.criteria_version, cert.level)
    return {
        "id": cert.id,
        "status": effective_status(cert, now),
        "level": cert.level,
        "level_title": level["title"],
        "criteria_version": cert.criteria_version,
        "issued_at": cert.issued_at,
        "valid_until": cert.valid_until,
        "status_reason": cert.status_reason if cert.status in ("suspended", "revoked") else None,
        "product": {
            "id": product.id,
            "name": product.name,
            "vendor": product.organisation.name,
            "product_type": product.product_type,
            "url": product.url,
        },
    }


def verify(
    session: Session, settings: Settings, *, credential_jws: str | None = None, certificate_id: str | None = None
) -> dict[str, Any]:
    """Check a signed certificate (signature, validity period, and its current status in the registry), or look
    a certificate number up. `ok` is true only for an authentic, unexpired, currently valid certificate."""
    now = utcnow()
    result: dict[str, Any] = {
        "ok": False,
        "signature_checked": credential_jws is not None,
        "signature_valid": None,
        "status": None,
        "errors": [],
        "certificate": None,
    }
    if credential_jws is not None:
        # Every key ever used, with its status: retired keys still verify, compromised ones are refused by name.
        checked = verify_credential(credential_jws, key_status_document(settings.keys_dir), now=now)
        result["signature_valid"] = checked.valid_signature
        result["errors"].extend(checked.errors)
        if not checked.valid_signature or checked.credential is None:
            return result
        certificate_id = certificate_id_of(checked.credential)
        revocation = status_of(checked.credential, "revocation")
        if certificate_id is None or revocation is None:
            result["errors"].append(
                {
                    "vi": "Chứng nhận không có mã số hay mục trạng thái của VCSC",
                    "en": "The credential has no VCSC certificate number or status entry",
                }
            )
            return result
    cert = session.get(Certificate, certificate_id) if certificate_id else None
    if cert is None:
        result["errors"].append(
            {
                "vi": f"Không có chứng nhận {certificate_id} trong sổ đăng ký",
                "en": f"Certificate {certificate_id} is not in the registry",
            }
        )
        result["status"] = "unknown"
        return result
    if credential_jws is not None and cert.credential_jws is not None and cert.credential_jws != credential_jws.strip():
        # Signed by us but not the document we issued under this number: only a key compromise could do this.
        result["errors"].append(
            {
                "vi": "Tài liệu khác với chứng nhận đã cấp dưới số này",
                "en": "The document differs from the certificate issued under this number",
            }
        )
    result["certificate"] = public_summary(cert, now)
    result["status"] = effective_status(cert, now)
    if result["status"] != "valid":
        title = STATUS_TITLES[result["status"]]
        result["errors"].append(
            {"vi": f"Chứng nhận {title['vi'].lower()}", "en": f"The certificate is {title['en'].lower()}"}
        )
    result["ok"] = (
        result["status"] == "valid"
        and not result["errors"]
        and (credential_jws is None or bool(result["signature_valid"]))
    )
    return result


def load_certificate(session: Session, user: User, certificate_id: str) -> Certificate:
    """A certificate the user may see (vendors: their organisation's; others read as 404)."""
    cert = session.get(Certificate, certificate_id)
    if cert is None or (user.role == "vendor" and cert.product.organisation_id != user.organisation_id):
        raise not_found(f"chứng nhận {certificate_id}", f"Certificate {certificate_id}")
    return cert


__all__ = ["ALG", "STATUS_PURPOSES", "change_status", "clear_flag", "issue", "renew", "status_list_jws", "verify"]
