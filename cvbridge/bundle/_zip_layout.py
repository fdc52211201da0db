"""The members' local headers, data and data descriptors, laid end to end.

A standard archive is its members, one after the other from byte 0, then the central
directory: any byte that belongs to no member (prepended data, a gap) or to two (an overlap)
means the archive can be read more than one way, and is refused. A member's local header must
say what its central record says (name, method, flags, CRC and sizes, or zeros when a data
descriptor follows), and its data descriptor must repeat the central record's CRC and sizes.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence

from cvbridge._i18n import LazyText
from cvbridge.bundle._zip_bytes import ArchiveBytes, ArchiveProblem
from cvbridge.bundle._zip_directory import CentralEntry, extra_fields, zip64_values
from cvbridge.bundle._zip_end import EndRecord

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
_DESCRIPTOR_SIGNATURE = b"PK\x07\x08"
_NARROW = struct.Struct("<III")
_WIDE = struct.Struct("<IQQ")
_ZIP64_EXTRA = 0x0001
_MARK32 = 0xFFFFFFFF
DATA_DESCRIPTOR_FLAG = 0x08
# Flags that change how a member is read or named: both headers must agree on them.
_COMPARED_FLAGS = 0x0001 | DATA_DESCRIPTOR_FLAG | 0x0040 | 0x0800

Report = Callable[..., None]  # report(code, member name or None, **params)


class _Mismatch(Exception):
    def __init__(self, field_name: LazyText) -> None:
        super().__init__(field_name)
        self.field_name = field_name


def _local_header(archive: ArchiveBytes, entry: CentralEntry) -> tuple[int, bool]:
    """Where the member's data starts, and whether its local header has zip64 sizes; raises
    _Mismatch naming the first field on which the local header contradicts the central one."""
    # The header and the name the central record expects, in one read.
    header = archive.at(entry.header_offset, _LOCAL.size + len(entry.raw_name))
    if len(header) < _LOCAL.size or header[:4] != _LOCAL_SIGNATURE:
        raise _Mismatch(LazyText(
            "signature (no local header at the offset the central directory gives)"))
    (_, _, flags, method, _, _, crc, compressed, uncompressed, name_length,
     extra_length) = _LOCAL.unpack_from(header)
    if name_length != len(entry.raw_name) or header[_LOCAL.size:] != entry.raw_name:
        raise _Mismatch(LazyText("name"))
    if method != entry.compress_type:
        raise _Mismatch(LazyText("compression method"))
    if (flags ^ entry.flag_bits) & _COMPARED_FLAGS:
        raise _Mismatch(LazyText("flags ({local} against {central})", local=format(flags, "#06x"),
                                 central=format(entry.flag_bits, "#06x")))
    name_start = entry.header_offset + _LOCAL.size
    data_start = name_start + name_length + extra_length
    wide = False
    if extra_length:
        extra = extra_fields(archive.at(name_start + name_length, extra_length))
        wide = _ZIP64_EXTRA in extra
        if compressed == _MARK32 or uncompressed == _MARK32:
            # A local zip64 field holds both sizes, uncompressed first.
            try:
                values = zip64_values(extra.get(_ZIP64_EXTRA), ["uncompressed size",
                                                                "compressed size"], "")
            except ArchiveProblem as exc:
                raise _Mismatch(LazyText(
                    "sizes (the zip64 extra field is missing or short)")) from exc
            uncompressed, compressed = values["uncompressed size"], values["compressed size"]
    if flags & DATA_DESCRIPTOR_FLAG:
        # A streaming writer knows neither CRC nor sizes yet: zeros, or the right values.
        if crc not in (0, entry.crc):
            raise _Mismatch(LazyText("CRC-32"))
        if compressed not in (0, entry.compress_size):
            raise _Mismatch(LazyText("compressed size"))
        if uncompressed not in (0, entry.file_size):
            raise _Mismatch(LazyText("uncompressed size"))
    elif crc != entry.crc:
        raise _Mismatch(LazyText("CRC-32"))
    elif compressed != entry.compress_size:
        raise _Mismatch(LazyText("compressed size"))
    elif uncompressed != entry.file_size:
        raise _Mismatch(LazyText("uncompressed size"))
    return data_start, wide


def _descriptor_end(archive: ArchiveBytes, entry: CentralEntry, data_end: int, wide: bool,
                    limit: int) -> int:
    """Where the member's data descriptor ends; ArchiveProblem when it is missing or says
    something else than the central directory."""
    signed = archive.at(data_end, 4) == _DESCRIPTOR_SIGNATURE
    layout = _WIDE if wide or entry.zip64 else _NARROW
    start = data_end + (4 if signed else 0)
    body = archive.at(start, layout.size)
    if len(body) < layout.size or start + layout.size > limit:
        raise ArchiveProblem("ZIP-DESCRIPTOR-MISMATCH", offset=data_end,
                             detail=LazyText("the data descriptor the flags announce is not "
                                             "there"))
    crc, compressed, uncompressed = layout.unpack(body)
    if (crc, compressed, uncompressed) != (entry.crc, entry.compress_size, entry.file_size):
        raise ArchiveProblem(
            "ZIP-DESCRIPTOR-MISMATCH", offset=data_end,
            detail=LazyText("it gives CRC-32 {crc} and sizes {compressed}/{uncompressed}, the "
                            "central directory {central_crc} and "
                            "{central_compressed}/{central_uncompressed}", crc=format(crc, "08x"),
                            compressed=compressed, uncompressed=uncompressed,
                            central_crc=format(entry.crc, "08x"),
                            central_compressed=entry.compress_size,
                            central_uncompressed=entry.file_size))
    return start + layout.size


def check_layout(archive: ArchiveBytes, entries: Sequence[CentralEntry], names: Sequence[str],
                 end: EndRecord, report: Report) -> list[int] | None:
    """Where each member's data starts (in ``entries`` order); None when any byte before the
    central directory belongs to no member or to two, or a header disagrees."""
    ok = True
    # Once a local header cannot be trusted, where its member ends is unknown: a "gap" after
    # it would be noise.
    gaps_known = True
    data_starts = [0] * len(entries)
    ordered = sorted(range(len(entries)), key=lambda i: entries[i].header_offset)
    cursor = 0  # where the next member must start
    previous: int | None = None
    for index in ordered:
        entry, name = entries[index], names[index]
        if entry.header_offset > cursor and gaps_known:
            if previous is None:
                report("ZIP-PREPENDED", None, count=entry.header_offset, offset=0)
            else:
                report("ZIP-GAP", None, count=entry.header_offset - cursor, offset=cursor)
            ok = False
        elif entry.header_offset < cursor and previous is not None:
            report("ZIP-OVERLAP", names[previous], other=LazyText("member '{name}'", name=name))
            ok = False
        try:
            data_start, wide = _local_header(archive, entry)
        except _Mismatch as exc:
            report("ZIP-HEADER-MISMATCH", name, field=exc.field_name)
            ok = gaps_known = False
            cursor = max(cursor, entry.header_offset + 1)
            continue
        data_starts[index] = data_start
        member_end = data_start + entry.compress_size
        if entry.flag_bits & DATA_DESCRIPTOR_FLAG:
            try:
                member_end = _descriptor_end(archive, entry, member_end, wide, end.cd_offset)
            except ArchiveProblem as exc:
                report(exc.code, name, **exc.params)
                ok = gaps_known = False
        cursor = max(cursor, member_end)
        previous = index
    if cursor > end.cd_offset and previous is not None:
        report("ZIP-OVERLAP", names[previous], other=LazyText("the central directory"))

        ok = False
    elif cursor < end.cd_offset and gaps_known:
        if previous is None:
            report("ZIP-PREPENDED", None, count=end.cd_offset, offset=0)
        else:
            report("ZIP-GAP", None, count=end.cd_offset - cursor, offset=cursor)
        ok = False
    return data_starts if ok else None
