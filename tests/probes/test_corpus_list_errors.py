"""A manifest's URL list that is missing, unreadable or bad: one clear line naming the file
and the line and a non-zero exit from the CLI (no traceback, no browser started), and a 422
with the JSON pointer /manifest/corpus/csv from the API."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from api.cli.probe import probe
from api.core.errors import ApiError
from api.domain.probe_runs import check_manifest


def write_manifest(folder, csv_name="lists/club.csv"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.json"
    path.write_text(
        json.dumps(
            {
                "product_type": "kid_browser",
                "filtering": {"mode": "proxy", "proxy": "127.0.0.1:9"},
                "corpus": {"csv": csv_name},
            }
        ),
        encoding="utf-8",
    )
    return path


def run_cli(*args):
    return CliRunner().invoke(probe, [str(a) for a in args], catch_exceptions=False)


def test_missing_list_is_one_line_naming_the_file(tmp_path):
    manifest = write_manifest(tmp_path / "club")
    result = run_cli(manifest, "--only", "content_filtering")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert str(tmp_path / "club" / "lists" / "club.csv") in lines[0]  # relative to the manifest, not the cwd
    assert "cannot read" in lines[0] and "không đọc được" in lines[0]


def test_bad_row_names_the_file_and_line(tmp_path):
    manifest = write_manifest(tmp_path / "club")
    (tmp_path / "club" / "lists").mkdir()
    (tmp_path / "club" / "lists" / "club.csv").write_text(
        "url,category,language\nhttp://a.example/,adult,vi\nftp://b.example/,adult,vi\n", encoding="utf-8"
    )
    result = run_cli(manifest)
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert f"{tmp_path / 'club' / 'lists' / 'club.csv'}:3:" in line and "line 3" in line and "http" in line


def test_api_answers_422_with_a_pointer(tmp_path):
    admin = SimpleNamespace(role="admin")
    manifest = json.loads(write_manifest(tmp_path, str(tmp_path / "missing.csv")).read_text())
    with pytest.raises(ApiError) as caught:
        check_manifest(manifest, "kid_browser", admin)
    assert caught.value.status == 422
    (error,) = caught.value.errors
    assert error["pointer"] == "/manifest/corpus/csv" and "missing.csv" in error["message"]
    (tmp_path / "ok.csv").write_text("url,category,language\nhttp://a.example/,adult,vi\n", encoding="utf-8")
    manifest["corpus"]["csv"] = str(tmp_path / "ok.csv")
    check_manifest(manifest, "kid_browser", admin)  # a readable list passes
