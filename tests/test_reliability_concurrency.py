"""Several workers at once (issue 6, item 3): three ``cvbridge poll`` daemons on one
PostgreSQL store and one SFTP inbox, while a thread uploads about 40 bundles over a few
seconds (``.part`` then rename), among them the same bytes under two names at the same moment
and a bundle already processed, sent again. Exactly once holds: each upload is claimed by
one worker and filed away once, each distinct content has one primary record, nothing is
doubled and the store's invariants hold. ``make reliability`` runs a longer stream.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.reliability.scenarios import concurrent_stream
from tests.servers import SshServer


def test_three_workers_one_store_one_inbox_under_a_stream(
    postgres_url: str, sshd_server: SshServer, tmp_path: Path
) -> None:
    seed = int(os.environ.get("CVBRIDGE_RELIABILITY_SEED") or 6)
    result = concurrent_stream("3 workers, PostgreSQL", postgres_url, tmp_path, sshd_server,
                               seed=seed, count=40, workers=3, seconds=3.0)
    print(result.summary())
    assert result.ok, f"{result.summary()}\n{result.logs}"
    assert result.tally.bundles >= 38
    assert result.notes["duplicate"] >= 2  # the twin and the bundle sent again
