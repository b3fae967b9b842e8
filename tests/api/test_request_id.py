"""The request id: kept from a sane X-Request-ID or made anew, echoed in the response header, quoted in problem
details, on the request's log lines and recorded in the audit events the request makes (and the chain verifies)."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re

import pytest
import sqlalchemy as sa

from api.core.models import AuditEvent
from api.core.settings import Settings
from api.domain.audit import verify_chain
from api.jobs.execute import execute_run
from checker.logs import configure
from checker.probes.runner import BrowserHost, ProbeSettings
from tests.api.conftest import World
from tests.api.test_access import PROBE_MANIFEST

PRODUCT = {
    "name": "Lá chắn",
    "product_type": "filtering_app",
    "url": "https://la-chan.example.vn",
    "platforms": ["ios"],
}
GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_log():
    """VCSC_LOG_FORMAT=json logging into a buffer for one test; the root logger is put back afterwards."""
    root = logging.getLogger()
    level, stream = root.level, io.StringIO()
    handler = configure(Settings(log_format="json"), stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_valid_incoming_id_is_echoed(api_client):
    response = api_client.request("GET", "/criteria", headers={"X-Request-ID": "lb-7f3a.2026_12-07"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "lb-7f3a.2026_12-07"


@pytest.mark.parametrize("incoming", ["", "a" * 65, "bad id", "ab\"c", "id;drop", "xin-chào"])
def test_an_invalid_incoming_id_is_replaced(api_client, incoming):
    response = api_client.client.get("/api/v1/criteria", headers={"X-Request-ID": incoming.encode("utf-8")})
    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["X-Request-ID"]), response.headers["X-Request-ID"]


def test_each_request_without_one_gets_a_new_id(api_client):
    first, second = (api_client.request("GET", "/criteria").headers["X-Request-ID"] for _ in range(2))
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


def test_a_404_problem_carries_the_request_id_of_its_header(api_client):
    response = api_client.request("GET", "/products/999999", "anonymous", headers={"X-Request-ID": "req-404"})
    assert response.status_code in (401, 404)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["X-Request-ID"] == "req-404" == response.json()["request_id"]
    unknown = api_client.client.get("/api/v1/no-such-path")
    assert unknown.status_code == 404
    assert unknown.json()["request_id"] == unknown.headers["X-Request-ID"]
    assert GENERATED.fullmatch(unknown.headers["X-Request-ID"])


def test_a_422_problem_carries_the_request_id_of_its_header(world: World):
    response = world.api.request("POST", "/products", "vendor_a", json={"name": ""})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"] and body["request_id"] == response.headers["X-Request-ID"]
    assert len(response.headers.get_list("X-Request-ID")) == 1


def test_a_414_from_the_outer_middleware_has_the_id_too(api_client):
    response = api_client.client.get("/api/v1/criteria?q=" + "x" * 20_000, headers={"X-Request-ID": "long-url"})
    assert response.status_code == 414
    assert response.json()["request_id"] == "long-url" == response.headers["X-Request-ID"]


def test_a_500_problem_carries_the_id_in_body_and_header(database_url, tmp_path, json_log):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.core.db import upgrade

    upgrade(database_url)
    app = create_app(
        Settings(
            database_url=database_url,
            jobs_worker=False,
            artifacts_dir=tmp_path / "a",
            keys_dir=tmp_path / "k",
            storage_dir=tmp_path / "s",
        )
    )

    @app.get("/boom")
    def boom():
        raise RuntimeError("kaputt")

    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.get("/boom", headers={"X-Request-ID": "req-500"})
    finally:
        app.state.engine.dispose()
    assert response.status_code == 500
    assert response.json()["request_id"] == "req-500" == response.headers["X-Request-ID"]
    # The server's log line of the error names the same request, with the traceback.
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    error = next(line for line in lines if line["message"] == "unhandled error on GET /boom")
    assert error["request_id"] == "req-500" and error["level"] == "ERROR" and "kaputt" in error["exc_info"]


def test_the_audit_event_of_a_request_carries_its_id_and_the_chain_verifies(world: World):
    api = world.api
    response = api.request("POST", "/products", "vendor_a", json=PRODUCT, headers={"X-Request-ID": "create-la-chan"})
    assert response.status_code == 201, response.text
    product_id = str(response.json()["id"])
    renamed = api.request("PATCH", f"/products/{product_id}", "vendor_a", json={"name": "Lá chắn 2"})
    assert renamed.status_code == 200
    events = api.request("GET", "/audit", "admin", params={"object_type": "product", "object_id": product_id}).json()
    assert [e["request_id"] for e in events] == ["create-la-chan", renamed.headers["X-Request-ID"]]
    with api.sessions() as session:
        stored = session.scalars(sa.select(AuditEvent.request_id).where(AuditEvent.object_id == product_id)).all()
        assert stored == ["create-la-chan", renamed.headers["X-Request-ID"]]
        assert verify_chain(session)[0] is True


def test_changing_the_request_id_of_an_event_breaks_the_chain(world: World):
    api = world.api
    assert (
        api.request("POST", "/products", "vendor_a", json=PRODUCT, headers={"X-Request-ID": "real"}).status_code == 201
    )
    with api.sessions.begin() as session:
        dialect = session.get_bind().dialect.name
        if dialect == "sqlite":
            session.execute(sa.text("DROP TRIGGER audit_events_no_update"))
        else:
            session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
        session.execute(sa.update(AuditEvent).where(AuditEvent.request_id == "real").values(request_id="forged"))
    with api.sessions() as session:
        ok, _, broken = verify_chain(session)
    assert not ok and broken["reason"] == "hash mismatch"


class _NoBrowser(BrowserHost):
    """A browser host that cannot start Chromium: the run fails at its first probe, without a browser."""

    async def browser(self):
        raise RuntimeError("no Chromium in this test")

    def connected(self) -> bool:
        return True


def test_a_probe_job_logs_and_audits_under_its_own_id_with_the_run_id(world: World, json_log):
    api = world.api
    submission = api.submission(world.product_a)
    queued = api.request(
        "POST",
        f"/submissions/{submission.id}/probe-runs",
        "vendor_a",
        json={"manifest": PROBE_MANIFEST, "only": ["transport"]},
        headers={"X-Request-ID": "queue-it"},
    )
    assert queued.status_code == 202, queued.text
    run_id = queued.json()["id"]
    settings = api.app.state.settings
    status = asyncio.run(
        execute_run(
            run_id,
            sessions=api.sessions,
            settings=settings,
            worker="test-worker",
            browser_host=_NoBrowser(ProbeSettings()),
            probe_settings=ProbeSettings(),
        )
    )
    assert status == "failed"
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    run_lines = [line for line in lines if line.get("run_id") == run_id]
    started = next(line for line in run_lines if line["message"].startswith(f"probe run {run_id}:"))
    failed = next(line for line in run_lines if line["message"] == f"probe run {run_id} failed")
    job_id = started["request_id"]
    assert GENERATED.fullmatch(job_id) and failed["request_id"] == job_id and failed["worker"] == "test-worker"
    assert "no Chromium in this test" in failed["exc_info"]
    events = api.request("GET", "/audit", "admin", params={"object_type": "probe_run", "object_id": str(run_id)}).json()
    assert [(e["action"], e["request_id"]) for e in events] == [
        ("probe_run.started", "queue-it"),
        ("probe_run.finished", job_id),
    ]


def test_an_html_error_page_shows_the_request_id_in_both_languages(api_client):
    response = api_client.client.get("/products/999999", headers={"X-Request-ID": "page-404"})
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert response.headers["X-Request-ID"] == "page-404"
    assert "Mã yêu cầu (hãy nêu khi báo lỗi): page-404" in response.text
    english = api_client.client.get("/products/999999?lang=en", headers={"X-Request-ID": "page-404-en"})
    assert "Request id (quote it when reporting the error): page-404-en" in english.text
