"""The probes that exist: one folder per probe under checker/probes/, found by its definition.yaml."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

import yaml
from jsonschema import Draft202012Validator

from checker.criteria import CriteriaError, load_vocabulary, pointer

PROBES_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Probe:
    id: str
    definition: dict[str, Any]

    @property
    def title(self) -> dict[str, Any]:
        return cast("dict[str, Any]", self.definition["title"])

    @property
    def needs(self) -> list[str]:
        return cast("list[str]", self.definition.get("needs", []))

    @property
    def lane(self) -> str:
        """product, site or alone: what the probe may run beside (definition.schema.json)."""
        return cast("str", self.definition["lane"])

    @property
    def gather(self) -> Callable[..., Any]:
        gather: Callable[..., Any] = importlib.import_module(f"checker.probes.{self.id}.gather").gather
        return gather

    @property
    def evaluate(self) -> Callable[[dict[str, Any]], Any]:
        evaluate: Callable[[dict[str, Any]], Any] = importlib.import_module(
            f"checker.probes.{self.id}.evaluate"
        ).evaluate
        return evaluate


@lru_cache(maxsize=1)
def _definition_validator() -> Draft202012Validator:
    schema = json.loads((PROBES_DIR / "definition.schema.json").read_text(encoding="utf-8"))
    schema["properties"]["id"] = {"enum": load_vocabulary().ids("probes")}
    return Draft202012Validator(schema)


@lru_cache(maxsize=1)
def all_probes() -> dict[str, Probe]:
    """Every probe folder, validated; ordered as in the vocabulary."""
    found: dict[str, Probe] = {}
    for path in sorted(PROBES_DIR.glob("*/definition.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        errors = sorted(_definition_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            raise CriteriaError(errors[0].message, f"{path}#{pointer(errors[0].absolute_path)}")
        if data["id"] != path.parent.name:
            raise CriteriaError("id khác tên thư mục / id differs from folder name", f"{path}#/id")
        vocab_measures = load_vocabulary().probe_measurements(data["id"])
        if data["measures"] != vocab_measures:
            raise CriteriaError(
                f"measures khác vocabulary.yaml / differ from vocabulary.yaml: {vocab_measures}", f"{path}#/measures"
            )
        found[data["id"]] = Probe(data["id"], data)
    order = load_vocabulary().ids("probes")
    return {pid: found[pid] for pid in order if pid in found}


def get_probe(probe_id: str) -> Probe:
    probes = all_probes()
    if probe_id not in probes:
        raise KeyError(f"không có probe '{probe_id}' / no probe '{probe_id}'; có / known: {', '.join(probes)}")
    return probes[probe_id]
