"""Small pieces both portals share: in-memory sessions, URL-encoded forms, templates, and
password hashing. Each product chooses its own cookie attributes, which is where a
careful and a careless product differ."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

MAX_FORM_BYTES = 64 * 1024


async def read_form(request: Request) -> dict[str, str]:
    """The fields of an application/x-www-form-urlencoded body (the last value of a repeated name).

    Starlette's own form parser needs python-multipart, which the portals do not need:
    their forms are plain URL-encoded ones.
    """
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


def templates(folder: Path) -> Jinja2Templates:
    return Jinja2Templates(directory=str(folder))


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """scrypt hash "salt$hash" (hex); the demo accounts live in memory, but never in clear."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"{salt.hex()}${digest.hex()}"


def check_secret(secret: str, stored: str) -> bool:
    salt_hex, _, digest_hex = stored.partition("$")
    candidate = hash_secret(secret, bytes.fromhex(salt_hex)).partition("$")[2]
    return hmac.compare_digest(candidate, digest_hex)


@dataclass
class Session:
    id: str
    data: dict = field(default_factory=dict)
    last_seen: float = field(default_factory=time.time)
    fresh: bool = False  # the cookie still has to be sent
    ended: bool = False  # the cookie has to be removed


class SessionStore:
    """Server-side sessions behind one random cookie."""

    PRUNE_AT = 1000

    def __init__(
        self,
        cookie_name: str,
        *,
        secure: bool,
        http_only: bool,
        same_site: Literal["lax", "strict", "none"] | None,
        idle_seconds: float = 12 * 3600,
    ):
        self.cookie_name = cookie_name
        self.secure = secure
        self.http_only = http_only
        self.same_site = same_site
        self.idle_seconds = idle_seconds
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def load(self, request: Request) -> Session | None:
        """The request's session, or None (no cookie is created just by looking)."""
        sid = request.cookies.get(self.cookie_name)
        now = time.time()
        with self._lock:
            session = self._sessions.get(sid or "")
            if session is None:
                return None
            if now - session.last_seen > self.idle_seconds:
                del self._sessions[session.id]
                return None
            session.last_seen = now
            return session

    def start(self, request: Request) -> Session:
        """The request's session, created when missing."""
        session = self.load(request)
        if session is not None:
            return session
        session = Session(secrets.token_urlsafe(24), fresh=True)
        with self._lock:
            if len(self._sessions) >= self.PRUNE_AT:  # a demo may run for days; forget idle sessions
                cutoff = time.time() - self.idle_seconds
                self._sessions = {k: v for k, v in self._sessions.items() if v.last_seen >= cutoff}
            self._sessions[session.id] = session
        return session

    def rotate(self, session: Session) -> Session:
        """Same data under a new id: done at log-in so a planted session id is worthless."""
        new = Session(secrets.token_urlsafe(24), dict(session.data), fresh=True)
        with self._lock:
            self._sessions.pop(session.id, None)
            self._sessions[new.id] = new
        return new

    def end(self, session: Session) -> None:
        with self._lock:
            self._sessions.pop(session.id, None)
        session.ended = True

    def apply(self, response: Response, session: Session | None) -> Response:
        """Send or remove the cookie as the session requires."""
        if session is None:
            return response
        if session.ended:
            response.delete_cookie(
                self.cookie_name, path="/", secure=self.secure, httponly=self.http_only, samesite=self.same_site
            )
        elif session.fresh:
            response.set_cookie(
                self.cookie_name,
                session.id,
                path="/",
                secure=self.secure,
                httponly=self.http_only,
                samesite=self.same_site,
            )
            session.fresh = False
        return response
