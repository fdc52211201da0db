"""Validating many bundles on every core: ``cvbridge validate --jobs N``.

Reading a bundle is CPU work (inflating, parsing XML) and pure, bytes in and report out, so
bundles are spread over worker processes and their reports come back in the order asked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from cvbridge._i18n import current_language, use_language
from cvbridge.bundle._profile import Profile
from cvbridge.bundle._reader import validate_bundle
from cvbridge.bundle._report import Report
from cvbridge.bundle._schema import Limits

# Starting a worker (an interpreter importing the format's code) costs a few tenths of a
# second; below this many bytes, reading the bundles in turn is over sooner.
MIN_PARALLEL_BYTES = 8 << 20


def available_cores() -> int:
    """The cores this process may run on (its affinity mask, as taskset or a container sets
    it), not the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def validate_bundles(paths: Sequence[str | Path], *, limits: Limits | None = None,
                     profile: Profile | None = None, jobs: int | None = None,
                     fork: bool = False) -> Iterator[Report]:
    """Every bundle's report, in the order of ``paths``, read by up to ``jobs`` processes
    (default: the cores available). An error that stops one bundle (BundleAccessError) is
    raised at its turn, as :func:`validate_bundle` raises it.

    ``fork``: the caller holds no threads, locks or connections a fork would copy (the CLI):
    bundles read in turn then have their documents checked by a forked process too."""
    processes = jobs or available_cores()
    workers = min(processes, len(paths))
    if workers <= 1 or _total_size(paths) < MIN_PARALLEL_BYTES:
        fork_checks = fork and processes > 1
        for path in paths:
            yield validate_bundle(path, limits=limits, profile=profile, fork_checks=fork_checks)
        return
    # Spawned, not forked: a library caller may hold threads or connections that a fork
    # would copy half-way. Each worker imports the format's code once, then reads bundles.
    import multiprocessing  # here: reading the bundles in turn needs no process pool
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    # The workers render the findings' messages: they speak the language of this process.
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=use_language, initargs=(current_language(),)) as pool:

        yield from pool.map(_validate, paths, [limits] * len(paths), [profile] * len(paths))


def _total_size(paths: Sequence[str | Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += Path(path).stat().st_size
        except OSError:
            continue  # reported when its turn comes
    return total


def _validate(path: str | Path, limits: Limits | None, profile: Profile | None) -> Report:
    return validate_bundle(path, limits=limits, profile=profile)
