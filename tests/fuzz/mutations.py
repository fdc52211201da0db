"""Hypothesis strategies that spoil the valid sample bundles.

Every strategy draws a :class:`Case`: the bytes of a mutated bundle and the list of steps that
made it (hypothesis prints the steps when a property fails; the bytes are saved under
``var/fuzz-crashes/``). Mutations work at five depths:

- raw bytes of the bundle (flips, truncations, insertions, deletions, ZIP signatures);
- ZIP header fields, in local headers, central directory entries and the end record, through
  :class:`ZipModel`, which keeps every other field consistent (lengths and offsets are
  recomputed) unless a field is deliberately overridden;
- the archive's members (added, dropped, duplicated, renamed with hostile names);
- the text of ``manifest.txt`` and of candidate files (lines, keys, values, encodings), the
  bundle being rebuilt with the mutated text;
- the XML parts of a ``.docx`` CV (DOCTYPE/ENTITY, truncation, random tags, deep nesting, huge
  attributes, hostile relationships and content types), and the ``.docx``'s own ZIP headers.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import random
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
SEED_DIR = ROOT / "samples" / "valid"

# -- seeds --------------------------------------------------------------------------------


@functools.cache
def seeds() -> dict[str, bytes]:
    """The valid sample bundles, by file name."""
    found = {path.name: path.read_bytes() for path in sorted(SEED_DIR.glob("*.zip"))}
    if not found:
        raise RuntimeError(f"no seed bundles in {SEED_DIR}: run 'make samples'")
    return found


@dataclass(frozen=True)
class Case:
    """One mutated bundle."""

    seed: str
    data: bytes
    steps: tuple[str, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def __repr__(self) -> str:
        return (f"Case(seed={self.seed!r}, size={len(self.data)}, sha256={self.sha256[:16]}, "
                f"steps={list(self.steps)!r})")

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        """What hypothesis prints for a failing example: the steps, not the bytes."""
        printer.text(repr(self))


# -- a ZIP archive as fields --------------------------------------------------------------

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_FIELDS = ("signature", "version", "flags", "method", "time", "date", "crc", "csize",
                 "usize", "name_length", "extra_length")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_CENTRAL_FIELDS = ("signature", "made_by", "version", "flags", "method", "time", "date", "crc",
                   "csize", "usize", "name_length", "extra_length", "comment_length", "disk",
                   "internal_attr", "external_attr", "offset")
_EOCD = struct.Struct("<4sHHHHIIH")
_EOCD_FIELDS = ("signature", "disk", "cd_disk", "disk_entries", "entries", "cd_size",
                "cd_offset", "comment_length")
_DESCRIPTOR_SIG = b"PK\x07\x08"
LOCAL_SIG, CENTRAL_SIG, EOCD_SIG = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"

FLAG_ENCRYPTED, FLAG_DESCRIPTOR, FLAG_UTF8 = 0x0001, 0x0008, 0x0800
SYMLINK_ATTR = 0o120777 << 16
FILE_ATTR = (0o100644 << 16) | 0x20


def _pack(layout: struct.Struct, names: tuple[str, ...], values: dict[str, int | bytes]) -> bytes:
    """Pack header fields; integers are cut to their field's width, as a lying writer would."""
    packed: list[int | bytes] = []
    for name, code in zip(names, _codes(layout), strict=True):
        value = values[name]
        if isinstance(value, int):
            value &= 0xFFFF if code == "H" else 0xFFFFFFFF
        packed.append(value)
    return layout.pack(*packed)


@functools.cache
def _codes(layout: struct.Struct) -> tuple[str, ...]:
    return tuple(re.findall(r"\d*[sHI]", layout.format.lstrip("<")))


@dataclass
class ZipEntry:
    local: dict[str, int | bytes]
    local_name: bytes
    local_extra: bytes
    data: bytes  # the member's bytes as stored (compressed)
    descriptor: bytes
    central: dict[str, int | bytes]
    central_name: bytes
    central_extra: bytes
    comment: bytes
    # Values written instead of the computed ones (lengths, offset), to make headers lie.
    local_override: dict[str, int | bytes] = field(default_factory=dict)
    central_override: dict[str, int | bytes] = field(default_factory=dict)
    # Write no local header: the central record points at another entry's (overlap bomb).
    shares_local_of: int | None = None
    in_central: bool = True

    @property
    def name(self) -> bytes:
        return self.central_name

    def inflated(self) -> bytes:
        method = self.central["method"]
        if method == 0:
            return self.data
        return zlib.decompress(self.data, -15)

    def set_content(self, content: bytes, method: int | None = None) -> None:
        """New content with honest CRC and sizes in both headers (and the descriptor)."""
        method = int(self.central["method"]) if method is None else method
        stored = content if method == 0 else _deflate(content)
        crc = zlib.crc32(content)
        self.data = stored
        for header in (self.central, self.local):
            header["method"] = method
        self.central.update(crc=crc, csize=len(stored), usize=len(content))
        if int(self.local["flags"]) & FLAG_DESCRIPTOR:
            self.local.update(crc=0, csize=0, usize=0)
            self.descriptor = _DESCRIPTOR_SIG + struct.pack("<III", crc, len(stored),
                                                            len(content))
        else:
            self.local.update(crc=crc, csize=len(stored), usize=len(content))

    def set_name(self, name: bytes, *, utf8: bool | None = None) -> None:
        self.local_name = self.central_name = name
        if utf8 is not None:
            for header in (self.local, self.central):
                flags = int(header["flags"])
                header["flags"] = flags | FLAG_UTF8 if utf8 else flags & ~FLAG_UTF8


def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


@dataclass
class ZipModel:
    entries: list[ZipEntry]
    eocd: dict[str, int | bytes]
    eocd_comment: bytes
    eocd_override: dict[str, int | bytes] = field(default_factory=dict)
    prefix: bytes = b""  # before the first local header (a self-extractor stub, say)
    gap: bytes = b""  # between the last member and the central directory
    suffix: bytes = b""  # after the end record

    @classmethod
    def parse(cls, data: bytes) -> ZipModel:
        """Fields of a well-formed archive (the seeds and their .docx)."""
        end = data.rfind(EOCD_SIG)
        eocd = dict(zip(_EOCD_FIELDS, _EOCD.unpack_from(data, end), strict=True))
        comment = data[end + _EOCD.size:end + _EOCD.size + int(eocd["comment_length"])]
        entries = []
        position = int(eocd["cd_offset"])
        for _ in range(int(eocd["entries"])):
            central = dict(zip(_CENTRAL_FIELDS, _CENTRAL.unpack_from(data, position),
                               strict=True))
            start = position + _CENTRAL.size
            nlen, xlen, clen = (int(central[k]) for k in
                                ("name_length", "extra_length", "comment_length"))
            name = data[start:start + nlen]
            extra = data[start + nlen:start + nlen + xlen]
            entry_comment = data[start + nlen + xlen:start + nlen + xlen + clen]
            position = start + nlen + xlen + clen
            offset = int(central["offset"])
            local = dict(zip(_LOCAL_FIELDS, _LOCAL.unpack_from(data, offset), strict=True))
            lstart = offset + _LOCAL.size
            lname = data[lstart:lstart + int(local["name_length"])]
            lextra = data[lstart + len(lname):lstart + len(lname) + int(local["extra_length"])]
            dstart = lstart + len(lname) + len(lextra)
            stored = data[dstart:dstart + int(central["csize"])]
            descriptor = b""
            if int(local["flags"]) & FLAG_DESCRIPTOR:
                after = dstart + len(stored)
                size = 16 if data[after:after + 4] == _DESCRIPTOR_SIG else 12
                descriptor = data[after:after + size]
            entries.append(ZipEntry(local, lname, lextra, stored, descriptor, central, name,
                                    extra, entry_comment))
        return cls(entries, eocd, comment)

    def clone(self) -> ZipModel:
        return copy.deepcopy(self)

    def find(self, name: bytes) -> ZipEntry | None:
        return next((e for e in self.entries if e.name == name), None)

    def serialize(self) -> bytes:
        out = bytearray(self.prefix)
        offsets: list[int] = []
        for entry in self.entries:
            if entry.shares_local_of is not None and entry.shares_local_of < len(offsets):
                offsets.append(offsets[entry.shares_local_of])
                continue
            offsets.append(len(out))
            values = {**entry.local, "name_length": len(entry.local_name),
                      "extra_length": len(entry.local_extra), **entry.local_override}
            out += _pack(_LOCAL, _LOCAL_FIELDS, values)
            out += entry.local_name + entry.local_extra + entry.data + entry.descriptor
        out += self.gap
        cd_start = len(out)
        listed = 0
        for entry, offset in zip(self.entries, offsets, strict=True):
            if not entry.in_central:
                continue
            listed += 1
            values = {**entry.central, "name_length": len(entry.central_name),
                      "extra_length": len(entry.central_extra),
                      "comment_length": len(entry.comment), "offset": offset,
                      **entry.central_override}
            out += _pack(_CENTRAL, _CENTRAL_FIELDS, values)
            out += entry.central_name + entry.central_extra + entry.comment
        values = {**self.eocd, "disk_entries": listed, "entries": listed,
                  "cd_size": len(out) - cd_start, "cd_offset": cd_start,
                  "comment_length": len(self.eocd_comment), **self.eocd_override}
        out += _pack(_EOCD, _EOCD_FIELDS, values) + self.eocd_comment + self.suffix
        return bytes(out)


@functools.cache
def _parsed(data: bytes) -> ZipModel:
    return ZipModel.parse(data)


def parse(data: bytes) -> ZipModel:
    """A fresh, mutable model of a well-formed archive (parsed once, then copied)."""
    return _parsed(data).clone()


# -- shared pieces of strategies ----------------------------------------------------------

seed_names = st.sampled_from(sorted(seeds()))


def seeds_with(predicate: Callable[[ZipModel], bool]) -> st.SearchStrategy[str]:
    return st.sampled_from([name for name, data in sorted(seeds().items())
                            if predicate(_parsed(data))])


def _interesting_ints(original: int, width: int) -> st.SearchStrategy[int]:
    top = (1 << (8 * width)) - 1
    fixed = sorted({0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, top - 1, top,
                    top >> 1, (top >> 1) + 1, original, max(0, original - 1),
                    min(top, original + 1), original * 2 & top, original // 2})
    return st.one_of(st.sampled_from(fixed), st.integers(0, top))


def _position(data_length: int) -> st.SearchStrategy[int]:
    return st.integers(0, max(0, data_length - 1))


def _blob(max_size: int = 64) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=max_size),
        st.sampled_from([LOCAL_SIG, CENTRAL_SIG, EOCD_SIG, _DESCRIPTOR_SIG, b"PK\x06\x06",
                         b"PK\x06\x07", b"\x00" * 4, b"\xff" * 4, b"\r\n", b"\x00"]),
    )


# Member names that a reader must never trust, as bytes with the UTF-8 flag to set (None:
# leave the flag as it is).
HOSTILE_NAMES: list[tuple[bytes, bool | None]] = [
    (b"../evil.txt", None), (b"../../../../etc/passwd", None), (b"cvs/../../x.docx", None),
    (b"/etc/cron.d/x.txt", None), (b"/manifest.txt", None), (b"C:\\Windows\\x.txt", None),
    (b"c:x.docx", None), (b"cvs\\dupont.docx", None), (b"..\\..\\x.txt", None),
    (b"x\x00.txt", None), (b"manifest.txt\x00.docx", None), (b"ctl\x01\x1f\x7f.txt", None),
    (b"a\nb.txt", None), (b"", None), (b"/", None), (b"//", None), (b".", None),
    (b"./manifest.txt", None), (b"manifest.txt/", None), (b"MANIFEST.TXT", None),
    (b"Manifest.txt", None), (b"__MACOSX/._manifest.txt", None), (b".DS_Store", None),
    (b"~$cv.docx", None), (b"nested.zip", None), (b"a/b.tar.gz", None),
    ("caf\u00e9.txt".encode(), True), ("cafe\u0301.txt".encode(), True),
    ("caf\u00e9.txt".encode(), False), ("caf\u00e9.txt".encode("cp850"), False),
    (b"\x82\xe9\xff.txt", False), (b"\xff\xfe\xc3(.txt", True), (b"\xed\xa0\x80.txt", True),
    ("\u202etxt.docx".encode(), True), ("\ufeffmanifest.txt".encode(), True),
    (b"a" * 255 + b".txt", None), (b"a/" * 200 + b"x.txt", None),
    (b"x" * 4096 + b".docx", None), (b"y" * 65000 + b".txt", None),
]


@st.composite
def hostile_name(draw: st.DrawFn) -> tuple[bytes, bool | None]:
    return draw(st.one_of(
        st.sampled_from(HOSTILE_NAMES),
        st.tuples(st.text(min_size=0, max_size=40).map(lambda s: s.encode("utf-8", "replace")),
                  st.sampled_from([True, False, None])),
        st.tuples(st.binary(max_size=40), st.sampled_from([True, False, None])),
    ))


_BUNDLE_ID = re.compile(rb"^(bundle_id\s*:\s*)(\S+)", re.MULTILINE)


@st.composite
def seed_model(draw: st.DrawFn, fresh: bool, seed_strategy: st.SearchStrategy[str] | None = None
               ) -> tuple[str, ZipModel, list[str]]:
    """A seed and its model; ``fresh`` gives the bundle a new bundle_id, so that the store
    does not refuse it as a reuse of the seed's (what the ingestion fuzzers want)."""
    seed = draw(seed_strategy if seed_strategy is not None else seed_names)
    model = parse(seeds()[seed])
    steps: list[str] = []
    if fresh:
        manifest = next((e for e in model.entries if e.name.endswith(b"manifest.txt")), None)
        if manifest is not None:
            suffix = b"-F%d" % draw(st.integers(0, 1 << 40))
            manifest.set_content(_BUNDLE_ID.sub(lambda m: m.group(1) + m.group(2) + suffix,
                                                manifest.inflated(), count=1))
            steps.append(f"bundle_id += {suffix.decode()}")
    return seed, model, steps


# -- 1. raw bytes -------------------------------------------------------------------------


@st.composite
def byte_ops(draw: st.DrawFn, data: bytes, model: ZipModel | None = None
             ) -> tuple[bytes, list[str]]:
    """1 to 4 byte-level edits, positions biased towards the ZIP headers."""
    steps: list[str] = []
    anchors = [0, max(0, len(data) - 22)]
    if model is not None:
        anchors += [data.find(e.local_name) for e in model.entries if e.local_name]
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            data = draw(st.binary(max_size=64))
            steps.append(f"bytes: replaced by {len(data)} random bytes")
            continue
        near = draw(st.sampled_from(anchors)) + draw(st.integers(-8, 60))
        position = draw(st.one_of(_position(len(data)),
                                  st.just(min(max(0, near), len(data) - 1)),
                                  st.integers(max(0, len(data) - 100), len(data) - 1)))
        op = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete", "duplicate",
                                   "overwrite"]))
        if op == "flip":
            mask = draw(st.sampled_from([1, 2, 4, 8, 16, 32, 64, 128, 0xFF]))
            data = data[:position] + bytes([data[position] ^ mask]) + data[position + 1:]
            steps.append(f"bytes: flip {mask:#x} at {position}")
        elif op == "set":
            value = draw(st.integers(0, 255))
            data = data[:position] + bytes([value]) + data[position + 1:]
            steps.append(f"bytes: set {value:#x} at {position}")
        elif op == "truncate":
            data = data[:position]
            steps.append(f"bytes: truncate to {position}")
        elif op == "insert":
            blob = draw(_blob())
            data = data[:position] + blob + data[position:]
            steps.append(f"bytes: insert {blob[:16]!r}({len(blob)}) at {position}")
        elif op == "delete":
            length = draw(st.integers(1, 64))
            data = data[:position] + data[position + length:]
            steps.append(f"bytes: delete {length} at {position}")
        elif op == "duplicate":
            length = draw(st.integers(1, 512))
            data = data[:position] + data[position:position + length] + data[position:]
            steps.append(f"bytes: duplicate {length} at {position}")
        else:
            blob = draw(_blob(16))
            data = data[:position] + blob + data[position + len(blob):]
            steps.append(f"bytes: overwrite {blob!r} at {position}")
    return data, steps


@st.composite
def byte_mutated(draw: st.DrawFn, fresh: bool = False) -> Case:
    seed, model, steps = draw(seed_model(fresh))
    data, done = draw(byte_ops(model.serialize(), model))
    return Case(seed, data, tuple(steps + done))


# -- 2. header fields ---------------------------------------------------------------------

_METHODS = [0, 1, 6, 8, 9, 12, 14, 19, 93, 95, 96, 97, 98, 99, 0xFFFF]


@st.composite
def header_op(draw: st.DrawFn, model: ZipModel, where: str = "") -> str:
    """Change one field of one header (or of both headers of one member)."""
    if not model.entries:
        what = draw(st.sampled_from(["eocd", "eocd-comment"]))
    else:
        what = draw(st.sampled_from([
            "local", "central", "both", "flags", "method", "name", "extra", "attributes",
            "eocd", "eocd-comment", "descriptor", "layout"]))
    index = draw(st.integers(0, max(0, len(model.entries) - 1)))
    entry = model.entries[index] if model.entries else None
    label = f"{where}{entry.name[:60]!r}" if entry is not None else where or "archive"
    if what == "eocd":
        name = draw(st.sampled_from(_EOCD_FIELDS))
        if name == "signature":
            value: int | bytes = draw(st.sampled_from([b"PK\x05\x05", b"\x00" * 4]))
        else:
            width = 4 if name in ("cd_size", "cd_offset") else 2
            value = draw(_interesting_ints(int(model.eocd[name]), width))
        model.eocd_override[name] = value
        return f"{where}EOCD {name} = {value!r}"
    if what == "eocd-comment":
        model.eocd_comment = draw(st.one_of(_blob(), st.just(EOCD_SIG + b"\x00" * 18)))
        return f"{where}EOCD comment = {model.eocd_comment!r}"
    assert entry is not None
    if what in ("local", "central", "both"):
        headers = {"local": [(entry.local, entry.local_override, _LOCAL_FIELDS)],
                   "central": [(entry.central, entry.central_override, _CENTRAL_FIELDS)]}
        chosen = headers["local"] + headers["central"] if what == "both" else headers[what]
        names = sorted(set.intersection(*(set(f) for _, _, f in chosen)))
        name = draw(st.sampled_from(names))
        width = 4 if name in ("crc", "csize", "usize", "offset", "external_attr") else 2
        if name == "signature":
            value = draw(st.sampled_from([b"PK\x03\x03", b"PK\x01\x01", LOCAL_SIG,
                                          CENTRAL_SIG, b"\x00" * 4]))
        else:
            value = draw(_interesting_ints(int(chosen[0][0][name]), width))
        for fields, override, _ in chosen:
            if name in ("name_length", "extra_length", "comment_length", "offset"):
                override[name] = value
            else:
                fields[name] = value
        return f"{label}: {what} {name} = {value!r}"
    if what == "flags":
        bit = draw(st.sampled_from([FLAG_ENCRYPTED, FLAG_DESCRIPTOR, FLAG_UTF8, 0x0040, 0x2000,
                                    0x0002, 0x0004]))
        side = draw(st.sampled_from(["both", "local", "central"]))
        for header in ([entry.local, entry.central] if side == "both"
                       else [entry.local if side == "local" else entry.central]):
            header["flags"] = int(header["flags"]) ^ bit
        return f"{label}: flags ^= {bit:#x} ({side})"
    if what == "method":
        method = draw(st.sampled_from(_METHODS))
        side = draw(st.sampled_from(["both", "both", "local", "central"]))
        for header in ([entry.local, entry.central] if side == "both"
                       else [entry.local if side == "local" else entry.central]):
            header["method"] = method
        return f"{label}: method = {method} ({side})"
    if what == "name":
        name_bytes, utf8 = draw(hostile_name())
        side = draw(st.sampled_from(["both", "both", "both", "local", "central"]))
        if side == "both":
            entry.set_name(name_bytes, utf8=utf8)
        elif side == "local":
            entry.local_name = name_bytes
        else:
            entry.central_name = name_bytes
        return f"{label}: name = {name_bytes[:80]!r} utf8={utf8} ({side})"
    if what == "extra":
        extra = draw(st.one_of(
            _blob(),
            # a zip64 extra field, honest or with a lying length
            st.builds(lambda n, v: struct.pack("<HH", 1, n) + struct.pack("<Q", v),
                      st.sampled_from([0, 4, 8, 16, 28, 0xFFFF]),
                      st.integers(0, (1 << 64) - 1)),
            # unicode path extra field (0x7075)
            st.builds(lambda name: struct.pack("<HHBI", 0x7075, 5 + len(name), 1, 0) + name,
                      st.sampled_from([b"../x.txt", b"manifest.txt", b"\xff"])),
        ))
        side = draw(st.sampled_from(["local", "central", "both"]))
        if side in ("local", "both"):
            entry.local_extra = extra
        if side in ("central", "both"):
            entry.central_extra = extra
        return f"{label}: extra = {extra[:32]!r} ({side})"
    if what == "attributes":
        attr = draw(st.sampled_from([SYMLINK_ATTR, 0o120644 << 16, 0o040755 << 16 | 0x10,
                                     0o020644 << 16, 0o060644 << 16, 0o010644 << 16,
                                     0o104755 << 16, 0xFFFFFFFF, 0x10, 0]))
        entry.central["external_attr"] = attr
        made_by = draw(st.sampled_from([3 << 8 | 30, 0 << 8 | 20, 10 << 8 | 20,
                                        int(entry.central["made_by"])]))
        entry.central["made_by"] = made_by
        return f"{label}: external_attr = {attr:#o}, made_by = {made_by:#x}"
    if what == "descriptor":
        entry.local["flags"] = int(entry.local["flags"]) | FLAG_DESCRIPTOR
        entry.central["flags"] = int(entry.central["flags"]) | FLAG_DESCRIPTOR
        shape = draw(st.sampled_from(["honest", "no-signature", "zeros", "missing", "zip64"]))
        crc, csize, usize = (int(entry.central[k]) for k in ("crc", "csize", "usize"))
        if draw(st.booleans()):
            entry.local.update(crc=0, csize=0, usize=0)
        entry.descriptor = {
            "honest": _DESCRIPTOR_SIG + struct.pack("<III", crc, csize, usize),
            "no-signature": struct.pack("<III", crc, csize, usize),
            "zeros": _DESCRIPTOR_SIG + bytes(12),
            "missing": b"",
            "zip64": _DESCRIPTOR_SIG + struct.pack("<IQQ", crc, csize, usize),
        }[shape]
        return f"{label}: data descriptor ({shape})"
    # layout: where members' bytes sit
    shape = draw(st.sampled_from(["share-local", "drop-from-cd", "swap", "prefix", "gap",
                                  "suffix", "duplicate"]))
    if shape == "share-local" and index > 0:
        entry.shares_local_of = draw(st.integers(0, index - 1))
    elif shape == "drop-from-cd":
        entry.in_central = False
    elif shape == "swap" and len(model.entries) > 1:
        other = draw(st.integers(0, len(model.entries) - 1))
        model.entries[index], model.entries[other] = model.entries[other], entry
    elif shape == "prefix":
        model.prefix = draw(st.one_of(_blob(), st.just(b"MZ" + bytes(200))))
    elif shape == "gap":
        model.gap = draw(_blob())
    elif shape == "suffix":
        model.suffix = draw(_blob())
    else:
        model.entries.insert(index, copy.deepcopy(entry))
    return f"{label}: layout {shape}"


@st.composite
def header_mutated(draw: st.DrawFn, fresh: bool = False) -> Case:
    seed, model, steps = draw(seed_model(fresh))
    steps += [draw(header_op(model)) for _ in range(draw(st.integers(1, 3)))]
    return Case(seed, model.serialize(), tuple(steps))


# -- 3. members ---------------------------------------------------------------------------


def _new_entry(name: bytes, content: bytes, *, method: int = 8, utf8: bool = False,
               streamed: bool = False) -> ZipEntry:
    flags = (FLAG_UTF8 if utf8 else 0) | (FLAG_DESCRIPTOR if streamed else 0)
    common: dict[str, int | bytes] = {"version": 20, "flags": flags, "method": method,
                                      "time": 0, "date": 0x5C21, "crc": 0, "csize": 0,
                                      "usize": 0}
    entry = ZipEntry(
        local={"signature": LOCAL_SIG, **common, "name_length": 0, "extra_length": 0},
        local_name=name, local_extra=b"", data=b"", descriptor=b"",
        central={"signature": CENTRAL_SIG, "made_by": 3 << 8 | 30, **common,
                 "name_length": 0, "extra_length": 0, "comment_length": 0, "disk": 0,
                 "internal_attr": 0, "external_attr": FILE_ATTR, "offset": 0},
        central_name=name, central_extra=b"", comment=b"")
    entry.set_content(content, method)
    return entry


_TEXT_RUN = re.compile(rb"<w:t(?:\s[^>]*)?>[^<]*</w:t>")


@functools.cache
def replacement_documents() -> dict[str, bytes]:
    """Whole documents to put in place of a bundle's CV or attachment."""
    from tests.bundles import encrypted_office_file, legacy_doc, ole_file

    docx = next(e for e in _parsed(seeds()["valid-basic.zip"]).entries
                if e.name.endswith(b".docx")).inflated()
    model = parse(docx)
    for entry in model.entries:
        if entry.name.startswith(b"word/") and entry.name.endswith(b".xml"):
            entry.set_content(_TEXT_RUN.sub(b"", entry.inflated()))
    return {
        "encrypted-office": encrypted_office_file(),
        "encrypted-doc": legacy_doc(encrypted=True),
        "doc-bad-magic": legacy_doc(magic=0x1234),
        "doc-no-text": legacy_doc(),
        "ole-not-word": ole_file({"Other": b"x"}),
        "ole-truncated": legacy_doc()[:1000],
        "ole-short": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1local.doc",
        "docx-no-text": model.serialize(),
        "rtf": b"{\\rtf1 x}", "html": b"<html><body>cv</body></html>", "pdf": b"%PDF-1.4\n",
        "odt": LOCAL_SIG + bytes(26) + b"mimetypeapplication/vnd.oasis.opendocument.text",
        "empty": b"",
    }


def _random_bytes(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


@st.composite
def member_content(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["empty", "text", "binary", "zeros", "docx-magic", "ole-magic",
                                 "zip", "big", "document"]))
    if kind == "empty":
        return b""
    if kind == "text":
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    if kind == "binary":
        return draw(st.binary(max_size=200))
    if kind == "zeros":
        return bytes(draw(st.sampled_from([1, 1000, 1 << 20, (1 << 20) + 1, 3 << 20])))
    if kind == "document":
        return replacement_documents()[draw(st.sampled_from(sorted(replacement_documents())))]
    if kind == "docx-magic":
        return LOCAL_SIG + draw(st.binary(max_size=100))
    if kind == "ole-magic":
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + draw(st.binary(max_size=600))
    if kind == "zip":
        return next(iter(seeds().values()))
    return _random_bytes(draw(st.integers(0, 1000)), draw(st.integers(1 << 16, 2 << 20)))


@st.composite
def member_op(draw: st.DrawFn, model: ZipModel) -> str:
    """Add, drop, rename, duplicate or re-encode whole members."""
    op = draw(st.sampled_from(["add", "add", "drop", "rename", "clash", "recompress",
                               "content", "swap"] if model.entries else ["add"]))
    index = draw(st.integers(0, max(0, len(model.entries) - 1)))
    if op == "add":
        name, utf8 = draw(st.one_of(
            hostile_name(),
            st.tuples(st.sampled_from([b"extra.txt", b"candidats/new.txt", b"cvs/extra.docx",
                                       b"README.txt", b"cvs/", b"a/b/c/", b"x.pdf",
                                       b"archive.zip", b"cvs/x.7z", b"x.tar.gz"]),
                      st.just(None))))
        content = draw(member_content())
        method = draw(st.sampled_from([0, 8]))
        model.entries.insert(draw(st.integers(0, len(model.entries))),
                             _new_entry(name, content, method=method, utf8=bool(utf8),
                                        streamed=draw(st.booleans())))
        return f"member: add {name[:80]!r} ({len(content)} bytes, method {method})"
    entry = model.entries[index]
    label = f"member {entry.name[:60]!r}"
    if op == "drop":
        del model.entries[index]
        return f"{label}: dropped"
    if op == "swap":
        documents = [e for e in model.entries
                     if e.name.lower().endswith((b".docx", b".doc", b".pdf", b".odt", b".rtf"))]
        if documents:
            entry = draw(st.sampled_from(documents))
            label = f"member {entry.name[:60]!r}"
        kind = draw(st.sampled_from(sorted(replacement_documents())))
        entry.set_content(replacement_documents()[kind])
        return f"{label}: replaced by {kind}"
    if op == "rename":
        name, utf8 = draw(hostile_name())
        entry.set_name(name, utf8=utf8)
        return f"{label}: renamed {name[:80]!r} utf8={utf8}"
    if op == "clash":
        twin = copy.deepcopy(entry)
        variant = draw(st.sampled_from(["same", "upper", "nfd", "slash"]))
        if variant == "upper":
            twin.set_name(entry.name.upper())
        elif variant == "nfd":
            twin.set_name(entry.name.replace(b"e", "e\u0301".encode()), utf8=True)
        elif variant == "slash":
            twin.set_name(entry.name.replace(b"/", b"\\"))
        model.entries.insert(draw(st.integers(0, len(model.entries))), twin)
        return f"{label}: twin ({variant})"
    try:
        content = entry.inflated()
    except zlib.error:
        return f"{label}: (not inflatable)"
    if op == "recompress":
        method = draw(st.sampled_from([0, 8]))
        entry.set_content(content, method)
        return f"{label}: recompressed with method {method}"
    mutated, steps = draw(byte_ops(content))
    entry.set_content(mutated)
    return f"{label}: content " + "; ".join(steps)


@st.composite
def member_mutated(draw: st.DrawFn, fresh: bool = False) -> Case:
    seed, model, steps = draw(seed_model(fresh))
    steps += [draw(member_op(model)) for _ in range(draw(st.integers(1, 3)))]
    return Case(seed, model.serialize(), tuple(steps))


# -- 4. text files ------------------------------------------------------------------------

MANIFEST_KEYS = ["format", "bundle_id", "vendor", "created_at", "candidate_count", "encoding"]
CANDIDATE_KEYS = ["external_id", "last_name", "first_name", "civility", "email", "phone",
                  "address", "postal_code", "city", "country", "birth_date", "availability",
                  "consent_until", "position", "job_ref", "source", "skill", "language",
                  "experience_years", "received_at", "summary", "cv_file", "attachment"]
VALUES = [
    "", " ", "0", "-1", "007", "1e3", "99999999999999999999999999", "\u0663", "\uff11\uff12", "NaN",
    "9223372036854775807", "9223372036854775808", "9" * 5000, "cvbundle/1." + "9" * 5000,
    "2024-02-30", "2024-13-01", "0000-00-00", "9999-12-31", "2024-05-02T18:30:00",
    "2024-05-02T25:30:00+02:00", "2024-05-02T18:30:00+99:00", "2024-05-02T18:30:00Z",
    "cvbundle/1.0", "cvbundle/1.9", "cvbundle/2.0", "cvbundle/1.", "cvbundle/01.00",
    "cvbundle/1.99999999999999999999", "utf-8", "UTF-16", "utf_8", "latin-1", "cp1252",
    "windows-1252", "iso-8859-15", "rot13", "base64", "idna", "mbcs", "undefined",
    "a@b", "@", "a@b@c", "user@exa mple.com", "x" * 65 + "@example.com", "a@" + "b" * 300,
    "+33", "+", "0" * 40, "06 12 34 56 78", "+999 1", "FR", "fr", "ZZ", "XX", "F", "",
    "M", "mme.", "Mx..", "Madame", "x" * 64, "x" * 65, "a/b", "../manifest.txt",
    "cvs/missing.docx", "/cvs/x.docx", "./cvs/x.docx", "cvs\\x.docx", "manifest.txt",
    "C:\\cv.docx", "cv.DOCX", "cv.doc.", "cv.docx\x00", "{key}", "{0}", "{", "%s", "\u202e",
    "\ufeff", "\u00a0", "\u2028", "\x85", "\x0b", "\x0c", "\x1c", "\x7f", "é" * 100,
    "\U0001f600" * 50, "x" * 10000,
]
# Values worth trying for one key, besides VALUES.
KEY_VALUES: dict[str, list[str]] = {
    "format": ["cvbundle/1.0", "cvbundle/1.1", "cvbundle/1.10", "CVBUNDLE/1.0", "cvbundle/2.0",
               "cvbundle/0.9", "cvbundle/1", "cvbundle/\u0661.\u0660", " cvbundle/1.0 "],
    "encoding": ["utf-8", "UTF8", "windows-1252", "cp1252", "iso-8859-15", "latin-9",
                 "utf-16", "ascii", "utf-8\x00", "\u00e9"],
    "civility": ["M", "m.", "Mme", "MX", "Mlle", "Dr"],
    "country": ["FR", "be", "CH", "UK", "EU", "ZZ", "FRA", "\u0130T"],
    "email": ["a@example.com", "A@EXAMPLE.COM", "a@localhost", "\u00e9@exampl\u00e9.fr",
              "a..b@example.com", "a@[127.0.0.1]", "a@xn--80ak6aa92e.com", '"a b"@example.com'],
    "phone": ["06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678", "+1 202 555 0100",
              "12", "+" + "9" * 30, "06-12-34-56-78 ext. 12"],
    "birth_date": ["1988-11-23", "1988-02-29", "2000-02-29", "0001-01-01", "9999-12-31"],
    "created_at": ["2024-05-02T18:30:00+02:00", "2024-05-02T18:30:00Z", "2024-05-02 18:30+02",
                   "2024-05-02T18:30:00.123456+02:00", "0001-01-01T00:00:00+14:00"],
    "candidate_count": ["0", "1", "2", "3", "2147483647", "2147483648", "00002"],
    "experience_years": ["0", "12", "2147483647", "2147483648", "99999999999999999999"],
}
_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1",
              "cp850", "shift_jis"]


@st.composite
def text_line(draw: st.DrawFn, keys: list[str]) -> str:
    key = draw(st.one_of(st.sampled_from(keys), st.sampled_from(keys).map(str.upper),
                         st.sampled_from(["x-custom", "x-", "unknown", "", "a b", "é", "KEY",
                                          "k\u0131", "x-" + "a" * 500]),
                         st.text(max_size=10)))
    separator = draw(st.sampled_from([": ", ":", " : ", "\u00a0: ", "\t:\t", "", "=", "::",
                                      ": \u202f"]))
    value = draw(st.one_of(st.sampled_from(VALUES), st.text(max_size=40)))
    indent = draw(st.sampled_from(["", "", "", " ", "\t", "#", "\u00a0", "\ufeff"]))
    return indent + key + separator + value


def _split_lines(text: str) -> list[str]:
    return text.split("\n")


# Lines that fill a text file up to text_size (1 MiB): every line its own entry or finding.
FLOOD_LINES = ["a:", "a: b", "k", ":", " c", "phone: 1", "phone: +33612345678", "skill: s",
               "email: a", "x-a: 1", "attachment: x.pdf", "attachment: cvs/x.docx", "\ufffd",
               "é: é", "#", "x-\u00e9: 1", "k\u0000"]
TEXT_SIZE = 1 << 20


@st.composite
def text_ops(draw: st.DrawFn, text: str, keys: list[str], references: list[str],
             flood: bool = False) -> tuple[str | bytes, list[str]]:
    """Edit the lines of a text file; may end by encoding it (bytes) another way."""
    lines = _split_lines(text)
    steps: list[str] = []
    if flood:
        line = draw(st.sampled_from(FLOOD_LINES))
        size = TEXT_SIZE - len(text.encode("utf-8", "replace")) - draw(
            st.sampled_from([16, 1024, -1024]))
        count = max(0, size // len((line + "\n").encode("utf-8")))
        lines += [line] * count
        steps.append(f"flood: {count} x {line!r}")
    for _ in range(draw(st.integers(0 if flood else 1, 4))):
        op = draw(st.sampled_from(["insert", "insert", "drop-colon", "duplicate", "delete",
                                   "value", "value", "key", "key", "reference", "continuation",
                                   "newlines", "bloat", "unicode"]))
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        if op == "key":
            key = draw(st.sampled_from(keys))
            value = draw(st.one_of(st.sampled_from(KEY_VALUES.get(key, VALUES)),
                                   st.sampled_from(VALUES), st.text(max_size=30)))
            found = next((n for n, line in enumerate(lines)
                          if line.partition(":")[0].strip().lower() == key), None)
            if found is None:
                lines.insert(at, f"{key}: {value}")
            else:
                lines[found] = f"{key}: {value}"
            steps.append(f"{key}: {value[:80]!r}")
        elif op == "insert":
            line = draw(text_line(keys))
            lines.insert(at, line)
            steps.append(f"insert line {at}: {line[:80]!r}")
        elif op == "drop-colon" and lines:
            lines[at] = lines[at].replace(":", "", 1)
            steps.append(f"drop colon of line {at}")
        elif op == "duplicate" and lines:
            lines.insert(at, lines[at])
            steps.append(f"duplicate line {at}")
        elif op == "delete" and lines:
            steps.append(f"delete line {at}: {lines.pop(at)[:60]!r}")
        elif op == "value" and lines:
            key = lines[at].partition(":")[0]
            value = draw(st.one_of(st.sampled_from(VALUES), st.text(max_size=60)))
            lines[at] = f"{key}: {value}"
            steps.append(f"line {at} = {lines[at][:80]!r}")
        elif op == "reference":
            key = draw(st.sampled_from(["cv_file", "attachment"]))
            target = draw(st.one_of(st.sampled_from(references or ["cvs/x.docx"]),
                                    st.sampled_from(VALUES)))
            variant = draw(st.sampled_from(["as-is", "upper", "nfd", "dot-slash", "slash",
                                            "backslash", "dotdot", "space"]))
            target = {
                "as-is": target, "upper": target.upper(),
                "nfd": target.replace("e", "e\u0301"), "dot-slash": "./" + target,
                "slash": "/" + target, "backslash": target.replace("/", "\\"),
                "dotdot": "../" + target, "space": f" {target} ",
            }[variant]
            lines.insert(at, f"{key}: {target}")
            steps.append(f"insert {key}: {target[:80]!r}")
        elif op == "continuation":
            line = draw(st.sampled_from([" ", "\t", "  "])) + draw(st.text(max_size=30))
            lines.insert(at, line)
            steps.append(f"continuation at {at}: {line[:60]!r}")
        elif op == "newlines":
            ending = draw(st.sampled_from(["\r\n", "\r", "\n\n", "\u2028", "\x85", "\x0b"]))
            lines = ending.join(lines).split("\n") if ending != "\r" else ["\r".join(lines)]
            steps.append(f"line endings {ending!r}")
        elif op == "bloat":
            # 10,000 short lines (many entries), or 25,000 long ones (past text_size)
            count, width = draw(st.sampled_from([(1000, 1), (10_000, 1), (25_000, 40)]))
            lines[at:at] = [f"skill: {'s' * width}{n}" for n in range(count)]
            steps.append(f"bloat: {count} skill lines at {at}")
        elif op == "unicode":
            position = draw(st.integers(0, max(0, len(lines[at]) if lines else 0)))
            chunk = draw(st.text(min_size=1, max_size=20))
            if lines:
                lines[at] = lines[at][:position] + chunk + lines[at][position:]
            steps.append(f"unicode {chunk!r} in line {at}")
    text = "\n".join(lines)
    encoding = draw(st.sampled_from([None] * 6 + _ENCODINGS + ["raw"]))
    if encoding is None:
        return text, steps
    if encoding == "raw":
        data = text.encode("utf-8", "surrogatepass")
        position = draw(st.integers(0, len(data)))
        junk = draw(st.sampled_from([b"\xff", b"\xc3", b"\xe2\x82", b"\x00", b"\xed\xa0\x80",
                                     b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"]))
        steps.append(f"bytes {junk!r} at {position}")
        return data[:position] + junk + data[position:], steps
    steps.append(f"encoded as {encoding}")
    return text.encode(encoding, "replace"), steps


_TEXT_ENCODING = re.compile(rb"^\s*encoding\s*:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


@functools.cache
def seed_encoding(seed: str) -> str:
    """The encoding a seed's text files are written in (its manifest's declaration)."""
    manifest = next(e for e in _parsed(seeds()[seed]).entries if e.name.endswith(b"manifest.txt"))
    declared = _TEXT_ENCODING.search(manifest.inflated())
    return declared.group(1).decode("ascii").lower() if declared is not None else "utf-8"


@st.composite
def text_mutated(draw: st.DrawFn, fresh: bool = False, flood: bool = False) -> Case:
    seed, model, steps = draw(seed_model(fresh))
    texts = [e for e in model.entries if e.name.endswith(b".txt")]
    documents = [e.name.decode("utf-8", "replace") for e in model.entries
                 if not e.name.endswith((b".txt", b"/"))]
    for _ in range(1 if flood else draw(st.integers(1, 2))):
        entry = draw(st.sampled_from(texts))
        keys = MANIFEST_KEYS if entry.name.endswith(b"manifest.txt") else CANDIDATE_KEYS
        encoding = seed_encoding(seed)
        text = entry.inflated().decode("utf-8-sig" if encoding == "utf-8" else encoding,
                                       "replace")
        mutated, done = draw(text_ops(text, keys, documents, flood))
        if isinstance(mutated, str):
            mutated = mutated.encode(encoding, "surrogatepass" if encoding == "utf-8"
                                     else "replace")
        entry.set_content(mutated)
        steps.append(f"text {entry.name!r}: " + "; ".join(done))
    if draw(st.integers(0, 4)) == 0:
        steps.append(draw(header_op(model)))
    return Case(seed, model.serialize(), tuple(steps))


# -- 5. .docx XML ---------------------------------------------------------------------------

_DOCTYPES = [
    b'<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE x SYSTEM "http://127.0.0.1:1/evil.dtd">',
    b'<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p.dtd"> %p;]>',
    b"<!doctype x>", b"<! DOCTYPE x>", b"<!ENTITY x 'y'>", b"<!DOCTYPE",
]
_XML_PARTS = [b"word/document.xml", b"[Content_Types].xml", b"_rels/.rels",
              b"word/_rels/document.xml.rels", b"word/styles.xml", b"docProps/core.xml"]
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def _relationship(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["attachedTemplate", "frame", "oleObject", "image",
                                 "hyperlink", "aFChunk", "package", "officeDocument",
                                 "subDocument", "header", "footer", "x"]))
    target = draw(st.sampled_from(["http://evil.example/t.dotm", "file:///C:/x.dotm",
                                   "\\\\host\\share\\x", "../../../../etc/passwd", "/word/x.xml",
                                   "", "document.xml", "word/document.xml", "afchunk.mht",
                                   "embeddings/oleObject1.bin", "#", "x" * 5000]))
    mode = draw(st.sampled_from([' TargetMode="External"', ' TargetMode="external"', "",
                                 ' TargetMode="Internal"']))
    return (f'<Relationship Id="rIdF{draw(st.integers(0, 99))}" Type="{_REL_TYPE}{kind}" '
            f'Target="{target}"{mode}/>').encode()


@st.composite
def xml_ops(draw: st.DrawFn, data: bytes, part: bytes, focus: str = "xml"
            ) -> tuple[bytes, list[str]]:
    steps: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        if focus == "rels":
            op = draw(st.sampled_from(["relationship", "relationship", "doctype", "bytes"]))
        elif focus == "types":
            op = draw(st.sampled_from(["content-type", "content-type", "doctype", "tag"]))
        else:
            op = draw(st.sampled_from(["truncate", "doctype", "tag", "nesting", "attribute",
                                       "bytes", "declaration", "utf16", "relationship",
                                       "content-type", "text", "empty", "strip-text"]))
        position = draw(st.integers(0, len(data)))
        if op == "truncate":
            data = data[:position]
            steps.append(f"truncate at {position}")
        elif op == "doctype":
            doctype = draw(st.sampled_from(_DOCTYPES))
            where = draw(st.sampled_from(["after-declaration", "start", "anywhere"]))
            if where == "start":
                at = 0
            elif where == "after-declaration":
                at = data.find(b"?>") + 2 if b"?>" in data[:200] else 0
            else:
                at = position
            data = data[:at] + doctype + data[at:]
            if draw(st.booleans()) and b"&c;" not in data:
                body = data.find(b"<w:t>")
                if body > 0:
                    data = data[:body + 5] + b"&c;&xxe;" + data[body + 5:]
            steps.append(f"doctype {doctype[:40]!r} ({where})")
        elif op == "tag":
            name = draw(st.sampled_from(["w:p", "w:t", "w:r", "x", "w:altChunk", "w:object",
                                         "mc:Fallback", "v:textbox", "w:tab", "a:b:c", "1x",
                                         "w:br"]))
            shape = draw(st.sampled_from(["<{}>", "</{}>", "<{}/>", "<{} a='1'>x</{}>",
                                          "<{} xmlns:w='urn:x'/>", "<{}", "<![CDATA[{}]]>",
                                          "<!--{}-->", "<?{} x?>", "&{};", "&#0;", "&#xD800;"]))
            tag = shape.replace("{}", name).encode()
            data = data[:position] + tag + data[position:]
            steps.append(f"tag {tag!r} at {position}")
        elif op == "nesting":
            depth = draw(st.sampled_from([100, 255, 256, 257, 1000, 10_000, 100_000]))
            name = draw(st.sampled_from([b"w:p", b"w:r", b"x", b"w:txbxContent"]))
            at = data.find(b"<w:body>")
            at = at + len(b"<w:body>") if at >= 0 else position
            closed = draw(st.booleans())
            nest = b"<" + name + b">"
            data = (data[:at] + nest * depth + (b"</" + name + b">") * depth * closed
                    + data[at:])
            steps.append(f"nesting {name!r} x{depth} closed={closed}")
        elif op == "attribute":
            size = draw(st.sampled_from([1000, 65_536, 1 << 20, 3 << 20]))
            filler = draw(st.sampled_from(["A", "random", "&amp;", "&#x41;"]))
            if filler == "random":
                value = _random_bytes(size, size * 3 // 4).hex()[:size].encode()
            else:
                value = filler.encode() * (size // len(filler))
            at = data.find(b"<w:body")
            at = at + len(b"<w:body") if at >= 0 else max(0, data.find(b" ", 40))
            data = data[:at] + b' huge="' + value + b'"' + data[at:]
            steps.append(f"attribute of {size} x {filler!r}")
        elif op == "bytes":
            data, done = draw(byte_ops(data))
            steps += done
        elif op == "declaration":
            declaration = draw(st.sampled_from([
                b'<?xml version="1.0" encoding="UTF-16"?>', b'<?xml version="1.1"?>',
                b'<?xml version="1.0" encoding="bogus"?>', b'<?xml version="2.0"?>',
                b'<?xml version="1.0" encoding="ISO-8859-1"?>', b"<?xml?>", b""]))
            end = data.find(b"?>")
            data = declaration + (data[end + 2:] if 0 <= end < 200 else data)
            steps.append(f"declaration {declaration!r}")
        elif op == "utf16":
            encoding = draw(st.sampled_from(["utf-16", "utf-16-be", "utf-32"]))
            data = data.decode("utf-8", "replace").encode(encoding)
            steps.append(f"re-encoded as {encoding}")
        elif op == "relationship":
            relation = _relationship(draw)
            end = data.rfind(b"</Relationships>")
            data = data[:end] + relation + data[end:] if end >= 0 else data + relation
            steps.append(f"relationship {relation[:120]!r}")
        elif op == "content-type":
            content_type = draw(st.sampled_from([
                b"application/vnd.ms-word.document.macroEnabled.main+xml",
                b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
                b"text/html", b"", b"\xff"]))
            data = re.sub(rb'ContentType="[^"]*document\.main\+xml"',
                          b'ContentType="' + content_type + b'"', data)
            steps.append(f"content type {content_type!r}")
        elif op == "text":
            chunk = draw(st.text(min_size=1, max_size=50)).encode("utf-8", "surrogatepass")
            data = data.replace(b"<w:t>", b"<w:t>" + chunk, 1)
            steps.append(f"text {chunk!r}")
        elif op == "strip-text":
            data = _TEXT_RUN.sub(b"", data)
            steps.append("text runs removed")
        else:
            data = b""
            steps.append("emptied")
    return data, [f"{part.decode()}: {step}" for step in steps]


@st.composite
def docx_op(draw: st.DrawFn, docx: bytes) -> tuple[bytes, list[str]]:
    """Mutate the XML or the package structure of one .docx."""
    model = parse(docx)
    steps: list[str] = []
    names = [e.name for e in model.entries]
    for _ in range(draw(st.integers(1, 2))):
        op = draw(st.sampled_from(["xml", "xml", "xml", "rels", "types", "part", "zip"]))
        if op in ("xml", "rels", "types"):
            if op == "rels":
                part = draw(st.sampled_from([n for n in names if n.endswith(b".rels")]))
            elif op == "types":
                part = b"[Content_Types].xml"
            else:
                part = draw(st.one_of(st.sampled_from([p for p in _XML_PARTS if p in names]),
                                      st.sampled_from(names)))
            entry = model.find(part)
            if entry is None:
                continue
            mutated, done = draw(xml_ops(entry.inflated(), part, focus=op))
            method = 0 if len(mutated) > (1 << 20) and b"AAAA" in mutated[:1 << 16] else None
            entry.set_content(mutated, method)
            steps += done
        elif op == "part":
            shape = draw(st.sampled_from(["drop", "vba", "rename", "ole", "add-rels"]))
            index = draw(st.integers(0, len(model.entries) - 1))
            if shape == "drop":
                steps.append(f"drop part {model.entries.pop(index).name!r}")
            elif shape == "vba":
                model.entries.append(_new_entry(b"word/vbaProject.bin", b"\xd0\xcf\x11\xe0"))
                steps.append("add word/vbaProject.bin")
            elif shape == "rename":
                name, utf8 = draw(hostile_name())
                steps.append(f"rename part {model.entries[index].name!r} to {name[:60]!r}")
                model.entries[index].set_name(name, utf8=utf8)
            elif shape == "ole":
                model.entries.append(_new_entry(b"word/embeddings/oleObject1.bin",
                                                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)))
                steps.append("add an OLE object part")
            else:
                model.entries.append(_new_entry(b"word/_rels/x.xml.rels",
                                                b"<Relationships>" + _relationship(draw)
                                                + b"</Relationships>"))
                steps.append("add a .rels part")
        else:
            steps.append("zip " + draw(header_op(model)))
    return model.serialize(), steps


def _has_docx(model: ZipModel) -> bool:
    return any(e.name.endswith(b".docx") for e in model.entries)


@st.composite
def docx_mutated(draw: st.DrawFn, fresh: bool = False) -> Case:
    seed, model, steps = draw(seed_model(fresh, seeds_with(_has_docx)))
    documents = [e for e in model.entries if e.name.endswith(b".docx")]
    entry = draw(st.sampled_from(documents))
    docx, done = draw(docx_op(entry.inflated()))
    method = 0 if len(docx) > (1 << 20) else None  # keep big parts clear of LIMIT-RATIO
    entry.set_content(docx, method)
    steps += [f"{entry.name.decode()}!{step}" for step in done]
    return Case(seed, model.serialize(), tuple(steps))


# -- everything ---------------------------------------------------------------------------


@st.composite
def any_mutation(draw: st.DrawFn, fresh: bool = False) -> Case:
    """One family of mutations, sometimes followed by a few raw byte edits."""
    case = draw(st.one_of(byte_mutated(fresh), header_mutated(fresh), member_mutated(fresh),
                          text_mutated(fresh), docx_mutated(fresh)))
    if draw(st.integers(0, 9)) == 0:
        data, steps = draw(byte_ops(case.data))
        case = Case(case.seed, data, case.steps + tuple(steps))
    return case


def flooded(fresh: bool = False) -> st.SearchStrategy[Case]:
    """A text file filled up to text_size with one kind of line: slow cases (about a second
    each), for the long run only."""
    return text_mutated(fresh, flood=True)


FAMILIES: dict[str, Callable[[bool], st.SearchStrategy[Case]]] = {
    "bytes": byte_mutated, "headers": header_mutated, "members": member_mutated,
    "text": text_mutated, "docx": docx_mutated, "flood": flooded, "any": any_mutation,
}
