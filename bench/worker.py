"""A fresh ingest process, driven by bench/children.py over stdin/stdout.

    python -m bench.worker [--no-read-ahead] URL BUNDLE...

Imports cvbridge and opens the store, prints ``ready``; on ``go`` ingests the bundles in order
(``Store.ingest_many``, as ``cvbridge ingest`` does) and prints one JSON line (seconds, CPU
seconds of this process and of its reader process, CVs, statuses); then waits for stdin to
close, so that the parent can read this process's ``VmHWM`` from /proc/PID/status (and the
server's CPU time, its connection still open) before it exits.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

from cvbridge.store import Store


def _runqueue_wait_s() -> float:
    """Seconds this process spent runnable but waiting for a CPU (/proc/self/schedstat):
    high when other work on the machine takes the cores."""
    return int(Path("/proc/self/schedstat").read_text().split()[1]) / 1e9


def main(argv: list[str]) -> int:
    read_ahead = "--no-read-ahead" not in argv
    argv = [arg for arg in argv if arg != "--no-read-ahead"]
    url, paths = argv[0], [Path(p) for p in argv[1:]]
    store = Store(url)
    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 1
    statuses: Counter[str] = Counter()
    cvs = 0
    start, cpu_start, wait_start = time.perf_counter(), os.times(), _runqueue_wait_s()
    for outcome in store.ingest_many(paths, read_ahead=read_ahead):
        statuses[outcome.status] += 1
        if outcome.report is not None:  # every CV read, whether created, updated or not
            cvs += outcome.report.candidates - outcome.rejected
    seconds, cpu_end = time.perf_counter() - start, os.times()
    # The reader process has ended (and been waited for) by now: its time is in children_*.
    cpu = (cpu_end.user + cpu_end.system + cpu_end.children_user + cpu_end.children_system
           - cpu_start.user - cpu_start.system - cpu_start.children_user
           - cpu_start.children_system)
    print(json.dumps({"seconds": seconds, "cpu_s": cpu, "cvs": cvs,
                      "runqueue_wait_s": _runqueue_wait_s() - wait_start,
                      "statuses": dict(statuses)}), flush=True)
    sys.stdin.read()  # until the parent has read our VmHWM (and the server's CPU time)
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
