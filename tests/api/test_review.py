"""The review workflow and certificates through the API: state rules, the queue, decisions per criterion, two
reviewers, races, suspension, revocation, renewal, expiry, status lists and monitoring."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import api.domain.review
from api.cli.demo import sample_answers
from api.core.models import AuditEvent, Certificate, ProbeArtifact, ProbeRun, Submission, utcnow
from api.domain.credentials import is_set, verify_credential
from api.domain.monitoring import check_run, schedule_due
from api.domain.sealing import open_stored
from api.jobs import JobQueue
from tests.api.conftest import VERSION, World
from tests.concurrency import race

TYPE = "filtering_app"
MANIFEST = {"product_type": TYPE, "start_url": "https://a.example.vn/", "filtering": {"mode": "none"}}


def submitted(world: World, product=None, role: str = "vendor_a") -> int:
    """A vendor's self-assessment with passing sample answers, submitted through the API."""
    api = world.api
    product = product or api.product(world.org_a)
    draft = api.request(
        "POST",
        f"/products/{product.id}/submissions",
        role,
        json={"criteria_version": VERSION, "answers": sample_answers(VERSION, product.product_type)},
    )
    assert draft.status_code == 201, draft.text
    done = api.request("POST", f"/submissions/{draft.json()['id']}/submit", role)
    assert done.status_code == 200, done.text
    return draft.json()["id"]


def in_review(world: World, **kwargs) -> int:
    submission_id = submitted(world, **kwargs)
    taken = world.api.request("POST", f"/submissions/{submission_id}/review/take", "reviewer")
    assert taken.status_code == 200, taken.text
    return submission_id


def approve(world: World, submission_id: int, role: str = "reviewer"):
    return world.api.request(
        "POST", f"/submissions/{submission_id}/review/decision", role, json={"decision": "approve"}
    )


def certified(world: World) -> str:
    response = approve(world, in_review(world))
    assert response.status_code == 200, response.text
    return response.json()["certificate_id"]


def staff(world: World, name: str, role: str = "reviewer") -> None:
    world.api.login(world.api.user(world.club, role), name)


def add_run(world: World, submission_id: int, findings: list[dict], **fields) -> int:
    """A finished probe run with one artifact carrying `findings` (what a worker would have stored)."""
    now = utcnow()
    with world.api.sessions.begin() as session:
        submission = session.get(Submission, submission_id)
        run = ProbeRun(
            submission_id=submission_id,
            product_id=submission.product_id,
            status="done",
            manifest=MANIFEST,
            only=None,
            criteria_version=submission.criteria_version,
            created_at=now,
            finished_at=now,
            **fields,
        )
        session.add(run)
        session.flush()
        session.add(
            ProbeArtifact(
                run_id=run.id,
                probe_id="content_filtering",
                artifact={},
                measurement=None,
                findings=findings,
                created_at=now,
                evaluated_at=now,
            )
        )
        return run.id


def finding(criterion_id: str, outcome: str) -> dict:
    return {
        "criterion_id": criterion_id,
        "probe_id": "content_filtering",
        "outcome": outcome,
        "confidence": 0.9,
        "measured": {},
        "failures": ["block_rate 0.40 < 0.98"] if outcome == "failed" else [],
        "evidence": [],
        "explanation": {"vi": "Đo được.", "en": "Measured."},
    }


# --- the state machine -----------------------------------------------------------------------------


def test_transitions_outside_the_machine_are_refused_with_what_is_allowed(world):
    api = world.api
    draft = api.request(
        "POST", f"/products/{world.product_a.id}/submissions", "vendor_a", json={"criteria_version": VERSION}
    ).json()["id"]
    refused = api.request("POST", f"/submissions/{draft}/review/take", "reviewer")
    assert refused.status_code == 409
    assert refused.json()["submission_status"] == "draft"
    assert refused.json()["allowed"] == [
        {"action": "submit", "to": "submitted"},
        {"action": "withdraw", "to": "withdrawn"},
    ]

    waiting = submitted(world)
    early = approve(world, waiting)  # must be taken first
    assert early.status_code == 409 and [a["action"] for a in early.json()["allowed"]] == ["take", "withdraw"]
    assert api.request("PUT", f"/submissions/{waiting}/answers", "vendor_a", json={"answers": {}}).status_code == 409

    approved = approve(world, in_review(world)).json()["submission_id"]
    for method, path, body in [
        ("POST", f"/submissions/{approved}/withdraw", {}),
        ("POST", f"/submissions/{approved}/review/decision", {"decision": "reject", "comment": "Không đạt."}),
        ("POST", f"/submissions/{approved}/review/take", None),
    ]:
        role = "vendor_a" if "withdraw" in path else "reviewer"
        response = api.request(method, path, role, json=body)
        assert response.status_code == 409 and response.json()["allowed"] == [], path


def test_vendor_withdraws_and_rejection_needs_a_reason(world):
    api = world.api
    waiting = submitted(world)
    withdrawn = api.request("POST", f"/submissions/{waiting}/withdraw", "vendor_a", json={"reason": "Đổi phiên bản"})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert api.request("GET", "/reviews/queue", "reviewer").json()["total"] == 0

    reviewing = in_review(world)
    bare = api.request("POST", f"/submissions/{reviewing}/review/decision", "reviewer", json={"decision": "reject"})
    assert bare.status_code == 422 and bare.json()["errors"][0]["pointer"] == "/comment"
    assert api.request("GET", f"/submissions/{reviewing}", "vendor_a").json()["status"] == "in_review"  # unchanged
    rejected = api.request(
        "POST",
        f"/submissions/{reviewing}/review/decision",
        "reviewer",
        json={"decision": "reject", "comment": "Thiếu chính sách quyền riêng tư."},
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["comments"][-1]["body"] == "Thiếu chính sách quyền riêng tư."
    # A new revision can start after a final decision, but not while one waits for the club.
    assert (
        api.request(
            "POST", f"/products/{world.product_a.id}/submissions", "vendor_a", json={"criteria_version": VERSION}
        ).status_code
        == 201
    )
    other = api.product(world.org_a)
    waiting = submitted(world, product=other)
    blocked = api.request("POST", f"/products/{other.id}/submissions", "vendor_a", json={"criteria_version": VERSION})
    assert blocked.status_code == 409 and blocked.json()["submission_id"] == waiting


def test_reviewer_cannot_review_their_own_organisation(world):
    api = world.api
    api.login(api.user(world.org_a, "reviewer"), "insider")  # a reviewer account inside vendor A
    waiting = submitted(world)
    assert api.request("GET", "/reviews/queue", "insider").json()["total"] == 0
    refused = api.request("POST", f"/submissions/{waiting}/review/take", "insider")
    assert refused.status_code == 403 and "own organisation" in refused.json()["detail"]
    assert api.request("POST", f"/submissions/{waiting}/review/take", "reviewer").status_code == 200
    assert approve(world, waiting, "insider").status_code == 403


def test_queue_is_oldest_first_and_filters_by_type_and_state(world):
    api = world.api
    dns = api.product(world.org_b, product_type="dns_proxy_filter")
    first = submitted(world)
    second = submitted(world, product=dns, role="vendor_b")
    third = submitted(world)
    with api.sessions.begin() as session:  # submitted at distinct, known times
        for offset, sid in ((3, first), (2, second), (1, third)):
            session.get(Submission, sid).submitted_at = utcnow() - timedelta(hours=offset)
    api.request("POST", f"/submissions/{third}/review/take", "reviewer")

    def ids(query: str) -> list[int]:
        return [i["id"] for i in api.request("GET", "/reviews/queue" + query, "reviewer").json()["items"]]

    assert ids("") == [first, second, third]
    assert ids("?product_type=dns_proxy_filter") == [second]
    assert ids("?status=in_review") == [third]
    assert ids("?status=submitted&status=in_review&per_page=1&page=2") == [second]
    assert api.request("GET", "/reviews/queue?status=nonsense", "reviewer").status_code == 422


# --- decisions per criterion -----------------------------------------------------------------------


def test_discrepancies_need_a_decision_and_an_override_needs_a_comment(world):
    api = world.api
    reviewing = in_review(world)
    add_run(world, reviewing, [finding("CF-01", "failed"), finding("CF-04", "cantTell")])  # a MUST and a SHOULD
    blocked = approve(world, reviewing)
    assert blocked.status_code == 409 and blocked.json()["undecided"] == ["CF-01", "CF-04"]

    path = f"/submissions/{reviewing}/review/criteria"
    bare = api.request("PUT", f"{path}/CF-01", "reviewer", json={"decision": "override", "outcome": "passed"})
    assert bare.status_code == 422 and [e["pointer"] for e in bare.json()["errors"]] == ["/comment"]
    sneaky = api.request("PUT", f"{path}/CF-01", "reviewer", json={"decision": "accept", "outcome": "passed"})
    assert sneaky.status_code == 422 and sneaky.json()["errors"][0]["pointer"] == "/outcome"
    assert api.request("PUT", f"{path}/XX-99", "reviewer", json={"decision": "accept"}).status_code == 422

    # Accepting a failed MUST leaves no level: approval is refused and says what blocks it.
    assert api.request("PUT", f"{path}/CF-01", "reviewer", json={"decision": "accept"}).json()["outcome"] == "failed"
    assert api.request("PUT", f"{path}/CF-04", "reviewer", json={"decision": "accept"}).json()["outcome"] == "cantTell"
    no_level = approve(world, reviewing)
    assert no_level.status_code == 409 and "CF-01" in no_level.json()["blockers"]

    # Overriding it (the probe met a blocked test network, say) with a reason changes the report and the level.
    override = api.request(
        "PUT",
        f"{path}/CF-01",
        "reviewer",
        json={"decision": "override", "outcome": "passed", "comment": "Mạng thử nghiệm bị chặn; đã kiểm tra thủ công."},
    )
    assert override.status_code == 200 and override.json()["outcome"] == "passed"
    report = api.request("GET", f"/submissions/{reviewing}/report?format=json", "vendor_a").json()
    row = next(r for g in report["groups"] for r in g["rows"] if r["criterion_id"] == "CF-01")
    assert (row["computed_outcome"], row["outcome"], row["review"]["decision"]) == ("failed", "passed", "override")
    assert "Mạng thử nghiệm bị chặn" in row["remarks"][-1]["vi"]
    html = api.request("GET", f"/submissions/{reviewing}/report?format=html", "reviewer").text
    assert "Mạng thử nghiệm bị chặn" in html
    approved = approve(world, reviewing)
    assert approved.status_code == 200, approved.text
    # The SHOULD left at cantTell keeps it at Basic.
    assert (
        api.request("GET", f"/certificates/{approved.json()['certificate_id']}", "vendor_a").json()["level"] == "basic"
    )
    with api.sessions() as session:
        events = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "submission.criterion_decided").order_by(AuditEvent.id)
        ).all()
    last = events[-1]
    assert last.before["outcome"] == "failed" and last.after["outcome"] == "passed"  # before and after recorded


def test_two_reviewers_when_the_club_requires_them(world):
    api = world.api
    api.app.state.settings.review_approvals_required = 2
    staff(world, "reviewer2")
    reviewing = in_review(world)
    first = approve(world, reviewing)
    assert first.status_code == 200 and first.json()["status"] == "in_review" and first.json()["approvals"] == 1
    assert first.json()["certificate_id"] is None
    again = approve(world, reviewing)
    assert again.status_code == 409 and "another reviewer" in again.json()["detail"]
    second = approve(world, reviewing, "reviewer2")
    assert second.json()["status"] == "approved" and second.json()["certificate_id"]
    assert second.json()["approvals"] == 2 and len(second.json()["approved_by"]) == 2


# --- races -----------------------------------------------------------------------------------------


@pytest.fixture
def slow_reports(monkeypatch):
    """Widen the window between reading a submission and changing it, as a busy server would."""
    real = api.domain.review.reporting.submission_report

    def slow(session, submission):
        time.sleep(0.05)
        return real(session, submission)

    monkeypatch.setattr(api.domain.review.reporting, "submission_report", slow)


def test_simultaneous_approvals_issue_exactly_one_certificate(world, slow_reports):
    names = ["reviewer", "admin"]
    for i in range(2):
        staff(world, f"extra{i}")
        names.append(f"extra{i}")
    reviewing = in_review(world)
    responses = race([lambda n=n: approve(world, reviewing, n) for n in names])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409, 409], [r.text for r in responses]
    with world.api.sessions() as session:
        certs = session.scalars(sa.select(Certificate).where(Certificate.submission_id == reviewing)).all()
        assert len(certs) == 1
        assert (
            session.scalar(
                sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "certificate.issued")
            )
            == 1
        )
    loser = next(r for r in responses if r.status_code == 409).json()
    assert loser["submission_status"] == "approved" and loser["allowed"] == []


def test_simultaneous_approvals_of_different_submissions_get_distinct_numbers(world, slow_reports):
    staff(world, "reviewer2")
    ids = [in_review(world) for _ in range(4)]
    responses = race(
        [lambda s=s, n=n: approve(world, s, n) for s, n in zip(ids, ["reviewer", "admin"] * 2, strict=True)]
    )
    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    with world.api.sessions() as session:
        rows = session.execute(sa.select(Certificate.id, Certificate.status_index)).all()
    assert len({r.id for r in rows}) == len({r.status_index for r in rows}) == 4


def test_simultaneous_revocations_and_renewal(world):
    api = world.api
    cert_id = certified(world)
    reason = {"reason": "Vi phạm nghiêm trọng."}
    responses = race(
        [
            lambda: api.request("POST", f"/certificates/{cert_id}/revoke", "admin", json=reason),
            lambda: api.request("POST", f"/certificates/{cert_id}/revoke", "reviewer", json=reason),
            lambda: api.request("POST", f"/certificates/{cert_id}/renew", "vendor_a"),
        ]
    )
    revokes, renew = responses[:2], responses[2]
    assert sorted(r.status_code for r in revokes) == [200, 409], [r.text for r in revokes]
    # Renewal either came first (a draft linked to the certificate) or saw the revocation (409): never half.
    with api.sessions() as session:
        drafts = session.scalars(sa.select(Submission).where(Submission.renews_certificate_id == cert_id)).all()
        cert = session.get(Certificate, cert_id)
        revoked_events = session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "certificate.revoked")
        )
    assert renew.status_code in (201, 409), renew.text
    assert len(drafts) == (1 if renew.status_code == 201 else 0)
    assert cert.status == "revoked" and revoked_events == 1


# --- certificates ----------------------------------------------------------------------------------


def _status_bit(world: World, purpose: str, index: int) -> bool:
    api = world.api
    token = api.request("GET", f"/public/status-lists/{purpose}").text
    jwks = api.client.get("/.well-known/jwks.json").json()
    listed = verify_credential(token, jwks)
    assert listed.ok, listed.errors
    assert listed.credential["credentialSubject"]["statusPurpose"] == purpose
    return is_set(listed.credential["credentialSubject"]["encodedList"], index)


def test_suspend_reinstate_and_revoke_show_everywhere(world):
    api = world.api
    cert_id = certified(world)
    cert = api.request("GET", f"/certificates/{cert_id}", "vendor_a").json()
    index = api.request("POST", "/public/verify", json={"certificate_id": cert_id}).json()
    assert index["ok"] is True and index["signature_checked"] is False
    with api.sessions() as session:
        position = session.get(Certificate, cert_id).status_index
    assert not _status_bit(world, "suspension", position)

    no_reason = api.request("POST", f"/certificates/{cert_id}/suspend", "reviewer", json={})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["pointer"] == "/reason"
    suspended = api.request(
        "POST", f"/certificates/{cert_id}/suspend", "reviewer", json={"reason": "Đang xác minh phản ánh của phụ huynh."}
    )
    assert suspended.json()["status"] == "suspended"
    assert [a["action"] for a in suspended.json()["allowed_actions"]] == ["reinstate", "revoke"]
    assert "Tạm đình chỉ" in api.client.get(f"/badge/{cert_id}.svg").text
    assert _status_bit(world, "suspension", position) and not _status_bit(world, "revocation", position)
    public = api.request("GET", f"/public/certificates/{cert_id}").json()
    assert public["status"] == "suspended"
    assert api.request("GET", "/public/products?status=suspended").json()["total"] == 1
    reinstated = api.request("POST", f"/certificates/{cert_id}/reinstate", "admin", json={})
    assert reinstated.json()["status"] == "valid" and not _status_bit(world, "suspension", position)
    assert cert["badge_url"].endswith(f"/badge/{cert_id}.svg")

    api.request("POST", f"/certificates/{cert_id}/revoke", "admin", json={"reason": "Vi phạm."})
    assert _status_bit(world, "revocation", position)
    again = api.request("POST", f"/certificates/{cert_id}/reinstate", "admin", json={})
    assert again.status_code == 409 and again.json()["allowed"] == []
    assert api.request("POST", f"/certificates/{cert_id}/renew", "vendor_a").status_code == 409


def test_expiry_by_date_and_renewal_against_the_current_version(world):
    api = world.api
    cert_id = certified(world)
    with api.sessions.begin() as session:
        cert = session.get(Certificate, cert_id)
        cert.valid_until = utcnow() - timedelta(minutes=1)
        product_id = cert.product_id
    assert api.request("GET", f"/public/certificates/{cert_id}").json()["status"] == "expired"
    assert "Hết hạn" in api.client.get(f"/badge/{cert_id}.svg").text
    verified = api.request("POST", "/public/verify", json={"certificate_id": cert_id}).json()
    assert verified["ok"] is False and verified["status"] == "expired"
    assert api.request("GET", "/public/products").json()["total"] == 0
    assert api.request("GET", "/public/products?status=expired").json()["total"] == 1

    renewal = api.request("POST", f"/certificates/{cert_id}/renew", "vendor_a")
    assert renewal.status_code == 201, renewal.text
    draft = renewal.json()
    from api.domain.assessments import current_version

    assert draft["criteria_version"] == current_version() != VERSION
    assert draft["renews_certificate_id"] == cert_id and draft["product_id"] == product_id
    assert draft["answers"]  # answers still valid under the new version are carried over
    done = api.request("POST", f"/submissions/{draft['id']}/submit", "vendor_a")
    assert done.status_code in (200, 422)  # new criteria may need new answers: the vendor completes them
    assert api.request("POST", f"/certificates/{cert_id}/renew", "vendor_b").status_code == 404


def test_a_resubmitted_renewal_keeps_its_link_and_the_new_certificate_points_back(world):
    api = world.api
    old = certified(world)
    with api.sessions() as session:
        product_id = session.get(Certificate, old).product_id
    # Renew against the same version here (answers complete), by creating the draft through the API.
    draft = api.request("POST", f"/certificates/{old}/renew", "vendor_a").json()
    answers = sample_answers(draft["criteria_version"], TYPE)
    api.request("PUT", f"/submissions/{draft['id']}/answers", "vendor_a", json={"answers": answers})
    assert api.request("POST", f"/submissions/{draft['id']}/submit", "vendor_a").status_code == 200
    api.request("POST", f"/submissions/{draft['id']}/review/take", "reviewer")
    api.request(
        "POST",
        f"/submissions/{draft['id']}/review/decision",
        "reviewer",
        json={"decision": "request_changes", "comment": "Cập nhật chính sách."},
    )
    second = api.request(
        "POST", f"/products/{product_id}/submissions", "vendor_a", json={"criteria_version": draft["criteria_version"]}
    ).json()
    assert second["renews_certificate_id"] == old and second["previous_id"] == draft["id"]
    assert api.request("POST", f"/submissions/{second['id']}/submit", "vendor_a").json()["status"] == "resubmitted"
    api.request("POST", f"/submissions/{second['id']}/review/take", "reviewer")
    new = approve(world, second["id"]).json()["certificate_id"]
    assert api.request("GET", f"/certificates/{new}", "vendor_a").json()["renews_id"] == old


def test_tampered_or_foreign_credentials_fail_verification(world):
    api = world.api
    cert_id = certified(world)
    token = api.request("GET", f"/certificates/{cert_id}/credential", "vendor_a").text
    ok = api.request("POST", "/public/verify", json={"credential": token}).json()
    assert ok["ok"] and ok["certificate"]["id"] == cert_id and ok["certificate"]["level_title"]["vi"]
    broken = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    bad = api.request("POST", "/public/verify", json={"credential": broken}).json()
    assert bad["ok"] is False and bad["signature_valid"] is False and bad["errors"]
    both = api.request("POST", "/public/verify", json={"credential": token, "certificate_id": cert_id})
    assert both.status_code == 422 and both.json()["errors"][0]["pointer"] == "/credential"
    unknown = api.request("POST", "/public/verify", json={"certificate_id": "VCSC-1999-000001"}).json()
    assert unknown["ok"] is False and unknown["status"] == "unknown"
    assert api.client.get("/badge/VCSC-1999-000001.svg").status_code == 404


# --- monitoring ------------------------------------------------------------------------------------


def test_monitoring_flags_a_must_regression_and_notifies_reviewers_without_revoking(world, monkeypatch):
    api = world.api
    settings = api.app.state.settings
    reviewing = in_review(world)
    add_run(world, reviewing, [finding("CF-01", "passed")])
    cert_id = approve(world, reviewing).json()["certificate_id"]
    assert schedule_due(api.sessions, settings, JobQueue()) == []  # just issued: not due
    with api.sessions.begin() as session:
        session.get(Certificate, cert_id).issued_at = utcnow() - timedelta(days=settings.monitor_interval_days + 1)
    [run_id] = schedule_due(api.sessions, settings, JobQueue())
    assert schedule_due(api.sessions, settings, JobQueue()) == []  # one at a time
    with api.sessions.begin() as session:
        run = session.get(ProbeRun, run_id)
        # The manifest is copied sealed (api.domain.sealing): what the worker opens is the vendor's.
        opened = open_stored(run.manifest, settings.keys_dir, run.product_id)
        assert (run.purpose, run.certificate_id, opened) == ("monitoring", cert_id, MANIFEST)
        run.status, run.finished_at = "done", utcnow()
        session.add(
            ProbeArtifact(
                run_id=run_id,
                probe_id="content_filtering",
                artifact={},
                measurement=None,
                findings=[finding("CF-01", "failed")],
                created_at=utcnow(),
                evaluated_at=utcnow(),
            )
        )
    found = check_run(api.sessions, run_id)
    assert [f["criterion_id"] for f in found] == ["CF-01"]
    cert = api.request("GET", f"/certificates/{cert_id}", "reviewer").json()
    assert cert["status"] == "valid" and cert["flagged_at"]  # flagged for review, not revoked
    assert cert["flag_reason"]["regressions"][0]["approved_outcome"] == "passed"
    assert api.request("GET", "/certificates?flagged=true", "reviewer").json()["total"] == 1
    for role in ("reviewer", "admin"):
        [note] = [
            n
            for n in api.request("GET", "/notifications?unread=true", role).json()
            if n["kind"] == "certificate.flagged"
        ]
        assert note["object_id"] == cert_id and "CF-01" in note["message"]["vi"] and "CF-01" in note["message"]["en"]
    # The holder hears of the regression too (api.domain.notifications); the other vendor hears nothing.
    [told] = [n for n in api.request("GET", "/notifications", "vendor_a").json() if n["kind"] == "certificate.flagged"]
    assert told["object_id"] == cert_id
    assert api.request("GET", "/notifications", "vendor_b").json() == []
    # The monitoring run does not change the report the certificate was issued on.
    report = api.request("GET", f"/submissions/{reviewing}/report?format=json", "reviewer").json()
    assert report["discrepancies"] == []
    cleared = api.request(
        "POST",
        f"/certificates/{cert_id}/clear-flag",
        "reviewer",
        json={"comment": "Lỗi mạng tạm thời; đã kiểm tra lại."},
    )
    assert cleared.status_code == 200 and cleared.json()["flagged_at"] is None


def test_monitoring_off_and_cli_tick(world, database_url, monkeypatch):
    from api.cli.service import monitor

    api = world.api
    cert_id = certified(world)
    with api.sessions.begin() as session:
        cert = session.get(Certificate, cert_id)
        cert.issued_at = utcnow() - timedelta(days=400)
        cert.valid_until = utcnow() + timedelta(days=10)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("VCSC_MONITOR_INTERVAL_DAYS", "0")
    off = CliRunner().invoke(monitor, ["tick"])
    assert off.exit_code == 0 and "Monitoring is off" in off.output
    monkeypatch.setenv("VCSC_MONITOR_INTERVAL_DAYS", "30")
    result = CliRunner().invoke(monitor, ["tick", "--json"])
    assert result.exit_code == 0, result.output
    # No probe manifest on record for this product: nothing to run, but the skip is recorded.
    assert result.output.strip() == '{"queued_runs": []}'
    with api.sessions() as session:
        assert (
            session.scalar(sa.select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1))
            == "certificate.monitoring_skipped"
        )


def test_status_changes_are_audited_with_before_and_after(world):
    api = world.api
    cert_id = certified(world)
    for action, body in (("suspend", {"reason": "Xác minh."}), ("reinstate", {}), ("revoke", {"reason": "Vi phạm."})):
        assert api.request("POST", f"/certificates/{cert_id}/{action}", "admin", json=body).status_code == 200
    with api.sessions() as session:
        events = session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_id == cert_id, AuditEvent.action.like("certificate.%"))
            .order_by(AuditEvent.id)
        ).all()
    assert [e.action for e in events] == [
        "certificate.issued",
        "certificate.suspended",
        "certificate.reinstated",
        "certificate.revoked",
    ]
    assert (events[1].before["status"], events[1].after["status"]) == ("valid", "suspended")
    assert events[3].after == {"status": "revoked", "status_reason": "Vi phạm."}
