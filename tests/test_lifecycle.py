"""The submission life cycle on its own (api.domain.lifecycle, pure): which moves each state allows, who makes
them, and the 409 a refused move gives, listing what is allowed instead."""

from __future__ import annotations

import pytest

from api.core.errors import ApiError
from api.domain import lifecycle
from api.domain.lifecycle import FINAL, STATES, TRANSITIONS, allowed_actions, next_status, require, require_editable

ACTIONS = sorted({action for moves in TRANSITIONS.values() for action in moves})


def test_the_states_are_those_of_the_diagram():
    assert set(TRANSITIONS) == set(STATES)
    assert all(to in STATES for moves in TRANSITIONS.values() for to in moves.values())


def test_final_states_allow_nothing_and_every_state_is_reachable_from_a_draft():
    assert all(TRANSITIONS[state] == {} for state in FINAL)
    reached, frontier = {"draft"}, ["draft"]
    while frontier:
        state = frontier.pop()
        after = set(TRANSITIONS[state].values())
        if state == "draft":  # the next revision of one with changes requested
            after.add(next_status(state, "submit", previous_status="changes_requested"))
        frontier.extend(after - reached)
        reached |= after
    assert reached == set(STATES)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_move_is_allowed_exactly_as_the_table_says(state, action):
    expected = TRANSITIONS[state].get(action)
    if expected is None:
        with pytest.raises(ApiError) as refused:
            require(state, action)
        problem = refused.value
        assert problem.status == 409
        assert problem.extra["submission_status"] == state
        assert problem.extra["allowed"] == allowed_actions(state)
    else:
        assert require(state, action) == expected


def test_a_revision_after_changes_requested_is_resubmitted():
    assert require("draft", "submit") == "submitted"
    assert require("draft", "submit", previous_status="changes_requested") == "resubmitted"
    assert require("draft", "submit", previous_status="rejected") == "submitted"


def test_vendors_submit_and_withdraw_reviewers_do_the_rest():
    assert [a["action"] for a in allowed_actions("draft", "vendor")] == ["submit", "withdraw"]
    assert allowed_actions("draft", "reviewer") == []
    assert [a["action"] for a in allowed_actions("in_review", "reviewer")] == [
        "decide",
        "approve",
        "reject",
        "request_changes",
    ]
    assert [a["action"] for a in allowed_actions("in_review", "vendor")] == ["withdraw"]


@pytest.mark.parametrize("state", STATES)
def test_only_a_draft_can_change(state):
    if state == "draft":
        require_editable(state)
    else:
        with pytest.raises(ApiError) as refused:
            require_editable(state)
        assert refused.value.status == 409


def test_a_refusal_names_the_state_in_both_languages():
    problem = lifecycle.refused("approved", "submit")
    vi, en = problem.detail.split(" / ")
    assert "“Đã phê duyệt”" in vi and "“Approved”" in en
