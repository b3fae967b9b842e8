"""Certificates for their holders and the club: list, read, download the signed credential and the approved
report, suspend, reinstate, revoke, clear a monitoring flag, and start a renewal."""
from __future__ import annotations

from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from api.domain import certificates as certs
from api.domain.access import visible
from api.http.auth import DB, CurrentUser, Writer, require_roles
from api.core.errors import not_found
from api.core.models import CERTIFICATE_STATUSES, Certificate, Notification, Product, User, utcnow
from api.http.schemas import (MAX_ID, CertificateOut, CertificatePage, CertificateStatusIn, ClearFlagIn, NotificationOut,
                         SubmissionOut)
from api.core.settings import Settings

router = APIRouter(tags=["certificates"])
Staff = Annotated[User, Depends(require_roles("reviewer", "admin"))]
CertificateId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")]


def certificate_out(cert: Certificate, settings: Settings) -> CertificateOut:
    level = certs.level_of(cert.criteria_version, cert.level)
    return CertificateOut(
        id=cert.id, product_id=cert.product_id, product_name=cert.product.name, vendor=cert.product.organisation.name,
        submission_id=cert.submission_id, criteria_version=cert.criteria_version, level=cert.level,
        level_title=level["title"], status=certs.effective_status(cert), status_reason=cert.status_reason,
        status_changed_at=cert.status_changed_at, issued_at=cert.issued_at, valid_until=cert.valid_until,
        renews_id=cert.renews_id, report_digest=cert.report_digest, flagged_at=cert.flagged_at,
        flag_reason=cert.flag_reason, last_monitored_at=cert.last_monitored_at,
        badge_url=certs.badge_url(settings, cert.id), allowed_actions=certs.allowed_actions(cert), note=cert.note)


@router.get("/certificates", response_model=CertificatePage,
            summary="Chứng nhận (nhà cung cấp: của mình) / Certificates (vendors: their own)")
def list_certificates(request: Request, user: CurrentUser, session: DB,
                      status: Annotated[str | None, Query(pattern="^(" + "|".join(CERTIFICATE_STATUSES) + ")$")] = None,
                      flagged: bool | None = None,
                      product_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                      page: Annotated[int, Query(ge=1, le=100_000)] = 1,
                      per_page: Annotated[int, Query(ge=1, le=100)] = 20) -> CertificatePage:
    now = utcnow()
    where = [visible(user, Product.organisation_id)]
    if status == "expired":
        where.append(sa.or_(Certificate.status == "expired",
                            sa.and_(Certificate.status == "valid", Certificate.valid_until < now)))
    elif status == "valid":
        where.append(sa.and_(Certificate.status == "valid", Certificate.valid_until >= now))
    elif status:
        where.append(Certificate.status == status)
    if flagged is not None:
        where.append(Certificate.flagged_at.is_not(None) if flagged else Certificate.flagged_at.is_(None))
    if product_id is not None:
        where.append(Certificate.product_id == product_id)
    base = sa.select(Certificate).join(Product, Product.id == Certificate.product_id).where(*where)
    total = session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    rows = session.scalars(base.order_by(Certificate.issued_at.desc(), Certificate.id)
                           .offset((page - 1) * per_page).limit(per_page))
    settings = request.app.state.settings
    return CertificatePage(items=[certificate_out(c, settings) for c in rows], total=total, page=page,
                           per_page=per_page)


@router.get("/certificates/{certificate_id}", response_model=CertificateOut,
            summary="Một chứng nhận / One certificate")
def get_certificate(certificate_id: CertificateId, request: Request, user: CurrentUser, session: DB) -> CertificateOut:
    return certificate_out(certs.load_certificate(session, user, certificate_id), request.app.state.settings)


@router.get("/certificates/{certificate_id}/credential", response_class=Response,
            responses={200: {"content": {"application/vc+jwt": {}},
                             "description": "Chứng nhận đã ký / the signed credential (compact JWS)"}},
            summary="Tải chứng nhận đã ký / Download the signed credential (Open Badges 3.0, vc+jwt)")
def get_credential(certificate_id: CertificateId, user: CurrentUser, session: DB) -> Response:
    cert = certs.load_certificate(session, user, certificate_id)
    if not cert.credential_jws:
        raise not_found(f"bản ký của chứng nhận {cert.id}", f"Signed credential of {cert.id}")
    return Response(cert.credential_jws, media_type="application/vc+jwt",
                    headers={"Content-Disposition": f'attachment; filename="{cert.id}.jwt"'})


@router.get("/certificates/{certificate_id}/report", response_class=Response,
            responses={200: {"content": {"application/json": {}},
                             "description": "Báo cáo đã phê duyệt / the report as approved"}},
            summary="Báo cáo đã phê duyệt (khớp report_digest) / The approved report (its sha256 is report_digest)")
def get_approved_report(certificate_id: CertificateId, user: CurrentUser, session: DB) -> Response:
    cert = certs.load_certificate(session, user, certificate_id)
    if not cert.report_json:
        raise not_found(f"báo cáo của chứng nhận {cert.id}", f"Report of {cert.id}")
    return Response(cert.report_json.encode("utf-8"), media_type="application/json",
                    headers={"Cache-Control": "private, no-store"})


def _status_route(action: str):
    def change(certificate_id: CertificateId, body: CertificateStatusIn, request: Request, user: Staff,
               session: DB) -> CertificateOut:
        cert = certs.load_certificate(session, user, certificate_id)
        certs.change_status(session, user, cert, action, body.reason)
        return certificate_out(cert, request.app.state.settings)
    change.__name__ = f"{action}_certificate"
    return change


for _action, _summary in (("suspend", "Tạm đình chỉ (cần lý do) / Suspend (reason required)"),
                          ("reinstate", "Khôi phục sau đình chỉ / Reinstate a suspended certificate"),
                          ("revoke", "Thu hồi (cần lý do) / Revoke (reason required)")):
    router.add_api_route(f"/certificates/{{certificate_id}}/{_action}", _status_route(_action), methods=["POST"],
                         response_model=CertificateOut, summary=_summary)


@router.post("/certificates/{certificate_id}/clear-flag", response_model=CertificateOut,
             summary="Đã xem cảnh báo giám sát / Clear a monitoring flag after review")
def clear_flag(certificate_id: CertificateId, body: ClearFlagIn, request: Request, user: Staff,
               session: DB) -> CertificateOut:
    cert = certs.load_certificate(session, user, certificate_id)
    certs.clear_flag(session, user, cert, body.comment)
    return certificate_out(cert, request.app.state.settings)


@router.post("/certificates/{certificate_id}/renew", response_model=SubmissionOut, status_code=201,
             summary="Gia hạn: bản tự đánh giá mới theo bộ tiêu chí hiện hành / Renew: a new self-assessment "
                     "against the current criteria version, linked to this certificate")
def renew(certificate_id: CertificateId, user: Writer, session: DB) -> SubmissionOut:
    cert = certs.load_certificate(session, user, certificate_id)
    return SubmissionOut.model_validate(certs.renew(session, user, cert))


@router.get("/notifications", response_model=list[NotificationOut],
            summary="Thông báo của tôi / My notifications, newest first")
def my_notifications(user: CurrentUser, session: DB, unread: bool = False) -> list[NotificationOut]:
    where = [Notification.user_id == user.id] + ([Notification.read_at.is_(None)] if unread else [])
    rows = session.scalars(sa.select(Notification).where(*where).order_by(Notification.id.desc()).limit(200))
    return [NotificationOut.model_validate(n) for n in rows]


@router.post("/notifications/{notification_id}/read", response_model=NotificationOut,
             summary="Đánh dấu đã đọc / Mark a notification read")
def read_notification(notification_id: Annotated[int, Path(ge=1, le=MAX_ID)], user: CurrentUser,
                      session: DB) -> NotificationOut:
    note = session.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise not_found("thông báo", "Notification")
    note.read_at = note.read_at or utcnow()
    return NotificationOut.model_validate(note)
