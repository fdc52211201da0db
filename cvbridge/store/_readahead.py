"""Reading the bundles of a batch ahead of the writer.

Ingesting is reading (inflating, parsing XML: CPU) then writing (SQL and commits, and on
PostgreSQL a server doing its share). For a batch, a reader process reads the next bundles
while this process writes one; whenever this process would wait for the reader, it reads a
later bundle itself. Both cores stay busy, whichever side is the slower.

Reading is pure, bytes in and report and model out, so a read done ahead is the read ingestion
would have done. The writer still keeps each bundle's bytes first and uses a read only when
its SHA-256 is that of the bytes kept. Documents come with the read (those the reader kept,
see open_bundle's ``keep_documents``); any other is read again from the file and checked
against the SHA-256 the reader saw.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from cvbridge._i18n import current_language, use_language
from cvbridge.bundle import Bundle, Limits, Profile, Report, open_bundle

# Smaller batches are read in turn: starting the reader (an interpreter and its imports, about
# half a second of CPU) would cost more than reading them in parallel saves.
MIN_BATCH_BYTES = 16 << 20
_ORPHAN_CHECK_SECONDS = 1.0
# Bundles queued for the reader at most: it never waits for work.
READER_DEPTH = 2
# Bundles read ahead at most (by either side): bounds the reads held in memory.
WINDOW = 4


@dataclass(frozen=True)
class BundleRead:
    """What reading a bundle found, without the open file: it crosses process boundaries.
    ``kept``: documents' bytes, by SHA-256 (see open_bundle's ``keep_documents``)."""

    report: Report
    bundle: Bundle
    kept: dict[str, bytes]


# A read under way in the reader, done, or not taken (the caller reads it itself).
_Pending = Future[BundleRead] | BundleRead | None


def read_bundle(path: Path, limits: Limits | None, keep_documents: int,
                profile: Profile | None = None) -> BundleRead:
    with open_bundle(path, limits=limits, display_name=path.name,
                     keep_documents=keep_documents, profile=profile) as opened:
        return BundleRead(opened.report, opened.bundle, opened.kept)


def _start_reader(writer: int, language: str) -> None:
    use_language(language)  # the findings it renders speak as the writer does
    # Ctrl-C reaches the whole process group: the writer stops the reader, which must not die
    # first with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # A writer killed outright (SIGKILL, the OOM killer) cannot stop its reader, which would
    # wait for work forever: it watches for being orphaned instead.
    threading.Thread(target=_exit_when_orphaned, args=(writer,), daemon=True,
                     name="cvbridge-reader-watch").start()


def _exit_when_orphaned(writer: int) -> None:
    while os.getppid() == writer:
        time.sleep(_ORPHAN_CHECK_SECONDS)
    os._exit(1)


def _ready() -> bool:
    return True


class ReadAhead:
    """One reader process; ``submit`` queues a bundle, the future gives its BundleRead.

    Spawned, not forked: the reader is a fresh interpreter that holds none of this one's
    connections, threads or locks (and, a direct child, its CPU time is counted as ours). It
    takes a moment to start: ``ready()`` says when it is up.
    """

    def __init__(self, limits: Limits | None, keep_documents: int,
                 profile: Profile | None = None) -> None:
        self._limits = limits
        self._keep_documents = keep_documents
        self._profile = profile
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_reader, initargs=(os.getpid(), current_language()))

        self._started = self._pool.submit(_ready)

    def ready(self) -> bool:
        """The reader is up (never blocks)."""
        return self._pool is not None and self._started.done()

    def submit(self, path: Path) -> Future[BundleRead] | None:
        """None once the reader is gone."""
        if self._pool is None:
            return None
        try:
            return self._pool.submit(read_bundle, path, self._limits, self._keep_documents,
                                     self._profile)
        except BrokenProcessPool:
            self._pool = None
            return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def worth_reading_ahead(paths: Sequence[Path]) -> bool:
    """More than one bundle, and enough bytes to pay for starting the reader."""
    sizes = []
    for path in paths:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            continue  # reported when its turn comes
    return len(paths) > 1 and sum(sizes) >= MIN_BATCH_BYTES


def worth_reading_ahead_sizes(sizes: Sequence[int]) -> bool:
    """:func:`worth_reading_ahead` for bundles known by their sizes (an inbox listing)."""
    return len(sizes) > 1 and sum(sizes) >= MIN_BATCH_BYTES


class BundleReads:
    """The reads of a batch, in order: ``BundleRead``, or None where the caller must read the
    bundle itself (before the reader is up, or when reading it failed: reading it again at its
    turn raises what it raised, after the bundle was kept).

    The batch is *paths*, iterated; or bundles given one at a time as they arrive (``add``,
    as the poller downloads them) and taken in that order (``take``)."""

    def __init__(self, paths: Sequence[Path], limits: Limits | None, keep_documents: int,
                 profile: Profile | None = None) -> None:
        self._paths = list(paths)
        self._limits = limits
        self._keep_documents = keep_documents
        self._profile = profile
        self._reader = ReadAhead(limits, keep_documents, profile)
        self._reads: dict[int, _Pending] = {}  # by index in paths: taken, not yet handed out
        self._next = 0  # the index of the next read to hand out

    def __iter__(self) -> Iterator[BundleRead | None]:
        while self._next < len(self._paths):
            yield self.take()

    @property
    def window(self) -> int:
        """Bundles read ahead at most: a caller adding bundles as they come keeps this many
        added beyond the one it ingests, so that both sides have one to read."""
        return WINDOW

    def add(self, path: Path) -> None:
        """A bundle after those added before: read ahead if the reader has room."""
        self._paths.append(path)
        self._feed_reader(self._next - 1)

    def take(self) -> BundleRead | None:
        """The read of the next bundle (in the order added)."""
        index = self._next
        self._next += 1
        self._feed_reader(index)
        return self._take(index)

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> BundleReads:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _unclaimed(self, index: int) -> Iterator[int]:
        """Bundles after ``index``, within the window, that nobody reads yet."""
        for ahead in range(index + 1, min(index + 1 + WINDOW, len(self._paths))):
            if ahead not in self._reads:
                yield ahead

    def _feed_reader(self, index: int) -> None:
        if not self._reader.ready():
            return
        queued = sum(isinstance(read, Future) and not read.done()
                     for read in self._reads.values())
        for ahead in self._unclaimed(index):
            if queued >= READER_DEPTH:
                break
            self._reads[ahead] = self._reader.submit(self._paths[ahead])
            queued += 1

    def _take(self, index: int) -> BundleRead | None:
        pending = self._reads.pop(index, None)
        while isinstance(pending, Future) and not pending.done():
            later = next(self._unclaimed(index), None)
            if later is None:
                break
            self._reads[later] = self._read_here(later)
            self._feed_reader(index)
        if not isinstance(pending, Future):
            return pending
        try:
            return pending.result()
        except Exception:  # the caller reads it again at its turn, and meets the error then
            return None

    def _read_here(self, index: int) -> BundleRead | None:
        try:
            return read_bundle(self._paths[index], self._limits, self._keep_documents,
                               self._profile)
        except Exception:  # raised again when the caller reads it, at its turn
            return None
