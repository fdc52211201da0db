"""The central directory, entry by entry, every field bounded by the file before it is used.

Read here rather than by :mod:`zipfile`: zipfile tolerates what cvbundle refuses (prepended
data, whose offsets it shifts by a guess; an entry count that disagrees with the directory),
and raises ValueError or struct.error on zip64 values it never checks.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from cvbridge._i18n import LazyText
from cvbridge.bundle._zip_bytes import ArchiveBytes, ArchiveProblem
from cvbridge.bundle._zip_end import EndRecord

_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_EXTRA_HEADER = struct.Struct("<HH")
_ZIP64_EXTRA = 0x0001
_UNICODE_PATH_EXTRA = 0x7075  # Info-ZIP: the UTF-8 name, with the CRC-32 of the header's name
_MARK16 = 0xFFFF
_HIGHEST_VERSION = 63  # APPNOTE 6.3, the last one; zipfile refuses higher too
_MARK32 = 0xFFFFFFFF


@dataclass(slots=True)  # not frozen: a frozen init costs a setattr call per field
class CentralEntry:
    """One central directory record, zip64 values resolved."""

    index: int
    position: int  # of the record itself, for messages
    raw_name: bytes
    flag_bits: int
    compress_type: int
    crc: int
    compress_size: int
    file_size: int
    header_offset: int
    external_attr: int
    # The Info-ZIP Unicode Path extra field's name, when its CRC matches the raw name.
    unicode_name: str | None = None
    # The entry's sizes came from a zip64 extra field (its data descriptor has 8-byte sizes).
    zip64: bool = False


def extra_fields(extra: bytes, where: LazyText | None = None) -> dict[int, bytes]:
    """The extra field's blocks by id.

    ``where`` (a central record): a block that runs past the field is ZIP-ENTRY-INVALID, as
    zipfile refuses it; fewer than 4 bytes left over are padding, as Go and Python 3.12 read
    it. Without ``where`` (a local header, which zipalign pads freely) the walk just ends."""
    blocks: dict[int, bytes] = {}
    position = 0
    while position + _EXTRA_HEADER.size <= len(extra):
        block_id, length = _EXTRA_HEADER.unpack_from(extra, position)
        start = position + _EXTRA_HEADER.size
        if start + length > len(extra):
            if where is None:
                break
            raise ArchiveProblem("ZIP-ENTRY-INVALID", where=where,
                                 detail=LazyText("its extra field block {block} declares "
                                                 "{length} bytes, {remain} remain",
                                                 block=format(block_id, "#06x"), length=length,
                                                 remain=len(extra) - start))
        blocks.setdefault(block_id, extra[start:start + length])
        position = start + length
    return blocks


def zip64_values(block: bytes | None, wanted: list[str], where: LazyText | str
                 ) -> dict[str, int]:
    """The 8-byte values a zip64 extra field holds, in the order of the fields marked
    0xFFFFFFFF (``wanted``)."""
    if not wanted:
        return {}
    if block is None or len(block) < 8 * len(wanted):
        raise ArchiveProblem("ZIP-ENTRY-INVALID", where=where,
                             detail=LazyText("its {fields} is marked 0xFFFFFFFF but its zip64 "
                                             "extra field does not hold it",
                                             fields=", ".join(wanted)))
    return {name: struct.unpack_from("<Q", block, 8 * i)[0] for i, name in enumerate(wanted)}


def _unicode_name(block: bytes | None, raw_name: bytes) -> str | None:
    if block is None or len(block) < 5 or block[0] != 1:
        return None
    if struct.unpack_from("<I", block, 1)[0] != zlib.crc32(raw_name):
        return None  # the name was changed after the field was written: it is stale
    try:
        return block[5:].decode("utf-8")
    except UnicodeDecodeError:
        return None


def _where(index: int, position: int) -> LazyText:
    return LazyText("central directory entry {number} at offset {offset}", number=index + 1,
                    offset=position)


def _entry(directory: bytes, position: int, index: int, base: int) -> tuple[CentralEntry, int]:
    if (len(directory) - position < _CENTRAL.size
            or directory[position:position + 4] != _CENTRAL_SIGNATURE):
        raise ArchiveProblem("ZIP-DIRECTORY-MISMATCH", offset=base + position,
                             detail=LazyText("{where}: no central directory entry there",
                                             where=_where(index, base + position)))
    (_, _, version_needed, flags, method, _, _, crc, compress_size, file_size, name_length,
     extra_length, comment_length, disk, _, external_attr,
     header_offset) = _CENTRAL.unpack_from(directory, position)
    start = position + _CENTRAL.size
    end = start + name_length + extra_length + comment_length
    if end > len(directory):
        raise ArchiveProblem("ZIP-DIRECTORY-MISMATCH", offset=base + position,
                             detail=LazyText("{where}: its name, extra field and comment run "
                                             "{count} bytes past the central directory",
                                             where=_where(index, base + position),
                                             count=end - len(directory)))
    if version_needed & 0xFF > _HIGHEST_VERSION:
        raise ArchiveProblem("ZIP-ENTRY-INVALID", where=_where(index, base + position),
                             detail=LazyText("it needs ZIP version {version} to be read; no "
                                             "standard tool needs more than 6.3",
                                             version=(version_needed & 0xFF) / 10))
    if disk not in (0, _MARK16):  # 0xFFFF: the disk is in the zip64 field; one disk is all
        raise ArchiveProblem("ZIP-SPLIT", offset=base + position)
    raw_name = directory[start:start + name_length]
    blocks: dict[int, bytes] = {}
    big: dict[str, int] = {}
    unicode_name = None
    if extra_length:  # most .docx parts have none: the common case costs nothing more
        where = _where(index, base + position)
        blocks = extra_fields(directory[start + name_length:start + name_length + extra_length],
                              where)
        if not raw_name.isascii():
            unicode_name = _unicode_name(blocks.get(_UNICODE_PATH_EXTRA), raw_name)
    if _MARK32 in (file_size, compress_size, header_offset):
        wanted = [label for label, value in (("uncompressed size", file_size),
                                             ("compressed size", compress_size),
                                             ("local header offset", header_offset))
                  if value == _MARK32]
        big = zip64_values(blocks.get(_ZIP64_EXTRA), wanted, _where(index, base + position))
        file_size = big.get("uncompressed size", file_size)
        compress_size = big.get("compressed size", compress_size)
        header_offset = big.get("local header offset", header_offset)
    entry = CentralEntry(index, base + position, raw_name, flags, method, crc, compress_size,
                         file_size, header_offset, external_attr, unicode_name,
                         bool(big) or _ZIP64_EXTRA in blocks)
    return entry, end


def read_directory(archive: ArchiveBytes, end: EndRecord, member_count: int,
                   setting: str = "member_count") -> list[CentralEntry]:
    """Every entry, checked against the end record's count and size and the file's size.

    Raises ArchiveProblem with LIMIT-MEMBER-COUNT once more than ``member_count`` real
    entries were read (never on a count the end record merely declares)."""
    directory = archive.at(end.cd_offset, end.cd_size)
    entries: list[CentralEntry] = []
    position = 0
    while len(entries) < end.entries:
        if len(entries) == member_count:
            raise ArchiveProblem("LIMIT-MEMBER-COUNT",
                                 count=LazyText("more than {limit}", limit=member_count),
                                 setting=setting, limit=member_count)
        if position == len(directory):
            raise ArchiveProblem("ZIP-DIRECTORY-MISMATCH", offset=end.cd_offset,
                                 detail=LazyText("the end record counts {entries} entries, the "
                                                 "central directory holds {held}",
                                                 entries=end.entries, held=len(entries)))
        entry, position = _entry(directory, position, len(entries), end.cd_offset)
        _check_bounds(archive, entry, end)
        entries.append(entry)
    if position != len(directory):
        raise ArchiveProblem("ZIP-DIRECTORY-MISMATCH", offset=end.cd_offset + position,
                             detail=LazyText("{count} bytes of the central directory follow "
                                             "its {entries} entries",
                                             count=len(directory) - position,
                                             entries=end.entries))
    return entries


def _check_bounds(archive: ArchiveBytes, entry: CentralEntry, end: EndRecord) -> None:
    if entry.header_offset + entry.compress_size < end.cd_offset:
        return
    where = _where(entry.index, entry.position)
    if entry.header_offset >= end.cd_offset:
        raise ArchiveProblem("ZIP-ENTRY-INVALID", where=where,
                             detail=LazyText("its local header offset {offset} is not before "
                                             "the central directory (offset {directory})",
                                             offset=entry.header_offset,
                                             directory=end.cd_offset))
    if entry.header_offset + entry.compress_size > end.cd_offset:
        raise ArchiveProblem("ZIP-ENTRY-INVALID", where=where,
                             detail=LazyText("its {count} bytes of data from offset {offset} "
                                             "would run past the members (the central "
                                             "directory starts at {directory}, the file is "
                                             "{size} bytes)", count=entry.compress_size,
                                             offset=entry.header_offset,
                                             directory=end.cd_offset, size=archive.size))

