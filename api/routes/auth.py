"""Registration, login (email + password -> bearer token) and logout."""
from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from api.domain.accounts import create_organisation, create_user
from api.http.auth import DB, CurrentUser
from api.domain.identity import authenticate, drop_expired_tokens, issue_token
from api.core.errors import PROBLEM_MEDIA_TYPE, Problem, too_many_requests, unauthenticated
from api.domain.login_throttle import record_lockouts
from api.http.schemas import LoginIn, RegisterIn, TokenOut, UserOut

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", response_model=UserOut, status_code=201,
             summary="Đăng ký nhà cung cấp / Register a vendor organisation and its first user")
def register(body: RegisterIn, session: DB) -> UserOut:
    """Create a vendor organisation and its first user (role vendor) in one step; then log in with POST /auth/token.
    Public: no token needed. Refused: 409 when the email or the organisation name is already registered; 422 for a
    password that breaks the password rules, a malformed email or website, or unknown fields."""
    # Nobody is logged in yet: the events name the registering email as their actor.
    org = create_organisation(session, body.organisation_name, "vendor", contact_email=body.contact_email,
                              website=body.website, pointer="/organisation_name", actor=body.email)
    user = create_user(session, org, email=body.email, name=body.name, password=body.password, role="vendor",
                       actor=body.email)
    return UserOut.model_validate(user)


THROTTLED = {429: {"model": Problem, "content": {PROBLEM_MEDIA_TYPE: {}},
                    "description": "Quá nhiều lần đăng nhập sai / Too many failed sign-ins (see Retry-After)"}}


def throttled(seconds: int):
    minutes = max(1, -(-seconds // 60))
    return too_many_requests(seconds, f"Quá nhiều lần đăng nhập sai; hãy thử lại sau {minutes} phút",
                             f"Too many failed sign-ins; try again in {minutes} minute(s)")


@router.post("/token", response_model=TokenOut, responses=THROTTLED,
             summary="Đăng nhập / Log in: email and password for a bearer token")
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
        raise unauthenticated("Sai email hoặc mật khẩu, hoặc tài khoản bị khoá",
                              "Wrong email or password, or the account is deactivated")
    throttle.succeeded(body.email)
    drop_expired_tokens(session, user)
    token, secret = issue_token(session, user, "session", timedelta(hours=request.app.state.settings.token_ttl_hours))
    return TokenOut(access_token=secret, expires_at=token.expires_at)


@router.delete("/token", status_code=204, response_class=Response, response_model=None,
               summary="Đăng xuất / Log out: revoke the token used for this request")
def logout(user: CurrentUser, request: Request, session: DB) -> Response:
    """Revoke the token this request is made with (a session or an API token); the caller's other tokens stay valid.
    Any signed-in user (vendor, reviewer, admin). Refused: 401 without a valid token."""
    session.delete(request.state.token)
    return Response(status_code=204)
