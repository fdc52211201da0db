"""cvbridge measured the way users meet it: each command as a process, start-up included.

Beside every in-process figure of bench/run.py stands the same work done by the command:
``cvbridge validate`` (one job, and the default: every core), ``cvbridge ingest`` into a
fresh SQLite or PostgreSQL store (migrated beforehand, as a site's store is), ``cvbridge poll
--once`` over a local inbox holding the same bundles, and ``cvbridge --help``'s time and
peak RSS. The SQLite ingest also gives the store's size against the bundles' bytes and the
WAL's peak (sampled while the command runs) against the database's size at the end.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.children import FreshStore, fresh_sqlite
from bench.measure import Sample, Stage, Throughput

CVBRIDGE = [sys.executable, "-m", "cvbridge"]
STARTUP_RUNS = 10
_WAL_SAMPLE_S = 0.02
_MB_PER_KIB = 1024 / 1e6

# Runs ARGV in a child of this small interpreter and prints the child's peak RSS (KiB): read
# from the bench process itself, ru_maxrss would include what a child inherits through fork.
_PEAK_RSS = """
import os, sys
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _run(argv: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,)
         ) -> float:
    """Wall seconds of one run of ``argv``; its output is discarded, a failure raises."""
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env=env, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in ok:
        raise RuntimeError(f"{' '.join(argv[:6])}...: exit {done.returncode}: "
                           f"{done.stderr.strip()[-500:]}")
    return seconds


def _cvs_sample(cvs: int, run: Callable[[], float]) -> Callable[[], Sample]:
    return lambda: Sample(cvs, run())


def _sqlite_files(url: str) -> tuple[Path, Path]:
    database = Path(url.removeprefix("sqlite:///"))
    return database, database.with_name(database.name + "-wal")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


class _WalWatch:
    """Samples the WAL's size while a command writes, and keeps its peak."""

    def __init__(self, url: str) -> None:
        self.wal = _sqlite_files(url)[1]
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> _WalWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(_WAL_SAMPLE_S):
            self.peak = max(self.peak, _size(self.wal))


def _migrated(url: str) -> None:
    _run([*CVBRIDGE, "--db", url, "db", "upgrade"])


def ingest_command(bundles: list[Path], cvs: int, fresh: FreshStore, *,
                   watch_sqlite: bool = False) -> Sample:
    """``cvbridge --db URL ingest BUNDLE...`` into a fresh, migrated store."""
    with fresh() as url:
        if watch_sqlite:
            _migrated(url)
            with _WalWatch(url) as watch:
                seconds = _run([*CVBRIDGE, "--db", url, "ingest", *map(str, bundles)])
            database, wal = _sqlite_files(url)
            stored = _size(database) + _size(wal)
            bundle_bytes = sum(path.stat().st_size for path in bundles)
            return Sample(cvs, seconds, {"store_ratio": stored / bundle_bytes,
                                         "wal_peak_ratio": watch.peak / _size(database)})
        return Sample(cvs, _run([*CVBRIDGE, "--db", url, "ingest", *map(str, bundles)]))


def poll_command(bundles: list[Path], cvs: int, workdir: Path) -> Sample:
    """``cvbridge poll --once`` over a local inbox holding the bundles (copied there before
    the clock starts, their mtimes a minute old), settle time 0, into a fresh SQLite store."""
    with tempfile.TemporaryDirectory(dir=workdir, prefix="poll-") as folder, \
            fresh_sqlite(workdir) as url:
        root = Path(folder)
        inbox = root / "inbox"
        inbox.mkdir()
        past = time.time() - 60
        for path in bundles:
            copy = inbox / path.name
            shutil.copyfile(path, copy)
            os.utime(copy, (past, past))
        _migrated(url)
        env = os.environ | {"CVBRIDGE_INBOX": str(inbox), "CVBRIDGE_SETTLE_SECONDS": "0",
                            "CVBRIDGE_WORK_DIR": str(root / "work"), "CVBRIDGE_DB_URL": url}
        seconds = _run([*CVBRIDGE, "poll", "--once"], env=env)
        processed = len(list((root / "processed").glob("*.zip")))
        if processed != len(bundles):
            raise RuntimeError(f"poll --once: {processed} of {len(bundles)} bundles processed")
        return Sample(cvs, seconds)


def stages(bundles: list[Path], cvs: int, size: int, workdir: Path,
           postgres: FreshStore | None) -> list[Stage]:
    def figure(key: str, label: str) -> Throughput:
        return Throughput(key, label, size=size)

    paths = [str(path) for path in bundles]
    out = [
        Stage(figure("validate_cmd_1", "command: cvbridge validate --jobs 1"),
              _cvs_sample(cvs, lambda: _run([*CVBRIDGE, "validate", "--jobs", "1", *paths]))),
        Stage(figure("validate_cmd", "command: cvbridge validate (every core)"),
              _cvs_sample(cvs, lambda: _run([*CVBRIDGE, "validate", *paths]))),
        Stage(figure("ingest_sqlite_cmd", "command: cvbridge ingest, SQLite"),
              lambda: ingest_command(bundles, cvs, lambda: fresh_sqlite(workdir),
                                     watch_sqlite=True)),
        Stage(figure("poll_local_cmd", "command: cvbridge poll --once, local inbox, SQLite"),
              lambda: poll_command(bundles, cvs, workdir)),
    ]
    if postgres is not None:
        out.append(Stage(figure("ingest_postgres_cmd", "command: cvbridge ingest, PostgreSQL"),
                         lambda: ingest_command(bundles, cvs, postgres)))
    return out


def startup(one_bundle: Path) -> dict[str, Any]:
    """Median wall time of ``--help`` and of validating one bundle, and ``--help``'s peak
    RSS, over fresh processes."""
    help_s = [_run([*CVBRIDGE, "--help"]) for _ in range(STARTUP_RUNS)]
    validate_s = [_run([*CVBRIDGE, "validate", str(one_bundle)]) for _ in range(STARTUP_RUNS)]
    peaks = []
    for _ in range(3):
        done = subprocess.run([sys.executable, "-c", _PEAK_RSS, *CVBRIDGE, "--help"],
                              capture_output=True, text=True, check=True)
        peaks.append(int(done.stdout.strip()))
    return {"help_s": round(statistics.median(help_s), 3),
            "validate_one_s": round(statistics.median(validate_s), 3),
            "validate_one_bundle": one_bundle.name,
            "help_peak_mb": round(statistics.median(peaks) * _MB_PER_KIB, 1),
            "runs": STARTUP_RUNS}
