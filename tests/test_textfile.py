"""Text files (spec §5): encodings, the ``key: value`` syntax, continuations and key rules."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from cvbridge import Candidate, open_bundle
from cvbridge.bundle._report import FindingsCollector
from cvbridge.bundle._textfile import Entry, decode_text, parse_entries
from tests.bundles import (
    bundle_files,
    candidate,
    check,
    codes,
    manifest,
    write,
    zip_bytes,
)

CANDIDATE_FILE = "candidats/dupont.txt"


def parsed(text: str) -> tuple[list[Entry], list[tuple[str, int | None, str]]]:
    findings = FindingsCollector()
    entries = parse_entries(text, findings, member="c.txt", candidate="c.txt")
    return entries, [(f.code, f.line, f.message) for f in findings.findings]


def decoded(data: bytes, encoding: str = "utf-8") -> tuple[str | None, list[tuple[str, int | None,
                                                                                     str]]]:
    findings = FindingsCollector()
    text = decode_text(data, encoding, findings, member="c.txt", candidate="c.txt")
    return text, [(f.code, f.line, f.message) for f in findings.findings]


def read_candidate(tmp_path: Path, text: str | bytes, **files: bytes | str) -> Candidate:
    bundle = bundle_files() | {CANDIDATE_FILE: text} | files
    with open_bundle(write(tmp_path, zip_bytes(bundle))) as opened:
        [only] = opened.bundle.candidates
        return only


def candidate_findings(tmp_path: Path, text: str | bytes) -> list[tuple[str, int | None, str]]:
    report = check(tmp_path, bundle_files() | {CANDIDATE_FILE: text})
    return [(f.code, f.line, f.message) for f in report.findings if f.member == CANDIDATE_FILE]


# -- decoding ---------------------------------------------------------------------------


def test_utf8_bom_is_dropped() -> None:
    assert decoded(codecs.BOM_UTF8 + "city: Sète\n".encode()) == ("city: Sète\n", [])


def test_bom_is_not_dropped_in_a_single_byte_encoding() -> None:
    text, _ = decoded(codecs.BOM_UTF8 + b"a: b\n", "windows-1252")
    assert text == "ï»¿a: b\n"


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_utf16_is_refused(bom: bytes) -> None:
    data = bom + "city: Lyon\n".encode("utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be")
    assert decoded(data) == (None, [
        ("TEXT-DECODE", 1, "line 1 is not valid utf-8 (the file is UTF-16)")])


def test_undecodable_bytes_are_reported_on_their_lines_and_the_rest_is_read() -> None:
    data = ("# Lefèvre\r\nexternal_id: X\r\n\r\nlast_name: Lef".encode() + b"\xe8vre\r\n"
            + b"city: Besan\xe7on\nfirst_name: Ren\xc3\xa9\n")
    assert decoded(data) == (
        "# Lefèvre\r\nexternal_id: X\r\n\r\nlast_name: Lef\ufffdvre\r\ncity: Besan\ufffdon\n"
        "first_name: René\n",
        [("TEXT-DECODE", 4, "line 4 is not valid utf-8"),
         ("TEXT-DECODE", 5, "line 5 is not valid utf-8")])


def test_nul_character_is_refused() -> None:
    assert decoded(b"a: b\nc: d\x00\n") == (None, [
        ("TEXT-DECODE", 2, "line 2 is not valid utf-8 (it holds NUL characters)")])


def test_windows_1252_text() -> None:
    text = "city: Besançon \u2013 5 \u20ac\n"  # en dash and euro: 0x96 and 0x80 in cp1252
    assert decoded(text.encode("cp1252"), "windows-1252") == (text, [])


# -- syntax -----------------------------------------------------------------------------


def test_entries_with_line_numbers_comments_and_blank_lines() -> None:
    entries, problems = parsed("# comment\n\nCity: Lyon\r\n   \nurl: https://x.fr/a#b\n")
    assert problems == []
    assert entries == [Entry("city", "Lyon", 3), Entry("url", "https://x.fr/a#b", 5)]


def test_spaces_and_no_break_spaces_around_key_and_value_are_trimmed() -> None:
    entries, problems = parsed("Nom\u00a0:\u00a0Dupont\u202f\ncity\t:\tLyon \n")
    assert problems == []
    assert [(e.key, e.first_value) for e in entries] == [("nom", "Dupont"), ("city", "Lyon")]


def test_plain_and_spaced_keys_read_alike() -> None:
    """'key:value' lines take a shorter path than 'Key : value' ones: same entries."""
    entries, problems = parsed("city:Lyon\r\nCity : Lyon\r\nx-a:\u00a0b \n  c\nnote:\t\n"
                               "phone:1:2\n")
    assert problems == []
    assert entries == [Entry("city", "Lyon", 1), Entry("city", "Lyon", 2),
                       Entry("x-a", "b", 3, ("c",)), Entry("note", "", 5),
                       Entry("phone", "1:2", 6)]


def test_continuation_lines_are_kept_apart() -> None:
    entries, problems = parsed("summary: one\n  two\n\tthree\n# note\n  four\nnext: x\n")
    assert problems == []
    assert entries[0] == Entry("summary", "one", 1, ("two", "three", "four"))
    assert entries[0].value("\n") == "one\ntwo\nthree\nfour"
    assert entries[0].value(" ") == "one two three four"


@pytest.mark.parametrize(
    ("line", "detail"),
    [
        ("no colon here", "no ':' on the line"),
        ("first name: Marie", "'first name' is not a valid key"),
        ("prénom: Marie", "'prénom' is not a valid key"),
        (": Marie", "'' is not a valid key"),
    ],
)
def test_syntax_errors(line: str, detail: str) -> None:
    entries, problems = parsed(f"city: Lyon\n{line}\n")
    assert entries == [Entry("city", "Lyon", 1)]
    assert problems == [("TEXT-SYNTAX", 2, f"line 2 is not 'key: value' ({detail})")]


def test_continuation_before_any_entry() -> None:
    entries, problems = parsed("# header\n  orphan\ncity: Lyon\n")
    assert entries == [Entry("city", "Lyon", 3)]
    assert problems == [("TEXT-SYNTAX", 2,
                         "line 2 is not 'key: value' (a continuation line with no key before it)")]


def test_continuation_after_a_syntax_error_is_dropped() -> None:
    """The continuation of a broken line must not end up in the entry before it."""
    entries, problems = parsed(
        "city: Lyon\nbroken line\n  continued\nbad key: x\n  also continued\n"
        "position: Comptable\n  senior\n")
    assert [e.line for e in entries] == [1, 6]
    assert entries[0] == Entry("city", "Lyon", 1)
    assert entries[1].value(" ") == "Comptable senior"
    assert [p[:2] for p in problems] == [("TEXT-SYNTAX", 2), ("TEXT-SYNTAX", 4)]


# -- through a bundle -------------------------------------------------------------------


def test_bom_and_crlf_bundle(tmp_path: Path) -> None:
    crlf = {"manifest.txt": codecs.BOM_UTF8 + manifest().replace("\n", "\r\n").encode(),
            CANDIDATE_FILE: codecs.BOM_UTF8 + candidate(city="Sélestat").replace(
                "\n", "\r\n").encode()}
    report = check(tmp_path, bundle_files() | crlf)
    assert report.findings == []
    person = read_candidate(tmp_path, crlf[CANDIDATE_FILE], **{"manifest.txt":
                                                               crlf["manifest.txt"]})
    assert (person.external_id, person.city) == ("C-001", "Sélestat")


@pytest.mark.parametrize(("declared", "codec"), [("windows-1252", "cp1252"),
                                                  ("ISO-8859-15", "iso-8859-15")])
def test_encoding_declared_in_the_manifest_applies_to_every_file(
    tmp_path: Path, declared: str, codec: str
) -> None:
    files = {"manifest.txt": ("# Livraison été\n" + manifest(encoding=declared)).encode(codec),
             CANDIDATE_FILE: candidate(last_name="Lefèvre", city="Besançon €").encode(codec)}
    with open_bundle(write(tmp_path, zip_bytes(bundle_files() | files))) as opened:
        assert opened.report.findings == []
        assert opened.bundle.manifest is not None
        assert opened.bundle.manifest.encoding == declared.lower()
        [person] = opened.bundle.candidates
    assert (person.last_name, person.city) == ("Lefèvre", "Besançon €")


def test_encoding_line_in_french_style(tmp_path: Path) -> None:
    """'encoding\u00a0: windows-1252' is found before decoding, no-break space and all."""
    files = {"manifest.txt": (manifest() + "Encoding\u00a0: windows-1252\n").encode("cp1252"),
             CANDIDATE_FILE: candidate(city="Besançon").encode("cp1252")}
    assert check(tmp_path, bundle_files() | files).findings == []


def test_nul_in_the_encoding_line_is_a_finding_not_a_crash(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files() | {"manifest.txt": manifest(encoding="utf\x00-8")})
    assert [(f.code, f.line, f.message) for f in report.findings] == [
        ("TEXT-DECODE", 6, "line 6 is not valid utf-8 (it holds NUL characters)")]


def test_windows_1252_without_declaration(tmp_path: Path) -> None:
    text = candidate(city="Besançon").encode("cp1252")
    report = check(tmp_path, bundle_files() | {CANDIDATE_FILE: text})
    # The rest of the file is read: cv_file resolves, so the CV is not unreferenced.
    assert [(f.code, f.line, f.message) for f in report.findings] == [
        ("TEXT-DECODE", 5, "line 5 is not valid utf-8")]
    assert report.rejected_candidates == [CANDIDATE_FILE]


def test_utf16_candidate_file_rejects_the_candidate(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files() | {CANDIDATE_FILE: candidate().encode("utf-16")})
    # Its CV is not "unreferenced": what the unreadable file references is unknown.
    assert [(f.code, f.candidate) for f in report.findings] == [("TEXT-DECODE", CANDIDATE_FILE)]
    assert report.rejected_candidates == [CANDIDATE_FILE]


def test_unknown_encoding_declared(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files() | {"manifest.txt": manifest(encoding="utf-16")})
    assert [(f.code, f.line, f.message) for f in report.findings] == [
        ("VALUE-INVALID", 6, "encoding 'utf-16' is not valid: it must be one of utf-8, "
                             "windows-1252, iso-8859-15")]


def test_french_spacing_before_the_colon(tmp_path: Path) -> None:
    text = candidate(last_name=None) + "Nom\u00a0: Dupont\nlast_name\u00a0:\u202fDupont\u00a0\n"
    person = read_candidate(tmp_path, text)
    assert person.last_name == "Dupont"
    assert candidate_findings(tmp_path, text) == [
        ("KEY-UNKNOWN", 4, "key 'nom' is not part of cvbundle 1.0 and was ignored")]


def test_summary_keeps_line_breaks_other_keys_join_with_a_space(tmp_path: Path) -> None:
    text = candidate() + ("summary: Douze ans en cabinet.\n  Encadrement d'une équipe ;\n"
                          "\tclôtures mensuelles.\nposition: Responsable\n  comptable\n")
    person = read_candidate(tmp_path, text)
    assert person.summary == (
        "Douze ans en cabinet.\nEncadrement d'une équipe ;\nclôtures mensuelles.")
    assert person.position == "Responsable comptable"


def test_continuation_after_a_syntax_error_in_a_bundle(tmp_path: Path) -> None:
    text = candidate() + "oops no colon\n  would join cv_file\n"
    assert candidate_findings(tmp_path, text) == [
        ("TEXT-SYNTAX", 5, "line 5 is not 'key: value' (no ':' on the line)")]
    assert read_candidate(tmp_path, text).cv is not None  # cv_file was not spoilt


# -- key rules --------------------------------------------------------------------------


def test_repeated_single_valued_key(tmp_path: Path) -> None:
    text = candidate() + "last_name: Durand\n"
    assert candidate_findings(tmp_path, text) == [
        ("KEY-REPEATED", 5, "key 'last_name' appears again (first on line 2)")]
    assert read_candidate(tmp_path, text).last_name == "Dupont"  # the first one counts


def test_repeated_key_case_insensitively(tmp_path: Path) -> None:
    assert [p[0] for p in candidate_findings(tmp_path, candidate() + "Last_Name: X\n")] == [
        "KEY-REPEATED"]


def test_multi_valued_keys_keep_their_order(tmp_path: Path) -> None:
    text = candidate() + "skill: SAP FI/CO\nlanguage: anglais courant\nskill: IFRS\n"
    person = read_candidate(tmp_path, text)
    assert candidate_findings(tmp_path, text) == []
    assert (person.skills, person.languages) == (["SAP FI/CO", "IFRS"], ["anglais courant"])


def test_unknown_key_is_a_warning(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files() | {CANDIDATE_FILE: candidate() + "salary: 50k\n"})
    assert [(f.code, f.severity, f.line) for f in report.findings] == [
        ("KEY-UNKNOWN", "warning", 5)]
    assert report.valid


def test_custom_keys_are_kept_verbatim(tmp_path: Path) -> None:
    text = candidate() + ("X-Score-Matching: 87 # not a comment\nx-note: <b>ok</b>: yes\n"
                          "x-long: first\n  second\nx-empty:\n")
    person = read_candidate(tmp_path, text)
    assert candidate_findings(tmp_path, text) == []
    assert person.custom == {"x-score-matching": ["87 # not a comment"],
                             "x-note": ["<b>ok</b>: yes"], "x-long": ["first second"],
                             "x-empty": [""]}


def test_a_custom_key_may_repeat_and_keeps_its_values_in_order(tmp_path: Path) -> None:
    text = candidate() + "x-mobilite: PACA\nx-score: 1\nx-mobilite: IDF\nx-mobilite: PACA\n"
    assert candidate_findings(tmp_path, text) == []
    assert read_candidate(tmp_path, text).custom == {
        "x-mobilite": ["PACA", "IDF", "PACA"], "x-score": ["1"]}


def test_missing_required_keys(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files() | {
        "manifest.txt": manifest(vendor=None),
        CANDIDATE_FILE: candidate(first_name=None, external_id="")})
    assert [(f.code, f.member, f.line, f.message) for f in report.errors] == [
        ("KEY-MISSING", "manifest.txt", None, "required key 'vendor' is missing"),
        ("KEY-MISSING", CANDIDATE_FILE, 1, "required key 'external_id' is missing"),
        ("KEY-MISSING", CANDIDATE_FILE, None, "required key 'first_name' is missing"),
    ]
    assert report.errors[0].suggestion == "Add 'vendor: ...' to the file."
    assert report.errors[0].candidate is None
    assert report.errors[1].candidate == CANDIDATE_FILE


def test_empty_file_misses_every_required_key(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files() | {CANDIDATE_FILE: ""})
    assert [f.message for f in report.errors] == [
        f"required key '{key}' is missing"
        for key in ("external_id", "last_name", "first_name", "cv_file")]
    assert codes(report) == {"KEY-MISSING", "LAYOUT-UNREFERENCED"}
