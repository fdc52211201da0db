"""One reading of every archive, every byte checked (issue 13; spec §4.1).

The hostile shapes themselves are conformance cases (samples/cvgen/conformance_zip.py,
checked by code in tests/test_conformance.py); these tests check what their messages say
(offsets, counts, what is missing), the shapes that must stay valid, and that members nobody
reads are inflated and CRC-checked, in bounded memory.
"""

from __future__ import annotations

import io
import os
import tracemalloc
from dataclasses import replace
from pathlib import Path

import pytest

from cvbridge import validate_bundle
from cvbridge.bundle._archive import ArchiveCaps, open_checked_archive
from cvbridge.bundle._report import FindingsCollector
from samples.cvgen import conformance_zip as cases
from samples.cvgen import zipraw
from samples.cvgen.minimal import minimal_bundle
from tests.bundles import RawMember, bundle_files, check, docx_parts, raw_bundle, raw_zip, write

MIB = 1 << 20


def findings(tmp_path: Path, data: bytes) -> list[tuple[str, str | None, str]]:
    report = validate_bundle(write(tmp_path, data))
    return [(f.code, f.member, f.message) for f in report.findings]


# -- shapes real archivers write: valid ---------------------------------------------------


@pytest.mark.parametrize("build", [cases.zip64_end_record, cases.descriptor_unsigned,
                                   cases.path_encoding_utf8])
def test_shapes_that_stay_valid(tmp_path: Path, build: object) -> None:
    assert callable(build)
    assert findings(tmp_path, build()) == []


def test_zip64_data_descriptor_is_compared_with_8_byte_sizes(tmp_path: Path) -> None:
    members = minimal_bundle().members()
    members = [replace(zipraw.streamed(m), zip64=True, descriptor_zip64=True) for m in members]
    assert findings(tmp_path, zipraw.build_zip(members)) == []


# -- one end record, and where the central directory is ----------------------------------


def test_two_end_records_name_both_offsets(tmp_path: Path) -> None:
    data = cases.end_ambiguous()
    first = data.find(b"PK\x05\x06")
    second = data.find(b"PK\x05\x06", first + 1)
    assert findings(tmp_path, data) == [
        ("ZIP-END-AMBIGUOUS", None, f"the archive has end-of-central-directory signatures at "
                                    f"offsets {first}, {second}: it can be read more than one "
                                    f"way")]


def test_trailing_bytes_say_how_many_and_where(tmp_path: Path) -> None:
    data = cases.trailing_data()
    assert findings(tmp_path, data) == [
        ("ZIP-TRAILING-DATA", None, f"512 bytes follow the end of the archive, from offset "
                                    f"{len(data) - 512}")]


def test_cut_comment_says_how_many_bytes_are_missing(tmp_path: Path) -> None:
    data = cases.truncated_comment()
    end = data.rfind(b"PK\x05\x06")
    assert findings(tmp_path, data) == [
        ("ZIP-TRUNCATED", None, f"the archive is cut short: the end record at offset {end} "
                                f"declares a 112-byte comment and the file ends after 52: 60 "
                                f"bytes are missing at the end")]


def test_bytes_lost_in_the_middle_are_counted(tmp_path: Path) -> None:
    whole = minimal_bundle().zip()
    cut = whole[:1000] + whole[1100:]
    end = len(cut) - 22
    cd_size = int.from_bytes(cut[end + 12:end + 16], "little")
    cd_offset = int.from_bytes(cut[end + 16:end + 20], "little")
    assert findings(tmp_path, cut) == [
        ("ZIP-TRUNCATED", None, f"the archive is cut short: the end record at offset {end} "
                                f"places the central directory at offsets {cd_offset} to "
                                f"{cd_offset + cd_size}: 100 bytes are missing before the end "
                                f"record")]


def test_self_extractor_stub(tmp_path: Path) -> None:
    expected = [("ZIP-PREPENDED", None, "4096 bytes from offset 0 come before the first member "
                                        "and belong to none")]
    assert findings(tmp_path, cases.prepended()) == expected
    assert findings(tmp_path, cases.prepended_adjusted()) == expected


def test_gap_between_members(tmp_path: Path) -> None:
    data = cases.gap()
    at = data.find(b"cache ")
    assert findings(tmp_path, data) == [
        ("ZIP-GAP", None, f"64 bytes at offset {at} belong to no member")]


def test_entry_count_that_the_directory_does_not_hold(tmp_path: Path) -> None:
    data = cases.directory_count()
    cd_offset = data.find(b"PK\x01\x02")
    assert findings(tmp_path, data) == [
        ("ZIP-DIRECTORY-MISMATCH", None, f"the central directory does not match the end "
                                         f"record (offset {cd_offset}): the end record counts "
                                         f"4 entries, the central directory holds 3")]


def test_zip64_records_that_disagree(tmp_path: Path) -> None:
    data = cases.zip64_mismatch()
    record = data.find(b"PK\x06\x06")
    assert findings(tmp_path, data) == [
        ("ZIP-ZIP64-MISMATCH", None, f"the zip64 end records do not match the end record "
                                     f"(offset {record}): its entry count is 99, the end "
                                     f"record's 3")]


# -- entries whose values point nowhere: a finding, never an exception --------------------


@pytest.mark.parametrize("offset", [1 << 63, (1 << 64) - 1, 1 << 40])
def test_zip64_offset_far_past_the_file(tmp_path: Path, offset: int) -> None:
    members = minimal_bundle().members()
    members[1] = replace(members[1], central_zip64_offset=offset)
    data = zipraw.build_zip(members)
    [(code, member, message)] = findings(tmp_path, data)
    assert (code, member) == ("ZIP-ENTRY-INVALID", None)
    assert message.endswith(f"its local header offset {offset} is not before the central "
                            f"directory (offset {data.find(b'PK' + bytes([1, 2]))})")


def test_zip64_size_far_past_the_file(tmp_path: Path) -> None:
    [(code, _, message)] = findings(tmp_path, cases.entry_size_huge())
    assert code == "ZIP-ENTRY-INVALID"
    assert f"its {(1 << 64) - 1} bytes of data from offset" in message


def test_zip64_mark_without_its_extra_field(tmp_path: Path) -> None:
    member = RawMember("cvs/lettre.pdf", b"%PDF-1.4", compress_size=0xFFFFFFFF)
    [(code, _, message)] = findings(tmp_path, raw_bundle([member]))
    assert code == "ZIP-ENTRY-INVALID"
    assert message.endswith("its compressed size is marked 0xFFFFFFFF but its zip64 extra "
                            "field does not hold it")


# -- data descriptors ---------------------------------------------------------------------


def test_descriptor_that_disagrees_names_both_values(tmp_path: Path) -> None:
    data = cases.descriptor_mismatch()
    at = data.find(b"PK\x07\x08")
    [(code, member, message)] = findings(tmp_path, data)
    assert (code, member) == ("ZIP-DESCRIPTOR-MISMATCH", "cvs/dupont-marie.docx")
    assert message.startswith(f"the data descriptor at offset {at} does not match the central "
                              f"directory: it gives CRC-32 0badc0de and sizes ")


# -- every byte checked -------------------------------------------------------------------


def test_damaged_member_nobody_reads_fails_the_bundle(tmp_path: Path) -> None:
    report = validate_bundle(write(tmp_path, cases.crc_unreferenced()))
    [crc] = [f for f in report.findings if f.code == "ZIP-CRC"]
    assert (crc.member, crc.candidate) == ("__MACOSX/cvs/._dupont-marie.docx", None)
    assert not report.valid and report.bundle_errors == [crc]


def test_damaged_docx_part_nobody_parses_rejects_its_candidate(tmp_path: Path) -> None:
    parts = docx_parts()
    members = [RawMember(name, data) for name, data in parts.items()]
    members.append(RawMember("word/media/image1.png", b"\x89PNG\r\n\x1a\n" + bytes(200),
                             crc=0x1234))
    report = check(tmp_path, bundle_files(cv=raw_zip(members)))
    assert [(f.code, f.member, f.candidate) for f in report.findings] == [
        ("ZIP-CRC", "cvs/dupont.docx!word/media/image1.png", "candidats/dupont.txt")]


def test_unread_members_are_verified_in_bounded_memory() -> None:
    big = os.urandom(8 * MIB)  # incompressible: stored, 8 MiB, read by nobody
    data = raw_zip([RawMember("junk.bin", big, method=0),
                    RawMember("zeros.bin", b"x" * (4 * MIB)),
                    RawMember("bad.bin", b"y" * 1000, crc=1)])
    found = FindingsCollector()
    archive = open_checked_archive(io.BytesIO(data), len(data),
                                   ArchiveCaps(10, 64 * MIB, 64 * MIB, 10**6, MIB), found)
    assert archive is not None and found.findings == []
    tracemalloc.start()
    failed = archive.verify_unread()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert [(m.name, e.code) for m, e in failed] == [("bad.bin", "ZIP-CRC")]
    assert peak < MIB  # chunks of 64 KiB, never a member whole
    assert archive.verify_unread() == []  # each member once
