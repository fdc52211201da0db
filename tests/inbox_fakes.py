"""Stand-ins the inbox tests share: a clock they move by hand, a store that records what it
was handed, and a way to drop a random bundle into a folder."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from cvbridge.inbox import IngestResult, RemoteFile


@dataclass
class FakeClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class RecordingIngest:
    """The store's stand-in: records (name, sha256) and answers from a table."""

    answers: dict[str, IngestResult] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    raise_for: set[str] = field(default_factory=set)

    def __call__(self, path: Path, file: RemoteFile) -> IngestResult:
        name = file.name
        self.calls.append((name, hashlib.sha256(path.read_bytes()).hexdigest()))
        if name in self.raise_for:
            raise RuntimeError("store unavailable")
        return self.answers.get(name, IngestResult("processed"))


def drop(folder: Path, name: str, size: int = 4096) -> str:
    """Write *size* random bytes as *name* in *folder*; return their SHA-256."""
    data = os.urandom(size)
    (folder / name).write_bytes(data)
    return hashlib.sha256(data).hexdigest()
