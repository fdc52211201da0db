"""One bundle's documents checked by two processes: ``cvbridge validate`` of a single bundle.

Checking the documents (inflating the parts of each .docx, parsing their XML) is most of the
time a bundle takes to read, and it is pure: bytes in, findings and text out. Validating one
bundle would leave the second core idle, and a spawned worker costs more to start (a fresh
interpreter and its imports, about 0.2 s) than splitting a 100-CV bundle saves. A fork starts
in about a millisecond with every import and the documents' bytes already in place; a
ProcessPoolExecutor on a fork costs some 25 ms more (its imports, its manager thread), a tenth
of what the whole command takes, hence the plain ``os.fork`` and pipe.

Forked, so only for a caller that holds no threads, locks or connections a fork would copy
half-way (the CLI's validate); the library's default stays in one process.

The reader gives the child every second check it will make, with the document's bytes
inflated; the child sends each result as it is done, with every finding its check added,
recorded. The reader goes on as in one process: it checks its own share itself and, where the
child's comes, replays the recorded findings at the point it would have made them. The report
is the one a single process makes, finding for finding and in the same order; a result is used
only for the same member, candidate, role and bytes, and if the child fails the reader checks
the rest itself.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import BinaryIO

from cvbridge.bundle._archive import ArchiveCaps
from cvbridge.bundle._documents import DocumentCheck, DocumentChecker
from cvbridge.bundle._report import Finding, FindingsCollector
from cvbridge.bundle._schema import FormatSpec

# A child with fewer checks than this is not worth its fork.
MIN_SPLIT_CHECKS = 2
# Planned documents are held inflated until checked: a larger bundle is read in one process.
MAX_SPLIT_BYTES = 256 << 20


@dataclass(frozen=True)
class PlannedCheck:
    """A document the reader will check: ``data``, the bytes its read() will return."""

    member: str
    data: bytes
    candidate: str
    want_text: bool

    @property
    def key(self) -> tuple[str, str, bool]:
        return self.member, self.candidate, self.want_text


@dataclass(frozen=True)
class _Added:
    """One call to FindingsCollector.add, to be made again in the reader's collector."""

    code: str
    member: str | None
    line: int | None
    candidate: str | None
    params: Mapping[str, object]


class _RecordingCollector(FindingsCollector):
    """Collects as usual (the checks read their own error counts) and records every call."""

    def __init__(self, spec: FormatSpec) -> None:
        super().__init__(spec)
        self.added: list[_Added] = []

    def add(self, code: str, *, member: str | None = None, line: int | None = None,
            candidate: str | None = None, params: Mapping[str, object] | None = None,
            **more_params: object) -> Finding:
        self.added.append(_Added(code, member, line, candidate,
                                 {**(params or {}), **more_params}))
        return super().add(code, member=member, line=line, candidate=candidate,
                           params=params, **more_params)


@dataclass(frozen=True)
class _Result:
    index: int  # in the plan
    check: DocumentCheck
    added: list[_Added]


class _PrecheckedChecker(DocumentChecker):
    """A DocumentChecker that takes the child's result where it has one."""

    def __init__(self, findings: FindingsCollector, caps: ArchiveCaps,
                 plan: Sequence[PlannedCheck], pipe: BinaryIO) -> None:
        super().__init__(findings, caps)
        self._plan = plan
        self._theirs = {planned.key: index for index, planned in enumerate(plan)}
        self._pipe: BinaryIO | None = pipe
        self._received: dict[int, _Result] = {}

    def check(self, member: str, data: bytes, *, candidate: str, want_text: bool
              ) -> DocumentCheck:
        index = self._theirs.pop((member, candidate, want_text), None)
        result = self._result(index) if index is not None else None
        if result is None or index is None or (self._plan[index].data is not data
                                               and self._plan[index].data != data):
            return super().check(member, data, candidate=candidate, want_text=want_text)
        for added in result.added:
            self.findings.add(added.code, member=added.member, line=added.line,
                              candidate=added.candidate, params=added.params)
        return result.check

    def _result(self, index: int) -> _Result | None:
        while index not in self._received and self._pipe is not None:
            try:
                result = pickle.load(self._pipe)
            except (EOFError, OSError, pickle.UnpicklingError):
                self._pipe = None  # the child is gone: the rest is checked here
                break
            self._received[result.index] = result
        return self._received.pop(index, None)


def _run_child(spec: FormatSpec, caps: ArchiveCaps, plan: Sequence[PlannedCheck],
               pipe: BinaryIO) -> None:
    # Ctrl-C reaches the whole process group: the reader stops, and the child with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for index, planned in enumerate(plan):
        recorder = _RecordingCollector(spec)
        check = DocumentChecker(recorder, caps).check(
            planned.member, planned.data, candidate=planned.candidate,
            want_text=planned.want_text)
        pickle.dump(_Result(index, check, recorder.added), pipe,
                    protocol=pickle.HIGHEST_PROTOCOL)
        pipe.flush()


def _fork(spec: FormatSpec, caps: ArchiveCaps, plan: Sequence[PlannedCheck]
          ) -> tuple[int, BinaryIO] | None:
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError:
        return None  # no process to spare: one process it is
    if pid == 0:
        status = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:
                _run_child(spec, caps, plan, pipe)
            status = 0
        finally:
            # Leave without the parent's exit handlers or its unflushed output.
            os._exit(status)
    os.close(write_end)
    return pid, os.fdopen(read_end, "rb")


@contextmanager
def split_checks(findings: FindingsCollector, spec: FormatSpec, caps: ArchiveCaps,
                 plan: Sequence[PlannedCheck]) -> Iterator[DocumentChecker]:
    """A DocumentChecker for the reader's loop, with the checks of ``plan`` made by a forked
    child (all in this process when the plan is small or the fork fails)."""
    forked = None
    if len(plan) >= MIN_SPLIT_CHECKS:
        forked = _fork(spec, caps, plan)
    if forked is None:
        yield DocumentChecker(findings, caps)
        return
    pid, pipe = forked
    try:
        yield _PrecheckedChecker(findings, caps, plan, pipe)
    finally:
        pipe.close()  # a child still writing gets EPIPE and leaves
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # its results are no longer wanted
        os.waitpid(pid, 0)
