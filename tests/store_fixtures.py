"""Fixtures shared by the store tests; every store test runs on SQLite and on a real
PostgreSQL. Test modules load this file with ``pytest_plugins`` (never import it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cvbridge.store import Store
from tests.store_bundles import Dropper


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty store: a SQLite file, or a fresh PostgreSQL database after
    ``Store.upgrade`` (what ``cvbridge db upgrade`` does)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store' / 'crm.db'}"
    url: str = request.getfixturevalue("postgres_url")
    Store.upgrade(url)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with Store(store_url) as opened:
        yield opened


@pytest.fixture
def drop(tmp_path: Path) -> Dropper:
    """Writes bundles into a folder of ``tmp_path``."""
    return Dropper(tmp_path / "drop")
