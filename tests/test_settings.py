"""One settings object: every VCSC_* variable is declared (with a description) in checker/settings.py or
api/core/settings.py, listed in the README's settings table, and read nowhere else; `vcsc settings` shows each
one's value, source and description."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from click.testing import CliRunner

from api.cli import main
from api.core.settings import Settings
from checker.probes.runner import ProbeSettings
from checker.settings import CheckerSettings, env_names

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_MODULES = {ROOT / "checker" / "settings.py", ROOT / "api" / "core" / "settings.py"}
# Reads (and writes) of the environment naming a VCSC_ variable: os.environ.get("VCSC_..."), os.environ["VCSC_..."],
# os.getenv("VCSC_..."), os.environ.setdefault("VCSC_...").
ENV_READ = re.compile(
    r"""(os\.environ(\.get|\.setdefault|\.pop)?\s*[\[(]|os\.getenv\s*\(|environ\.get\s*\()\s*f?["']VCSC_"""
)


def _declared() -> dict[str, list[str]]:
    return {name: env_names(name, field) for name, field in Settings.model_fields.items()}


def _readme_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = text.index("<!-- settings-table:start -->"), text.index("<!-- settings-table:end -->")
    return text[start:end]


def test_every_setting_has_a_description():
    missing = [name for name, field in Settings.model_fields.items() if not (field.description or "").strip()]
    assert missing == []
    assert set(CheckerSettings.model_fields) <= set(Settings.model_fields)  # the service's object has them all


def test_every_setting_is_in_the_readme_table_and_nothing_else():
    table = _readme_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in re.findall(r"`((?:VCSC_)?[A-Z][A-Z0-9_]+)`", row.split("|")[1])}
    declared = {env for names in _declared().values() for env in names}
    assert sorted(declared - listed) == [], "add a row to the README's settings table (vcsc settings --markdown)"
    assert sorted(listed - declared) == [], "the README lists a setting that does not exist"
    assert len(declared) >= 60


def test_no_code_reads_vcsc_variables_outside_the_settings_modules():
    offenders = []
    for folder in ("api", "checker", "reports", "benchmarks", "demo_products", "scripts", "tools"):
        for path in (ROOT / folder).rglob("*.py"):
            if path in SETTINGS_MODULES or "node_modules" in path.parts or path.name.startswith("test_"):
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if ENV_READ.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
    assert ENV_READ.search('x = os.environ.get("VCSC_CHROMIUM", "/usr/bin/chromium")')  # the pattern does match


def test_probe_settings_come_from_the_one_object():
    settings = Settings(
        chromium="/opt/chromium",
        probe_allow_networks="127.0.0.0/8, 10.0.0.0/8",
        probe_page_timeout_ms=2000,
        browser_user="someone",
    )
    probe = ProbeSettings.from_settings(settings, pool_pages=1)
    assert probe.chromium == "/opt/chromium" and probe.browser_user == "someone"
    assert probe.allowed_networks == ("127.0.0.0/8", "10.0.0.0/8") and probe.page_timeout_ms == 2000
    assert probe.pool_pages == 1 and probe.allowed_endpoints == ()


def test_vcsc_settings_prints_value_source_and_description(tmp_path, monkeypatch):
    for name in list(os.environ):
        if name.startswith("VCSC_") or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("VCSC_MAX_BODY_BYTES=2048\n", encoding="utf-8")
    monkeypatch.setenv("VCSC_SMTP_PASSWORD", "hunter2-secret")
    monkeypatch.setenv("VCSC_PROBE_PAGE_TIMEOUT_MS", "5000")
    result = CliRunner().invoke(main, ["settings", "--json"])
    assert result.exit_code == 0, result.output
    assert "hunter2-secret" not in result.output
    rows = {row["name"]: row for row in json.loads(result.output)}
    assert set(rows) == set(Settings.model_fields)
    assert rows["smtp_password"]["value"] == "**********" and rows["smtp_password"]["source"] == "environment"
    assert rows["probe_page_timeout_ms"] == {**rows["probe_page_timeout_ms"], "value": "5000", "source": "environment"}
    assert rows["max_body_bytes"]["value"] == "2048" and rows["max_body_bytes"]["source"] == ".env file"
    assert rows["token_ttl_hours"]["source"] == "default" and rows["token_ttl_hours"]["value"] == "12"
    assert rows["database_url"]["env"] == ["DATABASE_URL", "VCSC_DATABASE_URL"]
    assert rows["log_format"]["description"]
    text = CliRunner().invoke(main, ["settings"]).output
    assert "VCSC_MAX_BODY_BYTES=2048  [.env file]" in text and "hunter2-secret" not in text


def test_vcsc_settings_refuses_an_invalid_value(monkeypatch):
    monkeypatch.setenv("VCSC_LOG_FORMAT", "xml")
    result = CliRunner().invoke(main, ["settings"])
    assert result.exit_code != 0 and "log_format" in result.output
