"""A vendor's whole journey through the API: register, log in, add a product, self-assess, submit, revise."""

from __future__ import annotations

import re

import pytest

from api.cli.demo import sample_answer
from api.domain import mail
from checker.criteria import load_set
from tests.api.conftest import PASSWORD, VERSION

EVIDENCE = [
    {"kind": "url", "url": "https://safekid.example.vn/huong-dan"},
    {"kind": "document", "title": "Báo cáo kiểm thử"},
]


def test_vendor_journey(api_client, monkeypatch):
    api = api_client
    sent = []
    monkeypatch.setattr(mail, "send", lambda settings, message: sent.append(message) or True)
    registered = api.request(
        "POST",
        "/auth/register",
        json={
            "organisation_name": "Công ty TNHH SafeKid",
            "email": "An@SafeKid.example.vn",
            "name": "Lê An",
            "password": PASSWORD,
            "website": "https://safekid.example.vn",
        },
    )
    assert registered.status_code == 202, registered.text
    [verification] = sent
    assert verification.to == ("an@safekid.example.vn",)
    token = re.search(r"/verify-email\?token=([\w-]+)", verification.text).group(1)
    verified = api.request("POST", "/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text
    assert verified.json()["email"] == "an@safekid.example.vn" and verified.json()["role"] == "vendor"

    login = api.request("POST", "/auth/token", json={"email": "an@safekid.example.vn", "password": PASSWORD})
    assert login.status_code == 200 and login.json()["token_type"] == "bearer"
    api.headers["me"] = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert api.request("GET", "/users/me", "me").json()["organisation_name"] == "Công ty TNHH SafeKid"

    product = api.request(
        "POST",
        "/products",
        "me",
        json={
            "name": "Bảo vệ trẻ em SafeKid",
            "product_type": "filtering_app",
            "url": "https://safekid.example.vn",
            "platforms": ["android", "ios", "windows"],
        },
    )
    assert product.status_code == 201, product.text
    product_id = product.json()["id"]

    draft = api.request("POST", f"/products/{product_id}/submissions", "me", json={"criteria_version": VERSION})
    assert draft.status_code == 201, draft.text
    assert draft.json()["revision"] == 1 and draft.json()["status"] == "draft" and draft.json()["answers"] == {}
    draft_id = draft.json()["id"]

    cset = load_set(VERSION)
    applicable = cset.applicable("filtering_app")
    na_criterion = next((c for c in applicable if c.question["na_allowed"] and c.id not in ("CF-01", "PC-01")), None)
    answers = {
        "CF-01": {"value": {"block_rate": 0.61, "corpus_size": 800}, "evidence": EVIDENCE},  # below 98%: failed
        "PC-01": {"value": True},  # passes the rule but no evidence: cantTell
    }
    if na_criterion is not None:
        answers[na_criterion.id] = {"not_applicable": True, "justification": "Sản phẩm không có tính năng này."}
    replaced = api.request(
        "PUT", f"/submissions/{draft_id}/answers", "me", json={"criteria_version": VERSION, "answers": answers}
    )
    assert replaced.status_code == 200, replaced.text

    evaluation = api.request("GET", f"/submissions/{draft_id}/evaluation", "me").json()
    outcome = {r["criterion_id"]: r["outcome"] for r in evaluation["results"]}
    assert outcome["CF-01"] == "failed"
    assert outcome["PC-01"] == "cantTell"
    if na_criterion is not None:
        assert outcome[na_criterion.id] == "inapplicable"
    for criterion in cset.active_criteria():
        if not criterion.applies("filtering_app"):
            assert outcome[criterion.id] == "inapplicable"
        elif criterion.id not in answers:
            assert outcome[criterion.id] == "untested"
    assert evaluation["level"] is None and "CF-01" in evaluation["blockers"]

    merged = api.request(
        "PATCH",
        f"/submissions/{draft_id}/answers",
        "me",
        json={"answers": {"PC-01": {"value": True, "evidence": EVIDENCE}}},
    )
    assert merged.status_code == 200 and merged.json()["answers"]["CF-01"] == answers["CF-01"]
    evaluation = api.request("GET", f"/submissions/{draft_id}/evaluation", "me").json()
    assert {r["criterion_id"]: r["outcome"] for r in evaluation["results"]}["PC-01"] == "passed"

    incomplete = api.request("POST", f"/submissions/{draft_id}/submit", "me")
    assert incomplete.status_code == 422
    unanswered = {e["pointer"] for e in incomplete.json()["errors"]}
    assert unanswered == {f"/answers/{c.id}" for c in applicable if c.id not in answers}

    rest = {c.id: sample_answer(c) for c in applicable if c.id not in answers}
    assert api.request("PATCH", f"/submissions/{draft_id}/answers", "me", json={"answers": rest}).status_code == 200
    submitted = api.request("POST", f"/submissions/{draft_id}/submit", "me")
    assert submitted.status_code == 200, submitted.text
    body = submitted.json()
    assert body["status"] == "submitted" and body["submitted_at"] and body["level"] is None  # CF-01 still fails
    assert body["evaluation"]["criteria_version"] == VERSION
    stored = api.request("GET", f"/submissions/{draft_id}/evaluation", "me").json()
    assert stored == body["evaluation"]

    for method, path, payload in [
        ("PUT", f"/submissions/{draft_id}/answers", {"answers": {}}),
        ("PATCH", f"/submissions/{draft_id}/answers", {"answers": {"PC-01": None}}),
        ("POST", f"/submissions/{draft_id}/submit", None),
    ]:
        refused = api.request(method, path, "me", json=payload)
        assert refused.status_code == 409, (method, path, refused.text)
    assert api.request("GET", f"/submissions/{draft_id}", "me").json()["answers"] == body["answers"]
    assert api.request("DELETE", f"/products/{product_id}", "me").status_code == 409

    # While revision 1 waits for the club no other revision starts; the vendor withdraws it to fix CF-01.
    waiting = api.request("POST", f"/products/{product_id}/submissions", "me", json={"criteria_version": VERSION})
    assert waiting.status_code == 409 and waiting.json()["submission_id"] == draft_id
    assert api.request("POST", f"/submissions/{draft_id}/withdraw", "me", json={}).json()["status"] == "withdrawn"
    second = api.request("POST", f"/products/{product_id}/submissions", "me", json={"criteria_version": VERSION})
    assert second.status_code == 201, second.text
    assert second.json()["revision"] == 2 and second.json()["status"] == "draft"
    assert second.json()["answers"] == body["answers"]  # same version: the previous answers carry over
    again = api.request("POST", f"/products/{product_id}/submissions", "me", json={"criteria_version": VERSION})
    assert again.status_code == 409 and again.json()["draft_id"] == second.json()["id"]
    assert str(second.json()["id"]) in again.json()["detail"]

    fixed = api.request(
        "PATCH",
        f"/submissions/{second.json()['id']}/answers",
        "me",
        json={"answers": {"CF-01": sample_answer(cset.criteria["CF-01"])}},
    )
    assert fixed.status_code == 200
    resubmitted = api.request("POST", f"/submissions/{second.json()['id']}/submit", "me").json()
    assert resubmitted["level"] is not None
    listed = api.request("GET", f"/products/{product_id}/submissions", "me").json()
    assert [(s["revision"], s["status"]) for s in listed] == [(1, "withdrawn"), (2, "submitted")]
    assert "answers" not in listed[0]


def test_new_draft_of_another_version_carries_only_answers_still_valid(world):
    api = world.api
    platform = api.product(world.org_a, product_type="children_platform")  # AA-02 and SD-04 apply, then retire
    old = api.submission(platform, "rejected")
    other_versions = [v["version"] for v in api.request("GET", "/criteria").json() if v["version"] != "vcsc-2024.1"]
    if not other_versions:
        pytest.skip("only one criteria version exists")
    draft = api.request(
        "POST", f"/products/{platform.id}/submissions", "vendor_a", json={"criteria_version": other_versions[0]}
    )
    assert draft.status_code == 201 and draft.json()["revision"] == 2 and draft.json()["previous_id"] == old.id
    carried = draft.json()["answers"]
    new_set = load_set(other_versions[0])
    active = {c.id for c in new_set.active_criteria()}
    assert carried and set(carried) <= active
    assert set(old.answers) - set(carried) >= {"AA-02", "SD-04"}  # retired in the new version: dropped
    assert api.request("GET", f"/submissions/{draft.json()['id']}/evaluation", "vendor_a").status_code == 200
