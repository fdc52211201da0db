"""A ZIP archive opened for reading only after its structure has been checked.

Used for the bundle itself and for every .docx inside it (a .docx is a ZIP too). The checks
run on headers before a single member is inflated: entry count, declared sizes and ratios,
local/central header agreement, and members that overlap (the shape of "better zip bombs").
Every read is then capped by a byte budget whatever the headers say.
"""

from __future__ import annotations

import copy
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from cvbridge._paths import decode_member_name, has_control_character, is_symlink, name_problems
from cvbridge._report import FindingsCollector

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
_STRONG_ENCRYPTION_FLAG = 0x40
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


# NotImplementedError: flag bits zipfile cannot read (patched data); RuntimeError: encryption.
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
               RuntimeError)


def member_read_error(exc: BaseException) -> MemberReadError:
    """The finding for an exception raised while inflating a member."""
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in str(exc):
        return MemberReadError("ZIP-CRC", detail=str(exc))
    return MemberReadError("ZIP-TRUNCATED", detail=str(exc) or type(exc).__name__)


@dataclass(frozen=True)
class _EndRecord:
    entries: int
    central_directory_start: int


@dataclass
class CheckedArchive:
    """An archive whose headers passed; ``members`` are the entries that may be read."""

    zip_file: zipfile.ZipFile
    members: list[Member]
    # Names reported as dangerous or unreadable: a reference to them is not "missing".
    refused: set[str]
    caps: ArchiveCaps
    inflated: int = field(default=0)

    def read(self, member: Member, cap: int) -> bytes:
        """Inflate one member, never more than ``cap`` bytes nor past the total budget.

        zipfile stops at the size the central directory declares and silently drops what a
        member inflates beyond it. The read goes through a copy of the entry with no size
        limit of its own, and asks for one byte more than the member may have: a member that
        inflates past its declared size shows as ZIP-SIZE-MISMATCH instead of being cut, and
        the CRC is still checked whenever the data ends within the read.
        """
        budget = max(0, min(cap, self.caps.total_size - self.inflated))
        wanted = min(budget, member.info.file_size) + 1
        probe = copy.copy(member.info)
        probe.file_size = _UNBOUNDED
        try:
            with self.zip_file.open(probe) as stream:
                data = stream.read(wanted)
        except READ_ERRORS as exc:
            raise member_read_error(exc) from exc
        self.inflated += len(data)
        if len(data) > budget:
            if budget < cap:
                raise MemberReadError("LIMIT-TOTAL-SIZE", size=self.inflated,
                                      limit=self.caps.total_size)
            raise MemberReadError("LIMIT-MEMBER-SIZE", size=f"more than {cap}", limit=cap)
        if len(data) != member.info.file_size:
            raise MemberReadError("ZIP-SIZE-MISMATCH", declared=member.info.file_size)
        return data

    def close(self) -> None:
        self.zip_file.close()


def _read_at(source: BinaryIO, offset: int, length: int) -> bytes:
    """Bytes at an offset taken from the archive itself: nothing when it points nowhere."""
    if offset < 0:  # zipfile shifts offsets by its guess of prepended data: may go negative
        return b""
    try:
        source.seek(offset)
    except (OSError, OverflowError):  # beyond what the file system can seek to
        return b""
    return source.read(length)


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


def _end_record(source: BinaryIO, size: int) -> _EndRecord | None:
    """Read the end of central directory record ourselves, before zipfile parses anything."""
    tail_start = max(0, size - _EOCD.size - _MAX_COMMENT)
    tail = _read_at(source, tail_start, size - tail_start)
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


def _local_header(source: BinaryIO, info: zipfile.ZipInfo) -> tuple[str | None, int]:
    """Where the member's data ends, and the first field on which its local header
    contradicts the central directory (None when they agree)."""
    header = _read_at(source, info.header_offset, _LOCAL_HEADER.size)
    if len(header) < _LOCAL_HEADER.size:
        return "presence (the local header is outside the file)", 0
    (signature, _, flags, method, _, _, crc, compressed, uncompressed, name_length,
     extra_length) = _LOCAL_HEADER.unpack(header)
    data_end = (info.header_offset + _LOCAL_HEADER.size + name_length + extra_length
                + info.compress_size)
    if signature != _LOCAL_SIGNATURE:
        return "signature", data_end
    encoding = "utf-8" if flags & 0x800 else "cp437"
    if source.read(name_length).decode(encoding, errors="replace") != info.orig_filename:
        return "name", data_end
    if method != info.compress_type:
        return "compression method", data_end
    if not flags & _DATA_DESCRIPTOR_FLAG:
        if crc != info.CRC:
            return "CRC-32", data_end
        if compressed not in (_ZIP64_MARK, info.compress_size):
            return "compressed size", data_end
        if uncompressed not in (_ZIP64_MARK, info.file_size):
            return "uncompressed size", data_end
    return None, data_end


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
        head = _read_at(self.source, 0, 4)
        looks_like_zip = head.startswith(b"PK")
        end = _end_record(self.source, self.size)
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
        archive = self._check_members(zip_file, end)
        if archive is None:
            zip_file.close()
        return archive

    def _check_members(self, zip_file: zipfile.ZipFile, end: _EndRecord) -> CheckedArchive | None:
        infos = zip_file.infolist()
        if len(infos) > self.caps.member_count:
            self.report("LIMIT-MEMBER-COUNT", count=len(infos), limit=self.caps.member_count)
            return None
        readable: list[Member] = []
        refused: set[str] = set()
        declared_total = 0
        for info in infos:
            # orig_filename: zipfile's filename is cut at a NUL (and has os.sep replaced),
            # which would hide the very characters the PATH-* rules look for.
            decoded = decode_member_name(info.orig_filename, info.flag_bits)
            name = decoded.name
            member_ok = self._check_member(info, name, decoded.guessed_encoding)
            declared_total += info.file_size
            if member_ok:
                readable.append(Member(info, name))
            else:
                refused.add(name)
        structure_ok = self._check_layout(infos, end)
        if declared_total > self.caps.total_size:
            self.report("LIMIT-TOTAL-SIZE", size=declared_total, limit=self.caps.total_size)
            structure_ok = False
        if not structure_ok:
            return None
        return CheckedArchive(zip_file, readable, refused, self.caps)

    def _check_member(self, info: zipfile.ZipInfo, name: str, guessed: str | None) -> bool:
        shown = repr(name) if has_control_character(name) else name
        problems = name_problems(name)
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

    def _check_layout(self, infos: list[zipfile.ZipInfo], end: _EndRecord) -> bool:
        """Local headers agree with the central directory and no member overlaps the next."""
        ok = True
        ordered = sorted(infos, key=lambda info: info.header_offset)
        for index, info in enumerate(ordered):
            name = decode_member_name(info.orig_filename, info.flag_bits).name
            field_name, data_end = _local_header(self.source, info)
            if field_name is not None:
                self.report("ZIP-HEADER-MISMATCH", name, field=field_name)
                ok = False
                continue
            if index + 1 < len(ordered):
                following = ordered[index + 1]
                if data_end > following.header_offset:
                    other = decode_member_name(following.orig_filename, following.flag_bits).name
                    self.report("ZIP-OVERLAP", name, other=f"member '{other}'")
                    ok = False
            elif data_end > end.central_directory_start:
                if data_end > self.size:
                    self.report("ZIP-TRUNCATED", name, detail="member data runs past the end")
                else:
                    self.report("ZIP-OVERLAP", name, other="the central directory")
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
