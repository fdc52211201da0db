"""Byte-level ZIP writer.

:mod:`zipfile` cannot write most of the hostile archives the conformance corpus
needs (headers that disagree, members sharing a local header, cp850 names without
the UTF-8 flag, symlinks, ZipCrypto...), and its output depends on the clock.
This module writes every byte itself, so that archives are reproducible and any
field can be bent on purpose.
"""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import BinaryIO

STORED = 0
DEFLATED = 8
BZIP2 = 12
LZMA = 14

FLAG_ENCRYPTED = 0x0001
FLAG_DATA_DESCRIPTOR = 0x0008
FLAG_UTF8 = 0x0800

DateTime = tuple[int, int, int, int, int, int]
BUNDLE_DATE: DateTime = (2026, 1, 1, 0, 0, 0)
#: Word writes 1980-01-01 00:00 for every part of a .docx.
OOXML_DATE: DateTime = (1980, 1, 1, 0, 0, 0)

UNIX = 3
FILE_ATTR = (0o100644 << 16) | 0x20
DIR_ATTR = (0o040755 << 16) | 0x10
SYMLINK_ATTR = 0o120777 << 16

_LOCAL_SIG = b"PK\x03\x04"
_CENTRAL_SIG = b"PK\x01\x02"
_END_SIG = b"PK\x05\x06"
_DESCRIPTOR_SIG = b"PK\x07\x08"
_ZIP64_END_SIG = b"PK\x06\x06"
_ZIP64_LOCATOR_SIG = b"PK\x06\x07"
_ZIP64_MARK = 0xFFFFFFFF


def deflate(data: bytes, level: int = 6) -> bytes:
    """Raw deflate stream, as stored in a ZIP member."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


def _lzma_zip(data: bytes) -> bytes:
    """LZMA as ZIP method 14 stores it: version, properties size, properties, raw stream."""
    filters: list[dict[str, int]] = [{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 16}]
    props: bytes = lzma._encode_filter_properties(filters[0])  # type: ignore[attr-defined]
    raw = lzma.compress(data, format=lzma.FORMAT_RAW, filters=filters)
    return struct.pack("<BBH", 9, 4, len(props)) + props + raw


def compress(data: bytes, method: int) -> bytes:
    if method == STORED:
        return data
    if method == DEFLATED:
        return deflate(data)
    if method == BZIP2:
        return bz2.compress(data, 9)
    if method == LZMA:
        return _lzma_zip(data)
    raise ValueError(f"no compressor for method {method}")


def dos_datetime(value: DateTime) -> tuple[int, int]:
    year, month, day, hour, minute, second = value
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


# --- ZipCrypto (traditional PKWARE encryption) ------------------------------------------


def _crc_table() -> list[int]:
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc_table()


def zipcrypto_encrypt(payload: bytes, password: bytes, crc: int, header_seed: bytes) -> bytes:
    """Encrypt an (already compressed) payload; ``header_seed`` gives the 11 random bytes."""
    keys = [0x12345678, 0x23456789, 0x34567890]

    def update(byte: int) -> None:
        keys[0] = (keys[0] >> 8) ^ _CRC_TABLE[(keys[0] ^ byte) & 0xFF]
        keys[1] = ((keys[1] + (keys[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        keys[2] = (keys[2] >> 8) ^ _CRC_TABLE[(keys[2] ^ (keys[1] >> 24)) & 0xFF]

    for byte in password:
        update(byte)
    out = bytearray()
    for plain in header_seed[:11] + bytes([crc >> 24]) + payload:
        temp = (keys[2] | 2) & 0xFFFF
        out.append(plain ^ (((temp * (temp ^ 1)) >> 8) & 0xFF))
        update(plain)
    return bytes(out)


# --- Members ----------------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderPatch:
    """Values written in the local header instead of the member's true ones."""

    name: bytes | None = None
    crc: int | None = None
    compress_size: int | None = None
    file_size: int | None = None
    method: int | None = None
    flags: int | None = None


@dataclass(frozen=True)
class Member:
    """One archive entry: the central directory record and (usually) its local header."""

    name: bytes
    payload: bytes
    crc: int
    file_size: int
    compress_size: int
    method: int = DEFLATED
    flags: int = 0
    date_time: DateTime = BUNDLE_DATE
    create_system: int = UNIX
    create_version: int = 30
    extract_version: int = 20
    external_attr: int = FILE_ATTR
    zip64: bool = False
    #: Streamed shape: CRC and sizes zero in the local header, then a data descriptor.
    streamed: bool = False
    local: HeaderPatch = field(default_factory=HeaderPatch)
    #: Index of an earlier member whose local header this central record points at
    #: (no local header of its own is written): the overlap-bomb shape.
    shares_local_of: int | None = None
    #: Data descriptor shape when ``streamed``: with the PK\x07\x08 signature or without,
    #: 8-byte sizes (zip64) or 4-byte ones; ``descriptor_crc`` replaces its CRC-32.
    descriptor_signed: bool = True
    descriptor_zip64: bool = False
    descriptor_crc: int | None = None
    #: The local header offset the central record gives through a zip64 extra field
    #: (0xFFFFFFFF in the record itself), instead of the true one.
    central_zip64_offset: int | None = None


def member(
    name: str | bytes,
    data: bytes,
    *,
    method: int = DEFLATED,
    date_time: DateTime = BUNDLE_DATE,
    utf8: bool | None = None,
    external_attr: int = FILE_ATTR,
    create_system: int = UNIX,
) -> Member:
    """An honest member. A ``str`` name gets the UTF-8 flag when it is not ASCII."""
    if isinstance(name, str):
        raw = name.encode("utf-8")
        if utf8 is None:
            utf8 = not name.isascii()
    else:
        raw = name
        utf8 = bool(utf8)
    payload = compress(data, method)
    extract = {STORED: 10, DEFLATED: 20, BZIP2: 46, LZMA: 63}.get(method, 20)
    if raw.endswith(b"/"):
        extract = 20 if method == DEFLATED else 10
    return Member(
        name=raw,
        payload=payload,
        crc=zlib.crc32(data),
        file_size=len(data),
        compress_size=len(payload),
        method=method,
        flags=FLAG_UTF8 if utf8 else 0,
        date_time=date_time,
        create_system=create_system,
        extract_version=extract,
        external_attr=external_attr,
    )


def ooxml_member(name: str, data: bytes, method: int = DEFLATED) -> Member:
    """A part of a .docx as Word zips it: 1980-01-01, MS-DOS host, no attributes."""
    return member(name, data, method=method, date_time=OOXML_DATE, create_system=0,
                  external_attr=0)


def streamed(m: Member) -> Member:
    """The member as a streaming writer (Java's ZipOutputStream, ``zip -``) stores it."""
    return replace(m, streamed=True, flags=m.flags | FLAG_DATA_DESCRIPTOR)


def directory(name: str) -> Member:
    return member(name.rstrip("/") + "/", b"", method=STORED, external_attr=DIR_ATTR)


def encrypted(m: Member, password: bytes, seed: bytes) -> Member:
    """The same member, ZipCrypto-encrypted (flag bit 0 set in both headers)."""
    payload = zipcrypto_encrypt(m.payload, password, m.crc, seed)
    return replace(m, payload=payload, compress_size=len(payload), flags=m.flags | FLAG_ENCRYPTED)


def _zip64_extra(file_size: int, compress_size: int, offset: int | None = None) -> bytes:
    body = struct.pack("<QQ", file_size, compress_size)
    if offset is not None:
        body += struct.pack("<Q", offset)
    return struct.pack("<HH", 1, len(body)) + body


def local_header(m: Member) -> bytes:
    p = m.local
    name = m.name if p.name is None else p.name
    crc = m.crc if p.crc is None else p.crc
    csize = m.compress_size if p.compress_size is None else p.compress_size
    usize = m.file_size if p.file_size is None else p.file_size
    method = m.method if p.method is None else p.method
    flags = m.flags if p.flags is None else p.flags
    extra = b""
    version = m.extract_version
    if m.zip64:
        extra = _zip64_extra(usize, csize)
        csize = usize = _ZIP64_MARK
        version = max(version, 45)
    if m.streamed:
        crc = csize = usize = 0
    dos_time, dos_date = dos_datetime(m.date_time)
    return (
        struct.pack(
            "<4sHHHHHIIIHH",
            _LOCAL_SIG,
            version,
            flags,
            method,
            dos_time,
            dos_date,
            crc,
            csize,
            usize,
            len(name),
            len(extra),
        )
        + name
        + extra
    )


def central_header(m: Member, offset: int) -> bytes:
    csize, usize, extra = m.compress_size, m.file_size, b""
    version = m.extract_version
    if m.zip64:
        extra = _zip64_extra(usize, csize)
        csize = usize = _ZIP64_MARK
        version = max(version, 45)
    if m.central_zip64_offset is not None:
        body = (struct.pack("<QQ", m.file_size, m.compress_size) if m.zip64 else b"")
        body += struct.pack("<Q", m.central_zip64_offset)
        extra = struct.pack("<HH", 1, len(body)) + body
        offset = _ZIP64_MARK
        version = max(version, 45)
    dos_time, dos_date = dos_datetime(m.date_time)
    return (
        struct.pack(
            "<4sBBHHHHHIIIHHHHHII",
            _CENTRAL_SIG,
            max(m.create_version, version),
            m.create_system,
            version,
            m.flags,
            m.method,
            dos_time,
            dos_date,
            m.crc,
            csize,
            usize,
            len(m.name),
            len(extra),
            0,
            0,
            0,
            m.external_attr,
            offset,
        )
        + m.name
        + extra
    )


def data_descriptor(m: Member) -> bytes:
    crc = m.crc if m.descriptor_crc is None else m.descriptor_crc
    sizes = (struct.pack("<QQ", m.compress_size, m.file_size) if m.descriptor_zip64
             else struct.pack("<II", m.compress_size, m.file_size))
    return (_DESCRIPTOR_SIG if m.descriptor_signed else b"") + struct.pack("<I", crc) + sizes


def end_record(count: int, cd_size: int, cd_offset: int, comment: bytes = b"") -> bytes:
    return (
        struct.pack("<4sHHHHIIH", _END_SIG, 0, 0, count, count, cd_size, cd_offset, len(comment))
        + comment
    )


class ZipWriter:
    """Streams members to a binary file; ``skip`` leaves holes (sparse zero data)."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.pos = 0
        self.offsets: list[int] = []
        self.members: list[Member] = []

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.pos += len(data)

    def add(self, m: Member) -> None:
        if m.shares_local_of is not None:
            self.offsets.append(self.offsets[m.shares_local_of])
        else:
            self.offsets.append(self.pos)
            self._write(local_header(m))
            self._write(m.payload)
            if m.streamed:
                self._write(data_descriptor(m))
        self.members.append(m)

    def pad(self, data: bytes) -> None:
        """Bytes that belong to no member (a gap, or a stub before the first one)."""
        self._write(data)

    def add_zero_filled(self, m: Member) -> None:
        """A stored member whose ``file_size`` bytes are all zero, written as a hole."""
        self.offsets.append(self.pos)
        self._write(local_header(m))
        self.pos += m.compress_size
        self.out.seek(self.pos)
        self.members.append(m)

    def finish(self, comment: bytes = b"", *, zip64_entries: int | None = None,
               marks: bool = True) -> None:
        """The central directory and the end record; ``zip64_entries``: also the zip64 end
        record and locator, with that entry count (the true one, or a lie), the classic
        record holding the 0xFFFF / 0xFFFFFFFF marks (``marks``) or the true values."""
        start = self.pos
        for m, offset in zip(self.members, self.offsets, strict=True):
            self._write(central_header(m, offset))
        size = self.pos - start
        if zip64_entries is None:
            self._write(end_record(len(self.members), size, start, comment))
            return
        record_at = self.pos
        self._write(struct.pack("<4sQHHIIQQQQ", _ZIP64_END_SIG, 44, 45, 45, 0, 0,
                                zip64_entries, zip64_entries, size, start))
        self._write(struct.pack("<4sIQI", _ZIP64_LOCATOR_SIG, 0, record_at, 1))
        if not marks:
            self._write(end_record(len(self.members), size, start, comment))
            return
        self._write(struct.pack("<4sHHHHIIH", _END_SIG, 0, 0, 0xFFFF, 0xFFFF, _ZIP64_MARK,
                                _ZIP64_MARK, len(comment)) + comment)


def build_zip(members: Sequence[Member], comment: bytes = b"", *,
              zip64_entries: int | None = None, marks: bool = True) -> bytes:
    """The archive, members in the given order."""
    buffer = io.BytesIO()
    writer = ZipWriter(buffer)
    for m in members:
        writer.add(m)
    writer.finish(comment, zip64_entries=zip64_entries, marks=marks)
    return buffer.getvalue()


def sorted_members(members: Iterable[Member]) -> list[Member]:
    return sorted(members, key=lambda m: m.name)
