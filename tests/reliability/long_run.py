"""The long reliability run: ``python -m tests.reliability.long_run`` (``make reliability``).

The cases of the CI tests (tests/test_reliability_*.py), bigger: hundreds of SIGKILLs of
``cvbridge ingest`` and ``cvbridge poll`` on SQLite and PostgreSQL, three workers under a
long upload stream, SFTP links cut at random, a full disk under the work folder and under the
store (a real tmpfs: needs root), PostgreSQL stopped several times mid-stream. Prints one table
(cases tried, faults injected, bundles, lost, doubled) and exits 1 unless lost and doubled
are 0 and every invariant held. ``--readme README.md`` writes the table into the README's
Reliability section. ``--scale 0.2`` for a quick look.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from tabulate import tabulate

from tests.reliability.harness import ClusterControl, can_mount
from tests.reliability.scenarios import (
    CaseResult,
    concurrent_stream,
    crash_campaign,
    database_down,
    disk_full_store,
    disk_full_work_dir,
    link_cuts,
)
from tests.servers import PostgresServer, SshServer, throwaway_postgres, throwaway_sshd

START, END = "<!-- reliability:start -->", "<!-- reliability:end -->"
COLUMNS = ("case", "tried", "kills", "cuts", "disk-full", "db-down", "bundles", "lost",
           "doubled", "seconds")


def _row(result: CaseResult) -> list[object]:
    return [result.case, result.tried, result.kills, result.cuts, result.disk_full,
            result.db_down, result.tally.bundles, result.tally.lost, result.tally.doubled,
            f"{result.seconds:.0f}"]


def table(results: list[CaseResult]) -> str:
    rows = [_row(result) for result in results]
    totals: list[object] = ["total"]
    for index in range(1, len(COLUMNS) - 1):
        totals.append(sum(int(str(row[index])) for row in rows))
    totals.append(f"{sum(result.seconds for result in results):.0f}")
    return tabulate([*rows, totals], headers=list(COLUMNS), tablefmt="github",
                    disable_numparse=True)


def _scaled(value: int, scale: float, least: int = 1) -> int:
    return max(least, round(value * scale))


@contextlib.contextmanager
def _folder(base: Path, name: str) -> Iterator[Path]:
    path = base / name
    path.mkdir()
    yield path


def run(scale: float, seed: int, base: Path, postgres: PostgresServer, sshd: SshServer
        ) -> list[CaseResult]:
    results: list[CaseResult] = []
    counter = iter(range(1000))

    def database() -> str:
        return postgres.create_database(f"rel_{next(counter)}_{seed}")

    def case(name: str, function: Callable[[Path], CaseResult]) -> None:
        started = time.monotonic()
        with _folder(base, f"case{len(results)}") as root:
            result = function(root)
        result.seconds = result.seconds or time.monotonic() - started
        print(result.summary(), flush=True)
        if not result.ok:
            for what, log in result.logs.items():
                print(f"--- {name}: {what} (tail)\n{log[-3000:]}", flush=True)
        results.append(result)

    case("kill, SQLite", lambda root: crash_campaign(
        "SIGKILL ingest/poll, SQLite, local inbox", f"sqlite:///{root / 'store.db'}", root,
        runs=_scaled(150, scale, 4), seed=seed))
    case("kill, PostgreSQL", lambda root: crash_campaign(
        "SIGKILL ingest/poll, PostgreSQL, SFTP", database(), root,
        runs=_scaled(100, scale, 4), seed=seed + 1, server=sshd))
    case("workers", lambda root: concurrent_stream(
        "3 workers, PostgreSQL, SFTP stream", database(), root, sshd, seed=seed + 2,
        count=_scaled(150, scale, 12), workers=3, seconds=_scaled(15, scale, 3)))
    case("cuts", lambda root: link_cuts(
        "SFTP link cut mid-transfer", f"sqlite:///{root / 'store.db'}", root, sshd,
        seed=seed + 3, count=_scaled(20, scale, 4), cuts=_scaled(5, scale, 1)))
    if can_mount():
        for n in range(_scaled(3, scale)):
            case("disk full: work", lambda root, n=n: disk_full_work_dir(
                "disk full (tmpfs): work folder", f"sqlite:///{root / 'store.db'}", root, sshd,
                seed=seed + 10 + n))
            case("disk full: store", lambda root, n=n: disk_full_store(
                "disk full (tmpfs): SQLite store", root, seed=seed + 20 + n))
    else:
        print("disk-full cases skipped: mounting a tmpfs needs root", flush=True)
    with throwaway_postgres() as own:
        cluster = ClusterControl(own)
        case("db down", lambda root: database_down(
            "PostgreSQL stopped mid-stream", cluster, own.create_database("outage"), root,
            sshd, seed=seed + 30, count=_scaled(20, scale, 6), outages=_scaled(3, scale)))
    return _merge(results)


def _merge(results: list[CaseResult]) -> list[CaseResult]:
    """Repeated cases (the disk-full ones) as one row each."""
    merged: dict[str, CaseResult] = {}
    for result in results:
        if result.case not in merged:
            merged[result.case] = result
            continue
        into = merged[result.case]
        into.tried += result.tried
        into.kills += result.kills
        into.cuts += result.cuts
        into.disk_full += result.disk_full
        into.db_down += result.db_down
        into.tally.add(result.tally)
        into.notes.update(result.notes)
        into.seconds += result.seconds
    return list(merged.values())


def readme_section(results: list[CaseResult], scale: float, seed: int) -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f"{START}\n<!-- written by `make reliability` (tests/reliability/long_run.py); "
            f"do not edit by hand -->\n\n"
            f"{when}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"scale {scale:g}, seed {seed}.\n\n{table(results)}\n{END}")


def write_readme(path: Path, section: str) -> None:
    text = path.read_text()
    if START in text and END in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: section, text,
                      flags=re.DOTALL)
    else:
        raise SystemExit(f"{path} has no {START} ... {END} markers to write between")
    path.write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=float(
        os.environ.get("RELIABILITY_SCALE", "1")), help="size of the run (1: a few minutes)")
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(3), "big"))
    parser.add_argument("--readme", type=Path, help="write the table into this README")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cvrel") as scratch:
        (Path(scratch) / "sshd").mkdir()
        with throwaway_postgres() as postgres, throwaway_sshd(Path(scratch) / "sshd") as sshd:
            base = Path(scratch) / "cases"
            base.mkdir()
            results = run(args.scale, args.seed, base, postgres, sshd)
    print()
    print(table(results))
    failed = [result for result in results if not result.ok]
    print(f"\nseed {args.seed}, {time.monotonic() - started:.0f} s: "
          + ("lost 0, doubled 0, every invariant held" if not failed else
             f"FAILED: {[result.case for result in failed]}"))
    if args.readme is not None and not failed:
        write_readme(args.readme, readme_section(results, args.scale, args.seed))
        print(f"wrote the table into {args.readme}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
