"""The `vcsc` command line as a user runs it: criteria, diff, schema, offline assessment, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_console_script_is_installed_and_assesses_an_example():
    exe = shutil.which("vcsc", path=os.path.dirname(sys.executable))
    assert exe, "the vcsc console script is installed beside the interpreter"
    out = subprocess.run(
        [exe, "assess", EXAMPLES / "answers-kid-browser-basic.json"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "Mức đạt được: Cơ bản" in out.stdout


def test_criteria_list(run):
    result = run("criteria", "list", "--json")
    versions = {v["version"]: v for v in json.loads(result.output)}
    assert versions["vcsc-2024.1"]["criteria_count"] >= 30
    assert versions["vcsc-2025.1"]["supersedes"] == "vcsc-2024.1"
    text = run("criteria", "list").output
    assert "vcsc-2024.1" in text and "vcsc-2025.1" in text


def test_criteria_show_version_and_one_criterion(run):
    text = run("criteria", "show", "vcsc-2024.1").output
    assert "CF-01" in text and "Chặn nội dung người lớn" in text
    one = run("criteria", "show", "vcsc-2024.1", "CF-01", "--lang", "en").output
    assert "Adult content blocked" in one and "content_filtering" in one
    data = json.loads(run("criteria", "show", "vcsc-2024.1", "CF-01", "--json").output)
    assert data["question"]["pass_rule"]["properties"]["block_rate"]["minimum"] == 0.98


def test_criteria_diff_shows_real_changes(run):
    text = run("criteria", "diff", "vcsc-2024.1", "vcsc-2025.1").output
    assert "Tiêu chí mới" in text and "Ngừng áp dụng" in text and "Đổi ngưỡng" in text
    assert "0.98" in text and "0.95" in text
    data = json.loads(run("criteria", "diff", "vcsc-2024.1", "vcsc-2025.1", "--json").output)
    assert data["changes"]["added"] and data["changes"]["retired"] and data["changes"]["reworded"]


def test_criteria_schema_is_a_json_schema(run):
    from jsonschema import Draft202012Validator

    schema = json.loads(run("criteria", "schema", "vcsc-2024.1", "--product-type", "filtering_app").output)
    Draft202012Validator.check_schema(schema)
    assert "CF-01" in schema["properties"]["answers"]["properties"]


def test_criteria_check_passes(run):
    result = run("criteria", "check")
    assert result.exit_code == 0 and "OK" in result.output


def test_assess_prints_outcomes_and_level(run):
    result = run("assess", EXAMPLES / "answers-kid-browser-basic.json")
    assert result.exit_code == 0
    assert "Đạt" in result.output and "Mức đạt được: Cơ bản" in result.output and "Nâng cao" in result.output
    en = run("assess", EXAMPLES / "answers-kid-browser-basic.json", "--lang", "en").output
    assert "Level reached: Basic" in en and "To reach Advanced" in en


def test_assess_json(run):
    data = json.loads(run("assess", EXAMPLES / "answers-filtering-app-advanced.json", "--json").output)
    assert data["level"]["id"] == "advanced"
    assert {r["outcome"] for r in data["results"]} <= {"passed", "inapplicable"}


def test_assess_bad_file_one_line_with_pointer(run, tmp_path):
    bad = json.loads((EXAMPLES / "answers-kid-browser-basic.json").read_text(encoding="utf-8"))
    first = sorted(bad["answers"])[0]
    bad["answers"][first]["value"] = (
        "not the right type" if not isinstance(bad["answers"][first].get("value"), str) else 12345
    )
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    result = run("assess", path)
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"#/answers/{first}/value" in lines[0]


def test_assess_invalid_json_and_missing_file(run, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{ not json", encoding="utf-8")
    result = run("assess", path)
    assert result.exit_code != 0 and "JSON" in result.output and len(result.output.strip().splitlines()) == 1
    result = run("assess", tmp_path / "nowhere.json")
    assert result.exit_code != 0


def test_assess_unknown_version(run, tmp_path):
    path = tmp_path / "v.json"
    path.write_text(json.dumps({"criteria_version": "vcsc-1999.1", "product_type": "filtering_app", "answers": {}}))
    result = run("assess", path)
    assert result.exit_code != 0 and "#/criteria_version" in result.output


def test_unknown_version_in_show_and_diff(run):
    assert run("criteria", "show", "vcsc-1999.1").exit_code != 0
    assert run("criteria", "diff", "vcsc-2024.1", "nope").exit_code != 0
    assert run("criteria", "schema", "vcsc-2024.1", "-t", "toaster").exit_code != 0
