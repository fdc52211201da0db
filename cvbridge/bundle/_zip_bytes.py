"""The bytes of an archive under structure check, and the problem that stops the check.

Every offset and size below comes from the archive itself, so every read is bounded by the
file's size first: a value past the end (or one of 2^63 and more, which no seek accepts) is a
finding, never a ValueError or an OverflowError.
"""

from __future__ import annotations

from typing import BinaryIO

# The end record (22 bytes) and the longest comment it can declare: its signature is in there.
END_SEARCH = 22 + 0xFFFF


class ArchiveProblem(Exception):
    """The archive's structure cannot be read one way only; ``code`` is the finding."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class ArchiveBytes:
    """Bounded reads of the archive. The tail searched for the end record is kept: a read that
    falls inside it is a slice (a .docx is smaller than the tail: it is read once)."""

    def __init__(self, source: BinaryIO, size: int) -> None:
        self.source = source
        self.size = size
        self.tail_start = max(0, size - END_SEARCH)
        source.seek(self.tail_start)
        self.tail = source.read(size - self.tail_start)

    def at(self, offset: int, length: int) -> bytes:
        """``length`` bytes at ``offset``, or fewer where the file ends (none past it)."""
        if offset < 0 or length <= 0 or offset >= self.size:
            return b""
        length = min(length, self.size - offset)
        start = offset - self.tail_start
        if start >= 0:
            return self.tail[start:start + length]
        self.source.seek(offset)
        return self.source.read(length)
