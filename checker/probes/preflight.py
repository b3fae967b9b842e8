"""Pre-flight check of a probe manifest before a long run: is the manifest valid, does the start
page answer through our egress guard (and the product's proxy), does each account's login work,
does the settings page open for the logged-in child?
Each step is reported ok / failed / skipped with its reason in Vietnamese and English.

No HTTP service, no database: `vcsc probe --check` and the API both call `preflight`. It uses the
runner's own browser and egress set-up (`ProbeRun`), so it reaches exactly what a run reaches."""

from __future__ import annotations

import contextlib
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Page

from checker.probes.base import text
from checker.probes.login import back_on_login_form, browser_lost, goto, run_login
from checker.probes.manifest import Manifest, redact, validate_manifest
from checker.probes.reasons import load_reason, login_reason
from checker.probes.runner import BrowserHost, ProbeRun, ProbeSettings

OK, FAILED, SKIPPED = "ok", "failed", "skipped"


@dataclass
class Step:
    """One step of the check: `id` (manifest, start_url, login.<role>, settings_page), its status and why."""

    id: str
    status: str
    reason: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class PreflightReport:
    steps: list[Step]

    @property
    def ok(self) -> bool:
        return all(s.status != FAILED for s in self.steps) and any(s.status == OK for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "steps": [asdict(s) for s in self.steps]}


def _manifest_step(data: Any) -> tuple[Step, Manifest | None]:
    issues = validate_manifest(data)
    if issues:
        listed = "; ".join(f"{i.pointer or '/'}: {i.message}" for i in issues[:10])
        return Step(
            "manifest",
            FAILED,
            text(f"Manifest không hợp lệ: {listed}", f"The manifest is not valid: {listed}"),
            {"issues": [{"pointer": i.pointer, "message": i.message} for i in issues[:50]]},
        ), None
    return Step("manifest", OK, text("Manifest hợp lệ.", "The manifest is valid.")), Manifest(data)


async def _start_step(run: ProbeRun, manifest: Manifest, timeout_ms: int) -> Step:
    if not manifest.start_url:
        return Step(
            "start_url",
            SKIPPED,
            text(
                "Manifest không có start_url (bộ lọc DNS/proxy thuần).",
                "The manifest has no start_url (a pure DNS/proxy filter).",
            ),
        )
    context = await run.new_browser_context()
    try:
        page = await context.new_page()
        loaded = await goto(page, manifest.start_url, timeout_ms, settle_ms=1500)
        if loaded["status"] == 502:
            # Our egress guard answers 502 itself when the product's server cannot be reached.
            with contextlib.suppress(Exception):
                said = (await page.evaluate("() => document.body ? document.body.innerText : ''"))[:300]
                if said.startswith("VCSC egress guard:"):
                    loaded["error"], loaded["guard_said"] = "cannot_connect", said.strip()
    finally:
        with contextlib.suppress(Exception):
            await context.close()
    details = {k: loaded.get(k) for k in ("url", "final_url", "status", "error", "guard_said")}
    if loaded.get("refused_by_egress_guard"):
        loaded["error"] = "refused_by_egress_guard"
    if loaded["error"] or (loaded["status"] or 0) >= 400:
        why = load_reason(loaded["error"], loaded["status"])
        return Step(
            "start_url",
            FAILED,
            text(
                f"Không mở được trang bắt đầu {manifest.start_url}: {why['vi']}.",
                f"The start page {manifest.start_url} did not open: {why['en']}.",
            ),
            details,
        )
    return Step(
        "start_url",
        OK,
        text(
            f"Trang bắt đầu trả lời (HTTP {loaded['status']}).", f"The start page answered (HTTP {loaded['status']})."
        ),
        details,
    )


async def _settings_step(page: Page, url: str, login: dict[str, Any], timeout_ms: int) -> Step:
    """The settings page (pages.settings) in the child's logged-in session: it opens and keeps the session."""
    loaded = await goto(page, url, timeout_ms, settle_ms=1500)
    details = {k: loaded.get(k) for k in ("url", "final_url", "status", "error")}
    if loaded["error"] or (loaded["status"] or 0) >= 400:
        why = load_reason(loaded["error"], loaded["status"])
        return Step(
            "settings_page",
            FAILED,
            text(
                f"Đã đăng nhập là trẻ nhưng không mở được trang cài đặt {url} (pages.settings): {why['vi']}.",
                f"Logged in as the child, but the settings page {url} (pages.settings) did not open: {why['en']}.",
            ),
            details,
        )
    if await back_on_login_form(page, login):
        return Step(
            "settings_page",
            FAILED,
            text(
                f"Đã đăng nhập là trẻ nhưng trang cài đặt {url} lại hiện biểu mẫu đăng nhập: phiên không được giữ; hãy kiểm tra "
                "pages.settings và các bước đăng nhập.",
                f"Logged in as the child, but the settings page {url} showed the login form again: the session was not kept; "
                "check pages.settings and the login steps.",
            ),
            details,
        )
    return Step(
        "settings_page",
        OK,
        text(
            f"Trang cài đặt mở được khi đăng nhập là trẻ (HTTP {loaded['status']}).",
            f"The settings page opens for the logged-in child (HTTP {loaded['status']}).",
        ),
        details,
    )


async def _login_steps(run: ProbeRun, manifest: Manifest, role: str, timeout_ms: int) -> list[Step]:
    context = await run.new_browser_context()  # a fresh session per account, as the probes use
    try:
        page = await context.new_page()
        login = await run_login(page, manifest, role, timeout_ms)
        details = {k: login.get(k) for k in ("steps", "decided_by", "error", "final_url", "signals")}
        steps = [Step(f"login.{role}", OK if login["ok"] else FAILED, login_reason(login), details)]
        if role == "child" and (settings_url := manifest.page("settings")):
            steps.append(
                await _settings_step(page, settings_url, login, timeout_ms)
                if login["ok"]
                else Step(
                    "settings_page",
                    SKIPPED,
                    text(
                        "Chưa thử trang cài đặt: trẻ chưa đăng nhập được.",
                        "The settings page was not tried: the child could not log in.",
                    ),
                )
            )
        return steps
    finally:
        with contextlib.suppress(Exception):
            await context.close()


async def preflight(
    data: Any,
    *,
    settings: ProbeSettings | None = None,
    browser_host: BrowserHost | None = None,
    out_dir: Path | None = None,
) -> PreflightReport:
    """Check the manifest `data` (a dict as read from JSON), its start page and each account's login."""
    step, manifest = _manifest_step(data)
    steps = [step]
    if manifest is None:
        return PreflightReport(steps)
    settings = settings or ProbeSettings.from_env()
    own_host = browser_host is None
    browser_host = browser_host or BrowserHost(settings)
    run = ProbeRun(
        manifest,
        settings=settings,
        browser_host=browser_host,
        out_dir=Path(out_dir or tempfile.mkdtemp(prefix="vcsc-preflight-")),
    )
    timeout = settings.page_timeout_ms
    try:
        await run.prepare([])  # the egress guards, for the manifest's hosts only
        steps.append(await _start_step(run, manifest, timeout))
        roles = sorted(manifest.data.get("accounts", {}))
        if not roles or not manifest.login_steps:
            steps.append(
                Step(
                    "login",
                    SKIPPED,
                    text(
                        "Manifest không có tài khoản hoặc bước đăng nhập nào để thử.",
                        "The manifest has no account or login steps to try.",
                    ),
                )
            )
        for role in roles:
            try:
                steps.extend(await _login_steps(run, manifest, role, timeout))
            except Exception as exc:
                if not browser_lost(exc):
                    raise
                steps.append(
                    Step(
                        f"login.{role}",
                        FAILED,
                        text("Trình duyệt gặp sự cố khi đăng nhập.", "The browser crashed during the login."),
                    )
                )
    finally:
        await run.close()
        if own_host:
            await browser_host.close()
    # Nothing the check shows may carry a password or the parent PIN.
    return PreflightReport([Step(**redact(asdict(s), manifest.secrets())) for s in steps])


def render(report: PreflightReport, lang: str = "vi") -> str:
    """The report as lines for a terminal: one per step, both languages (the chosen one first)."""
    marks = {OK: "✓", FAILED: "✗", SKIPPED: "–"}
    other = "en" if lang == "vi" else "vi"
    lines = []
    for s in report.steps:
        lines.append(f"{marks[s.status]} {s.id:<14} {s.reason[lang]}")
        lines.append(f"  {'':<14} {s.reason[other]}")
        for st in s.details.get("steps") or []:
            lines.append(
                f"    {'✓' if st.get('ok') else '✗'} {st['action']} {st.get('selector') or st.get('url') or ''}"
            )
    summary = (
        text("Sẵn sàng chạy kiểm tra.", "Ready for a probe run.")
        if report.ok
        else text("Chưa sẵn sàng: hãy sửa các bước ✗ ở trên.", "Not ready: fix the ✗ steps above.")
    )
    lines.append(f"{summary[lang]} / {summary[other]}")
    return "\n".join(lines)
