"""Where the central directory is: the end record, read one way only.

Readers differ in how they find the end-of-central-directory record (the last signature, the
last one whose comment fits, the one whose comment reaches the end of the file), so an archive
in which these give different answers is refused rather than read one of the ways: more than
one record that parses, a signature inside the comment, a comment that does not end exactly at
the end of the file. The zip64 end record must agree with the classic one, and the central
directory must lie exactly between the last member and the end records.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

from cvbridge._i18n import LazyText
from cvbridge.bundle._zip_bytes import ArchiveBytes, ArchiveProblem

_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD_SIGNATURE = b"PK\x05\x06"
_LOCATOR = struct.Struct("<4sIQI")
_LOCATOR_SIGNATURE = b"PK\x06\x07"
_ZIP64_END = struct.Struct("<4sQHHIIQQQQ")
_ZIP64_END_SIGNATURE = b"PK\x06\x06"
_CENTRAL_SIGNATURE = b"PK\x01\x02"
_LOCAL_SIGNATURE = b"PK\x03\x04"
_MARK16 = 0xFFFF
_MARK32 = 0xFFFFFFFF


@dataclass(frozen=True)
class EndRecord:
    entries: int
    cd_offset: int
    cd_size: int
    # Where the central directory must end: the zip64 end record, else the classic one.
    end_start: int


def _signatures(tail: bytes) -> list[int]:
    found = []
    position = tail.rfind(_EOCD_SIGNATURE)
    while position >= 0:
        found.append(position)
        position = tail.rfind(_EOCD_SIGNATURE, 0, position)
    return sorted(found)


def _record_position(archive: ArchiveBytes) -> int:
    """The offset of the one end record; ArchiveProblem when there is none or several."""
    tail, base, size = archive.tail, archive.tail_start, archive.size
    positions = _signatures(tail)
    if not positions:
        head = archive.at(0, 4)
        if not head.startswith(b"PK"):
            raise ArchiveProblem("ZIP-NOT-ZIP", detail=LazyText(
                "it starts with {head}", head=repr(head)))
        raise ArchiveProblem(
            "ZIP-TRUNCATED",
            detail=LazyText("the file ends at byte {size} with no end-of-central-directory "
                            "record in its last {tail} bytes: the central directory and the end "
                            "record (at least {record} bytes) are missing",
                            size=size, tail=len(tail), record=_EOCD.size))
    complete = [p for p in positions if len(tail) - p >= _EOCD.size]
    last = positions[-1]
    if last not in complete:
        missing = _EOCD.size - (len(tail) - last)
        raise ArchiveProblem(
            "ZIP-TRUNCATED",
            detail=LazyText("the file ends inside the end record at offset {offset}: "
                            "{missing} bytes of it are missing", offset=base + last,
                            missing=missing))
    parsing = [p for p in complete
               if p + _EOCD.size + _EOCD.unpack_from(tail, p)[7] == len(tail)]
    if len(parsing) > 1 or (parsing and parsing[0] != last):
        shown = ", ".join(str(base + p) for p in positions if p >= parsing[0])
        raise ArchiveProblem("ZIP-END-AMBIGUOUS", offsets=shown)
    if not parsing:
        declared = _EOCD.unpack_from(tail, last)[7]
        present = len(tail) - last - _EOCD.size
        offset = base + last
        if declared > present:
            raise ArchiveProblem(
                "ZIP-TRUNCATED",
                detail=LazyText("the end record at offset {offset} declares a {declared}-byte "
                                "comment and the file ends after {present}: {missing} bytes "
                                "are missing at the end", offset=offset, declared=declared,
                                present=present, missing=declared - present))
        raise ArchiveProblem("ZIP-TRAILING-DATA", count=present - declared,
                             offset=offset + _EOCD.size + declared)
    return base + last


def _zip64(archive: ArchiveBytes, eocd_offset: int, classic: tuple[int, ...]
           ) -> tuple[int, int, int, int]:
    """(entries, cd_size, cd_offset, record offset) from the zip64 end record, checked
    against the classic values (each either equal or the 'see zip64' mark)."""
    locator_offset = eocd_offset - _LOCATOR.size
    signature, disk, record_offset, disks = _LOCATOR.unpack(
        archive.at(locator_offset, _LOCATOR.size))
    if signature != _LOCATOR_SIGNATURE:
        raise ArchiveProblem("ZIP-ZIP64-MISMATCH", offset=eocd_offset,
                             detail=LazyText("the end record holds zip64 marks (0xFFFF, "
                                             "0xFFFFFFFF) but no zip64 locator precedes it"))
    if disk != 0 or disks != 1:
        raise ArchiveProblem("ZIP-SPLIT", offset=locator_offset)
    record = archive.at(record_offset, _ZIP64_END.size)
    if len(record) < _ZIP64_END.size or record_offset + _ZIP64_END.size > locator_offset:
        raise ArchiveProblem("ZIP-ZIP64-MISMATCH", offset=locator_offset,
                             detail=LazyText("the zip64 locator points at offset {offset}, "
                                             "where no zip64 end record fits",
                                             offset=record_offset))
    (signature, record_size, _, _, disk, cd_disk, disk_entries, entries, cd_size,
     cd_offset) = _ZIP64_END.unpack(record)
    if signature != _ZIP64_END_SIGNATURE:
        raise ArchiveProblem("ZIP-ZIP64-MISMATCH", offset=locator_offset,
                             detail=LazyText("there is no zip64 end record at offset {offset}, "
                                             "where the zip64 locator points",
                                             offset=record_offset))
    if record_offset + 12 + record_size != locator_offset:
        raise ArchiveProblem("ZIP-ZIP64-MISMATCH", offset=record_offset,
                             detail=LazyText("the zip64 end record declares {size} bytes but "
                                             "the locator follows at offset {offset}",
                                             size=record_size + 12, offset=locator_offset))
    if disk != 0 or cd_disk != 0:
        raise ArchiveProblem("ZIP-SPLIT", offset=record_offset)
    if disk_entries != entries:
        raise ArchiveProblem("ZIP-DIRECTORY-MISMATCH", offset=record_offset,
                             detail=LazyText("the zip64 end record counts {disk_entries} "
                                             "entries on this disk and {entries} in all",
                                             disk_entries=disk_entries, entries=entries))
    for label, value, value64, mark in (
            (LazyText("entry count"), classic[0], entries, _MARK16),
            (LazyText("central directory size"), classic[1], cd_size, _MARK32),
            (LazyText("central directory offset"), classic[2], cd_offset, _MARK32)):
        if value not in (mark, value64):
            raise ArchiveProblem("ZIP-ZIP64-MISMATCH", offset=record_offset,
                                 detail=LazyText("its {label} is {value64}, the end record's "
                                                 "{value}", label=label, value64=value64,
                                                 value=value))
    return entries, cd_size, cd_offset, record_offset


def read_end_record(archive: ArchiveBytes) -> EndRecord:
    """The end record, with the central directory's place checked against the file."""
    eocd_offset = _record_position(archive)
    (_, disk, cd_disk, disk_entries, entries, cd_size, cd_offset,
     _) = _EOCD.unpack(archive.at(eocd_offset, _EOCD.size))
    if (disk, cd_disk) != (0, 0) and _MARK16 not in (disk, cd_disk):
        raise ArchiveProblem("ZIP-SPLIT", offset=eocd_offset)
    end_start = eocd_offset
    has_locator = archive.at(eocd_offset - _LOCATOR.size, 4) == _LOCATOR_SIGNATURE
    if (has_locator or _MARK16 in (entries, disk_entries, disk, cd_disk)
            or _MARK32 in (cd_size, cd_offset)):
        entries, cd_size, cd_offset, end_start = _zip64(
            archive, eocd_offset, (entries, cd_size, cd_offset))
    elif disk_entries != entries:
        raise ArchiveProblem("ZIP-DIRECTORY-MISMATCH", offset=eocd_offset,
                             detail=LazyText("the end record counts {disk_entries} entries on "
                                             "this disk and {entries} in all",
                                             disk_entries=disk_entries, entries=entries))
    _check_directory_place(archive, entries, cd_offset, cd_size, end_start)
    return EndRecord(entries, cd_offset, cd_size, end_start)


def _check_directory_place(archive: ArchiveBytes, entries: int, cd_offset: int, cd_size: int,
                           end_start: int) -> None:
    """The central directory must end exactly where the end records start."""
    actual_start = end_start - cd_size
    if actual_start == cd_offset:
        if entries and archive.at(cd_offset, 4) != _CENTRAL_SIGNATURE:
            raise ArchiveProblem("ZIP-DIRECTORY-MISMATCH", offset=cd_offset,
                                 detail=LazyText("no central directory entry starts there"))
        return
    if actual_start < cd_offset:
        # The directory the end record describes would end past the end record itself.
        raise ArchiveProblem(
            "ZIP-TRUNCATED",
            detail=LazyText("the end record at offset {offset} places the central directory "
                            "at offsets {start} to {end}: {missing} bytes are missing before "
                            "the end record", offset=end_start, start=cd_offset,
                            end=cd_offset + cd_size, missing=cd_offset - actual_start))
    directory_there = actual_start >= 0 and archive.at(actual_start, 4) == _CENTRAL_SIGNATURE
    if directory_there and archive.at(0, 4) != _LOCAL_SIGNATURE:
        # The offsets count from a later start: bytes were put in front of the archive (a
        # self-extractor stub, or a file the archive was appended to).
        raise ArchiveProblem("ZIP-PREPENDED", count=actual_start - cd_offset, offset=0)
    if cd_offset + cd_size < end_start and archive.at(cd_offset, 4) == _CENTRAL_SIGNATURE:
        raise ArchiveProblem("ZIP-GAP", count=end_start - cd_offset - cd_size,
                             offset=cd_offset + cd_size)
    raise ArchiveProblem(
        "ZIP-DIRECTORY-MISMATCH", offset=end_start,
        detail=LazyText("the end record declares a {size}-byte central directory at offset "
                        "{offset}, which does not end where the end record starts",
                        size=cd_size, offset=cd_offset))



# What an upload still being written looks like: no end record yet, or one of a member's own
# (a stored .docx holds one) that the archive's bytes have not reached the end of.
_NO_END_RECORD = frozenset({"ZIP-NOT-ZIP", "ZIP-TRUNCATED", "ZIP-TRAILING-DATA"})


def has_end_record(path: Path) -> bool:
    """Whether the file at *path* ends with a ZIP end-of-central-directory record (the poller
    asks: a zip tool writes it last, so an upload written in place has none until done)."""
    with path.open("rb") as source:
        size = source.seek(0, os.SEEK_END)
        try:
            _record_position(ArchiveBytes(source, size))
        except ArchiveProblem as problem:
            return problem.code not in _NO_END_RECORD
    return True
