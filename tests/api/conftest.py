"""Fixtures for the API tests: an app on a migrated database, a test client and a small world of people."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

with warnings.catch_warnings():
    # starlette.testclient still wraps httpx; the deprecation is upstream's, not ours.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

import api.domain.identity
from api.app import create_app
from api.cli.demo import sample_answers
from api.core.db import upgrade
from api.core.models import Certificate, Organisation, Product, Submission, User, utcnow
from api.core.settings import Settings
from api.domain.identity import issue_token
from checker.assessment import checker_for

PASSWORD = "mat-khau-thu-nghiem-123"
VERSION = "vcsc-2024.1"  # has CF-01 and PC-01 for filtering_app
API = "/api/v1"
ROLES = ("anonymous", "vendor_a", "vendor_b", "reviewer", "admin")


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing():
    """Argon2 with minimal cost: the tests hash hundreds of passwords; production keeps the defaults."""
    original = api.domain.identity._hasher
    api.domain.identity._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    api.domain.identity._hasher = original


_serial = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_serial)}"


@dataclass
class Api:
    """A test client on a migrated database, with helpers that write straight to the database."""

    client: TestClient
    app: object
    users: dict = field(default_factory=dict)  # role name -> User
    headers: dict = field(default_factory=dict)  # role name -> auth headers

    @property
    def sessions(self):
        return self.app.state.sessions

    def request(self, method: str, path: str, role: str = "anonymous", **kwargs):
        headers = {**self.headers.get(role, {}), **kwargs.pop("headers", {})}
        return self.client.request(method, API + path, headers=headers, **kwargs)

    def count(self, model) -> int:
        with self.sessions() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(model))

    def add(self, *objects):
        """Insert objects and return their ids (objects stay usable, detached)."""
        with self.sessions.begin() as session:
            session.add_all(objects)
            session.flush()
            return [o.id for o in objects]

    def org(self, name: str | None = None, kind: str = "vendor") -> Organisation:
        org = Organisation(name=name or unique("Tổ chức "), kind=kind, contact_email="lien-he@example.vn")
        self.add(org)
        return org

    def user(self, org: Organisation, role: str = "vendor", email: str | None = None) -> User:
        user = User(
            organisation_id=org.id,
            email=email or unique("user") + "@example.vn",
            name="Người dùng",
            role=role,
            password_hash=_password_hash(),
            active=True,
        )
        self.add(user)
        return user

    def login(self, user: User, name: str) -> dict:
        with self.sessions.begin() as session:
            _, secret = issue_token(session, session.get(User, user.id), "session", timedelta(hours=1))
        self.users[name], self.headers[name] = user, {"Authorization": f"Bearer {secret}"}
        return self.headers[name]

    def product(self, org: Organisation, name: str | None = None, product_type: str = "filtering_app") -> Product:
        with self.sessions.begin() as session:
            product = Product(
                organisation=session.get(Organisation, org.id),
                name=name or unique("Sản phẩm "),
                product_type=product_type,
                url="https://san-pham.example.vn",
                platforms=["android"],
            )
            product.refresh_search_text()
            session.add(product)
        return product

    def submission(
        self, product: Product, status: str = "draft", answers: dict | None = None, version: str = VERSION
    ) -> Submission:
        with self.sessions() as session:
            revision = (
                session.scalar(sa.select(sa.func.max(Submission.revision)).where(Submission.product_id == product.id))
                or 0
            ) + 1
        answers = sample_answers(version, product.product_type) if answers is None else answers
        submission = Submission(
            product_id=product.id, revision=revision, criteria_version=version, status=status, answers=answers
        )
        if status == "submitted":
            evaluation = checker_for(version, product.product_type).evaluate(answers).to_dict()
            submission.evaluation, submission.submitted_at = evaluation, utcnow()
            submission.level = evaluation["level"]["id"] if evaluation["level"] else None
        self.add(submission)
        return submission

    def certificate(
        self,
        product: Product,
        status: str = "valid",
        days: int = 365,
        cert_id: str | None = None,
        version: str = VERSION,
    ) -> Certificate:
        now = utcnow()
        cert = Certificate(
            id=cert_id or unique("VCSC-2025-"),
            product_id=product.id,
            criteria_version=version,
            level="basic",
            status=status,
            issued_at=now - timedelta(days=1),
            valid_until=now + timedelta(days=days),
        )
        self.add(cert)
        return cert


_hash_cache: dict[str, str] = {}


def _password_hash() -> str:
    if "hash" not in _hash_cache:
        _hash_cache["hash"] = api.domain.identity.hash_password(PASSWORD)
    return _hash_cache["hash"]


@pytest.fixture
def api_client(database_url, tmp_path):
    """The app on a database migrated by Alembic (never metadata.create_all), and its test client.

    Probe runs are only queued here (no worker thread, so no browser); tests/jobs runs them."""
    upgrade(database_url)
    app = create_app(
        Settings(
            database_url=database_url,
            jobs_worker=False,
            artifacts_dir=tmp_path / "artifacts",
            keys_dir=tmp_path / "keys",
            storage_dir=tmp_path / "storage",
        )
    )
    with TestClient(app) as client:
        yield Api(client, app)
    app.state.engine.dispose()


@dataclass
class World:
    api: Api
    org_a: Organisation
    org_b: Organisation
    club: Organisation
    product_a: Product
    product_b: Product


@pytest.fixture
def world(api_client) -> World:
    """Vendor organisations A and B (one user and one product each), the club with a reviewer and an admin."""
    a, b, club = api_client.org("Công ty A"), api_client.org("Công ty B"), api_client.org("VCSC", kind="club")
    api_client.login(api_client.user(a), "vendor_a")
    api_client.login(api_client.user(b), "vendor_b")
    api_client.login(api_client.user(club, "reviewer"), "reviewer")
    api_client.login(api_client.user(club, "admin"), "admin")
    return World(
        api_client, a, b, club, api_client.product(a, "Bảo vệ trẻ em A"), api_client.product(b, "Lá chắn gia đình B")
    )
