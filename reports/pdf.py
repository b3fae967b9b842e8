"""PDF rendering of a report's HTML with the Debian Chromium the probes already use (Playwright)."""

from __future__ import annotations

import os
from html import escape
from typing import Any

from checker.probes.runner import CHROMIUM_ARGS
from checker.settings import CheckerSettings

# Chromium's header and footer templates: their own tiny documents (no page styles apply), filled per page
# (pageNumber, totalPages). A font with Vietnamese glyphs, and a size, must be given there.
_RUNNING = (
    '<div style="font-family: \'DejaVu Sans\', \'Noto Sans\', Arial, sans-serif; font-size: 7.5pt; color: #444; '
    'width: 100%; margin: 0 12mm; display: flex; justify-content: space-between;">{left}{right}</div>'
)


def running_templates(header: str, page_word: str) -> tuple[str, str]:
    """(headerTemplate, footerTemplate): `header` on the top of every page; "<page_word> x/y" at the bottom."""
    top = _RUNNING.format(left=f"<span>{escape(header)}</span>", right="")
    bottom = _RUNNING.format(
        left="<span></span>",
        right=f'<span>{escape(page_word)} <span class="pageNumber"></span>/<span class="totalPages"></span></span>',
    )
    return top, bottom


def render_pdf(
    html: str, *, chromium: str | None = None, header: str | None = None, page_word: str | None = None
) -> bytes:
    """A4 PDF of a self-contained HTML document (backgrounds printed), printed by `chromium` (default: the
    VCSC_CHROMIUM setting, `CheckerSettings().chromium`). With `header` and `page_word` ("Trang" / "Page"),
    every page carries `header` at its top and "Trang x/y" at its bottom.

    The page is offline: every request the document would make is aborted, so a report can
    never fetch anything while it is printed (it needs nothing: CSS and SVG are inline).
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium or CheckerSettings().chromium,
            args=CHROMIUM_ARGS,
            headless=True,
            # Chromium's own sandbox cannot run as root; everywhere else keep it.
            chromium_sandbox=os.geteuid() != 0,
        )
        try:
            context = browser.new_context(java_script_enabled=False, offline=True)
            page = context.new_page()
            page.route("**/*", lambda route: route.abort())
            page.set_content(html, wait_until="load")
            running: dict[str, Any] = {}
            if header is not None or page_word is not None:
                top, bottom = running_templates(header or "", page_word or "")
                running = {"display_header_footer": True, "header_template": top, "footer_template": bottom}
            return page.pdf(
                format="A4",
                print_background=True,
                prefer_css_page_size=False,
                margin={"top": "14mm", "bottom": "13mm", "left": "12mm", "right": "12mm"},
                **running,
            )
        finally:
            browser.close()
