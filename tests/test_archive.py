"""The archive (spec §4.1, §9): hostile ZIPs are refused from their headers, before any member
is inflated, and every read is capped whatever the headers say.

Each test checks one shape and that it produces its finding and no other error.
"""

from __future__ import annotations

import dataclasses
import io
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from cvbridge import validate_bundle
from cvbridge.bundle._archive import (
    ArchiveCaps,
    CheckedArchive,
    MemberReadError,
    open_checked_archive,
)
from cvbridge.bundle._report import FindingsCollector, Report
from tests.bundles import (
    BZIP2,
    FLAG_ENCRYPTED,
    FLAG_UTF8,
    STORED,
    RawMember,
    bundle_files,
    candidate,
    check,
    codes,
    deflated_zeros,
    limits,
    quoted_overlap_bomb,
    raw_bundle,
    raw_zip,
    shared_header_bomb,
    write,
    zip_bytes,
)

GIB = 1 << 30
MIB = 1 << 20


@dataclass
class Cost:
    seconds: float = 0.0
    peak_bytes: int = 0


@contextmanager
def measured() -> Iterator[Cost]:
    """Wall time and peak Python allocations of the block."""
    cost = Cost()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield cost
    finally:
        cost.seconds = time.perf_counter() - start
        cost.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def bundle_members() -> list[RawMember]:
    return [RawMember(name, content.encode() if isinstance(content, str) else content)
            for name, content in bundle_files().items()]


# -- a sound archive --------------------------------------------------------------------


def test_valid_bundle_has_no_findings(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files())
    assert report.findings == []
    assert report.valid


def test_stored_members_and_directory_entries_are_fine(tmp_path: Path) -> None:
    files = {"cvs/": b"", **bundle_files()}
    assert check(tmp_path, zip_bytes(files, method=STORED)).findings == []


def test_streamed_archive_with_data_descriptors_is_valid(tmp_path: Path) -> None:
    import zipfile

    class Unseekable(io.RawIOBase):
        def __init__(self) -> None:
            self.written = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, data: bytes) -> int:  # type: ignore[override]
            self.written += data
            return len(data)

    out = Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in bundle_files().items():
            with archive.open(name, "w") as stream:
                stream.write(content.encode() if isinstance(content, str) else content)
    data = bytes(out.written)
    assert zipfile.ZipFile(io.BytesIO(data)).infolist()[0].flag_bits & 0x08  # really streamed
    assert check(tmp_path, data).findings == []


# -- not a ZIP, or not all of it --------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bytes(range(256)) * 4, "this file is not a ZIP archive (it starts with "
                                "b'\\x00\\x01\\x02\\x03')"),
        (b"", "this file is not a ZIP archive (it starts with b'')"),
        (b"%PDF-1.7\n%\xe2\xe3\n", "this file is not a ZIP archive (it starts with b'%PDF')"),
    ],
)
def test_not_a_zip(tmp_path: Path, data: bytes, message: str) -> None:
    report = check(tmp_path, data)
    assert [(f.code, f.message, f.member) for f in report.findings] == [
        ("ZIP-NOT-ZIP", message, None)]


def test_truncated_upload(tmp_path: Path) -> None:
    whole = zip_bytes(bundle_files())
    report = check(tmp_path, whole[: len(whole) // 2])
    assert [(f.code, f.message) for f in report.findings] == [
        ("ZIP-TRUNCATED",
         f"the archive is cut short: the file ends at byte {len(whole) // 2} with no "
         f"end-of-central-directory record in its last {len(whole) // 2} bytes: the central "
         "directory and the end record (at least 22 bytes) are missing")]


def test_member_data_running_past_the_members_is_an_invalid_entry(tmp_path: Path) -> None:
    """Not ZIP-TRUNCATED: the file does not end early, the entry lies about its size."""
    last = RawMember("cvs/lettre.pdf", b"%PDF-1.4", compress_size=10_000)
    data = raw_bundle([last])
    report = check(tmp_path, data)
    cd_offset = data.find(b"PK\x01\x02")
    entry = data.rfind(b"PK\x01\x02")
    header = data.rfind(b"PK\x03\x04")
    assert [(f.code, f.member, f.message) for f in report.findings] == [
        ("ZIP-ENTRY-INVALID", None,
         f"central directory entry 4 at offset {entry}: its 10000 bytes of data from offset "
         f"{header} would run past the members (the central directory starts at {cd_offset}, "
         f"the file is {len(data)} bytes)")]


# -- sizes declared in the headers ------------------------------------------------------


def liar_member(name: str, declared: int, really: int) -> RawMember:
    """A member whose deflate stream really inflates to ``really`` zero bytes."""
    return RawMember(name, payload=deflated_zeros(really), crc=0, file_size=declared)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [
        # Zeros deflate ~1000:1, so the declared ratio is over the limit too.
        (2 * GIB, {"LIMIT-MEMBER-SIZE", "LIMIT-RATIO", "LIMIT-TOTAL-SIZE"}),
        (64 * MIB + 1, {"LIMIT-MEMBER-SIZE", "LIMIT-RATIO"}),
    ],
)
def test_declared_size_over_member_size_is_refused_without_inflating(
    tmp_path: Path, declared: int, expected: set[str]
) -> None:
    # The member really inflates to what it declares: reading it would cost that much.
    path = write(tmp_path, raw_bundle([liar_member("cvs/lettre.pdf", declared, declared)]))
    with measured() as cost:
        report = validate_bundle(path)
    assert codes(report) == expected
    finding = next(f for f in report.findings if f.code == "LIMIT-MEMBER-SIZE")
    assert (finding.member, finding.candidate) == ("cvs/lettre.pdf", None)
    assert finding.message == (f"this member is {declared} bytes uncompressed; "
                               "the limit member_size is 67108864")
    assert cost.seconds < 0.5
    assert cost.peak_bytes < 100 * MIB


def test_declared_size_over_member_size_alone(tmp_path: Path) -> None:
    # Varied bytes deflate under 200:1: only the size limit is broken.
    text = "".join(f"{i * 7919 % 100003:06d}\n" for i in range(30_000)).encode()
    report = check(tmp_path, raw_bundle([RawMember("cvs/lettre.pdf", text)]),
                   limits=limits(member_size=100_000, ratio_min_size=100_000))
    assert [(f.code, f.member) for f in report.findings] == [
        ("LIMIT-MEMBER-SIZE", "cvs/lettre.pdf")]


def test_limit_member_size_is_configurable(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files(), limits=limits(member_size=100))
    # The manifest and the CV are over 100 bytes; the refused manifest is not also missing,
    # nor the refused CV, and the candidate file alone is not a wrapping folder.
    assert codes(report) == {"LIMIT-MEMBER-SIZE"}
    assert [f.member for f in report.findings] == ["manifest.txt", "cvs/dupont.docx"]


def test_declared_sizes_adding_up_over_total_size(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files(), limits=limits(total_size=500))
    assert [(f.code, f.member) for f in report.findings] == [("LIMIT-TOTAL-SIZE", None)]


def test_too_many_entries(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files(), limits=limits(member_count=2))
    assert [(f.code, f.message) for f in report.findings] == [
        ("LIMIT-MEMBER-COUNT", "the archive has more than 2 entries; the limit member_count is 2")]


def test_bundle_file_too_large(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files(), limits=limits(bundle_size=100))
    assert [f.code for f in report.findings] == ["LIMIT-BUNDLE-SIZE"]
    assert report.findings[0].message.endswith("bytes; the limit bundle_size is 100")


def test_compression_ratio_of_a_bomb(tmp_path: Path) -> None:
    bomb = RawMember("cvs/lettre.pdf", b"\0" * (2 * MIB))
    report = check(tmp_path, raw_bundle([bomb]))
    assert [(f.code, f.member) for f in report.findings] == [("LIMIT-RATIO", "cvs/lettre.pdf")]
    assert report.findings[0].message.endswith("; the limit ratio is 200:1")


def test_small_members_are_not_held_to_the_ratio(tmp_path: Path) -> None:
    padded = candidate() + "x-pad: " + " " * 500_000 + ".\n"  # compresses ~1000:1
    report = check(tmp_path, bundle_files() | {"candidats/dupont.txt": padded})
    assert report.findings == []


# -- overlapping members and lying headers ----------------------------------------------


def test_many_central_entries_on_one_local_header(tmp_path: Path) -> None:
    path = write(tmp_path, shared_header_bomb(1000, b"\0" * 500_000))
    with measured() as cost:
        report = validate_bundle(path)
    assert codes(report) == {"ZIP-OVERLAP"}
    assert report.findings[0].message == "this member's data overlaps member 'bomb.docx'"
    assert cost.seconds < 1


def test_quoted_overlap_bomb_is_real() -> None:
    """The builder's bomb inflates as designed (so the next test means something)."""
    import zipfile

    archive = quoted_overlap_bomb(4, 100_000)
    first = zipfile.ZipFile(io.BytesIO(archive)).infolist()[0]
    start = first.header_offset + 30 + len(first.filename)
    inflated = zlib.decompress(archive[start:start + first.compress_size], -15)
    assert len(inflated) == first.file_size
    assert zlib.crc32(inflated) == first.CRC


def test_quoted_overlap_bomb(tmp_path: Path) -> None:
    path = write(tmp_path, quoted_overlap_bomb(20, 500_000))
    with measured() as cost:
        report = validate_bundle(path)
    assert codes(report) == {"ZIP-OVERLAP"}
    assert [f.member for f in report.findings] == [f"cv{i:03d}.docx" for i in range(19)]
    assert report.findings[0].message == "this member's data overlaps member 'cv001.docx'"
    assert cost.seconds < 1
    assert cost.peak_bytes < 20 * MIB


def test_last_member_running_into_the_central_directory(tmp_path: Path) -> None:
    members = bundle_members()
    members[-1].compress_size = len(members[-1].compressed()) + 20
    report = check(tmp_path, raw_zip(members))
    assert [(f.code, f.message) for f in report.findings] == [
        ("ZIP-OVERLAP", "this member's data overlaps the central directory")]


@pytest.mark.parametrize(
    ("local", "field"),
    [
        ({"name": b"cvs/other.pdf"}, "name"),
        # Not UTF-8 although flagged so: no name at all, not one "close enough".
        ({"name": b"cvs/lettre.pdf\xff", "flags": FLAG_UTF8}, "name"),
        ({"method": STORED}, "compression method"),
        ({"crc": 0xDEADBEEF}, "CRC-32"),
        ({"compress_size": 3}, "compressed size"),
        ({"file_size": 1 << 30}, "uncompressed size"),
    ],
)
def test_local_header_disagreeing_with_central_directory(
    tmp_path: Path, local: dict[str, object], field: str
) -> None:
    member = RawMember("cvs/lettre.pdf", b"%PDF-1.4 " * 10, local=local)
    report = check(tmp_path, raw_bundle([member]))
    assert [(f.code, f.member, f.message) for f in report.findings] == [
        ("ZIP-HEADER-MISMATCH", "cvs/lettre.pdf",
         f"the local header disagrees with the central directory on {field}")]


# -- members that cannot be read --------------------------------------------------------


def test_encrypted_member(tmp_path: Path) -> None:
    member = RawMember("cvs/lettre.pdf", b"%PDF-1.4", flags=FLAG_ENCRYPTED)
    report = check(tmp_path, raw_bundle([member]))
    assert [(f.code, f.member, f.candidate) for f in report.findings] == [
        ("ZIP-ENCRYPTED", "cvs/lettre.pdf", None)]


def test_aes_member_is_one_finding(tmp_path: Path) -> None:
    member = RawMember("cvs/lettre.pdf", b"%PDF-1.4", method=99, flags=FLAG_ENCRYPTED)
    assert [f.code for f in check(tmp_path, raw_bundle([member])).findings] == ["ZIP-ENCRYPTED"]


@pytest.mark.parametrize(("method", "method_name"),
                         [(BZIP2, "bzip2"), (14, "LZMA"), (9, "Deflate64"), (93, "Zstandard")])
def test_unsupported_method(tmp_path: Path, method: int, method_name: str) -> None:
    member = RawMember("cvs/lettre.pdf", b"%PDF-1.4", method=method, payload=b"\0" * 8)
    report = check(tmp_path, raw_bundle([member]))
    assert [(f.code, f.message) for f in report.findings] == [
        ("ZIP-METHOD", f"compression method {method} ({method_name}) is not supported "
                       "(use deflate or store)")]


def test_crc_flip_in_a_cv_rejects_its_candidate(tmp_path: Path) -> None:
    members = bundle_members()
    members[2].crc = zlib.crc32(members[2].data) ^ 1
    members[2].local = {"crc": members[2].crc}
    report = check(tmp_path, raw_zip(members))
    assert [(f.code, f.member, f.candidate) for f in report.findings] == [
        ("ZIP-CRC", "cvs/dupont.docx", "candidats/dupont.txt")]
    assert report.rejected_candidates == ["candidats/dupont.txt"]
    assert report.bundle_errors == []


def test_crc_flip_in_the_manifest_fails_the_bundle(tmp_path: Path) -> None:
    members = bundle_members()
    members[0].crc = zlib.crc32(members[0].data) ^ 1
    report = check(tmp_path, raw_zip(members))
    assert [(f.code, f.candidate) for f in report.errors] == [("ZIP-CRC", None)]


def test_member_inflating_past_its_declared_size_is_cut_at_the_declared_size(
    tmp_path: Path
) -> None:
    """A member declares 1000 bytes (and the CRC of those) but inflates to 256 MiB."""
    liar = RawMember("cvs/lettre.pdf", payload=deflated_zeros(256 * MIB),
                     crc=zlib.crc32(b"\0" * 1000), file_size=1000)
    path = write(tmp_path, raw_bundle([liar], files=bundle_files(attachment="cvs/lettre.pdf")))
    with measured() as cost:
        report = validate_bundle(path)
    assert [(f.code, f.member, f.message) for f in report.findings] == [
        ("ZIP-SIZE-MISMATCH", "cvs/lettre.pdf",
         "this member inflates to a size other than the 1000 bytes its header declares")]
    assert cost.seconds < 1
    assert cost.peak_bytes < 10 * MIB


def test_member_inflating_to_less_than_declared(tmp_path: Path) -> None:
    members = bundle_members()
    members[1].file_size = len(members[1].data) + 40
    report = check(tmp_path, raw_zip(members))
    assert [(f.code, f.candidate) for f in report.errors] == [
        ("ZIP-SIZE-MISMATCH", "candidats/dupont.txt")]


# -- budgeted reads ---------------------------------------------------------------------


def opened(data: bytes, **caps: int) -> CheckedArchive:
    defaults = {"member_count": 100, "member_size": 10 * MIB, "total_size": 100 * MIB,
                "ratio": 10**6, "ratio_min_size": MIB}
    findings = FindingsCollector()
    archive = open_checked_archive(io.BytesIO(data), len(data),
                                   ArchiveCaps(**(defaults | caps)), findings)
    assert findings.findings == []
    assert archive is not None
    return archive


def test_read_stops_one_byte_past_the_cap() -> None:
    archive = opened(zip_bytes({"big.bin": b"\0" * (5 * MIB)}))
    with pytest.raises(MemberReadError) as caught:
        archive.read(archive.members[0], 1000)
    assert caught.value.code == "LIMIT-MEMBER-SIZE"
    assert archive.inflated == 1001


def test_reads_share_the_total_budget() -> None:
    archive = opened(zip_bytes({"a.bin": b"a" * 600, "b.bin": b"b" * 600}))
    # As if the headers had understated the sizes: only the read budget is left to stop it.
    archive.caps = dataclasses.replace(archive.caps, total_size=1000)
    assert archive.read(archive.members[0], 10_000) == b"a" * 600
    with pytest.raises(MemberReadError) as caught:
        archive.read(archive.members[1], 10_000)
    assert caught.value.code == "LIMIT-TOTAL-SIZE"
    assert archive.inflated <= 1001


def test_read_of_a_liar_never_goes_past_the_cap() -> None:
    """Declared 2 MiB, really 300 MiB: the read stops at the cap."""
    liar = RawMember("cv.docx", payload=deflated_zeros(300 * MIB), crc=0, file_size=2 * MIB)
    archive = opened(raw_zip([liar]))
    with measured() as cost, pytest.raises(MemberReadError) as caught:
        archive.read(archive.members[0], 1000)
    assert caught.value.code == "LIMIT-MEMBER-SIZE"
    assert archive.inflated == 1001
    assert cost.peak_bytes < 10 * MIB


def test_text_file_over_text_size_rejects_only_its_candidate(tmp_path: Path) -> None:
    padded = candidate() + "".join(f"x-line-{i}: {i * 7919}\n" for i in range(40))
    files = bundle_files() | {"candidats/dupont.txt": padded}
    report = check(tmp_path, files, limits=limits(text_size=300))
    assert [(f.code, f.member, f.candidate, f.message) for f in report.errors] == [
        ("LIMIT-MEMBER-SIZE", "candidats/dupont.txt", "candidats/dupont.txt",
         "this member is more than 300 bytes uncompressed; the limit text_size is 300")]


def test_report_records_size_and_sha256(tmp_path: Path) -> None:
    import hashlib

    data = zip_bytes(bundle_files())
    report: Report = validate_bundle(write(tmp_path, data))
    assert (report.size, report.sha256) == (len(data), hashlib.sha256(data).hexdigest())


# -- damaged archives: findings, never exceptions ---------------------------------------


def test_end_record_signature_inside_the_comment(tmp_path: Path) -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in bundle_files().items():
            archive.writestr(name, content)
        archive.comment = b"PK\x05\x06" + b"\xff" * 18  # a fake ZIP64-looking end record
    data = out.getvalue()
    report = check(tmp_path, data)
    real, fake = data.rfind(b"PK\x05\x06", 0, len(data) - 22), len(data) - 22
    assert [(f.code, f.message) for f in report.findings] == [
        ("ZIP-END-AMBIGUOUS", f"the archive has end-of-central-directory signatures at offsets "
                              f"{real}, {fake}: it can be read more than one way")]


def test_central_directory_offset_pointing_elsewhere(tmp_path: Path) -> None:
    data = bytearray(zip_bytes(bundle_files()))
    end = data.rfind(b"PK\x05\x06")
    data[end + 16:end + 20] = b"\0\0\0\0"  # zipfile then shifts every offset backwards
    report = check(tmp_path, bytes(data))
    assert codes(report) == {"ZIP-DIRECTORY-MISMATCH"}
    assert report.findings[-1].message.startswith(
        "the central directory does not match the end record (offset ")


def test_version_needed_that_no_tool_writes(tmp_path: Path) -> None:
    data = bytearray(zip_bytes(bundle_files()))
    central = data.find(b"PK\x01\x02")
    data[central + 6:central + 8] = (99).to_bytes(2, "little")
    report = check(tmp_path, bytes(data))
    assert [(f.code, f.message) for f in report.findings] == [
        ("ZIP-ENTRY-INVALID", f"central directory entry 1 at offset {central}: it needs ZIP "
                              "version 9.9 to be read; no standard tool needs more than 6.3")]


def test_strong_encryption_flag(tmp_path: Path) -> None:
    member = RawMember("cvs/lettre.pdf", b"%PDF-1.4", flags=0x40)
    assert [f.code for f in check(tmp_path, raw_bundle([member])).findings] == ["ZIP-ENCRYPTED"]


def test_patched_data_flag_is_an_unsupported_method(tmp_path: Path) -> None:
    member = RawMember("cvs/lettre.pdf", b"%PDF-1.4", flags=0x20)
    files = bundle_files(attachment="cvs/lettre.pdf")
    report = check(tmp_path, raw_bundle([member], files=files))
    assert [(f.code, f.member, f.message) for f in report.findings] == [
        ("ZIP-METHOD", "cvs/lettre.pdf", "compression method 8 (patched data, flag bit 5) is "
                                         "not supported (use deflate or store)")]


def test_random_damage_never_raises(tmp_path: Path) -> None:
    """Bytes flipped, fields overwritten with extreme values, runs deleted: always a report."""
    import random

    base = zip_bytes(bundle_files(attachment="cvs/lettre.pdf") | {"cvs/lettre.pdf": b"%PDF-"})
    rng = random.Random(20240502)
    path = tmp_path / "damaged.zip"
    seen: set[str] = set()
    for _ in range(300):
        data = bytearray(base)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            roll = rng.random()
            if roll < 0.6:
                data[at] = rng.randrange(256)
            elif roll < 0.8:
                data[at:at + 4] = rng.choice([b"\xff\xff\xff\xff", b"\0\0\0\0", b"PK\x05\x06"])
            else:
                del data[at:at + rng.randint(1, 50)]
        path.write_bytes(bytes(data))
        seen |= codes(validate_bundle(path))
    assert {"ZIP-TRUNCATED", "ZIP-HEADER-MISMATCH"} <= seen  # the damage was noticed


# -- reads as zipfile reads -------------------------------------------------------------


def _zipfile_read(data: bytes, n: int) -> bytes | str:
    """What zipfile's own read(n) of the only member gives, or the finding code it means."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive, archive.open("part.xml") as part:
            return part.read(n)
    except zipfile.BadZipFile:
        return "ZIP-CRC"
    except zlib.error:
        return "ZIP-INFLATE"
    except EOFError:
        return "ZIP-TRUNCATED"


def _peek(data: bytes, n: int) -> bytes | str:
    archive = opened(data)
    try:
        return archive.peek(archive.members[0], n)
    except MemberReadError as exc:
        return exc.code


@pytest.mark.parametrize("size", [0, 1, 700, 4095, 4096, 4097, 30_000])
@pytest.mark.parametrize("n", [1, 512, 4096, 5000, 40_000])
def test_peek_reads_what_zipfile_reads(size: int, n: int) -> None:
    """One round of inflation (a .docx part nearly always) or several: the same bytes."""
    content = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    data = zip_bytes({"part.xml": content})
    assert _peek(data, n) == _zipfile_read(data, n) == content[:n]


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
@pytest.mark.parametrize("size", [900, 30_000])
@pytest.mark.parametrize("n", [512, 4096, 40_000])
def test_peek_of_damaged_deflate_data_fails_as_zipfile_does(where: float, size: int,
                                                           n: int) -> None:
    """A flipped byte early, midway or late in the compressed data: the same error as
    zipfile's, or the same bytes when the damage lies past what the read inflates."""
    content = b"".join(b"<w:t>%d</w:t>" % i for i in range(size // 12))[:size]
    payload = bytearray(_deflate(content))
    payload[int(len(payload) * where)] ^= 0x5A
    data = raw_zip([RawMember("part.xml", content, payload=bytes(payload))])
    assert _peek(data, n) == _zipfile_read(data, n)


def _deflate(content: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(content) + compressor.flush()


def test_read_of_a_small_member_with_a_bad_crc() -> None:
    data = raw_zip([RawMember("part.xml", b"<a/>" * 50, crc=0x12345678)])
    archive = opened(data)
    with pytest.raises(MemberReadError) as caught:
        archive.read(archive.members[0], 10_000)
    assert caught.value.code == "ZIP-CRC"
