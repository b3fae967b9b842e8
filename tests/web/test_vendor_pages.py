"""Vendor pages: products, the self-assessment form step by step, submission, probe runs, the report,
and that a vendor never reaches another organisation's data."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from api.cli.demo import sample_answers
from api.core.models import AuditEvent, ProbeRun, Product, Submission
from tests.web.conftest import probe_runs_for, text_of

VERSION = "vcsc-2025.1"


def field_block(html: str, input_id: str) -> str:
    """The form group (div or fieldset) holding the input with this id, with its label and messages."""
    at = html.index(f'id="{input_id}"')
    start = max(html.rfind('<div class="field', 0, at), html.rfind('<fieldset class="', 0, at))
    return html[start : at + 400]


def draft_of(world, product=None) -> Submission:
    with world.api.sessions() as session:
        return session.scalar(
            sa.select(Submission).where(
                Submission.product_id == (product or world.product_a).id, Submission.status == "draft"
            )
        )


def start_draft(world, browser) -> str:
    response = browser.post(
        f"/dashboard/products/{world.product_a.id}/submissions",
        {"criteria_version": VERSION},
        page=f"/dashboard/products/{world.product_a.id}",
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_dashboard_lists_own_products_only(world):
    page = world.site.browser("vendor_a").get("/dashboard")
    assert page.status_code == 200
    assert "Bảo vệ trẻ em A" in page.text and "Lá chắn gia đình B" not in page.text
    assert "Công ty A" in page.text


def test_add_product_shows_errors_by_field_then_creates_it(world):
    browser = world.site.browser("vendor_a")
    bad = browser.post(
        "/dashboard/products",
        [("name", " "), ("product_type", "kid_browser"), ("url", "ftp://x")],
        page="/dashboard/products/new",
    )
    assert bad.status_code == 422
    assert "Không được để trống" in field_block(bad.text, "f-name")  # the API validator's own words
    assert "http:// hoặc https://" in field_block(bad.text, "f-url")
    assert "Hãy chọn ít nhất một mục." in field_block(bad.text, "f-platforms")
    assert 'value="ftp://x"' in bad.text  # what was typed comes back
    with world.api.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Product)) == 2

    good = browser.post(
        "/dashboard/products",
        [
            ("name", "Trình duyệt Bé Ngoan"),
            ("product_type", "kid_browser"),
            ("url", "https://be-ngoan.example.vn"),
            ("platforms", "android"),
            ("platforms", "ios"),
        ],
        page="/dashboard/products/new",
    )
    assert good.status_code == 303
    with world.api.sessions() as session:
        product = session.scalar(sa.select(Product).where(Product.name == "Trình duyệt Bé Ngoan"))
        assert product.organisation_id == world.org_a.id and product.platforms == ["android", "ios"]
        event = session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "product.created", AuditEvent.object_id == str(product.id))
        )
        assert event is not None and event.actor_user_id == world.site.people["vendor_a"].id
    assert good.headers["location"] == f"/dashboard/products/{product.id}?done=product_created"
    assert "Đã thêm sản phẩm." in browser.get(good.headers["location"]).text


def test_step_error_is_shown_next_to_its_field_then_fixed(world):
    browser = world.site.browser("vendor_a")
    first_step = start_draft(world, browser)
    assert first_step.endswith("/steps/documentation")
    draft = draft_of(world)
    step = f"/dashboard/submissions/{draft.id}/steps/features"
    form = browser.get(step)
    assert form.status_code == 200
    # The form is made from the criteria: CF-01's two parts, with their labels and the allowed range.
    assert 'id="f-a-CF-01-v-block_rate"' in form.text and 'id="f-a-CF-01-v-corpus_size"' in form.text
    assert "Tỷ lệ trang người lớn bị chặn" in form.text  # the question of CF-01
    assert "Giá trị cho phép: 0–1" in field_block(form.text, "f-a-CF-01-v-block_rate")

    bad = browser.post(
        step,
        {
            "a.CF-01.v.block_rate": "1,5",
            "a.CF-01.v.corpus_size": "600",
            "a.CF-01.ev_doc": "Báo cáo kiểm thử 2025",
            "go": "next",
        },
    )
    assert bad.status_code == 422
    block = field_block(bad.text, "f-a-CF-01-v-block_rate")
    assert "Phải nhỏ hơn hoặc bằng 1." in block
    assert re.search(r'id="f-a-CF-01-v-block_rate"[^>]*aria-describedby="[^"]*f-a-CF-01-v-block_rate-err1"', bad.text)
    assert 'aria-invalid="true"' in bad.text
    assert 'href="#f-a-CF-01-v-block_rate"' in bad.text  # the error summary links to the field
    assert 'value="1,5"' in bad.text and "Báo cáo kiểm thử 2025" in bad.text  # nothing typed is lost
    assert "Phải nhỏ hơn hoặc bằng 1." not in field_block(bad.text, "f-a-CF-01-v-corpus_size")
    assert draft_of(world).answers.get("CF-01") is None  # nothing saved

    fixed = browser.post(
        step,
        {
            "a.CF-01.v.block_rate": "0,97",
            "a.CF-01.v.corpus_size": "600",
            "a.CF-01.ev_doc": "Báo cáo kiểm thử 2025",
            "go": "next",
        },
    )
    assert fixed.status_code == 303
    assert fixed.headers["location"] == f"/dashboard/submissions/{draft.id}/steps/compliance?done=saved"
    assert draft_of(world).answers["CF-01"] == {
        "value": {"block_rate": 0.97, "corpus_size": 600},
        "evidence": [{"kind": "document", "title": "Báo cáo kiểm thử 2025"}],
    }
    with world.api.sessions() as session:
        assert session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "submission.answers_merged", AuditEvent.object_id == str(draft.id)
            )
        )
    again = browser.get(step).text  # the stored answer is shown back in the form
    assert 'value="0,97"' in again and 'value="600"' in again  # the Vietnamese decimal comma


def test_missing_part_and_na_without_justification(world):
    browser = world.site.browser("vendor_a")
    start_draft(world, browser)
    draft = draft_of(world)
    step = f"/dashboard/submissions/{draft.id}/steps/features"
    page = browser.get(step).text
    assert 'name="a.PC-08.na"' in page  # PC-08 allows N/A
    assert 'name="a.CF-01.na"' not in page  # CF-01 does not
    bad = browser.post(step, {"a.PC-08.na": "1", "a.PC-08.just": "", "a.PC-03.v.daily_limit": "yes", "go": "stay"})
    assert bad.status_code == 422
    assert "Hãy trả lời mục này." in field_block(bad.text, "f-a-PC-08-just")
    # PC-03 answered in part: the missing part is named at its own input.
    assert "Hãy trả lời mục này." in field_block(bad.text, "f-a-PC-03-v-schedule")
    assert "Hãy trả lời mục này." not in field_block(bad.text, "f-a-PC-03-v-daily_limit")
    assert draft_of(world).answers == {}

    ok = browser.post(
        step, {"a.PC-08.na": "1", "a.PC-08.just": "Sản phẩm chỉ lọc web, không quản lý ứng dụng.", "go": "stay"}
    )
    assert ok.status_code == 303
    assert draft_of(world).answers["PC-08"] == {
        "not_applicable": True,
        "justification": "Sản phẩm chỉ lọc web, không quản lý ứng dụng.",
    }
    assert 'name="a.PC-08.na" value="1" checked' in browser.get(step).text


def test_multiple_choice_and_clearing_an_answer(world):
    browser = world.site.browser("vendor_a")
    start_draft(world, browser)
    draft = draft_of(world)
    step = f"/dashboard/submissions/{draft.id}/steps/features"
    saved = browser.post(step, [("a.CF-07.v", "google"), ("a.CF-07.v", "coccoc"), ("go", "stay")])
    assert saved.status_code == 303
    assert draft_of(world).answers["CF-07"] == {"value": ["google", "coccoc"]}
    none = browser.post(step, [("a.CF-07.v", "__none__"), ("go", "stay")])
    assert none.status_code == 303 and draft_of(world).answers["CF-07"] == {"value": []}
    both = browser.post(step, [("a.CF-07.v", "__none__"), ("a.CF-07.v", "bing"), ("go", "stay")])
    assert both.status_code == 422
    assert "Không mục nào" in field_block(both.text, "f-a-CF-07-v")
    cleared = browser.post(step, {"go": "stay"})  # every input empty: the answers of the step are removed
    assert cleared.status_code == 303 and "CF-07" not in draft_of(world).answers


def test_submit_lists_missing_answers_then_submits(world):
    browser = world.site.browser("vendor_a")
    start_draft(world, browser)
    draft = draft_of(world)
    overview = f"/dashboard/submissions/{draft.id}"
    refused = browser.post(f"{overview}/submit", page=overview)
    assert refused.status_code == 422
    assert f'href="/dashboard/submissions/{draft.id}/steps/features#c-CF-01"' in refused.text
    assert draft_of(world).status == "draft"

    with world.api.sessions.begin() as session:
        session.get(Submission, draft.id).answers = sample_answers(VERSION, "filtering_app")
    done = browser.post(f"{overview}/submit", page=overview)
    assert done.status_code == 303 and done.headers["location"] == f"{overview}?done=submitted"
    with world.api.sessions() as session:
        submitted = session.get(Submission, draft.id)
        assert submitted.status == "submitted" and submitted.level == "advanced"
    page = browser.get(done.headers["location"]).text
    assert "Đã nộp bản tự đánh giá." in page and "Mức đạt được: Nâng cao" in page
    assert '<svg class="chart"' in page
    step = browser.get(f"{overview}/steps/features").text
    assert "<fieldset class=\"plain\" disabled>" in step and "Lưu bản nháp" not in step
    report = browser.get(f"{overview}/report?lang=en")
    assert report.status_code == 200 and '<html lang="en">' in report.text
    assert "Conformance report" in report.text


def test_probe_run_from_pasted_manifest(world):
    browser = world.site.browser("vendor_a")
    submission = world.api.submission(world.product_a, "submitted", version=VERSION)
    new = f"/dashboard/submissions/{submission.id}/probe-runs/new"
    start = f"/dashboard/submissions/{submission.id}/probe-runs"
    broken = browser.post(start, {"manifest": '{"product_type": '}, page=new)
    assert broken.status_code == 422 and "JSON không hợp lệ ở dòng 1" in broken.text
    wrong = browser.post(start, {"manifest": json.dumps({"product_type": "kid_browser"})}, page=new)
    assert wrong.status_code == 422
    assert "/manifest/product_type" in text_of(wrong.text) or "/manifest" in text_of(wrong.text)
    with world.api.sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(ProbeRun)) == 0

    manifest = {
        "product_type": "filtering_app",
        "start_url": "https://san-pham.example.vn",
        "filtering": {"mode": "none"},
    }
    started = browser.post(
        start,
        [("manifest", ""), ("only", "transport")],
        page=new,
        files={"manifest_file": ("m.json", json.dumps(manifest).encode(), "application/json")},
    )
    assert started.status_code == 303, started.text
    run_page = browser.get(started.headers["location"])
    assert run_page.status_code == 200
    assert '<meta http-equiv="refresh"' in run_page.text and "Đang chờ" in run_page.text
    run_id = started.headers["location"].rsplit("/", 1)[1]
    progress = browser.get(f"/dashboard/probe-runs/{run_id}/progress").json()
    assert progress["status"] == "queued" and progress["active"] is True and progress["probes_total"] == 1
    with world.api.sessions() as session:
        run = session.get(ProbeRun, int(run_id))
        assert run.only == ["transport"] and run.requested_by_id == world.site.people["vendor_a"].id


def test_finished_run_shows_block_rates_and_findings(world):
    submission = world.api.submission(world.product_a, "submitted", version=VERSION)
    queued, done = probe_runs_for(world.api, submission)
    browser = world.site.browser("vendor_a")
    page = browser.get(f"/dashboard/probe-runs/{done}")
    assert page.status_code == 200 and '<meta http-equiv="refresh"' not in page.text
    text = text_of(page.text)
    assert "Đã xong" in text and "Tỷ lệ chặn theo danh mục" in text
    assert "Người lớn — 97%" in text and "Cờ bạc — 50%" in text  # the chart's labels, Babel percentages
    assert "CF-01 — Đạt: Chặn 97% trang người lớn." in text
    assert f'href="/dashboard/submissions/{submission.id}/report"' in page.text
    assert "97% of adult pages blocked." in browser.get(f"/dashboard/probe-runs/{done}?lang=en").text


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/products/{product}",
        "/dashboard/submissions/{submission}",
        "/dashboard/submissions/{submission}/steps/features",
        "/dashboard/submissions/{submission}/report",
        "/dashboard/submissions/{submission}/probe-runs/new",
        "/dashboard/probe-runs/{run}",
        "/dashboard/probe-runs/{run}/progress",
    ],
)
def test_vendor_b_cannot_see_vendor_a(world, path):
    api = world.api
    submission = api.submission(world.product_a)
    with api.sessions.begin() as session:
        run = ProbeRun(
            submission_id=submission.id,
            product_id=world.product_a.id,
            status="queued",
            manifest={"product_type": "filtering_app", "filtering": {"mode": "none"}},
            criteria_version=submission.criteria_version,
        )
        session.add(run)
        session.flush()
        run_id = run.id
    url = path.format(product=world.product_a.id, submission=submission.id, run=run_id)
    assert world.site.browser("vendor_a").get(url).status_code == 200
    response = world.site.browser("vendor_b").get(url)
    assert response.status_code == 404
    assert "Bảo vệ trẻ em A" not in response.text


def test_vendor_b_cannot_write_to_vendor_a(world):
    api = world.api
    submission = api.submission(world.product_a, answers={})
    browser = world.site.browser("vendor_b")
    own = f"/dashboard/products/{world.product_b.id}"  # any page of B's gives B's CSRF token
    response = browser.post(
        f"/dashboard/submissions/{submission.id}/steps/features", {"a.PC-01.v": "yes", "go": "stay"}, page=own
    )
    assert response.status_code == 404
    assert (
        browser.post(
            f"/dashboard/products/{world.product_a.id}/submissions", {"criteria_version": VERSION}, page=own
        ).status_code
        == 404
    )
    assert browser.post(f"/dashboard/submissions/{submission.id}/submit", page=own).status_code == 404
    with api.sessions() as session:
        assert session.get(Submission, submission.id).answers == {}


def test_reviewer_reads_but_cannot_write(world):
    submission = world.api.submission(world.product_a, answers={})
    browser = world.site.browser("reviewer")
    page = browser.get(f"/dashboard/submissions/{submission.id}/steps/features")
    assert page.status_code == 200 and "Lưu bản nháp" not in page.text
    refused = browser.post(
        f"/dashboard/submissions/{submission.id}/steps/features", {"a.PC-01.v": "yes"}, page="/dashboard"
    )
    assert refused.status_code == 403
    with world.api.sessions() as session:
        assert session.get(Submission, submission.id).answers == {}
