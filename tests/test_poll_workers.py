"""Two ``cvbridge poll`` daemons on one SFTP inbox and one PostgreSQL store: every bundle is
taken by one of them, each distinct content is applied once, identical uploads included."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from tests.poll_support import (
    Inbox,
    PollProcess,
    StoreView,
    corpus_bundles,
    poll_env,
    run_cvbridge,
    sha256,
    wait_for,
)
from tests.servers import SshServer


def test_two_workers_share_an_inbox_and_a_store(
    sshd_server: SshServer, sftp_root: Path, postgres_url: str, tmp_path: Path
) -> None:
    inbox = Inbox.on(sshd_server, sftp_root)
    distinct = corpus_bundles(28, per_bundle=3, seed=31)
    sent = {f"lot-{index:02d}.zip": data for index, data in enumerate(distinct)}
    # Two pairs of the same bytes under two names, uploaded at the same moment: the workers
    # list them together and may well claim one each.
    sent["lot-03-copy.zip"] = sent["lot-03.zip"]
    sent["lot-17-copy.zip"] = sent["lot-17.zip"]
    names = sorted(sent)
    env = poll_env(inbox, sshd_server, postgres_url, tmp_path / "work",
                   CVBRIDGE_SETTLE_SECONDS=0.3)
    upgrade = run_cvbridge(env, "db", "upgrade", cwd=tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr

    moment = time.time() - 30
    for name in names[:15]:
        inbox.upload(name, sent[name], mtime=moment)
    workers: list[PollProcess] = []
    try:
        for n in (1, 2):
            workers.append(PollProcess({**env, "CVBRIDGE_WORK_DIR": str(tmp_path / f"work-{n}")},
                                       ("--interval", "0.2"), tmp_path / f"worker-{n}.log",
                                       tmp_path))
        for worker in workers:
            assert worker.wait_log("connected to"), worker.log()
        for name in names[15:]:  # the rest arrives while both are polling
            inbox.upload(name, sent[name], mtime=moment)
        drained = wait_for(lambda: inbox.drained(len(sent)), timeout=45)
        returncodes = [worker.stop() for worker in workers]
    finally:
        for worker in workers:
            worker.close()
    logs = [worker.log() for worker in workers]
    assert drained, (inbox.names(inbox.inbox), inbox.names(inbox.processing), *logs)
    assert returncodes == [0, 0], logs
    assert all("inbox poller stopped" in log for log in logs)

    assert inbox.bundles(inbox.processed) == names
    assert not inbox.failed.exists() or inbox.names(inbox.failed) == []
    assert {name: sha256((inbox.processed / name).read_bytes()) for name in names} == {
        name: sha256(data) for name, data in sent.items()}
    store = StoreView(postgres_url)
    digests = {sha256(data) for data in distinct}
    assert store.blobs() == digests
    assert store.primary_statuses() == {digest: ["ingested"] for digest in digests}
    assert store.candidates() == 28 * 3
    assert store.doubled_candidates() == []
    ledger = store.pickups()
    assert sorted(row[0] for row in ledger) == names  # each file taken once, by one worker
    assert Counter(row[4] for row in ledger) == {"ingested": 28, "duplicate": 2}
    assert {row[5] for row in ledger} == {"processed"}
    taken = [log.count("claimed lot-") for log in logs]
    assert sum(taken) == len(sent), taken
