"""Certificates for their holders and the club, and the signed-in user's notifications.

Vendors see their organisation's certificates (others read as 404): the signed credential to download, the
badge and its embed code, renewal. Reviewers and admins see all, filter them, suspend, reinstate or revoke
them with a reason and clear a monitoring flag. Everything goes through api.domain.certificates (the API's rules and
audit events); the list is the API's own query (api.domain.certificates.list_visible)."""

from __future__ import annotations

from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from pydantic import ValidationError

from api.core.errors import ApiError, forbidden, not_found
from api.core.models import CERTIFICATE_STATUSES, Certificate, User
from api.domain import certificates as certs
from api.domain import notifications
from api.http.present import certificate_out
from api.http.schemas import MAX_ID, CertificateStatusIn, ClearFlagIn
from api.web import assessment_form as af
from api.web.dashboard import WRITERS, _probe_title, _writer
from api.web.public import CERTIFICATE_ID
from api.web.rendering import WebRoute, redirect, render
from api.web.review import STAFF
from api.web.security import PageDB, PostedForm, SignedIn
from api.web.views import level_title, problem_from_api, problem_from_validation, product_type_title, vocabulary
from reports.badge import render_badge
from reports.certificate import CertificateSheet, render_certificate_pdf

router = APIRouter(prefix="/dashboard", route_class=WebRoute, include_in_schema=False)
CertificateId = Annotated[str, Path(pattern=CERTIFICATE_ID)]
StatusAction = Literal["suspend", "reinstate", "revoke"]
PER_PAGE = 20
FlaggedFilter = Annotated[Literal["yes", "no", ""] | None, Query()]
StatusFilter = Annotated[Literal[(*CERTIFICATE_STATUSES, "")] | None, Query()]  # type: ignore[valid-type]


def staff(user: User) -> User:
    """Reviewers and admins change certificates; vendors get 403 (as the API's routes)."""
    if user.role not in STAFF:
        raise forbidden()
    return user


@router.get("/certificates")
def certificates_page(
    request: Request,
    session: PageDB,
    user: SignedIn,
    status: StatusFilter = None,
    flagged: FlaggedFilter = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
):
    rows, total = certs.list_visible(
        session,
        user,
        status=status or None,
        flagged={"yes": True, "no": False}.get(flagged or ""),
        product_id=None,
        page=page,
        per_page=PER_PAGE,
    )
    settings = request.app.state.settings
    return render(
        request,
        "certificates.html",
        certs=[certificate_out(c, settings) for c in rows],
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        state=status or "",
        flagged=flagged or "",
        statuses=CERTIFICATE_STATUSES,
        is_staff=user.role in STAFF,
    )


def _certificate_page(
    request: Request,
    session,
    user: User,
    cert: Certificate,
    status: int = 200,
    problem: dict | None = None,
    values: dict | None = None,
):
    t = request.state.t
    out = certificate_out(cert, request.app.state.settings)
    preview = Markup(render_badge(level_title=t.pick(out.level_title), status=out.status, lang=t.lang))
    return render(
        request,
        "certificate_manage.html",
        status,
        cert=out,
        product=cert.product,
        preview=preview,
        base=str(request.base_url).rstrip("/"),
        is_staff=user.role in STAFF,
        can_write=user.role in WRITERS,
        problem=problem,
        values=values or {},
        has_credential=bool(cert.credential_jws),
        renewals=list(session.scalars(sa.select(Certificate.id).where(Certificate.renews_id == cert.id))),
        level_title=level_title,
        type_title=product_type_title,
        probe_title=_probe_title,
    )


def _refused(request, session, user, certificate_id: str, exc: ApiError | ValidationError, anchors: dict, values: dict):
    t = request.state.t
    if isinstance(exc, ValidationError):
        status, problem = 422, problem_from_validation(exc, t, anchors)
    elif exc.status in (409, 422):
        session.rollback()
        status, problem = exc.status, problem_from_api(exc, t, anchors, status_key="status")
    else:
        raise exc
    cert = certs.load_certificate(session, user, certificate_id)
    return _certificate_page(request, session, user, cert, status, problem, values)


@router.get("/certificates/{certificate_id}")
def certificate_page(request: Request, session: PageDB, user: SignedIn, certificate_id: CertificateId):
    return _certificate_page(request, session, user, certs.load_certificate(session, user, certificate_id))


@router.get("/certificates/{certificate_id}/credential")
def credential(request: Request, session: PageDB, user: SignedIn, certificate_id: CertificateId):
    """The signed credential (Open Badges 3.0, compact JWS) as a file, as the API gives it."""
    cert = certs.load_certificate(session, user, certificate_id)
    if not cert.credential_jws:
        raise not_found(f"bản ký của chứng nhận {cert.id}", f"Signed credential of {cert.id}")
    return Response(
        cert.credential_jws,
        media_type="application/vc+jwt",
        headers={"Content-Disposition": f'attachment; filename="{cert.id}.jwt"'},
    )


@router.get("/certificates/{certificate_id}/certificate.pdf")
def certificate_pdf(request: Request, session: PageDB, user: SignedIn, certificate_id: CertificateId):
    """The printable certificate (A4 PDF) in the page's language (?lang=vi|en), with a QR code to its public
    verification page. The owning vendor and the club's staff only (api.domain.certificates.load_certificate:
    others read 404, as everywhere)."""
    cert = certs.load_certificate(session, user, certificate_id)
    settings = request.app.state.settings
    out = certificate_out(cert, settings)
    lang = request.state.t.lang
    sheet = CertificateSheet(
        id=out.id,
        product_name=out.product_name,
        vendor=out.vendor,
        level_title=dict(out.level_title),
        product_type_title=vocabulary().term("product_types", cert.product.product_type)["title"],
        criteria_version=out.criteria_version,
        status=out.status,
        issued_at=out.issued_at,
        valid_until=out.valid_until,
        verify_url=f"{settings.base_url}/certificates/{out.id}",
    )
    body = render_certificate_pdf(sheet, lang, chromium=settings.chromium)
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{out.id}-{lang}.pdf"',
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/certificates/{certificate_id}/renew")
def renew(request: Request, session: PageDB, user: SignedIn, certificate_id: CertificateId, form: PostedForm):
    """A renewal: a new self-assessment against the current criteria version, linked to this certificate."""
    _writer(user)
    cert = certs.load_certificate(session, user, certificate_id)
    try:
        submission = certs.renew(session, user, cert)
    except ApiError as exc:
        return _refused(request, session, user, certificate_id, exc, {}, {"form": "renew"})
    return redirect(af.first_step_url(submission, "renewal_started"))


@router.post("/certificates/{certificate_id}/status/{action}")
def change_status(
    request: Request,
    session: PageDB,
    user: SignedIn,
    certificate_id: CertificateId,
    action: StatusAction,
    form: PostedForm,
):
    """Suspend, reinstate or revoke (a reason is needed to suspend or revoke)."""
    staff(user)
    cert = certs.load_certificate(session, user, certificate_id)
    values = {"form": action, "reason": str(form.get("reason", ""))}
    try:
        body = CertificateStatusIn(reason=values["reason"].strip() or None)
        certs.change_status(session, user, cert, action, body.reason)
    except (ApiError, ValidationError) as exc:
        return _refused(request, session, user, certificate_id, exc, {"reason": f"{action}-reason"}, values)
    return redirect(f"/dashboard/certificates/{certificate_id}?done=cert_{action}")


@router.post("/certificates/{certificate_id}/clear-flag")
def clear_flag(request: Request, session: PageDB, user: SignedIn, certificate_id: CertificateId, form: PostedForm):
    staff(user)
    cert = certs.load_certificate(session, user, certificate_id)
    values = {"form": "clear", "comment": str(form.get("comment", ""))}
    try:
        body = ClearFlagIn(comment=values["comment"])
        certs.clear_flag(session, user, cert, body.comment)
    except (ApiError, ValidationError) as exc:
        return _refused(request, session, user, certificate_id, exc, {"comment": "clear-comment"}, values)
    return redirect(f"/dashboard/certificates/{certificate_id}?done=flag_cleared")


# --- notifications ---------------------------------------------------------------------------------


@router.get("/notifications")
def notifications_page(request: Request, session: PageDB, user: SignedIn):
    return render(request, "notifications.html", notes=notifications.of_user(session, user))


@router.post("/notifications/{notification_id}/read")
def read_notification(
    request: Request,
    session: PageDB,
    user: SignedIn,
    notification_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    form: PostedForm,
):
    notifications.mark_read(session, user, notification_id)
    return redirect("/dashboard/notifications?done=read")
