"""The review page in Chromium at 1280 px and 375 px on the demo data: the decision bar stays in view while the
page scrolls, an accepted discrepancy brings the reviewer back to it, the agreeing criteria are accepted in one go,
approval goes through the confirmation page, and axe finds nothing serious on any of them."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from api.cli.demo import IN_QUEUE
from api.core.models import ProbeArtifact, ProbeRun, Product, Submission, User, utcnow
from api.domain import reporting, review
from tests.web.axe import violations
from tests.web.test_browser import REVIEWER, _sign_in, browser, people, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


def _in_review_with_a_discrepancy(app) -> tuple[int, str]:
    """The demo's queued submission taken by the demo reviewer, with a finished probe run failing one criterion
    the vendor claims to meet."""
    with app.state.sessions.begin() as session:
        submission = session.scalar(sa.select(Submission).join(Product).where(Product.name == IN_QUEUE))
        reviewer = session.scalar(sa.select(User).where(User.email == REVIEWER[0]))
        review.take(session, reviewer, submission)
        found = reporting.verdict_of(session, submission)
        criterion = next(c.criterion_id for c in found.criteria if c.claimed == "passed" and c.applies)
        run = ProbeRun(
            submission_id=submission.id,
            product_id=submission.product_id,
            status="done",
            purpose="assessment",
            manifest={"product_type": submission.product.product_type, "filtering": {"mode": "none"}},
            criteria_version=submission.criteria_version,
            probes_total=1,
            probes_done=1,
            finished_at=utcnow(),
        )
        session.add(run)
        session.flush()
        session.add(
            ProbeArtifact(
                run_id=run.id,
                probe_id="transport",
                artifact={},
                measurement=None,
                findings=[
                    {
                        "probe_id": "transport",
                        "criterion_id": criterion,
                        "outcome": "failed",
                        "confidence": 1.0,
                        "explanation": {
                            "vi": "Trang đăng nhập không dùng HTTPS.",
                            "en": "The sign-in page does not use HTTPS.",
                        },
                        "failures": [],
                        "evidence": {},
                    }
                ],
                created_at=utcnow(),
                evaluated_at=utcnow(),
            )
        )
        return submission.id, criterion


def _bar_in_view(page) -> bool:
    return page.evaluate("""() => { const r = document.querySelector('.decision-bar').getBoundingClientRect();
                                    return r.top >= 0 && r.bottom <= window.innerHeight + 1 && r.height > 0; }""")


def test_the_review_page_at_desktop_and_phone_width(server, people):  # noqa: F811 (the imported fixtures)
    app, base = server
    submission_id, criterion = _in_review_with_a_discrepancy(app)
    url = f"{base}/review/submissions/{submission_id}"
    page = people("reviewer")
    _sign_in(page, base, *REVIEWER)
    found = {}
    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 800})
        for lang in ("vi", "en"):
            page.goto(f"{url}?lang={lang}")
            bad = violations(page)
            if bad:
                found[f"{lang} {width}px"] = bad
            if width == 375:
                assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
            assert _bar_in_view(page), f"decision bar not in view at the top ({width}px)"
            for fraction in (0.3, 0.6):
                page.evaluate("f => window.scrollTo(0, document.documentElement.scrollHeight * f)", fraction)
                assert _bar_in_view(page), f"decision bar not in view after scrolling ({width}px, {fraction})"
        for lang in ("vi", "en"):  # the queue, with its waiting times and "assign to me" buttons
            page.goto(f"{base}/review?lang={lang}")
            expect(page.locator("tbody tr").first).to_contain_text("phút" if lang == "vi" else "minute")  # waited
            bad = violations(page)
            if bad:
                found[f"queue {lang} {width}px"] = bad
            if width == 375:
                assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert found == {}, json.dumps(found, indent=1, ensure_ascii=False)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{url}?lang=vi")
    # Accepting the discrepancy comes back to it, in view.
    page.locator(f"#c-{criterion}").get_by_role("button", name="Chấp nhận kết quả").click()
    expect(page).to_have_url(f"{url}?done=decided#c-{criterion}")
    expect(page.locator(f"#c-{criterion}-title")).to_be_in_viewport()
    expect(page.locator(f"#c-{criterion}")).to_contain_text("Chấp nhận: Không đạt")
    # The agreeing criteria: folded away, accepted in one go.
    expect(page.locator("#agreeing-list")).not_to_have_attribute("open", "")
    page.get_by_role("button", name="Chấp nhận tất cả").click()
    expect(page.get_by_role("status").first).to_have_text("Đã chấp nhận các tiêu chí khớp.")
    expect(page.locator("#agreeing")).to_contain_text("Mọi tiêu chí khớp đều đã có quyết định.")
    # Rejecting asks first; going back decides nothing. (One failed criterion may leave no level to approve.)
    page.locator(".decision-bar").get_by_role("button", name="Từ chối").click()
    expect(page.locator("h1")).to_have_text("Xác nhận từ chối")
    assert violations(page) == []
    page.set_viewport_size({"width": 375, "height": 800})
    assert violations(page) == []
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.get_by_role("link", name="Quay lại trang thẩm định, chưa quyết định").click()
    expect(page.locator(".decision-bar")).to_be_visible()
    with app.state.sessions() as session:
        assert session.get(Submission, submission_id).status == "in_review"
