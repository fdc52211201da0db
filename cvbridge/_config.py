"""Settings: command-line options win over the environment, which wins over the config file
(TOML), which wins over the defaults. Secrets are never taken from the command line.

Every value is checked when the settings are loaded, before any work starts: each problem is
one line naming where the value came from (``FILE:LINE``, ``$VARIABLE`` or ``--option``), and
all of them are reported at once (:class:`SettingsError`). Plain code, not pydantic-settings:
the checks are a few lines each, the TOML line numbers need our own lookup anyway, and
``cvbridge validate`` starts without importing a validation framework."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cvbridge._errors import ConfigError
from cvbridge._i18n import _, checked_language

DEFAULT_DB_URL = "sqlite:///var/cvbridge.db"
DEFAULT_RETENTION_MONTHS = 24
DEFAULT_SETTLE_SECONDS = 30.0
DEFAULT_LEASE_SECONDS = 3600.0
DEFAULT_UPLOAD_GRACE_SECONDS = 300.0
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
    "upload_grace_seconds": "CVBRIDGE_UPLOAD_GRACE_SECONDS",
    "profile": "CVBRIDGE_PROFILE",
    "lang": "CVBRIDGE_LANG",
    "vendor_lang": "CVBRIDGE_VENDOR_LANG",
}
_PATHS = ("ssh_key", "known_hosts", "work_dir", "profile")
_DURATIONS = ("settle_seconds", "lease_seconds", "upload_grace_seconds")
_MAY_BE_ZERO = ("settle_seconds", "upload_grace_seconds")  # 0: no waiting, judge at once


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
    # An archive still without its end record this long after its last write is damaged;
    # younger, it is an upload written in place that is still coming.
    upload_grace_seconds: float = DEFAULT_UPLOAD_GRACE_SECONDS
    # The site profile (TOML) that ingestion checks and types the custom x- values with.
    profile: Path | None = None
    # The language cvbridge speaks to people (the command line has chosen it already, see
    # cli/_language.py; kept here so that the file's key is a known setting, and checked).
    lang: str | None = None
    # The language of the vendor's NAME.zip.errors.txt; None: the language cvbridge speaks.
    vendor_lang: str | None = None


class SettingsError(ConfigError):
    """Settings that cannot be used: :attr:`problems` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _read_file(path: Path, problems: list[str]) -> dict[str, tuple[Any, str]]:
    """The settings of a TOML file, each with its source (``FILE:LINE``)."""
    import tomllib  # here: most commands run with no config file, and validate is timed

    try:
        raw = path.read_bytes()
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        problems.append(_("cannot read the config file {path}: {reason}")
                        .format(path=path, reason=exc.strerror or exc))
        return {}
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(_("{path}: not valid TOML: {reason}").format(path=path, reason=exc))
        return {}
    section = data.get("cvbridge", data)
    lines = raw.decode("utf-8").splitlines()

    def where(name: str) -> str:
        return _where(path, lines, name)

    found = {}
    for name, value in section.items():
        if name not in _ENVIRONMENT:
            problems.append(_("{where}: unknown setting {name}; known: {known}")
                            .format(where=where(name), name=name, known=", ".join(_ENVIRONMENT)))
            continue
        found[name] = (value, where(name))
    return found


def _where(path: Path, lines: list[str], name: str) -> str:
    """``FILE:LINE`` of the setting ``name`` in the file's ``lines`` (``FILE`` if not found)."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(name)}[\"']?\s*=")
    number = next((n for n, line in enumerate(lines, 1) if pattern.match(line)), None)
    return f"{path}:{number}" if number else str(path)


def config_language(path: Path) -> tuple[str, str] | None:
    """The ``lang`` of a config file and where it is (``FILE:LINE``), read before anything
    else (help texts are made in that language). None when the file does not set it or
    cannot be read: that problem is reported, in the chosen language, when the settings are
    loaded."""
    import tomllib

    try:
        raw = path.read_bytes().decode("utf-8")
        data = tomllib.loads(raw)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    section = data.get("cvbridge", data)
    value = section.get("lang") if isinstance(section, dict) else None
    if value is None:
        return None
    return str(value), _where(path, raw.splitlines(), "lang")


def _typed(name: str, value: Any, source: str, problems: list[str]) -> Any:
    """The value as its setting's type, checked; None (and a problem) when unusable."""
    if name in _PATHS:
        return _checked_path(name, Path(str(value)).expanduser(), source, problems)
    if name in _DURATIONS:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            problems.append(_("{source}: {name} must be a number of seconds, not {value!r}")
                            .format(source=source, name=name, value=value))
            return None
        least = _("0 or more") if name in _MAY_BE_ZERO else _("more than 0")
        if not math.isfinite(seconds) or seconds < 0 or (seconds == 0
                                                          and name not in _MAY_BE_ZERO):
            problems.append(_("{source}: {name} must be a finite number of seconds, {least}, not "
                              "{value!r}")
                            .format(source=source, name=name, least=least, value=value))
            return None
        return seconds
    if name == "retention_months":
        try:
            months = int(value)
        except (TypeError, ValueError):
            months = 0
        if months <= 0 or isinstance(value, bool | float):
            problems.append(_("{source}: retention_months must be a whole number of months, 1 or "
                              "more, not {value!r}").format(source=source, value=value))
            return None
        return months
    text = str(value)
    if name in ("lang", "vendor_lang"):
        try:
            return checked_language(text, source)
        except ConfigError as exc:
            problems.append(str(exc))
            return None
    if name == "db_url":
        _check_db_url(text, source, problems)
    elif name == "inbox":
        _check_inbox(text, source, problems)
    return text


def _creatable(path: Path) -> bool:
    """Whether *path* is a folder, or could be made one (its nearest existing ancestor is a
    folder we may write in)."""
    path = path.absolute()
    if path.exists():
        return path.is_dir()
    for parent in path.parents:
        if parent.exists():
            return parent.is_dir() and os.access(parent, os.W_OK | os.X_OK)
    return False


def _checked_path(name: str, path: Path, source: str, problems: list[str]) -> Path | None:
    # ssh_key and known_hosts are checked where they are used: a missing one is a trust
    # problem (exit 3, stops a daemon at once) whose message says how to pin the host key.
    if name == "work_dir" and not _creatable(path):
        problems.append(_("{source}: work_dir {path} is not a folder and cannot be created")
                        .format(source=source, path=path))
        return None
    if name == "profile" and not path.is_file():
        problems.append(_("{source}: profile {path} is not a file")
                        .format(source=source, path=path))
        return None
    return path


def _check_db_url(url: str, source: str, problems: list[str]) -> None:
    scheme, sep, rest = url.partition("://")
    if not sep or not re.fullmatch(r"[a-z][a-z0-9+]*", scheme):
        problems.append(_("{source}: db_url {url!r} is not a URL (sqlite:///PATH or "
                          "postgresql+psycopg://USER@HOST/NAME)")
                        .format(source=source, url=masked_url(url)))
        return
    if scheme == "sqlite":
        database = rest.partition("?")[0].removeprefix("/")
        if database and database != ":memory:" and not _creatable(Path(database).parent):
            problems.append(_("{source}: db_url: the folder of {database} is not a folder and "
                              "cannot be created").format(source=source, database=database))
        return
    try:
        urlsplit(url).port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        problems.append(_("{source}: db_url {url!r} does not parse: {reason}")
                        .format(source=source, url=masked_url(url), reason=exc))


def _check_inbox(inbox: str, source: str, problems: list[str]) -> None:
    if "://" not in inbox:
        if not Path(inbox).expanduser().is_dir():
            problems.append(_("{source}: inbox folder {inbox} does not exist")
                            .format(source=source, inbox=inbox))
        return
    try:
        parts = urlsplit(inbox)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        problems.append(_("{source}: inbox {inbox!r} does not parse: {reason}")
                        .format(source=source, inbox=inbox, reason=exc))
        return
    if parts.scheme != "sftp" or not parts.hostname:
        problems.append(_("{source}: inbox {inbox!r} must be sftp://USER@HOST[:PORT]/PATH or a "
                          "local folder").format(source=source, inbox=inbox))


def masked_url(url: str) -> str:
    """*url* fit to be shown: any password replaced by ``***``, even in a malformed URL."""
    credentials, at, rest = url.rpartition("@")
    if not at:
        return url
    scheme, sep, credentials = credentials.rpartition("://")
    user, colon, _password = credentials.partition(":")
    return f"{scheme}{sep}{user}{colon and ':***'}@{rest}"


def load_settings(*, config_path: Path | None = None, db_url: str | None = None,
                  environ: Mapping[str, str] | None = None, lang: str | None = None
                  ) -> Settings:
    """The settings from *config_path* (or ``$CVBRIDGE_CONFIG``), the environment and the
    ``--db`` and ``--lang`` options; raises :class:`SettingsError` listing every problem."""
    environ = os.environ if environ is None else environ
    problems: list[str] = []
    values: dict[str, tuple[Any, str]] = {}
    if config_path is None and environ.get("CVBRIDGE_CONFIG"):
        config_path = Path(environ["CVBRIDGE_CONFIG"])
    if config_path is not None:
        values.update(_read_file(config_path, problems))
    for name, variable in _ENVIRONMENT.items():
        if environ.get(variable):
            values[name] = (environ[variable], f"${variable}")
    if db_url:
        values["db_url"] = (db_url, "--db")
    if lang:
        values["lang"] = (lang, "--lang")
    typed = {name: _typed(name, value, source, problems)
             for name, (value, source) in values.items()}
    if problems:
        raise SettingsError(problems)
    return Settings(**typed)
