"""The probe manifest: how the probes reach a vendor's product, validated with JSON pointers."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from checker.assessment import Issue
from checker.criteria import load_vocabulary, pointer

SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")


class ManifestError(Exception):
    """An invalid manifest; carries every issue with its JSON pointer."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__(f"{issues[0].pointer or '/'}: {issues[0].message}")


@lru_cache(maxsize=1)
def manifest_schema() -> dict[str, Any]:
    schema: dict[str, Any] = copy.deepcopy(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    schema["properties"]["product_type"] = {"enum": load_vocabulary().ids("product_types")}
    return schema


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(manifest_schema())


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]
    # The folder of the manifest file: relative paths in it (corpus.csv) are read from there.
    base_dir: Path | None = None

    @property
    def product_type(self) -> str:
        return cast("str", self.data["product_type"])

    @property
    def start_url(self) -> str | None:
        """The product's start page; a pure proxy/DNS filter may have none."""
        return cast("str | None", self.data.get("start_url"))

    @property
    def proxy(self) -> str | None:
        """host:port of the product's filtering proxy, or None when the product is a website."""
        filtering = self.data["filtering"]
        return filtering["proxy"] if filtering["mode"] == "proxy" else None

    def account(self, role: str) -> dict[str, Any] | None:
        return cast("dict[str, Any] | None", self.data.get("accounts", {}).get(role))

    @property
    def login_steps(self) -> list[dict[str, Any]]:
        return cast("list[dict[str, Any]]", self.data.get("login_steps", []))

    def needed(self, value: str | None, what: str) -> str:
        """`value` (the start page, pages.<name>) of a probe that needs it: the runner runs a probe only when the
        manifest has what its definition's `needs` lists."""
        if not value:
            raise ValueError(f"the manifest has no {what}")
        return value

    def page(self, name: str) -> str | None:
        return cast("str | None", self.data.get("pages", {}).get(name))

    @property
    def logged_in_marker(self) -> dict[str, Any]:
        """What the vendor says a logged-in page has: {"selector": css} and/or {"url_pattern": glob}; {} when none."""
        return dict(self.data.get("logged_in") or {})

    def parental_pin(self, role: str = "parent") -> str | None:
        """The parent PIN the vendor gave for an account (any account when `role` has none)."""
        accounts = self.data.get("accounts", {})
        pin = (accounts.get(role) or {}).get("parental_pin")
        return pin or next((a["parental_pin"] for a in accounts.values() if a.get("parental_pin")), None)

    def secrets(self) -> list[str]:
        """Every password and PIN of the manifest: never to appear in an artifact or explanation."""
        found: set[str] = set()
        for account in self.data.get("accounts", {}).values():
            found.update(v for k, v in account.items() if k in ("password", "parental_pin") and v)
        return sorted(found, key=len, reverse=True)

    def corpus_csv(self) -> Path | None:
        """The club's URL list named by corpus.csv, relative to the manifest file's folder."""
        name = self.data.get("corpus", {}).get("csv")
        if not name:
            return None
        path = Path(name).expanduser()
        return path if path.is_absolute() or self.base_dir is None else self.base_dir / path

    @property
    def block_page_markers(self) -> list[str]:
        return cast("list[str]", self.data.get("block_page_markers", []))

    def hosts(self) -> set[str]:
        """Host names the manifest points at (start page, pointers, login steps, allowed hosts)."""
        urls = [u for u in (self.start_url, *self.data.get("pages", {}).values()) if u]
        urls += [s["url"] for s in self.login_steps if s.get("url")]
        hosts = {urlsplit(u).hostname for u in urls if urlsplit(u).hostname}
        hosts |= set(self.data.get("allowed_hosts", []))
        if self.proxy:
            hosts.add(self.proxy.rsplit(":", 1)[0])
        return {h.lower().rstrip(".") for h in hosts}


def url_matches(pattern: str, url: str) -> bool:
    """Does `url` match a declared logged-in address pattern? `*` matches any characters; a pattern
    starting with "/" is matched against the path and query only. No regular expression is built
    from the vendor's text, so no pattern can make matching slow."""
    from urllib.parse import urlsplit

    if pattern.startswith("/"):
        parts = urlsplit(url)
        url = parts.path + (f"?{parts.query}" if parts.query else "")
    pieces = pattern.split("*")
    if len(pieces) == 1:
        return url == pattern
    first, *middle, last = pieces
    if not url.startswith(first) or not url[len(first) :].endswith(last) or len(url) < len(first) + len(last):
        return False
    at, end = len(first), len(url) - len(last)
    for piece in middle:
        found = url.find(piece, at, end)
        if found < 0:
            return False
        at = found + len(piece)
    return True


MASK = "********"


def redact(value: Any, secrets: list[str]) -> Any:
    """`value` (JSON-like) with every secret replaced by a mask wherever it stands as a whole token
    (a page that echoes the PIN back must not put it into the stored evidence)."""
    import re

    if not secrets:
        return value
    pattern = re.compile("|".join(rf"(?<![A-Za-z0-9]){re.escape(s)}(?![A-Za-z0-9])" for s in secrets))

    def walk(v: Any) -> Any:
        if isinstance(v, str):
            return pattern.sub(MASK, v)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [walk(x) for x in v]
        return v

    return walk(value)


SECRET_FIELDS = {
    "password": "mật khẩu phải là chuỗi 1–200 ký tự / the password must be a string of 1–200 characters",
    "parental_pin": "mã PIN phải gồm 4–16 chữ cái hoặc chữ số (a–z, 0–9) / the PIN must be 4–16 letters or digits (a–z, 0–9)",
}


def validate_manifest(data: Any) -> list[Issue]:
    issues = []
    for err in _validator().iter_errors(data):
        where = pointer(err.absolute_path)
        if err.absolute_path and err.absolute_path[-1] in SECRET_FIELDS:
            # Never echo a secret back, not even a malformed one.
            issues.append(Issue(where, SECRET_FIELDS[err.absolute_path[-1]]))
        elif err.validator == "oneOf" and isinstance(err.instance, dict):
            mode = err.instance.get("mode")
            message = (
                "mode 'proxy' cần trường proxy host:port / mode 'proxy' needs proxy host:port"
                if mode == "proxy"
                else f"mode phải là 'proxy' hoặc 'none' / mode must be 'proxy' or 'none' (got {mode!r})"
            )
            issues.append(Issue(where, message))
        else:
            issues.append(Issue(where, err.message))
    return sorted(issues, key=lambda i: i.pointer)


def load_manifest(data: Any) -> Manifest:
    issues = validate_manifest(data)
    if issues:
        raise ManifestError(issues)
    return Manifest(data)


def read_manifest(path: Path) -> Manifest:
    """Read and validate a manifest file; errors name the JSON pointer."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError([Issue("", f"không tìm thấy tệp / file not found: {path}")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError([Issue("", f"JSON không hợp lệ / invalid JSON: {exc}")]) from None
    return Manifest(load_manifest(data).data, base_dir=Path(path).resolve().parent)
