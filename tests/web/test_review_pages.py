"""Reviewer pages: the queue, a submission's review (discrepancies first, evidence, decisions per criterion,
the decision), refusals of the domain on the page, and who may reach them; the vendor's side: comments next to
the criteria, answering, the next revision, withdrawal; the audit trail."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from api.core.models import AuditEvent, Certificate, ProbeRun, ReviewComment, ReviewDecision, Submission, utcnow
from tests.web.conftest import PNG, REVIEW_VERSION, SHOT, in_review, text_of


def status_of(world, submission_id: int) -> str:
    with world.api.sessions() as session:
        return session.get(Submission, submission_id).status


def actions_of(world, submission_id: int) -> list[str]:
    with world.api.sessions() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.object_type == "submission", AuditEvent.object_id == str(submission_id))
                .order_by(AuditEvent.id)
            )
        )


def test_queue_oldest_first_with_filters(world):
    api = world.api
    dns = api.product(world.org_b, "Gia Đình DNS", product_type="dns_proxy_filter")
    older = api.submission(world.product_b, "submitted", version=REVIEW_VERSION)
    newer = api.submission(world.product_a, "submitted", version=REVIEW_VERSION)
    other_type = api.submission(dns, "submitted", version=REVIEW_VERSION)
    with api.sessions.begin() as session:  # submitted one after another, a day apart
        for days, s in ((3, older), (2, newer), (1, other_type)):
            session.get(Submission, s.id).submitted_at = utcnow() - timedelta(days=days)
    reviewer = world.site.browser("reviewer")
    page = reviewer.get("/review")
    assert page.status_code == 200
    links = re.findall(r'href="/review/submissions/(\d+)"', page.text)
    assert links == [str(older.id), str(newer.id), str(other_type.id)]
    assert "Có 3 bản tự đánh giá." in text_of(page.text)
    by_type = reviewer.get("/review", params={"type": "dns_proxy_filter", "status": ""})
    assert re.findall(r'href="/review/submissions/(\d+)"', by_type.text) == [str(other_type.id)]
    assert reviewer.get("/review", params={"status": "in_review"}).text.count('href="/review/submissions/') == 0
    assert reviewer.get("/review", params={"status": "nonsense"}).status_code == 400


def test_vendors_cannot_reach_reviewer_pages(world):
    submission = world.api.submission(world.product_a, "submitted", version=REVIEW_VERSION)
    vendor = world.site.browser("vendor_a")
    url = f"/review/submissions/{submission.id}"
    responses = [vendor.get("/review"), vendor.get(url)]
    responses += [
        vendor.post(f"{url}/{action}", {"decision": "approve", "body": "x"}, page="/dashboard")
        for action in ("take", "decision", "criteria/CF-01", "probe-runs", "comments")
    ]
    for response in responses:
        assert response.status_code == 403
        assert "Chỉ người thẩm định của câu lạc bộ được thẩm định" in response.text
    assert status_of(world, submission.id) == "submitted"


def test_a_reviewer_cannot_review_their_own_organisation(world):
    own = world.api.product(world.club, "Sản phẩm của câu lạc bộ")
    submission = world.api.submission(own, "submitted", version=REVIEW_VERSION)
    reviewer = world.site.browser("reviewer")
    assert f'/review/submissions/{submission.id}"' not in reviewer.get("/review").text  # not in the queue
    page = reviewer.get(f"/review/submissions/{submission.id}")
    assert page.status_code == 403 and "Không được thẩm định sản phẩm của chính tổ chức mình" in page.text
    took = reviewer.post(f"/review/submissions/{submission.id}/take", page="/review")
    assert took.status_code == 403 and status_of(world, submission.id) == "submitted"


def test_take_then_taking_again_shows_the_allowed_actions(world):
    submission = world.api.submission(world.product_a, "submitted", version=REVIEW_VERSION)
    reviewer = world.site.browser("reviewer")
    url = f"/review/submissions/{submission.id}"
    assert "Nhận thẩm định bản này" in reviewer.get(url).text
    took = reviewer.post(f"{url}/take", page=url)
    assert took.status_code == 303 and took.headers["location"] == f"{url}?done=taken"
    assert "Bạn đã nhận thẩm định bản này." in reviewer.get(took.headers["location"]).text
    assert status_of(world, submission.id) == "in_review"
    again = reviewer.post(f"{url}/take", page="/review")
    assert again.status_code == 409
    text = text_of(again.text)
    assert "Không thể 'take' khi bản tự đánh giá ở trạng thái “Đang thẩm định”" in text
    assert "Lúc này có thể: Quyết định theo tiêu chí (chuyển sang “Đang thẩm định”); Phê duyệt" in text
    assert "Rút (chuyển sang “Đã rút”)" in text
    assert actions_of(world, submission.id).count("submission.taken") == 1


def test_review_page_puts_discrepancies_first_with_their_evidence(world):
    submission = in_review(world)
    reviewer = world.site.browser("reviewer")
    page = reviewer.get(f"/review/submissions/{submission.id}")
    assert page.status_code == 200
    html = page.text
    discrepancies = html.index('id="disc-title"')
    assert discrepancies < html.index('id="c-CF-01"') < html.index('id="agreeing-title"') < html.index('id="c-DOC-01"')
    # The agreeing criteria are folded away (a closed <details>), and CF-01 is shown once, as a discrepancy.
    assert html.index('<details id="agreeing-list">') < html.index('id="c-DOC-01"')
    assert html.count('id="c-CF-01"') == 1
    block = html[html.index('id="c-CF-01"') : html.index("</article>", html.index('id="c-CF-01"'))]
    text = text_of(block)
    assert "Nhà cung cấp khai báo đạt nhưng kiểm tra tự động cho kết quả không đạt." in text
    assert "Chỉ chặn 50% trang người lớn." in text  # the finding
    assert "https://nguoi-lon.example/p1" in text and 'href="https://nguoi-lon.example' not in block  # printed
    run_id = re.search(r'/dashboard/probe-runs/(\d+)/files/', block).group(1)
    assert f'<img src="/dashboard/probe-runs/{run_id}/files/{SHOT}"' in block
    assert "Tỷ lệ trang bị chặn (0–1): " in text  # the vendor's answer, labelled

    # The screenshot, through the cookie session, with the API's access rules.
    shot = reviewer.get(f"/dashboard/probe-runs/{run_id}/files/{SHOT}")
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/png" and shot.content == PNG
    assert world.site.browser("vendor_a").get(f"/dashboard/probe-runs/{run_id}/files/{SHOT}").status_code == 200
    assert world.site.browser("vendor_b").get(f"/dashboard/probe-runs/{run_id}/files/{SHOT}").status_code == 404
    outside = reviewer.get(f"/dashboard/probe-runs/{run_id}/files/..%2F..%2Fkeys%2Fweb-csrf.key")
    assert outside.status_code == 404


def test_decisions_per_criterion_and_approval_needs_them(world):
    submission = in_review(world)
    reviewer = world.site.browser("reviewer")
    url = f"/review/submissions/{submission.id}"
    refused = reviewer.post(f"{url}/decision", {"decision": "approve"}, page=url)  # refused before confirming
    assert refused.status_code == 409
    assert "Còn sai khác chưa có quyết định của người thẩm định: CF-01" in text_of(refused.text)

    no_reason = reviewer.post(
        f"{url}/criteria/CF-01", {"decision": "override", "outcome": "passed", "comment": " "}, page=url
    )
    assert no_reason.status_code == 422
    block = no_reason.text[no_reason.text.index('id="d-CF-01-override"') :]
    assert "Cần nêu lý do khi thay đổi kết quả" in block[: block.index("</details>")]
    assert '<details id="d-CF-01-override" open>' in no_reason.text
    assert '<option value="passed" selected>' in no_reason.text  # what was chosen comes back
    assert 'href="#d-CF-01-comment"' in no_reason.text  # the summary links to the field

    done = reviewer.post(
        f"{url}/criteria/CF-01",
        {"decision": "override", "outcome": "passed", "comment": "Bộ thử của nhà cung cấp lớn hơn"},
        page=url,
    )
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=decided#c-CF-01"
    accepted = reviewer.post(f"{url}/criteria/DOC-01", {"decision": "accept"}, page=url)
    assert accepted.status_code == 303
    with world.api.sessions() as session:
        decisions = {
            d.criterion_id: (d.decision, d.outcome, d.comment) for d in session.scalars(sa.select(ReviewDecision))
        }
    assert decisions == {
        "CF-01": ("override", "passed", "Bộ thử của nhà cung cấp lớn hơn"),
        "DOC-01": ("accept", "passed", None),
    }
    page = text_of(reviewer.get(url).text)
    assert "Thay đổi kết quả: Đạt — “Bộ thử của nhà cung cấp lớn hơn”" in page
    vendor_view = text_of(world.site.browser("vendor_a").get(f"/dashboard/submissions/{submission.id}").text)
    assert "CF-01 Thay đổi kết quả Đạt Bộ thử của nhà cung cấp lớn hơn" in vendor_view  # the decisions table

    approved = reviewer.post(
        f"{url}/decision", {"decision": "approve", "comment": "Đạt sau khi xem xét", "confirmed": "yes"}, page=url
    )
    assert approved.status_code == 303 and approved.headers["location"] == f"{url}?done=approved"
    assert status_of(world, submission.id) == "approved"
    with world.api.sessions() as session:
        cert = session.scalar(sa.select(Certificate).where(Certificate.submission_id == submission.id))
    after = reviewer.get(approved.headers["location"]).text
    assert "Đã phê duyệt và cấp chứng nhận." in after and f'href="/dashboard/certificates/{cert.id}"' in after
    assert f'action="/review/submissions/{submission.id}/decision"' not in after  # nothing left to decide
    assert actions_of(world, submission.id)[-4:] == [
        "submission.criterion_decided",
        "submission.criterion_decided",
        "submission.approval_recorded",
        "submission.approved",
    ]


def test_two_reviewers_must_approve_when_the_club_says_so(world):
    world.site.app.state.settings.review_approvals_required = 2
    submission = in_review(world, discrepancy=False)
    url = f"/review/submissions/{submission.id}"
    reviewer, admin = world.site.browser("reviewer"), world.site.browser("admin")
    first = reviewer.post(f"{url}/decision", {"decision": "approve", "confirmed": "yes"}, page=url)
    assert first.status_code == 303 and first.headers["location"] == f"{url}?done=approval_recorded"
    page = text_of(reviewer.get(first.headers["location"]).text)
    assert "Đã ghi nhận phê duyệt của bạn; cần thêm người thẩm định khác phê duyệt." in page
    assert "Bạn đã phê duyệt bản này; đang chờ một người thẩm định khác." in page and "1/2 phê duyệt cần có" in page
    twice = reviewer.post(f"{url}/decision", {"decision": "approve"}, page=url)  # refused before confirming
    assert twice.status_code == 409 and "Bạn đã phê duyệt; cần một người thẩm định khác phê duyệt" in twice.text
    assert status_of(world, submission.id) == "in_review"
    assert admin.post(f"{url}/decision", {"decision": "approve", "confirmed": "yes"}, page=url).status_code == 303
    assert status_of(world, submission.id) == "approved"


def test_reject_needs_a_reason(world):
    submission = in_review(world, discrepancy=False)
    reviewer = world.site.browser("reviewer")
    url = f"/review/submissions/{submission.id}"
    refused = reviewer.post(f"{url}/decision", {"decision": "reject", "comment": "", "confirmed": "yes"}, page=url)
    assert refused.status_code == 422
    assert "Cần nêu lý do từ chối" in refused.text and 'aria-invalid="true"' in refused.text
    assert status_of(world, submission.id) == "in_review"
    done = reviewer.post(
        f"{url}/decision",
        {"decision": "reject", "comment": "Sản phẩm không lọc nội dung", "confirmed": "yes"},
        page=url,
    )
    assert done.status_code == 303 and status_of(world, submission.id) == "rejected"


def test_changes_requested_revised_resubmitted_and_approved(world):
    """The review round trip through the pages of both sides."""
    submission = in_review(world, discrepancy=False)
    reviewer, vendor = world.site.browser("reviewer"), world.site.browser("vendor_a")
    url = f"/review/submissions/{submission.id}"
    empty = reviewer.post(f"{url}/decision", {"decision": "request_changes", "comment": ""}, page=url)
    assert empty.status_code == 422 and "Hãy cho nhà cung cấp biết cần sửa gì" in empty.text
    asked = reviewer.post(
        f"{url}/decision",
        {
            "decision": "request_changes",
            "comment": "Cần thêm bằng chứng kiểm thử",
            "cc.CF-01": "Tải lên báo cáo bộ thử 600 trang",
            "cc.DOC-01": " ",
        },
        page=url,
    )
    assert asked.status_code == 303 and status_of(world, submission.id) == "changes_requested"
    with world.api.sessions() as session:
        comments = {(c.criterion_id, c.body) for c in session.scalars(sa.select(ReviewComment))}
    assert comments == {(None, "Cần thêm bằng chứng kiểm thử"), ("CF-01", "Tải lên báo cáo bộ thử 600 trang")}

    own = f"/dashboard/submissions/{submission.id}"
    page = vendor.get(own)
    text = text_of(page.text)
    assert "Người thẩm định yêu cầu sửa đổi." in text
    assert "Cần thêm bằng chứng kiểm thử" in text and "Tải lên báo cáo bộ thử 600 trang" in text
    assert f'href="/dashboard/submissions/{submission.id}/steps/features#c-CF-01">về tiêu chí CF-01</a>' in page.text
    answer = vendor.post(f"{own}/comments", {"body": "Chúng tôi sẽ gửi báo cáo", "criterion_id": "CF-01"}, page=own)
    assert answer.status_code == 303 and answer.headers["location"] == f"{own}?done=commented#conversation"
    assert "Chúng tôi sẽ gửi báo cáo" in vendor.get(own).text

    started = vendor.post(f"{own}/next-revision", page=own)
    assert started.status_code == 303
    with world.api.sessions() as session:
        draft = session.scalar(sa.select(Submission).where(Submission.previous_id == submission.id))
        assert draft.status == "draft" and draft.answers == session.get(Submission, submission.id).answers
    assert started.headers["location"] == f"/dashboard/submissions/{draft.id}/steps/documentation?done=revision_started"
    step = vendor.get(f"/dashboard/submissions/{draft.id}/steps/features").text
    cf01 = step[step.index('id="c-CF-01"') : step.index('id="c-CF-02"')]
    assert "Nhận xét của người thẩm định về tiêu chí này" in cf01 and "Tải lên báo cáo bộ thử 600 trang" in cf01
    again = vendor.get(own).text  # the old revision now links to the new one, and its criteria to the new form
    assert f'href="/dashboard/submissions/{draft.id}"' in again and "Bắt đầu lần sửa đổi tiếp theo" not in again
    assert f'href="/dashboard/submissions/{draft.id}/steps/features#c-CF-01"' in again

    assert (
        vendor.post(f"/dashboard/submissions/{draft.id}/submit", page=f"/dashboard/submissions/{draft.id}").status_code
        == 303
    )
    assert status_of(world, draft.id) == "resubmitted"
    queue = reviewer.get("/review").text
    assert f'href="/review/submissions/{draft.id}"' in queue
    second = f"/review/submissions/{draft.id}"
    assert reviewer.post(f"{second}/take", page=second).status_code == 303
    history = text_of(reviewer.get(second).text)
    assert "Cần thêm bằng chứng kiểm thử" in history and "Chúng tôi sẽ gửi báo cáo" in history  # the whole talk
    assert (
        reviewer.post(f"{second}/decision", {"decision": "approve", "confirmed": "yes"}, page=second).status_code == 303
    )
    assert status_of(world, draft.id) == "approved"
    assert "Đã được phê duyệt và cấp chứng nhận." in vendor.get(f"/dashboard/submissions/{draft.id}").text


def test_vendor_refusals_and_withdrawal(world):
    api = world.api
    draft = api.submission(world.product_a, answers={}, version=REVIEW_VERSION)
    vendor = world.site.browser("vendor_a")
    own = f"/dashboard/submissions/{draft.id}"
    on_draft = vendor.post(f"{own}/comments", {"body": "Xin hỏi"}, page=own)
    assert on_draft.status_code == 409
    assert "Chỉ bình luận được khi bản tự đánh giá đang được xem xét" in on_draft.text
    blank = vendor.post(f"{own}/comments", {"body": "  "}, page=own)
    assert blank.status_code == 422 and "Không được để trống" in blank.text
    assert vendor.post(f"{own}/withdraw", {"reason": "Sản phẩm ngừng phát triển"}, page=own).status_code == 303
    assert status_of(world, draft.id) == "withdrawn"
    again = vendor.post(f"{own}/withdraw", page="/dashboard")
    assert again.status_code == 409 and "Lúc này không thể làm gì thêm với mục này." in again.text
    # Another vendor reaches none of it; a reviewer cannot withdraw.
    other = api.submission(world.product_a, "submitted", version=REVIEW_VERSION)
    for path in (
        f"/dashboard/submissions/{other.id}/withdraw",
        f"/dashboard/submissions/{other.id}/comments",
        f"/dashboard/submissions/{other.id}/next-revision",
    ):
        assert world.site.browser("vendor_b").post(path, {"body": "x"}, page="/dashboard").status_code == 404
    assert (
        world.site.browser("reviewer")
        .post(f"/dashboard/submissions/{other.id}/withdraw", page="/dashboard")
        .status_code
        == 403
    )
    assert status_of(world, other.id) == "submitted"


def test_rerun_probes_from_the_review_page(world):
    submission = in_review(world)
    reviewer = world.site.browser("reviewer")
    url = f"/review/submissions/{submission.id}"
    started = reviewer.post(f"{url}/probe-runs", [("only", "transport")], page=url)
    assert started.status_code == 303
    run_id = int(started.headers["location"].rsplit("/", 1)[1])
    with world.api.sessions() as session:
        run = session.get(ProbeRun, run_id)
        assert (run.purpose, run.only, run.status) == ("review", ["transport"], "queued")
    page = reviewer.get(started.headers["location"]).text
    assert f'href="/review/submissions/{submission.id}">Về trang thẩm định</a>' in page
    busy = reviewer.post(f"{url}/probe-runs", page=url)
    assert busy.status_code == 409 and f"Bản tự đánh giá đang có lần kiểm tra #{run_id} chưa xong" in busy.text

    waiting = world.api.submission(world.product_b, "submitted", version=REVIEW_VERSION)
    not_yet = reviewer.post(f"/review/submissions/{waiting.id}/probe-runs", page="/review")
    assert not_yet.status_code == 409 and "Lúc này có thể: Nhận thẩm định" in text_of(not_yet.text)


def test_audit_trail_of_a_submission(world):
    submission = in_review(world, discrepancy=False)
    reviewer = world.site.browser("reviewer")
    url = f"/review/submissions/{submission.id}"
    reviewer.post(f"{url}/decision", {"decision": "request_changes", "comment": "Thiếu chính sách riêng tư"}, page=url)
    page = world.site.browser("vendor_a").get(f"/dashboard/submissions/{submission.id}/audit")
    assert page.status_code == 200
    text = text_of(page.text)
    assert text.index("Nhận thẩm định") < text.index("Yêu cầu sửa đổi")
    assert "in_review" in text and "changes_requested" in text and "Thiếu chính sách riêng tư" in text
    assert world.site.browser("vendor_b").get(f"/dashboard/submissions/{submission.id}/audit").status_code == 404
    english = world.site.browser("reviewer").get(f"/dashboard/submissions/{submission.id}/audit?lang=en").text
    assert "Taken for review" in english and "Changes requested" in english
