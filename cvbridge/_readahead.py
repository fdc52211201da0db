"""Reading the next bundle while the current one is written.

A batch of bundles goes through two processes: a reader checks and reads bundle N+1 (inflating,
parsing XML: CPU) while this process writes bundle N to the store (SQL, commits, and on
PostgreSQL a server doing its share). Reading is pure, bytes in and report and model out, so a
read done ahead is the read ingestion would have done. The writer still keeps each bundle's
bytes first, uses a read only when its SHA-256 is that of the bytes kept, and reads each
document again from the file, checked against the SHA-256 the reader saw.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cvbridge._archive import ArchiveCaps, open_checked_archive
from cvbridge._errors import BundleAccessError
from cvbridge._model import Bundle
from cvbridge._reader import OpenedBundle, open_bundle
from cvbridge._report import FindingsCollector, Report
from cvbridge._schema import Limits, load_spec


@dataclass(frozen=True)
class BundleRead:
    """What reading a bundle found, without the open file: it crosses process boundaries."""

    report: Report
    bundle: Bundle


def read_bundle(path: Path, limits: Limits | None, display_name: str) -> BundleRead:
    with open_bundle(path, limits=limits, display_name=display_name) as opened:
        return BundleRead(opened.report, opened.bundle)


@contextmanager
def reopen(path: Path, read: BundleRead, limits: Limits | None) -> Iterator[OpenedBundle]:
    """A bundle read elsewhere, with its documents readable from ``path`` again.

    Only the archive's structure is checked again (it locates the members); the report and the
    model are the reader's. The caller makes sure these are the bytes that were read.
    """
    spec = load_spec()
    limits = limits or spec.limits
    try:
        source = path.open("rb")
    except OSError as exc:
        raise BundleAccessError(f"cannot open {path}: {exc.strerror or exc}") from exc
    with source:
        size = source.seek(0, 2)
        archive = None
        if size <= limits.bundle_size:
            caps = ArchiveCaps(limits.member_count, limits.member_size, limits.total_size,
                               limits.ratio, limits.ratio_min_size)
            # Its findings are the reader's, already in the report.
            archive = open_checked_archive(source, size, caps, FindingsCollector(spec))
        opened = OpenedBundle(read.report, read.bundle, archive)
        try:
            yield opened
        finally:
            opened.close()


def _start_reader() -> None:
    # Ctrl-C reaches the whole process group: the writer stops the reader, which must not die
    # first with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ready() -> bool:
    return True


class ReadAhead:
    """One reader process; ``submit`` queues a bundle, the future gives its BundleRead.

    Spawned, not forked: the reader is a fresh interpreter that holds none of this one's
    connections, threads or locks (and, a direct child, its CPU time is counted as ours). It
    takes a moment to start: until ``ready()``, the caller reads bundles itself.
    """

    def __init__(self, limits: Limits | None) -> None:
        self._limits = limits
        self._pool: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_reader)
        self._started = self._pool.submit(_ready)

    def ready(self) -> bool:
        """The reader is up (never blocks)."""
        return self._pool is not None and self._started.done()

    def submit(self, path: Path, display_name: str) -> Future[BundleRead] | None:
        """None once the reader is gone: the caller reads for itself."""
        if self._pool is None:
            return None
        try:
            return self._pool.submit(read_bundle, path, self._limits, display_name)
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


def result_of(read: Future[BundleRead] | None) -> BundleRead | None:
    """The read, or None when there is none or the reader died (the caller reads itself).

    What reading raised is raised here, as it would have been by reading in this process.
    """
    if read is None:
        return None
    try:
        return read.result()
    except BrokenProcessPool:
        return None
