"""The checker's settings (probe runs, the browser, logging): environment variables VCSC_*, read once into one
`CheckerSettings` object and passed in. The service's `api.core.settings.Settings` extends this model, so one
object carries every VCSC_* variable; the checker stays usable without the service (`CheckerSettings()`).

This module and api/core/settings.py are the only code that reads the environment for VCSC_* variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_FILE = ".env"


def split_list(value: str) -> tuple[str, ...]:
    """A comma-separated setting as a tuple, blanks dropped."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


class CheckerSettings(BaseSettings):
    """Environment: VCSC_* variables (and a .env file in the working folder); empty variables count as unset."""

    model_config = SettingsConfigDict(
        env_prefix="VCSC_",
        populate_by_name=True,
        extra="ignore",
        env_file=ENV_FILE,
        env_file_encoding="utf-8",
        env_ignore_empty=True,
    )

    # --- the probe browser ---------------------------------------------------------------------------
    chromium: str = Field(
        "/usr/bin/chromium",
        description="Chromium executable the probes and the PDF printer "
        "launch (Debian's package; never a downloaded build)",
    )
    browser_user: str = Field(
        "vcsc-browser",
        description="as root: the unprivileged user the probe browser runs "
        "as, with Chromium's own sandbox (scripts/setup creates it)",
    )

    # --- probe runs (checker/probes/runner.py ProbeSettings) ------------------------------------------------
    probe_allow_networks: str = Field(
        "",
        description="comma-separated private networks (CIDR) the probes may reach; default none (tests: 127.0.0.0/8)",
    )
    probe_allow_endpoints: str = Field(
        "",
        description="comma-separated exact address:port endpoints the probes "
        "may reach though private (`vcsc serve --demo` adds its demo products)",
    )
    probe_ignore_tls_errors: bool = Field(
        False,
        description="accept invalid TLS certificates in probe runs (tests and the demo's self-signed products only)",
    )
    probe_page_timeout_ms: int = Field(
        15_000, ge=100, le=600_000, description="navigation timeout of one probe page load, in milliseconds"
    )
    probe_run_timeout_s: float = Field(
        900.0, gt=0, le=24 * 3600, description="a whole probe run is stopped after this many seconds"
    )
    probe_consent_watch_s: float = Field(
        10.0,
        ge=0,
        le=600,
        description="privacy_before_consent: how long the "
        "network is watched after a load and after each interaction, in seconds",
    )
    corpus_per_category: int | None = Field(
        None,
        ge=1,
        description="corpus pages sampled per category by the filtering probes; unset: the probes' own default",
    )

    # --- logging (checker/logs.py) ------------------------------------------------------------------
    log_format: Literal["text", "json"] = Field(
        "text", description="log lines as text or as one JSON object per line (server, worker and probe runs)"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="lowest level logged")


def setting_rows(settings: BaseSettings, env_file: str | Path = ENV_FILE) -> list[dict[str, Any]]:
    """Every declared setting of `settings`: its environment variable(s), value (secrets masked), where the value
    came from (default / environment / .env file / given) and its description."""
    from dotenv import dotenv_values

    file_values = {k.upper(): v for k, v in dotenv_values(env_file).items()} if Path(env_file).is_file() else {}
    environment = {k.upper(): v for k, v in os.environ.items()}
    prefix = str(settings.model_config.get("env_prefix", ""))
    rows = []
    for name, field in type(settings).model_fields.items():
        names = env_names(name, field, prefix)
        value = getattr(settings, name)
        source = "default"
        if any(environment.get(n) for n in names):
            source = "environment"
        elif any(file_values.get(n) for n in names):
            source = ".env file"
        elif name in settings.model_fields_set:
            source = "given"
        if isinstance(value, SecretStr):
            shown = "**********"
        elif value is None:
            shown = ""
        else:
            shown = str(value)
        default = field.get_default(call_default_factory=True)
        rows.append(
            {
                "name": name,
                "env": names,
                "value": shown,
                "source": source,
                "default": "" if default is None else str(default),
                "description": field.description or "",
            }
        )
    return rows


def markdown_table(rows: list[dict[str, Any]]) -> str:
    """The README's settings table (`vcsc settings --markdown`)."""
    lines = ["| Variable | Default | Description |", "| --- | --- | --- |"]
    for row in rows:
        names = ", ".join(f"`{n}`" for n in row["env"])
        default = f"`{row['default']}`" if row["default"] else "unset"
        lines.append(f"| {names} | {default} | {row['description'].replace('|', '/')} |")
    return "\n".join(lines)


def env_names(name: str, field: Any, prefix: str = "VCSC_") -> list[str]:
    """The environment variable names of a settings field (its aliases, else prefix + NAME)."""
    alias = field.validation_alias
    choices = getattr(alias, "choices", None)
    if choices:
        return [c.upper() for c in choices if isinstance(c, str) and c != name]
    return [(prefix + name).upper()]
