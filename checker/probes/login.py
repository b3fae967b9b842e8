"""Acting as a person on a product's own pages, shared by the site probes (reporting,
privacy, age assurance, settings lock, transport): running the manifest's declarative
login steps, loading a page, and reading it the way a person or a screen reader does —
ARIA roles and accessible names, visible text, the form fields and their labels — never
a product's markup (class names, ids, our demo products' templates).

Everything here drives the browser; the probes' `evaluate` functions never import it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from checker.probes.manifest import url_matches
from checker.probes.signals import _any, fold

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page

    from checker.probes.manifest import Manifest

BODY_TEXT_JS = "() => document.body ? document.body.innerText.slice(0, 200000) : ''"
SETTLE_MS = 2500

# Controls a person clicks, as the accessibility tree names them.
CLICKABLE_ROLES = ("link", "button", "menuitem", "tab")

LOGOUT_WORDS = _any([r"\bdang xuat\b", r"\bthoat\b", r"\blog ?out\b", r"\bsign ?out\b", r"\blog off\b"])
# Text saying an account now exists (a log-out control is the stronger sign). "Your account"
# alone is not one: a parent-consent page says "your account will be activated when...".
ACCOUNT_CREATED_WORDS = _any(
    [
        r"\bda tao tai khoan\b",
        r"\btai khoan (?:cua (?:ban|con|em) )?(?:da|vua) (?:duoc )?(?:tao|kich hoat|dang ky)",
        r"\bdang ky thanh cong\b",
        r"\baccount (?:was |has been |is )?(?:created|activated|ready)\b",
        r"\b(?:registration|sign[- ]?up) (?:was )?(?:successful|complete)\b",
        r"\bwelcome aboard\b",
    ]
)
NEGATION = re.compile(r"\b(?:no|not|never|chua|khong|chang)\b[^.!?\n]{0,25}$")
LOGIN_FORM_WORDS = _any([r"\bdang nhap\b", r"\blog ?in\b", r"\bsign ?in\b"])


# ---- loading -------------------------------------------------------------------------------


async def settle(page: Page, timeout_ms: int = SETTLE_MS) -> None:
    """Wait, bounded, until the page stops fetching (never fails)."""
    with contextlib.suppress(Exception):
        await page.wait_for_load_state("load", timeout=timeout_ms)
    with contextlib.suppress(Exception):
        await page.wait_for_load_state("networkidle", timeout=timeout_ms)


def browser_lost(exc: BaseException) -> bool:
    return any(
        s in str(exc) for s in ("has been closed", "Target closed", "browser has disconnected", "Connection closed")
    )


# Error codes inside Playwright's messages: Chromium's net::ERR_*, Node's socket codes (ECONNREFUSED...),
# and TLS words. Codes are matched case-sensitively and as whole words, so "APIRequestContext" yields
# nothing rather than a fragment such as "equestContext".
_CHROMIUM_CODE = re.compile(r"(?<![A-Za-z0-9_])(ERR_[A-Z0-9_]+)(?![A-Za-z0-9_])")
_NODE_CODE = re.compile(
    r"(?<![A-Za-z0-9_])(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPROTO|"
    r"EHOSTUNREACH|ENETUNREACH|EPIPE|EADDRNOTAVAIL|CERT_HAS_EXPIRED|DEPTH_ZERO_SELF_SIGNED_CERT|"
    r"SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|ERR_TLS_CERT_ALTNAME_INVALID)"
    r"(?![A-Za-z0-9_])"
)
_TLS_WORDS = re.compile(r"\b(certificate|ssl|tls|socket hang up|wrong version number)\b", re.IGNORECASE)
_TIMEOUT = re.compile(r"\b(?:timeout|timed out)\b", re.IGNORECASE)


def error_code(message: str, fallback: str = "error") -> str:
    """A short, stable code for an error message: ERR_CONNECTION_REFUSED, ECONNREFUSED, timeout, a TLS
    word, or else the message's first line without the API name Playwright puts in front."""
    message = message or ""
    code = _CHROMIUM_CODE.search(message) or _NODE_CODE.search(message)
    if code:
        return code.group(1)
    if _TIMEOUT.search(message):
        return "timeout"
    tls = _TLS_WORDS.search(message)
    if tls:
        return tls.group(1).lower()
    first = message.strip().splitlines()[0] if message.strip() else ""
    # "APIRequestContext.get: connect failed" -> "connect failed"
    first = re.sub(r"^[A-Za-z]+(?:\.[A-Za-z_]+)+:\s*", "", first)
    return first[:200] or fallback


def _error_code(exc: BaseException) -> str:
    return error_code(str(exc), type(exc).__name__)


async def goto(page: Page, url: str, timeout_ms: int, *, settle_ms: int = SETTLE_MS) -> dict[str, Any]:
    """Load `url`; what happened: final URL, status, content type, or the error."""
    record: dict[str, Any] = {"url": url, "final_url": None, "status": None, "content_type": None, "error": None}
    started = time.perf_counter()
    try:
        response = await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    except Exception as exc:
        if browser_lost(exc):
            raise
        record["error"] = _error_code(exc)
        record["final_url"] = page.url if page.url != "about:blank" else None
        return record
    if response is not None:
        record["status"] = response.status
        with contextlib.suppress(Exception):
            record["content_type"] = (await response.all_headers()).get("content-type")
        with contextlib.suppress(Exception):
            record["refused_by_egress_guard"] = bool((await response.all_headers()).get("x-vcsc-egress"))
    await settle(page, settle_ms)
    record["final_url"] = page.url
    record["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return record


def is_html(content_type: str | None) -> bool:
    return content_type is not None and any(t in content_type.lower() for t in ("text/html", "application/xhtml"))


# ---- reading a page ------------------------------------------------------------------------

_SNAPSHOT_LINE = re.compile(r'^(?P<indent>\s*)- (?P<role>[a-z]+)(?: (?P<name>"(?:[^"\\]|\\.)*"))?(?P<rest>.*)$')
_URL_LINE = re.compile(r'^\s*- /url: (?P<url>.+?)\s*$')


def parse_aria_snapshot(snapshot: str, base_url: str = "") -> list[dict[str, Any]]:
    """Clickable controls of a Playwright ARIA snapshot: [{role, name, url, expanded}]."""
    controls: list[dict[str, Any]] = []
    last: dict[str, Any] | None = None
    last_indent = -1
    for line in (snapshot or "").splitlines():
        url_match = _URL_LINE.match(line)
        if url_match and last is not None and len(line) - len(line.lstrip()) > last_indent:
            url = url_match.group("url").strip()
            if url.startswith('"'):
                with contextlib.suppress(ValueError):
                    url = json.loads(url)
            last["url"] = urljoin(base_url, url) if base_url else url
            continue
        match = _SNAPSHOT_LINE.match(line)
        if not match:
            continue
        role = match.group("role")
        if role not in CLICKABLE_ROLES:
            continue
        name = ""
        if match.group("name"):
            try:
                name = json.loads(match.group("name"))
            except ValueError:
                name = match.group("name").strip('"')
        rest = match.group("rest") or ""
        expanded = None
        if "[expanded]" in rest or "[expanded=true]" in rest:
            expanded = True
        elif "[expanded=false]" in rest:
            expanded = False
        last = {"role": role, "name": re.sub(r"\s+", " ", name).strip(), "url": None, "expanded": expanded}
        last_indent = len(match.group("indent"))
        controls.append(last)
    return controls


async def controls(page: Page) -> list[dict[str, Any]] | None:
    """The page's links, buttons, menu items and tabs that are rendered (not hidden), with
    their accessible names; None when the accessibility tree could not be read."""
    try:
        snapshot = await page.locator("body").aria_snapshot(timeout=10_000)
    except Exception as exc:
        if browser_lost(exc):
            raise
        return None
    return parse_aria_snapshot(snapshot, page.url)


async def visible_text(page: Page) -> str:
    try:
        text: str = await page.evaluate(BODY_TEXT_JS)
        return text
    except Exception as exc:
        if browser_lost(exc):
            raise
        return ""


async def read_page(page: Page) -> dict[str, Any]:
    """What a person sees: URL, title, visible text, clickable controls (`controls_ok` False
    when the accessibility tree could not be read, so "no such control" cannot be claimed)."""
    title = ""
    with contextlib.suppress(Exception):
        title = (await page.title())[:300]
    found = await controls(page)
    return {
        "url": page.url,
        "title": title,
        "text": await visible_text(page),
        "controls": found or [],
        "controls_ok": found is not None,
    }


def matching(controls_: list[dict[str, Any]], pattern: re.Pattern[str]) -> list[dict[str, Any]]:
    """Controls whose accessible name matches `pattern` (a regex over folded text)."""
    return [c for c in controls_ if c["name"] and pattern.search(fold(c["name"]))]


async def activate(page: Page, control: dict[str, Any], timeout_ms: int) -> dict[str, Any]:
    """Click a control as a person would. A link with an http(s) address is followed in this
    page (a new tab would show the same document); anything else is clicked by role and name."""
    url = control.get("url")
    if control["role"] == "link" and url and urlsplit(url).scheme in ("http", "https"):
        return await goto(page, url, timeout_ms)
    record: dict[str, Any] = {"clicked": control["name"], "role": control["role"], "error": None}
    before = page.url
    try:
        locator = page.get_by_role(control["role"], name=control["name"], exact=True).first
        await locator.click(timeout=min(timeout_ms, 5000))
    except Exception as exc:
        if browser_lost(exc):
            raise
        record["error"] = _error_code(exc)
        return record
    await asyncio.sleep(0.3)
    await settle(page)
    record["final_url"] = page.url
    record["navigated"] = page.url != before
    return record


def account_created_text(text_: str) -> list[str]:
    """Phrases saying an account was created or activated, leaving out negated ones
    ("no account was created", "chưa tạo tài khoản")."""
    folded = fold(text_)
    found = []
    for m in ACCOUNT_CREATED_WORDS.finditer(folded):
        if not NEGATION.search(folded[max(0, m.start() - 40) : m.start()]):
            found.append(m.group(0))
    return found


def signed_in(page_info: dict[str, Any]) -> bool:
    """Signs that a person is logged in: a log-out control, or text saying the account was created."""
    if matching(page_info.get("controls", []), LOGOUT_WORDS):
        return True
    return bool(account_created_text(page_info.get("text", "")))


def new_lines(before: str, after: str) -> str:
    """The lines of `after` that were not on the page `before` (header and footer drop out)."""
    seen = {line.strip() for line in (before or "").splitlines() if line.strip()}
    return "\n".join(line for line in (after or "").splitlines() if line.strip() and line.strip() not in seen)


# ---- form fields ---------------------------------------------------------------------------

FIELDS_JS = r"""
() => {
  const text = (el) => (el ? (el.innerText || el.textContent || '') : '').replace(/\s+/g, ' ').trim();
  const byIds = (ids) => (ids || '').split(/\s+/).filter(Boolean).map((id) => text(document.getElementById(id))).join(' ');
  const visible = (el) => {
    if (el.type === 'hidden') return false;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const out = [];
  const all = document.querySelectorAll('input, select, textarea');
  all.forEach((el, i) => {
    el.setAttribute('data-vcsc-field', String(i));
    const labelText = el.labels && el.labels.length ? Array.from(el.labels).map(text).join(' ') : '';
    let name = el.getAttribute('aria-label') || byIds(el.getAttribute('aria-labelledby'));
    if (!name) name = labelText;
    if (!name) name = el.getAttribute('placeholder') || el.getAttribute('title') || '';
    let group = '';
    const fieldset = el.closest('fieldset');
    if (fieldset) { const legend = fieldset.querySelector('legend'); group = text(legend); }
    const roleGroup = el.closest('[role=group], [role=radiogroup]');
    if (!group && roleGroup) group = roleGroup.getAttribute('aria-label') || byIds(roleGroup.getAttribute('aria-labelledby'));
    const form = el.form || el.closest('form');
    out.push({
      index: i, input_name: el.getAttribute('name') || '', tag: el.tagName.toLowerCase(), type: (el.type || '').toLowerCase(), name: name.replace(/\s+/g, ' ').trim(),
      label_text: labelText === name ? '' : labelText, group: (group || '').trim(), value: el.tagName === 'SELECT' ? (el.value || '') : (el.value || ''),
      checked: !!el.checked, required: !!el.required, disabled: !!el.disabled, readonly: !!el.readOnly,
      visible: visible(el), autocomplete: (el.getAttribute('autocomplete') || '').toLowerCase(),
      placeholder: el.getAttribute('placeholder') || '', min: el.getAttribute('min'), max: el.getAttribute('max'), step: el.getAttribute('step'),
      selected_index: el.tagName === 'SELECT' ? el.selectedIndex : null,
      options: el.tagName === 'SELECT' ? Array.from(el.options).map((o) => ({value: o.value, text: text(o) || o.label || '',
        selected: o.selected, default_selected: o.defaultSelected, disabled: o.disabled})) : null,
      default_checked: !!el.defaultChecked, default_value: el.defaultValue === undefined ? null : el.defaultValue,
      form: form ? Array.from(document.forms).indexOf(form) : -1,
    });
  });
  return out;
}
"""


async def form_fields(page: Page) -> list[dict[str, Any]]:
    """Every input, select and textarea with its accessible label, group label, type and state.

    Each element is tagged with a `data-vcsc-field` index so the probe can act on exactly
    the field it read (`field_locator`)."""
    try:
        fields: list[dict[str, Any]] = await page.evaluate(FIELDS_JS)
        return fields
    except Exception as exc:
        if browser_lost(exc):
            raise
        return []


def field_locator(page: Page, field: dict[str, Any]) -> Locator:
    return page.locator(f'[data-vcsc-field="{field["index"]}"]')


SUBMIT_JS = r"""
(formIndex) => {
  const form = document.forms[formIndex];
  if (!form) return null;
  const buttons = Array.from(form.querySelectorAll('button, input[type=submit], input[type=image]'))
    .concat(form.id ? Array.from(document.querySelectorAll(`[form="${CSS.escape(form.id)}"]`)) : [])
    .filter((b) => (b.tagName !== 'BUTTON' || (b.type || 'submit') === 'submit') && !b.disabled);
  const shown = buttons.filter((b) => { const r = b.getBoundingClientRect(); return r.width > 0 && r.height > 0; });
  const button = shown[shown.length - 1] || buttons[buttons.length - 1];
  if (button) { button.setAttribute('data-vcsc-submit', String(formIndex)); return true; }
  return false;
}
"""


async def submit_form(page: Page, form_index: int, timeout_ms: int) -> dict[str, Any]:
    """Send a form as a person does: click its submit button (or press Enter-equivalent
    `requestSubmit()` when it has none), then wait for what follows."""
    record: dict[str, Any] = {"form": form_index, "error": None, "how": None}
    before = page.url
    try:
        has_button = await page.evaluate(SUBMIT_JS, form_index)
        if has_button:
            record["how"] = "click"
            await page.locator(f'[data-vcsc-submit="{form_index}"]').first.click(timeout=min(timeout_ms, 5000))
        elif has_button is False:
            record["how"] = "requestSubmit"
            await page.evaluate("(i) => document.forms[i].requestSubmit()", form_index)
        else:
            record["error"] = "no_form"
            return record
    except Exception as exc:
        if browser_lost(exc):
            raise
        record["error"] = _error_code(exc)
        return record
    await asyncio.sleep(0.3)
    with contextlib.suppress(Exception):
        await page.wait_for_load_state("domcontentloaded", timeout=timeout_ms)
    await settle(page)
    record["final_url"] = page.url
    record["navigated"] = page.url != before
    return record


async def validation_messages(page: Page, form_index: int) -> list[str]:
    """The browser's own validation messages for a form that did not go (required fields...)."""
    with contextlib.suppress(Exception):
        messages: list[str] = await page.evaluate(
            "(i) => { const f = document.forms[i]; if (!f) return [];"
            " return Array.from(f.elements).filter(e => e.willValidate && !e.checkValidity()).map(e => e.validationMessage); }",
            form_index,
        )
        return messages
    return []


# ---- the manifest's login steps ------------------------------------------------------------


def _fill_placeholders(value: str, account: dict[str, Any]) -> str:
    return value.replace("{username}", account["username"]).replace("{password}", account["password"])


LOGIN_FAILED_WORDS = _any(
    [
        r"\bsai (?:mat khau|email|ten dang nhap|thong tin dang nhap|tai khoan)",
        r"\bdang nhap (?:that bai|khong thanh cong)\b",
        r"\b(?:mat khau|email|ten dang nhap|tai khoan)\b[^.!?\n]{0,30}\bkhong (?:dung|chinh xac|hop le|ton tai)\b",
        r"\b(?:wrong|incorrect|invalid|unknown) (?:e-?mail|password|username|user name|credentials|login|account)",
        r"\b(?:e-?mail|password|username|credentials) (?:is |are |was )?(?:wrong|incorrect|invalid|not recogni[sz]ed)",
        r"\b(?:log|sign) ?in failed\b",
        r"\bauthentication failed\b",
    ]
)

# Every control of the page, shown or not (a log-out item in a collapsed menu, an icon button named
# only by aria-label), with the name a screen reader would give it once it is shown.
ALL_CONTROLS_JS = r"""
() => {
  const text = (el) => (el ? (el.textContent || '') : '').replace(/\s+/g, ' ').trim();
  const byIds = (ids) => (ids || '').split(/\s+/).filter(Boolean).map((id) => text(document.getElementById(id))).join(' ');
  const out = [];
  document.querySelectorAll('a[href], button, [role=button], [role=menuitem], [role=link], input[type=submit], input[type=button], summary')
    .forEach((el) => {
      let name = el.getAttribute('aria-label') || byIds(el.getAttribute('aria-labelledby')) || text(el)
        || el.getAttribute('title') || el.value || '';
      if (!name) { const img = el.querySelector('img[alt], [aria-label], title'); if (img) name = img.getAttribute('alt') || img.getAttribute('aria-label') || text(img); }
      const r = el.getBoundingClientRect();
      const shown = r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
      out.push({name: String(name).replace(/\s+/g, ' ').trim().slice(0, 200), shown});
    });
  return out.slice(0, 3000);
}
"""


async def logout_controls(page: Page) -> list[dict[str, Any]]:
    """Log-out controls of the page by their accessible name or text (Vietnamese or English), including
    controls inside collapsed menus: [{name, shown}]."""
    try:
        found = await page.evaluate(ALL_CONTROLS_JS)
    except Exception as exc:
        if browser_lost(exc):
            raise
        return []
    return [c for c in found if c["name"] and LOGOUT_WORDS.search(fold(c["name"]))][:10]


def _page_address(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/') or '/'}"


async def _cookie_values(page: Page) -> dict[str, str]:
    with contextlib.suppress(Exception):
        return {f"{c['name']}@{c['domain']}": c["value"] for c in await page.context.cookies()}
    return {}


async def _visible(page: Page, selector: str) -> bool:
    try:
        return bool(await page.locator(selector).first.is_visible())
    except Exception as exc:
        if browser_lost(exc):
            raise
        return False


async def login_signals(
    page: Page,
    marker: dict[str, Any],
    login_url: str | None,
    filled: list[str],
    cookies_before: dict[str, str],
    text_before: str,
) -> dict[str, Any]:
    """What the page says now about being logged in; no verdict (see `decide_login`)."""
    signals: dict[str, Any] = {"url": page.url}
    with contextlib.suppress(Exception):
        signals["ready"] = await page.evaluate("() => document.readyState !== 'loading' && !!document.body")
    if marker.get("selector"):
        try:
            signals["marker_selector"] = await page.locator(marker["selector"]).count() > 0
        except Exception as exc:
            if browser_lost(exc):
                raise
            signals["marker_selector"] = False
            signals["marker_selector_invalid"] = "Unexpected token" in str(exc) or "is not a valid selector" in str(exc)
    if marker.get("url_pattern"):
        signals["marker_url"] = url_matches(marker["url_pattern"], page.url)
    signals["logout_controls"] = await logout_controls(page)
    signals["left_login_page"] = login_url is not None and _page_address(page.url) != _page_address(login_url)
    visible = [sel for sel in filled if await _visible(page, sel)]
    signals["login_fields_visible"] = len(visible)
    signals["login_fields_gone"] = bool(filled) and not visible
    new = new_lines(text_before, await visible_text(page))
    signals["login_error_text"] = [m.group(0) for m in LOGIN_FAILED_WORDS.finditer(fold(new))][:3]
    cookies_now = await _cookie_values(page)
    # Names only: a cookie's value is a secret of the session.
    signals["new_cookies"] = sorted(k for k, v in cookies_now.items() if cookies_before.get(k) != v)[:20]
    return signals


def decide_login(
    signals: dict[str, Any], marker: dict[str, Any], has_filled_fields: bool
) -> tuple[bool | None, str | None]:
    """(logged in?, the signal that decided) from one reading; (None, None) while undecided."""
    if marker:
        reached = all(
            signals.get(k)
            for k, given in (("marker_selector", "selector"), ("marker_url", "url_pattern"))
            if marker.get(given)
        )
        return (True, "declared_marker") if reached else (None, None)
    if signals["logout_controls"]:
        return True, "logout_control"
    if signals["login_error_text"]:
        return False, "login_error_shown"
    if not signals.get("ready", True):
        return None, None
    if signals["login_fields_gone"]:
        return True, "login_fields_gone"
    if signals["left_login_page"]:
        return True, "left_login_page"
    if not has_filled_fields and signals["new_cookies"]:
        return True, "session_cookie"
    return None, None


async def run_login(page: Page, manifest: Manifest, role: str, timeout_ms: int) -> dict[str, Any]:
    """Run the manifest's declarative login steps with the `role` account in `page`, then decide from
    behaviour whether the login worked: the vendor's declared logged-in marker when the manifest has
    one (a CSS selector and/or an address pattern), else a log-out control (by name, even inside a
    collapsed menu), a login error text, the filled login fields gone, the address leaving the login
    page, a new session cookie. Pages that change without loading (history.pushState) are read as
    they are: the signals are polled, not tied to a page load.

    Returns what happened — never the secrets: {"ok", "role", "steps": [{action, selector|url, ok}],
    "error", "decided_by", "signals", "final_url", "login_url", "filled_selectors"}. When the steps do
    not start with `goto`, the login page (or the start page) is opened first."""
    account = manifest.account(role)
    record: dict[str, Any] = {
        "role": role,
        "ok": False,
        "steps": [],
        "error": None,
        "final_url": None,
        "decided_by": None,
    }
    if account is None or not manifest.login_steps:
        record["error"] = "no_account_or_steps"
        return record
    steps = list(manifest.login_steps)
    if steps[0]["action"] != "goto":
        first = await goto(page, manifest.page("login") or manifest.data.get("start_url") or "about:blank", timeout_ms)
        record["steps"].append({"action": "goto", "url": first["url"], "ok": first["error"] is None})
        if first["error"]:
            record["error"] = first["error"]
            return record
    login_url: str | None = None
    filled: list[str] = []
    cookies_before: dict[str, str] = {}
    text_before = ""
    for step in steps:
        action = step["action"]
        shown = {"action": action}
        if action in ("fill", "click", "press") and login_url is None:
            # The page the login form is on: what the signals compare against.
            login_url = page.url
            cookies_before = await _cookie_values(page)
            text_before = await visible_text(page)
        try:
            if action == "goto":
                url = _fill_placeholders(step["url"], account)
                shown["url"] = step["url"]
                loaded = await goto(page, url, timeout_ms)
                if loaded["error"]:
                    raise RuntimeError(loaded["error"])
            elif action == "fill":
                shown["selector"] = step["selector"]
                await page.locator(step["selector"]).first.fill(
                    _fill_placeholders(step["value"], account), timeout=timeout_ms
                )
                filled.append(step["selector"])
            elif action == "click":
                shown["selector"] = step["selector"]
                await page.locator(step["selector"]).first.click(timeout=timeout_ms)
                with contextlib.suppress(Exception):
                    await page.wait_for_load_state("domcontentloaded", timeout=timeout_ms)
            elif action == "press":
                shown["selector"] = step["selector"]
                await page.locator(step["selector"]).first.press(step["key"], timeout=timeout_ms)
            elif action == "wait_for":
                shown["selector"] = step["selector"]
                await page.locator(step["selector"]).first.wait_for(timeout=timeout_ms)
        except Exception as exc:
            if browser_lost(exc):
                raise
            shown["ok"] = False
            record["steps"].append(shown)
            record["error"] = "invalid_selector" if "is not a valid selector" in str(exc) else _error_code(exc)
            record["final_url"] = page.url
            return record
        shown["ok"] = True
        record["steps"].append(shown)
    await settle(page)
    marker = manifest.logged_in_marker
    record.update(login_url=login_url, filled_selectors=filled)
    # A declared marker may take the page's whole time limit to appear; the other signals show
    # within seconds of the form being sent, or not at all.
    deadline = time.monotonic() + (timeout_ms if marker else min(timeout_ms, 6000)) / 1000
    previous: tuple[Any, ...] | None = None
    while True:
        signals = await login_signals(page, marker, login_url, filled, cookies_before, text_before)
        decided = decide_login(signals, marker, bool(filled))
        # A page caught in the middle of a navigation has no fields and no log-out control either:
        # a "fields gone" or "left the page" reading counts only when the next reading agrees.
        stable = decided[1] in ("declared_marker", "logout_control", "login_error_shown") or decided == previous
        if decided[0] is not None and stable:
            break
        previous = decided
        if time.monotonic() > deadline:
            decided = (
                False,
                "declared_marker_not_reached"
                if marker
                else "still_on_login_form"
                if signals["login_fields_visible"]
                else "no_login_signal",
            )
            break
        await asyncio.sleep(0.3)
    ok, reason = decided
    record["signals"] = {k: v for k, v in signals.items() if k != "ready"}
    record["final_url"] = page.url
    record["ok"] = bool(ok)
    if ok:
        record["decided_by"] = reason
    else:
        record["error"] = reason
        record["page_excerpt"] = re.sub(r"\s+", " ", await visible_text(page))[:300]
    return record


async def back_on_login_form(page: Page, login: dict[str, Any]) -> bool:
    """After a login that worked: is this page the login form again (the session was not kept)?
    The same fields the login steps filled, shown again on the login page's address."""
    filled = login.get("filled_selectors") or []
    if not filled or not login.get("login_url"):
        return False
    if _page_address(page.url) != _page_address(login["login_url"]):
        return False
    return all([await _visible(page, sel) for sel in filled])
