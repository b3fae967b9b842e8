"""requirements.lock (written by scripts/lock, installed by scripts/setup) is in step with pyproject.toml.

Offline and quick; `scripts/lock --check` is the exact check (it resolves again with uv).
"""

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
FIX = "run scripts/lock and commit requirements.lock"
# The interpreter and platform the lock is written for (scripts/uv.sh).
LOCK_ENVIRONMENT = {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


def parse_lock(text: str) -> dict[str, tuple[Version, list[str]]]:
    """Each locked package: its pinned version and its hashes."""
    entries: dict[str, tuple[Version, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = block.split("\n", 1)[0]
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", first)
        if match:
            hashes = re.findall(r"--hash=sha256:([0-9a-f]{64})", block)
            entries[canonicalize_name(match.group(1))] = (Version(match.group(2)), hashes)
    return entries


def declared(project: dict) -> list[tuple[str, Requirement]]:
    """(where, requirement) for the dependencies and every extra that apply to the lock's platform."""
    found = [("dependencies", Requirement(r)) for r in project["dependencies"]]
    for extra, requirements in project.get("optional-dependencies", {}).items():
        found += [(f"optional-dependencies.{extra}", Requirement(r)) for r in requirements]
    return [
        (where, r) for where, r in found if r.marker is None or r.marker.evaluate({**LOCK_ENVIRONMENT, "extra": ""})
    ]


def problems(project: dict, lock: dict[str, tuple[Version, list[str]]]) -> list[str]:
    found = []
    for where, requirement in declared(project):
        name = canonicalize_name(requirement.name)
        if name not in lock:
            found.append(f"{requirement} ({where}) is not in requirements.lock")
        elif not requirement.specifier.contains(lock[name][0], prereleases=True):
            found.append(f"{requirement} ({where}): requirements.lock has {name}=={lock[name][0]}")
    for name, (version, hashes) in lock.items():
        if not hashes:
            found.append(f"{name}=={version} has no --hash in requirements.lock")
    return found


def test_every_declared_dependency_is_locked_at_a_version_it_allows():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    lock = parse_lock((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    found = problems(project, lock)
    assert not found, f"requirements.lock is out of step with pyproject.toml ({FIX}):\n" + "\n".join(found)


def test_the_lock_holds_what_extras_and_setup_need():
    lock = parse_lock((ROOT / "requirements.lock").read_text(encoding="utf-8"))
    # psycopg[binary] and PyJWT[crypto]: the packages their extras add are locked too.
    assert "psycopg-binary" in lock and lock["psycopg-binary"][0] == lock["psycopg"][0], FIX
    assert "cryptography" in lock, FIX
    # scripts/setup installs uv from the lock's own pin and hashes before anything else.
    assert "uv" in lock and lock["uv"][1], "requirements.lock has no hashed uv pin: " + FIX


def test_the_check_reports_a_missing_package_and_a_pin_outside_the_range():
    project = {
        "dependencies": ["fastapi>=0.121,<1", "PyYAML>=6.0"],
        "optional-dependencies": {"lint": ["ruff>=0.6"], "win": ["colorama; sys_platform == 'win32'"]},
    }
    lock = parse_lock("# header\nfastapi==1.2.0 \\\n    --hash=sha256:" + "a" * 64 + "\n    # via x\npyyaml==6.0.3\n")
    assert problems(project, lock) == [
        "fastapi<1,>=0.121 (dependencies): requirements.lock has fastapi==1.2.0",
        "ruff>=0.6 (optional-dependencies.lint) is not in requirements.lock",
        "pyyaml==6.0.3 has no --hash in requirements.lock",
    ]
