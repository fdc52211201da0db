"""Resource exhaustion (issue 6, item 4).

(a) A full disk, made for real: a 2 MB tmpfs mounted for the test (as root; the tests are
skipped where mounting is not permitted) and filled with a ballast file, first under the
poller's work folder (CVBRIDGE_WORK_DIR: the download fails with ENOSPC), then under a SQLite
store (keeping the bundle's bytes fails with SQLITE_FULL). Expected: one clear line (no
traceback), nothing half-written in the store, the bundle kept (claimed, or back in the
inbox), and once the ballast is deleted, the bundle ingested exactly once.

(b) The database goes away mid-stream: a PostgreSQL cluster of the test's own is stopped
with ``pg_ctl stop -m immediate`` while a daemon ingests a stream. Expected: one line per
failed attempt, the bundles kept, retries with backoff (the daemon does not exit), and once
the cluster is back, everything ingested exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.harness import ClusterControl, can_mount
from tests.reliability.scenarios import (
    CaseResult,
    database_down,
    disk_full_store,
    disk_full_work_dir,
)
from tests.servers import SshServer, throwaway_postgres

needs_mount = pytest.mark.skipif(not can_mount(), reason="mounting a tmpfs needs root")


def _check(result: CaseResult) -> None:
    print(result.summary())
    assert result.ok, f"{result.summary()}\n{result.logs}"


@needs_mount
def test_work_folder_full_while_downloading(sshd_server: SshServer, tmp_path: Path) -> None:
    result = disk_full_work_dir("disk full: work folder", f"sqlite:///{tmp_path / 'store.db'}",
                                tmp_path, sshd_server, seed=41)
    _check(result)
    assert result.disk_full == 1
    error = next(line for line in result.logs["poll"].splitlines() if "No space" in line)
    assert "cannot write the download of" in error and "retry in" in error


@needs_mount
def test_store_disk_full_while_storing(tmp_path: Path) -> None:
    result = disk_full_store("disk full: SQLite store", tmp_path, seed=42)
    _check(result)
    assert result.disk_full == 2
    last = result.logs["once"].strip().splitlines()[-1]
    assert last.startswith("cvbridge: error: store /")  # the store's file, named
    assert last.endswith("store.db: database or disk is full")


@pytest.fixture
def own_cluster() -> Iterator[ClusterControl]:
    """A cluster of this test's own: stopping it leaves the session's cluster alone."""
    with throwaway_postgres() as server:
        yield ClusterControl(server)


def test_database_stopped_mid_stream(own_cluster: ClusterControl, sshd_server: SshServer,
                                     tmp_path: Path) -> None:
    url = own_cluster.server.create_database("outage")
    result = database_down("db down: PostgreSQL", own_cluster, url, tmp_path, sshd_server,
                           seed=43, count=8)
    _check(result)
    assert result.db_down == 1
    errors = [line for line in result.logs["poll"].splitlines() if "store error (" in line]
    assert errors and all("ERROR" in line and "retry in" in line for line in errors)
    print("\n".join(errors))
