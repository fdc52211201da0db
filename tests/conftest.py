"""Session-wide real servers (see tests/servers) and per-test slices of them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import PostgresServer, SshServer, throwaway_postgres, throwaway_sshd

# Tests that use these fixtures get the matching marker, so `-m "not postgres"` deselects them.
_FIXTURE_MARKERS = {"postgres_server": "postgres", "sshd_server": "sshd"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, marker in _FIXTURE_MARKERS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with throwaway_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty database, dropped after the test."""
    name = f"cvtest_{uuid.uuid4().hex[:12]}"
    yield postgres_server.create_database(name)
    postgres_server.drop_database(name)


@pytest.fixture(scope="session")
def sshd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    with throwaway_sshd(tmp_path_factory.mktemp("sshd")) as server:
        yield server


@pytest.fixture
def sftp_root(sshd_server: SshServer) -> Path:
    """A fresh, empty directory under the SFTP starting directory."""
    path = sshd_server.root_dir / f"t_{uuid.uuid4().hex[:12]}"
    path.mkdir()
    return path
