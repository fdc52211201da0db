"""One bundle's documents checked by two processes: ``cvbridge validate`` of a single bundle.

Checking the documents (inflating the parts of each .docx, parsing their XML) is most of the
time a bundle takes to read, and it is pure: bytes in, findings and text out. Validating one
bundle would leave the second core idle, and a spawned worker costs more to start (a fresh
interpreter and its imports, about 0.2 s) than splitting a 100-CV bundle saves. A fork starts
in about a millisecond with every import in place; a ProcessPoolExecutor on a fork costs some
25 ms more (its imports, its manager thread), a tenth of what the whole command takes, hence
the plain ``os.fork`` and pipe.

Forked, so only for a caller that holds no threads, locks or connections a fork would copy
half-way (the CLI's validate); the library's default stays in one process.

The reader forks once it knows the candidate files. The child finds the documents from their
references alone (no value checked), reads them through the same open file and checks them in
the reader's order, sending each result as it is done with every finding its check added,
recorded. Meanwhile the reader checks the candidates' values; then it checks documents from
the end of the list until it meets the child. Its loop then goes on as in one process, taking
each document's result and replaying the recorded findings at the point it would have made
them. The report is the one a single process makes, finding for finding and in the same
order: a result is used only for the same member, candidate and role, read from the same file
(its bytes, when this process checked them); any other document, or all of them if the child
fails, is checked in the loop as usual.
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import os
import pickle
import select
import signal
import struct
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass

from cvbridge.bundle._archive import ArchiveCaps, Member
from cvbridge.bundle._documents import DocumentCheck, DocumentChecker
from cvbridge.bundle._report import Finding, FindingsCollector
from cvbridge.bundle._schema import FormatSpec

# Fewer candidate files than this are read in one process: the fork would save nothing.
MIN_SPLIT_CANDIDATES = 4
# Bytes of its own share this process inflates ahead of its loop, at most.
MAX_AHEAD_BYTES = 256 << 20
_LENGTH = struct.Struct("<Q")
_PIPE_SIZE = 1 << 20

# A document check: its member, its candidate file, and whether its text is wanted (a CV).
CheckKey = tuple[str, str, bool]


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
class CheckResult:
    """A document checked ahead: ``data``, the bytes checked when this process checked them
    (None: the child read and checked them)."""

    key: CheckKey
    index: int  # in the order of the checks
    check: DocumentCheck
    added: list[_Added]
    size: int
    sha256: str
    data: bytes | None

    def replay(self, findings: FindingsCollector) -> DocumentCheck:
        """The check's findings, added to ``findings`` as the check would have added them."""
        for added in self.added:
            findings.add(added.code, member=added.member, line=added.line,
                         candidate=added.candidate, params=added.params)
        return self.check


def _checked(spec: FormatSpec, caps: ArchiveCaps, index: int, key: CheckKey, data: bytes,
             *, keep: bool) -> CheckResult:
    recorder = _RecordingCollector(spec)
    member, candidate, want_text = key
    check = DocumentChecker(recorder, caps).check(member, data, candidate=candidate,
                                                  want_text=want_text)
    return CheckResult(key, index, check, recorder.added, len(data),
                       hashlib.sha256(data).hexdigest(), data if keep else None)


def _send(fd: int, result: CheckResult) -> None:
    message = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(message)) + message)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int) -> bytes | None:
    pieces = []
    while size:
        piece = os.read(fd, size)
        if not piece:
            return None
        pieces.append(piece)
        size -= len(piece)
    return b"".join(pieces)


class SplitChecks:
    """The child under way, its results as they come, and this process's own share."""

    def __init__(self, pid: int, fd: int, spec: FormatSpec, caps: ArchiveCaps) -> None:
        self._pid = pid
        self._fd: int | None = fd
        self._spec = spec
        self._caps = caps
        self._theirs: dict[CheckKey, CheckResult] = {}
        self._own: dict[CheckKey, CheckResult] = {}
        self._reached = -1  # the furthest check the child sent

    def check_from_the_end(self, plan: Sequence[tuple[CheckKey, Member]],
                           fetch: Callable[[Member], bytes | None]) -> None:
        """Check the documents of ``plan`` (the reader's order) from the last, until the
        child has reached them; ``fetch`` inflates one ahead of the reader's read."""
        ahead = 0
        for index in range(len(plan) - 1, -1, -1):
            self._receive(block=False)
            key, member = plan[index]
            if index <= self._reached or key in self._theirs:
                return  # the child is there (or was, before it stopped)
            ahead += member.info.file_size
            if ahead > MAX_AHEAD_BYTES:
                return
            data = fetch(member)
            if data is None:
                continue  # unsound: the loop reads it and reports what it meets
            self._own[key] = _checked(self._spec, self._caps, index, key, data, keep=True)

    def take(self, key: CheckKey) -> CheckResult | None:
        """The result for ``key``: this process's, or the child's once it comes; None if
        neither has it (the child read it otherwise, failed, or is gone)."""
        own = self._own.pop(key, None)
        if own is not None:
            return own
        while key not in self._theirs and self._fd is not None:
            self._receive(block=True)
        return self._theirs.pop(key, None)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # a child still writing gets EPIPE
            self._fd = None
        with suppress(ProcessLookupError):
            os.kill(self._pid, signal.SIGKILL)  # what it has not sent is no longer wanted
        os.waitpid(self._pid, 0)

    def _receive(self, *, block: bool) -> None:
        """Every result waiting in the pipe (with ``block``: at least one, or the end)."""
        while self._fd is not None:
            if not block and not select.select([self._fd], [], [], 0)[0]:
                return
            header = _read_exactly(self._fd, _LENGTH.size)
            message = _read_exactly(self._fd, _LENGTH.unpack(header)[0]) if header else None
            if message is None:
                os.close(self._fd)  # the child is done or gone: the rest is checked here
                self._fd = None
                return
            result: CheckResult = pickle.loads(message)
            self._theirs[result.key] = result
            self._reached = max(self._reached, result.index)
            if block:
                return


def _run_child(spec: FormatSpec, caps: ArchiveCaps,
               documents: Callable[[], Iterable[tuple[CheckKey, bytes]]], fd: int) -> None:
    # Ctrl-C reaches the whole process group: the reader stops, and the child with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for index, (key, data) in enumerate(documents()):
        _send(fd, _checked(spec, caps, index, key, data, keep=False))


def _widen(fd: int) -> None:
    """A pipe as large as the system lets us make it (1 MiB by default, for the texts of
    about a hundred CVs): the child goes on checking while the reader, busy with the
    candidates' values, reads nothing yet; a full pipe would hold it until then."""
    with suppress(OSError, AttributeError):  # F_SETPIPE_SZ is Linux's
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, _PIPE_SIZE)


def start_split(spec: FormatSpec, caps: ArchiveCaps,
                documents: Callable[[], Iterable[tuple[CheckKey, bytes]]]
                ) -> SplitChecks | None:
    """Fork a child that checks, in order, the documents ``documents()`` (run in the child)
    reads; None if no process can be spared (the reader checks them all)."""
    try:
        read_end, write_end = os.pipe()
        _widen(write_end)
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        status = 1
        try:
            # A collection here would write to every object shared with the parent, a copy
            # of each page it touches: what the child allocates is collected, not those.
            gc.freeze()
            os.close(read_end)
            _run_child(spec, caps, documents, write_end)
            status = 0
        finally:
            # Leave without the parent's exit handlers or its unflushed output.
            os._exit(status)
    os.close(write_end)
    return SplitChecks(pid, read_end, spec, caps)
