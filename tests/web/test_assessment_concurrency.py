"""Saving steps of one self-assessment from several pages at once: every step's answers survive (the page path
takes the submission row lock too; submit racing saves is tested through the API, tests/api/
test_assessments_concurrency.py, on both back ends)."""

from __future__ import annotations

import re

import pytest

import api.domain.assessments
from api.core.models import Submission
from tests.concurrency import race, slowed

YES_NO = ["CD-03", "CF-06", "DOC-04", "PC-05", "SEC-01"]  # yes/no questions, in different steps


@pytest.fixture
def slow_validation(monkeypatch):
    slowed(monkeypatch, api.domain.assessments, "_validated", 0.05)


def _steps_of(browser, submission_id: int) -> dict[str, str]:
    """criterion id -> the step (path) whose form asks it."""
    overview = browser.get(f"/dashboard/submissions/{submission_id}").text
    where = {}
    for step in sorted(set(re.findall(rf"/dashboard/submissions/{submission_id}/steps/([a-z_-]+)", overview))):
        path = f"/dashboard/submissions/{submission_id}/steps/{step}"
        page = browser.get(path).text
        for cid in YES_NO:
            if f'name="a.{cid}.v"' in page:
                where[cid] = path
    # A step's form saves the whole step: keep one question per step, so no two saves touch the same answers.
    one_per_step = {}
    for cid, path in where.items():
        one_per_step.setdefault(path, cid)
    assert len(one_per_step) >= 3, where
    return {cid: path for path, cid in one_per_step.items()}


def test_steps_saved_at_once_all_survive(world, slow_validation):
    submission = world.api.submission(world.product_a, answers={})
    where = _steps_of(world.site.browser("vendor_a"), submission.id)
    browsers = [world.site.browser("vendor_a") for _ in where]
    responses = race(
        [
            lambda b=b, c=c: b.post(where[c], {f"a.{c}.v": "yes", "go": "stay"})
            for b, c in zip(browsers, where, strict=True)
        ]
    )
    assert [r.status_code for r in responses] == [303] * len(where), [r.text[:300] for r in responses]
    with world.api.sessions() as session:
        stored = session.get(Submission, submission.id).answers
    assert {c: stored.get(c) for c in where} == {c: {"value": True} for c in where}
