"""Certificates for their holders and the club: list, read, download the signed credential and the approved
report, suspend, reinstate, revoke, clear a monitoring flag, and start a renewal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from api.core.errors import not_found
from api.core.models import CERTIFICATE_STATUSES, User
from api.domain import certificates as certs
from api.domain import notifications
from api.http.auth import DB, CurrentUser, Writer, require_roles
from api.http.present import certificate_out
from api.http.schemas import (
    MAX_ID,
    CertificateOut,
    CertificatePage,
    CertificateStatusIn,
    ClearFlagIn,
    NotificationOut,
    SubmissionOut,
)

router = APIRouter(tags=["certificates"])
Staff = Annotated[User, Depends(require_roles("reviewer", "admin"))]
CertificateId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")]


@router.get(
    "/certificates",
    response_model=CertificatePage,
    summary="Chứng nhận (nhà cung cấp: của mình) / Certificates (vendors: their own)",
)
def list_certificates(
    request: Request,
    user: CurrentUser,
    session: DB,
    status: Annotated[str | None, Query(pattern="^(" + "|".join(CERTIFICATE_STATUSES) + ")$")] = None,
    flagged: bool | None = None,
    product_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
) -> CertificatePage:
    """Certificates, a page at a time, filtered by status, monitoring flag or product. Vendors see their own
    organisation's, reviewers and admins all. Refused: 401; 422 for an unknown status or out-of-range paging."""
    rows, total = certs.list_visible(
        session, user, status=status, flagged=flagged, product_id=product_id, page=page, per_page=per_page
    )
    settings = request.app.state.settings
    return CertificatePage(
        items=[certificate_out(c, settings) for c in rows], total=total, page=page, per_page=per_page
    )


@router.get("/certificates/{certificate_id}", response_model=CertificateOut, summary="Một chứng nhận / One certificate")
def get_certificate(certificate_id: CertificateId, request: Request, user: CurrentUser, session: DB) -> CertificateOut:
    """One certificate with its status, validity, monitoring flag, badge URL and the actions the caller may take.
    Vendors: their own organisation's (others read as 404); reviewers and admins: any. Refused: 401; 404."""
    return certificate_out(certs.load_certificate(session, user, certificate_id), request.app.state.settings)


@router.get(
    "/certificates/{certificate_id}/credential",
    response_class=Response,
    responses={
        200: {
            "content": {"application/vc+jwt": {}},
            "description": "Chứng nhận đã ký / the signed credential (compact JWS)",
        }
    },
    summary="Tải chứng nhận đã ký / Download the signed credential (Open Badges 3.0, vc+jwt)",
)
def get_credential(certificate_id: CertificateId, user: CurrentUser, session: DB) -> Response:
    """Download the signed credential (Open Badges 3.0 / W3C VC as compact JWS, media type application/vc+jwt) to give
    to third parties, who can check it with POST /public/verify. Vendors: their own; reviewers and admins: any.
    Refused: 401; 404 for an unknown certificate or one issued without a signed credential."""
    cert = certs.load_certificate(session, user, certificate_id)
    if not cert.credential_jws:
        raise not_found(f"bản ký của chứng nhận {cert.id}", f"Signed credential of {cert.id}")
    return Response(
        cert.credential_jws,
        media_type="application/vc+jwt",
        headers={"Content-Disposition": f'attachment; filename="{cert.id}.jwt"'},
    )


@router.get(
    "/certificates/{certificate_id}/report",
    response_class=Response,
    responses={
        200: {"content": {"application/json": {}}, "description": "Báo cáo đã phê duyệt / the report as approved"}
    },
    summary="Báo cáo đã phê duyệt (khớp report_digest) / The approved report (its sha256 is report_digest)",
)
def get_approved_report(certificate_id: CertificateId, user: CurrentUser, session: DB) -> Response:
    """The report exactly as approved (JSON), byte for byte: its SHA-256 is the certificate's report_digest. Vendors:
    their own; reviewers and admins: any. Refused: 401; 404 for an unknown certificate or one without a stored
    report."""
    cert = certs.load_certificate(session, user, certificate_id)
    if not cert.report_json:
        raise not_found(f"báo cáo của chứng nhận {cert.id}", f"Report of {cert.id}")
    return Response(
        cert.report_json.encode("utf-8"), media_type="application/json", headers={"Cache-Control": "private, no-store"}
    )


@router.get(
    "/certificates/{certificate_id}/verdict",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {}},
            "description": "Kết quả thẩm định đã phê duyệt / the verdict as approved",
        }
    },
    summary="Kết quả thẩm định đã phê duyệt (khớp verdict_digest) / The verdict the certificate rests on",
)
def get_certified_verdict(certificate_id: CertificateId, user: CurrentUser, session: DB) -> Response:
    """The verdict the certificate was issued on (checker/verdict.py, canonical JSON), byte for byte: its SHA-256
    is the certificate's verdict_digest, which the signed credential also carries as evidence. Vendors: their
    own; reviewers and admins: any. Refused: 401; 404 for an unknown certificate or one issued without a
    stored verdict."""
    cert = certs.load_certificate(session, user, certificate_id)
    if not cert.verdict_json:
        raise not_found(f"kết quả thẩm định của chứng nhận {cert.id}", f"Verdict of {cert.id}")
    return Response(
        cert.verdict_json.encode("utf-8"), media_type="application/json", headers={"Cache-Control": "private, no-store"}
    )


def _status_route(action: str):
    def change(
        certificate_id: CertificateId, body: CertificateStatusIn, request: Request, user: Staff, session: DB
    ) -> CertificateOut:
        cert = certs.load_certificate(session, user, certificate_id)
        certs.change_status(session, user, cert, action, body.reason)
        return certificate_out(cert, request.app.state.settings)

    change.__name__ = f"{action}_certificate"
    change.__doc__ = STATUS_DOCS[action]
    return change


_STAFF_REFUSALS = (
    "Reviewers and admins. Refused: 403 for vendors; 404; 409 when the certificate's current status "
    "does not allow it (the answer lists the allowed actions)"
)
STATUS_DOCS = {
    "suspend": "Suspend a valid certificate for a while, with the reason (shown publicly): the badge, the public "
    "register and the suspension status list say so at once. " + _STAFF_REFUSALS + "; 422 without a reason.",
    "reinstate": "Reinstate a suspended certificate: it is valid again until its original expiry. "
    + _STAFF_REFUSALS
    + ".",
    "revoke": "Revoke a certificate for good, with the reason: the revocation status list, the badge and the public "
    "register say so at once, and it can no longer be renewed. " + _STAFF_REFUSALS + "; 422 without a reason.",
}


for _action, _summary in (
    ("suspend", "Tạm đình chỉ (cần lý do) / Suspend (reason required)"),
    ("reinstate", "Khôi phục sau đình chỉ / Reinstate a suspended certificate"),
    ("revoke", "Thu hồi (cần lý do) / Revoke (reason required)"),
):
    router.add_api_route(
        f"/certificates/{{certificate_id}}/{_action}",
        _status_route(_action),
        methods=["POST"],
        response_model=CertificateOut,
        summary=_summary,
    )


@router.post(
    "/certificates/{certificate_id}/clear-flag",
    response_model=CertificateOut,
    summary="Đã xem cảnh báo giám sát / Clear a monitoring flag after review",
)
def clear_flag(
    certificate_id: CertificateId, body: ClearFlagIn, request: Request, user: Staff, session: DB
) -> CertificateOut:
    """Clear the flag monitoring put on a certificate (its product changed or a probe regressed) after reviewing it,
    with a comment saying what was checked. Reviewers and admins. Refused: 403 for vendors; 404; 409 when the
    certificate is not flagged; 422 for a blank comment."""
    cert = certs.load_certificate(session, user, certificate_id)
    certs.clear_flag(session, user, cert, body.comment)
    return certificate_out(cert, request.app.state.settings)


@router.post(
    "/certificates/{certificate_id}/renew",
    response_model=SubmissionOut,
    status_code=201,
    summary="Gia hạn: bản tự đánh giá mới theo bộ tiêu chí hiện hành / Renew: a new self-assessment "
    "against the current criteria version, linked to this certificate",
)
def renew(certificate_id: CertificateId, user: Writer, session: DB) -> SubmissionOut:
    """Start the renewal of a certificate: a new self-assessment draft against the current criteria version, linked to
    this certificate. Vendors (their own) and admins. Refused: 403 for reviewers; 404; 409 for a revoked certificate
    or when the product already has an open revision."""
    cert = certs.load_certificate(session, user, certificate_id)
    return SubmissionOut.model_validate(certs.renew(session, user, cert))


@router.get(
    "/notifications", response_model=list[NotificationOut], summary="Thông báo của tôi / My notifications, newest first"
)
def my_notifications(user: CurrentUser, session: DB, unread: bool = False) -> list[NotificationOut]:
    """The caller's notifications, newest first; `unread=true` for the unread only. Any signed-in user. Refused: 401."""
    return [NotificationOut.model_validate(n) for n in notifications.of_user(session, user, unread=unread)]


@router.post(
    "/notifications/{notification_id}/read",
    response_model=NotificationOut,
    summary="Đánh dấu đã đọc / Mark a notification read",
)
def read_notification(
    notification_id: Annotated[int, Path(ge=1, le=MAX_ID)], user: CurrentUser, session: DB
) -> NotificationOut:
    """Mark one of the caller's notifications read. Any signed-in user, for their own notifications. Refused: 401; 404
    for a notification that is not the caller's."""
    return NotificationOut.model_validate(notifications.mark_read(session, user, notification_id))
