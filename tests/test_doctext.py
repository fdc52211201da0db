"""The legacy .doc reader (cvbridge/bundle/_doctext.py) and the .doc checks around it:
Word 97-2003 and Word 6.0/95 text from the piece table, every story but macros and comments,
fields, the attached template, macros and embedded objects (spec §7)."""

from __future__ import annotations

import io
from pathlib import Path

import olefile
import pytest

from cvbridge import open_bundle
from cvbridge.bundle._doctext import LegacyDocError, legacy_text, read_fib, split_fields
from samples.cvgen.cfb import Storage
from samples.cvgen.worddoc import build_doc, build_word6_doc
from tests.bundles import bundle_files, write, zip_bytes
from tests.test_documents import CANDIDATE_FILE, check_cv

DOC = "cvs/dupont.doc"


def streams(data: bytes) -> tuple[bytes, bytes | None]:
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        word = ole.openstream("WordDocument").read()
        name = read_fib(word).table_stream
        return word, ole.openstream(name).read() if name else None


def text_of(data: bytes) -> str:
    return legacy_text(*streams(data)).text


def test_word97_text() -> None:
    data = build_doc(["Hélène Dupré-Lefèvre", "Ingénieure « qualité » à Besançon — 2024"])
    assert text_of(data) == "Hélène Dupré-Lefèvre\nIngénieure « qualité » à Besançon — 2024\n"


@pytest.mark.parametrize("ident", [0xA5DC, 0xA699])
def test_word6_text_with_headers(ident: int) -> None:
    data = build_word6_doc(["Gaëtan Gérard", "Pâtissier à Nîmes"],
                           headers=["Gaëtan Gérard — CV", "page 1"], ident=ident)
    fib = read_fib(streams(data)[0])
    assert (fib.word6, fib.table_stream) == (True, None)
    assert text_of(data).split("\n") == [
        "Gaëtan Gérard", "Pâtissier à Nîmes", "", "Gaëtan Gérard — CV", "page 1", "", ""]


def test_fields_keep_their_result_and_give_their_instruction() -> None:
    instructions: list[str] = []
    text = split_fields("Voir \x13 HYPERLINK \"http://x\" \x14mon site\x15 et "
                        "\x13 PAGE \x13 NUMPAGES \x15\x14 3\x15.", instructions)
    assert text == "Voir mon site et  3."
    assert instructions == [' HYPERLINK "http://x" ', " NUMPAGES ", " PAGE "]


def test_special_characters() -> None:
    data = build_doc(["2019\tComptable\x07Airbus\x07\x07", "auto\x1fmatisation non\x1ebloquant"])
    assert text_of(data) == "2019\tComptable\tAirbus\t\t\nautomatisation non-bloquant\n"


def test_unknown_fib_is_an_error() -> None:
    word, table = streams(build_doc(["x"]))
    with pytest.raises(LegacyDocError, match="unknown FIB identifier 0x1234"):
        legacy_text(b"\x34\x12" + word[2:], table)


def test_piece_past_the_stream_is_an_error() -> None:
    word, table = streams(build_doc(["x"]))
    with pytest.raises(LegacyDocError, match="past the end of the WordDocument stream"):
        legacy_text(word[:0x0400], table)


# -- through a bundle -------------------------------------------------------------------


def cv_text(tmp_path: Path, data: bytes) -> str | None:
    files = bundle_files(cv_file=DOC) | {DOC: data}
    del files["cvs/dupont.docx"]
    with open_bundle(write(tmp_path, zip_bytes(files))) as opened:
        assert opened.report.findings == []
        [person] = opened.bundle.candidates
        assert person.cv is not None
        return person.cv.text


def test_word6_cv_is_accepted_and_read(tmp_path: Path) -> None:
    """Word 6.0/95 files were DOC-CORRUPT: they are ordinary CVs."""
    data = build_word6_doc(["Loïc Morvan", "Architecte réseau"], headers=["CV", "page 1"])
    assert cv_text(tmp_path, data) == "Loïc Morvan\nArchitecte réseau\n\nCV\npage 1"


def test_doc_macros_are_refused(tmp_path: Path) -> None:
    vba = Storage("Macros", storages={"VBA": Storage("VBA", streams={"dir": b"\x01" * 64})})
    report = check_cv(tmp_path, build_doc(["CV"], storages={"Macros": vba}), DOC)
    assert [(f.code, f.member, f.candidate, f.message) for f in report.findings] == [
        ("DOC-MACRO", f"{DOC}!Macros", CANDIDATE_FILE,
         "this document contains macros (storage Macros)")]
    assert not report.valid


def test_vba_project_storage_is_refused(tmp_path: Path) -> None:
    vba = Storage("_VBA_PROJECT_CUR", streams={"PROJECT": b"ID=\"{0}\"\r\n"})
    report = check_cv(tmp_path, build_doc(["CV"], storages={"_VBA_PROJECT_CUR": vba}), DOC)
    assert [f.code for f in report.findings] == ["DOC-MACRO"]


def test_doc_object_pool_is_a_warning(tmp_path: Path) -> None:
    pool = Storage("ObjectPool", storages={
        "_1234567890": Storage("_1234567890", streams={"\x01Ole10Native": b"\0" * 80})})
    report = check_cv(tmp_path, build_doc(["CV"], storages={"ObjectPool": pool}), DOC)
    assert [(f.code, f.severity, f.member) for f in report.findings] == [
        ("DOC-EMBEDDED-OBJECT", "warning", f"{DOC}!ObjectPool/_1234567890")]
    assert report.valid


@pytest.mark.parametrize(("template", "code"), [
    ("\\\\192.0.2.15\\modeles\\cv.dot", "DOC-EXTERNAL-REL"),
    ("C:\\Program Files\\Microsoft Office\\Templates\\Normal.dot", "DOC-EXTERNAL-LOCAL"),
])
def test_attached_template(tmp_path: Path, template: str, code: str) -> None:
    report = check_cv(tmp_path, build_doc(["CV"], template=template), DOC)
    assert [(f.code, f.member, f.message) for f in report.findings] == [
        (code, f"{DOC}!SttbfAssoc",
         f"part 'SttbfAssoc' refers to {'remote' if code.endswith('REL') else 'local'} "
         f"template '{template}'" + (" (not followed)" if code.endswith("LOCAL") else ""))]


@pytest.mark.parametrize(("field", "code"), [
    ('INCLUDETEXT "http://192.0.2.15/cv.doc"', "DOC-EXTERNAL-REL"),
    ('INCLUDEPICTURE "\\\\\\\\192.0.2.15\\\\x\\\\p.png" \\d', "DOC-EXTERNAL-REL"),
    ('DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe"', "DOC-EXTERNAL-REL"),
    ('INCLUDEPICTURE "photo.jpg" \\d', "DOC-EXTERNAL-LOCAL"),
])
def test_fields_that_load_files(tmp_path: Path, field: str, code: str) -> None:
    data = build_doc([f"Marie Dupont \x13 {field} \x14\x15", "Comptable"])
    report = check_cv(tmp_path, data, DOC)
    assert [(f.code, f.member) for f in report.findings] == [(code, f"{DOC}!field")]
