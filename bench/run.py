"""``python -m bench``: measure cvbridge against its floors and the naive peer.

    python -m bench [--bundles 50] [--per-bundle 100] [--big 1000] [--repeat 3]
                    [--out bench/results.json] [--readme README.md] [--no-postgres]
    python -m bench --quick            # CI smoke: a tiny corpus, one run each (< 1 min)
    python -m bench --from-json bench/results.json --readme README.md   # re-render only

Prints the figures (CVs/s, MB/s, ratio to their floor or peer), peak RSS and PASS/MISS per
target; writes the same as JSON. See bench/__init__.py for the modules.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager, ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from bench import children, commands, floors, naive, report
from bench.corpus import REPO, Corpus, CorpusSpec, ensure_corpus
from bench.measure import Stage, Throughput, run_rounds, skipped, timed
from bench.pgstores import PgStores, postgres_stores
from bench.sftp import SftpBench, sftp_bench, skipped_figures

_QUICK = CorpusSpec(bundles=4, per_bundle=25, big=250)
_FIGURE_ORDER = ["f1", "f2", "validate", "validate_cmd_1", "validate_cmd",
                 "ingest_sqlite", "ingest_sqlite_serial", "ingest_sqlite_cmd", "poll_local_cmd",
                 "ingest_postgres", "ingest_postgres_serial", "ingest_postgres_cmd",
                 "ingest_postgres_2w",
                 "naive_commit_per_row", "naive_commit_per_bundle",
                 "sftp_openssh", "sftp_cvbridge", "poll_sftp"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    default = CorpusSpec()
    parser.add_argument("--bundles", type=int, default=default.bundles,
                        help="bundles in the throughput corpus (default %(default)s)")
    parser.add_argument("--per-bundle", type=int, default=default.per_bundle,
                        help="CVs per bundle (default %(default)s)")
    parser.add_argument("--big", type=int, default=default.big,
                        help="CVs in the one big bundle, for peak RSS (default %(default)s)")
    parser.add_argument("--seed", type=int, default=default.seed)
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median "
                        "is reported (default %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help=f"CI smoke: {_QUICK.bundles} x {_QUICK.per_bundle} CVs, big "
                        f"bundle {_QUICK.big}, one run each")
    parser.add_argument("--no-postgres", action="store_true", help="skip PostgreSQL")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    parser.add_argument("--readme", type=Path, default=None,
                        help="rewrite the bench section of this README with the results")
    parser.add_argument("--from-json", type=Path, default=None,
                        help="do not measure: print and render a saved results.json")
    return parser


def _meta(corpus: Corpus, repeat: int, postgres: str | None, load_before: float
          ) -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "cpus": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "sqlite": sqlite3.sqlite_version,
        **({"postgres": postgres} if postgres else {}),
        "repeat": repeat,
        # Other work on the machine skews every figure, two-worker scaling most of all.
        "loadavg_1min_before": round(load_before, 2),
        "loadavg_1min_after": round(os.getloadavg()[0], 2),
        "corpus": {**corpus.spec.__dict__, "cvs": corpus.cvs, "bytes": corpus.size},
    }


def _postgres_version() -> str | None:
    binary = shutil.which("postgres")
    if binary is None:
        return None
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    # The throwaway cluster's settings (tests/servers/postgres.py) are tuned for tests.
    return out.stdout.strip() + " (throwaway cluster: fsync off, synchronous_commit off)"


def _step(name: str) -> None:
    print(f"bench: {name} ...", file=sys.stderr, flush=True)


def _settle(stores: PgStores | str, corpus: Corpus) -> None:
    """Before each timed stage, out of the timed windows: the PostgreSQL cluster writes its
    dirty buffers and the kernel its dirty pages, and the corpus is read into the page cache
    again. (Without this, the ingest figures after a PostgreSQL stage ran 15% slower than the
    same figures before it: the writeback landed on the next stage's fsyncs, and this
    machine's kernel evicts files it has not read for a while.)"""
    if isinstance(stores, PgStores):
        stores.server.checkpoint()
    os.sync()
    for path in [*corpus.bundles, corpus.big]:
        path.read_bytes()


def _stages(corpus: Corpus, workdir: Path, stores: PgStores | str) -> list[Stage]:
    """The timed stages, in the order of each round."""
    bundles, cvs, size = corpus.bundles, corpus.cvs, corpus.size

    def figure(key: str, label: str) -> Throughput:
        return Throughput(key, label, size=size)

    def sqlite_store() -> AbstractContextManager[str]:
        return children.fresh_sqlite(workdir)

    stages = [
        Stage(figure("f1", "F1 floor: read + inflate every member"),
              lambda: timed(lambda: floors.floor_f1(bundles))),
        Stage(figure("f2", "F2 floor: F1 + all CV text with lxml"),
              lambda: timed(lambda: floors.floor_f2(bundles))),
        Stage(figure("validate", "cvbridge validate"),
              lambda: timed(lambda: floors.validate(bundles))),
        Stage(figure("ingest_sqlite", "ingest SQLite (read-ahead)"),
              lambda: children.ingest_once(bundles, cvs, sqlite_store)),
        Stage(figure("ingest_sqlite_serial", "ingest SQLite, no read-ahead"),
              lambda: children.ingest_once(bundles, cvs, sqlite_store, read_ahead=False)),
    ]
    if isinstance(stores, PgStores):
        # Scaling is measured on workers that use one core each: with read-ahead one worker
        # already keeps both cores of this machine busy.
        stages += [
            Stage(figure("ingest_postgres", "ingest PostgreSQL (1 worker, read-ahead)"),
                  lambda: children.ingest_once(bundles, cvs, stores.fresh, 1,
                                               stores.server_cpu_s)),
            Stage(figure("ingest_postgres_serial", "ingest PostgreSQL, 1 worker, "
                         "no read-ahead"),
                  lambda: children.ingest_once(bundles, cvs, stores.fresh, 1,
                                               stores.server_cpu_s, read_ahead=False)),
            Stage(figure("ingest_postgres_2w", "ingest PostgreSQL, 2 workers, no read-ahead"),
                  lambda: children.ingest_once(bundles, cvs, stores.fresh, 2,
                                               stores.server_cpu_s, read_ahead=False)),
        ]
    def naive_stage(per_row: bool) -> Stage:
        variant = "row" if per_row else "bundle"
        return Stage(figure(f"naive_commit_per_{variant}",
                            f"naive peer (python-docx + SQLModel, commit per {variant})"),
                     lambda: naive.naive_once(bundles, workdir, commit_per_row=per_row))

    stages += [naive_stage(True), naive_stage(False)]
    stages += commands.stages(bundles, cvs, size, workdir,
                              stores.fresh if isinstance(stores, PgStores) else None)
    return stages


def measure(corpus: Corpus, repeat: int, use_postgres: bool, workdir: Path
            ) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    figures: dict[str, Throughput] = {}
    rss: dict[str, dict[str, Any]] = {}
    floors.floor_f1(corpus.bundles)  # warm the page cache and the imports
    with ExitStack() as stack:
        stores: PgStores | str = "skipped: --no-postgres"
        if use_postgres:
            stores = stack.enter_context(postgres_stores())
        _step("SFTP: throwaway sshd")
        sftp = stack.enter_context(sftp_bench(workdir / "sftp", corpus.bundles))
        stages = _stages(corpus, workdir, stores)
        if isinstance(sftp, SftpBench):
            stages += sftp.stages(corpus.bundles, corpus.cvs)
        run_rounds(stages, repeat, _step, lambda: _settle(stores, corpus))
        figures = {stage.figure.key: stage.figure for stage in stages}
        if isinstance(stores, str):
            for key, label in (("ingest_postgres", "ingest PostgreSQL (1 worker, read-ahead)"),
                               ("ingest_postgres_serial",
                                "ingest PostgreSQL, 1 worker, no read-ahead"),
                               ("ingest_postgres_2w",
                                "ingest PostgreSQL, 2 workers, no read-ahead")):
                figures[key] = skipped(key, label, stores)
            figures["ingest_postgres_cmd"] = skipped(
                "ingest_postgres_cmd", "command: cvbridge ingest, PostgreSQL", stores)
        if isinstance(sftp, str):
            figures |= skipped_figures(sftp)
        _step("start-up: --help and one bundle, fresh processes")
        startup = commands.startup(corpus.bundles[0])
        _step("peak RSS")
        backends: list[tuple[str, children.FreshStore]] = [
            ("sqlite", lambda: children.fresh_sqlite(workdir))]
        if isinstance(stores, PgStores):
            backends.append(("postgres", stores.fresh))
        for backend, fresh in backends:
            rss[backend] = {
                "small": children.peak_rss(corpus.bundles[0], corpus.spec.per_bundle, fresh),
                "big": children.peak_rss(corpus.big, corpus.spec.big, fresh)}
    ordered = {key: figures[key].to_dict() for key in _FIGURE_ORDER if key in figures}
    return ordered, rss, startup


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.from_json is not None:
        results = json.loads(args.from_json.read_text())
    else:
        spec = _QUICK if args.quick else CorpusSpec(args.bundles, args.per_bundle, args.big,
                                                    args.seed)
        repeat = 1 if args.quick else args.repeat
        started, load_before = time.perf_counter(), os.getloadavg()[0]
        corpus = ensure_corpus(spec)
        with tempfile.TemporaryDirectory(prefix="cvbench-") as folder:
            figures, rss, startup = measure(corpus, repeat, not args.no_postgres,
                                            Path(folder))
        meta = _meta(corpus, repeat, None if args.no_postgres else _postgres_version(),
                     load_before)
        meta["elapsed_s"] = round(time.perf_counter() - started, 1)
        results = report.build(meta, figures, rss, startup)
        report.write_json(results, args.out)
    print(report.summary(results))
    print()
    print(report.tables(results, "simple"))
    if args.from_json is None:
        print(f"\nwrote {args.out}")
    if args.readme is not None:
        report.rewrite_readme(results, args.readme)
        print(f"rewrote the bench section of {args.readme}")
    return 0
