"""Registration, login (email + password -> bearer token) and logout."""
from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response

from api.domain.accounts import create_organisation, create_user
from api.http.auth import DB, CurrentUser
from api.domain.identity import authenticate, drop_expired_tokens, issue_token
from api.core.errors import unauthenticated
from api.http.schemas import LoginIn, RegisterIn, TokenOut, UserOut

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", response_model=UserOut, status_code=201,
             summary="Đăng ký nhà cung cấp / Register a vendor organisation and its first user")
def register(body: RegisterIn, session: DB) -> UserOut:
    # Nobody is logged in yet: the events name the registering email as their actor.
    org = create_organisation(session, body.organisation_name, "vendor", contact_email=body.contact_email,
                              website=body.website, pointer="/organisation_name", actor=body.email)
    user = create_user(session, org, email=body.email, name=body.name, password=body.password, role="vendor",
                       actor=body.email)
    return UserOut.model_validate(user)


@router.post("/token", response_model=TokenOut, summary="Đăng nhập / Log in: email and password for a bearer token")
def login(body: LoginIn, request: Request, session: DB) -> TokenOut:
    user = authenticate(session, body.email, body.password)
    if user is None:
        raise unauthenticated("Sai email hoặc mật khẩu, hoặc tài khoản bị khoá",
                              "Wrong email or password, or the account is deactivated")
    drop_expired_tokens(session, user)
    token, secret = issue_token(session, user, "session", timedelta(hours=request.app.state.settings.token_ttl_hours))
    return TokenOut(access_token=secret, expires_at=token.expires_at)


@router.delete("/token", status_code=204, response_class=Response, response_model=None,
               summary="Đăng xuất / Log out: revoke the token used for this request")
def logout(user: CurrentUser, request: Request, session: DB) -> Response:
    session.delete(request.state.token)
    return Response(status_code=204)
