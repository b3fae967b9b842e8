"""SafeKid's data: accounts, the family's protection settings, and what the parent is told.

Everything is in memory (a demo product starts clean each time). The portal (uvicorn's
thread) writes and the proxy (its own thread) reads the filter level, so every access
goes through one lock.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace

from demo_products.web import check_secret, hash_secret

PARENT_EMAIL, PARENT_PASSWORD, PARENT_PIN = "me@safekid.test", "Parent#2024", "2468"
CHILD_EMAIL, CHILD_PASSWORD = "be.an@safekid.test", "Child#2024"

ADULT_AGE = 16  # Luật Trẻ em 2016: a child is a person under 16
MIN_DAILY_MINUTES, MAX_DAILY_MINUTES = 15, 600
MAX_WRONG_PINS = 5  # then the PIN is locked for a while, so a child cannot guess it
PIN_LOCK_SECONDS = 15 * 60


@dataclass
class Account:
    email: str
    password_hash: str
    role: str  # "parent", "child" (managed by a parent) or "member" (16 or older)
    display_name: str
    birth_date: dt.date | None = None


@dataclass
class FamilySettings:
    filter_level: str = "00+"
    daily_minutes: int = 120
    pin_hash: str = ""
    wrong_pins: int = 0
    locked_until: float = 0.0


@dataclass(frozen=True)
class BlockEvent:
    at: dt.datetime
    url: str
    category_vi: str
    category_en: str
    how: str


@dataclass(frozen=True)
class ParentRequest:
    at: dt.datetime
    url: str
    category: str
    message: str


@dataclass(frozen=True)
class AbuseReport:
    reference: str
    at: dt.datetime
    kind: str
    url: str
    description: str
    contact: str


@dataclass(frozen=True)
class ParentInvitation:
    at: dt.datetime
    parent_email: str


class SettingsRefused(Exception):
    """A settings change that was not applied; `code` says why (for the page's message)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def age_on(birth_date: dt.date, today: dt.date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


@dataclass
class SafeKidStore:
    accounts: dict[str, Account] = field(default_factory=dict)
    family: FamilySettings = field(default_factory=FamilySettings)
    blocked: deque = field(default_factory=lambda: deque(maxlen=200))
    parent_requests: deque = field(default_factory=lambda: deque(maxlen=200))
    reports: list[AbuseReport] = field(default_factory=list)
    invitations: list[ParentInvitation] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def with_demo_family(cls) -> SafeKidStore:
        store = cls()
        store.accounts[PARENT_EMAIL] = Account(PARENT_EMAIL, hash_secret(PARENT_PASSWORD), "parent", "Mẹ Hà")
        store.accounts[CHILD_EMAIL] = Account(
            CHILD_EMAIL, hash_secret(CHILD_PASSWORD), "child", "Bé An", dt.date(2016, 5, 1)
        )
        store.family.pin_hash = hash_secret(PARENT_PIN)
        return store

    # ---- accounts ------------------------------------------------------------------------
    def authenticate(self, email: str, password: str) -> Account | None:
        with self._lock:
            account = self.accounts.get(email.strip().lower())
        if account is None:
            hash_secret(password)  # same work either way, so timing does not reveal accounts
            return None
        return account if check_secret(password, account.password_hash) else None

    def account(self, email: str) -> Account | None:
        with self._lock:
            return self.accounts.get(email)

    def create_member(self, email: str, password: str, birth_date: dt.date) -> Account:
        """A self-managed account for someone 16 or older; ValueError if the email is taken."""
        email = email.strip().lower()
        account = Account(email, hash_secret(password), "member", email.split("@")[0], birth_date)
        with self._lock:
            if email in self.accounts:
                raise ValueError("email taken")
            self.accounts[email] = account
        return account

    def invite_parent(self, parent_email: str) -> None:
        with self._lock:
            self.invitations.append(ParentInvitation(dt.datetime.now(), parent_email.strip().lower()))

    # ---- protection settings -------------------------------------------------------------
    def settings(self) -> FamilySettings:
        with self._lock:
            return replace(self.family)

    def filter_level(self) -> str:
        with self._lock:
            return self.family.filter_level

    def change_settings(self, account: Account, *, filter_level: str, daily_minutes: int, pin: str) -> None:
        """Apply a change, or raise SettingsRefused. A child needs the parent's PIN."""
        if account.role not in ("parent", "child"):
            raise SettingsRefused("no_family")
        with self._lock:
            family = self.family
            if account.role == "child":
                now = time.time()
                if family.locked_until > now:
                    raise SettingsRefused("pin_locked")
                if not pin:
                    raise SettingsRefused("pin_required")
                if not check_secret(pin, family.pin_hash):
                    family.wrong_pins += 1
                    if family.wrong_pins >= MAX_WRONG_PINS:
                        family.locked_until, family.wrong_pins = now + PIN_LOCK_SECONDS, 0
                        raise SettingsRefused("pin_locked")
                    raise SettingsRefused("pin_wrong")
                family.wrong_pins = 0
            family.filter_level = filter_level
            family.daily_minutes = daily_minutes

    # ---- what the parent sees ------------------------------------------------------------
    def record_block(self, url: str, category_vi: str, category_en: str, how: str) -> None:
        with self._lock:
            self.blocked.appendleft(BlockEvent(dt.datetime.now(), url, category_vi, category_en, how))

    def record_parent_request(self, url: str, category: str, message: str) -> None:
        with self._lock:
            self.parent_requests.appendleft(ParentRequest(dt.datetime.now(), url, category, message))

    def add_report(self, kind: str, url: str, description: str, contact: str) -> AbuseReport:
        with self._lock:
            report = AbuseReport(f"BC-{len(self.reports) + 1:05d}", dt.datetime.now(), kind, url, description, contact)
            self.reports.append(report)
        return report

    def activity(self) -> tuple[list[BlockEvent], list[ParentRequest]]:
        with self._lock:
            return list(self.blocked)[:20], list(self.parent_requests)[:20]
