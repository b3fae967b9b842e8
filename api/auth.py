"""Who is calling: argon2 password hashes, opaque bearer tokens (stored as sha256) and role guards."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache
from typing import Annotated

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.db import get_session
from api.errors import forbidden, unauthenticated
from api.models import Token, User, utcnow

TOKEN_PREFIX = "vcsc_"  # recognisable by secret scanners
_hasher = PasswordHasher()

DB = Annotated[Session, Depends(get_session, scope="function")]
bearer = HTTPBearer(auto_error=False, description="Mã truy cập / access token from POST /api/v1/auth/token "
                                                   "or /api/v1/users/me/tokens")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_hex(16))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, else None (same work either way: no timing oracle)."""
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(session: Session, user: User, kind: str, ttl: timedelta, name: str | None = None) -> tuple[Token, str]:
    """A new token row and its secret; the secret is returned once and never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    token = Token(user_id=user.id, kind=kind, name=name, token_hash=token_digest(secret), created_at=now,
                  expires_at=now + ttl)
    session.add(token)
    session.flush()
    return token, secret


def drop_expired_tokens(session: Session, user: User) -> None:
    session.execute(sa.delete(Token).where(Token.user_id == user.id, Token.expires_at <= utcnow()))


def current_user(request: Request, session: DB,
                 credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> User:
    """The user owning a valid, unexpired bearer token; 401 otherwise."""
    if credentials is None or not credentials.credentials.startswith(TOKEN_PREFIX):
        raise unauthenticated()
    token = session.scalar(sa.select(Token).where(Token.token_hash == token_digest(credentials.credentials)))
    if token is None or token.expires_at <= utcnow() or not token.user.active:
        raise unauthenticated("Mã truy cập không hợp lệ hoặc đã hết hạn", "The token is invalid or has expired")
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
