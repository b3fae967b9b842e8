"""The pre-flight check over the API: POST /submissions/{id}/probe-runs/check runs the manifest check, the start
page and each account's login through the egress guard and answers the step reports; nothing is stored."""

from __future__ import annotations

import pytest

from tests.jobs.conftest import VERSION, people, running_app, settings_for, upgrade
from tests.probes.sites import PARENT_PIN, KidNest


@pytest.fixture(scope="module")
def kidnest():
    with KidNest() as site:
        yield site


@pytest.mark.slow
def test_check_reports_each_step_to_the_vendor_and_reviewers_only(kidnest, tmp_path):
    database_url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    upgrade(database_url)
    with running_app(settings_for(database_url, tmp_path)) as api:
        world = people(api)
        manifest = kidnest.manifest()
        product = api.product(world.org_a, product_type=manifest["product_type"])
        submission = api.submission(product, version=VERSION)
        path = f"/submissions/{submission.id}/probe-runs/check"

        answer = api.request("POST", path, "vendor_a", json={"manifest": manifest})
        assert answer.status_code == 200, answer.text
        report = answer.json()
        assert report["ok"] is True
        assert [(s["id"], s["status"]) for s in report["steps"]] == [
            ("manifest", "ok"),
            ("start_url", "ok"),
            ("login.child", "ok"),
            ("settings_page", "ok"),
            ("login.parent", "ok"),
        ]
        assert all(s["reason"]["vi"] and s["reason"]["en"] for s in report["steps"])
        for secret in (
            PARENT_PIN,
            manifest["accounts"]["parent"]["password"],
            manifest["accounts"]["child"]["password"],
        ):
            assert secret not in answer.text

        wrong = {**manifest, "accounts": {"child": {"username": "be-an@kidnest.test", "password": "no-such-pass"}}}
        report = api.request("POST", path, "reviewer", json={"manifest": wrong}).json()
        assert report["ok"] is False and report["steps"][2]["status"] == "failed"
        assert "login error" in report["steps"][2]["reason"]["en"]

        # Another vendor cannot tell the submission exists; a bad manifest is pointed at; nothing was stored.
        assert api.request("POST", path, "vendor_b", json={"manifest": manifest}).status_code == 404
        bad = {**manifest, "logged_in": {}}
        refused = api.request("POST", path, "vendor_a", json={"manifest": bad})
        assert refused.status_code == 422 and "/manifest/logged_in" in refused.text
        assert api.request("GET", f"/submissions/{submission.id}/probe-runs", "vendor_a").json() == []
