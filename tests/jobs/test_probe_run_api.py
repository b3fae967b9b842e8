"""Probe runs through the API on the embedded back end: a real run against the demo SafeKid, progress, findings,
artifacts, access, re-evaluation without a browser; refused manifests; cancelling; the files endpoint."""

from __future__ import annotations

import pytest

from api.core.models import ProbeRun
from checker.probes import runner
from tests.jobs.conftest import (
    FINAL,
    VERSION,
    artifacts,
    people,
    product_for,
    running_app,
    settings_for,
    upgrade,
    wait_until,
    without_signup,
)

GOOD_MANIFEST = {"product_type": "filtering_app", "start_url": "https://a.example.vn/", "filtering": {"mode": "none"}}


def _strip_times(view: dict) -> dict:
    return {**view, "probes": [{k: v for k, v in p.items() if k != "evaluated_at"} for p in view["probes"]]}


@pytest.mark.slow
def test_a_run_against_safekid_is_stored_readable_and_replayable(safekid, tmp_path, monkeypatch):
    database_url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    upgrade(database_url)
    with running_app(settings_for(database_url, tmp_path)) as api:
        world = people(api)
        manifest = safekid.manifest()
        submission = api.submission(product_for(api, world, manifest), version=VERSION)
        started = api.request(
            "POST",
            f"/submissions/{submission.id}/probe-runs",
            "vendor_a",
            json={"manifest": manifest, "only": ["transport"]},
        )
        assert started.status_code == 202, started.text
        run = started.json()
        assert run["status"] == "queued" and run["criteria_version"] == VERSION and run["only"] == ["transport"]
        assert run["progress"] == {"probe": None, "done": 0, "total": 0, "probes_done": 0, "probes_total": 1}
        # Account passwords never come back.
        assert all(a["password"] == "********" for a in run["manifest"]["accounts"].values())
        assert "password" not in str(
            [a["password"] for a in manifest["accounts"].values() if a["password"] in started.text]
        )

        seen = []

        def finished():
            current = api.request("GET", f"/probe-runs/{run['id']}", "vendor_a").json()
            seen.append((current["status"], current["progress"]))
            return current if current["status"] in FINAL else None

        final = wait_until(finished, 90, "the transport run")
        assert final["status"] == "done", final["error"]
        assert final["attempts"] == 1 and final["started_at"] and final["finished_at"]
        progress = final["progress"]
        assert progress["probe"] == "transport" and progress["done"] == progress["total"] > 0
        assert (progress["probes_done"], progress["probes_total"]) == (1, 1)
        assert {status for status, _ in seen} <= {"queued", "running", "done"}

        findings = api.request("GET", f"/probe-runs/{run['id']}/findings", "vendor_a").json()
        [probe] = findings["probes"]
        assert probe["probe_id"] == "transport" and probe["measurement"]["applicable"] is True
        assert {f["criterion_id"]: f["outcome"] for f in probe["findings"]} == {"DOC-04": "passed", "SEC-01": "passed"}
        assert findings["summary"] == {"DOC-04": ["passed"], "SEC-01": ["passed"]}
        artifact = api.request("GET", f"/probe-runs/{run['id']}/artifacts/transport", "vendor_a").json()
        assert artifact["applicable"] is True and artifact["start_url"] == manifest["start_url"]
        evaluation = api.request("GET", f"/submissions/{submission.id}/evaluation", "vendor_a").json()
        assert evaluation["probe_run_id"] == run["id"] and evaluation["probe_findings"]["SEC-01"] == ["passed"]

        # Reviewers read; another vendor cannot tell the run exists.
        assert api.request("GET", f"/probe-runs/{run['id']}/findings", "reviewer").status_code == 200
        assert api.request("GET", f"/submissions/{submission.id}/probe-runs", "reviewer").json()[0]["id"] == run["id"]
        assert api.request("POST", f"/probe-runs/{run['id']}/reevaluate", "reviewer").status_code == 403
        for method, path in [
            ("GET", f"/probe-runs/{run['id']}"),
            ("GET", f"/probe-runs/{run['id']}/findings"),
            ("GET", f"/probe-runs/{run['id']}/artifacts/transport"),
            ("POST", f"/probe-runs/{run['id']}/reevaluate"),
            ("POST", f"/probe-runs/{run['id']}/cancel"),
            ("GET", f"/submissions/{submission.id}/probe-runs"),
        ]:
            assert api.request(method, path, "vendor_b").status_code == 404, (method, path)

        # Re-evaluation replays the stored artifact: no browser can start, and nothing changes.
        monkeypatch.setenv("VCSC_CHROMIUM", str(tmp_path / "no-such-chromium"))

        async def no_browser(self):
            raise AssertionError("re-evaluation must not start a browser")

        monkeypatch.setattr(runner.BrowserHost, "browser", no_browser)
        again = api.request("POST", f"/probe-runs/{run['id']}/reevaluate", "vendor_a")
        assert again.status_code == 200, again.text
        assert _strip_times(again.json()) == _strip_times(findings)
        assert again.json()["probes"][0]["evaluated_at"] > findings["probes"][0]["evaluated_at"]


def test_restart_resumes_only_the_missing_probes(tmp_path, monkeypatch, safekid):
    """A run left `running` by a dead process (old heartbeat, one probe stored) is queued again at start-up and
    finishes with the missing probe only; one whose worker died three times fails. No browser is involved."""
    monkeypatch.setenv("VCSC_CHROMIUM", str(tmp_path / "no-such-chromium"))
    database_url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    upgrade(database_url)
    from datetime import timedelta

    from api.core.models import ProbeArtifact, utcnow

    with running_app(settings_for(database_url, tmp_path, jobs_worker=False)) as api:
        world = people(api)
        manifest = without_signup(safekid.manifest())
        submission = api.submission(product_for(api, world, manifest), version=VERSION)
        other = api.submission(product_for(api, world, manifest), version=VERSION)
        long_ago = utcnow() - timedelta(hours=1)
        stored = {"applicable": False, "missing": ["start_page"], "complete": True, "marker": "stored before"}
        interrupted, hopeless = (
            ProbeRun(
                submission_id=s.id,
                product_id=s.product_id,
                status="running",
                manifest=manifest,
                only=["age_assurance", "transport"],
                criteria_version=VERSION,
                attempts=attempts,
                worker="gone-host:4242:inprocess",
                heartbeat_at=long_ago,
                started_at=long_ago,
                created_at=long_ago,
            )
            for s, attempts in ((submission, 1), (other, 3))
        )
        api.add(interrupted, hopeless)
        api.add(
            ProbeArtifact(
                run_id=interrupted.id,
                probe_id="transport",
                artifact=stored,
                measurement=None,
                findings=[],
                created_at=long_ago,
                evaluated_at=long_ago,
            )
        )

    with running_app(settings_for(database_url, tmp_path)) as api:  # the restarted server

        def ended():
            runs = [run_row(api, r.id) for r in (interrupted, hopeless)]
            return runs if all(r.status in FINAL for r in runs) else None

        resumed, given_up = wait_until(ended, 30, "the interrupted runs")
        assert resumed.status == "done", resumed.error
        assert resumed.attempts == 2 and resumed.probes_done == resumed.probes_total == 2
        kept = artifacts(api.sessions, resumed.id)
        assert kept["transport"].artifact == stored and kept["transport"].created_at == long_ago
        assert kept["age_assurance"].artifact["applicable"] is False
        assert {f["outcome"] for f in kept["age_assurance"].findings} == {"inapplicable"}
        assert given_up.status == "failed" and "3" in given_up.error and given_up.attempts == 3
        assert artifacts(api.sessions, given_up.id) == {}


def run_row(api, run_id):
    with api.sessions() as session:
        return session.get(ProbeRun, run_id)


BAD_MANIFESTS = [
    ("no filtering", {k: v for k, v in GOOD_MANIFEST.items() if k != "filtering"}, "/manifest"),
    ("proxy mode without proxy", {**GOOD_MANIFEST, "filtering": {"mode": "proxy"}}, "/manifest/filtering"),
    ("another product type", {**GOOD_MANIFEST, "product_type": "kid_browser"}, "/manifest/product_type"),
    ("unknown product type", {**GOOD_MANIFEST, "product_type": "toaster"}, "/manifest/product_type"),
    ("start page not http", {**GOOD_MANIFEST, "start_url": "ftp://a.example.vn/"}, "/manifest/start_url"),
    ("NUL in a name", {**GOOD_MANIFEST, "name": "Safe\x00Kid"}, "/manifest/name"),
    ("a server file from a vendor", {**GOOD_MANIFEST, "corpus": {"csv": "/etc/passwd"}}, "/manifest/corpus/csv"),
    (
        "empty password",
        {**GOOD_MANIFEST, "accounts": {"child": {"username": "be", "password": ""}}},
        "/manifest/accounts/child/password",
    ),
    ("unknown field", {**GOOD_MANIFEST, "extra": 1}, "/manifest"),
]


@pytest.mark.parametrize("name,manifest,pointer", BAD_MANIFESTS, ids=[b[0] for b in BAD_MANIFESTS])
def test_bad_manifests_are_refused_with_pointers(api_world, name, manifest, pointer):
    api, submission = api_world
    response = api.request("POST", f"/submissions/{submission.id}/probe-runs", "vendor_a", json={"manifest": manifest})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert pointer in [e["pointer"] for e in response.json()["errors"]], response.json()["errors"]
    assert all(" / " in e["message"] for e in response.json()["errors"])  # Vietnamese / English
    assert api.count(ProbeRun) == 0


@pytest.mark.parametrize(
    "only,pointer", [(["no_such_probe"], "/only/0"), (["transport", "transport"], "/only"), ([], "/only")]
)
def test_bad_probe_lists_are_refused(api_world, only, pointer):
    api, submission = api_world
    response = api.request(
        "POST", f"/submissions/{submission.id}/probe-runs", "vendor_a", json={"manifest": GOOD_MANIFEST, "only": only}
    )
    assert response.status_code == 422 and response.json()["errors"][0]["pointer"] == pointer
    assert api.count(ProbeRun) == 0


def test_one_unfinished_run_per_submission_and_cancel(api_world, tmp_path):
    api, submission = api_world
    path = f"/submissions/{submission.id}/probe-runs"
    first = api.request("POST", path, "vendor_a", json={"manifest": GOOD_MANIFEST}).json()
    assert first["progress"]["probes_total"] > 1 and first["only"] is None
    busy = api.request("POST", path, "admin", json={"manifest": GOOD_MANIFEST})
    assert busy.status_code == 409 and busy.json()["probe_run_id"] == first["id"]
    cancelled = api.request("POST", f"/probe-runs/{first['id']}/cancel", "vendor_a")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert api.request("POST", f"/probe-runs/{first['id']}/cancel", "vendor_a").status_code == 409
    assert api.request("POST", path, "vendor_a", json={"manifest": GOOD_MANIFEST}).status_code == 202
    # Admins may point the probes at a URL list on the server.
    assert api.request("POST", f"/probe-runs/{first['id'] + 1}/cancel", "admin").status_code == 200
    # A list that is not there is refused at once, naming where (not a run that fails later).
    missing = api.request(
        "POST", path, "admin", json={"manifest": {**GOOD_MANIFEST, "corpus": {"csv": "/srv/vcsc/urls.csv"}}}
    )
    assert missing.status_code == 422 and "/manifest/corpus/csv" in missing.text
    (tmp_path / "urls.csv").write_text("url,category,language\nhttp://a.example/,adult,vi\n", encoding="utf-8")
    admin_manifest = {**GOOD_MANIFEST, "corpus": {"csv": str(tmp_path / "urls.csv")}}
    assert api.request("POST", path, "admin", json={"manifest": admin_manifest}).status_code == 202


def test_files_are_served_only_from_the_run_folder(api_world, tmp_path):
    api, submission = api_world
    run = api.request(
        "POST",
        f"/submissions/{submission.id}/probe-runs",
        "vendor_a",
        json={"manifest": GOOD_MANIFEST, "only": ["transport"]},
    ).json()
    folder = api.app.state.settings.run_dir(run["id"])
    (folder / "screenshots").mkdir(parents=True)
    (folder / "screenshots" / "transport-start.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "transport.json").write_text("{}")
    (tmp_path / "secret.png").write_bytes(b"TOP-SECRET-BYTES")
    (folder / "screenshots" / "link.png").symlink_to(tmp_path / "secret.png")
    base = f"/probe-runs/{run['id']}/files/"
    ok = api.request("GET", base + "screenshots/transport-start.png", "reviewer")
    assert ok.status_code == 200 and ok.headers["content-type"] == "image/png" and ok.content.startswith(b"\x89PNG")
    for name in [
        "transport.json",
        "screenshots/link.png",
        "../../secret.png",
        "..%2F..%2Fsecret.png",
        "%2e%2e/%2e%2e/secret.png",
        "screenshots/missing.png",
        "screenshots",
        str(tmp_path / "secret.png"),
    ]:
        response = api.request("GET", base + name, "vendor_a")
        # A plain "../" is folded by the client before sending (the path then names no file route: 422 or 404);
        # encoded ones reach the route, which refuses anything outside the run's folder.
        assert response.status_code in (404, 422) and b"TOP-SECRET" not in response.content, (
            name,
            response.status_code,
        )
    assert api.request("GET", base + "screenshots/transport-start.png", "vendor_b").status_code == 404


@pytest.fixture
def api_world(database_url, tmp_path):
    """A queue-only app (no worker) with people and a draft of vendor A's product, on SQLite and PostgreSQL."""
    upgrade(database_url)
    with running_app(settings_for(database_url, tmp_path, jobs_worker=False)) as api:
        world = people(api)
        yield api, api.submission(world.product_a, version=VERSION)


@pytest.mark.slow
def test_stopping_the_server_requeues_and_cancel_stops_a_running_run(safekid, tmp_path):
    """A server shutting down mid-run puts the run back in the queue (this start does not count); cancelling a
    running run stops its probes, and the worker goes on with the next run."""
    database_url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    upgrade(database_url)
    manifest = safekid.manifest()
    with running_app(settings_for(database_url, tmp_path)) as api:
        world = people(api)
        long_one = api.submission(product_for(api, world, manifest), version=VERSION)
        quick_one = api.submission(product_for(api, world, manifest), version=VERSION)
        run = api.request(
            "POST",
            f"/submissions/{long_one.id}/probe-runs",
            "vendor_a",
            json={"manifest": manifest, "only": ["content_filtering"]},
        ).json()
        wait_until(lambda: (r := run_row(api, run["id"])).progress_done >= 1 and r, 60, "the first corpus pages")
    stopped = run_row(api, run["id"])
    assert (stopped.status, stopped.attempts) == ("queued", 0)

    vendor = api.users["vendor_a"]
    with running_app(settings_for(database_url, tmp_path)) as api:
        api.login(vendor, "vendor_a")
        wait_until(lambda: run_row(api, run["id"]).status == "running", 30, "the run to start again")
        cancelled = api.request("POST", f"/probe-runs/{run['id']}/cancel", "vendor_a")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        quick = api.request(
            "POST",
            f"/submissions/{quick_one.id}/probe-runs",
            "vendor_a",
            json={"manifest": without_signup(manifest), "only": ["age_assurance"]},
        ).json()
        wait_until(lambda: run_row(api, quick["id"]).status == "done", 30, "the next run, after the cancelled one")
        final = run_row(api, run["id"])
        assert final.status == "cancelled" and final.finished_at is not None and final.attempts == 1
        assert artifacts(api.sessions, run["id"]) == {}  # cut mid-probe: nothing half-gathered is stored
        # Deleting the (draft-only) product takes its runs along.
        assert api.request("DELETE", f"/products/{long_one.product_id}", "vendor_a").status_code == 204
        assert run_row(api, run["id"]) is None
