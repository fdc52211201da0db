"""Settings: command-line options win over the environment, which wins over the config file
(TOML), which wins over the defaults. Secrets are never taken from the command line."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cvbridge._errors import ConfigError

DEFAULT_DB_URL = "sqlite:///var/cvbridge.db"
DEFAULT_RETENTION_MONTHS = 24
DEFAULT_SETTLE_SECONDS = 30.0
DEFAULT_LEASE_SECONDS = 3600.0
DEFAULT_WORK_DIR = Path("var/incoming")

# setting name -> environment variable
_ENVIRONMENT = {
    "db_url": "CVBRIDGE_DB_URL",
    "inbox": "CVBRIDGE_INBOX",
    "ssh_key": "CVBRIDGE_SSH_KEY",
    "ssh_key_passphrase": "CVBRIDGE_SSH_KEY_PASSPHRASE",
    "known_hosts": "CVBRIDGE_KNOWN_HOSTS",
    "settle_seconds": "CVBRIDGE_SETTLE_SECONDS",
    "retention_months": "CVBRIDGE_RETENTION_MONTHS",
    "processing_dir": "CVBRIDGE_PROCESSING_DIR",
    "processed_dir": "CVBRIDGE_PROCESSED_DIR",
    "failed_dir": "CVBRIDGE_FAILED_DIR",
    "lease_seconds": "CVBRIDGE_LEASE_SECONDS",
    "work_dir": "CVBRIDGE_WORK_DIR",
    "profile": "CVBRIDGE_PROFILE",
}


@dataclass(frozen=True)
class Settings:
    db_url: str = DEFAULT_DB_URL
    inbox: str | None = None
    ssh_key: Path | None = None
    ssh_key_passphrase: str | None = field(default=None, repr=False)
    known_hosts: Path | None = None
    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    retention_months: int = DEFAULT_RETENTION_MONTHS
    # Folders beside the inbox unless set (a name or a path relative to the inbox's parent).
    processing_dir: str | None = None
    processed_dir: str | None = None
    failed_dir: str | None = None
    # A claim older than this (on the server's clock) belongs to a dead worker.
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    # Where downloads land before ingestion.
    work_dir: Path = DEFAULT_WORK_DIR
    # The site profile (TOML) that ingestion checks and types the custom x- values with.
    profile: Path | None = None


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    section = data.get("cvbridge", data)
    unknown = sorted(set(section) - set(_ENVIRONMENT))
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: "
                          f"{', '.join(_ENVIRONMENT)}")
    return dict(section)


def _typed(name: str, value: Any) -> Any:
    try:
        if name in ("ssh_key", "known_hosts", "work_dir", "profile"):
            return Path(str(value)).expanduser()
        if name in ("settle_seconds", "lease_seconds"):
            return float(value)
        if name == "retention_months":
            return int(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name} has an invalid value {value!r}") from exc
    return str(value)


def load_settings(*, config_path: Path | None = None, db_url: str | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    config_path = config_path or (Path(environ["CVBRIDGE_CONFIG"])
                                  if environ.get("CVBRIDGE_CONFIG") else None)
    if config_path is not None:
        values.update(_read_file(config_path))
    for name, variable in _ENVIRONMENT.items():
        if environ.get(variable):
            values[name] = environ[variable]
    if db_url:
        values["db_url"] = db_url
    return Settings(**{name: _typed(name, value) for name, value in values.items()})
