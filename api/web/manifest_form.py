"""The probe-manifest builder of the pages: a form whose fields map to the manifest dict that
checker/probes/manifest.schema.json validates (the same dict the JSON view holds), and back.

Secrets (account passwords, parent PINs) are never written back into the page: what was typed is kept
across a re-rendered form in one hidden field, sealed with the manifest key for this product
(api.domain.sealing), and an empty password field means "keep the one entered before".
Repeating rows (login steps) work without JavaScript: a fixed number of blank rows, and a submit button
that re-renders the form with more."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from api.domain.sealing import ManifestBox, SealError

ROLES = ("parent", "child")
ACTIONS = ("goto", "fill", "click", "press", "wait_for")
STEP_FIELDS = ("url", "selector", "value", "key")
PAGES = ("settings", "signup", "login")
MAX_STEPS = 30  # the schema's maxItems
BLANK_STEPS = 2  # blank rows below the filled ones (and how many "add row" adds)
MIN_STEP_ROWS = 4
SECRET_FIELDS = {"password": "password", "parental_pin": "pin"}  # manifest key -> the form field's suffix
URL_FIELDS = {"start_url", "page_settings", "page_signup", "page_login"}
_ROW = re.compile(r"^/login_steps/(\d+)(?:/(\w+))?$")

# A manifest pointer (under /manifest) -> the form field that holds it.
POINTER_FIELDS = {
    "/name": "name",
    "/product_type": "product_type",
    "/start_url": "start_url",
    "/filtering": "filtering_mode",
    "/filtering/mode": "filtering_mode",
    "/filtering/proxy": "proxy",
    "/accounts": "acc_parent_username",
    "/pages": "page_settings",
    "/logged_in": "logged_in_selector",
    "/logged_in/selector": "logged_in_selector",
    "/logged_in/url_pattern": "logged_in_url_pattern",
    "/block_page_markers": "block_page_markers",
    "/allowed_hosts": "allowed_hosts",
    "/corpus": "corpus_csv",
    "/corpus/csv": "corpus_csv",
    "/corpus/sample_per_category": "corpus_sample",
    "/login_steps": "step_0_action",
    **{f"/accounts/{r}": f"acc_{r}_username" for r in ROLES},
    **{f"/accounts/{r}/username": f"acc_{r}_username" for r in ROLES},
    **{f"/accounts/{r}/{k}": f"acc_{r}_{s}" for r in ROLES for k, s in SECRET_FIELDS.items()},
    **{f"/pages/{p}": f"page_{p}" for p in PAGES},
}


@dataclass
class ManifestForm:
    """What the form holds: the text fields to show again (never a secret), the secrets entered (role.key ->
    value), how many login-step rows to show, the manifest built from it, and the form's own errors
    (field -> catalog keys) found before the schema is asked."""

    values: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    step_rows: int = MIN_STEP_ROWS
    manifest: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    step_of_row: dict[int, int] = field(default_factory=dict)  # manifest login-step index -> form row

    def error(self, name: str, key: str) -> None:
        self.errors.setdefault(name, []).append(key)

    def kept(self, role: str, key: str) -> bool:
        """Is a secret entered before kept for this account (its field is shown empty)?"""
        return bool(self.secrets.get(f"{role}.{key}"))

    def drop_refused_secrets(self, fields: dict) -> None:
        """Forget a secret whose field has an error: it must be typed again, not kept as it was."""
        for role in ROLES:
            for key, suffix in SECRET_FIELDS.items():
                if fields.get(f"acc_{role}_{suffix}"):
                    self.secrets.pop(f"{role}.{key}", None)


def _text(form, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def open_secrets(token: str, box: ManifestBox, product_id: int) -> dict[str, str]:
    """The secrets sealed into the form earlier ({} when none, or when the token does not open: typed again)."""
    if not token:
        return {}
    try:
        opened = box.open(token, product_id)
    except SealError:
        return {}
    if not isinstance(opened, dict) or not isinstance(opened.get("form_secrets"), dict):
        return {}
    return {str(k): v for k, v in opened["form_secrets"].items() if isinstance(v, str) and v}


def seal_secrets(secrets: dict[str, str], box: ManifestBox, product_id: int) -> str:
    """The hidden field's value that keeps `secrets` across a re-rendered form ("" when there are none)."""
    return box.seal({"form_secrets": secrets}, product_id) if secrets else ""


def read_form(form, box: ManifestBox, product_id: int, *, add_rows: bool = False) -> ManifestForm:
    """The posted builder form as a ManifestForm, its manifest built (validation is the schema's, by the caller)."""
    mf = ManifestForm()
    names = [
        "name",
        "product_type",
        "start_url",
        "filtering_mode",
        "proxy",
        "logged_in_selector",
        "logged_in_url_pattern",
        "corpus_csv",
        "corpus_sample",
        *(f"page_{p}" for p in PAGES),
        *(f"acc_{r}_username" for r in ROLES),
    ]
    for name in names:
        mf.values[name] = _text(form, name)
    for name in ("block_page_markers", "allowed_hosts"):
        value = form.get(name, "")
        mf.values[name] = "\n".join(_lines(value)) if isinstance(value, str) else ""
    kept = open_secrets(_text(form, "secrets_sealed"), box, product_id)
    for role in ROLES:
        for key, suffix in SECRET_FIELDS.items():
            typed = form.get(f"acc_{role}_{suffix}", "")
            typed = typed if isinstance(typed, str) else ""
            if typed.strip():
                mf.secrets[f"{role}.{key}"] = typed.strip() if key == "parental_pin" else typed
            elif (
                kept.get(f"{role}.{key}")
                and mf.values[f"acc_{role}_username"]
                and not form.get(f"acc_{role}_{suffix}_forget")
            ):
                mf.secrets[f"{role}.{key}"] = kept[f"{role}.{key}"]
    try:
        rows = int(_text(form, "step_rows") or MIN_STEP_ROWS)
    except ValueError:
        rows = MIN_STEP_ROWS
    rows = max(1, min(rows, MAX_STEPS))
    for row in range(rows):
        for part in ("action", *STEP_FIELDS):
            value = form.get(f"step_{row}_{part}", "")
            # A typed value is kept as typed (a space may matter); the others are trimmed.
            mf.values[f"step_{row}_{part}"] = (
                (value if part == "value" else value.strip()) if isinstance(value, str) else ""
            )
    filled = [r for r in range(rows) if any(mf.values[f"step_{r}_{p}"] for p in ("action", *STEP_FIELDS))]
    mf.step_rows = min(MAX_STEPS, max(rows, MIN_STEP_ROWS) + (BLANK_STEPS if add_rows else 0))
    mf.manifest = _build(mf, filled)
    return mf


def _build(mf: ManifestForm, filled_rows: list[int]) -> dict[str, Any]:
    v = mf.values
    manifest: dict[str, Any] = {}
    if v["name"]:
        manifest["name"] = v["name"]
    manifest["product_type"] = v["product_type"]
    if v["start_url"]:
        manifest["start_url"] = v["start_url"]
    mode = v["filtering_mode"]
    if mode == "proxy":
        if not v["proxy"]:
            mf.error("proxy", "mf.err.proxy_needed")
        manifest["filtering"] = {"mode": "proxy", "proxy": v["proxy"]}
    elif mode == "none":
        if v["proxy"]:
            mf.error("proxy", "mf.err.proxy_unused")
        if not v["start_url"]:
            mf.error("start_url", "mf.err.start_url_needed")
        manifest["filtering"] = {"mode": "none"}
    else:
        mf.error("filtering_mode", "err.choice")
    accounts = {}
    for role in ROLES:
        username = v[f"acc_{role}_username"]
        password = mf.secrets.get(f"{role}.password")
        pin = mf.secrets.get(f"{role}.parental_pin")
        if not (username or password or pin):
            continue
        if not username:
            mf.error(f"acc_{role}_username", "mf.err.username_needed")
        if not password:
            mf.error(f"acc_{role}_password", "mf.err.password_needed")
        account = {"username": username, "password": password or ""}
        if pin:
            account["parental_pin"] = pin
        accounts[role] = account
    if accounts:
        manifest["accounts"] = accounts
    steps: list[dict[str, Any]] = []
    for row in filled_rows:
        action = v[f"step_{row}_action"]
        if not action:
            mf.error(f"step_{row}_action", "mf.err.action_needed")
            continue
        step = {"action": action}
        step.update({part: v[f"step_{row}_{part}"] for part in STEP_FIELDS if v[f"step_{row}_{part}"]})
        mf.step_of_row[len(steps)] = row
        steps.append(step)
    if steps:
        manifest["login_steps"] = steps
    pages = {p: v[f"page_{p}"] for p in PAGES if v[f"page_{p}"]}
    if pages:
        manifest["pages"] = pages
    logged_in = {k: v[f"logged_in_{k}"] for k in ("selector", "url_pattern") if v[f"logged_in_{k}"]}
    if logged_in:
        manifest["logged_in"] = logged_in
    for name in ("block_page_markers", "allowed_hosts"):
        if v[name]:
            manifest[name] = _lines(v[name])
    corpus: dict[str, Any] = {}
    if v["corpus_csv"]:
        corpus["csv"] = v["corpus_csv"]
    if v["corpus_sample"]:
        if v["corpus_sample"].isdigit():
            corpus["sample_per_category"] = int(v["corpus_sample"])
        else:
            mf.error("corpus_sample", "err.type_integer")
    if corpus:
        manifest["corpus"] = corpus
    return manifest


def from_manifest(manifest: dict, product_type: str) -> ManifestForm:
    """The form for a manifest (a JSON import): every member the form has a field for. Members it has none for
    are listed by `unsupported`."""
    mf = ManifestForm()
    get: Callable[[str], Any] = manifest.get
    filtering = get("filtering") if isinstance(get("filtering"), dict) else {}
    v = mf.values
    v.update(
        name=_str(get("name")),
        product_type=_str(get("product_type")) or product_type,
        start_url=_str(get("start_url")),
        filtering_mode=_str(filtering.get("mode")),
        proxy=_str(filtering.get("proxy")),
    )
    accounts = get("accounts") if isinstance(get("accounts"), dict) else {}
    for role in ROLES:
        account = accounts.get(role)
        account = account if isinstance(account, dict) else {}
        v[f"acc_{role}_username"] = _str(account.get("username"))
        for key in SECRET_FIELDS:
            if _str(account.get(key)):
                mf.secrets[f"{role}.{key}"] = _str(account.get(key))
    steps = [s for s in get("login_steps") or [] if isinstance(s, dict)] if isinstance(get("login_steps"), list) else []
    for row, step in enumerate(steps[:MAX_STEPS]):
        for part in ("action", *STEP_FIELDS):
            v[f"step_{row}_{part}"] = _str(step.get(part))
    mf.step_rows = min(MAX_STEPS, max(MIN_STEP_ROWS, len(steps) + BLANK_STEPS))
    pages = get("pages") if isinstance(get("pages"), dict) else {}
    for p in PAGES:
        v[f"page_{p}"] = _str(pages.get(p))
    logged_in = get("logged_in") if isinstance(get("logged_in"), dict) else {}
    v["logged_in_selector"], v["logged_in_url_pattern"] = (
        _str(logged_in.get("selector")),
        _str(logged_in.get("url_pattern")),
    )
    for name in ("block_page_markers", "allowed_hosts"):
        items = get(name) if isinstance(get(name), list) else []
        v[name] = "\n".join(_str(i) for i in items if _str(i))
    corpus = get("corpus") if isinstance(get("corpus"), dict) else {}
    v["corpus_csv"] = _str(corpus.get("csv"))
    v["corpus_sample"] = _str(corpus.get("sample_per_category"))
    return mf


def unsupported(manifest: dict) -> list[str]:
    """Members of an imported manifest the form cannot hold (they would be lost: the JSON view keeps them)."""
    known = {
        "name",
        "product_type",
        "start_url",
        "filtering",
        "accounts",
        "login_steps",
        "pages",
        "logged_in",
        "block_page_markers",
        "allowed_hosts",
        "corpus",
        "$schema",
    }
    return sorted(k for k in manifest if k not in known)


def _str(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value)


def field_of(pointer: str, step_of_row: dict[int, int]) -> str | None:
    """The form field a manifest pointer ("/manifest/..." or "/...") belongs to, or None."""
    if pointer.startswith("/manifest"):
        pointer = pointer[len("/manifest") :]
    match = _ROW.match(pointer)
    if match:
        row = step_of_row.get(int(match.group(1)), int(match.group(1)))
        part = match.group(2) if match.group(2) in STEP_FIELDS else "action"
        return f"step_{row}_{part}"
    for prefix in ("/block_page_markers/", "/allowed_hosts/"):
        if pointer.startswith(prefix):
            return prefix.strip("/").split("/")[0]
    return POINTER_FIELDS.get(pointer)


def friendly_key(name: str, message: str) -> str | None:
    """A catalog key that says what a field needs, for the schema's pattern messages (which quote a regex)."""
    if "does not match" not in message and "is not valid under any of the given schemas" not in message:
        return None
    if name in URL_FIELDS or (name.startswith("step_") and name.endswith("_url")):
        return "err.http_url"
    if name == "proxy":
        return "mf.err.proxy"
    if name.endswith("_pin"):
        return "mf.err.pin"
    if name == "allowed_hosts":
        return "mf.err.host"
    return None
