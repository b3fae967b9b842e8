"""A failed probe run says why on its page, in the reader's language, and a cantTell finding says what was missing."""

from __future__ import annotations

from api.core.models import ProbeArtifact, ProbeRun, utcnow
from api.jobs.execute import _error_text
from tests.web.conftest import text_of

VERSION = "vcsc-2025.1"


def _failed_run(world, error: str, findings: list[dict] | None = None) -> int:
    submission = world.api.submission(world.product_a, "submitted", version=VERSION)
    with world.api.sessions.begin() as session:
        run = ProbeRun(
            submission_id=submission.id,
            product_id=submission.product_id,
            status="failed",
            manifest={"product_type": "filtering_app", "filtering": {"mode": "none"}},
            criteria_version=VERSION,
            probes_total=1,
            finished_at=utcnow(),
            error=error,
        )
        session.add(run)
        session.flush()
        if findings is not None:
            session.add(
                ProbeArtifact(run_id=run.id, probe_id="transport", artifact={}, measurement={}, findings=findings)
            )
        return run.id


def test_failed_run_shows_the_stored_reason_in_each_language(world):
    error = _error_text(TimeoutError("Chromium did not start within 30 s"))
    run_id = _failed_run(world, error)
    browser = world.site.browser("vendor_a")
    vi = text_of(browser.get(f"/dashboard/probe-runs/{run_id}").text)
    assert "Vì sao lần kiểm tra thất bại" in vi
    assert "Lần chạy thất bại: TimeoutError: Chromium did not start within 30 s" in vi
    en = text_of(browser.get(f"/dashboard/probe-runs/{run_id}?lang=en").text)
    assert "Why the run failed" in en and "The run failed: TimeoutError: Chromium did not start within 30 s" in en
    assert "Lần chạy" not in en


def test_a_bilingual_reason_shows_only_the_readers_half(world):
    run_id = _failed_run(
        world,
        "Lần chạy thất bại / The run failed: ManifestError: /start_url: thiếu trang bắt đầu "
        "/ the start page is missing",
    )
    browser = world.site.browser("vendor_a")
    vi = text_of(browser.get(f"/dashboard/probe-runs/{run_id}").text)
    assert "Lần chạy thất bại: ManifestError: /start_url: thiếu trang bắt đầu" in vi and "the start page" not in vi
    en = text_of(browser.get(f"/dashboard/probe-runs/{run_id}?lang=en").text)
    assert "The run failed: the start page is missing" in en and "thiếu trang" not in en


def test_cant_tell_findings_list_their_reasons(world):
    run_id = _failed_run(
        world,
        "Bộ chạy dừng giữa chừng 3 lần; đã ngừng thử / The worker died 3 times during this run; gave up",
        [
            {
                "criterion_id": "TR-01",
                "outcome": "cantTell",
                "explanation": {"vi": "Không tải được trang.", "en": "The page did not load."},
                "failures": ["https_only: chưa đo được / not measured"],
            }
        ],
    )
    browser = world.site.browser("vendor_a")
    vi = text_of(browser.get(f"/dashboard/probe-runs/{run_id}").text)
    assert "Bộ chạy dừng giữa chừng 3 lần; đã ngừng thử" in vi
    assert "Chưa kết luận được vì:" in vi and "https_only: chưa đo được" in vi and "not measured" not in vi
    en = text_of(browser.get(f"/dashboard/probe-runs/{run_id}?lang=en").text)
    assert "Could not tell because:" in en and "https_only: not measured" in en
