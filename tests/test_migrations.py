"""The store's schema, on SQLite and PostgreSQL: migrations agree with the models, upgrade is
idempotent, and a SQLite store is private to its owner."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import cvbridge.store._tables  # noqa: F401  (the models on the metadata)
from cvbridge._errors import StoreError
from cvbridge.store import Store
from cvbridge.store._engine import (
    _alembic_config,
    create_store_engine,
    current_revision,
    head_revision,
)
from tests.store_bundles import Dropper, person
from tests.store_checks import cli

pytest_plugins = ("tests.store_fixtures",)

# Dialect-specific search structures that are not SQLModel tables (FTS5 and its shadow
# tables on SQLite; the tsvector table and its GIN index on PostgreSQL).
SEARCH_OBJECTS = ("candidate_fts", "candidate_search", "ix_candidate_search_body")


def _not_search(obj: Any, name: str | None, type_: str, reflected: bool,
                compare_to: Any) -> bool:
    return not (name or "").startswith(SEARCH_OBJECTS)


def test_the_migrated_schema_matches_the_models(store_url: str) -> None:
    engine = create_store_engine(store_url)
    if engine.dialect.name == "sqlite":
        Store.upgrade(store_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "compare_type": True, "include_object": _not_search})
            differences = compare_metadata(context, SQLModel.metadata)
            tables = set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
    assert differences == []
    assert {"candidate", "bundle", "bundle_blob", "document", "audit_event"} <= tables
    assert ("candidate_fts" if store_url.startswith("sqlite") else "candidate_search") in tables


def test_db_upgrade_is_idempotent_and_keeps_the_data(store_url: str, drop: Dropper) -> None:
    first = cli(store_url, "db", "upgrade")
    assert (first.exit_code, first.stdout) == (0, "store schema is up to date\n")
    with Store(store_url) as store:
        store.ingest(drop([person("M-1", "Dupont", "Marie")], "b1.zip"))

    again = cli(store_url, "db", "upgrade")

    assert (again.exit_code, again.stdout) == (0, "store schema is up to date\n")
    engine = create_store_engine(store_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
    with Store(store_url) as store:
        assert [v["last_name"] for v in store.candidates()] == ["Dupont"]
        assert [v["id"] for v in store.search("marie")] == [1]


def test_downgrade_then_upgrade_rebuilds_the_schema(store_url: str) -> None:
    engine = create_store_engine(store_url)
    config = _alembic_config()
    try:
        if engine.dialect.name == "sqlite":
            Store.upgrade(store_url)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        with engine.connect() as connection:
            left = set(inspect(connection).get_table_names()) - {"alembic_version"}
        assert left == set()
        Store.upgrade(store_url)
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgresql_is_never_migrated_behind_the_operators_back(postgres_url: str) -> None:
    with pytest.raises(StoreError, match="run 'cvbridge db upgrade'"):
        Store(postgres_url)
    run = cli(postgres_url, "candidates", "list")
    assert run.exit_code == 4
    assert "cvbridge db upgrade" in run.stderr


def test_a_sqlite_store_is_migrated_on_first_use_and_private(tmp_path: Path,
                                                            drop: Dropper) -> None:
    database = tmp_path / "new" / "folder" / "crm.db"
    url = f"sqlite:///{database}"
    with Store(url) as store:
        engine = store.engine
        assert current_revision(engine) == head_revision()
        store.ingest(drop([person("M-1", "Dupont", "Marie")], "b1.zip"))
        modes = {path.name: stat.S_IMODE(path.stat().st_mode)
                 for path in database.parent.iterdir()}
    assert modes["crm.db"] == 0o600
    assert "crm.db-wal" in modes
    assert modes == dict.fromkeys(modes, 0o600), modes  # the -wal and -shm files too


def test_unsupported_urls_are_refused() -> None:
    run = cli("mysql://somewhere/crm", "candidates", "list")
    assert (run.exit_code, run.stderr) == (
        2, "cvbridge: error: unsupported database 'mysql': use sqlite:///PATH or "
           "postgresql+psycopg://...\n")
    assert cli("not a url", "bundles", "list").exit_code == 2
