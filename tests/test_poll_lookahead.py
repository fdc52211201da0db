"""The poller reads ahead (issue 16): with a lookahead, the next claims are downloaded while
one is ingested, announced to the lookahead in order, each filed away only after its own
ingestion; a round that fails gives what it took ahead back to the inbox. Wired to the store
(``StoreIngest``), the store's read-ahead process reads the downloads meanwhile, with the same
outcomes as reading each in turn."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cvbridge.inbox import IngestResult, LocalTransport, Poller, RemoteFile
from cvbridge.inbox._pickup import StoreIngest
from cvbridge.store import IngestOutcome, Store
from cvbridge.store import _readahead as readahead
from cvbridge.store._ingest import KEPT_DOCUMENT_BYTES
from cvbridge.store._readahead import BundleRead, BundleReads
from tests.inbox_fakes import FakeClock, RecordingIngest, drop
from tests.store_bundles import Dropper, person, sha256
from tests.store_checks import assert_index_agrees

pytest_plugins = ("tests.store_fixtures",)


@dataclass
class JournalIngest(RecordingIngest):
    """The store's stand-in as a lookahead of *depth*: one journal of what it was told, and
    of what had been filed away by the time each bundle was ingested."""

    depth: int = 2
    journal: list[str] = field(default_factory=list)
    processed: Path | None = None

    def start(self, files: Sequence[RemoteFile]) -> int:
        self.journal.append(f"start {len(files)}")
        return self.depth

    def coming(self, path: Path) -> None:
        self.journal.append(f"coming {sha256(path.read_bytes())[:8]}")

    def stop(self) -> None:
        self.journal.append("stop")

    def __call__(self, path: Path, file: RemoteFile) -> IngestResult:
        assert self.processed is not None
        filed = sorted(p.name for p in self.processed.iterdir())
        self.journal.append(f"ingest {file.name} after {filed}")
        return super().__call__(path, file)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "vendor" / "inbox"
    path.mkdir(parents=True)
    return path


def _poller(inbox: Path, ingest: JournalIngest) -> Poller:
    ingest.processed = inbox.parent / "processed"
    return Poller(lambda: LocalTransport(inbox), ingest, work_dir=inbox.parent.parent / "work",
                  settle_seconds=0, clock=FakeClock(), lookahead=ingest)


def test_the_next_claims_are_downloaded_and_announced_while_one_is_ingested(
        inbox: Path) -> None:
    digests = {f"lot-{n}.zip": drop(inbox, f"lot-{n}.zip") for n in range(4)}
    ingest = JournalIngest(depth=2)
    poller = _poller(inbox, ingest)
    poller.poll_once()  # first sighting (settle interval 0: taken next round)
    summary = poller.poll_once()

    assert summary.processed == 4
    short = {name: digest[:8] for name, digest in digests.items()}
    assert ingest.journal == [
        "start 4",
        f"coming {short['lot-0.zip']}", f"coming {short['lot-1.zip']}",
        f"coming {short['lot-2.zip']}",
        "ingest lot-0.zip after []",  # three in hand: the one ingested and two ahead
        f"coming {short['lot-3.zip']}",
        "ingest lot-1.zip after ['lot-0.zip']",  # each filed away once ingested
        "ingest lot-2.zip after ['lot-0.zip', 'lot-1.zip']",
        "ingest lot-3.zip after ['lot-0.zip', 'lot-1.zip', 'lot-2.zip']",
        "stop"]
    assert sorted(p.name for p in (inbox.parent / "processed").iterdir()) == sorted(digests)
    assert list((inbox.parent.parent / "work").iterdir()) == []  # downloads deleted


def test_a_round_that_fails_gives_back_what_it_took_ahead(inbox: Path) -> None:
    for n in range(4):
        drop(inbox, f"lot-{n}.zip")
    ingest = JournalIngest(depth=2, raise_for={"lot-1.zip"})
    poller = _poller(inbox, ingest)
    poller.poll_once()
    with pytest.raises(RuntimeError, match="store unavailable"):
        poller.poll_once()

    assert ingest.journal[-1] == "stop"
    assert [p.name for p in (inbox.parent / "processed").iterdir()] == ["lot-0.zip"]
    # The one that raised and the two downloaded ahead of it are back in the inbox.
    assert sorted(p.name for p in inbox.iterdir()) == ["lot-1.zip", "lot-2.zip", "lot-3.zip"]
    assert list((inbox.parent / "processing").iterdir()) == []
    assert poller.claims_in_hand == []
    assert list((inbox.parent.parent / "work").iterdir()) == []


def test_no_lookahead_for_a_round_not_worth_it(inbox: Path) -> None:
    for n in range(3):
        drop(inbox, f"lot-{n}.zip")
    ingest = JournalIngest(depth=0)
    poller = _poller(inbox, ingest)
    poller.poll_once()
    assert poller.poll_once().processed == 3
    assert [entry.split(" after")[0] for entry in ingest.journal] == [
        "start 3", "ingest lot-0.zip", "ingest lot-1.zip", "ingest lot-2.zip"]


# -- wired to the store --------------------------------------------------------------------


def test_bundles_added_as_they_come_are_read_in_order(drop_bundles: Dropper) -> None:
    """The poller's use of the reads: two bundles in hand ahead of the one written."""
    paths = [drop_bundles([person(f"T-{i}", "Nom", f"Prénom{i}")], f"b{i}.zip",
                          bundle_id=f"B{i}") for i in range(9)]
    got: list[BundleRead | None] = []
    with BundleReads([], None, KEPT_DOCUMENT_BYTES) as reads:
        for path in paths[:2]:
            reads.add(path)
        for index in range(len(paths)):
            if index + 2 < len(paths):
                reads.add(paths[index + 2])
            got.append(reads.take())
            time.sleep(0.25)  # the writing, during which the reader starts, then reads ahead

    for path, read in zip(paths, got, strict=True):
        if read is not None:
            assert (read.report.path, read.report.sha256) == (path.name,
                                                              sha256(path.read_bytes()))
    assert sum(read is not None for read in got) >= 4


@pytest.fixture
def drop_bundles(tmp_path: Path) -> Dropper:
    return Dropper(tmp_path / "drop")


def test_a_poll_round_is_read_ahead_by_the_store(
        store: Store, drop_bundles: Dropper, inbox: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readahead, "MIN_BATCH_BYTES", 0)  # these bundles are small
    people = [person(f"LA-{i}", "Nom", f"Prénom{i}") for i in range(6)]
    for index, candidate in enumerate(people):
        drop_bundles([candidate], f"b{index}.zip", bundle_id=f"B{index}").rename(
            inbox / f"b{index}.zip")
    (inbox / "again.zip").write_bytes((inbox / "b0.zip").read_bytes())
    reads: list[bool] = []
    real_ingest = store.ingest

    def ingest(path: Path, *, filename: str | None = None,
               read: BundleRead | None = None) -> IngestOutcome:
        reads.append(read is not None)
        time.sleep(0.3)  # a slower store: the reader is up after the first bundles
        return real_ingest(path, filename=filename, read=read)

    monkeypatch.setattr(store, "ingest", ingest)
    callback = StoreIngest(store, str(inbox))
    poller = Poller(lambda: LocalTransport(inbox), callback,
                    work_dir=inbox.parent.parent / "work", settle_seconds=0,
                    clock=FakeClock(), lookahead=callback)
    poller.poll_once()
    assert poller.poll_once().processed == 7

    assert sorted((result.status, result.outcome) for result in callback.results) == sorted(
        [("ingested", "processed")] * 6 + [("duplicate", "processed")])
    assert sum(reads) >= 3  # read by the read-ahead (or ahead by this process)
    assert sorted(view["external_id"] for view in store.candidates()) == [
        f"LA-{i}" for i in range(6)]
    assert_index_agrees(store)
