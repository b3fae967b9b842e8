"""Sign-in throttling: failed sign-ins counted per account and per client address in a moving window (`limits`).

Both ways in (POST /api/v1/auth/token and the page's POST /sign-in) ask `retry_after` before checking a password
and report each failure with `failed`; so does a password change, whose current password is checked through
`guard` (PATCH /api/v1/users/me and the account page), and it counts against the same account: a stolen session
is no way around the limit. While either count is at its limit the answer is 429 with Retry-After,
even for the right password, and no password is checked (an attacker gets no oracle, and no argon2 work).
A success clears the account's failures, not the address's.

The counts live in a `limits` storage (VCSC_LOGIN_LIMIT_STORAGE): memory:// by default, which is per process and
forgotten on restart — right for the embedded default (one `vcsc serve` process); several server instances must
share a storage (redis://..., memcached://...), or each one allows the full count.
Accounts are keyed by a digest of the normalised email, whether or not the account exists (the answer must not
tell); the first failure that reaches a limit is recorded in the audit trail ("auth.locked_out").
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy.orm import Session, sessionmaker

from api.core.errors import ApiError, too_many_requests
from api.core.models import User
from api.domain import audit

ACCOUNT, ADDRESS = "account", "address"
ACTOR = "login-throttle"


def _account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Lockout:
    scope: str  # ACCOUNT or ADDRESS
    failures: int
    window_seconds: int


class LoginThrottle:
    def __init__(
        self,
        *,
        per_account: int,
        per_address: int,
        window_seconds: int,
        storage: str = "memory://",
        namespace: str = "vcsc-login",
    ):
        self.window_seconds = window_seconds
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage))
        self.items: dict[str, RateLimitItem] = {
            ACCOUNT: RateLimitItemPerSecond(per_account, window_seconds, namespace=f"{namespace}-account"),
            ADDRESS: RateLimitItemPerSecond(per_address, window_seconds, namespace=f"{namespace}-address"),
        }

    @classmethod
    def from_settings(cls, settings) -> LoginThrottle:
        return cls(
            per_account=settings.login_failures_per_account,
            per_address=settings.login_failures_per_address,
            window_seconds=settings.login_window_seconds,
            storage=settings.login_limit_storage,
        )

    @classmethod
    def account_mail(cls, settings) -> LoginThrottle:
        """The same counting for the requests that send account mail (sign-up, password reset): every request
        counts, by e-mail address and by client address, so nobody can flood an inbox or probe many addresses."""
        return cls(
            per_account=settings.account_mails_per_email,
            per_address=settings.account_mails_per_address,
            window_seconds=settings.account_mail_window_seconds,
            storage=settings.login_limit_storage,
            namespace="vcsc-account-mail",
        )

    def _keys(self, email: str, address: str) -> list[tuple[str, str]]:
        return [(ACCOUNT, _account_key(email)), (ADDRESS, address or "unknown")]

    def retry_after(self, email: str, address: str) -> int | None:
        """Seconds until a sign-in for `email` from `address` may be tried again, or None if it may be now."""
        waits = []
        for scope, key in self._keys(email, address):
            item = self.items[scope]
            if not self.limiter.test(item, key):
                reset = self.limiter.get_window_stats(item, key).reset_time
                waits.append(max(1, math.ceil(reset - time.time())))
        return max(waits) if waits else None

    def failed(self, email: str, address: str) -> list[Lockout]:
        """Count one failure; the limits this failure has just reached (each reported once per lock-out)."""
        reached = []
        for scope, key in self._keys(email, address):
            item = self.items[scope]
            if self.limiter.hit(item, key) and self.limiter.get_window_stats(item, key).remaining == 0:
                reached.append(Lockout(scope, item.amount, self.window_seconds))
        return reached

    def succeeded(self, email: str) -> None:
        self.limiter.clear(self.items[ACCOUNT], _account_key(email))

    def guard(
        self, sessions: sessionmaker[Session], email: str, address: str, via: str, check: Callable[[], bool]
    ) -> bool:
        """`check()` (a password check) unless `email` or `address` is locked out (429, no check made); a wrong
        password counts as a failed sign-in (its lock-outs audited), a right one clears the account's count."""
        wait = self.retry_after(email, address)
        if wait is not None:
            raise throttled(wait)
        if check():
            self.succeeded(email)
            return True
        record_lockouts(sessions, self.failed(email, address), email, address, via)
        return False


def throttled(seconds: int) -> ApiError:
    """The 429 of a locked-out sign-in or password check, with Retry-After."""
    minutes = max(1, -(-seconds // 60))
    return too_many_requests(
        seconds,
        f"Quá nhiều lần đăng nhập sai; hãy thử lại sau {minutes} phút",
        f"Too many failed sign-ins; try again in {minutes} minute(s)",
    )


def record_lockouts(
    sessions: sessionmaker[Session], lockouts: list[Lockout], email: str, address: str, via: str
) -> None:
    """Audit each lock-out in a transaction of its own (the failed request's own transaction is rolled back)."""
    if not lockouts:
        return
    with sessions.begin() as session:
        user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        for lockout in lockouts:
            after = {
                "scope": lockout.scope,
                "failures": lockout.failures,
                "window_seconds": lockout.window_seconds,
                "via": via,
                "client_address": address,
            }
            if lockout.scope == ACCOUNT:
                # The email as typed is kept only for an existing account (nobody's typo lands in the trail).
                audit.record(
                    session,
                    ACTOR,
                    "auth.locked_out",
                    "user",
                    user.id if user else None,
                    user.organisation_id if user else None,
                    None,
                    {**after, "email": user.email if user else None},
                )
            else:
                audit.record(session, ACTOR, "auth.locked_out", "client_address", address[:64], None, None, after)
