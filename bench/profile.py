"""Profile one stage of cvbridge on the benchmark corpus, in this process.

    python -m bench.profile validate|ingest-sqlite|ingest-postgres [--bundles 10]
                            [--tool cprofile|pyinstrument] [--top 25] [--save FILE]

cProfile prints the top functions by cumulative and by self time; pyinstrument its call tree.
For PostgreSQL it also reports the CPU time the server's processes spent (from /proc), which
the client-side profile cannot see.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cvbridge
from bench.corpus import CorpusSpec, ensure_corpus
from cvbridge.store import Store


def _profile(work: Callable[[], object], tool: str, top: int, save: Path | None) -> None:
    if tool == "pyinstrument":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
        work()
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        if save is not None:
            save.write_text(profiler.output_html())
        return
    profile = cProfile.Profile()
    profile.enable()
    work()
    profile.disable()
    if save is not None:
        profile.dump_stats(save)
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        print(f"== by {order}\n" + out.getvalue().split("\n", 4)[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("stage", choices=["validate", "ingest-sqlite", "ingest-postgres"])
    parser.add_argument("--bundles", type=int, default=10)
    parser.add_argument("--tool", choices=["cprofile", "pyinstrument"], default="cprofile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--save", type=Path, default=None, help=".prof (cProfile) or .html")
    args = parser.parse_args(argv)
    paths = ensure_corpus(CorpusSpec()).bundles[: args.bundles]

    if args.stage == "validate":
        _profile(lambda: [cvbridge.validate_bundle(p) for p in paths],
                 args.tool, args.top, args.save)
        return 0
    if args.stage == "ingest-sqlite":
        with tempfile.TemporaryDirectory(prefix="cvprof-") as folder:
            store = Store(f"sqlite:///{folder}/store.db")
            _profile(lambda: [store.ingest(p) for p in paths],
                     args.tool, args.top, args.save)
            store.close()
        return 0
    from bench.pgstores import PgStores, postgres_stores

    with postgres_stores() as stores:
        if not isinstance(stores, PgStores):
            print(stores, file=sys.stderr)
            return 1
        with stores.fresh() as url:
            store = Store(url)
            cpu, wall = stores.server_cpu_s(), time.perf_counter()
            _profile(lambda: [store.ingest(p) for p in paths],
                     args.tool, args.top, args.save)
            wall = time.perf_counter() - wall
            print(f"PostgreSQL server processes: {stores.server_cpu_s() - cpu:.2f} s CPU "
                  f"during {wall:.2f} s wall ({len(paths)} bundles)")
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
