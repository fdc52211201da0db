"""Session-wide real servers (see tests/servers) and per-test slices of them."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import PostgresServer, SshServer, throwaway_postgres, throwaway_sshd

# The exact-output tests are English whatever the locale of the machine running them (on a
# French desktop, LANG=fr_FR.UTF-8 would make cvbridge answer in French, in this process and in
# the commands the tests start); the French tests ask for French themselves.
os.environ["CVBRIDGE_LANG"] = "en"

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
