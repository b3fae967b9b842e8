"""Browser sessions for the pages: the session cookie, the signed-in user, CSRF tokens and same-origin POSTs."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import sqlalchemy as sa
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException
from starlette.responses import Response

from api.core.errors import ApiError, bilingual
from api.core.models import Token, User, utcnow
from api.domain.identity import TOKEN_PREFIX, token_digest

SESSION_COOKIE = "vcsc_session"
ANON_COOKIE = "vcsc_csrf"  # the nonce behind the sign-in form's CSRF token, before there is a session
CSRF_FIELD = "csrf_token"
KEY_FILE = "web-csrf.key"


class SignInRequired(Exception):
    """The page needs a signed-in user; answered with a redirect to the sign-in page."""


class CsrfRefused(Exception):
    """A POST without a valid CSRF token, or from another origin; answered with 403."""


# --- one transaction per page ---------------------------------------------------------------


def page_session(request: Request) -> Iterator[Session]:
    """api.core.db.get_session's rule, one transaction per request, plus: a page answered with an error
    (status 400 or more, set by the web route after catching the error) is rolled back too."""
    with request.app.state.sessions() as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        if getattr(request.state, "failed", False):
            session.rollback()
        else:
            session.commit()


PageDB = Annotated[Session, Depends(page_session, scope="function")]


# --- the session cookie ---------------------------------------------------------------------


def session_secret(request: Request) -> str | None:
    secret = request.cookies.get(SESSION_COOKIE)
    return secret if secret and secret.startswith(TOKEN_PREFIX) else None


def page_user(request: Request, session: PageDB) -> User | None:
    """The user of the session cookie: a session token that exists, has not expired and whose user is
    active (api.http.auth.current_user's rules); None for everyone else."""
    request.state.user = request.state.token = None
    secret = session_secret(request)
    if secret is None:
        return None
    token = session.scalar(sa.select(Token).where(Token.token_hash == token_digest(secret)))
    if token is None or token.kind != "session" or token.expires_at <= utcnow() or not token.user.active:
        return None
    request.state.user, request.state.token = token.user, token
    return token.user


PageUser = Annotated[User | None, Depends(page_user)]


def signed_in(user: PageUser) -> User:
    if user is None:
        raise SignInRequired()
    return user


SignedIn = Annotated[User, Depends(signed_in)]


def set_session_cookie(request: Request, response: Response, secret: str, ttl: timedelta) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(ttl.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


# --- CSRF -----------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _key(folder: Path) -> bytes:
    """The server's key for anonymous CSRF tokens, made on first use beside the signing key
    (every instance shares that folder, so a form made by one is accepted by another)."""
    path = folder / KEY_FILE
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        temp = folder / f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        temp.write_bytes(secrets.token_bytes(32))
        temp.chmod(0o600)
        try:
            os.link(temp, path)  # fails if another process made it first: then theirs is used
        except FileExistsError:
            pass
        finally:
            temp.unlink()
    return path.read_bytes()


def _anonymous_token(request: Request, nonce: str) -> str:
    key = _key(Path(request.app.state.settings.keys_dir))
    return hmac.new(key, b"anon:" + nonce.encode(), hashlib.sha256).hexdigest()


def _session_token(secret: str) -> str:
    return hashlib.sha256(("csrf:" + secret).encode()).hexdigest()


def _nonce(request: Request) -> str | None:
    nonce = request.cookies.get(ANON_COOKIE, "")
    return nonce if 20 <= len(nonce) <= 100 and nonce.replace("-", "").replace("_", "").isalnum() else None


def csrf_token(request: Request) -> str:
    """The hidden field's value: derived from the session secret when signed in; otherwise an HMAC of a
    nonce kept in a cookie (a signed double submit), the cookie being set with the response."""
    secret = session_secret(request)
    if getattr(request.state, "user", None) is not None and secret is not None:  # signed in: by the session cookie
        return _session_token(secret)
    nonce = _nonce(request) or getattr(request.state, "new_nonce", None)
    if nonce is None:
        nonce = request.state.new_nonce = secrets.token_urlsafe(32)
    return _anonymous_token(request, nonce)


def set_nonce_cookie(request: Request, response: Response) -> None:
    nonce = getattr(request.state, "new_nonce", None)
    if nonce:
        response.set_cookie(
            ANON_COOKIE, nonce, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
        )


def same_origin(request: Request) -> bool:
    """False for a POST another site's page sent (by its Origin, else by Sec-Fetch-Site)."""
    origin = request.headers.get("origin")
    if origin is not None:
        return origin != "null" and urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()
    return request.headers.get("sec-fetch-site") in (None, "same-origin", "none")


def _valid_token(request: Request, sent: str) -> bool:
    secret = session_secret(request)
    if getattr(request.state, "user", None) is not None and secret is not None:  # signed in: by the session cookie
        expected = _session_token(secret)
    else:
        nonce = _nonce(request)
        if nonce is None:
            return False
        expected = _anonymous_token(request, nonce)
    return hmac.compare_digest(expected, sent)


MAX_FORM_FIELDS = 1000  # the longest form (a whole self-assessment) has far fewer
MAX_FORM_FILES = 5  # the forms take one file at most


def _form_refused(reason: str) -> ApiError:
    """Starlette's form parser refuses a form (too many fields or files, a part too large, a malformed multipart
    body) with a 400 carrying an English reason; a page shows it bilingual, with 413 for the size limits."""
    too_big = reason.startswith("Too many") or "exceeded maximum size" in reason
    if too_big:
        return ApiError(
            413,
            bilingual(
                f"Biểu mẫu quá lớn (tối đa {MAX_FORM_FIELDS} trường, {MAX_FORM_FILES} tệp)",
                f"The form is too large: {reason}",
            ),
        )
    return ApiError(400, bilingual("Không đọc được biểu mẫu gửi lên", f"The form could not be read: {reason}"))


async def posted_form(request: Request, user: PageUser) -> FormData:
    """The POSTed form, after checking its origin and CSRF token (403 otherwise); a form the parser refuses is a
    400 or 413 page (the one place the pages parse forms)."""
    if not same_origin(request):
        raise CsrfRefused()
    try:
        form = await request.form(max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS)
    except StarletteHTTPException as exc:  # what Starlette makes of its MultiPartException inside an app
        raise _form_refused(str(exc.detail)) from None
    except MultiPartException as exc:
        raise _form_refused(exc.message) from None
    sent = form.get(CSRF_FIELD)
    if not isinstance(sent, str) or not _valid_token(request, sent):
        raise CsrfRefused()
    return form


PostedForm = Annotated[FormData, Depends(posted_form)]
