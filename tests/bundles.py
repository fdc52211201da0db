"""Builders for the tests: bundles, .docx packages, and hostile ZIPs crafted byte by byte.

Everything is built in memory or under ``tmp_path``; nothing depends on ``samples/``.

- ``manifest()`` / ``candidate()``: text files from key/value pairs, with overrides.
- ``docx()``: a minimal WordprocessingML package whose parts can all be replaced or added to.
- ``python_docx()``: an ordinary .docx written by python-docx.
- ``zip_bytes()``: a plain archive written with zipfile (fixed dates, deflate).
- ``RawMember`` / ``raw_zip()``: an archive written field by field, so that any header can lie.
- ``bundle_files()`` / ``write_bundle()``: a valid bundle, to be spoiled one file at a time.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cvbridge import Report, validate_bundle
from cvbridge.bundle._schema import Limits, load_spec

# -- text files -------------------------------------------------------------------------

MANIFEST = {
    "format": "cvbundle/1.0",
    "bundle_id": "TEST-2024-001",
    "vendor": "acme",
    "created_at": "2024-05-02T18:30:00+02:00",
    "candidate_count": "1",
}
CANDIDATE = {
    "external_id": "C-001",
    "last_name": "Dupont",
    "first_name": "Marie",
    "cv_file": "cvs/dupont.docx",
}

Pairs = Mapping[str, str | None] | Sequence[tuple[str, str]]


def key_values(base: Mapping[str, str], changes: Mapping[str, str | None]) -> str:
    """``key: value`` lines; a change to None removes the key, new keys go at the end."""
    merged: dict[str, str | None] = {**base, **changes}
    return "".join(f"{key}: {value}\n" for key, value in merged.items() if value is not None)


def manifest(**changes: str | None) -> str:
    return key_values(MANIFEST, changes)


def candidate(**changes: str | None) -> str:
    return key_values(CANDIDATE, changes)


# -- .docx ------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WPS_NS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
DOCX_MAIN_TYPE = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
DOCM_MAIN_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def paragraphs(*texts: str) -> str:
    """``<w:p>`` elements, one per text."""
    return "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>"
                   for text in texts)


def word_part(root: str, inner: str) -> bytes:
    """A WordprocessingML part (``document``, ``hdr``, ``ftr``) with the usual namespaces."""
    return (f'{XML_DECLARATION}<w:{root} xmlns:w="{W_NS}" xmlns:r="{R_NS}" '
            f'xmlns:mc="{MC_NS}" xmlns:wps="{WPS_NS}">{inner}</w:{root}>').encode()


def document_xml(body: str) -> bytes:
    return word_part("document", f"<w:body>{body}</w:body>")


def relationships(*relations: tuple[str, str, str] | tuple[str, str, str, str]) -> bytes:
    """A .rels part from (Id, type suffix, target[, target mode]) tuples."""
    items = []
    for relation in relations:
        rid, kind, target = relation[:3]
        mode = f' TargetMode="{relation[3]}"' if len(relation) == 4 else ""
        items.append(f'<Relationship Id="{rid}" Type="{REL_TYPE}/{kind}" '
                     f'Target="{target}"{mode}/>')
    return (f'{XML_DECLARATION}<Relationships xmlns='
            f'"http://schemas.openxmlformats.org/package/2006/relationships">'
            f'{"".join(items)}</Relationships>').encode()


def content_types(main_type: str = DOCX_MAIN_TYPE, *extra: tuple[str, str]) -> bytes:
    """[Content_Types].xml: defaults for rels/xml, the main part, and (part, type) overrides."""
    overrides = "".join(f'<Override PartName="/{part}" ContentType="{kind}"/>'
                        for part, kind in (("word/document.xml", main_type), *extra))
    return (f'{XML_DECLARATION}<Types xmlns='
            f'"http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'{overrides}</Types>').encode()


def docx_parts(
    body: str | None = None,
    *,
    main_type: str = DOCX_MAIN_TYPE,
    document_rels: Iterable[tuple[str, ...]] = (),
    extra: Mapping[str, bytes] | None = None,
) -> dict[str, bytes]:
    """The parts of a minimal, valid .docx; ``extra`` adds or replaces parts."""
    rels = list(document_rels)
    parts = {
        "[Content_Types].xml": content_types(main_type),
        "_rels/.rels": relationships(("rId1", "officeDocument", "word/document.xml")),
        "word/document.xml": document_xml(
            paragraphs("Marie Dupont", "Comptable") if body is None else body),
    }
    if rels:
        parts["word/_rels/document.xml.rels"] = relationships(*rels)  # type: ignore[arg-type]
    parts.update(extra or {})
    return parts


def docx(body: str | None = None, **options: object) -> bytes:
    """A .docx package; see :func:`docx_parts` for the options.

    Written part by part on purpose: tests bend any part (a DOCTYPE, a cut XML, a lying
    content type) and count on its exact three parts. For an ordinary document as
    Word-like software writes it, use :func:`python_docx`.
    """
    return zip_bytes(docx_parts(body, **options))  # type: ignore[arg-type]


def python_docx(*texts: str, table: Sequence[Sequence[str]] = (), header: str = "",
                footer: str = "") -> bytes:
    """A .docx as Word-like software writes it, through python-docx."""
    import docx as python_docx_module  # local: python-docx is slow to import

    document = python_docx_module.Document()
    for text in texts:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for row, values in zip(grid.rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    if header:
        document.sections[0].header.paragraphs[0].text = header
    if footer:
        document.sections[0].footer.paragraphs[0].text = footer
    out = io.BytesIO()
    document.save(out)
    # python-docx dates each ZIP member with the clock: rewritten with fixed dates, the
    # same texts give the same bytes (and the same SHA-256) in every run.
    with zipfile.ZipFile(out) as saved:
        return zip_bytes({info.filename: saved.read(info) for info in saved.infolist()})


# -- plain ZIPs -------------------------------------------------------------------------

FIXED_DATE = (2024, 5, 2, 18, 30, 0)


def zip_bytes(files: Mapping[str, bytes | str], *, method: int = zipfile.ZIP_DEFLATED
              ) -> bytes:
    """An archive as zip(1) would write it (names with the UTF-8 flag when not ASCII)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, FIXED_DATE)
            info.compress_type = method
            info.external_attr = (0o40755 << 16) | 0x10 if name.endswith("/") else 0o644 << 16
            data = content.encode("utf-8") if isinstance(content, str) else content
            archive.writestr(info, data)
    return out.getvalue()


def bundle_files(*, cv: bytes | None = None, **candidate_changes: str | None
                 ) -> dict[str, bytes | str]:
    """A valid one-candidate bundle: manifest, candidate file and its .docx CV."""
    return {
        "manifest.txt": manifest(),
        "candidats/dupont.txt": candidate(**candidate_changes),
        "cvs/dupont.docx": docx() if cv is None else cv,
    }


def write(tmp_path: Path, data: bytes, name: str = "bundle.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def write_bundle(tmp_path: Path, files: Mapping[str, bytes | str] | None = None,
                 name: str = "bundle.zip") -> Path:
    return write(tmp_path, zip_bytes(bundle_files() if files is None else files), name)


def check(tmp_path: Path, files: Mapping[str, bytes | str] | bytes, *,
          limits: Limits | None = None) -> Report:
    """Write a bundle (files, or the archive's bytes) and validate it."""
    data = files if isinstance(files, bytes) else zip_bytes(files)
    return validate_bundle(write(tmp_path, data), limits=limits)


def codes(report: Report) -> set[str]:
    return {finding.code for finding in report.findings}


def error_codes(report: Report) -> set[str]:
    return {finding.code for finding in report.errors}


def limits(**overrides: int) -> Limits:
    return load_spec().limits.with_overrides(**overrides)


# -- hostile ZIPs, byte by byte ---------------------------------------------------------

STORED, DEFLATED, BZIP2 = 0, 8, 12
FLAG_ENCRYPTED, FLAG_DESCRIPTOR, FLAG_UTF8 = 0x1, 0x8, 0x800
FILE_ATTR = 0o100644 << 16
SYMLINK_ATTR = 0o120777 << 16
_DOS_TIME, _DOS_DATE = 0x9000, 0x58A2  # 2024-05-02 18:00
_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sHHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")


def deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


_MIB = 1 << 20
_FINAL_EMPTY_BLOCK = b"\x03\x00"  # BFINAL=1, fixed Huffman, end-of-block


def _flushed_zeros(size: int) -> bytes:
    """A non-final, byte-aligned deflate fragment that inflates to ``size`` zero bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(b"\0" * size) + compressor.flush(zlib.Z_FULL_FLUSH)


def deflated_zeros(size: int) -> bytes:
    """A raw deflate stream of ``size`` zero bytes, built in milliseconds even for GiBs.

    After a full flush a fragment needs nothing before it, so one compressed MiB of zeros
    can be repeated; 2 GiB take about 2 MB.
    """
    whole, rest = divmod(size, _MIB)
    return _flushed_zeros(_MIB) * whole + _flushed_zeros(rest) + _FINAL_EMPTY_BLOCK


@dataclass
class RawMember:
    """One member and the fields of its two headers; every field can be bent.

    ``name`` as bytes is written as is (no UTF-8 flag unless given in ``flags``); as str it
    is UTF-8 encoded, with the flag when not ASCII. ``payload`` replaces the compressed bytes;
    ``crc``, ``compress_size`` and ``file_size`` replace what the central header declares;
    ``local`` replaces fields of the local header only (keys: name, method, flags, crc,
    compress_size, file_size).
    """

    name: str | bytes
    data: bytes = b""
    method: int = DEFLATED
    flags: int = 0
    external_attr: int = FILE_ATTR
    payload: bytes | None = None
    crc: int | None = None
    compress_size: int | None = None
    file_size: int | None = None
    local: dict[str, object] = field(default_factory=dict)

    def raw_name(self) -> tuple[bytes, int]:
        if isinstance(self.name, bytes):
            return self.name, self.flags
        encoded = self.name.encode("utf-8")
        return encoded, self.flags | (0 if encoded.isascii() else FLAG_UTF8)

    def compressed(self) -> bytes:
        if self.payload is not None:
            return self.payload
        return deflate(self.data) if self.method == DEFLATED else self.data


@dataclass(frozen=True)
class _Central:
    name: bytes
    flags: int
    method: int
    crc: int
    compress_size: int
    file_size: int
    external_attr: int
    offset: int


def local_header(name: bytes, *, flags: int, method: int, crc: int, compress_size: int,
                 file_size: int) -> bytes:
    return _LOCAL.pack(b"PK\x03\x04", 20, flags, method, _DOS_TIME, _DOS_DATE, crc,
                       compress_size, file_size, len(name), 0) + name


def central_directory(entries: Iterable[_Central]) -> bytes:
    return b"".join(
        _CENTRAL.pack(b"PK\x01\x02", 0x031E, 20, entry.flags, entry.method, _DOS_TIME,
                      _DOS_DATE, entry.crc, entry.compress_size, entry.file_size,
                      len(entry.name), 0, 0, 0, 0, entry.external_attr, entry.offset)
        + entry.name
        for entry in entries)


def end_record(count: int, cd_size: int, cd_offset: int) -> bytes:
    return _END.pack(b"PK\x05\x06", 0, 0, count, count, cd_size, cd_offset, 0)


def raw_zip(members: Sequence[RawMember]) -> bytes:
    """An archive written field by field from ``members``."""
    out = bytearray()
    entries = []
    for member in members:
        name, flags = member.raw_name()
        payload = member.compressed()
        crc = zlib.crc32(member.data) if member.crc is None else member.crc
        central = _Central(
            name=name, flags=flags, method=member.method, crc=crc,
            compress_size=len(payload) if member.compress_size is None
            else member.compress_size,
            file_size=len(member.data) if member.file_size is None else member.file_size,
            external_attr=member.external_attr, offset=len(out))
        local = {"name": central.name, "flags": central.flags, "method": central.method,
                 "crc": central.crc, "compress_size": central.compress_size,
                 "file_size": central.file_size, **member.local}
        out += local_header(**local) + payload  # type: ignore[arg-type]
        entries.append(central)
    directory = central_directory(entries)
    return bytes(out + directory + end_record(len(entries), len(directory), len(out)))


def raw_bundle(extra: Sequence[RawMember] = (), *, files: Mapping[str, bytes | str] | None = None
               ) -> bytes:
    """A valid bundle (``bundle_files()`` unless ``files``) plus hand-made members."""
    members = [RawMember(name, content.encode() if isinstance(content, str) else content)
               for name, content in (bundle_files() if files is None else files).items()]
    return raw_zip([*members, *extra])


def shared_header_bomb(copies: int, data: bytes) -> bytes:
    """One local header and its data, and ``copies`` central entries all pointing at it."""
    payload = deflate(data)
    name = b"bomb.docx"
    crc = zlib.crc32(data)
    head = local_header(name, flags=0, method=DEFLATED, crc=crc, compress_size=len(payload),
                        file_size=len(data)) + payload
    entry = _Central(name, 0, DEFLATED, crc, len(payload), len(data), FILE_ATTR, 0)
    directory = central_directory([entry] * copies)
    return head + directory + end_record(copies, len(directory), len(head))


def quoted_overlap_bomb(files: int, kernel_size: int) -> bytes:
    """The "better zip bomb" (Fifield, 2019): each file's deflate stream quotes the next
    file's local header in a stored block and runs on into the next file's data, so every
    file inflates the one shared kernel. Every header is honest about its own member; only
    the members' data overlap."""
    kernel_data = b"\0" * kernel_size
    compressed = deflate(kernel_data)
    prefix = b""  # the local headers quoted before the kernel, for the file being built
    built: list[tuple[bytes, bytes, int, int, int]] = []  # last file first
    for index in reversed(range(files)):
        name = f"cv{index:03d}.docx".encode()
        crc = zlib.crc32(kernel_data, zlib.crc32(prefix))
        size = len(prefix) + kernel_size
        header = local_header(name, flags=0, method=DEFLATED, crc=crc,
                              compress_size=len(compressed), file_size=size)
        built.append((name, header, crc, len(compressed), size))
        quote = b"\x00" + struct.pack("<HH", len(header), len(header) ^ 0xFFFF)
        compressed = quote + header + compressed
        prefix = header + prefix
    body = compressed[5:]  # nobody quotes the first file's header
    centrals, offset = [], 0
    for name, header, crc, compress_size, file_size in reversed(built):
        centrals.append(_Central(name, 0, DEFLATED, crc, compress_size, file_size, FILE_ATTR,
                                 offset))
        offset += len(header) + 5
    directory = central_directory(centrals)
    return body + directory + end_record(len(centrals), len(directory), len(body))


# -- OLE compound files (legacy .doc, encrypted Office files) ---------------------------

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SECTOR = 512
_FREE, _END_OF_CHAIN, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_MINI_CUTOFF = 4096


def ole_file(streams: Mapping[str, bytes]) -> bytes:
    """A version 3 compound file holding ``streams`` at the root.

    Streams are padded to the mini-stream cutoff so that all of them live in regular
    sectors; readers only look at the bytes they need.
    """
    sectors: list[bytes] = []
    fat: list[int] = []
    starts: list[int] = []
    for data in streams.values():
        padded = data.ljust(_MINI_CUTOFF, b"\0")
        padded += b"\0" * (-len(padded) % _SECTOR)
        count = len(padded) // _SECTOR
        first = len(sectors)
        starts.append(first)
        sectors += [padded[i:i + _SECTOR] for i in range(0, len(padded), _SECTOR)]
        fat += [first + i + 1 for i in range(count - 1)] + [_END_OF_CHAIN]
    entries = [_directory_entry("Root Entry", 5, _END_OF_CHAIN, 0,
                                child=1 if streams else _NO_STREAM)]
    for index, (name, start) in enumerate(zip(streams, starts, strict=True), start=1):
        right = index + 1 if index < len(streams) else _NO_STREAM
        entries.append(_directory_entry(name, 2, start, max(len(streams[name]), _MINI_CUTOFF),
                                        right=right))
    directory = b"".join(entries)
    directory += b"\0" * (-len(directory) % _SECTOR)
    first_directory = len(sectors)
    directory_sectors = len(directory) // _SECTOR
    sectors += [directory[i:i + _SECTOR] for i in range(0, len(directory), _SECTOR)]
    fat += [first_directory + i + 1 for i in range(directory_sectors - 1)] + [_END_OF_CHAIN]
    fat_sector = len(sectors)
    fat.append(_FAT_SECTOR)
    assert len(fat) <= _SECTOR // 4, "one FAT sector is enough for test files"
    sectors.append(struct.pack(f"<{_SECTOR // 4}I", *fat, *[_FREE] * (_SECTOR // 4 - len(fat))))
    header = (OLE_MAGIC + b"\0" * 16 + struct.pack(
        "<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, 1, first_directory, 0,
        _MINI_CUTOFF, _END_OF_CHAIN, 0, _END_OF_CHAIN, 0)
        + struct.pack("<109I", fat_sector, *[_FREE] * 108))
    return header + b"".join(sectors)


def _directory_entry(name: str, kind: int, start: int, size: int, *, child: int = _NO_STREAM,
                     right: int = _NO_STREAM) -> bytes:
    encoded = (name + "\0").encode("utf-16-le")
    return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, _NO_STREAM, right,
                       child, b"\0" * 16, 0, 0, 0, start, size)


def word_fib(*, encrypted: bool = False, magic: int = 0xA5EC) -> bytes:
    """The start of a WordDocument stream: wIdent, nFib, ..., and the flags word."""
    flags = 0x0100 if encrypted else 0
    return struct.pack("<HHHHHH", magic, 0x00C1, 0, 0x0409, 0, flags)


def legacy_doc(*, encrypted: bool = False, magic: int = 0xA5EC) -> bytes:
    """An OLE file shaped like a Word 97 document (no text antiword could read)."""
    return ole_file({"WordDocument": word_fib(encrypted=encrypted, magic=magic),
                     "1Table": b"\0" * 16})


def encrypted_office_file() -> bytes:
    """What Word writes for a password-protected .docx: OLE with EncryptedPackage."""
    return ole_file({"EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00",
                     "EncryptedPackage": b"\x10\x00\x00\x00\x00\x00\x00\x00" + b"\xaa" * 16})
