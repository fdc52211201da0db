"""Minimal writer of Compound File Binary (OLE2) files, version 3 (512-byte sectors).

olefile reads these files but cannot create them. This writer supports nested
storages, the mini stream for streams under 4096 bytes, and enough FAT sectors
for a few megabytes, which is all the samples need.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")

_STORAGE, _STREAM, _ROOT = 1, 2, 5
_RED, _BLACK = 0, 1


@dataclass
class Storage:
    """A storage: named streams and sub-storages. The root storage has no name."""

    name: str = "Root Entry"
    streams: dict[str, bytes] = field(default_factory=dict)
    storages: dict[str, Storage] = field(default_factory=dict)
    clsid: bytes = bytes(16)


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    clsid: bytes = bytes(16)
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = _BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _sort_key(name: str) -> tuple[int, str]:
    """Directory order of MS-CFB: shorter names first, then by upper-cased name."""
    return len(name), name.upper()


def _flatten(storage: Storage, entries: list[_Entry], index: int) -> None:
    """Append the children of ``storage`` (entry ``index``) and link them as a tree."""
    children: list[tuple[str, int]] = []
    for name, data in storage.streams.items():
        entries.append(_Entry(name, _STREAM, data=data))
        children.append((name, len(entries) - 1))
    for name, sub in storage.storages.items():
        entries.append(_Entry(name, _STORAGE, clsid=sub.clsid))
        children.append((name, len(entries) - 1))
        _flatten(sub, entries, len(entries) - 1)
    children.sort(key=lambda item: _sort_key(item[0]))
    ids = [i for _, i in children]
    depth = _tree_depth(len(ids))
    entries[index].child = _link(entries, ids, 0, depth)


def _tree_depth(count: int) -> int:
    depth = 0
    while (1 << depth) - 1 < count:
        depth += 1
    return depth


def _link(entries: list[_Entry], ids: list[int], level: int, depth: int) -> int:
    """Balanced binary tree; nodes on an incomplete last level are red (valid red-black)."""
    if not ids:
        return NOSTREAM
    middle = len(ids) // 2
    node = entries[ids[middle]]
    node.left = _link(entries, ids[:middle], level + 1, depth)
    node.right = _link(entries, ids[middle + 1 :], level + 1, depth)
    node.color = _RED if level == depth - 1 and level > 0 else _BLACK
    return ids[middle]


def _direntry(e: _Entry) -> bytes:
    encoded = e.name.encode("utf-16-le")
    if len(encoded) > 62:
        raise ValueError(f"CFB name too long: {e.name!r}")
    name_len = len(encoded) + 2 if e.name else 0
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBBIII", name_len, e.kind, e.color, e.left, e.right, e.child)
        + e.clsid
        + struct.pack("<IQQIQ", 0, 0, 0, e.start, e.size)
    )


def _empty_direntry() -> bytes:
    return bytes(64) + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + bytes(48)


def _pad(data: bytes, unit: int) -> bytes:
    return data + bytes(-len(data) % unit)


def build_cfb(root: Storage) -> bytes:
    entries = [_Entry("Root Entry", _ROOT, clsid=root.clsid)]
    _flatten(root, entries, 0)

    # Mini stream: every stream under the cutoff, in 64-byte sectors.
    mini = bytearray()
    minifat: list[int] = []
    for e in entries:
        if e.kind == _STREAM and 0 < len(e.data) < MINI_CUTOFF:
            first = len(mini) // MINI_SECTOR
            count = -(-len(e.data) // MINI_SECTOR)
            minifat += [first + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
            mini += _pad(e.data, MINI_SECTOR)
            e.start, e.size = first, len(e.data)

    # Regular sectors, in order: directory, mini FAT, mini stream, big streams.
    chains: list[tuple[bytes, int]] = []  # (padded data, sector count)

    def add_chain(data: bytes) -> int:
        padded = _pad(data, SECTOR)
        first = sum(n for _, n in chains)
        chains.append((padded, len(padded) // SECTOR))
        return first

    dir_bytes = b"".join(_direntry(e) for e in entries)
    dir_bytes += _empty_direntry() * (-len(entries) % (SECTOR // 128))
    dir_first = add_chain(dir_bytes)
    minifat_first = ENDOFCHAIN
    if minifat:
        minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat)
        minifat_bytes += b"\xff" * (-len(minifat_bytes) % SECTOR)
        minifat_first = add_chain(minifat_bytes)
    if mini:
        entries[0].start, entries[0].size = add_chain(bytes(mini)), len(mini)
    for e in entries:
        if e.kind == _STREAM and len(e.data) >= MINI_CUTOFF:
            e.start, e.size = add_chain(e.data), len(e.data)

    body_sectors = sum(n for _, n in chains)
    fat_count = 1
    while fat_count * (SECTOR // 4) < body_sectors + fat_count:
        fat_count += 1
    if fat_count > 109:
        raise ValueError("file too large for this minimal CFB writer")

    # Shift every chain behind the FAT sectors and write the FAT.
    fat = [FATSECT] * fat_count
    position = fat_count
    for _, count in chains:
        fat += [position + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        position += count
    fat += [FREESECT] * (fat_count * (SECTOR // 4) - len(fat))
    for e in entries:
        if e.start != ENDOFCHAIN and not (e.kind == _STREAM and e.size < MINI_CUTOFF):
            e.start += fat_count
    for e in entries:
        if e.kind == _STORAGE:
            e.start = 0
    dir_first += fat_count
    if minifat_first != ENDOFCHAIN:
        minifat_first += fat_count
    dir_bytes = b"".join(_direntry(e) for e in entries)
    dir_bytes += _empty_direntry() * (-len(entries) % (SECTOR // 128))
    chains[0] = (_pad(dir_bytes, SECTOR), chains[0][1])

    difat = list(range(fat_count)) + [FREESECT] * (109 - fat_count)
    header = (
        _SIGNATURE
        + bytes(16)
        + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack(
            "<IIIIIIIII",
            0,
            fat_count,
            dir_first,
            0,
            MINI_CUTOFF,
            minifat_first,
            -(-len(minifat) * 4 // SECTOR) if minifat else 0,
            ENDOFCHAIN,
            0,
        )
        + struct.pack("<109I", *difat)
    )
    return header + struct.pack(f"<{len(fat)}I", *fat) + b"".join(data for data, _ in chains)
