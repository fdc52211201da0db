"""Header mutations of real archives: the archiver corpus (tests/corpus/archives/) and the
valid samples, with one to four of their ZIP header fields set to hostile values.

The fields are found by walking the archive from its end record, as any reader would (the
seeds are sound archives): every field of the end record, of the zip64 end record and
locator when there are any, of each central directory record and each local header, the
blocks of their extra fields (zip64 values included) and the data descriptors. A mutation
writes into one field a value chosen to break a reader: 0, all ones, the zip64 marks, 2^63,
the field's value plus or minus one, the file's size, or random bits.
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

from tests.fuzz.mutations import Case, seeds

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "archives"

_EOCD = ("<4sHHHHIIH", ["signature", "disk", "cd_disk", "disk_entries", "entries",
                        "cd_size", "cd_offset", "comment_length"])
_LOCATOR = ("<4sIQI", ["signature", "disk", "record_offset", "disks"])
_ZIP64_END = ("<4sQHHIIQQQQ", ["signature", "record_size", "made_by", "version", "disk",
                               "cd_disk", "disk_entries", "entries", "cd_size", "cd_offset"])
_CENTRAL = ("<4sHHHHHHIIIHHHHHII", ["signature", "made_by", "version", "flags", "method",
                                    "time", "date", "crc", "csize", "usize", "name_length",
                                    "extra_length", "comment_length", "disk", "internal_attr",
                                    "external_attr", "offset"])
_LOCAL = ("<4sHHHHHIIIHH", ["signature", "version", "flags", "method", "time", "date", "crc",
                            "csize", "usize", "name_length", "extra_length"])


@dataclass(frozen=True)
class Field:
    offset: int
    width: int  # bytes
    label: str


def _fields(base: int, layout: tuple[str, list[str]], where: str) -> list[Field]:
    out = []
    position = base
    for code, name in zip(struct.Struct(layout[0]).format.lstrip("<")
                          .replace("4s", "s"), layout[1], strict=True):
        width = {"s": 4, "H": 2, "I": 4, "Q": 8}[code]
        out.append(Field(position, width, f"{where}.{name}"))
        position += width
    return out


def _extra_fields(data: bytes, start: int, length: int, where: str) -> list[Field]:
    out = []
    position = start
    while position + 4 <= start + length:
        block_id, size = struct.unpack_from("<HH", data, position)
        out += [Field(position, 2, f"{where}.extra[{block_id:#06x}].id"),
                Field(position + 2, 2, f"{where}.extra[{block_id:#06x}].size")]
        out += [Field(position + 4 + 8 * i, 8, f"{where}.extra[{block_id:#06x}].q{i}")
                for i in range(size // 8) if block_id == 1]
        position += 4 + size
    return out


def _zip64_block(data: bytes, start: int, length: int) -> int:
    """Where the zip64 extra block's values start."""
    position = start
    while position + 4 <= start + length:
        block_id, size = struct.unpack_from("<HH", data, position)
        if block_id == 1:
            return position + 4
        position += 4 + size
    raise ValueError("no zip64 extra block in a record that needs one")


@functools.cache
def header_fields(data: bytes) -> tuple[Field, ...]:
    """Every header field of a sound archive."""
    end = data.rfind(b"PK\x05\x06")
    fields = _fields(end, _EOCD, "eocd")
    _, _, _, _, entries, _, cd_offset, _ = struct.unpack_from(_EOCD[0], data, end)
    locator = end - 20
    if locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":
        fields += _fields(locator, _LOCATOR, "locator")
        record = struct.unpack_from(_LOCATOR[0], data, locator)[2]
        fields += _fields(record, _ZIP64_END, "zip64_end")
        entries, _, cd_offset = struct.unpack_from("<QQQ", data, record + 32)
    position = cd_offset
    for index in range(entries):
        where = f"central[{index}]"
        fields += _fields(position, _CENTRAL, where)
        values = struct.unpack_from(_CENTRAL[0], data, position)
        name_length, extra_length, comment_length = values[10], values[11], values[12]
        fields += _extra_fields(data, position + 46 + name_length, extra_length, where)
        local = values[16]
        if local == 0xFFFFFFFF:  # in the zip64 field, after the sizes that are marked
            block = _zip64_block(data, position + 46 + name_length, extra_length)
            skip = 8 * ((values[9] == 0xFFFFFFFF) + (values[8] == 0xFFFFFFFF))
            local = struct.unpack_from("<Q", data, block + skip)[0]
        position += 46 + name_length + extra_length + comment_length
        lwhere = f"local[{index}]"
        fields += _fields(local, _LOCAL, lwhere)
        lvalues = struct.unpack_from(_LOCAL[0], data, local)
        fields += _extra_fields(data, local + 30 + lvalues[9], lvalues[10], lwhere)
        if lvalues[2] & 0x08:
            data_end = local + 30 + lvalues[9] + lvalues[10] + values[8]
            if values[8] != 0xFFFFFFFF and data[data_end:data_end + 4] == b"PK\x07\x08":
                fields += [Field(data_end + 4, 4, f"{lwhere}.descriptor.crc"),
                           Field(data_end + 8, 4, f"{lwhere}.descriptor.csize")]
    return tuple(fields)


@functools.cache
def zip_seeds() -> dict[str, bytes]:
    """The archiver corpus and the valid samples, by name."""
    # Not Info-ZIP's -fz -fd output: it is itself unsound (no zip64 end record).
    found = {f"corpus/{path.name}": path.read_bytes() for path in sorted(CORPUS.glob("*.zip"))
             if path.name != "infozip-zip64-descriptors.zip"}
    found.update({f"samples/{name}": data for name, data in seeds().items()})
    return found


def _values(original: int, width: int, size: int) -> st.SearchStrategy[int]:
    top = (1 << (8 * width)) - 1
    fixed = {0, 1, top, top - 1, top >> 1, (top >> 1) + 1, 0xFFFF & top, 0xFFFFFFFF & top,
             max(0, original - 1), min(top, original + 1), min(top, size), min(top, size - 22),
             min(top, 2 * original), original // 2}
    return st.one_of(st.sampled_from(sorted(fixed)), st.integers(0, top))


@st.composite
def header_mutated(draw: st.DrawFn) -> Case:
    """A real archive with 1 to 4 of its header fields overwritten (and, sometimes, cut)."""
    name = draw(st.sampled_from(sorted(zip_seeds())))
    data = bytearray(zip_seeds()[name])
    fields = header_fields(bytes(zip_seeds()[name]))
    steps = []
    for _ in range(draw(st.integers(1, 4))):
        target = draw(st.sampled_from(fields))
        raw = data[target.offset:target.offset + target.width]
        original = int.from_bytes(raw, "little")
        value = draw(_values(original, target.width, len(data)))
        data[target.offset:target.offset + target.width] = value.to_bytes(target.width,
                                                                          "little")
        steps.append(f"{target.label} {original:#x} -> {value:#x}")
    if draw(st.integers(0, 9)) == 0:
        # Counted from the end: hypothesis' simplest cut is then one byte, not the whole file.
        cut = len(data) - draw(st.integers(1, max(1, len(data) - 1)))
        del data[cut:]
        steps.append(f"truncated to {cut}")
    return Case(name, bytes(data), tuple(steps))
