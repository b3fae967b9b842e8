"""Load, validate, freeze-check and diff the versioned VCSC criteria sets in criteria/."""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from criteria import CRITERIA_DIR

SET_FILE = "set.yaml"
DIGESTS_FILE = "digests.json"


class CriteriaError(Exception):
    """A criteria file is missing or invalid; `where` names the file and JSON pointer."""

    def __init__(self, message: str, where: str = ""):
        super().__init__(f"{where}: {message}" if where else message)
        self.message = message
        self.where = where


def pointer(path: Iterable[str | int]) -> str:
    """JSON pointer (RFC 6901) for a jsonschema error path."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except FileNotFoundError:
        raise CriteriaError("không tìm thấy tệp / file not found", str(path)) from None
    except yaml.YAMLError as exc:
        raise CriteriaError(f"YAML không hợp lệ / invalid YAML: {exc}", str(path)) from None


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _first_error(validator: Draft202012Validator, data: Any, where: str) -> None:
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        raise CriteriaError(err.message, f"{where}#{pointer(err.absolute_path)}")


@dataclass(frozen=True)
class Vocabulary:
    groups: list[dict[str, Any]]
    product_types: list[dict[str, Any]]
    obligations: list[dict[str, Any]]
    probes: list[dict[str, Any]]

    def ids(self, kind: str) -> list[str]:
        return [term["id"] for term in getattr(self, kind)]

    def term(self, kind: str, term_id: str) -> dict[str, Any]:
        for term in getattr(self, kind):
            if term["id"] == term_id:
                return cast(dict[str, Any], term)
        raise KeyError(term_id)

    def probe_measurements(self, probe_id: str) -> list[str]:
        return cast(list[str], self.term("probes", probe_id)["measurements"])


@lru_cache(maxsize=4)
def load_vocabulary(root: Path = CRITERIA_DIR) -> Vocabulary:
    path = root / "vocabulary.yaml"
    data = _read_yaml(path)
    _first_error(Draft202012Validator(_read_json(root / "schema" / "vocabulary.schema.json")), data, str(path))
    return Vocabulary(data["groups"], data["product_types"], data["obligations"], data["probes"])


@lru_cache(maxsize=4)
def criterion_meta_schema(root: Path = CRITERIA_DIR) -> dict[str, Any]:
    """The criterion meta-schema with its open enums filled from vocabulary.yaml."""
    schema: dict[str, Any] = copy.deepcopy(_read_json(root / "schema" / "criterion.schema.json"))
    vocab = load_vocabulary(root)
    schema["$defs"]["group"] = {"enum": vocab.ids("groups")}
    schema["$defs"]["product_type"] = {"enum": vocab.ids("product_types")}
    schema["$defs"]["probe_id"] = {"enum": vocab.ids("probes")}
    return schema


@dataclass(frozen=True)
class Criterion:
    id: str
    data: dict[str, Any]  # the criterion file, valid against criteria/schema/criterion.schema.json

    @property
    def status(self) -> str:
        return cast(str, self.data["status"])

    @property
    def active(self) -> bool:
        return bool(self.data["status"] == "active")

    @property
    def title(self) -> dict[str, str]:
        return cast(dict[str, str], self.data["title"])

    @property
    def group(self) -> str:
        return cast(str, self.data["group"])

    @property
    def obligation(self) -> str:
        return cast(str, self.data["obligation"])

    @property
    def applies_to(self) -> list[str]:
        return cast(list[str], self.data["applies_to"])

    @property
    def question(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.data["question"])

    @property
    def probes(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self.data["probes"])

    def applies(self, product_type: str) -> bool:
        return product_type in self.data["applies_to"]


@dataclass(frozen=True)
class CriteriaSet:
    version: str
    meta: dict[str, Any]  # set.yaml, valid against criteria/schema/set.schema.json
    criteria: dict[str, Criterion]
    path: Path
    digest: str = field(repr=False)

    @property
    def status(self) -> str:
        return cast(str, self.meta["status"])

    @property
    def levels(self) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], self.meta["levels"])

    def active_criteria(self) -> list[Criterion]:
        return [c for c in self.criteria.values() if c.active]

    def applicable(self, product_type: str) -> list[Criterion]:
        return [c for c in self.criteria.values() if c.active and c.applies(product_type)]

    def summary(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "title": self.meta["title"],
            "status": self.status,
            "released": self.meta.get("released"),
            "effective_from": self.meta.get("effective_from"),
            "supersedes": self.meta.get("supersedes"),
            "criteria_count": len(self.active_criteria()),
            "retired_count": len(self.criteria) - len(self.active_criteria()),
            "digest": self.digest,
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "meta": self.meta, "criteria": [c.data for c in self.criteria.values()]}


def version_digest(folder: Path) -> str:
    """sha256 over the names and bytes of every YAML file of a version folder."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.yaml")):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def list_versions(root: Path = CRITERIA_DIR) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and (p / SET_FILE).exists())


def recorded_digests(root: Path = CRITERIA_DIR) -> dict[str, str]:
    path = root / DIGESTS_FILE
    return cast(dict[str, str], _read_json(path)) if path.exists() else {}


def _check_criterion(data: Any, where: str, vocab: Vocabulary, validator: Draft202012Validator) -> None:
    _first_error(validator, data, where)
    q = data["question"]
    for key in ("answer_schema", "pass_rule"):
        try:
            Draft202012Validator.check_schema(q[key])
        except SchemaError as exc:
            raise CriteriaError(
                f"không phải JSON Schema hợp lệ / not a valid JSON Schema: {exc.message}",
                f"{where}#/question/{key}{pointer(exc.path)}",
            ) from None
    for i, probe in enumerate(data["probes"]):
        try:
            Draft202012Validator.check_schema(probe["threshold"])
        except SchemaError as exc:
            raise CriteriaError(
                f"không phải JSON Schema hợp lệ / not a valid JSON Schema: {exc.message}",
                f"{where}#/probes/{i}/threshold",
            ) from None
        known = set(vocab.probe_measurements(probe["id"]))
        named = set(probe["threshold"].get("properties", {})) | set(probe["threshold"].get("required", []))
        unknown = sorted(named - known)
        if unknown:
            raise CriteriaError(
                f"phép đo không có trong probe {probe['id']} / unknown measurement(s) {unknown}",
                f"{where}#/probes/{i}/threshold",
            )


_LOAD_LOCK = threading.Lock()


def load_set(version: str, root: Path = CRITERIA_DIR) -> CriteriaSet:
    """Load and fully validate one criteria-set version; raises CriteriaError with file and pointer.

    Cached per process; the lock makes concurrent first callers (a cold server's threads) wait for one load
    instead of each loading the set themselves."""
    with _LOAD_LOCK:
        return _load_set(version, root)


@lru_cache(maxsize=32)
def _load_set(version: str, root: Path) -> CriteriaSet:
    folder = root / version
    if "/" in version or version.startswith(".") or not (folder / SET_FILE).is_file():
        raise CriteriaError(f"không có phiên bản bộ tiêu chí '{version}' / no criteria version '{version}'")
    vocab = load_vocabulary(root)
    set_path = folder / SET_FILE
    meta = _read_yaml(set_path)
    _first_error(Draft202012Validator(_read_json(root / "schema" / "set.schema.json")), meta, str(set_path))
    if meta["version"] != version:
        raise CriteriaError(
            f"version '{meta['version']}' khác tên thư mục / differs from folder name", f"{set_path}#/version"
        )
    validator = Draft202012Validator(criterion_meta_schema(root))
    criteria: dict[str, Criterion] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == SET_FILE:
            continue
        data = _read_yaml(path)
        _check_criterion(data, str(path), vocab, validator)
        if data["id"] != path.stem:
            raise CriteriaError(f"id '{data['id']}' khác tên tệp / differs from file name", f"{path}#/id")
        criteria[data["id"]] = Criterion(data["id"], data)
    for c in criteria.values():
        for repl in c.data.get("replaced_by", []):
            if repl not in criteria:
                raise CriteriaError(
                    f"replaced_by names unknown criterion '{repl}'", f"{folder / (c.id + '.yaml')}#/replaced_by"
                )
    if not criteria:
        raise CriteriaError("phiên bản không có tiêu chí nào / version has no criteria", str(folder))
    return CriteriaSet(version, meta, criteria, folder, version_digest(folder))


def frozen_violations(root: Path = CRITERIA_DIR) -> list[str]:
    """Published versions whose files differ from the recorded digest (or have none)."""
    recorded = recorded_digests(root)
    problems = []
    for version in list_versions(root):
        cset = load_set(version, root)
        if cset.status != "published":
            continue
        if version not in recorded:
            problems.append(f"{version}: đã công bố nhưng chưa ghi digest / published without a recorded digest")
        elif recorded[version] != cset.digest:
            problems.append(
                f"{version}: tệp của phiên bản đã công bố bị thay đổi / a file of a published version changed "
                f"(recorded {recorded[version][:12]}, now {cset.digest[:12]})"
            )
    return problems


def freeze(version: str, root: Path = CRITERIA_DIR) -> str:
    """Record the digest of a published version; refuses to overwrite a different one."""
    cset = load_set(version, root)
    if cset.status != "published":
        raise CriteriaError(
            f"{version} là bản nháp; chỉ phiên bản đã công bố được đóng băng / is a draft; only published versions are frozen"
        )
    recorded = recorded_digests(root)
    if recorded.get(version, cset.digest) != cset.digest:
        raise CriteriaError(f"{version} đã được đóng băng với digest khác / already frozen with another digest")
    recorded[version] = cset.digest
    (root / DIGESTS_FILE).write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return cset.digest


# --- diff -----------------------------------------------------------------------------

_WORDING_FIELDS = (("title",), ("description",), ("rationale",), ("question", "text"), ("question", "help"))


def _get(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def diff_sets(old: CriteriaSet, new: CriteriaSet) -> dict[str, Any]:
    """What changed from `old` to `new`: added, removed, retired, reworded, rule and threshold changes."""
    changes: dict[str, list[dict[str, Any]]] = {
        "added": [],
        "removed": [],
        "retired": [],
        "reinstated": [],
        "reworded": [],
        "rule_changed": [],
        "threshold_changed": [],
        "obligation_changed": [],
        "applicability_changed": [],
        "group_changed": [],
        "evidence_changed": [],
    }
    for cid in sorted(set(new.criteria) - set(old.criteria)):
        c = new.criteria[cid]
        if c.active:
            changes["added"].append({"id": cid, "title": c.title, "obligation": c.obligation, "group": c.group})
    for cid in sorted(set(old.criteria) - set(new.criteria)):
        changes["removed"].append({"id": cid, "title": old.criteria[cid].title})
    for cid in sorted(set(old.criteria) & set(new.criteria)):
        a, b = old.criteria[cid].data, new.criteria[cid].data
        if a["status"] == "active" and b["status"] == "retired":
            changes["retired"].append(
                {
                    "id": cid,
                    "title": a["title"],
                    "reason": b.get("retired_reason"),
                    "replaced_by": b.get("replaced_by", []),
                }
            )
            continue
        if a["status"] == "retired" and b["status"] == "active":
            changes["reinstated"].append({"id": cid, "title": b["title"]})
        if b["status"] == "retired":
            continue
        fields = [".".join(p) for p in _WORDING_FIELDS if _get(a, p) != _get(b, p)]
        if fields:
            changes["reworded"].append(
                {
                    "id": cid,
                    "fields": fields,
                    "before": {f: _get(a, tuple(f.split("."))) for f in fields},
                    "after": {f: _get(b, tuple(f.split("."))) for f in fields},
                }
            )
        for key in ("answer_schema", "pass_rule"):
            if a["question"][key] != b["question"][key]:
                changes["rule_changed"].append(
                    {"id": cid, "field": f"question.{key}", "before": a["question"][key], "after": b["question"][key]}
                )
        if a["question"]["na_allowed"] != b["question"]["na_allowed"]:
            changes["rule_changed"].append(
                {
                    "id": cid,
                    "field": "question.na_allowed",
                    "before": a["question"]["na_allowed"],
                    "after": b["question"]["na_allowed"],
                }
            )
        if a["question"]["evidence"] != b["question"]["evidence"]:
            changes["evidence_changed"].append(
                {"id": cid, "before": a["question"]["evidence"], "after": b["question"]["evidence"]}
            )
        pa = {p["id"]: p["threshold"] for p in a["probes"]}
        pb = {p["id"]: p["threshold"] for p in b["probes"]}
        for pid in sorted(set(pa) | set(pb)):
            if pa.get(pid) != pb.get(pid):
                changes["threshold_changed"].append(
                    {"id": cid, "probe": pid, "before": pa.get(pid), "after": pb.get(pid)}
                )
        for key, bucket in (("obligation", "obligation_changed"), ("group", "group_changed")):
            if a[key] != b[key]:
                changes[bucket].append({"id": cid, "before": a[key], "after": b[key]})
        if sorted(a["applies_to"]) != sorted(b["applies_to"]):
            changes["applicability_changed"].append(
                {
                    "id": cid,
                    "added": sorted(set(b["applies_to"]) - set(a["applies_to"])),
                    "removed": sorted(set(a["applies_to"]) - set(b["applies_to"])),
                }
            )
    levels_changed = old.levels != new.levels
    return {"from": old.version, "to": new.version, "levels_changed": levels_changed, "changes": changes}
