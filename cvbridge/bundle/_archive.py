"""A ZIP archive opened for reading only after its structure has been checked.

Used for the bundle itself and for every .docx inside it (a .docx is a ZIP too). The checks
run on headers before a single member is inflated: one end record (_zip_end), a central
directory that agrees with it (_zip_directory), members laid end to end with local headers
and data descriptors that agree with it (_zip_layout), then names, methods, declared sizes and
ratios here. Every read is then capped by a byte budget whatever the headers say, and
``verify_unread`` inflates and CRC-checks every member no reader asked for.
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, cast

from cvbridge._i18n import LazyText
from cvbridge.bundle._paths import decode_member_name, is_symlink, name_problems
from cvbridge.bundle._report import FindingsCollector
from cvbridge.bundle._schema import load_spec
from cvbridge.bundle._zip_bytes import ArchiveBytes, ArchiveProblem
from cvbridge.bundle._zip_directory import CentralEntry, read_directory
from cvbridge.bundle._zip_end import EndRecord, read_end_record
from cvbridge.bundle._zip_layout import check_layout

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

_ENCRYPTED_FLAG = 0x01
_PATCHED_DATA_FLAG = 0x20
_STRONG_ENCRYPTION_FLAG = 0x40
_KEEP_MAX = 1 << 14
# A peek at a member up to this size inflates it whole (one pass instead of a prefix now and
# the whole again for the read or the CRC check), and keeps it while the archive's kept
# bytes stay under _KEPT_TOTAL_MAX.
_PEEK_WHOLE_MAX = 1 << 20
_KEPT_TOTAL_MAX = 4 << 20
_MIN_READ = 4096  # zipfile.ZipExtFile.MIN_READ_SIZE
_UNBOUNDED = 1 << 62
SUPPORTED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


@dataclass(frozen=True)
class ArchiveCaps:
    member_count: int
    member_size: int
    total_size: int
    ratio: int
    ratio_min_size: int
    # The limit member_count stands for, as findings name it (document_part_count in a .docx).
    count_setting: str = "member_count"


@dataclass(frozen=True)
class Member:
    info: CentralEntry
    name: str
    # Where the data starts, from the local header (whose name and extra field lengths are
    # the ones that count): the structure check computed it, reads seek straight there.
    data_start: int

    @property
    def is_dir(self) -> bool:
        # The decoded name, as every check sees it (a NUL in it is kept, and refused).
        return self.name.endswith("/")


class MemberReadError(Exception):
    """A member could not be read; ``code`` is the finding to report."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# Reads do not go through ZipFile.open(): it re-reads the local header the structure check has
# already checked, copies the entry and wraps the data in two file objects, which costs more
# than inflating a small XML part. _zip_read() is zipfile's own read algorithm (ZipExtFile,
# Python 3.11) run straight on the member's data, so that every member reads and fails as
# through zipfile: same bytes, same CRC check at the same point, same errors.
# The structure check has placed every member's data inside the file, so a read that finds
# nothing there means the file changed under us: that is still reported, not raised.
_READ_ERRORS = (EOFError, OSError)
_VERIFY_CHUNK = 1 << 16


@contextmanager
def _member_read_errors(member: Member) -> Iterator[None]:
    """The errors of inflating and reading a member's data, as the findings they are."""
    try:
        yield
    except zlib.error as exc:
        raise MemberReadError("ZIP-INFLATE", offset=member.data_start, detail=str(exc)) from exc
    except _READ_ERRORS as exc:
        raise MemberReadError(
            "ZIP-TRUNCATED",
            detail=LazyText("the file ends inside the data of this member (offset {offset}, "
                            "{size} bytes): it changed while it was read",
                            offset=member.data_start, size=member.info.compress_size)) from exc


def _zip_read(source: BinaryIO, member: Member, n: int, *, stop_at_declared: bool
              ) -> tuple[bytes, bool]:
    """``ZipExtFile.read(n)`` on the member, and whether that is its whole content (its data
    ended within the read and nothing was cut).

    ``stop_at_declared``: stop at the size the central directory declares, dropping the rest,
    as zipfile does; without it the read goes on past that size, up to ``n``. Either way no
    call inflates more than max(n, MIN_READ_SIZE) bytes (plus what a flush holds back).
    """
    info = member.info
    inflater = None if info.compress_type == zipfile.ZIP_STORED else zlib.decompressobj(-15)
    compress_left = info.compress_size
    left = info.file_size if stop_at_declared else _UNBOUNDED
    crc = 0
    pieces: list[bytes] = []
    got = 0
    ended = False  # the data ended (zipfile's _eof, less its stop at the declared size)
    eof = False
    with _member_read_errors(member):
        source.seek(member.data_start)
        while got < n and not eof:
            wanted = n - got
            data = b"" if inflater is None else inflater.unconsumed_tail
            if wanted > len(data) and compress_left > 0:
                chunk = source.read(min(max(wanted - len(data), _MIN_READ), compress_left))
                if not chunk:
                    raise EOFError
                compress_left -= len(chunk)
                data += chunk
            if inflater is None:
                ended = compress_left <= 0
            else:
                data = inflater.decompress(data, max(wanted, _MIN_READ))
                ended = inflater.eof or (compress_left <= 0 and not inflater.unconsumed_tail)
                if ended:
                    data += inflater.flush()
            if len(data) > left:
                data, ended = data[:left], False  # dropped past the declared size
            left -= len(data)
            eof = ended or left <= 0
            crc = zlib.crc32(data, crc)
            if eof and crc != info.crc:
                raise MemberReadError("ZIP-CRC", offset=member.data_start)
            pieces.append(data)
            got += len(data)
    data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
    return data[:n], ended and got <= n


def _verify(source: BinaryIO, member: Member) -> None:
    """Inflate a member to nowhere: its size and CRC-32 against the central directory."""
    info = member.info
    inflater = None if info.compress_type == zipfile.ZIP_STORED else zlib.decompressobj(-15)
    compress_left = info.compress_size
    produced = crc = 0
    with _member_read_errors(member):
        source.seek(member.data_start)
        while True:
            if inflater is not None and inflater.unconsumed_tail:
                chunk = inflater.unconsumed_tail
            elif compress_left > 0:
                chunk = source.read(min(_VERIFY_CHUNK, compress_left))
                if not chunk:
                    raise EOFError
                compress_left -= len(chunk)
            else:
                chunk = b""
            data = chunk if inflater is None else inflater.decompress(chunk, _VERIFY_CHUNK)
            produced += len(data)
            if produced > info.file_size:
                raise MemberReadError("ZIP-SIZE-MISMATCH", declared=info.file_size)
            crc = zlib.crc32(data, crc)
            if inflater is None:
                if compress_left <= 0:
                    break
            elif inflater.eof or (compress_left <= 0 and not inflater.unconsumed_tail
                                  and not data):
                break
    if produced != info.file_size:
        raise MemberReadError("ZIP-SIZE-MISMATCH", declared=info.file_size)
    if crc != info.crc:
        raise MemberReadError("ZIP-CRC", offset=member.data_start)


@dataclass
class CheckedArchive:
    """An archive whose headers passed; ``members`` are the entries that may be read."""

    source: BinaryIO
    members: list[Member]
    # Names reported as dangerous or unreadable: a reference to them is not "missing".
    refused: set[str]
    caps: ArchiveCaps
    inflated: int = field(default=0)
    # Members a peek() inflated whole and found sound, by header offset: the read() that
    # follows (the parts of a .docx are peeked for a DOCTYPE, then parsed) takes their bytes
    # instead of inflating them again. Only small ones: at most _PEEK_WHOLE_MAX per member,
    # _KEPT_TOTAL_MAX in all.
    _whole: dict[int, bytes] = field(default_factory=dict, repr=False)
    # Members read whole (their CRC checked) or whose read failed (and was reported), by
    # header offset: verify_unread() leaves them be.
    _checked: set[int] = field(default_factory=set, repr=False)
    _closed: bool = field(default=False, repr=False)

    def read(self, member: Member, cap: int) -> bytes:
        """Inflate one member, never more than ``cap`` bytes nor past the total budget.

        Asks for one byte more than the member may have, with no stop at its declared size
        (where zipfile would drop the rest): a member that inflates past that size shows as
        ZIP-SIZE-MISMATCH instead of being cut, and the CRC is checked as zipfile checks it,
        whenever the data ends within what was inflated.
        """
        self._check_open()
        info = member.info
        self._checked.add(info.header_offset)
        budget = max(0, min(cap, self.caps.total_size - self.inflated))
        wanted = min(budget, info.file_size) + 1
        data = self._whole.pop(info.header_offset, None)
        if data is None or wanted <= info.file_size:  # a peeked copy holds file_size bytes
            data, _ = _zip_read(self.source, member, wanted, stop_at_declared=False)
        self.inflated += len(data)
        if len(data) > budget:
            if budget < cap:
                raise MemberReadError("LIMIT-TOTAL-SIZE",
                                      size=LazyText("more than {limit}", limit=self.inflated),
                                      setting="total_size", limit=self.caps.total_size)
            # The readers cap a member at member_size, and a text file at text_size.
            setting = "member_size" if cap == self.caps.member_size else "text_size"
            raise MemberReadError("LIMIT-MEMBER-SIZE", size=LazyText("more than {limit}",
                                                                     limit=cap),
                                  setting=setting, limit=cap)
        if len(data) != info.file_size:
            raise MemberReadError("ZIP-SIZE-MISMATCH", declared=info.file_size)
        return data

    def peek(self, member: Member, size: int) -> bytes:
        """The first ``size`` bytes of a member, as zipfile reads them: no further than the
        size the header declares.

        Not counted against the budget (it inflates no more than ``size``, and zipfile's reads
        of a prolog were not counted either).
        """
        self._check_open()
        offset = member.info.header_offset
        if size < member.info.file_size <= _PEEK_WHOLE_MAX:
            whole_data = self._peek_whole(member)
            if whole_data is not None:
                return whole_data[:size]
        try:
            data, whole = _zip_read(self.source, member, size, stop_at_declared=True)
        except MemberReadError:
            self._checked.add(offset)  # the caller reports it
            raise
        if whole and len(data) == member.info.file_size:
            self._checked.add(offset)
            if len(data) <= _KEEP_MAX:
                # Exactly what read() would inflate, and it is sound: keep it for that read.
                self._whole[offset] = data
        return data

    def for_another_process(self) -> CheckedArchive:
        """The same members, read by a forked process through the same open file (the same
        bytes) at positions of its own: its reads leave this process's file offset alone."""
        self._check_open()
        source = cast(BinaryIO, _PositionalSource(self.source.fileno()))
        return CheckedArchive(source, self.members, self.refused, self.caps, self.inflated)

    def count_read_elsewhere(self, member: Member, cap: int) -> bool:
        """Take the read another process made of ``member`` (see for_another_process), which
        gave its declared size with its CRC, as read() would have counted it; False when this
        process's budget would not cover it: read() it here then, to meet the limit as
        read() meets it."""
        self._check_open()
        info = member.info
        if info.file_size > max(0, min(cap, self.caps.total_size - self.inflated)):
            return False
        self._checked.add(info.header_offset)
        self._whole.pop(info.header_offset, None)
        self.inflated += info.file_size
        return True

    def prefetch(self, member: Member) -> bytes | None:
        """The whole member, inflated ahead of its read(), which then takes these bytes (the
        documents this process checks ahead while a forked one checks others); None if it does not
        inflate to its declared size with its CRC: its read() meets and reports the fault.
        The caller bounds what it prefetches: every prefetched member is held until read."""
        self._check_open()
        return self._peek_whole(member, keep_limit=None)

    def _peek_whole(self, member: Member, keep_limit: int | None = _KEPT_TOTAL_MAX
                    ) -> bytes | None:
        """The whole member if it inflates to its declared size with its CRC, now checked
        (and kept for the read, within ``keep_limit`` bytes kept in all); None otherwise: the
        caller peeks the usual way, which meets and reports what it met before, no more (a
        fault past the prefix is the read's or verify_unread's to report)."""
        info = member.info
        kept = self._whole.get(info.header_offset)
        if kept is not None:
            return kept
        try:
            data, whole = _zip_read(self.source, member, info.file_size, stop_at_declared=True)
        except MemberReadError:
            return None
        if not whole or len(data) != info.file_size:
            return None
        self._checked.add(info.header_offset)
        if keep_limit is None or sum(map(len, self._whole.values())) + len(data) <= keep_limit:
            self._whole[info.header_offset] = data
        return data

    def verify_unread(self) -> list[tuple[Member, MemberReadError]]:
        """Inflate and CRC-check every member no read has checked yet (junk, unreferenced
        files, the parts of a .docx no check needed), a chunk at a time; what fails.

        Bounded by the declared sizes, which the structure check held to the limits: a member
        that inflates past its declared size is stopped one chunk later."""
        self._check_open()
        failed = []
        for member in self.members:
            if member.info.header_offset in self._checked:
                continue
            self._checked.add(member.info.header_offset)
            try:
                _verify(self.source, member)
            except MemberReadError as exc:
                failed.append((member, exc))
        return failed

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("read from a closed archive")

    def close(self) -> None:
        # The source belongs to the caller (zipfile never closed a file object it was given).
        self._closed = True
        self._whole.clear()


class _PositionalSource(io.RawIOBase):
    """A file read with os.pread at a position of its own: a forked process reading the file
    its parent reads too, through the same descriptor, never moves the parent's offset."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position,
                os.SEEK_END: os.fstat(self._fd).st_size}[whence]
        self._position = base + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer: WriteableBuffer) -> int:
        target = memoryview(buffer).cast("B")
        data = os.pread(self._fd, len(target), self._position)
        target[:len(data)] = data
        self._position += len(data)
        return len(data)


_METHOD_NAMES = {1: "Shrink", 6: "Implode", 9: "Deflate64", 12: "bzip2", 14: "LZMA",
                 93: "Zstandard", 95: "xz", 98: "PPMd", 99: "AES"}
# A malformed archive must come out as a finding whatever field it bends: these are the
# exceptions a read of hostile bytes can raise (a check above that misses a case must not
# let one escape as a traceback).
_STRUCTURE_ERRORS = (struct.error, ValueError, OverflowError, IndexError)
_UNREADABLE = frozenset({"ZIP-NOT-ZIP", "ZIP-TRUNCATED"})


class _StructureChecker:
    def __init__(self, source: BinaryIO, size: int, caps: ArchiveCaps,
                 findings: FindingsCollector, prefix: str, candidate: str | None,
                 unreadable_code: str | None) -> None:
        self.source, self.size, self.caps = source, size, caps
        self.findings, self.prefix, self.candidate = findings, prefix, candidate
        self.unreadable_code = unreadable_code

    def report(self, code: str, member: str | None = None, **params: object) -> None:
        location = self.prefix + member if member is not None else self.prefix.rstrip("!") or None
        if self.unreadable_code is not None and code in _UNREADABLE:
            # A document that is not a complete ZIP is a broken document: the upload was fine.
            message = LazyText(load_spec().finding(code).message, **params)
            code, params = self.unreadable_code, {"detail": LazyText(
                "not a readable ZIP package: {message}", message=message)}
        self.findings.add(code, member=location, candidate=self.candidate, params=params)

    def open(self) -> CheckedArchive | None:
        try:
            archive_bytes = ArchiveBytes(self.source, self.size)
            end = read_end_record(archive_bytes)
            entries = read_directory(archive_bytes, end, self.caps.member_count,
                                     self.caps.count_setting)
        except ArchiveProblem as exc:
            self.report(exc.code, None, **exc.params)
            return None
        except _STRUCTURE_ERRORS as exc:
            self.report("ZIP-DIRECTORY-MISMATCH", offset=0,
                        detail=LazyText("unreadable ({reason})", reason=str(exc)))
            return None
        return self._check_members(entries, end, archive_bytes)

    def _check_members(self, entries: list[CentralEntry], end: EndRecord,
                       archive_bytes: ArchiveBytes) -> CheckedArchive | None:
        decoded = [decode_member_name(e.raw_name, e.flag_bits, e.unicode_name) for e in entries]
        names = [d.name for d in decoded]
        readable: list[int] = []  # indexes into entries
        refused: set[str] = set()
        declared_total = 0
        for index, entry in enumerate(entries):
            declared_total += entry.file_size
            name = names[index]
            if not name and entry.raw_name:
                continue  # './': the folder the archive was made from (an empty name is kept)
            if self._check_member(entry, name, decoded[index].guessed_encoding,
                                  decoded[index].flagged_not_utf8):
                readable.append(index)
            else:
                refused.add(name)
        try:
            data_starts = check_layout(archive_bytes, entries, names, end, self.report)
        except _STRUCTURE_ERRORS as exc:
            self.report("ZIP-DIRECTORY-MISMATCH", offset=0,
                        detail=LazyText("unreadable ({reason})", reason=str(exc)))
            return None
        if declared_total > self.caps.total_size:
            self.report("LIMIT-TOTAL-SIZE", size=declared_total, setting="total_size",
                        limit=self.caps.total_size)
            return None
        if data_starts is None:
            return None
        members = [Member(entries[i], names[i], data_starts[i]) for i in readable]
        return CheckedArchive(self.source, members, refused, self.caps)

    def _check_member(self, info: CentralEntry, name: str, guessed: str | None,
                      not_utf8: bool) -> bool:
        problems = name_problems(name)
        shown = repr(name) if "PATH-CONTROL" in problems else name
        for code in problems:
            self.report(code, name, name=shown)
        if guessed is not None:
            self.report("PATH-ENCODING", name, name=name, encoding=guessed)
        ok = not problems
        if not_utf8:
            self.report("PATH-NOT-UTF8", name, name=name, offset=info.position)
            ok = False
        if is_symlink(info.external_attr):
            self.report("PATH-SYMLINK", name, name=shown)
            ok = False
        if info.flag_bits & (_ENCRYPTED_FLAG | _STRONG_ENCRYPTION_FLAG):
            # AES members also carry method 99: one finding says it all.
            self.report("ZIP-ENCRYPTED", name)
            ok = False
        elif info.compress_type not in SUPPORTED_METHODS:
            self.report("ZIP-METHOD", name, method=info.compress_type,
                        method_name=_METHOD_NAMES.get(info.compress_type) or LazyText("unknown"))
            ok = False
        elif info.flag_bits & _PATCHED_DATA_FLAG:
            self.report("ZIP-METHOD", name, method=info.compress_type,
                        method_name=LazyText("patched data, flag bit 5"))

            ok = False
        if info.file_size > self.caps.member_size:
            self.report("LIMIT-MEMBER-SIZE", name, size=info.file_size,
                        setting="member_size", limit=self.caps.member_size)
            ok = False
        # Not elif: a member may break both limits, and every finding is reported at once.
        if (info.file_size > self.caps.ratio_min_size
              and info.file_size > self.caps.ratio * max(info.compress_size, 1)):
            ratio = info.file_size // max(info.compress_size, 1)
            self.report("LIMIT-RATIO", name, ratio=ratio, limit=self.caps.ratio)
            ok = False
        return ok

def open_checked_archive(
    source: BinaryIO,
    size: int,
    caps: ArchiveCaps,
    findings: FindingsCollector,
    *,
    prefix: str = "",
    candidate: str | None = None,
    unreadable_code: str | None = None,
) -> CheckedArchive | None:
    """Check an archive's structure; None when it must not be read at all.

    ``prefix`` locates findings inside a nested document (``cvs/cv.docx!``); ``candidate``
    ties them to the candidate that owns the document. ``unreadable_code`` replaces
    ZIP-NOT-ZIP and ZIP-TRUNCATED when the archive cannot be opened at all (a .docx that is
    not a complete ZIP is DOC-CORRUPT: the upload was fine, the document is broken).
    """
    return _StructureChecker(source, size, caps, findings, prefix, candidate,
                             unreadable_code).open()
