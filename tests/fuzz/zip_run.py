"""The long ZIP run: ``python -m tests.fuzz.zip_run --cases 10000`` (``make fuzz-zip``).

Draws header-mutated real archives (tests/fuzz/zip_headers.py) and checks the ZIP property
on each (tests/fuzz/properties.py ``validate_zip_case``). A case that raises or breaks the
property is a crash: its bundle goes to ``var/fuzz-crashes/``. Prints the cases tried, how
many were accepted and refused, the finding codes seen and the crashes; exits 1 on a crash.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from hypothesis import given, seed, settings

from tests.fuzz.long_run import signature
from tests.fuzz.mutations import Case
from tests.fuzz.properties import save_reproducer, validate_zip_case
from tests.fuzz.zip_headers import header_mutated

_BATCH = 500


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="mutated archives to try")
    parser.add_argument("--seed", type=int, default=int(time.time()), help="random seed")
    args = parser.parse_args(argv)
    tried = accepted = 0
    codes: Counter[str] = Counter()
    crashes: Counter[str] = Counter()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bundle.zip"

        def one(case: Case) -> None:
            nonlocal tried, accepted
            tried += 1
            path.write_bytes(case.data)
            try:
                report = validate_zip_case(path)
            except Exception as exc:  # every kind of failure is counted, none stops the run
                key = signature("zip-headers", exc)
                if key not in crashes:
                    print(f"  CRASH {key}\n    -> {save_reproducer(case, exc, kind='zip')}",
                          flush=True)
                crashes[key] += 1
                return
            accepted += report.valid
            codes.update({f.code for f in report.findings})

        batch = 0
        while tried < args.cases:
            size = min(_BATCH, args.cases - tried)
            run = seed(args.seed + batch)(settings(settings.get_profile("long"),
                                                   max_examples=size)(
                given(case=header_mutated())(one)))
            before = tried
            run()
            batch += 1
            if tried == before:
                break  # hypothesis drew nothing new
            print(f"  {tried} cases, {sum(crashes.values())} crashes, "
                  f"{time.monotonic() - started:.0f} s", flush=True)
    print(f"cases: {tried} mutated real archives (seed {args.seed})")
    print(f"accepted: {accepted}, refused: {tried - accepted}")
    print("codes: " + ", ".join(f"{code} {count}" for code, count in codes.most_common()))
    print(f"exceptions: {sum(crashes.values())}")
    for key, count in crashes.most_common():
        print(f"  {count} x {key}")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
