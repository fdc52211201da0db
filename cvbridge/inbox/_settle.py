"""Which inbox files are complete: pure logic, no I/O.

A file is settled when its size and mtime, as the server reports them, have not changed
between listings for at least the settle interval, measured on the *local monotonic clock*.
Server mtimes are only ever compared with server mtimes (for equality): comparing them with
the local clock would make clock skew and second-resolution mtimes decide what is complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cvbridge.inbox._transport import ERRORS_SUFFIX, RemoteFile, is_safe_name

BUNDLE_SUFFIX = ".zip"
# Upload conventions of clients writing under a temporary name, then renaming.
_IGNORED_SUFFIXES = (".part", ".tmp", ".filepart", ERRORS_SUFFIX)


def is_bundle_name(name: str) -> bool:
    """Whether an inbox file name looks like a finished bundle upload (with a safe name)."""
    lowered = name.lower()
    return (
        is_safe_name(name)
        and not name.startswith(".")
        and lowered.endswith(BUNDLE_SUFFIX)
        and not lowered.endswith(_IGNORED_SUFFIXES)
    )


@dataclass(frozen=True)
class _Sighting:
    size: int
    mtime: float
    since: float  # local monotonic time at which this size+mtime was first seen


class SettleTracker:
    """Remembers what each listing showed, to tell finished uploads from growing ones."""

    def __init__(self, settle_seconds: float) -> None:
        if settle_seconds < 0:
            raise ValueError("settle_seconds must be >= 0")
        self.settle_seconds = settle_seconds
        self._sightings: dict[str, _Sighting] = {}

    def observe(self, listing: Iterable[RemoteFile], now: float) -> list[RemoteFile]:
        """Record a listing taken at monotonic time *now*; the settled bundles, oldest first.

        A file is never settled on its first sighting: it must be seen unchanged in at least
        two listings at least ``settle_seconds`` apart. Files missing from *listing* are
        forgotten.
        """
        settled: list[RemoteFile] = []
        current: dict[str, _Sighting] = {}
        for file in listing:
            if not is_bundle_name(file.name):
                continue
            previous = self._sightings.get(file.name)
            if previous is None or (previous.size, previous.mtime) != (file.size, file.mtime):
                current[file.name] = _Sighting(file.size, file.mtime, now)
                continue
            current[file.name] = previous
            if now - previous.since >= self.settle_seconds:
                settled.append(file)
        self._sightings = current
        settled.sort(key=lambda file: (file.mtime, file.name))
        return settled

    def forget(self, name: str) -> None:
        """Drop what is known about *name* (it was claimed)."""
        self._sightings.pop(name, None)

    @property
    def waiting(self) -> int:
        """Bundles seen but not (yet) settled or claimed."""
        return len(self._sightings)
