"""Where external references point (spec §7): remote is refused, local is only reported."""

from __future__ import annotations

import pytest

from cvbridge.bundle._externals import FieldReference, classify_target, field_reference


@pytest.mark.parametrize("target", [
    "http://192.0.2.15/t.dotm", "HTTPS://example.com/x", "ftp://example.com/t.dot",
    "\\\\attacker\\share\\t.dotm", "\\\\attacker@SSL\\DavWWWRoot\\t.dotm",  # WebDAV
    "//attacker/share/t.dotm", "file://attacker/share/t.dotm", "file:////attacker/share/x",
    "file:///\\\\attacker\\share\\x", "mhtml:http://x/y.mht!x", "ms-msdt:/id PCWDiagnostic",
    "%5C%5Cattacker%5Cshare%5Cx", "\\\\?\\UNC\\attacker\\share\\x", "\\\\.\\pipe\\x",
])
def test_remote_targets(target: str) -> None:
    assert classify_target(target) == "remote"


@pytest.mark.parametrize("target", [
    "file:///C:\\Users\\marie\\AppData\\Roaming\\Microsoft\\Templates\\Normal.dotm",
    "file:///C:/Users/marie/Normal.dotm", "file://localhost/C:/x.dotx", "C:\\Modèles\\cv.dotx",
    "d:/cv.dotx", "../Modeles/cv.dotx", "Normal.dotm", "photos/identite.jpg",
    "/Users/marie/Library/Normal.dotm", "\\\\?\\C:\\Modeles\\cv.dotx", "file:C:/cv.dotx",
])
def test_local_targets(target: str) -> None:
    assert classify_target(target) == "local"


@pytest.mark.parametrize(("instruction", "expected"), [
    (' INCLUDETEXT "C:\\\\CV\\\\lettre.doc" \\* MERGEFORMAT ',
     FieldReference("INCLUDETEXT", "C:\\CV\\lettre.doc", "local")),
    (' INCLUDEPICTURE  "http://192.0.2.15/p.png" \\d ',
     FieldReference("INCLUDEPICTURE", "http://192.0.2.15/p.png", "remote")),
    (' LINK Excel.Sheet.8 "\\\\\\\\srv\\\\x.xls" "Feuil1!L1C1" \\a ',
     FieldReference("LINK", "\\\\srv\\x.xls", "remote")),
    ("DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc\"",
     FieldReference("DDEAUTO", "c:\\windows\\system32\\cmd.exe /k calc", "remote")),
    (' includetext "unterminated', FieldReference("INCLUDETEXT", '"unterminated', "local")),
    # The name quoted, or glued to a comment sign: read as Word reads it, not by its spelling.
    (' "INCLUDETEXT" "http://192.0.2.15/x.docx" ',
     FieldReference("INCLUDETEXT", "http://192.0.2.15/x.docx", "remote")),
    ('INCLUDE"TEXT" "http://192.0.2.15/x.docx"',
     FieldReference("INCLUDETEXT", "http://192.0.2.15/x.docx", "remote")),
    ('\u00a0INCLUDEPICTURE "http://192.0.2.15/p.png"',
     FieldReference("INCLUDEPICTURE", "http://192.0.2.15/p.png", "remote")),
])
def test_fields_that_load_or_run(instruction: str, expected: FieldReference) -> None:
    assert field_reference(instruction) == expected


@pytest.mark.parametrize("instruction", [
    " PAGE ", ' HYPERLINK "http://example.com" ', "", " INCLUDETEXT ", " MERGEFIELD nom "])
def test_other_fields(instruction: str) -> None:
    assert field_reference(instruction) is None
