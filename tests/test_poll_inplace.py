"""Uploads written in place (``NAME.zip`` directly, no ``.part`` and rename) at a vendor's real
speed: OpenSSH's own ``sftp`` client, rate-limited with ``-l``, against the real sshd, while
``cvbridge poll`` runs with a settle time shorter than the pauses between its writes. The
poller takes the half-written file more than once; each time it sees the file move or the
archive lack its end record and gives the claim back. The bundle ends in processed/, never
in failed/, and the vendor gets no error report."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from cvbridge.inbox import LocalTransport, Poller, RemoteFile
from cvbridge.inbox._poller import IngestResult
from tests.poll_support import (
    Inbox,
    PollProcess,
    StoreView,
    corpus_bundles,
    poll_env,
    sha256,
    wait_for,
)
from tests.servers import SshServer

pytest_plugins = ("tests.poll_fixtures",)


def _sftp_put(server: SshServer, local: Path, remote: str, kbit_per_s: int,
              workdir: Path) -> subprocess.Popen[bytes]:
    batch = workdir / "batch"
    batch.write_text(f"put {local} {remote}\n")
    return subprocess.Popen(
        ["sftp", "-b", str(batch), "-l", str(kbit_per_s), "-P", str(server.port),
         "-i", str(server.client_key_path), "-o", f"UserKnownHostsFile={server.known_hosts_path}",
         "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
         f"{server.username}@{server.host}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def test_a_rate_limited_in_place_upload_ends_in_processed_not_failed(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    data = corpus_bundles(1, per_bundle=12, seed=51)[0]
    assert len(data) > 200_000
    local = tmp_path / "lot.zip"
    local.write_bytes(data)
    remote = str((inbox.inbox / "lot.zip").relative_to(sshd_server.root_dir))
    env = poll_env(inbox, sshd_server, db_url, tmp_path / "work", CVBRIDGE_SETTLE_SECONDS=0.1)
    with PollProcess(env, ("--interval", "0.1", "--log-format", "json"), tmp_path / "poll.log",
                     tmp_path) as poll:
        assert poll.wait_log("connected to"), poll.log()
        # ~60 KB/s: the upload takes several seconds, in bursts with pauses longer than the
        # settle time, so the poller takes it while it is being written.
        upload = _sftp_put(sshd_server, local, remote, 480, tmp_path)
        output, _ = upload.communicate(timeout=60)
        assert upload.returncode == 0, output.decode()
        drained = wait_for(lambda: inbox.drained(1), timeout=30)
        returncode = poll.stop()
    log = poll.log()
    assert drained, log
    assert returncode == 0, log
    entries = [json.loads(line) for line in log.splitlines()]
    still = [e for e in entries if "still uploading" in e["message"]]
    assert still, log  # it was taken mid-upload at least once: the case under test happened
    assert {e["level"] for e in still} == {"info"}
    assert inbox.bundles(inbox.processed) == ["lot.zip"]
    assert inbox.names(inbox.failed) == []
    assert sha256((inbox.processed / "lot.zip").read_bytes()) == sha256(data)
    assert StoreView(db_url).statuses() == {"ingested": 1}
    assert "Traceback" not in log


def _truncated(data: bytes) -> bytes:
    return data[: len(data) * 2 // 3]


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _poller(root: Path, clock: _Clock, seen: list[str]) -> Poller:
    def ingest(path: Path, file: RemoteFile) -> IngestResult:
        seen.append(file.name)
        return IngestResult("failed", "damaged\n", "failed")

    return Poller(lambda: LocalTransport(root / "inbox"), ingest, work_dir=root / "work",
                  settle_seconds=0, upload_grace_seconds=60, clock=clock)


@pytest.mark.parametrize("age", [5.0, 3600.0])
def test_an_archive_without_its_end_is_judged_only_after_the_grace_period(
    tmp_path: Path, age: float
) -> None:
    """A young upload without its end record is given back (it is still coming); one that
    stays so for the grace period, or that was already old, is read and refused."""
    (tmp_path / "inbox").mkdir()
    bundle = tmp_path / "inbox" / "cut.zip"
    bundle.write_bytes(_truncated(corpus_bundles(1, per_bundle=2, seed=52)[0]))
    written = time.time() - age
    os.utime(bundle, (written, written))
    clock, seen = _Clock(), []
    poller = _poller(tmp_path, clock, seen)
    poller.poll_once()  # settle 0: seen once, taken on the next round
    summary = poller.poll_once()
    if age > 60:
        assert (summary.failed, seen) == (1, ["cut.zip"])
        return
    assert (summary.failed, seen) == (0, [])
    assert [p.name for p in (tmp_path / "inbox").iterdir()] == ["cut.zip"]
    clock.now += 30
    poller.poll_once()
    poller.poll_once()
    assert seen == []  # still within the grace period
    clock.now += 31
    poller.poll_once()
    poller.poll_once()
    assert seen == ["cut.zip"]
    assert [p.name for p in (tmp_path / "failed").iterdir() if p.suffix == ".zip"] == ["cut.zip"]
