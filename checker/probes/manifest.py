"""The probe manifest: how the probes reach a vendor's product, validated with JSON pointers."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
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
def manifest_schema() -> dict:
    schema = copy.deepcopy(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    schema["properties"]["product_type"] = {"enum": load_vocabulary().ids("product_types")}
    return schema


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    return Draft202012Validator(manifest_schema())


@dataclass(frozen=True)
class Manifest:
    data: dict

    @property
    def product_type(self) -> str:
        return self.data["product_type"]

    @property
    def start_url(self) -> str | None:
        """The product's start page; a pure proxy/DNS filter may have none."""
        return self.data.get("start_url")

    @property
    def proxy(self) -> str | None:
        """host:port of the product's filtering proxy, or None when the product is a website."""
        filtering = self.data["filtering"]
        return filtering["proxy"] if filtering["mode"] == "proxy" else None

    def account(self, role: str) -> dict | None:
        return self.data.get("accounts", {}).get(role)

    @property
    def login_steps(self) -> list[dict]:
        return self.data.get("login_steps", [])

    def page(self, name: str) -> str | None:
        return self.data.get("pages", {}).get(name)

    @property
    def block_page_markers(self) -> list[str]:
        return self.data.get("block_page_markers", [])

    def hosts(self) -> set[str]:
        """Host names the manifest points at (start page, pointers, login steps, allowed hosts)."""
        urls = [u for u in (self.start_url, *self.data.get("pages", {}).values()) if u]
        urls += [s["url"] for s in self.login_steps if s.get("url")]
        hosts = {urlsplit(u).hostname for u in urls if urlsplit(u).hostname}
        hosts |= set(self.data.get("allowed_hosts", []))
        if self.proxy:
            hosts.add(self.proxy.rsplit(":", 1)[0])
        return {h.lower().rstrip(".") for h in hosts}


def validate_manifest(data: Any) -> list[Issue]:
    issues = []
    for err in _validator().iter_errors(data):
        where = pointer(err.absolute_path)
        if err.validator == "oneOf" and isinstance(err.instance, dict):
            mode = err.instance.get("mode")
            message = ("mode 'proxy' cần trường proxy host:port / mode 'proxy' needs proxy host:port" if mode == "proxy"
                       else f"mode phải là 'proxy' hoặc 'none' / mode must be 'proxy' or 'none' (got {mode!r})")
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
    return load_manifest(data)
