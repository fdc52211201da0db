"""Engine factory and migrations. No engine is built at import time; one session per unit
of work."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlmodel import Session, create_engine

from cvbridge._config import masked_url
from cvbridge._errors import ConfigError, StoreError
from cvbridge._i18n import _

log = logging.getLogger("cvbridge.store")
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_SQLITE_BUSY_TIMEOUT_MS = 30_000
_SQLITE_CHECKPOINT_PAGES = 16_384  # of 4 KiB
_PG_READ_ONLY = "25006"  # read_only_sql_transaction: a replica, default_transaction_read_only


def _sqlite_read_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


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
        raise ConfigError(_("the store URL {url!r} names no file, so the store would live in "
                            "memory and lose everything when the command ends; give a file: "
                            "{forms}").format(url=url, forms=SQLITE_FORMS))
    return Path(database)


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder, and the file with owner-only permissions: it holds personal data.
    A store that cannot be written (and its journal beside it) is refused now, in one line,
    rather than on the first write."""
    blocking = next((parent for parent in path.parents
                     if parent.exists() and not parent.is_dir()), None)
    if blocking is not None:
        raise StoreError(_("cannot create the store {path}: {blocking} is a file, not a folder")
                         .format(path=path, blocking=blocking))
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
    except OSError as exc:
        raise StoreError(_("cannot create the store {path}: {reason}")
                         .format(path=path, reason=exc.strerror or exc)) from exc
    if not path.is_file():
        raise StoreError(_("cannot use the store {path}: not a regular file").format(path=path))
    # SQLite writes its -wal and -shm files beside the database.
    for needed, what in ((path, _("the file")), (path.parent, _("its folder"))):
        if not os.access(needed, os.W_OK):
            raise StoreError(_("cannot write to the store {path}: {what} is not writable")
                             .format(path=path, what=what))


def describe(exc: BaseException) -> str:
    """A database error in one line: the driver's message (its hint lines joined), never the
    statement or its parameters (candidates' personal data), never SQLAlchemy's link."""
    origin = getattr(exc, "orig", None)
    error = origin if origin is not None else exc
    # A server error (psycopg) quotes the statement in its text ("LINE 1: INSERT ..."): its
    # diagnostic fields hold the message and the hint alone.
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None)
    if primary:
        hint = getattr(diag, "message_hint", None)
        return " ".join(f"{primary} ({hint})".split() if hint else primary.split())
    return " ".join(str(error).split())


def _driver_error_as_store_error(context: ExceptionContext) -> None:
    """Every driver or server error, wherever it is met (a query, a commit, a connection),
    becomes one :class:`StoreError` line: the driver's words, never the SQL, which is
    logged at debug (``--verbose``) without its parameters. An IntegrityError is left as it
    is: the ingestor retries it (two workers receiving the same bytes at once). A failed
    pre-ping is left to the pool, which reconnects."""
    if context.is_pre_ping or isinstance(context.sqlalchemy_exception, IntegrityError):
        return
    if context.statement:
        log.debug("the store refused: %s", " ".join(context.statement.split()))
    error = context.original_exception
    why = describe(error)
    if getattr(error, "sqlstate", None) == _PG_READ_ONLY or "readonly database" in why:
        why = _("the store is read-only (a replica, or a file we may not write): {reason}") \
            .format(reason=why)
    # A SQLite store is named by its file; a server's message names its database itself.
    raise StoreError(_("store{where}: {why}").format(where=_where(context.engine), why=why)) from (
        context.sqlalchemy_exception or error)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def _sqlite_engine(parsed: URL, masked: str, *, read_only: bool) -> Engine:
    """A SQLite engine on a file (never in memory); read-only when asked, or when the file
    may not be written (a copy on a laptop, a read-only mount): then SQLite is told so, and
    writes nothing, not even its WAL index."""
    path = _sqlite_path(masked, parsed.database, parsed.query)
    if read_only and not path.is_file():
        raise StoreError(_("store: no store at {path}").format(path=path))
    if path.is_file() and (read_only or not _writable(path)):
        # A folder we cannot write holds no WAL index either: nobody writes this copy.
        mode = "ro" if _writable(path.parent) else "ro&immutable=1"
        url = f"sqlite:///file:{quote(str(path.absolute()))}?mode={mode}&uri=true"
        engine = create_engine(url, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_read_pragmas)
        return engine
    _prepare_sqlite_file(path)
    engine = create_engine(parsed, hide_parameters=True)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def create_store_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for ``url``; a SQLite file and its folder are created when missing (unless
    *read_only*: then the file must exist, and is opened read-only).

    ``hide_parameters``: an error that escapes anyway (a bug) must not print the values of the
    statement, which are candidates' personal data, into a log."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(_("not a database URL: {url!r}").format(url=masked_url(url))) from exc
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, masked_url(url), read_only=read_only)
        event.listen(engine, "handle_error", _driver_error_as_store_error)
        return engine
    if parsed.get_backend_name() == "postgresql":
        # pgbouncer in transaction mode hands each transaction to any server connection:
        # nothing may outlive a transaction, so no prepared statements (prepare_threshold
        # None), no SET and no session advisory lock (row locks only, FOR UPDATE).
        try:
            engine = create_engine(url, pool_pre_ping=True, hide_parameters=True,
                                   connect_args={"prepare_threshold": None})
        except ModuleNotFoundError as exc:  # the driver is an extra: SQLite sites go without
            raise ConfigError(
                _("{drivername}:// needs a PostgreSQL driver that is not installed ({name}): pip "
                  "install 'cvbridge[postgresql]', and use postgresql+psycopg://...")
                .format(drivername=parsed.drivername, name=exc.name)) from exc
        event.listen(engine, "handle_error", _driver_error_as_store_error)
        return engine
    raise ConfigError(_("unsupported database {backend!r}: use sqlite:///PATH or "
                        "postgresql+psycopg://...").format(backend=parsed.get_backend_name()))


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def _where(engine: Engine | None) -> str:
    """A SQLite store is named by its file (a server's message names its database); a
    read-only one is opened by a ``file:PATH?mode=ro`` URI."""
    if engine is None or engine.dialect.name != "sqlite" or not engine.url.database:
        return ""
    database = engine.url.database
    if database.startswith("file:"):
        database = unquote(database.removeprefix("file:").partition("?")[0])
    return f" {database}"


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection for migrations, in one transaction.

    SQLite: with foreign keys off, as SQLite's procedure for changing a table asks: a batch
    rebuilds a table (copy, drop, rename), and the drop would be refused while other tables
    refer to its rows. The pragma only takes effect outside a transaction, so it comes
    first; the links are checked before the commit, and foreign keys are on again after.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first() \
                    if sqlite else None
                if broken is not None:
                    raise StoreError(_("the migration would leave a {table} row referring to "
                                       "a missing {parent} row; nothing was changed")
                                     .format(table=broken[0], parent=broken[2]))
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the latest revision (idempotent)."""
    config = _alembic_config()
    try:
        with migration_connection(engine) as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as exc:
        raise StoreError(_("cannot migrate the store{where}: {reason}")
                         .format(where=_where(engine), reason=describe(exc))) from exc


def vacuum_sqlite(engine: Engine) -> tuple[int, int]:
    """Rebuild a SQLite store's file so that the room freed inside it (after migration 0008
    dropped the documents' second copy, or a purge) goes back to the disk; the file's size
    before and after. It needs the store to itself and up to the file's size again in free
    space while it runs."""
    if engine.dialect.name != "sqlite" or not engine.url.database:
        raise ConfigError(_("db vacuum is for SQLite stores: PostgreSQL's autovacuum reuses "
                            "the room, and VACUUM FULL (run by its administrator) gives it back"))
    path = Path(engine.url.database)
    before = path.stat().st_size
    with engine.connect() as connection:
        # VACUUM cannot run inside a transaction. In WAL mode it writes the rebuilt pages to
        # the WAL: the file shrinks when a checkpoint copies them back, done here at once.
        for statement in ("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM",
                          "PRAGMA wal_checkpoint(TRUNCATE)"):
            connection.exec_driver_sql(statement)
            connection.commit()
    return before, path.stat().st_size


def ensure_schema(engine: Engine) -> None:
    """A fresh or outdated SQLite store is migrated on first use; PostgreSQL sites run
    ``cvbridge db upgrade`` deliberately, so a worker never migrates under its peers."""
    if current_revision(engine) == head_revision():
        return
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise StoreError(_("the store's schema is not up to date: run 'cvbridge db upgrade'"))


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One session, one transaction: committed on success, rolled back on any error (a
    driver's error arrives as a StoreError, see :func:`_driver_error_as_store_error`)."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
