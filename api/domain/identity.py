"""Who someone is: argon2 password hashes, authentication without a timing oracle, opaque tokens (stored as sha256)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from api.core.models import Token, User, utcnow

TOKEN_PREFIX = "vcsc_"  # recognisable by secret scanners
_hasher = PasswordHasher()


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
    token = Token(
        user_id=user.id, kind=kind, name=name, token_hash=token_digest(secret), created_at=now, expires_at=now + ttl
    )
    session.add(token)
    session.flush()
    return token, secret


def drop_expired_tokens(session: Session, user: User) -> None:
    session.execute(sa.delete(Token).where(Token.user_id == user.id, Token.expires_at <= utcnow()))
