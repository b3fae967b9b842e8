"""A probe folder holds its definition, gather, evaluate and the unit tests of its evaluate; the registry finds
probes by their definition.yaml only, so the test modules beside them are never taken for probe code."""

from __future__ import annotations

import importlib

from checker.probes import registry


def _probe_folders() -> list[str]:
    return sorted(p.parent.name for p in registry.PROBES_DIR.glob("*/definition.yaml"))


def test_every_probe_folder_has_the_unit_tests_of_its_evaluate():
    without = [pid for pid in _probe_folders() if not (registry.PROBES_DIR / pid / "test_evaluate.py").is_file()]
    assert without == []


def test_importing_the_test_modules_leaves_the_registry_as_it_was():
    registry.all_probes.cache_clear()
    before = list(registry.all_probes())
    for pid in _probe_folders():
        importlib.import_module(f"checker.probes.{pid}.test_evaluate")
    registry.all_probes.cache_clear()
    after = registry.all_probes()
    assert list(after) == before
    assert sorted(after) == _probe_folders()
    # The probe's code is its evaluate and gather, never a test module beside them.
    for probe in after.values():
        assert probe.evaluate.__module__ == f"checker.probes.{probe.id}.evaluate"
        assert probe.gather.__module__ == f"checker.probes.{probe.id}.gather"
