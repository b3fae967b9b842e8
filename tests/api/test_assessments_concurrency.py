"""Concurrent writers on one self-assessment (SQLite and PostgreSQL): merges of different criteria all survive, and
nothing changes the answers once they are submitted (every answer write takes the submission row lock)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

import api.domain.assessments
from api.cli.demo import sample_answers
from api.core.models import AuditEvent, Submission
from checker.assessment import checker_for
from tests.api.conftest import VERSION, World
from tests.concurrency import race, slowed

TYPE = "filtering_app"


@pytest.fixture
def slow_validation(monkeypatch):
    """Widen the window between reading the draft's answers and writing the merged ones, as a busy server would."""
    slowed(monkeypatch, api.domain.assessments, "_validated", 0.03)


def _draft(world: World, answers: dict) -> int:
    response = world.api.request(
        "POST",
        f"/products/{world.product_a.id}/submissions",
        "vendor_a",
        json={"criteria_version": VERSION, "answers": answers},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _patch(world: World, submission_id: int, criterion_id: str, answer: dict):
    return world.api.request(
        "PATCH", f"/submissions/{submission_id}/answers", "vendor_a", json={"answers": {criterion_id: answer}}
    )


def _events(world: World, submission_id: int) -> list[AuditEvent]:
    with world.api.sessions() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.object_type == "submission", AuditEvent.object_id == str(submission_id))
                .order_by(AuditEvent.id)
            )
        )


def test_concurrent_merges_of_different_criteria_all_survive(world, slow_validation):
    answers = sample_answers(VERSION, TYPE)
    chosen = sorted(answers)[:19]
    submission_id = _draft(world, {})
    responses = race([lambda c=c: _patch(world, submission_id, c, answers[c]) for c in chosen])
    assert [r.status_code for r in responses] == [200] * 19, [r.text for r in responses]
    with world.api.sessions() as session:
        stored = session.get(Submission, submission_id).answers
    assert sorted(stored) == chosen, f"lost updates: {sorted(set(chosen) - set(stored))}"
    assert all(stored[c] == answers[c] for c in chosen)
    merged = [e for e in _events(world, submission_id) if e.action == "submission.answers_merged"]
    assert len(merged) == 19
    # Each merge saw every earlier one: the counts go 0 -> 1 -> ... -> 19 with no repeats.
    assert sorted(e.after["answered"] for e in merged) == list(range(1, 20))


def _changed_answers(answers: dict) -> dict:
    """Ten valid answers that each change the evaluation: booleans turned false (failed), evidence dropped
    (can't tell)."""
    changed = {cid: {"value": False} for cid, a in answers.items() if a == {"value": True}}
    for cid, answer in answers.items():
        if len(changed) == 10:
            break
        if "evidence" in answer and cid not in changed:
            changed[cid] = {"value": answer["value"]}
    assert len(changed) == 10
    checker = checker_for(VERSION, TYPE)
    assert (
        checker.validate({"criteria_version": VERSION, "product_type": TYPE, "answers": {**answers, **changed}}) == []
    )
    before = checker.evaluate(answers)
    after = checker.evaluate({**answers, **changed})
    assert all(before.outcome_of(c) != after.outcome_of(c) for c in changed)
    return changed


@pytest.mark.parametrize("trial", range(3))
def test_submit_racing_merges_never_changes_a_submitted_assessment(world, slow_validation, trial):
    answers = sample_answers(VERSION, TYPE)
    changed = _changed_answers(answers)
    submission_id = _draft(world, answers)
    calls = [lambda c=c, a=a: _patch(world, submission_id, c, a) for c, a in changed.items()]
    calls.insert(3 + trial, lambda: world.api.request("POST", f"/submissions/{submission_id}/submit", "vendor_a"))
    responses = race(calls)
    submit = responses.pop(3 + trial)
    assert submit.status_code == 200, submit.text
    assert {r.status_code for r in responses} <= {200, 409}, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert response.json()["submission_status"] == "submitted"

    events = _events(world, submission_id)
    submitted_at = next(i for i, e in enumerate(events) if e.action == "submission.submitted")
    assert [e.action for e in events[submitted_at + 1 :]] == [], "answers changed after submission"
    merged = [e for e in events if e.action == "submission.answers_merged"]
    assert len(merged) == sum(r.status_code == 200 for r in responses)

    with world.api.sessions() as session:
        stored = session.get(Submission, submission_id)
        assert stored.status == "submitted"
        # What was evaluated is what is stored: no merge slipped in between evaluation and freezing.
        assert stored.evaluation == checker_for(VERSION, TYPE).evaluate(stored.answers).to_dict()
        won = {c for (c, _), r in zip(changed.items(), responses, strict=True) if r.status_code == 200}
        assert {c for c in changed if stored.answers[c] == changed[c]} == won


def test_a_merge_after_submit_is_refused_and_leaves_no_event(world):
    answers = sample_answers(VERSION, TYPE)
    submission_id = _draft(world, answers)
    assert world.api.request("POST", f"/submissions/{submission_id}/submit", "vendor_a").status_code == 200
    late = _patch(world, submission_id, "CD-03", {"value": False})
    assert late.status_code == 409 and late.json()["submission_status"] == "submitted"
    replaced = world.api.request("PUT", f"/submissions/{submission_id}/answers", "vendor_a", json={"answers": answers})
    assert replaced.status_code == 409
    assert _events(world, submission_id)[-1].action == "submission.submitted"
