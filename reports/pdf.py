"""PDF rendering of a report's HTML with the Debian Chromium the probes already use (Playwright)."""
from __future__ import annotations

import os

from checker.probes.runner import CHROMIUM_ARGS
from checker.settings import CheckerSettings


def render_pdf(html: str, *, chromium: str | None = None) -> bytes:
    """A4 PDF of a self-contained HTML document (backgrounds printed), printed by `chromium` (default: the
    VCSC_CHROMIUM setting, `CheckerSettings().chromium`).

    The page is offline: every request the document would make is aborted, so a report can
    never fetch anything while it is printed (it needs nothing: CSS and SVG are inline).
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium or CheckerSettings().chromium, args=CHROMIUM_ARGS,
                                     headless=True,
                                     # Chromium's own sandbox cannot run as root; everywhere else keep it.
                                     chromium_sandbox=os.geteuid() != 0)
        try:
            context = browser.new_context(java_script_enabled=False, offline=True)
            page = context.new_page()
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="load")
            return page.pdf(format="A4", print_background=True, prefer_css_page_size=False,
                            margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"})
        finally:
            browser.close()
