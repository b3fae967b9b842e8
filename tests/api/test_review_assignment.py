"""Assigning submissions to reviewers through the API (SQLite and PostgreSQL): assign to me or to another reviewer,
unassign, the queue's "mine"/"unassigned" filters and waiting time, the refusals, the audit events, and two
reviewers assigning at once: one wins, the others get 409 naming who has it. Also accepting every agreeing
criterion in one call."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

import api.domain.review
from api.core.models import AuditEvent, Submission, utcnow
from api.domain import reporting
from tests.api.conftest import World
from tests.api.test_review import add_run, finding, in_review, staff, submitted
from tests.concurrency import race, slowed


def assign(world: World, submission_id: int, role: str, **body):
    return world.api.request("PUT", f"/submissions/{submission_id}/review/assignee", role, json=body)


def events(world: World, submission_id: int) -> list[AuditEvent]:
    with world.api.sessions() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent)
                .where(
                    AuditEvent.object_type == "submission",
                    AuditEvent.object_id == str(submission_id),
                    AuditEvent.action.in_(("submission.assigned", "submission.unassigned")),
                )
                .order_by(AuditEvent.id)
            )
        )


def test_assign_to_me_to_another_and_unassign(world):
    api = world.api
    mine, other = submitted(world), submitted(world)
    reviewer, admin = api.users["reviewer"], api.users["admin"]
    with api.sessions.begin() as session:
        session.get(Submission, mine).submitted_at = utcnow() - timedelta(days=2, hours=3)

    taken = assign(world, mine, "reviewer")
    assert taken.status_code == 200, taken.text
    assert taken.json()["assignee_id"] == reviewer.id and taken.json()["assigned_at"]
    queue = api.request("GET", "/reviews/queue?assigned=mine", "reviewer").json()
    assert [i["id"] for i in queue["items"]] == [mine]
    item = queue["items"][0]
    assert (
        item["assignee_name"] == reviewer.name
        and 2 * 86400 + 3 * 3600 <= item["waiting_seconds"] < 2 * 86400 + 4 * 3600
    )
    unassigned = api.request("GET", "/reviews/queue?assigned=unassigned", "reviewer").json()
    assert [i["id"] for i in unassigned["items"]] == [other]
    assert api.request("GET", "/reviews/queue?assigned=mine", "admin").json()["items"] == []
    assert api.request("GET", "/reviews/queue?assigned=someone", "reviewer").status_code == 422

    # Handing it to the admin needs the assignee one saw; a stale view is told who has it now.
    stale = assign(world, mine, "admin", assignee_id=admin.id)
    assert stale.status_code == 409
    assert stale.json()["assignee_id"] == reviewer.id and reviewer.name in stale.json()["detail"]
    handed = assign(world, mine, "admin", assignee_id=admin.id, expected_assignee_id=reviewer.id)
    assert handed.status_code == 200 and handed.json()["assignee_id"] == admin.id
    again = assign(world, mine, "reviewer", assignee_id=admin.id, expected_assignee_id=reviewer.id)
    assert again.status_code == 200  # already so: nothing changes, no event

    wrong = api.request("DELETE", f"/submissions/{mine}/review/assignee?expected_assignee_id={reviewer.id}", "reviewer")
    assert wrong.status_code == 409 and wrong.json()["assignee_id"] == admin.id
    freed = api.request("DELETE", f"/submissions/{mine}/review/assignee", "reviewer")
    assert freed.status_code == 200 and freed.json()["assignee_id"] is None and freed.json()["assigned_at"] is None

    assert [(e.action, e.before["assignee_id"], e.after["assignee_id"]) for e in events(world, mine)] == [
        ("submission.assigned", None, reviewer.id),
        ("submission.assigned", reviewer.id, admin.id),
        ("submission.unassigned", admin.id, None),
    ]


def test_assignment_refusals(world):
    api = world.api
    waiting = submitted(world)
    vendor = api.users["vendor_a"]
    assert assign(world, waiting, "vendor_a").status_code == 403
    assert assign(world, waiting, "vendor_b").status_code == 403
    not_staff = assign(world, waiting, "reviewer", assignee_id=vendor.id)
    assert not_staff.status_code == 422 and not_staff.json()["errors"][0]["pointer"] == "/assignee_id"
    assert assign(world, waiting, "reviewer", assignee_id=999_999).status_code == 422
    assert assign(world, 999_999, "reviewer").status_code == 404
    # A reviewer of the product's own organisation may neither assign nor be assigned.
    own = api.user(world.org_a, "reviewer")
    api.login(own, "own_reviewer")
    assert assign(world, waiting, "own_reviewer").status_code == 403
    assert assign(world, waiting, "reviewer", assignee_id=own.id).status_code == 422
    withdrawn = api.request("POST", f"/submissions/{waiting}/withdraw", "vendor_a", json={})
    assert withdrawn.status_code == 200
    final = assign(world, waiting, "reviewer")
    assert final.status_code == 409 and final.json()["submission_status"] == "withdrawn"
    assert events(world, waiting) == []


def test_two_reviewers_assigning_at_once_one_wins(world, monkeypatch):
    """Each loads the submission (unassigned) before any of them writes; the row lock and the re-check make the
    first the assignee and refuse the others with 409 naming it."""
    names = ["reviewer", "admin"]
    for i in range(2):
        staff(world, f"extra{i}")
        names.append(f"extra{i}")
    waiting = submitted(world)
    slowed(monkeypatch, api.domain.review, "lock_for_update", 0.05)
    responses = race([lambda n=n: assign(world, waiting, n) for n in names])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409, 409], [r.text for r in responses]
    winner = names[[r.status_code for r in responses].index(200)]
    winner_user = world.api.users[winner]
    for response in responses:
        if response.status_code == 409:
            body = response.json()
            assert body["assignee_id"] == winner_user.id
            assert f"Bản này vừa được giao cho {winner_user.name}" in body["detail"]
    with world.api.sessions() as session:
        assert session.get(Submission, waiting).assignee_id == winner_user.id
    assert len(events(world, waiting)) == 1


def test_accept_every_agreeing_criterion_through_the_api(world):
    """One call accepts every criterion that is not a discrepancy and has no decision; the discrepancy stays
    undecided (approval still waits for it), an override stays, and a stale list is refused."""
    submission_id = in_review(world)
    add_run(world, submission_id, [finding("CF-01", "failed")])
    api = world.api
    overridden = api.request(
        "PUT",
        f"/submissions/{submission_id}/review/criteria/PC-01",
        "reviewer",
        json={"decision": "override", "outcome": "failed", "comment": "Không thấy cài đặt"},
    )
    assert overridden.status_code == 200, overridden.text
    with api.sessions() as session:
        found = reporting.verdict_of(session, session.get(Submission, submission_id))
    todo = list(found.undecided_agreeing)
    assert "CF-01" not in todo and "PC-01" not in todo and todo

    stale = api.request(
        "POST", f"/submissions/{submission_id}/review/accept-agreeing", "reviewer", json={"criteria": todo[1:]}
    )
    assert stale.status_code == 409 and sorted(stale.json()["criteria"]) == sorted(todo)
    done = api.request(
        "POST", f"/submissions/{submission_id}/review/accept-agreeing", "reviewer", json={"criteria": todo}
    )
    assert done.status_code == 200, done.text
    decided = {d["criterion_id"]: (d["decision"], d["outcome"]) for d in done.json()["decisions"]}
    assert decided.pop("PC-01") == ("override", "failed") and "CF-01" not in decided
    assert sorted(decided) == sorted(todo) and {d for d, _ in decided.values()} == {"accept"}
    again = api.request("POST", f"/submissions/{submission_id}/review/accept-agreeing", "reviewer", json={})
    assert again.status_code == 200  # nothing left: nothing recorded
    with api.sessions() as session:
        accepted = session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "submission.agreeing_accepted", AuditEvent.object_id == str(submission_id)
            )
        ).all()
    assert len(accepted) == 1 and accepted[0].after["count"] == len(todo)
    refused = api.request(
        "POST", f"/submissions/{submission_id}/review/decision", "reviewer", json={"decision": "approve"}
    )
    assert refused.status_code == 409 and refused.json()["undecided"] == ["CF-01"]
    waiting = submitted(world)
    assert api.request("POST", f"/submissions/{waiting}/review/accept-agreeing", "reviewer", json={}).status_code == 409
