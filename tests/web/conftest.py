"""Fixtures for the page tests: the app on a migrated SQLite database, browsers (cookie jars) per person,
and helpers to sign in and to post forms with their CSRF token."""

from __future__ import annotations

import base64
import re
import shutil
import warnings
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette.testclient still wraps httpx; the deprecation is upstream's
    from fastapi.testclient import TestClient

from api.app import create_app
from api.core.db import upgrade
from api.core.models import Certificate, Organisation, ProbeArtifact, ProbeRun, Product, Submission, User, utcnow
from api.core.settings import Settings
from api.domain import reporting, review
from tests.api.conftest import PASSWORD, Api, cheap_password_hashing  # noqa: F401 (fixture re-exported)

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def text_of(html: str) -> str:
    """The page's text: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class Browser:
    """One person's cookie jar on the app (the TestClient keeps cookies between requests)."""

    def __init__(self, app, base_url: str = "http://testserver"):
        self.client = TestClient(app, base_url=base_url, follow_redirects=False)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | list | None = None, *, page: str | None = None, files=None, **kwargs):
        """POST a form with the CSRF token of `page` (the page the form is on; default: `path`)."""
        token = csrf_of(self.get(page or path).text)
        fields: dict[str, list[str]] = {"csrf_token": [token]}
        for name, value in data.items() if isinstance(data, dict) else data or []:
            fields.setdefault(name, []).append(value)  # a list of pairs may repeat a name
        return self.client.post(path, data=fields, files=files, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD):
        response = self.post("/sign-in", {"email": email, "password": password})
        assert response.status_code == 303, response.text
        return response


@dataclass
class Site:
    api: Api
    app: object
    people: dict = field(default_factory=dict)  # name -> User

    def browser(self, person: str | None = None, base_url: str = "http://testserver") -> Browser:
        browser = Browser(self.app, base_url)
        if person:
            browser.sign_in(self.people[person].email)
        return browser


def probe_runs_for(api, submission) -> list[int]:
    """A queued run, and a finished one with a content-filtering measurement and a finding."""
    manifest = {"product_type": "filtering_app", "filtering": {"mode": "none"}}
    with api.sessions.begin() as session:
        runs = [
            ProbeRun(
                submission_id=submission.id,
                product_id=submission.product_id,
                status=status,
                manifest=manifest,
                criteria_version=submission.criteria_version,
                probes_total=1,
                probes_done=1 if status == "done" else 0,
                finished_at=utcnow() if status == "done" else None,
            )
            for status in ("queued", "done")
        ]
        session.add_all(runs)
        session.flush()
        session.add(
            ProbeArtifact(
                run_id=runs[1].id,
                probe_id="content_filtering",
                artifact={},
                measurement={"block_rate_adult": 0.97, "block_rate_gambling": 0.5},
                findings=[
                    {
                        "criterion_id": "CF-01",
                        "outcome": "passed",
                        "explanation": {"vi": "Chặn 97% trang người lớn.", "en": "97% of adult pages blocked."},
                    }
                ],
            )
        )
        return [run.id for run in runs]


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory) -> Path:
    """An empty database migrated by Alembic once; each test works on a copy."""
    path = tmp_path_factory.mktemp("migrated") / "web.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def site(tmp_path, migrated_database):
    """The app on a fresh SQLite database (migrated by Alembic); probe runs are only queued."""
    shutil.copyfile(migrated_database, tmp_path / "web.db")
    url = f"sqlite:///{tmp_path / 'web.db'}"
    app = create_app(
        Settings(
            database_url=url,
            jobs_worker=False,
            artifacts_dir=tmp_path / "artifacts",
            keys_dir=tmp_path / "keys",
            storage_dir=tmp_path / "storage",
        )
    )
    with TestClient(app) as client:  # runs the lifespan (signing key, job queue)
        yield Site(Api(client, app), app)
    app.state.engine.dispose()


@dataclass
class World:
    site: Site
    org_a: Organisation
    org_b: Organisation
    product_a: Product
    product_b: Product
    club: Organisation

    @property
    def api(self) -> Api:
        return self.site.api


@pytest.fixture
def world(site) -> World:
    """Vendors A and B with one user and one product each; the club with a reviewer and an admin."""
    api = site.api
    a, b, club = api.org("Công ty A"), api.org("Công ty B"), api.org("VCSC", kind="club")
    site.people.update(
        vendor_a=api.user(a), vendor_b=api.user(b), reviewer=api.user(club, "reviewer"), admin=api.user(club, "admin")
    )
    return World(site, a, b, api.product(a, "Bảo vệ trẻ em A"), api.product(b, "Lá chắn gia đình B"), club)


@pytest.fixture
def catalogue(world) -> dict:
    """Certified, uncertified and revoked products; SafeKid's certificate rests on a submitted self-assessment."""
    api = world.api
    safekid = api.product(world.org_a, "Bảo vệ trẻ em SafeKid")
    dns = api.product(world.org_b, "Gia Đình An Toàn DNS", product_type="dns_proxy_filter")
    uncertified = api.product(world.org_a, "Bảo vệ trẻ em chưa chứng nhận")
    revoked = api.product(world.org_b, "Thu hồi rồi")
    submission = api.submission(safekid, "submitted", version="vcsc-2025.1")
    cert = api.certificate(safekid, cert_id="VCSC-2025-000123", version="vcsc-2025.1")
    with api.sessions.begin() as session:  # the certificate rests on that submission and its verdict
        row, found = (
            session.get(Certificate, cert.id),
            reporting.verdict_of(session, session.get(Submission, submission.id)),
        )
        row.submission_id, row.level = submission.id, found.level.id
        row.verdict_json, row.verdict_digest = found.canonical_json(), found.digest()
    return {
        "safekid": safekid,
        "dns": dns,
        "uncertified": uncertified,
        "cert": cert,
        "dns_cert": api.certificate(dns),
        "revoked": api.certificate(revoked, "revoked"),
    }


# --- review ---------------------------------------------------------------------------------------

REVIEW_VERSION = "vcsc-2025.1"
# A 1×1 PNG: the screenshot a probe kept as evidence.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
SHOT = "screenshots/content_filtering-p1.png"


def in_review(world, product=None, *, discrepancy: bool = True) -> Submission:
    """A submitted self-assessment (every criterion claimed met) taken by the reviewer; with `discrepancy`, a
    finished probe run failed CF-01 and kept a screenshot, so the claim and the probes disagree."""
    site, api = world.site, world.api
    product = product or world.product_a
    submission = api.submission(product, "submitted", version=REVIEW_VERSION)
    if discrepancy:
        with api.sessions.begin() as session:
            run = ProbeRun(
                submission_id=submission.id,
                product_id=product.id,
                status="done",
                purpose="assessment",
                manifest={
                    "product_type": "filtering_app",
                    "start_url": "https://san-pham.example.vn",
                    "filtering": {"mode": "none"},
                },
                criteria_version=REVIEW_VERSION,
                probes_total=1,
                probes_done=1,
                finished_at=utcnow(),
            )
            session.add(run)
            session.flush()
            session.add(
                ProbeArtifact(
                    run_id=run.id,
                    probe_id="content_filtering",
                    artifact={},
                    measurement={"block_rate_adult": 0.5},
                    findings=[
                        {
                            "probe_id": "content_filtering",
                            "criterion_id": "CF-01",
                            "outcome": "failed",
                            "measurements": {"block_rate": 0.5},
                            "confidence": 1.0,
                            "explanation": {
                                "vi": "Chỉ chặn 50% trang người lớn.",
                                "en": "Only 50% of adult pages blocked.",
                            },
                            "failures": ["block_rate: 0.5 is less than the minimum of 0.95"],
                            "evidence": {"records": [{"url": "https://nguoi-lon.example/p1", "screenshot": SHOT}]},
                        }
                    ],
                )
            )
            run_id = run.id
        folder = site.app.state.settings.run_dir(run_id) / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        (site.app.state.settings.run_dir(run_id) / SHOT).write_bytes(PNG)
    with api.sessions.begin() as session:
        review.take(session, session.get(User, site.people["reviewer"].id), session.get(Submission, submission.id))
    return submission


def approved(world, product=None) -> Certificate:
    """A self-assessment of `product` approved by the reviewer: a real signed certificate."""
    submission = in_review(world, product, discrepancy=False)
    with world.api.sessions.begin() as session:
        cert = review.approve(
            session,
            world.site.app.state.settings,
            session.get(User, world.site.people["reviewer"].id),
            session.get(Submission, submission.id),
            None,
        )
        session.expunge(cert)
    return cert
