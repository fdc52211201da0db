"""Ingesting a batch with read-ahead (a reader process reads the next bundles while one is
written), on SQLite and PostgreSQL: the same outcomes and records as reading each in turn, a
read of other bytes never used, a reader that dies leaves the batch to this process, a reader
whose writer is killed exits, and only batches worth it are read ahead."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from cvbridge.store import Store
from cvbridge.store import _readahead as readahead
from cvbridge.store._ingest import KEPT_DOCUMENT_BYTES, IngestOutcome
from cvbridge.store._readahead import BundleReads, ReadAhead, read_bundle, worth_reading_ahead
from tests.store_bundles import Dropper, person, sha256
from tests.store_checks import assert_index_agrees

pytest_plugins = ("tests.store_fixtures",)

HELENE = person("TAL-1", "Dupré", "Hélène", email="helene@example.com", city="Lyon")
PAUL = person("TAL-2", "Martin", "Paul")
LEA = person("TAL-3", "Bernard", "Léa")
BROKEN = person("TAL-4", "Faux", "Jean", email="jean@@example.com")


@pytest.fixture(autouse=True)
def any_batch_is_read_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    """These batches are small: read them ahead all the same."""
    monkeypatch.setattr(readahead, "MIN_BATCH_BYTES", 0)


@pytest.fixture
def batch(drop: Dropper) -> list[Path]:
    """New people, the same bytes again, a failed bundle, a partial one, an update."""
    first = drop([HELENE, PAUL], "b1.zip", bundle_id="B1")
    return [first, first,
            drop([LEA], "bad.zip", bundle_id="B2", candidate_count=2),
            drop([BROKEN, LEA], "part.zip", bundle_id="B3"),
            drop([{**HELENE, "city": "Nice"}], "b4.zip", bundle_id="B4")]


def _summary(outcomes: list[IngestOutcome]) -> list[tuple[str, str, int, int, int]]:
    return [(o.filename, o.status, o.created, o.updated, o.rejected) for o in outcomes]


def _people(store: Store) -> list[tuple[str, str, str | None, str]]:
    return [(view["external_id"], view["last_name"], view["city"], view["cv"]["filename"])
            for view in store.candidates()]


EXPECTED = [("b1.zip", "ingested", 2, 0, 0), ("b1.zip", "duplicate", 0, 0, 0),
            ("bad.zip", "failed", 0, 0, 1), ("part.zip", "partial", 1, 0, 1),
            ("b4.zip", "ingested", 0, 1, 0)]
PEOPLE = [("TAL-1", "Dupré", "Nice", "cvs/TAL-1.docx"), ("TAL-2", "Martin", None,
                                                         "cvs/TAL-2.docx"),
          ("TAL-3", "Bernard", None, "cvs/TAL-3.docx")]


@pytest.mark.parametrize("read_ahead", [True, False], ids=["read-ahead", "in-turn"])
def test_a_batch_gives_the_same_outcomes_read_ahead_or_in_turn(
        store: Store, batch: list[Path], read_ahead: bool) -> None:
    outcomes = list(store.ingest_many(batch, read_ahead=read_ahead))

    assert _summary(outcomes) == EXPECTED
    failed = outcomes[2].report
    assert failed is not None and [f.code for f in failed.findings] == ["MANIFEST-COUNT"]
    assert _people(store) == PEOPLE
    assert_index_agrees(store)


def test_every_bundle_read_by_the_reader(store: Store, batch: list[Path]) -> None:
    """ingest_many reads the first bundles itself while the reader starts: here every one
    goes through the reader, and is written from what it read."""
    with ReadAhead(None, KEPT_DOCUMENT_BYTES) as reader:
        futures = [reader.submit(path) for path in batch]
        results = [future.result() for future in futures if future is not None]
    assert len(results) == len(batch)

    outcomes = [store.ingestor.ingest_path(path, read=read)
                for path, read in zip(batch, results, strict=True)]

    assert _summary(outcomes) == EXPECTED
    # The report of each bundle written is the reader's (the duplicate was not read again).
    assert all(outcomes[i].report is results[i].report for i in (0, 2, 3, 4))
    failed = outcomes[2].report
    assert failed is not None and [f.code for f in failed.findings] == ["MANIFEST-COUNT"]
    assert _people(store) == PEOPLE
    assert_index_agrees(store)


def test_a_read_of_other_bytes_is_not_used(store: Store, drop: Dropper) -> None:
    """The file changed between the read ahead and its receipt: what is ingested is what was
    kept, read again here."""
    path = drop([PAUL], "b1.zip")
    stale = read_bundle(path, None, KEPT_DOCUMENT_BYTES)
    drop([LEA], "b1.zip")  # the vendor replaced it

    outcome = store.ingestor.ingest_path(path, read=stale)

    assert (outcome.status, outcome.created) == ("ingested", 1)
    assert _people(store) == [("TAL-3", "Bernard", None, "cvs/TAL-3.docx")]


def _readers(writer: int | None = None) -> Iterator[int]:
    """Process ids of the spawned multiprocessing children of ``writer`` (this process by
    default): its reader."""
    parent = str(writer or os.getpid())
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if stat.rpartition(")")[2].split()[1] == parent and b"spawn_main" in command:
                yield int(entry.name)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


_WRITER_SCRIPT = """
import sys
from pathlib import Path

from cvbridge.store import _readahead
from cvbridge.store import Store

if __name__ == "__main__":
    _readahead.MIN_BATCH_BYTES = 0
    outcomes = Store(sys.argv[1]).ingest_many([Path(p) for p in sys.argv[2:]], read_ahead=True)
    print(next(outcomes).status, flush=True)
    sys.stdin.read()  # until killed
"""


def test_a_reader_whose_writer_is_killed_exits(tmp_path: Path, batch: list[Path]) -> None:
    """SIGKILL (or the OOM killer) gives the writer no chance to stop its reader: the reader
    notices it was orphaned and exits, instead of waiting for work forever."""
    script = tmp_path / "writer.py"
    script.write_text(_WRITER_SCRIPT)
    writer = subprocess.Popen(
        [sys.executable, str(script), f"sqlite:///{tmp_path}/store.db", *map(str, batch)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ingested"
        deadline = time.monotonic() + 30
        readers: list[int] = []
        while not readers and time.monotonic() < deadline:
            readers = list(_readers(writer.pid))
            time.sleep(0.1)
        assert len(readers) == 1
        time.sleep(2)  # past its start, into waiting for work
        writer.kill()
        writer.wait()
        while _alive(readers[0]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(readers[0])
    finally:
        writer.kill()
        writer.wait()


def test_a_reader_that_dies_leaves_the_batch_to_this_process(store: Store,
                                                             batch: list[Path]) -> None:
    outcomes = store.ingest_many(batch, read_ahead=True)
    done = [next(outcomes)]  # read here, while the reader starts
    readers = list(_readers())
    assert len(readers) == 1
    os.kill(readers[0], signal.SIGKILL)
    done += list(outcomes)

    assert _summary(done) == EXPECTED
    assert _people(store) == PEOPLE
    assert_index_agrees(store)


def test_a_dead_reader_takes_no_more_work(drop: Dropper) -> None:
    path = drop([PAUL], "b1.zip")
    with ReadAhead(None, KEPT_DOCUMENT_BYTES) as reader:
        read = reader.submit(path)
        assert read is not None and read.result().report.path == "b1.zip"  # the reader is up
        readers = list(_readers())
        assert len(readers) == 1
        os.kill(readers[0], signal.SIGKILL)
        later = reader.submit(path)
        if later is not None:  # taken before the pool saw its process die
            with pytest.raises(BrokenProcessPool):
                later.result()
        assert reader.submit(path) is None


def test_reads_come_in_order_and_match_their_files(drop: Dropper) -> None:
    """Whichever side read a bundle (the reader, or this process while it would have waited),
    each read is of its own file; a file that cannot be read is left to the caller (None)."""
    paths = [drop([person(f"T-{i}", "Nom", f"Prénom{i}")], f"b{i}.zip", bundle_id=f"B{i}")
             for i in range(8)]
    paths.insert(5, drop.folder / "gone.zip")
    got = []
    with BundleReads(paths, None, KEPT_DOCUMENT_BYTES) as reads:
        for read in reads:
            got.append(read)
            time.sleep(0.25)  # the writing, during which the reader starts, then reads ahead

    assert len(got) == len(paths)
    assert got[5] is None
    for path, read in zip(paths, got, strict=True):
        if read is not None:
            assert (read.report.path, read.report.sha256) == (path.name, sha256(
                path.read_bytes()))
    assert sum(read is not None for read in got) >= 4


def test_only_batches_worth_it_are_read_ahead(monkeypatch: pytest.MonkeyPatch,
                                              batch: list[Path]) -> None:
    size = sum(path.stat().st_size for path in batch)
    monkeypatch.setattr(readahead, "MIN_BATCH_BYTES", size)
    assert worth_reading_ahead(batch)
    assert not worth_reading_ahead(batch[:-1])  # smaller than the threshold
    monkeypatch.setattr(readahead, "MIN_BATCH_BYTES", 0)
    assert not worth_reading_ahead(batch[:1])  # one bundle: nothing to read ahead
    assert worth_reading_ahead([*batch, batch[0].with_name("gone.zip")])
