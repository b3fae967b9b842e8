"""Schemathesis fuzzing of every operation in the OpenAPI document: no input causes a server error, and every
response matches its documented status, media type and schema.

SQLite only (the access and bad-input tests cover PostgreSQL); bounded examples keep it to about a minute.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.core.db import upgrade
from api.core.models import ProbeArtifact, ProbeRun, User, utcnow
from api.core.settings import Settings
from api.domain.identity import issue_token
from tests.api.conftest import Api, TestClient

ROLES = ("anonymous", "vendor", "reviewer")

# The schema is loaded at import (schemathesis' lazy fixture loader does not run on pytest 9), so the app is
# built here, on a temporary SQLite file that the `fuzz_api` fixture migrates and fills.
_FOLDER = Path(tempfile.mkdtemp(prefix="vcsc-fuzz-"))
atexit.register(shutil.rmtree, _FOLDER, True)
# Probe runs the fuzzer starts are only queued (no worker thread): no browser ever visits a fuzzed manifest's URLs.
APP = create_app(
    Settings(database_url=f"sqlite:///{_FOLDER / 'vcsc.db'}", jobs_worker=False, artifacts_dir=_FOLDER / "artifacts")
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def fuzz_api():
    upgrade(APP.state.settings.database_url)
    api = Api(TestClient(APP), APP)
    vendor_org, club = api.org("Nhà cung cấp"), api.org("VCSC", kind="club")
    api.users["vendor"], api.users["reviewer"] = api.user(vendor_org), api.user(club, "reviewer")
    product = api.product(vendor_org, "Bảo vệ trẻ em")
    draft = api.submission(product)
    # A finished probe run (id 1, a boundary value the fuzzer tries) with an artifact and a screenshot.
    now = utcnow()
    run = ProbeRun(
        submission_id=draft.id,
        product_id=product.id,
        status="done",
        only=["transport"],
        manifest={
            "product_type": "filtering_app",
            "start_url": "https://a.example.vn/",
            "filtering": {"mode": "none"},
            "accounts": {"child": {"username": "c", "password": "p"}},
        },
        criteria_version=draft.criteria_version,
        created_at=now,
    )
    api.add(run)
    api.add(
        ProbeArtifact(
            run_id=run.id,
            probe_id="transport",
            measurement=None,
            findings=[],
            created_at=now,
            evaluated_at=now,
            artifact={"applicable": False, "missing": ["start_page"], "complete": True},
        )
    )
    screenshot = APP.state.settings.run_dir(run.id) / "screenshots" / "transport-start.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.write_bytes(bytes.fromhex("89504e470d0a1a0a"))
    api.certificate(api.product(vendor_org, "Gia Đình An Toàn"), cert_id="VCSC-2025-000001")
    yield api
    APP.state.engine.dispose()


def fresh_headers(api: Api, role: str) -> dict:
    """A new token per call: a fuzzed logout or password change must not silence later calls."""
    if role == "anonymous":
        return {}
    with api.sessions.begin() as session:
        _, secret = issue_token(session, session.get(User, api.users[role].id), "session", timedelta(minutes=5))
    return {"Authorization": f"Bearer {secret}"}


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, fuzz_api):
    # The coverage phase sends many deterministic boundary cases; one authenticated caller keeps it affordable.
    roles = ("vendor",) if case.meta and case.meta.phase.name == TestPhase.COVERAGE else ROLES
    for role in roles:
        headers = fresh_headers(fuzz_api, role)
        response = case.call(headers=headers)
        case.validate_response(
            response,
            headers=headers,
            checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        )
