"""Engine factory and migrations. No engine is built at import time; one session per unit
of work."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

from cvbridge._errors import ConfigError, StoreError

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_SQLITE_BUSY_TIMEOUT_MS = 30_000
_SQLITE_CHECKPOINT_PAGES = 16_384  # of 4 KiB


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # A bundle writes megabytes (its bytes, then its documents): with the default 1,000 pages
    # (4 MB) every commit would also copy the WAL into the database and fsync it. 64 MB
    # between checkpoints writes hot pages once and fsyncs a sixteenth as often.
    cursor.execute(f"PRAGMA wal_autocheckpoint={_SQLITE_CHECKPOINT_PAGES}")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


SQLITE_FORMS = "sqlite:///var/cvbridge.db (relative) or sqlite:////abs/path.db (absolute)"


def _sqlite_path(url: str, database: str | None, query: Mapping[str, object]) -> Path:
    """The file of a SQLite URL. An in-memory database is refused: everything ingested into
    it would be gone when the command ends, after the inbox moved the bundles away."""
    if not database or database == ":memory:" or query.get("mode") == "memory" \
            or database.startswith("file::memory:"):
        raise ConfigError(f"the store URL {url!r} names no file, so the store would live in "
                          f"memory and lose everything when the command ends; give a file: "
                          f"{SQLITE_FORMS}")
    return Path(database)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder, and the file with owner-only permissions: it holds personal data.
    A store that cannot be written (and its journal beside it) is refused now, in one line,
    rather than on the first write."""
    blocking = next((parent for parent in path.parents
                     if parent.exists() and not parent.is_dir()), None)
    if blocking is not None:
        raise StoreError(f"cannot create the store {path}: {blocking} is a file, not a folder")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    except OSError as exc:
        raise StoreError(f"cannot create the store {path}: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise StoreError(f"cannot use the store {path}: not a regular file")
    # SQLite writes its -wal and -shm files beside the database.
    for needed, what in ((path, "the file"), (path.parent, "its folder")):
        if not os.access(needed, os.W_OK):
            raise StoreError(f"cannot write to the store {path}: {what} is not writable")


def masked_url(url: str) -> str:
    """*url* fit to be shown: any password replaced by ``***``, even in a malformed URL."""
    credentials, at, rest = url.rpartition("@")
    if not at:
        return url
    scheme, sep, credentials = credentials.rpartition("://")
    user, colon, _password = credentials.partition(":")
    return f"{scheme}{sep}{user}{colon and ':***'}@{rest}"


def describe(exc: BaseException) -> str:
    """A database error in one line: the driver's message (its hint lines joined), never the
    statement or its parameters (candidates' personal data), never SQLAlchemy's link."""
    origin = getattr(exc, "orig", None)
    return " ".join(str(origin if origin is not None else exc).split())


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file and its folder are created when missing.

    ``hide_parameters``: an error that escapes anyway (a bug) must not print the values of the
    statement, which are candidates' personal data, into a log."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"not a database URL: {masked_url(url)!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        _prepare_sqlite_file(_sqlite_path(masked_url(url), parsed.database, parsed.query))
        engine = create_engine(url, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        try:
            return create_engine(url, pool_pre_ping=True, hide_parameters=True)
        except ModuleNotFoundError as exc:  # the driver is an extra: SQLite sites go without
            raise ConfigError(
                f"{parsed.drivername}:// needs a PostgreSQL driver that is not installed "
                f"({exc.name}): pip install 'cvbridge[postgresql]', and use "
                "postgresql+psycopg://...") from exc
    raise ConfigError(f"unsupported database {parsed.get_backend_name()!r}: "
                      "use sqlite:///PATH or postgresql+psycopg://...")


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def _where(engine: Engine) -> str:
    """A SQLite store is named by its file (a server's message names its database)."""
    return f" {engine.url.database}" if engine.dialect.name == "sqlite" else ""


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot reach the store{_where(engine)}: {describe(exc)}") from exc


def upgrade(engine: Engine) -> None:
    """Bring the schema to the latest revision (idempotent)."""
    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the store{_where(engine)}: {describe(exc)}") from exc


def ensure_schema(engine: Engine) -> None:
    """A fresh or outdated SQLite store is migrated on first use; PostgreSQL sites run
    ``cvbridge db upgrade`` deliberately, so a worker never migrates under its peers."""
    if current_revision(engine) == head_revision():
        return
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise StoreError("the store's schema is not up to date: run 'cvbridge db upgrade'")


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One session, one transaction: committed on success, rolled back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise StoreError(f"the store failed: {describe(exc)}") from exc
        except BaseException:
            session.rollback()
            raise
