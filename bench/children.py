"""Ingestion measured in fresh child processes (bench/worker.py): throughput into SQLite and
PostgreSQL, one worker against two on one PostgreSQL database, and peak RSS per bundle.

Peak RSS is the child's ``VmHWM`` read from /proc/PID/status while it is still alive: the
kernel's per-address-space high-water mark, reset by exec. (``ru_maxrss`` is not: a child
inherits the parent's figure through fork+exec.)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from bench.corpus import REPO
from bench.measure import Sample

_MB_PER_KIB = 1024 / 1e6  # RSS figures are in MB = 10**6 bytes, like the 50 MB target

# A fresh, migrated, empty store for each run; the context gives its URL.
FreshStore = Callable[[], AbstractContextManager[str]]


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


@dataclass
class WorkerRun:
    wall_s: float = 0.0
    cvs: int = 0
    cpu_s: float = 0.0  # the workers' own CPU time, summed
    runqueue_wait_s: float = 0.0  # time they were runnable but had no CPU, summed
    server_cpu_s: float | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    ready_hwm_kib: list[int] = field(default_factory=list)  # after imports and Store()
    peak_hwm_kib: list[int] = field(default_factory=list)  # after the ingest


def _line(stream: IO[str] | None, pid: int) -> str:
    assert stream is not None
    line = stream.readline()
    if not line:
        raise RuntimeError(f"bench worker {pid} died (see its stderr above)")
    return line.strip()


def run_workers(url: str, groups: list[list[Path]],
                server_cpu: Callable[[], float] | None = None, *,
                read_ahead: bool = True) -> WorkerRun:
    """One fresh process per group of bundles, all started together on ``go``; the wall time
    from ``go`` until the last one is done."""
    flags = [] if read_ahead else ["--no-read-ahead"]
    procs = [subprocess.Popen([sys.executable, "-m", "bench.worker", *flags, url,
                               *map(str, group)],
                              cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True) for group in groups]
    try:
        for proc in procs:
            if _line(proc.stdout, proc.pid) != "ready":
                raise RuntimeError(f"bench worker {proc.pid}: unexpected greeting")
        run = WorkerRun(ready_hwm_kib=[vm_hwm_kib(p.pid) for p in procs])
        server_before = server_cpu() if server_cpu else 0.0
        start = time.perf_counter()
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outcomes: list[dict[str, Any]] = [json.loads(_line(p.stdout, p.pid)) for p in procs]
        run.wall_s = time.perf_counter() - start
        if server_cpu:
            run.server_cpu_s = server_cpu() - server_before
        run.peak_hwm_kib = [vm_hwm_kib(p.pid) for p in procs]
        for outcome in outcomes:
            run.cvs += outcome["cvs"]
            run.cpu_s += outcome["cpu_s"]
            run.runqueue_wait_s += outcome["runqueue_wait_s"]
            for status, count in outcome["statuses"].items():
                run.statuses[status] = run.statuses.get(status, 0) + count
    finally:
        for proc in procs:
            if proc.stdin is not None:
                proc.stdin.close()
        for proc in procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return run


def _check(run: WorkerRun, bundles: int, cvs: int, what: str) -> None:
    if run.statuses != {"ingested": bundles} or run.cvs != cvs:
        raise RuntimeError(f"{what}: expected {bundles} bundles ingested with {cvs} CVs, "
                           f"got {run.statuses} and {run.cvs} CVs")


@contextmanager
def fresh_sqlite(workdir: Path) -> Iterator[str]:
    with tempfile.TemporaryDirectory(dir=workdir, prefix="sqlite-") as folder:
        yield f"sqlite:///{folder}/store.db"


def ingest_once(bundles: list[Path], cvs: int, fresh: FreshStore, workers: int = 1,
                server_cpu: Callable[[], float] | None = None, *,
                read_ahead: bool = True) -> Sample:
    """``workers`` processes, each ingesting every ``workers``-th bundle, into one fresh
    store; wall time, with the CPU time of the workers, their readers (and of the server)
    beside it."""
    with fresh() as url:
        run = run_workers(url, [bundles[i::workers] for i in range(workers)], server_cpu,
                          read_ahead=read_ahead)
    _check(run, len(bundles), cvs, f"ingest with {workers} worker(s) into {url}")
    extra = {"workers_cpu_s": run.cpu_s, "workers_runqueue_wait_s": run.runqueue_wait_s,
             "peak_rss_mb": round(max(run.peak_hwm_kib) * _MB_PER_KIB, 1)}
    if run.server_cpu_s is not None:
        extra["server_cpu_s"] = run.server_cpu_s
    return Sample(run.cvs, run.wall_s, extra)


def peak_rss(bundle: Path, cvs: int, fresh: FreshStore) -> dict[str, Any]:
    """Peak RSS of a fresh process ingesting one bundle into a fresh store."""
    with fresh() as url:
        run = run_workers(url, [[bundle]])
    _check(run, 1, cvs, f"peak RSS of {bundle.name}")
    return {"bundle": bundle.name, "cvs": cvs, "bytes": bundle.stat().st_size,
            "ready_mb": round(run.ready_hwm_kib[0] * _MB_PER_KIB, 1),
            "peak_mb": round(run.peak_hwm_kib[0] * _MB_PER_KIB, 1),
            "seconds": round(run.wall_s, 3)}
