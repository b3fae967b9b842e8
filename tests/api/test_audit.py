"""The audit trail: events of a journey in order with their actors, the hash chain and its verification after
hand edits and deletions, nothing recorded for failed requests, concurrent appends, and who may read what."""

from __future__ import annotations

import itertools
import json
import threading
import time

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import api.domain.audit
from api.cli.demo import sample_answers
from api.cli.service import audit as audit_cli
from api.core.errors import ApiError
from api.core.models import AuditEvent, User
from api.domain import accounts
from api.domain.audit import GENESIS, HASH_MISMATCH, PREV_MISMATCH, record, verify_chain
from tests.api.conftest import PASSWORD, VERSION, World
from tests.api.test_access import PROBE_MANIFEST

NEW_PASSWORD = "mat-khau-moi-456789"


def events(world_or_api, role: str = "admin", **params) -> list[dict]:
    api = getattr(world_or_api, "api", world_or_api)
    response = api.request("GET", "/audit", role, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def journey(world: World) -> dict:
    """Vendor A adds a product, drafts, answers and submits a self-assessment, starts and cancels a probe run,
    makes and revokes an API token and changes their password; the admin deactivates a colleague of A."""
    api = world.api
    answers = sample_answers(VERSION, "filtering_app")
    without_pc01 = {k: v for k, v in answers.items() if k != "PC-01"}

    def ok(method, path, role="vendor_a", status=200, **kwargs):
        response = api.request(method, path, role, **kwargs)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    product = ok(
        "POST",
        "/products",
        status=201,
        json={
            "name": "Lá chắn",
            "product_type": "filtering_app",
            "url": "https://la-chan.example.vn",
            "platforms": ["ios"],
        },
    )
    ok("PATCH", f"/products/{product['id']}", json={"name": "Lá chắn 2"})
    draft = ok("POST", f"/products/{product['id']}/submissions", status=201, json={"criteria_version": VERSION})
    ok("PUT", f"/submissions/{draft['id']}/answers", json={"answers": without_pc01})
    ok("PATCH", f"/submissions/{draft['id']}/answers", json={"answers": {"PC-01": answers["PC-01"]}})
    submitted = ok("POST", f"/submissions/{draft['id']}/submit")
    run = ok(
        "POST",
        f"/submissions/{draft['id']}/probe-runs",
        status=202,
        json={"manifest": PROBE_MANIFEST, "only": ["transport"]},
    )
    ok("POST", f"/probe-runs/{run['id']}/cancel")
    token = ok("POST", "/users/me/tokens", status=201, json={"name": "ci"})
    ok("DELETE", f"/users/me/tokens/{token['id']}", status=204)
    me = api.users["vendor_a"]
    ok("PATCH", f"/users/{me.id}", json={"password": NEW_PASSWORD, "current_password": PASSWORD})
    colleague = api.user(world.org_a)
    ok("PATCH", f"/users/{colleague.id}", "admin", json={"active": False})
    return {
        "product": product,
        "draft": draft,
        "submitted": submitted,
        "run": run,
        "token": token,
        "colleague": colleague,
    }


def test_journey_records_every_change_in_order_with_its_actor(world):
    done = journey(world)
    vendor, admin = world.api.users["vendor_a"], world.api.users["admin"]
    log = events(world)
    assert [(e["action"], e["actor_label"]) for e in log] == [
        ("product.created", vendor.email),
        ("product.updated", vendor.email),
        ("submission.draft_created", vendor.email),
        ("submission.answers_replaced", vendor.email),
        ("submission.answers_merged", vendor.email),
        ("submission.submitted", vendor.email),
        ("probe_run.started", vendor.email),
        ("probe_run.cancelled", vendor.email),
        ("api_token.created", vendor.email),
        ("api_token.revoked", vendor.email),
        ("user.password_changed", vendor.email),
        ("user.active_changed", admin.email),
    ]
    assert [e["id"] for e in log] == list(range(1, len(log) + 1))
    assert log[0]["prev_hash"] == GENESIS and all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(log))
    assert all(e["organisation_id"] == world.org_a.id for e in log)
    assert {e["actor_user_id"] for e in log} == {vendor.id, admin.id}

    by_action = {e["action"]: e for e in log}
    assert by_action["product.updated"]["before"] == {"name": "Lá chắn"}
    assert by_action["product.updated"]["after"] == {"name": "Lá chắn 2"}
    assert by_action["submission.answers_merged"]["after"]["changed_criteria"] == ["PC-01"]
    replaced = by_action["submission.answers_replaced"]["after"]["changed_criteria"]
    assert "PC-01" not in replaced and len(replaced) > 10
    submitted = by_action["submission.submitted"]
    assert submitted["object_id"] == str(done["draft"]["id"])
    assert submitted["before"] == {"status": "draft"}
    assert submitted["after"]["status"] == "submitted" and submitted["after"]["level"] == done["submitted"]["level"]
    assert by_action["probe_run.cancelled"]["after"] == {"status": "cancelled"}
    assert by_action["user.active_changed"]["before"] == {"active": True}
    assert by_action["user.active_changed"]["object_id"] == str(done["colleague"].id)
    # No secrets: neither the token, nor passwords, nor their hashes, nor the probe manifest.
    text = json.dumps(log, ensure_ascii=False)
    for secret in (done["token"]["token"], NEW_PASSWORD, PASSWORD, "password_hash", "start_url"):
        assert secret not in text

    with world.api.sessions() as session:
        assert verify_chain(session) == (True, len(log), None)

    # The submission's own trail: its owner and staff read it; vendor B gets the same 404 as for a missing one.
    path = f"/submissions/{done['draft']['id']}/audit"
    own = world.api.request("GET", path, "vendor_a").json()
    assert [e["action"] for e in own] == [
        "submission.draft_created",
        "submission.answers_replaced",
        "submission.answers_merged",
        "submission.submitted",
    ]
    assert world.api.request("GET", path, "reviewer").json() == own
    assert world.api.request("GET", path, "vendor_b").status_code == 404
    assert events(world, "reviewer", object_type="probe_run", object_id=str(done["run"]["id"])) == [
        by_action["probe_run.started"],
        by_action["probe_run.cancelled"],
    ]


def test_vendor_b_cannot_read_vendor_a_events(world):
    done = journey(world)
    assert events(world, "vendor_b") == []
    assert events(world, "vendor_b", object_type="product", object_id=str(done["product"]["id"])) == []
    assert len(events(world, "vendor_a")) == len(events(world, "reviewer")) > 0
    # B's own change shows up for B, and not for A.
    world.api.request("PATCH", f"/products/{world.product_b.id}", "vendor_b", json={"name": "Tên mới của B"})
    assert [e["action"] for e in events(world, "vendor_b")] == ["product.updated"]
    assert "product.updated" not in {
        e["action"] for e in events(world, "vendor_a") if e["object_id"] == str(world.product_b.id)
    }
    assert world.api.request("GET", "/audit", "anonymous").status_code == 401


def test_failed_requests_and_rolled_back_changes_record_nothing(world):
    api = world.api
    draft = api.submission(world.product_a)
    bad = [
        ("POST", "/products", {"name": "", "product_type": "filtering_app", "url": "x", "platforms": []}),
        ("PUT", f"/submissions/{draft.id}/answers", {"answers": {"CF-01": {"value": "không phải bool"}}}),
        ("PATCH", f"/users/{api.users['vendor_a'].id}", {"password": NEW_PASSWORD, "current_password": "sai"}),
    ]
    for method, path, body in bad:
        assert api.request(method, path, "vendor_a", json=body).status_code == 422
    # The password change is recorded, then the role check fails: the event goes with the rollback.
    with api.sessions() as session:
        reviewer = session.get(User, api.users["reviewer"].id)
        with pytest.raises(ApiError) as refused:
            accounts.update_user(session, api.users["admin"], reviewer, password=NEW_PASSWORD, role="vendor")
        assert refused.value.status == 422
        assert session.scalar(sa.select(AuditEvent.action)) == "user.password_changed"  # in the transaction
        session.rollback()
    assert api.count(AuditEvent) == 0


def _dialect(url: str) -> str:
    return sa.engine.make_url(url).get_backend_name()


def _allow_tampering(session, url: str, verb: str) -> None:
    """Take the append-only trigger out of the way, as someone with the owner's rights could."""
    if _dialect(url) == "postgresql":
        session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change"))
    else:
        session.execute(sa.text(f"DROP TRIGGER audit_events_no_{verb.lower()}"))


def _verify_cli(url: str, monkeypatch, *args: str, keys_dir=None):
    monkeypatch.setenv("DATABASE_URL", url)
    if keys_dir is not None:  # the app's audit key: the checkpoints it signed are checked too
        monkeypatch.setenv("VCSC_KEYS_DIR", str(keys_dir))
    return CliRunner().invoke(audit_cli, ["verify", *args])


@pytest.mark.parametrize("tamper", ["edit", "delete"])
def test_verify_finds_the_first_broken_link(world, database_url, monkeypatch, tamper):
    journey(world)
    api = world.api
    monkeypatch.setenv("VCSC_KEYS_DIR", str(api.app.state.settings.keys_dir))
    intact = _verify_cli(database_url, monkeypatch)
    assert intact.exit_code == 0, intact.output
    assert "OK: 12 events, chain intact" in intact.output and "12 sự kiện" in intact.output

    statement = (
        sa.text("UPDATE audit_events SET actor_label = 'someone-else' WHERE id = 5")
        if tamper == "edit"
        else sa.text("DELETE FROM audit_events WHERE id = 5")
    )
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), api.sessions.begin() as session:
        session.execute(statement)  # the trigger refuses first
    with api.sessions.begin() as session:
        _allow_tampering(session, database_url, "UPDATE" if tamper == "edit" else "DELETE")
        assert session.execute(statement).rowcount == 1

    broken_id, reason = (5, HASH_MISMATCH) if tamper == "edit" else (6, PREV_MISMATCH)
    result = _verify_cli(database_url, monkeypatch)
    assert result.exit_code == 1, result.output
    assert f"#{broken_id}: {reason}" in result.output
    as_json = _verify_cli(database_url, monkeypatch, "--json")
    assert as_json.exit_code == 1
    result = json.loads(as_json.output)
    assert (result["ok"], result["checked"], result["first_broken"]) == (False, 4, {"id": broken_id, "reason": reason})


def test_concurrent_appends_keep_one_chain(api_client, monkeypatch):
    threads_n, per_thread = 6, 8
    real_now = api.domain.audit.utcnow

    def slow_now():  # widen the window between reading the last hash and inserting the next event
        time.sleep(0.002)
        return real_now()

    monkeypatch.setattr(api.domain.audit, "utcnow", slow_now)
    start, errors = threading.Barrier(threads_n), []

    def append(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with api_client.sessions.begin() as session:
                    record(session, f"thread-{n}", "test.appended", "test", f"{n}-{i}", None, None, {"i": i})
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with api_client.sessions() as session:
        assert verify_chain(session) == (True, threads_n * per_thread, None)
        ids = session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
        assert ids == list(range(1, threads_n * per_thread + 1))


def test_cli_user_creation_is_recorded_with_the_cli_actor(api_client, database_url, monkeypatch):
    from api.cli.service import users

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("VCSC_PASSWORD", "mat-khau-dai-123")
    made = CliRunner().invoke(
        users,
        ["create", "--email", "qt@vcsc.example.vn", "--name", "Quản trị", "--role", "admin", "--organisation", "VCSC"],
    )
    assert made.exit_code == 0, made.output
    with api_client.sessions() as session:
        rows = session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        user_id = session.scalar(sa.select(User.id).where(User.email == "qt@vcsc.example.vn"))
    assert [(e.action, e.actor_label, e.actor_user_id) for e in rows] == [
        ("organisation.created", "cli", None),
        ("user.created", "cli", None),
    ]
    assert rows[1].object_id == str(user_id) and rows[1].after["role"] == "admin"
    assert "password" not in json.dumps(rows[1].after)


def test_a_worker_finishing_a_run_is_recorded_in_the_same_transaction(world):
    from api.jobs.execute import _Recorder, claim

    api = world.api
    draft = api.submission(world.product_a)
    run = api.request(
        "POST",
        f"/submissions/{draft.id}/probe-runs",
        "vendor_a",
        json={"manifest": PROBE_MANIFEST, "only": ["transport"]},
    ).json()
    assert claim(api.sessions, run["id"], "host:1:test")
    recorder = _Recorder(api.sessions, run["id"], "host:1:test", VERSION, "filtering_app")
    assert recorder.finish("done")
    assert not recorder.finish("failed")  # no longer this worker's run: no change, no event
    finished = events(world, object_type="probe_run", object_id=str(run["id"]))
    assert [(e["action"], e["actor_label"], e["actor_user_id"]) for e in finished] == [
        ("probe_run.started", api.users["vendor_a"].email, api.users["vendor_a"].id),
        ("probe_run.finished", "worker host:1:test", None),
    ]
    assert finished[1]["after"] == {"status": "done", "error": None}
    assert finished[1]["organisation_id"] == world.org_a.id
