"""Sign-up (confirmed by e-mail), password reset by e-mail, login (email + password -> bearer token) and logout."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response

from api.core.errors import PROBLEM_MEDIA_TYPE, Problem, bilingual, too_many_requests, unauthenticated
from api.domain import self_service
from api.domain.identity import authenticate, drop_expired_tokens, issue_token
from api.domain.login_throttle import record_lockouts, throttled
from api.http.auth import DB, CurrentUser
from api.http.schemas import (
    AcceptedOut,
    LoginIn,
    PasswordResetConfirmIn,
    PasswordResetIn,
    RegisterIn,
    TokenOut,
    UserOut,
    VerifyEmailIn,
)

router = APIRouter(prefix="/auth", tags=["auth"])

MAIL_THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": Problem,
        "content": {PROBLEM_MEDIA_TYPE: {}},
        "description": "Quá nhiều yêu cầu gửi thư / Too many requests that send e-mail (see Retry-After)",
    }
}
ACCEPTED = bilingual(
    "Nếu địa chỉ dùng được, một thư đã được gửi tới đó; hãy mở liên kết trong thư",
    "If the address can be used, an e-mail has been sent to it; open the link inside",
)


def _count_mail_request(request: Request, email: str) -> None:
    """Every request that may send account mail counts, by email and by client address; 429 at the limit."""
    throttle, address = request.app.state.account_mail_throttle, request.client.host if request.client else "unknown"
    wait = throttle.retry_after(email, address)
    if wait is not None:
        minutes = max(1, -(-wait // 60))
        raise too_many_requests(
            wait,
            f"Quá nhiều yêu cầu; hãy thử lại sau {minutes} phút",
            f"Too many requests; try again in {minutes} minute(s)",
        )
    throttle.failed(email, address)


def _accepted(session, request: Request, background: BackgroundTasks, messages: list) -> AcceptedOut:
    """Commit first, then mail (after the answer is sent: its timing does not tell whether mail went out)."""
    session.commit()
    background.add_task(self_service.deliver, request.app.state.settings, messages)
    return AcceptedOut(detail=ACCEPTED)


@router.post(
    "/register",
    response_model=AcceptedOut,
    status_code=202,
    responses=MAIL_THROTTLED,
    summary="Đăng ký nhà cung cấp / Sign up a vendor organisation and its first user (confirmed by e-mail)",
)
def register(body: RegisterIn, request: Request, session: DB, background: BackgroundTasks) -> AcceptedOut:
    """Sign up a vendor organisation and its first user (role vendor). The user stays inactive until the link in the
    e-mail sent to `email` is followed (POST /auth/verify-email with its token); then log in with POST /auth/token.
    Public: no token needed. A registered email gets the same 202 (nothing is created; its owner is mailed).
    Refused: 409 when the organisation name is taken; 422 for a password that breaks the password rules, a
    malformed email or website, or unknown fields; 429 with Retry-After after too many requests for the email or
    from the address."""
    _count_mail_request(request, body.email)
    messages = self_service.sign_up(
        session,
        request.app.state.settings,
        organisation_name=body.organisation_name,
        name=body.name,
        email=body.email,
        password=body.password,
        website=body.website,
        contact_email=body.contact_email,
    )
    return _accepted(session, request, background, messages)


@router.post(
    "/verify-email",
    response_model=UserOut,
    summary="Xác nhận e-mail / Confirm a sign-up's e-mail address with the token from the e-mail",
)
def verify_email(body: VerifyEmailIn, session: DB) -> UserOut:
    """Activate the account a sign-up e-mail was sent for, with the `token` of its link (single use, it expires
    after VCSC_VERIFY_TOKEN_TTL_HOURS). Public: the token is the credential. Refused: 422 at /token for a wrong,
    already used or expired token."""
    return UserOut.model_validate(self_service.verify_email(session, body.token))


@router.post(
    "/password-reset",
    response_model=AcceptedOut,
    status_code=202,
    responses=MAIL_THROTTLED,
    summary="Quên mật khẩu / Ask for a password reset link by e-mail",
)
def request_password_reset(
    body: PasswordResetIn, request: Request, session: DB, background: BackgroundTasks
) -> AcceptedOut:
    """Mail a single-use reset link (valid VCSC_RESET_TOKEN_TTL_MINUTES) to the active account with this email.
    Public. The answer is the same 202 whether or not the address has an account. Refused: 422 for a malformed
    email; 429 with Retry-After after too many requests for the email or from the address."""
    _count_mail_request(request, body.email)
    messages = self_service.request_reset(session, request.app.state.settings, body.email)
    return _accepted(session, request, background, messages)


@router.post(
    "/password-reset/confirm",
    status_code=204,
    response_class=Response,
    response_model=None,
    summary="Đặt lại mật khẩu / Set a new password with the token from the reset e-mail",
)
def reset_password(body: PasswordResetConfirmIn, session: DB) -> Response:
    """Set a new password with the `token` of a reset link (single use). Every session and API token of the user
    is revoked; log in again with POST /auth/token. Public: the token is the credential. Refused: 422 at /token
    for a wrong, already used or expired token, at /password for a password that breaks the rules."""
    self_service.reset_password(session, body.token, body.password)
    return Response(status_code=204)


THROTTLED: dict[int | str, dict[str, Any]] = {
    429: {
        "model": Problem,
        "content": {PROBLEM_MEDIA_TYPE: {}},
        "description": "Quá nhiều lần đăng nhập sai / Too many failed sign-ins (see Retry-After)",
    }
}


@router.post(
    "/token",
    response_model=TokenOut,
    responses=THROTTLED,
    summary="Đăng nhập / Log in: email and password for a bearer token",
)
def login(body: LoginIn, request: Request, session: DB) -> TokenOut:
    """Exchange an email and password for a session bearer token, sent afterwards as `Authorization: Bearer <token>`
    until `expires_at` (VCSC_TOKEN_TTL_HOURS). Public: no token needed. Refused: 401 for a wrong email or password
    or a deactivated account; 429 with Retry-After after too many failed sign-ins for the email or the address
    (while locked, even the right password is refused)."""
    throttle, address = request.app.state.login_throttle, request.client.host if request.client else "unknown"
    wait = throttle.retry_after(body.email, address)
    if wait is not None:  # before any password check: while locked, even the right one is refused
        raise throttled(wait)
    user = authenticate(session, body.email, body.password)
    if user is None:
        record_lockouts(request.app.state.sessions, throttle.failed(body.email, address), body.email, address, "api")
        raise unauthenticated(
            "Sai email hoặc mật khẩu, hoặc tài khoản bị khoá", "Wrong email or password, or the account is deactivated"
        )
    throttle.succeeded(body.email)
    drop_expired_tokens(session, user)
    token, secret = issue_token(session, user, "session", timedelta(hours=request.app.state.settings.token_ttl_hours))
    return TokenOut(access_token=secret, expires_at=token.expires_at)


@router.delete(
    "/token",
    status_code=204,
    response_class=Response,
    response_model=None,
    summary="Đăng xuất / Log out: revoke the token used for this request",
)
def logout(user: CurrentUser, request: Request, session: DB) -> Response:
    """Revoke the token this request is made with (a session or an API token); the caller's other tokens stay valid.
    Any signed-in user (vendor, reviewer, admin). Refused: 401 without a valid token."""
    session.delete(request.state.token)
    return Response(status_code=204)
