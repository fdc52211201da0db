"""Member names (spec §4.2): decoding, the PATH-* rules, clashes and the wrapping folder."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from cvbridge.bundle._paths import (
    UTF8_FLAG,
    clash_key,
    common_top_folder,
    decode_member_name,
    is_symlink,
    name_problems,
)
from tests.bundles import (
    FILE_ATTR,
    SYMLINK_ATTR,
    RawMember,
    bundle_files,
    check,
    codes,
    docx,
    raw_bundle,
    raw_zip,
)

# -- decoding ---------------------------------------------------------------------------


def test_flagged_name_is_taken_as_is_and_normalised_to_nfc() -> None:
    raw = unicodedata.normalize("NFD", "cvs/Hélène.docx").encode()
    decoded = decode_member_name(raw, UTF8_FLAG)
    assert decoded.name == unicodedata.normalize("NFC", "cvs/Hélène.docx")
    assert decoded.guessed_encoding is None


def test_ascii_name_without_flag_needs_no_guess() -> None:
    assert decode_member_name(b"cvs/martin.doc", 0).guessed_encoding is None


def test_utf8_name_without_flag_is_read_as_utf8_without_a_guess() -> None:
    """Info-ZIP on Linux and macOS write UTF-8 without the flag: no code page to guess."""
    decoded = decode_member_name("Bérard.txt".encode(), 0)
    assert (decoded.name, decoded.guessed_encoding) == ("Bérard.txt", None)


def test_cp850_name_without_flag_is_read_as_cp850() -> None:
    decoded = decode_member_name("Bérard ça.txt".encode("cp850"), 0)
    assert (decoded.name, decoded.guessed_encoding) == ("Bérard ça.txt", "cp850")


def test_unicode_path_field_gives_the_name() -> None:
    """Info-ZIP's Unicode Path extra field, when its CRC matches the header's name."""
    decoded = decode_member_name("Bérard.txt".encode("cp850"), 0, "Bérard.txt")
    assert (decoded.name, decoded.guessed_encoding) == ("Bérard.txt", None)


def test_flagged_name_that_is_not_utf8_is_flagged() -> None:
    decoded = decode_member_name("Bérard.txt".encode("cp850"), UTF8_FLAG)
    assert decoded.flagged_not_utf8


def test_macos_nfd_name_without_flag_is_normalised() -> None:
    raw = unicodedata.normalize("NFD", "Hélène.docx").encode("utf-8")
    assert decode_member_name(raw, 0).name == "Hélène.docx"


@pytest.mark.parametrize(("raw", "name"), [(b"./manifest.txt", "manifest.txt"),
                                           (b"././cvs/a.docx", "cvs/a.docx"), (b"./", ""),
                                           (b".config/a.txt", ".config/a.txt")])
def test_bsdtar_current_folder_prefix_is_dropped(raw: bytes, name: str) -> None:
    assert decode_member_name(raw, 0).name == name


# -- the rules on names -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cvs/dupont.docx", []),
        ("cvs/..dupont.docx", []),  # '..' inside a segment is a plain name
        ("/etc/passwd", ["PATH-ABSOLUTE"]),
        ("cvs/../../x.docx", ["PATH-TRAVERSAL"]),
        ("..", ["PATH-TRAVERSAL"]),
        ("cvs\\dupont.docx", ["PATH-BACKSLASH"]),
        ("cvs\\..\\x.docx", ["PATH-BACKSLASH", "PATH-TRAVERSAL"]),
        ("C:/x.docx", ["PATH-DRIVE"]),
        ("c:x.docx", ["PATH-DRIVE"]),
        ("cvs/x\x07.docx", ["PATH-CONTROL"]),
        ("cvs/x\x7f.docx", ["PATH-CONTROL"]),
        ("cvs/line\nbreak.docx", ["PATH-CONTROL"]),
    ],
)
def test_name_problems(name: str, expected: list[str]) -> None:
    assert name_problems(name) == expected


def test_symlink_is_read_from_the_unix_mode() -> None:
    assert is_symlink(SYMLINK_ATTR)
    assert not is_symlink(FILE_ATTR)
    assert not is_symlink(0x20)  # an MS-DOS archive attribute, no Unix mode


def test_clash_key_folds_case_and_unicode_form() -> None:
    nfd = unicodedata.normalize("NFD", "CVS/HÉLÈNE.DOCX")
    assert clash_key(nfd) == clash_key("cvs/hélène.docx")
    assert clash_key("cvs/a.docx") != clash_key("cvs/b.docx")


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["export/manifest.txt", "export/cvs/a.docx"], "export"),
        (["manifest.txt", "export/cvs/a.docx"], None),
        (["a/manifest.txt", "b/cvs/a.docx"], None),
        (["export"], None),  # a file named like a folder is not a folder
    ],
)
def test_common_top_folder(names: list[str], expected: str | None) -> None:
    assert common_top_folder(names) == expected


# -- the rules, checking whole bundles --------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("/etc/cron.d/x.pdf", "PATH-ABSOLUTE"),
        ("cvs/../../x.pdf", "PATH-TRAVERSAL"),
        ("cvs\\x.pdf", "PATH-BACKSLASH"),
        ("C:/Users/x.pdf", "PATH-DRIVE"),
        ("cvs/x\x01.pdf", "PATH-CONTROL"),
        ("cvs/x.pdf\x00.docx", "PATH-CONTROL"),  # zipfile itself cuts names at a NUL
    ],
)
def test_dangerous_name_fails_the_bundle(tmp_path: Path, name: str, code: str) -> None:
    report = check(tmp_path, raw_bundle([RawMember(name, b"%PDF-1.4")]))
    assert codes(report) == {code}
    [finding] = report.findings
    assert finding.member == name
    assert finding.candidate is None  # bundle-level: the bundle fails


def test_backslash_member_is_what_its_forward_slash_reference_meant(tmp_path: Path) -> None:
    files = bundle_files()
    cv = files.pop("cvs/dupont.docx")
    assert isinstance(cv, bytes)
    report = check(tmp_path, raw_bundle([RawMember("cvs\\dupont.docx", cv)], files=files))
    assert [f.code for f in report.findings] == ["PATH-BACKSLASH"]  # no REF-MISSING


def test_control_character_is_shown_escaped(tmp_path: Path) -> None:
    report = check(tmp_path, raw_bundle([RawMember("cvs/x\x1b[2J.pdf", b"%PDF-1.4")]))
    assert [f.message for f in report.findings] == [
        "member path 'cvs/x\\x1b[2J.pdf' contains a control character"]


def test_symlink_fails_the_bundle(tmp_path: Path) -> None:
    link = RawMember("cvs/lettre.pdf", b"/etc/passwd", external_attr=SYMLINK_ATTR)
    report = check(tmp_path, raw_bundle([link]))
    assert codes(report) == {"PATH-SYMLINK"}
    assert report.findings[0].message == "member 'cvs/lettre.pdf' is a symbolic link"


def test_reference_to_a_refused_member_is_not_also_missing(tmp_path: Path) -> None:
    link = RawMember("cvs/lettre.pdf", b"/etc/passwd", external_attr=SYMLINK_ATTR)
    files = bundle_files(attachment="cvs/lettre.pdf")
    report = check(tmp_path, raw_bundle([link], files=files))
    assert codes(report) == {"PATH-SYMLINK"}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("cvs/lettre.pdf", "CVS/Lettre.PDF"),  # case only
        ("cvs/lettre-é.pdf", unicodedata.normalize("NFD", "cvs/lettre-é.pdf")),  # form only
    ],
)
@pytest.mark.parametrize("referenced", [0, 1])
def test_names_equal_once_folded_clash(tmp_path: Path, first: str, second: str,
                                       referenced: int) -> None:
    """Both names are refused: the other one is neither missing nor unreferenced."""
    files = bundle_files(attachment=unicodedata.normalize("NFC", (first, second)[referenced]))
    report = check(tmp_path, raw_bundle([RawMember(first, b"%PDF-1.4"),
                                         RawMember(second, b"%PDF-1.4")], files=files))
    assert [(f.code, f.candidate) for f in report.findings] == [("PATH-CLASH", None)]


def test_nfd_and_upper_case_name_clashes_with_nfc_name(tmp_path: Path) -> None:
    nfc = "cvs/Hélène.pdf"
    nfd_upper = unicodedata.normalize("NFD", nfc.upper())
    assert nfd_upper.encode() != nfc.upper().encode()  # really another byte sequence
    files = bundle_files(attachment=nfc)
    report = check(tmp_path, raw_bundle([RawMember(nfc, b"%PDF-1.4"),
                                         RawMember(nfd_upper, b"%PDF-1.4")], files=files))
    assert codes(report) == {"PATH-CLASH"}
    [clash] = report.findings
    assert clash.member == unicodedata.normalize("NFC", nfd_upper)
    assert clash.message == (f"member '{unicodedata.normalize('NFC', nfd_upper)}' has the same "
                             f"name as '{nfc}' once case and Unicode form are ignored")


def test_cp850_name_is_reported_and_its_reference_still_resolves(tmp_path: Path) -> None:
    name = "candidats/bérard/CV Hélène Bérard.docx"
    files = bundle_files(cv_file=name)
    del files["cvs/dupont.docx"]
    members = [RawMember(n, c.encode() if isinstance(c, str) else c) for n, c in files.items()]
    members.append(RawMember(name.encode("cp850"), docx()))  # no UTF-8 flag
    report = check(tmp_path, raw_zip(members))
    assert codes(report) == {"PATH-ENCODING"}  # no REF-MISSING, no LAYOUT-UNREFERENCED
    [warning] = report.findings
    assert (warning.severity, warning.member) == ("warning", name)
    assert warning.message == (f"member name '{name}' is neither flagged nor valid UTF-8; "
                               "read as cp850")
    assert report.valid


def test_utf8_name_without_flag_is_not_reported(tmp_path: Path) -> None:
    name = "cvs/Hélène.docx"
    files = bundle_files(cv_file=name)
    del files["cvs/dupont.docx"]
    members = [RawMember(n, c.encode() if isinstance(c, str) else c) for n, c in files.items()]
    members.append(RawMember(name.encode("utf-8"), docx()))
    report = check(tmp_path, raw_zip(members))
    assert report.findings == []
