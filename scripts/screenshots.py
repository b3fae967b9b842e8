"""Screenshots of the main pages for the README.

The service runs on a temporary SQLite database seeded with the demo data (`vcsc demo`), served by uvicorn on a
free port with its in-process job worker; the SafeKid demo product runs beside it so that the submission in the
review queue has real probe findings. Debian's Chromium (never a downloaded browser) opens the pages through
Playwright, signed in as the person each page is for, and each page is saved as a 1280×800 PNG.

    scripts/screenshots [--out docs/screenshots] [--probes transport,block_page]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from api.app import create_app  # noqa: E402
from api.cli import demo  # noqa: E402
from api.core.db import upgrade  # noqa: E402
from api.core.models import PROBE_RUN_ACTIVE, Certificate, ProbeRun, Product, Submission, User  # noqa: E402
from api.core.settings import Settings  # noqa: E402
from api.domain import probe_runs, review  # noqa: E402
from api.domain.sealing import load_or_create_box  # noqa: E402
from checker.probes.runner import CHROMIUM_ARGS  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

UNASSESSED = "SafeKid Bảng điều khiển Phụ huynh"  # a demo product without a self-assessment yet
CHROMIUM = Settings().chromium
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
PEOPLE = {
    "vendor": ("an@safekid.example", "demo-safekid-2025"),
    "vendor2": ("binh@giadinhso.example", "demo-giadinh-2025"),
    "reviewer": ("reviewer@vcsc.example", "demo-reviewer-2025"),
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(folder: Path):
    """The app with the demo data and a job worker, on a free port; yields (app, base URL)."""
    import uvicorn

    url = f"sqlite:///{folder / 'demo.db'}"
    upgrade(url)
    port = _free_port()
    settings = Settings(
        database_url=url,
        keys_dir=folder / "keys",
        artifacts_dir=folder / "artifacts",
        public_url=f"http://127.0.0.1:{port}",
        job_poll_seconds=0.2,
        job_heartbeat_seconds=0.5,
        # The demo product listens on loopback with a self-signed certificate (as in tests/jobs).
        probe_allow_networks="127.0.0.0/8",
        probe_ignore_tls_errors=True,
    )
    app = create_app(settings)
    with app.state.sessions.begin() as session:
        demo.seed(session, settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise SystemExit("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield app, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


def probe_queued_submission(app, probes: list[str]) -> int:
    """Run `probes` against the SafeKid demo product for the submission waiting in the queue (as its vendor
    would), then have the demo reviewer take it; returns its id."""
    import demo_products

    with app.state.sessions.begin() as session:
        product = session.scalar(sa.select(Product).where(Product.name == demo.IN_QUEUE))
        submission = session.scalar(
            sa.select(Submission)
            .where(Submission.product_id == product.id)
            .order_by(Submission.revision.desc())
            .limit(1)
        )
        submission_id = submission.id
    if probes:
        with demo_products.start_safekid() as safekid:
            with app.state.sessions() as session:
                submission = session.get(Submission, submission_id)
                vendor = session.scalar(sa.select(User).where(User.email == PEOPLE["vendor"][0]))
                run = probe_runs.start_run(
                    session,
                    app.state.jobs,
                    submission,
                    vendor,
                    safekid.manifest(),
                    probes,
                    box=load_or_create_box(app.state.settings.keys_dir),
                )
                run_id = run.id
            deadline = time.monotonic() + 180
            while True:
                with app.state.sessions() as session:
                    status = session.get(ProbeRun, run_id).status
                if status not in PROBE_RUN_ACTIVE:
                    print(f"probe run {run_id}: {status}")
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"probe run {run_id} did not finish")
                time.sleep(0.5)
    with app.state.sessions.begin() as session:
        submission = session.get(Submission, submission_id)
        reviewer = session.scalar(sa.select(User).where(User.email == PEOPLE["reviewer"][0]))
        if submission.status in review.IN_QUEUE:
            review.take(session, reviewer, submission)
    return submission_id


def sign_in(page, base: str, person: str) -> None:
    email, password = PEOPLE[person]
    page.goto(base + "/sign-in")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("form[action='/sign-in'] button[type=submit]")
    page.wait_for_url(base + "/dashboard")


def shoot(page, out: Path, name: str) -> None:
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path} ({path.stat().st_size // 1024} KiB)")


def take_screenshots(app, base: str, out: Path, submission_id: int) -> None:
    from playwright.sync_api import sync_playwright

    with app.state.sessions() as session:
        certified = session.scalar(sa.select(Product).where(Product.name == demo.CERTIFIED[0]))
        cert = session.scalar(sa.select(Certificate).where(Certificate.product_id == certified.id))
        changes = session.scalar(sa.select(Product).where(Product.name == demo.CHANGES_REQUESTED))
        changed = session.scalar(
            sa.select(Submission)
            .where(Submission.product_id == changes.id)
            .order_by(Submission.revision.desc())
            .limit(1)
        )
        product_id, cert_id, credential, changed_id = certified.id, cert.id, cert.credential_jws, changed.id

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, chromium_sandbox=os.geteuid() != 0
        )  # no sandbox as root only

        def new_page(person: str | None = None):
            context = browser.new_context(viewport=VIEWPORT, locale="vi-VN")
            context.set_default_timeout(15_000)
            page = context.new_page()
            if person:
                sign_in(page, base, person)
            return page

        public = new_page()
        public.goto(base + "/?q=bao+ve+tre+em")
        shoot(public, out, "01-home-search")
        public.goto(f"{base}/products/{product_id}")
        shoot(public, out, "02-product")
        public.goto(f"{base}/products/{product_id}?lang=en")
        shoot(public, out, "02-product-en")
        public.goto(base + "/criteria/vcsc-2025.1")
        shoot(public, out, "03-criteria")
        public.goto(base + "/certificates")
        public.fill("#credential", credential)
        public.click("form[action='/certificates/verify'] button[type=submit]")
        public.wait_for_selector("#result-title")
        shoot(public, out, "09-verify-certificate")
        public.goto(base + "/certificates?lang=en")
        public.fill("#credential", credential)
        public.click("form[action='/certificates/verify'] button[type=submit]")
        public.wait_for_selector("#result-title")
        shoot(public, out, "09-verify-certificate-en")

        vendor = new_page("vendor")
        shoot(vendor, out, "04-vendor-dashboard")
        vendor.get_by_role("link", name=UNASSESSED).click()
        vendor.click("form[action$='/submissions'] button[type=submit]")
        vendor.wait_for_selector("section.criterion")
        shoot(vendor, out, "05-self-assessment-step")
        vendor.goto(f"{base}/dashboard/submissions/{submission_id}/report")
        shoot(vendor, out, "06-conformance-report")
        vendor.goto(f"{base}/dashboard/certificates/{cert_id}")
        shoot(vendor, out, "10-vendor-certificate")

        other = new_page("vendor2")
        other.goto(f"{base}/dashboard/submissions/{changed_id}")
        other.locator("#review").scroll_into_view_if_needed()
        shoot(other, out, "11-changes-requested")

        reviewer = new_page("reviewer")
        reviewer.goto(base + "/review")
        shoot(reviewer, out, "07-review-queue")
        reviewer.goto(f"{base}/review/submissions/{submission_id}")
        shoot(reviewer, out, "08-review")
        # A criterion with probe evidence (screenshots first), else any criterion; the agreeing ones are folded.
        reviewer.evaluate("() => document.getElementById('agreeing-list')?.setAttribute('open', '')")
        for selector in ("article.criterion:has(ul.shots)", "article.criterion:has(ul.findings)", "article.criterion"):
            found = reviewer.locator(selector).first
            if found.count():
                found.evaluate("e => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY - 16)")
                reviewer.locator("ul.shots img").evaluate_all(  # the lazily loaded screenshots in view
                    "imgs => Promise.all(imgs.filter(i => i.getBoundingClientRect().top < innerHeight)"
                    ".map(i => i.decode().catch(() => null)))"
                )
                shoot(reviewer, out, "08-review-criterion")
                break
        reviewer.goto(f"{base}/review/submissions/{submission_id}?lang=en")
        shoot(reviewer, out, "08-review-en")
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Screenshots of the main pages (PNG, 1280×800).")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument(
        "--probes",
        default="transport,block_page",
        help="probes run against the SafeKid demo product first ('' for none)",
    )
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    probes = [p for p in args.probes.split(",") if p]
    with tempfile.TemporaryDirectory(prefix="vcsc-screenshots-") as folder, serve(Path(folder)) as (app, base):
        submission_id = probe_queued_submission(app, probes)
        take_screenshots(app, base, args.out, submission_id)
    return 0


if __name__ == "__main__":
    sys.exit(main())
