"""The long fuzzing run: ``python -m tests.fuzz.long_run --minutes N`` (``make fuzz``).

Draws mutated bundles from every family of tests/fuzz/mutations.py, in turn, for N minutes;
checks property 1 (validate) on every case and property 2 (ingest) on every ``--ingest-every``
case, into one SQLite store for the whole run. A case that raises, breaks a property, runs
past 2 s or peaks past 100 MB is a crash: its bundle and what happened are saved under
``var/fuzz-crashes/`` (one reproducer per distinct crash). Prints the cases tried, the distinct
finding codes seen and the crashes; exits 1 when there was a crash.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import given, seed, settings

import cvbridge
from cvbridge.store import Store
from tests.fuzz import CASE_SECONDS
from tests.fuzz.mutations import FAMILIES, Case
from tests.fuzz.properties import (
    CRASH_DIR,
    Hang,
    PropertyViolation,
    check_ingest,
    save_reproducer,
    validate_case,
)

_BATCH = 200
_BATCHES = {"flood": 20}  # about a second a case: smaller batches keep the families in turn
_PROGRESS_SECONDS = 30.0
_PACKAGE_ROOT = str(Path(cvbridge.__file__).resolve().parent)


def signature(kind: str, error: BaseException) -> str:
    """What tells two crashes apart: the exception and the innermost cvbridge frame."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if f.filename.startswith(_PACKAGE_ROOT)]
    where = ""
    if ours:
        frame = ours[-1]
        where = f" at {Path(frame.filename).name}:{frame.lineno} ({frame.name})"
    detail = str(error).splitlines()[0][:120] if isinstance(error, PropertyViolation) else ""
    # Property messages carry sizes and times: keep their wording, drop the figures.
    detail = "".join("#" if c.isdigit() else c for c in detail)
    return f"{kind}: {type(error).__name__}{where}{': ' + detail if detail else ''}"


@dataclass
class Tally:
    started: float = field(default_factory=time.monotonic)
    cases: int = 0
    ingested: int = 0
    codes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    families: Counter[str] = field(default_factory=Counter)
    crashes: Counter[str] = field(default_factory=Counter)
    reproducers: dict[str, Path] = field(default_factory=dict)
    slowest: float = 0.0
    largest_peak: int = 0
    generator_errors: Counter[str] = field(default_factory=Counter)

    def crash(self, kind: str, case: Case, error: BaseException) -> None:
        key = signature(kind, error)
        self.crashes[key] += 1
        if key not in self.reproducers:
            self.reproducers[key] = save_reproducer(case, error, kind=kind)
            print(f"  CRASH {key}\n    -> {self.reproducers[key]}", flush=True)

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


class LongRun:
    def __init__(self, minutes: float, ingest_every: int, families: list[str],
                 random_seed: int, workdir: Path) -> None:
        self.deadline = time.monotonic() + minutes * 60
        self.ingest_every = ingest_every
        self.families = families
        self.random_seed = random_seed
        self.workdir = workdir
        self.bundle = workdir / "bundle.zip"
        self.store = Store(f"sqlite:///{workdir / 'store.db'}")
        self.tally = Tally()
        self.catalogue = dict(cvbridge.load_spec().findings)
        self._next_progress = time.monotonic() + _PROGRESS_SECONDS
        self._names = itertools.count()

    def time_left(self) -> bool:
        return time.monotonic() < self.deadline

    def run(self) -> Tally:
        for batch in itertools.count():
            if not self.time_left():
                break
            family = self.families[batch % len(self.families)]
            fresh = batch // len(self.families) % 2 == 0
            try:
                self._batch(family, fresh, self.random_seed + batch)
            except KeyboardInterrupt:
                print("interrupted", flush=True)
                break
            except Exception as exc:  # a fault of the fuzzer itself, not of cvbridge
                self.tally.generator_errors[f"{family}: {type(exc).__name__}: {exc}"[:200]] += 1
        self.store.close()
        return self.tally

    def _batch(self, family: str, fresh: bool, batch_seed: int) -> None:
        @seed(batch_seed)
        @settings(settings.get_profile("long"), max_examples=_BATCHES.get(family, _BATCH))
        @given(case=FAMILIES[family](fresh))
        def one(case: Case) -> None:
            if not self.time_left():
                return
            self.tally.families[family] += 1
            self._case(case)
            self._progress()

        one()

    def _case(self, case: Case) -> None:
        tally = self.tally
        tally.cases += 1
        self.bundle.write_bytes(case.data)
        try:
            report, spent = validate_case(self.bundle, time_limit=None)
            tally.codes.update(f.code for f in report.findings)
            tally.slowest = max(tally.slowest, spent.seconds)
            tally.largest_peak = max(tally.largest_peak, spent.peak_bytes)
            if spent.seconds >= CASE_SECONDS:
                raise PropertyViolation(f"validate took {spent.seconds:.2f} s "
                                        f">= {CASE_SECONDS} s")
        except Hang as exc:
            tally.crash("hang", case, exc)
        except PropertyViolation as exc:
            tally.crash("property", case, exc)
        except Exception as exc:
            tally.crash("validate", case, exc)
        if tally.cases % self.ingest_every:
            return
        path = self.workdir / f"bundle-{next(self._names)}.zip"
        path.write_bytes(case.data)
        try:
            outcome = check_ingest(self.store, path)
            tally.ingested += 1
            tally.statuses[outcome.status] += 1
            if outcome.report is not None:
                tally.codes.update(f.code for f in outcome.report.findings
                                   if f.code.startswith("INGEST-"))
        except Hang as exc:
            tally.crash("ingest-hang", case, exc)
        except PropertyViolation as exc:
            tally.crash("ingest-property", case, exc)
        except Exception as exc:
            tally.crash("ingest", case, exc)
        finally:
            path.unlink(missing_ok=True)

    def _progress(self) -> None:
        if time.monotonic() < self._next_progress:
            return
        self._next_progress = time.monotonic() + _PROGRESS_SECONDS
        tally = self.tally
        print(f"[{tally.elapsed:6.0f}s] cases {tally.cases}  ingested {tally.ingested}  "
              f"codes {len(tally.codes)}  crashes {sum(tally.crashes.values())}", flush=True)


def summary(tally: Tally, catalogue: dict[str, object]) -> str:
    seen = sorted(tally.codes)
    unseen = sorted(set(catalogue) - set(tally.codes))
    lines = [
        f"cases tried: {tally.cases} in {tally.elapsed:.0f} s "
        f"({tally.cases / max(tally.elapsed, 1e-9):.1f}/s); ingested: {tally.ingested} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(tally.statuses.items()))})",
        f"by family: {', '.join(f'{k} {v}' for k, v in sorted(tally.families.items()))}",
        f"slowest validate: {tally.slowest:.2f} s; largest tracemalloc peak: "
        f"{tally.largest_peak / 1e6:.1f} MB",
        f"distinct finding codes seen: {len(seen)} of {len(catalogue)}",
        *(f"  {code:24} {tally.codes[code]}" for code in seen),
        f"not seen: {', '.join(unseen) or '-'}",
        f"crashes: {sum(tally.crashes.values())} ({len(tally.crashes)} distinct)",
        *(f"  {count:5} x {key}\n        reproducer: {tally.reproducers[key]}"
          for key, count in tally.crashes.most_common()),
    ]
    if tally.generator_errors:
        lines.append("fuzzer errors (bugs of the generator, not of cvbridge):")
        lines += [f"  {count} x {key}" for key, count in tally.generator_errors.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz.long_run",
                                     description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--ingest-every", type=int, default=4, metavar="K",
                        help="ingest every K-th case into the run's store (default 4)")
    parser.add_argument("--families", default=",".join(f for f in FAMILIES if f != "any"),
                        help=f"comma-separated, among {', '.join(FAMILIES)}")
    parser.add_argument("--seed", type=int, default=None,
                        help="hypothesis seed of the first batch (default: random)")
    args = parser.parse_args(argv)
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = set(families) - set(FAMILIES)
    if unknown:
        parser.error(f"unknown families: {', '.join(sorted(unknown))}")
    random_seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    print(f"cvbridge fuzz: {args.minutes:g} min, families {', '.join(families)}, seed "
          f"{random_seed}, ingest every {args.ingest_every}; crashes go to {CRASH_DIR}",
          flush=True)
    with tempfile.TemporaryDirectory(prefix="cvbridge-fuzz-") as folder:
        run = LongRun(args.minutes, max(1, args.ingest_every), families, random_seed,
                      Path(folder))
        with contextlib.suppress(KeyboardInterrupt):
            run.run()
    print(summary(run.tally, run.catalogue), flush=True)
    return 1 if run.tally.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
