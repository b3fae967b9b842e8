"""Who is calling an HTTP route: the bearer token's user, role guards and the per-request session."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.core.db import get_session
from api.core.errors import forbidden, unauthenticated
from api.core.models import Token, User, utcnow
from api.domain.identity import TOKEN_PREFIX, token_digest

DB = Annotated[Session, Depends(get_session, scope="function")]
LAST_USED_PRECISION = timedelta(minutes=1)
bearer = HTTPBearer(
    auto_error=False, description="Mã truy cập / access token from POST /api/v1/auth/token or /api/v1/users/me/tokens"
)


def current_user(
    request: Request, session: DB, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> User:
    """The user owning a valid, unexpired bearer token; 401 otherwise."""
    if credentials is None or not credentials.credentials.startswith(TOKEN_PREFIX):
        raise unauthenticated()
    token = session.scalar(sa.select(Token).where(Token.token_hash == token_digest(credentials.credentials)))
    if token is None or token.expires_at <= utcnow() or not token.user.active:
        raise unauthenticated("Mã truy cập không hợp lệ hoặc đã hết hạn", "The token is invalid or has expired")
    now = utcnow()
    if token.kind == "api" and (token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION):
        token.last_used_at = now  # to the minute: not a write on every call of a busy script
    request.state.token = token
    return token.user


CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: str):
    """A dependency admitting only users with one of `roles` (403 for the others)."""

    def guard(user: CurrentUser) -> User:
        if user.role not in roles:
            raise forbidden()
        return user

    return guard


Writer = Annotated[User, Depends(require_roles("vendor", "admin"))]  # reviewers only read


def password_guard(request: Request, user: User, via: str) -> Callable[[Callable[[], bool]], bool]:
    """The login throttle's guard of `user`'s current-password check in this request (api.domain.login_throttle:
    429 while the account or the client address is locked out; a wrong password counts as a failed sign-in)."""
    address = request.client.host if request.client else "unknown"
    return partial(request.app.state.login_throttle.guard, request.app.state.sessions, user.email, address, via)
