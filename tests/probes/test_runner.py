"""The probe runner as an operator meets it: manifests, the CLI, replaying stored artifacts,
and a browser that dies in the middle of a run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

from api.cli import main
from checker.probes.manifest import ManifestError, load_manifest, validate_manifest

GOOD = {
    "product_type": "kid_browser",
    "start_url": "https://kids.example.vn/",
    "filtering": {"mode": "proxy", "proxy": "proxy.example.vn:3128"},
}


def pointers(data):
    return {i.pointer for i in validate_manifest(data)}


def test_a_good_manifest_is_accepted():
    assert validate_manifest(GOOD) == []
    manifest = load_manifest(GOOD)
    assert manifest.proxy == "proxy.example.vn:3128"
    assert manifest.hosts() == {"kids.example.vn", "proxy.example.vn"}


@pytest.mark.parametrize(
    "change,pointer",
    [
        ({"product_type": "toaster"}, "/product_type"),
        ({"start_url": "ftp://x"}, "/start_url"),
        ({"filtering": {"mode": "proxy"}}, "/filtering"),
        ({"filtering": {"mode": "vpn"}}, "/filtering"),
        ({"login_steps": [{"action": "fill", "selector": "#email"}]}, "/login_steps/0"),
        ({"login_steps": [{"action": "dance"}]}, "/login_steps/0/action"),
        ({"accounts": {"child": {"username": "a"}}}, "/accounts/child"),
        ({"surprise": 1}, ""),
    ],
)
def test_bad_manifests_are_pointed_at(change, pointer):
    assert pointer in pointers({**GOOD, **change})


def test_a_website_product_needs_a_start_url():
    data = {"product_type": "children_platform", "filtering": {"mode": "none"}}
    assert "" in pointers(data)
    with pytest.raises(ManifestError) as err:
        load_manifest(data)
    assert "start_url" in str(err.value)


def test_cli_bad_manifest_is_one_line_with_pointer(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({**GOOD, "filtering": {"mode": "proxy", "proxy": "no port"}}))
    result = CliRunner().invoke(main, ["probe", str(path)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "#/filtering" in result.output
    result = CliRunner().invoke(main, ["probe", str(tmp_path / "missing.json")])
    assert result.exit_code == 2


def test_cli_unknown_probe(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps(GOOD))
    result = CliRunner().invoke(main, ["probe", str(path), "--only", "telepathy"])
    assert result.exit_code == 2 and "telepathy" in result.output


@pytest.mark.slow
def test_cli_probe_prints_findings_and_replays_without_a_browser(products, tmp_path):
    manifest = tmp_path / "funzone.json"
    manifest.write_text(json.dumps({**products["funzone"].manifest(), "product_type": "kid_browser"}))
    out = tmp_path / "out"
    env = {**os.environ, "VCSC_PROBE_ALLOW_NETWORKS": "127.0.0.0/8", "VCSC_PROBE_IGNORE_TLS_ERRORS": "1"}
    exe = os.path.join(os.path.dirname(sys.executable), "vcsc")
    run = subprocess.run(
        [exe, "probe", str(manifest), "--only", "transport", "--only", "reporting", "--out", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "[transport]" in run.stdout and "[reporting]" in run.stdout and "Không đạt" in run.stdout
    first = json.loads(
        subprocess.run(
            [exe, "probe", str(manifest), "--only", "transport", "--out", str(out), "--replay", "--json"],
            capture_output=True,
            text=True,
            timeout=120,
            env={**env, "VCSC_CHROMIUM": "/nonexistent/chromium"},
        ).stdout
    )
    (probe,) = first["probes"]
    assert probe["probe_id"] == "transport"
    assert {f["outcome"] for f in probe["findings"]} >= {"failed"}


def _descendants(root: int) -> list[tuple[int, str]]:
    children: dict[int, list[int]] = {}
    names = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    head, rest = fh.read().rsplit(")", 1)
                children.setdefault(int(rest.split()[1]), []).append(int(entry))
                names[int(entry)] = head.split("(", 1)[1]
            except OSError:
                continue
    out, stack = [], [root]
    while stack:
        pid = stack.pop()
        for child in children.get(pid, []):
            out.append((child, names.get(child, "")))
            stack.append(child)
    return out


def _kill_chromium() -> int:
    """SIGKILL the Chromium browser processes started by this test process; returns how many."""
    killed = 0
    for pid, name in _descendants(os.getpid()):
        if name.startswith("chrom"):
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
    return killed


@pytest.mark.slow
def test_a_killed_browser_is_restarted_and_the_run_resumes(run_case):
    killed = []

    def progress(probe_id, done, total):
        if done == 20 and not killed:
            killed.append(_kill_chromium())

    result = run_case("content_filtering", "safekid", progress=progress)
    assert killed and killed[0] >= 1
    assert result.browser_restarts >= 1
    (outcome,) = result.outcomes
    artifact = outcome.artifact
    assert artifact["complete"] and len(artifact["pages"]) == artifact["total"]
    assert len({p["page_id"] for p in artifact["pages"]}) == artifact["total"], "no page measured twice"
    assert {f.outcome for f in outcome.findings} == {"passed"}
