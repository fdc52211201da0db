"""Engine factory and migrations. No engine is built at import time; one session per unit
of work."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _prepare_sqlite_file(database: str) -> None:
    """Create the folder, and the file with owner-only permissions: it holds personal data."""
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


def create_store_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file and its folder are created when missing."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _prepare_sqlite_file(parsed.database)
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    raise ConfigError(f"unsupported database {parsed.get_backend_name()!r}: "
                      "use sqlite:///PATH or postgresql+psycopg://...")


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise StoreError(f"cannot reach the store: {exc.orig}") from exc


def upgrade(engine: Engine) -> None:
    """Bring the schema to the latest revision (idempotent)."""
    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot migrate the store: {exc}") from exc


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
            raise StoreError(f"the store failed: {exc.orig}") from exc
        except BaseException:
            session.rollback()
            raise
