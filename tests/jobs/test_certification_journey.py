"""The whole certification journey through the API, with real probe runs in Chromium:

vendor submits → probes run (against the careless demo product: a discrepancy) → reviewer requests changes →
vendor resubmits and probes again (the fixed product) → reviewer approves → the certificate verifies → public
search finds it → its badge says valid → admin revokes → badge and verification say revoked → the audit chain
verifies, then fails after a row is edited by hand.
"""

from __future__ import annotations

import base64
import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import demo_products
from api.cli import main as vcsc
from api.cli.demo import sample_answers
from api.core.models import AuditEvent
from tests.api.test_audit import _allow_tampering
from tests.jobs.conftest import FINAL, VERSION, people, running_app, settings_for, upgrade, wait_until

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def funzone():
    product = demo_products.start_funzone()
    yield product
    product.stop()


def _run_probes(api, submission_id: int, manifest: dict) -> dict:
    started = api.request(
        "POST",
        f"/submissions/{submission_id}/probe-runs",
        "vendor_a",
        json={"manifest": manifest, "only": ["transport"]},
    )
    assert started.status_code == 202, started.text
    run_id = started.json()["id"]

    def finished():
        run = api.request("GET", f"/probe-runs/{run_id}", "vendor_a").json()
        return run if run["status"] in FINAL else None

    run = wait_until(finished, 90, f"probe run {run_id}")
    assert run["status"] == "done", run["error"]
    return api.request("GET", f"/probe-runs/{run_id}/findings", "vendor_a").json()["summary"]


def _cli(*args: str, env: dict | None = None):
    return CliRunner().invoke(vcsc, list(args), env=env)


def test_certification_journey(safekid, funzone, tmp_path, monkeypatch):
    database_url = f"sqlite:///{tmp_path / 'vcsc.db'}"
    upgrade(database_url)
    keys = tmp_path / "keys"
    settings = settings_for(database_url, tmp_path, keys_dir=keys, public_url="https://vcsc.example.vn")
    with running_app(settings) as api:
        people(api)  # vendors A and B, the club's reviewer and admin, signed in
        product = api.request(
            "POST",
            "/products",
            "vendor_a",
            json={
                "name": "Bảo vệ trẻ em Bé Vui",
                "product_type": "kid_browser",
                "url": "https://bevui.example.vn",
                "platforms": ["android", "ios"],
            },
        ).json()
        answers = sample_answers(VERSION, "kid_browser")  # claims every criterion met, with evidence
        draft = api.request(
            "POST",
            f"/products/{product['id']}/submissions",
            "vendor_a",
            json={"criteria_version": VERSION, "answers": answers},
        )
        assert draft.status_code == 201, draft.text
        first = draft.json()["id"]
        assert api.request("POST", f"/submissions/{first}/submit", "vendor_a").json()["status"] == "submitted"

        # Probes against the careless product: its transport fails where the vendor claimed a pass.
        summary = _run_probes(api, first, funzone.manifest())
        failed = sorted(c for c, outcomes in summary.items() if "failed" in outcomes)
        assert failed, summary

        # The reviewer takes it from the queue and sees the discrepancies first.
        queue = api.request("GET", "/reviews/queue", "reviewer").json()
        assert [item["id"] for item in queue["items"]] == [first]
        assert api.request("POST", f"/submissions/{first}/review/take", "reviewer").json()["status"] == "in_review"
        report = api.request("GET", f"/submissions/{first}/report?format=json", "reviewer").json()
        assert sorted(d["criterion_id"] for d in report["discrepancies"] if d["kind"] == "failed") == failed
        assert report["discrepancies"][0]["kind"] == "failed" and report["discrepancies"][0]["obligation"] == "MUST"
        refused = api.request("POST", f"/submissions/{first}/review/decision", "reviewer", json={"decision": "approve"})
        assert refused.status_code == 409 and set(refused.json()["undecided"]) >= set(failed)

        asked = api.request(
            "POST",
            f"/submissions/{first}/review/decision",
            "reviewer",
            json={
                "decision": "request_changes",
                "comment": "Trang web phải dùng HTTPS. / The site must use HTTPS.",
                "criteria_comments": {failed[0]: "Kiểm tra tự động không đạt. / The probe failed."},
            },
        )
        assert asked.status_code == 200 and asked.json()["status"] == "changes_requested"
        seen = api.request("GET", f"/submissions/{first}/review", "vendor_a").json()
        assert {c["body"] for c in seen["comments"]} >= {"Trang web phải dùng HTTPS. / The site must use HTTPS."}
        assert [c["criterion_id"] for c in seen["comments"] if c["criterion_id"]] == [failed[0]]
        assert seen["approved_by"] is None  # vendors do not see who voted
        # The old revision stays as decided on; the vendor makes the next one.
        assert (
            api.request("PATCH", f"/submissions/{first}/answers", "vendor_a", json={"answers": {}}).status_code == 409
        )
        second = api.request(
            "POST", f"/products/{product['id']}/submissions", "vendor_a", json={"criteria_version": VERSION}
        )
        assert second.status_code == 201 and second.json()["previous_id"] == first
        assert second.json()["answers"] == answers  # carried over
        second_id = second.json()["id"]
        reply = api.request("POST", f"/submissions/{second_id}/submit", "vendor_a").json()
        assert reply["status"] == "resubmitted"
        assert (
            api.request(
                "POST",
                f"/submissions/{second_id}/comments",
                "vendor_a",
                json={"body": "Đã chuyển sang HTTPS. / Moved to HTTPS."},
            ).status_code
            == 201
        )

        # Probes against the fixed product pass; the reviewer approves and a certificate is issued.
        summary = _run_probes(api, second_id, safekid.manifest())
        assert all(outcomes == ["passed"] for outcomes in summary.values()), summary
        assert api.request("POST", f"/submissions/{second_id}/review/take", "reviewer").status_code == 200
        review = api.request("GET", f"/submissions/{second_id}/review", "reviewer").json()
        assert any(c["body"].startswith("Trang web phải dùng HTTPS") for c in review["comments"])  # history kept
        approved = api.request(
            "POST",
            f"/submissions/{second_id}/review/decision",
            "reviewer",
            json={"decision": "approve", "comment": "Đạt. / Meets the criteria."},
        )
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved"
        cert_id = approved.json()["certificate_id"]
        cert = api.request("GET", f"/certificates/{cert_id}", "vendor_a").json()
        assert cert["status"] == "valid" and cert["submission_id"] == second_id
        assert (cert["valid_until"][:4], cert["level"]) == (str(int(cert["issued_at"][:4]) + 1), "advanced")

        # The signed credential verifies, online and with the CLI; a tampered copy does not.
        credential = api.request("GET", f"/certificates/{cert_id}/credential", "vendor_a")
        assert credential.headers["content-type"].startswith("application/vc+jwt")
        token = credential.text
        verified = api.request("POST", "/public/verify", json={"credential": token}).json()
        assert verified["ok"] is True and verified["signature_valid"] is True and verified["status"] == "valid"
        assert verified["certificate"]["product"]["name"] == "Bảo vệ trẻ em Bé Vui"
        header, payload, signature = token.split(".")
        doc = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        doc["credentialSubject"]["achievement"]["name"] = doc["credentialSubject"]["achievement"]["name"].replace(
            "Nâng cao", "Cơ bản"
        )
        forged = ".".join([header, base64.urlsafe_b64encode(json.dumps(doc).encode()).rstrip(b"=").decode(), signature])
        tampered = api.request("POST", "/public/verify", json={"credential": forged}).json()
        assert tampered["ok"] is False and tampered["signature_valid"] is False
        approved_report = api.request("GET", f"/certificates/{cert_id}/report", "vendor_a")
        import hashlib

        assert "sha256:" + hashlib.sha256(approved_report.content).hexdigest() == cert["report_digest"]

        (tmp_path / "cert.jwt").write_text(token)
        lists = {}
        for purpose in ("revocation", "suspension"):
            lists[purpose] = tmp_path / f"{purpose}.jwt"
            lists[purpose].write_text(api.request("GET", f"/public/status-lists/{purpose}").text)
        cli_args = [
            "cert",
            "verify",
            str(tmp_path / "cert.jwt"),
            "--jwks",
            str(keys),
            "--status-list",
            str(lists["revocation"]),
            "--status-list",
            str(lists["suspension"]),
        ]
        result = _cli(*cli_args)
        assert result.exit_code == 0 and "HỢP LỆ / VALID" in result.output, result.output

        # The public finds it without diacritics; its badge says valid and is cached by ETag.
        found = api.request("GET", "/public/products?q=bao ve tre em be vui").json()
        assert [p["name"] for p in found["items"]] == ["Bảo vệ trẻ em Bé Vui"]
        assert found["items"][0]["certificate"]["id"] == cert_id
        assert "answers" not in json.dumps(found) and "evidence" not in json.dumps(found)
        badge = api.client.get(f"/badge/{cert_id}.svg")
        assert badge.status_code == 200 and badge.headers["content-type"].startswith("image/svg+xml")
        assert "Còn hiệu lực" in badge.text and "Nâng cao" in badge.text
        etag = badge.headers["etag"]
        assert api.client.get(f"/badge/{cert_id}.svg", headers={"If-None-Match": etag}).status_code == 304
        assert "Valid" in api.client.get(f"/badge/{cert_id}.svg?lang=en").text

        # The admin revokes: the badge, the API and the CLI say so at once.
        revoked = api.request(
            "POST",
            f"/certificates/{cert_id}/revoke",
            "admin",
            json={"reason": "Phát hiện vi phạm sau phản ánh. / A breach was reported."},
        )
        assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
        again = api.client.get(f"/badge/{cert_id}.svg", headers={"If-None-Match": etag})
        assert again.status_code == 200 and "Đã thu hồi" in again.text and again.headers["etag"] != etag
        verified = api.request("POST", "/public/verify", json={"credential": token}).json()
        assert verified["ok"] is False and verified["signature_valid"] is True and verified["status"] == "revoked"
        assert api.request("GET", "/public/products?q=be vui").json()["total"] == 0
        assert api.request("GET", "/public/products?q=be vui&status=revoked").json()["total"] == 1
        lists["revocation"].write_text(api.request("GET", "/public/status-lists/revocation").text)
        result = _cli(*cli_args)
        assert result.exit_code == 1 and "BỊ THU HỒI / REVOKED" in result.output, result.output

        # Every change is in the audit chain; editing one row by hand breaks it.
        with api.sessions() as session:
            actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        for action in (
            "submission.submitted",
            "submission.taken",
            "submission.changes_requested",
            "submission.resubmitted",
            "submission.comment_added",
            "submission.approved",
            "certificate.issued",
            "certificate.revoked",
        ):
            assert action in actions, action
        monkeypatch.setenv("DATABASE_URL", database_url)
        monkeypatch.setenv("VCSC_KEYS_DIR", str(keys))  # the audit chain's signed checkpoints use the app's key
        verified = _cli("audit", "verify")
        assert verified.exit_code == 0, verified.output
        with api.sessions.begin() as session:
            _allow_tampering(session, database_url, "UPDATE")
            session.execute(
                sa.text(
                    "UPDATE audit_events SET after = '{\"status\": \"valid\"}' WHERE action = 'certificate.revoked'"
                )
            )
        broken = _cli("audit", "verify")
        assert broken.exit_code == 1 and "hash mismatch" in broken.output
