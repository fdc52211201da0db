"""``cvbridge poll`` daemons that die (SIGKILL) or lose their link, then come back: in the end
every bundle is filed away, ingested exactly once, and its bytes are in the store."""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter
from pathlib import Path

from tests.poll_support import (
    CuttingProxy,
    Inbox,
    PollProcess,
    StoreView,
    corpus_bundles,
    expected_codes,
    invalid_sample,
    poll_env,
    sha256,
    wait_for,
)
from tests.servers import SshServer

pytest_plugins = ("tests.poll_fixtures",)

INVALID = ("error-manifest-missing.zip", "error-key-missing.zip")
DAEMON = ("--interval", "0.1")


def _drain(inbox: Inbox, env: dict[str, str], log: Path, cwd: Path, expected: int) -> str:
    """Run a daemon until *expected* bundles are filed away, stop it; its log."""
    with PollProcess(env, DAEMON, log, cwd) as poll:
        drained = wait_for(lambda: inbox.drained(expected), timeout=40)
        returncode = poll.stop()
    assert drained, (inbox.names(inbox.inbox), inbox.names(inbox.processing), poll.log())
    assert returncode == 0, poll.log()
    return poll.log()


def _assert_exactly_once(inbox: Inbox, store: StoreView, sent: dict[str, bytes],
                         candidates: int) -> None:
    """Every bundle filed where it belongs, each distinct content applied once, none lost."""
    valid = {name for name in sent if not name.startswith("bad")}
    assert inbox.bundles(inbox.inbox) == inbox.bundles(inbox.processing) == []
    # By content: a crash between a refused bundle's errors file and its move leaves that
    # errors file alone, and the bundle taken again lands beside it as NAME.2.zip.
    assert inbox.digests(inbox.processed) == Counter(sha256(sent[name]) for name in valid)
    assert inbox.digests(inbox.failed) == Counter(
        sha256(data) for name, data in sent.items() if name not in valid)
    for name in inbox.bundles(inbox.failed):  # refused, even when taken again after a crash
        errors = (inbox.failed / f"{name}.errors.txt").read_text()
        assert f"{name} was NOT ingested" in errors
    digests = {sha256(data) for data in sent.values()}
    assert store.blobs() == digests  # nothing lost: every original's bytes are kept
    primaries = store.primary_statuses()
    assert sorted(primaries) == sorted(digests)
    expected = Counter(ingested=len(valid), failed=len(sent) - len(valid))
    assert Counter(status for statuses in primaries.values() for status in statuses) == +expected
    assert store.candidates() == candidates
    assert store.doubled_candidates() == []
    assert {row[3] for row in store.pickups()} == digests


def test_sigkill_at_random_moments_loses_and_doubles_nothing(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    stream = [(f"v-{index:02d}.zip", data)
              for index, data in enumerate(corpus_bundles(20, per_bundle=3, seed=21))]
    stream += [(f"bad-{index}.zip", invalid_sample(name)) for index, name in enumerate(INVALID)]
    rng.shuffle(stream)
    sent = dict(stream)
    env = poll_env(inbox, sshd_server, db_url, tmp_path / "work",
                   CVBRIDGE_SETTLE_SECONDS=0.1)  # the default hour-long lease: no release
    log = tmp_path / "poll.log"
    runs, per_run = 10, 2
    seen: Counter[str] = Counter()  # what the kills left behind, for the failure message
    stranded: set[str] = set()
    for run in range(runs):
        for name, data in stream[run * per_run:(run + 1) * per_run]:
            inbox.upload(name, data)
        with PollProcess(env, DAEMON, log, tmp_path) as poll:
            assert poll.wait_log("connected to"), poll.log()
            time.sleep(rng.uniform(0.0, 0.6))
            poll.kill()
        done = StoreView(db_url).primary_statuses()
        for name in set(inbox.bundles(inbox.processing)) - stranded:
            statuses = done.get(sha256(sent[name]), [])
            seen["ingested, not moved" if statuses and statuses != ["received"]
                 else "received" if statuses else "claimed only"] += 1
            stranded.add(name)
    for name, data in stream[runs * per_run:]:
        inbox.upload(name, data)
    context = f"seed {seed}, kills left: {dict(seen)}"
    print(context)

    # Back with a short lease: the claims of the dead processes return to the inbox.
    _drain(inbox, {**env, "CVBRIDGE_LEASE_SECONDS": "0.5"}, log, tmp_path, len(sent))

    try:
        _assert_exactly_once(inbox, StoreView(db_url), sent, candidates=20 * 3)
    except AssertionError as exc:
        raise AssertionError(f"{context}: {exc}") from exc


def _block(folder: Path) -> None:
    """Put a file where the folder should be: moves into it fail, as on a full or broken disk."""
    if folder.is_dir():
        folder.rmdir()
    folder.write_bytes(b"not a folder")


def test_sigkill_between_ingestion_and_the_move(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    """The move after ingestion keeps failing (its folder is broken); the daemon is killed
    while it retries: the bundle is ingested but still claimed. After the repair, a restart
    takes it again and files it away without applying it twice."""
    good = corpus_bundles(1, per_bundle=3, seed=22)[0]
    bad = invalid_sample(INVALID[0])
    past = time.time() - 60
    inbox.upload("bad-1.zip", bad, mtime=past)  # the older upload is claimed first
    inbox.upload("v-1.zip", good, mtime=past + 1)
    env = poll_env(inbox, sshd_server, db_url, tmp_path / "work", CVBRIDGE_SETTLE_SECONDS=0.1)
    log = tmp_path / "poll.log"
    store = StoreView(db_url)

    for name, status, folder in (("bad-1.zip", "failed", inbox.failed),
                                 ("v-1.zip", "ingested", inbox.processed)):
        _block(folder)
        with PollProcess(env, DAEMON, log, tmp_path) as poll:
            assert poll.wait_log(rf"bundle {name}: {status}.*\n(.*\n)*.*inbox error"), poll.log()
            assert "cannot move" in poll.log()
            poll.kill()
        folder.unlink()
        assert name in inbox.bundles(inbox.processing)
        assert store.primary_statuses()[sha256(good if name == "v-1.zip" else bad)] == [status]

    _drain(inbox, {**env, "CVBRIDGE_LEASE_SECONDS": "0.5"}, log, tmp_path, 2)

    _assert_exactly_once(inbox, store, {"bad-1.zip": bad, "v-1.zip": good}, candidates=3)
    assert inbox.bundles(inbox.processed) == ["v-1.zip"]
    assert inbox.names(inbox.failed) == ["bad-1.zip", "bad-1.zip.errors.txt"]
    assert store.statuses() == {"ingested": 1, "failed": 1, "duplicate": 2}
    errors = (inbox.failed / "bad-1.zip.errors.txt").read_text()
    assert all(code in errors for code in expected_codes(INVALID[0]))
    assert [row[4:] for row in store.pickups()] == [
        ("failed", "failed"), ("ingested", "processed"),
        ("duplicate", "failed"), ("duplicate", "processed")]


def test_link_cut_mid_download_is_retried_and_completes(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    big = corpus_bundles(1, per_bundle=30, seed=23)[0]
    small = corpus_bundles(2, per_bundle=3, seed=24)
    assert len(big) > 600_000
    past = time.time() - 60
    inbox.upload("big.zip", big, mtime=past)  # first in line: the cut falls inside its download
    for index, data in enumerate(small):
        inbox.upload(f"small-{index}.zip", data, mtime=past + 1)
    proxy = CuttingProxy(sshd_server.port, cut_after=300_000)
    url = inbox.url.replace(f":{sshd_server.port}/", f":{proxy.port}/")
    env = poll_env(inbox, sshd_server, db_url, tmp_path / "work", CVBRIDGE_INBOX=url,
                   CVBRIDGE_KNOWN_HOSTS=proxy.known_hosts(sshd_server, tmp_path / "known_hosts"))
    try:
        with PollProcess(env, (*DAEMON, "--log-format", "json"), tmp_path / "poll.log",
                         tmp_path) as poll:
            drained = wait_for(lambda: inbox.drained(3), timeout=40)
            returncode = poll.stop()
    finally:
        proxy.close()
    log = poll.log()
    assert drained, log
    assert returncode == 0, log

    assert proxy.cuts == 1
    assert proxy.connections == 2  # one reconnect, after a backoff: no storm
    messages = [json.loads(line)["message"] for line in log.splitlines()]
    cut = next(m for m in messages if m.startswith("inbox error (1 in a row)"))
    assert "cannot download big.zip" in cut
    assert "resuming big.zip" in messages
    sent = {"big.zip": big, **{f"small-{i}.zip": data for i, data in enumerate(small)}}
    _assert_exactly_once(inbox, StoreView(db_url), sent, candidates=30 + 3 + 3)
    assert inbox.bundles(inbox.processed) == sorted(sent)
    assert StoreView(db_url).statuses() == {"ingested": 3}
    assert [row[0] for row in StoreView(db_url).pickups()] == ["big.zip", "small-0.zip",
                                                               "small-1.zip"]
    assert {name: sha256((inbox.processed / name).read_bytes()) for name in sent} == {
        name: sha256(data) for name, data in sent.items()}
