"""The inbox layer over a local folder: the full poll flow with a stand-in for the store."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from pathlib import Path

import pytest

from cvbridge import ConfigError, InboxError
from cvbridge.inbox import (
    ClaimLostError,
    IngestResult,
    LocalTransport,
    Poller,
    RemoteFile,
    parse_inbox_url,
    transport_factory,
)
from tests.inbox_fakes import FakeClock, RecordingIngest, drop


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "vendor" / "inbox"
    path.mkdir(parents=True)
    return path


def _poller(inbox: Path, ingest: RecordingIngest, clock: FakeClock, **kwargs: object) -> Poller:
    return Poller(
        lambda: LocalTransport(inbox),
        ingest,
        work_dir=inbox.parent.parent / "work",
        settle_seconds=0.5,
        clock=clock,
        **kwargs,  # type: ignore[arg-type]
    )


def test_normal_flow(inbox: Path, caplog: pytest.LogCaptureFixture) -> None:
    good = drop(inbox, "lot-1.zip")
    bad = drop(inbox, "lot-2.zip")
    drop(inbox, "lot-3.zip.part")
    drop(inbox, ".lot-4.zip")
    ingest = RecordingIngest(
        answers={"lot-2.zip": IngestResult("failed", "line 1: bad manifest\n", "failed")}
    )
    clock = FakeClock()
    poller = _poller(inbox, ingest, clock)
    caplog.set_level(logging.INFO, logger="cvbridge.inbox")

    first = poller.poll_once()
    assert (first.listed, first.taken, first.waiting) == (4, 0, 2)
    clock.now += 0.5
    second = poller.poll_once()
    assert (second.taken, second.processed, second.failed) == (2, 1, 1)

    vendor = inbox.parent
    assert sorted(ingest.calls) == [("lot-1.zip", good), ("lot-2.zip", bad)]
    assert sorted(p.name for p in inbox.iterdir()) == [".lot-4.zip", "lot-3.zip.part"]
    assert list((vendor / "processing").iterdir()) == []
    assert [p.name for p in (vendor / "processed").iterdir()] == ["lot-1.zip"]
    assert sorted(p.name for p in (vendor / "failed").iterdir()) == [
        "lot-2.zip",
        "lot-2.zip.errors.txt",
    ]
    assert (vendor / "failed" / "lot-2.zip.errors.txt").read_text() == "line 1: bad manifest\n"
    assert hashlib.sha256((vendor / "processed" / "lot-1.zip").read_bytes()).hexdigest() == good
    assert list((vendor.parent / "work").iterdir()) == []  # downloads are deleted
    assert "claimed lot-1.zip (4096 bytes)" in caplog.text

    clock.now += 10
    assert poller.poll_once().taken == 0


def test_part_file_taken_after_rename(inbox: Path) -> None:
    drop(inbox, "lot.zip.part")
    ingest = RecordingIngest()
    clock = FakeClock()
    poller = _poller(inbox, ingest, clock)
    poller.poll_once()
    clock.now += 5
    assert poller.poll_once().taken == 0
    (inbox / "lot.zip.part").rename(inbox / "lot.zip")
    assert poller.poll_once().taken == 0  # first sighting under its final name
    clock.now += 0.5
    assert poller.poll_once().processed == 1


def test_name_clash_never_overwrites(inbox: Path) -> None:
    processed = inbox.parent / "processed"
    processed.mkdir()
    (processed / "lot.zip").write_bytes(b"older")
    (processed / "lot.2.zip").write_bytes(b"older 2")
    transport = LocalTransport(inbox)
    drop(inbox, "lot.zip")
    assert transport.claim("lot.zip") == "lot.zip"
    assert transport.complete("lot.zip", "processed") == "lot.3.zip"
    assert (processed / "lot.zip").read_bytes() == b"older"
    assert (processed / "lot.2.zip").read_bytes() == b"older 2"


def test_failed_clash_keeps_errors_beside_their_bundle(inbox: Path) -> None:
    failed = inbox.parent / "failed"
    failed.mkdir()
    (failed / "lot.zip.errors.txt").write_text("old errors")  # orphaned report
    transport = LocalTransport(inbox)
    drop(inbox, "lot.zip")
    transport.claim("lot.zip")
    assert transport.complete("lot.zip", "failed", "new errors") == "lot.2.zip"
    assert (failed / "lot.2.zip.errors.txt").read_text() == "new errors"
    assert (failed / "lot.zip.errors.txt").read_text() == "old errors"


def test_claim_is_exclusive(inbox: Path) -> None:
    drop(inbox, "lot.zip")
    first, second = LocalTransport(inbox), LocalTransport(inbox)
    assert first.claim("lot.zip") == "lot.zip"
    assert second.claim("lot.zip") is None  # already gone
    drop(inbox, "lot.zip")  # re-sent under the same name while the first is in processing
    assert second.claim("lot.zip") is None
    assert (inbox / "lot.zip").exists()
    assert first.complete("lot.zip", "processed") == "lot.zip"
    assert second.claim("lot.zip") == "lot.zip"


def test_download_integrity_and_no_leftovers(inbox: Path, tmp_path: Path) -> None:
    digest = drop(inbox, "big.zip", size=3 * 1024 * 1024 + 17)
    transport = LocalTransport(inbox)
    transport.claim("big.zip")
    dest = tmp_path / "dl.zip"
    transport.download("big.zip", dest)
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == digest
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dl")] == []


def test_stale_claims_use_the_filesystem_clock_and_are_released(inbox: Path) -> None:
    transport = LocalTransport(inbox)
    drop(inbox, "old.zip")
    drop(inbox, "new.zip")
    transport.claim("old.zip")
    transport.claim("new.zip")
    processing = inbox.parent / "processing"
    hour_ago = (processing / "new.zip").stat().st_mtime - 3600
    os.utime(processing / "old.zip", (hour_ago, hour_ago))
    assert transport.stale_claims(600) == ["old.zip"]
    assert not [p for p in processing.iterdir() if p.name.startswith(".")]  # marker removed
    drop(inbox, "old.zip")  # a re-send took the name meanwhile
    assert transport.release("old.zip") == "old.2.zip"
    assert transport.release("old.zip") is None


def test_poller_releases_dead_workers_claims(inbox: Path) -> None:
    dead = LocalTransport(inbox)
    drop(inbox, "lot.zip")
    dead.claim("lot.zip")
    claimed = inbox.parent / "processing" / "lot.zip"
    os.utime(claimed, (claimed.stat().st_mtime - 7200,) * 2)
    clock = FakeClock()
    ingest = RecordingIngest()
    poller = _poller(inbox, ingest, clock, lease_seconds=3600)
    assert poller.poll_once().released == 1
    clock.now += 1
    assert poller.poll_once().processed == 1
    assert ingest.calls[0][0] == "lot.zip"


def test_ingest_error_gives_the_bundle_back(inbox: Path) -> None:
    drop(inbox, "lot.zip")
    clock = FakeClock()
    ingest = RecordingIngest(raise_for={"lot.zip"})
    poller = _poller(inbox, ingest, clock)
    poller.poll_once()
    clock.now += 1
    with pytest.raises(RuntimeError, match="store unavailable"):
        poller.poll_once()
    assert (inbox / "lot.zip").exists()
    assert poller.claims_in_hand == []
    ingest.raise_for.clear()
    poller.poll_once()
    clock.now += 1
    assert poller.poll_once().processed == 1


def test_missing_inbox_is_an_inbox_error(tmp_path: Path) -> None:
    with pytest.raises(InboxError, match="does not exist"):
        LocalTransport(tmp_path / "nowhere")


def test_run_backs_off_then_recovers_and_stops_cleanly(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"  # not there yet: every attempt fails until it appears
    done = threading.Event()
    stop = threading.Event()

    def ingest(path: Path, file: RemoteFile) -> IngestResult:
        stop.set()  # asked to stop while a bundle is in hand: it must still be filed away
        done.set()
        return IngestResult("processed")

    poller = Poller(
        lambda: LocalTransport(inbox),
        ingest,
        work_dir=tmp_path / "work",
        settle_seconds=0.0,
        backoff_base=0.01,
        backoff_max=0.05,
    )
    thread = threading.Thread(target=poller.run, args=(0.01, stop))
    thread.start()
    time.sleep(0.2)
    inbox.mkdir()
    drop(inbox, "lot.zip")
    drop(inbox, "later.zip")
    assert done.wait(10)
    thread.join(10)
    assert not thread.is_alive()
    assert len(list((tmp_path / "processed").iterdir())) == 1  # filed, then stopped
    assert len(list(inbox.iterdir())) == 1


def test_backoff_is_exponential_with_jitter_and_capped(inbox: Path) -> None:
    poller = Poller(
        lambda: LocalTransport(inbox),
        RecordingIngest(),
        work_dir=inbox,
        backoff_base=1.0,
        backoff_max=60.0,
    )
    for failures, ceiling in [(1, 1.0), (2, 2.0), (5, 16.0), (7, 60.0), (500, 60.0)]:
        delays = [poller.backoff_delay(failures) for _ in range(50)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(set(delays)) > 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sftp://bob@example.org:2222/srv/in", ("sftp", "/srv/in", "example.org", 2222, "bob")),
        ("sftp://example.org/in%20box", ("sftp", "/in box", "example.org", 22, None)),
        ("sftp://b%40x@[::1]:22/in", ("sftp", "/in", "::1", 22, "b@x")),
        ("/var/inbox", ("local", "/var/inbox", None, 22, None)),
        ("rel/inbox", ("local", "rel/inbox", None, 22, None)),
        ("file:///var/inbox", ("local", "/var/inbox", None, 22, None)),
    ],
)
def test_parse_inbox_url(url: str, expected: tuple[object, ...]) -> None:
    loc = parse_inbox_url(url)
    assert (loc.scheme, loc.path, loc.host, loc.port, loc.username) == expected


@pytest.mark.parametrize(
    "url",
    [
        "",
        "ftp://h/in",
        "sftp://bob:secret@h/in",
        "sftp://h/in?x=1",
        "sftp:///in",
        "sftp://h:99999/in",
        "sftp://h/",
        "file://other/in",
    ],
)
def test_parse_inbox_url_refuses(url: str) -> None:
    with pytest.raises(ConfigError):
        parse_inbox_url(url)


def test_transport_factory(inbox: Path) -> None:
    transport = transport_factory(str(inbox))()
    assert transport.list_inbox() == []
    transport.close()
    with pytest.raises(ConfigError, match="private key"):
        transport_factory("sftp://h/in")


def test_download_of_a_lost_claim(inbox: Path, tmp_path: Path) -> None:
    transport = LocalTransport(inbox)
    with pytest.raises(ClaimLostError):
        transport.download("never-claimed.zip", tmp_path / "x.zip")
    assert list(tmp_path.glob(".x.zip*")) == []
    assert transport.complete("never-claimed.zip", "processed") is None
