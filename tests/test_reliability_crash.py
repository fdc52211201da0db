"""Crash consistency (issue 6, item 2): ``cvbridge ingest FILES`` and ``cvbridge poll`` are
SIGKILLed at random moments, 30 times on SQLite (local inbox) and 20 times on PostgreSQL
(SFTP inbox); after every kill the store's invariants hold (tests/reliability/invariants.py),
and after a clean restart every bundle is ingested exactly once, or failed with its report.

The seed is random and printed; ``CVBRIDGE_RELIABILITY_SEED=N`` replays a run. ``make
reliability`` runs the same campaign with many more kills.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.reliability.scenarios import CaseResult, crash_campaign
from tests.servers import SshServer


def _seed() -> int:
    return int(os.environ.get("CVBRIDGE_RELIABILITY_SEED") or int.from_bytes(os.urandom(3),
                                                                               "big"))


def _check(result: CaseResult, seed: int) -> None:
    print(f"seed {seed}: {result.summary()}")
    assert result.ok, f"seed {seed}: {result.summary()}\n{result.logs}"
    assert result.kills >= result.tried // 2, result.summary()  # the kills did happen


def test_sigkill_ingest_and_poll_on_sqlite(tmp_path: Path) -> None:
    seed = _seed()
    result = crash_campaign("kill, SQLite", f"sqlite:///{tmp_path / 'store.db'}", tmp_path,
                            runs=30, seed=seed)
    _check(result, seed)


def test_sigkill_ingest_and_poll_on_postgresql(postgres_url: str, sshd_server: SshServer,
                                               tmp_path: Path) -> None:
    seed = _seed()
    result = crash_campaign("kill, PostgreSQL", postgres_url, tmp_path, runs=20, seed=seed,
                            server=sshd_server)
    _check(result, seed)
