"""A ZIP archive opened for reading only after its structure has been checked.

Used for the bundle itself and for every .docx inside it (a .docx is a ZIP too). The checks
run on headers before a single member is inflated: entry count, declared sizes and ratios,
local/central header agreement, and members that overlap (the shape of "better zip bombs").
Every read is then capped by a byte budget whatever the headers say.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from cvbridge.bundle._paths import decode_member_name, is_symlink, name_problems
from cvbridge.bundle._report import FindingsCollector

_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_ZIP64_LOCATOR = struct.Struct("<4sIQI")
_ZIP64_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_EOCD = struct.Struct("<4sQHHIIQQQQ")
_ZIP64_EOCD_SIGNATURE = b"PK\x06\x06"
_MAX_COMMENT = 0xFFFF
_ZIP64_MARK = 0xFFFFFFFF
_DATA_DESCRIPTOR_FLAG = 0x08
_ENCRYPTED_FLAG = 0x01
_PATCHED_DATA_FLAG = 0x20
_STRONG_ENCRYPTION_FLAG = 0x40
_KEEP_MAX = 1 << 14
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


@dataclass(frozen=True)
class Member:
    info: zipfile.ZipInfo
    name: str
    # Where the data starts, from the local header (whose name and extra field lengths are
    # the ones that count): the structure check computed it, reads seek straight there.
    data_start: int

    @property
    def is_dir(self) -> bool:
        # Not info.is_dir(): it indexes filename[-1], which fails on an empty name (or one
        # that starts with a NUL, which zipfile cuts to nothing).
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
_READ_ERRORS = (zlib.error, EOFError, OSError)


def _truncated(detail: str) -> MemberReadError:
    return MemberReadError("ZIP-TRUNCATED", detail=detail)


def _zip_read(source: BinaryIO, member: Member, n: int, *, stop_at_declared: bool
              ) -> tuple[bytes, bool]:
    """``ZipExtFile.read(n)`` on the member, and whether that is its whole content (its data
    ended within the read and nothing was cut).

    ``stop_at_declared``: stop at the size the central directory declares, dropping the rest,
    as zipfile does; without it the read goes on past that size, up to ``n``. Either way no
    call inflates more than max(n, MIN_READ_SIZE) bytes (plus what a flush holds back).
    """
    info = member.info
    if info.flag_bits & _PATCHED_DATA_FLAG:
        raise _truncated("compressed patched data (flag bit 5)")  # zipfile's words
    inflater = None if info.compress_type == zipfile.ZIP_STORED else zlib.decompressobj(-15)
    compress_left = info.compress_size
    left = info.file_size if stop_at_declared else _UNBOUNDED
    crc = 0
    pieces: list[bytes] = []
    got = 0
    ended = False  # the data ended (zipfile's _eof, less its stop at the declared size)
    eof = False
    try:
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
            if eof and crc != info.CRC:
                raise MemberReadError("ZIP-CRC", detail=f"Bad CRC-32 for file {info.filename!r}")
            pieces.append(data)
            got += len(data)
    except _READ_ERRORS as exc:
        raise _truncated(str(exc) or type(exc).__name__) from exc
    data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
    return data[:n], ended and got <= n


@dataclass(frozen=True)
class _EndRecord:
    entries: int
    central_directory_start: int


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
    # instead of inflating them again. Only small ones: at most _KEEP_MAX per member.
    _whole: dict[int, bytes] = field(default_factory=dict, repr=False)
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
        budget = max(0, min(cap, self.caps.total_size - self.inflated))
        wanted = min(budget, info.file_size) + 1
        data = self._whole.pop(info.header_offset, None)
        if data is None or wanted <= info.file_size:  # a peeked copy holds file_size bytes
            data, _ = _zip_read(self.source, member, wanted, stop_at_declared=False)
        self.inflated += len(data)
        if len(data) > budget:
            if budget < cap:
                raise MemberReadError("LIMIT-TOTAL-SIZE", size=self.inflated,
                                      limit=self.caps.total_size)
            raise MemberReadError("LIMIT-MEMBER-SIZE", size=f"more than {cap}", limit=cap)
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
        data, whole = _zip_read(self.source, member, size, stop_at_declared=True)
        if whole and len(data) == member.info.file_size and len(data) <= _KEEP_MAX:
            # Exactly what read() would inflate, and it is sound: keep it for that read.
            self._whole[member.info.header_offset] = data
        return data

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError("read from a closed archive")

    def close(self) -> None:
        # The source belongs to the caller (zipfile never closed a file object it was given).
        self._closed = True
        self._whole.clear()


def _read_at(source: BinaryIO, offset: int, length: int) -> bytes:
    """Bytes at an offset taken from the archive itself: nothing when it points nowhere."""
    if offset < 0:  # zipfile shifts offsets by its guess of prepended data: may go negative
        return b""
    try:
        source.seek(offset)
    except (OSError, OverflowError):  # beyond what the file system can seek to
        return b""
    return source.read(length)


class _ArchiveBytes:
    """The archive's bytes for the structure check: the tail read for the end record is kept,
    and a read that falls inside it is a slice instead of a seek and a read. (A .docx is
    smaller than the tail: every local header of one comes from it.)"""

    def __init__(self, source: BinaryIO, size: int) -> None:
        self.source = source
        self.tail_start = max(0, size - _EOCD.size - _MAX_COMMENT)
        self.tail = _read_at(source, self.tail_start, size - self.tail_start)

    def at(self, offset: int, length: int) -> bytes:
        start = offset - self.tail_start
        if start >= 0 and start + length <= len(self.tail):
            return self.tail[start:start + length]
        return _read_at(self.source, offset, length)


def _eocd_position(tail: bytes) -> int:
    """The last signature whose comment length reaches exactly the end of the file; else
    the last signature at all. (The comment may itself contain a signature.)"""
    last = position = tail.rfind(_EOCD_SIGNATURE)
    while position >= 0:
        if len(tail) - position >= _EOCD.size:
            comment_length = _EOCD.unpack_from(tail, position)[7]
            if position + _EOCD.size + comment_length == len(tail):
                return position
        position = tail.rfind(_EOCD_SIGNATURE, 0, position)
    return last


def _end_record(archive: _ArchiveBytes) -> _EndRecord | None:
    """Read the end of central directory record ourselves, before zipfile parses anything."""
    source, tail_start, tail = archive.source, archive.tail_start, archive.tail
    position = _eocd_position(tail)
    if position < 0 or len(tail) - position < _EOCD.size:
        return None
    _, _, _, _, entries, cd_size, _, _ = _EOCD.unpack_from(tail, position)
    eocd_offset = tail_start + position
    locator_offset = eocd_offset - _ZIP64_LOCATOR.size
    if entries != 0xFFFF or locator_offset < 0:
        return _EndRecord(entries, eocd_offset - cd_size)
    signature, _, zip64_offset, _ = _ZIP64_LOCATOR.unpack(
        _read_at(source, locator_offset, _ZIP64_LOCATOR.size))
    record = _read_at(source, zip64_offset, _ZIP64_EOCD.size)
    if signature != _ZIP64_LOCATOR_SIGNATURE or len(record) < _ZIP64_EOCD.size:
        return None
    fields = _ZIP64_EOCD.unpack(record)
    if fields[0] != _ZIP64_EOCD_SIGNATURE:
        return None
    entries64, cd_size64 = fields[7], fields[8]
    return _EndRecord(entries64, locator_offset - _ZIP64_EOCD.size - cd_size64)


def has_end_record(path: Path) -> bool:
    """Whether the file at *path* ends with a ZIP end of central directory record. An upload
    still being written (or cut short) has none: a zip tool writes it last."""
    with path.open("rb") as source:
        size = source.seek(0, os.SEEK_END)
        return _end_record(_ArchiveBytes(source, size)) is not None


def _local_header(archive: _ArchiveBytes, info: zipfile.ZipInfo) -> tuple[str | None, int]:
    """Where the member's data starts, and the first field on which its local header
    contradicts the central directory (None when they agree)."""
    header = archive.at(info.header_offset, _LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size:
        return "presence (the local header is outside the file)", 0
    (signature, _, flags, method, _, _, crc, compressed, uncompressed, name_length,
     extra_length) = _LOCAL_HEADER.unpack(header)
    data_start = info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
    if signature != _LOCAL_SIGNATURE:
        return "signature", data_start
    raw_name = archive.at(info.header_offset + _LOCAL_HEADER.size, name_length)
    try:
        # Strict, as zipfile's own check was when it opened a member: bytes that are not
        # UTF-8 under the UTF-8 flag are not the name the central directory holds. (ASCII
        # reads the same in both, and its codec is in C where cp437's is not.)
        local_name = raw_name.decode(
            "ascii" if raw_name.isascii() else "utf-8" if flags & 0x800 else "cp437")
    except UnicodeDecodeError:
        return "name", data_start
    if local_name != info.orig_filename:
        return "name", data_start
    if method != info.compress_type:
        return "compression method", data_start
    if not flags & _DATA_DESCRIPTOR_FLAG:
        if crc != info.CRC:
            return "CRC-32", data_start
        if compressed not in (_ZIP64_MARK, info.compress_size):
            return "compressed size", data_start
        if uncompressed not in (_ZIP64_MARK, info.file_size):
            return "uncompressed size", data_start
    return None, data_start


class _StructureChecker:
    def __init__(self, source: BinaryIO, size: int, caps: ArchiveCaps,
                 findings: FindingsCollector, prefix: str, candidate: str | None,
                 unreadable_code: str | None) -> None:
        self.source, self.size, self.caps = source, size, caps
        self.findings, self.prefix, self.candidate = findings, prefix, candidate
        self.unreadable_code = unreadable_code

    def unreadable(self, code: str, detail: str) -> None:
        """The archive cannot be opened at all."""
        if self.unreadable_code is None:
            self.report(code, detail=detail)
        else:
            self.report(self.unreadable_code, detail=f"not a readable ZIP package: {detail}")

    def report(self, code: str, member: str | None = None, **params: object) -> None:
        location = self.prefix + member if member is not None else self.prefix.rstrip("!") or None
        self.findings.add(code, member=location, candidate=self.candidate, params=params)

    def open(self) -> CheckedArchive | None:
        archive_bytes = _ArchiveBytes(self.source, self.size)
        head = archive_bytes.at(0, 4)
        looks_like_zip = head.startswith(b"PK")
        end = _end_record(archive_bytes)
        if end is None:
            if looks_like_zip:
                self.unreadable("ZIP-TRUNCATED", "no end of central directory record")
            else:
                self.unreadable("ZIP-NOT-ZIP", f"it starts with {head!r}")
            return None
        if end.entries > self.caps.member_count:
            self.report("LIMIT-MEMBER-COUNT", count=end.entries, limit=self.caps.member_count)
            return None
        try:
            self.source.seek(0)
            zip_file = zipfile.ZipFile(self.source)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, UnicodeDecodeError, ValueError,
                OSError, EOFError, NotImplementedError) as exc:
            # NotImplementedError: "zip file version 25.5", a version field no tool writes.
            self.unreadable("ZIP-TRUNCATED", str(exc))
            return None
        try:
            return self._check_members(zip_file.infolist(), end, archive_bytes)
        finally:
            # Its central directory is all that was wanted: reads go through CheckedArchive,
            # and a ZipFile given a file object leaves that file open.
            zip_file.close()

    def _check_members(self, infos: list[zipfile.ZipInfo], end: _EndRecord,
                       archive_bytes: _ArchiveBytes) -> CheckedArchive | None:
        if len(infos) > self.caps.member_count:
            self.report("LIMIT-MEMBER-COUNT", count=len(infos), limit=self.caps.member_count)
            return None
        # orig_filename: zipfile's filename is cut at a NUL (and has os.sep replaced), which
        # would hide the very characters the PATH-* rules look for.
        decoded = [decode_member_name(info.orig_filename, info.flag_bits) for info in infos]
        names = [d.name for d in decoded]
        readable: list[int] = []  # indexes into infos
        refused: set[str] = set()
        declared_total = 0
        for index, info in enumerate(infos):
            declared_total += info.file_size
            if self._check_member(info, names[index], decoded[index].guessed_encoding):
                readable.append(index)
            else:
                refused.add(names[index])
        data_starts = self._check_layout(infos, names, end, archive_bytes)
        if declared_total > self.caps.total_size:
            self.report("LIMIT-TOTAL-SIZE", size=declared_total, limit=self.caps.total_size)
            return None
        if data_starts is None:
            return None
        members = [Member(infos[i], names[i], data_starts[i]) for i in readable]
        return CheckedArchive(self.source, members, refused, self.caps)

    def _check_member(self, info: zipfile.ZipInfo, name: str, guessed: str | None) -> bool:
        problems = name_problems(name)
        shown = repr(name) if "PATH-CONTROL" in problems else name
        for code in problems:
            self.report(code, name, name=shown)
        if guessed is not None:
            self.report("PATH-ENCODING", name, name=name, encoding=guessed)
        ok = not problems
        if is_symlink(info.external_attr):
            self.report("PATH-SYMLINK", name, name=shown)
            ok = False
        if info.flag_bits & (_ENCRYPTED_FLAG | _STRONG_ENCRYPTION_FLAG):
            # AES members also carry method 99: one finding says it all.
            self.report("ZIP-ENCRYPTED", name)
            ok = False
        elif info.compress_type not in SUPPORTED_METHODS:
            self.report("ZIP-METHOD", name, method=info.compress_type)
            ok = False
        if info.file_size > self.caps.member_size:
            self.report("LIMIT-MEMBER-SIZE", name, size=info.file_size, limit=self.caps.member_size)
            ok = False
        # Not elif: a member may break both limits, and every finding is reported at once.
        if (info.file_size > self.caps.ratio_min_size
              and info.file_size > self.caps.ratio * max(info.compress_size, 1)):
            ratio = info.file_size // max(info.compress_size, 1)
            self.report("LIMIT-RATIO", name, ratio=ratio, limit=self.caps.ratio)
            ok = False
        return ok

    def _check_layout(self, infos: list[zipfile.ZipInfo], names: list[str], end: _EndRecord,
                      archive_bytes: _ArchiveBytes) -> list[int] | None:
        """Where each member's data starts (in ``infos`` order); None when a local header
        disagrees with the central directory or a member overlaps the next."""
        ok = True
        data_starts = [0] * len(infos)
        ordered = sorted(range(len(infos)), key=lambda i: infos[i].header_offset)
        for position, index in enumerate(ordered):
            info, name = infos[index], names[index]
            field_name, data_start = _local_header(archive_bytes, info)
            if field_name is not None:
                self.report("ZIP-HEADER-MISMATCH", name, field=field_name)
                ok = False
                continue
            data_starts[index] = data_start
            data_end = data_start + info.compress_size
            if position + 1 < len(ordered):
                following = ordered[position + 1]
                if data_end > infos[following].header_offset:
                    self.report("ZIP-OVERLAP", name, other=f"member '{names[following]}'")
                    ok = False
            elif data_end > end.central_directory_start:
                if data_end > self.size:
                    self.report("ZIP-TRUNCATED", name, detail="member data runs past the end")
                else:
                    self.report("ZIP-OVERLAP", name, other="the central directory")
                ok = False
        return data_starts if ok else None


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
