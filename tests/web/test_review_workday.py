"""The review page for a day of reviewing: discrepancies first with one form each, the agreeing criteria folded
away and accepted in one POST, an agreeing criterion decided on its own page, the confirmation step before
approving or rejecting, assignment from the review page and the queue, the queue's waiting time in the reader's
language, and who may do any of it."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from api.core.models import Approval, AuditEvent, ReviewDecision, Submission, utcnow
from tests.web.conftest import REVIEW_VERSION, in_review, text_of


def decisions(world, submission_id: int) -> dict[str, tuple[str, str]]:
    with world.api.sessions() as session:
        return {
            d.criterion_id: (d.decision, d.outcome)
            for d in session.scalars(sa.select(ReviewDecision).where(ReviewDecision.submission_id == submission_id))
        }


def events(world, submission_id: int, action: str) -> list[AuditEvent]:
    with world.api.sessions() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent)
                .where(
                    AuditEvent.object_type == "submission",
                    AuditEvent.object_id == str(submission_id),
                    AuditEvent.action == action,
                )
                .order_by(AuditEvent.id)
            )
        )


def shown_agreeing(html: str) -> list[str]:
    form = html[html.index("/accept-agreeing") :]
    return re.findall(r'name="criteria" value="([A-Z0-9-]+)"', form[: form.index("</form>")])


def test_few_forms_and_the_agreeing_criteria_accepted_in_one_post(world):
    submission = in_review(world)
    reviewer = world.site.browser("reviewer")
    url = f"/review/submissions/{submission.id}"
    html = reviewer.get(url).text
    # Sign-out, assignment, CF-01 (the one discrepancy), accept all agreeing, re-run, note, the decision.
    assert html.count("<form") == 7
    assert html.count(f'action="{url}/criteria/') == 1
    seen = shown_agreeing(html)
    assert "CF-01" not in seen and "DOC-01" in seen and len(seen) > 20
    assert f"Chấp nhận tất cả {len(seen)} tiêu chí khớp chưa có quyết định" in text_of(html)
    assert f'href="{url}/criteria/DOC-01"' in html  # an agreeing criterion is decided on its own page

    # An override made before stays as it is.
    overridden = reviewer.post(
        f"{url}/criteria/DOC-02",
        {"decision": "override", "outcome": "failed", "comment": "Tài liệu đã hết hạn", "page": "criterion"},
        page=f"{url}/criteria/DOC-02",
    )
    assert overridden.status_code == 303
    assert overridden.headers["location"] == f"{url}?done=decided&at=DOC-02#c-DOC-02"
    reopened = reviewer.get(overridden.headers["location"]).text
    assert '<details id="agreeing-list" open>' in reopened  # the anchor lands inside the opened list
    seen = shown_agreeing(reopened)
    assert "DOC-02" not in seen

    stale = reviewer.post(f"{url}/accept-agreeing", [("criteria", c) for c in seen[1:]], page=url)
    assert stale.status_code == 409
    assert "Kết quả thẩm định đã thay đổi từ khi bạn mở trang" in text_of(stale.text)
    assert set(decisions(world, submission.id)) == {"DOC-02"}

    done = reviewer.post(f"{url}/accept-agreeing", [("criteria", c) for c in seen], page=url)
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=agreeing_accepted#agreeing"
    stored = decisions(world, submission.id)
    assert stored.pop("DOC-02") == ("override", "failed")
    assert set(stored) == set(seen) and {d for d, _ in stored.values()} == {"accept"}
    assert "CF-01" not in stored  # a discrepancy is never accepted in bulk
    [event] = events(world, submission.id, "submission.agreeing_accepted")
    assert event.after["count"] == len(seen) and sorted(event.after["accepted"]) == sorted(seen)
    page = text_of(reviewer.get(done.headers["location"]).text)
    assert "Đã chấp nhận các tiêu chí khớp." in page and "Mọi tiêu chí khớp đều đã có quyết định." in page
    assert "Còn 1 sai khác chưa có quyết định." in page  # the decision bar
    english = reviewer.get(f"{url}?lang=en").text
    assert "Criteria where the claim and the probes agree" in english and "discrepancies still need" in english


def test_accepting_outside_review_and_the_criterion_page(world):
    waiting = world.api.submission(world.product_a, "submitted", version=REVIEW_VERSION)
    reviewer = world.site.browser("reviewer")
    url = f"/review/submissions/{waiting.id}"
    refused = reviewer.post(f"{url}/accept-agreeing", [("criteria", "DOC-01")], page=url)
    assert refused.status_code == 409 and "Lúc này có thể: Nhận thẩm định" in text_of(refused.text)
    assert decisions(world, waiting.id) == {}
    page = reviewer.get(f"{url}/criteria/DOC-01")
    assert page.status_code == 200 and 'id="c-DOC-01"' in page.text
    assert "<form" not in page.text.split("</header>", 1)[1]  # not in review: nothing to decide
    assert reviewer.get(f"{url}/criteria/XX-99").status_code == 404

    submission = in_review(world, world.product_b)
    url = f"/review/submissions/{submission.id}"
    no_reason = reviewer.post(
        f"{url}/criteria/DOC-01",
        {"decision": "override", "outcome": "failed", "page": "criterion"},
        page=f"{url}/criteria/DOC-01",
    )
    assert no_reason.status_code == 422  # shown again on the criterion's own page
    assert "<h1>Quyết định cho tiêu chí DOC-01</h1>" in no_reason.text
    assert "Cần nêu lý do khi thay đổi kết quả" in no_reason.text
    # Accepting from the one form ignores an outcome chosen in the override fields.
    accepted = reviewer.post(f"{url}/criteria/CF-01", {"decision": "accept", "outcome": "passed"}, page=url)
    assert accepted.status_code == 303 and accepted.headers["location"] == f"{url}?done=decided#c-CF-01"
    assert decisions(world, submission.id) == {"CF-01": ("accept", "failed")}


def test_approving_and_rejecting_ask_for_confirmation_with_the_level(world):
    submission = in_review(world, discrepancy=False)
    reviewer = world.site.browser("reviewer")
    url = f"/review/submissions/{submission.id}"
    html = reviewer.get(url).text
    bar = html[html.index('class="decision-bar"') :]
    assert 'form="decision-form"' in bar and "Nếu phê duyệt bây giờ: mức" in text_of(bar)

    asked = reviewer.post(f"{url}/decision", {"decision": "approve", "comment": "Tốt"}, page=url)
    assert asked.status_code == 200
    text = text_of(asked.text)
    level = re.search(r"Mức sẽ được chứng nhận: ([^.]+)\.", text).group(1)
    assert level in ("Cơ bản", "Nâng cao") and "chứng nhận được ký và cấp ngay" in text
    level_id = re.search(r'name="level" value="([a-z_]+)"', asked.text).group(1)
    assert 'name="confirmed" value="yes"' in asked.text and ">Tốt</textarea>" in asked.text
    with world.api.sessions() as session:
        assert session.get(Submission, submission.id).status == "in_review"
        assert session.scalar(sa.select(sa.func.count()).select_from(Approval)) == 0

    other_level = "advanced" if level_id != "advanced" else "basic"
    changed = reviewer.post(
        f"{url}/decision", {"decision": "approve", "confirmed": "yes", "level": other_level}, page=url
    )
    assert changed.status_code == 409 and "Mức đạt được đã đổi thành" in text_of(changed.text)
    confirmed = reviewer.post(
        f"{url}/decision", {"decision": "approve", "confirmed": "yes", "level": level_id}, page=url
    )
    assert confirmed.status_code == 303 and confirmed.headers["location"] == f"{url}?done=approved"

    other = in_review(world, world.product_b, discrepancy=False)
    url = f"/review/submissions/{other.id}"
    asked = reviewer.post(f"{url}/decision", {"decision": "reject"}, page=url)
    assert asked.status_code == 200 and "Từ chối là quyết định cuối" in text_of(asked.text)
    assert re.search(r'<textarea id="confirm-comment" name="comment"[^>]* required', asked.text)
    assert (
        reviewer.post(
            f"{url}/decision", {"decision": "reject", "comment": "Không lọc", "confirmed": "yes"}, page=url
        ).status_code
        == 303
    )
    english = reviewer.post(
        f"/review/submissions/{submission.id}/decision?lang=en",
        {"decision": "reject"},
        page=f"/review/submissions/{submission.id}",
    )
    assert english.status_code == 409  # approved already: refused before any confirmation


def test_the_confirmation_says_when_another_approval_is_needed(world):
    world.site.app.state.settings.review_approvals_required = 2
    submission = in_review(world, discrepancy=False)
    url = f"/review/submissions/{submission.id}"
    asked = world.site.browser("reviewer").post(f"{url}/decision?lang=en", {"decision": "approve"}, page=url)
    assert asked.status_code == 200
    assert "Your approval is recorded (1 of 2)" in text_of(asked.text)


def test_assignment_on_the_review_page_and_in_the_queue(world):
    api = world.api
    reviewer_user, admin_user = world.site.people["reviewer"], world.site.people["admin"]
    old = api.submission(world.product_a, "submitted", version=REVIEW_VERSION)
    new = api.submission(world.product_b, "submitted", version=REVIEW_VERSION)
    with api.sessions.begin() as session:
        session.get(Submission, old.id).submitted_at = utcnow() - timedelta(days=1234, hours=4, minutes=5)
        session.get(Submission, new.id).submitted_at = utcnow() - timedelta(hours=3, minutes=7)
    reviewer, admin = world.site.browser("reviewer"), world.site.browser("admin")
    queue = reviewer.get("/review").text
    assert re.findall(r'href="/review/submissions/(\d+)"', queue) == [str(old.id), str(new.id)]  # oldest first
    text = text_of(queue)
    assert "1.234 ngày 4 giờ" in text and "3 giờ 7 phút" in text
    english = text_of(reviewer.get("/review?lang=en").text)
    assert "1,234 days 4 hours" in english and "3 hours 7 minutes" in english
    reviewer.get("/review?lang=vi")  # back to Vietnamese for what follows

    # Assign to me from the queue, back to the same list.
    back = "/review?status=&type=&assigned=unassigned"
    mine = reviewer.post(
        f"/review/submissions/{old.id}/assignee", {"action": "me", "expected": "", "back": back}, page=back
    )
    assert mine.status_code == 303 and mine.headers["location"] == f"{back}&done=assigned#q-{old.id}"
    assert re.findall(r'href="/review/submissions/(\d+)"', reviewer.get(back).text) == [str(new.id)]
    assert re.findall(r'href="/review/submissions/(\d+)"', reviewer.get("/review?assigned=mine").text) == [str(old.id)]
    assert "Đã giao bản tự đánh giá." in reviewer.get(mine.headers["location"]).text

    # The admin's page still says "nobody" (opened before): their "assign to me" is refused, naming the reviewer.
    url = f"/review/submissions/{new.id}"
    admin_page = admin.get(f"/review/submissions/{old.id}")
    assert reviewer_user.name in text_of(admin_page.text)
    late = admin.post(
        f"/review/submissions/{old.id}/assignee", {"action": "me", "expected": ""}, page=f"/review/submissions/{old.id}"
    )
    assert late.status_code == 409
    assert f"Bản này vừa được giao cho {reviewer_user.name}; hãy tải lại trang rồi quyết định lại" in text_of(late.text)

    # To another reviewer from the review page, then unassigned.
    to_admin = reviewer.post(
        f"{url}/assignee", {"action": "other", "assignee": str(admin_user.id), "expected": ""}, page=url
    )
    assert to_admin.status_code == 303 and to_admin.headers["location"] == f"{url}?done=assigned#assignment"
    assert "Đã giao bản tự đánh giá." in (page := reviewer.get(to_admin.headers["location"]).text)
    assert f'<dd id="assignee">{admin_user.name}' in page
    nobody = reviewer.post(
        f"{url}/assignee", {"action": "other", "assignee": "", "expected": str(admin_user.id)}, page=url
    )
    assert nobody.status_code == 422 and "Hãy chọn người thẩm định được giao" in nobody.text
    vendor_id = world.site.people["vendor_a"].id
    vendor = reviewer.post(
        f"{url}/assignee", {"action": "other", "assignee": str(vendor_id), "expected": str(admin_user.id)}, page=url
    )
    assert vendor.status_code == 422 and "Chỉ giao được cho người thẩm định hoặc quản trị viên" in vendor.text
    freed = reviewer.post(f"{url}/assignee", {"action": "unassign", "expected": str(admin_user.id)}, page=url)
    assert freed.status_code == 303 and "Chưa giao cho ai" in text_of(reviewer.get(url).text)
    assert [
        e.action for e in events(world, new.id, "submission.assigned") + events(world, new.id, "submission.unassigned")
    ] == ["submission.assigned", "submission.unassigned"]
    audit = text_of(world.site.browser("vendor_b").get(f"/dashboard/submissions/{new.id}/audit").text)
    assert "Giao việc" in audit and "Bỏ giao" in audit


def test_vendors_and_own_organisation_reviewers_reach_none_of_it(world):
    submission = in_review(world)
    url = f"/review/submissions/{submission.id}"
    for person in ("vendor_a", "vendor_b"):
        browser = world.site.browser(person)
        responses = [browser.get(f"{url}/criteria/DOC-01")]
        responses += [
            browser.post(f"{url}/{action}", {"action": "me", "criteria": "DOC-01"}, page="/dashboard")
            for action in ("accept-agreeing", "assignee")
        ]
        for response in responses:
            assert response.status_code == 403
            assert "Chỉ người thẩm định của câu lạc bộ được thẩm định" in response.text
    own = world.api.user(world.org_a, "reviewer")
    world.site.people["own"] = own
    colleague = world.site.browser("own")
    refused = colleague.post(f"{url}/assignee", {"action": "me", "expected": ""}, page="/review")
    assert refused.status_code == 403 and "Không được thẩm định sản phẩm của chính tổ chức mình" in refused.text
    assert colleague.post(f"{url}/accept-agreeing", {}, page="/review").status_code == 403
    assert decisions(world, submission.id) == {}
    with world.api.sessions() as session:
        assert session.get(Submission, submission.id).assignee_id is None
