"""Text of CVs for search (spec §7): body, tables, headers, footers, text boxes, .doc."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cvbridge import open_bundle
from cvbridge.bundle._cvtext import legacy_doc_text, parse_xml, wordprocessing_text
from tests.bundles import (
    MC_NS,
    W_NS,
    bundle_files,
    docx,
    legacy_doc,
    paragraphs,
    python_docx,
    word_part,
    write,
    zip_bytes,
)

VML_NS = "urn:schemas-microsoft-com:vml"


def text_of(body: str) -> str:
    return wordprocessing_text(parse_xml(word_part("document", f"<w:body>{body}</w:body>")))


def cv_text(tmp_path: Path, cv: bytes) -> str | None:
    with open_bundle(write(tmp_path, zip_bytes(bundle_files(cv=cv)))) as opened:
        [person] = opened.bundle.candidates
        assert person.cv is not None, opened.report.findings
        return person.cv.text


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def text_box(*texts: str) -> str:
    """A text box as Word writes it: DrawingML in mc:Choice, the same text in VML fallback."""
    content = f"<w:txbxContent>{paragraphs(*texts)}</w:txbxContent>"
    return (
        f'<w:p><w:r><mc:AlternateContent xmlns:mc="{MC_NS}">'
        f'<mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>{content}</wps:txbx>'
        f"</wps:wsp></w:drawing></mc:Choice>"
        f'<mc:Fallback><w:pict><v:shape xmlns:v="{VML_NS}"><v:textbox>{content}</v:textbox>'
        f"</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>")


# -- the WordprocessingML walk ----------------------------------------------------------


def test_one_line_per_paragraph_runs_joined() -> None:
    body = f"<w:p>{run('Jean-')}{run('François')}</w:p><w:p>{run('Lefèvre')}</w:p>"
    assert text_of(body) == "Jean-François\nLefèvre"


def test_words_are_not_glued_across_paragraphs() -> None:
    text = text_of(paragraphs("12 rue des Lilas, 31000 Toulouse", "Profil"))
    assert "ToulouseProfil" not in text
    assert text.splitlines() == ["12 rue des Lilas, 31000 Toulouse", "Profil"]


def test_tab_and_breaks() -> None:
    body = (f"<w:p>{run('2019')}<w:r><w:tab/></w:r>{run('Comptable')}"
            f"<w:r><w:br/></w:r>{run('Airbus')}<w:r><w:cr/></w:r>{run('Blagnac')}</w:p>")
    assert text_of(body) == "2019\tComptable\nAirbus\nBlagnac"


def test_tab_stops_are_not_tabs() -> None:
    body = ('<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="2835"/>'
            '<w:tab w:val="right" w:pos="9072"/></w:tabs></w:pPr>'
            f"{run('Nom')}<w:r><w:tab/></w:r>{run('Dupont')}</w:p>")
    assert text_of(body) == "Nom\tDupont"


def test_table_cells() -> None:
    body = ("<w:tbl><w:tr>"
            f"<w:tc>{paragraphs('2015-2024')}</w:tc>"
            f"<w:tc>{paragraphs('Responsable comptable')}</w:tc>"
            "</w:tr><w:tr>"
            f"<w:tc>{paragraphs('2010-2015')}</w:tc><w:tc>{paragraphs('Auditeur')}</w:tc>"
            f"</w:tr></w:tbl>{paragraphs('Formation')}")
    assert text_of(body).splitlines() == [
        "2015-2024", "Responsable comptable", "2010-2015", "Auditeur", "Formation"]


def test_text_box_is_counted_once() -> None:
    text = text_of(paragraphs("Avant") + text_box("Contact", "06 12 34 56 78")
                   + paragraphs("Après"))
    assert text.count("Contact") == 1
    assert text.count("06 12 34 56 78") == 1
    # The paragraph anchoring the box ends after the box's own paragraphs: a blank line.
    assert text.splitlines() == ["Avant", "Contact", "06 12 34 56 78", "", "Après"]


def test_vml_only_text_box_is_read() -> None:
    body = (f'<w:p><w:r><w:pict><v:shape xmlns:v="{VML_NS}"><v:textbox><w:txbxContent>'
            f"{paragraphs('Ancien format')}</w:txbxContent></v:textbox></v:shape></w:pict>"
            "</w:r></w:p>")
    assert text_of(body) == "Ancien format"


def test_deleted_text_and_instructions_are_left_out() -> None:
    body = (f"<w:p>{run('Comptable')}<w:del><w:r><w:delText>Stagiaire</w:delText></w:r></w:del>"
            f'<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r></w:p>')
    assert text_of(body) == "Comptable"


def test_blank_lines_are_collapsed_and_trailing_spaces_dropped() -> None:
    body = paragraphs("Profil   ", "", "", "", "", "Expérience", "")
    assert text_of(body) == "Profil\n\nExpérience"


def test_empty_document() -> None:
    assert text_of("") == ""


def test_entities_are_never_expanded() -> None:
    root = parse_xml(
        b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        b'<!ENTITY big "EXPANDED">]>'
        b'<w:document xmlns:w="' + W_NS.encode() + b'"><w:body><w:p><w:r><w:t>a&xxe;&big;b</w:t>'
        b"</w:r></w:p></w:body></w:document>")
    text = wordprocessing_text(root)
    assert "root:" not in text
    assert "EXPANDED" not in text


# -- through a bundle -------------------------------------------------------------------


def test_headers_and_footers_follow_the_body(tmp_path: Path) -> None:
    cv = docx(paragraphs("Marie Dupont", "Toulouse") + "<w:sectPr/>",
              document_rels=[("rId1", "header", "header1.xml"), ("rId2", "footer", "footer1.xml")],
              extra={"word/header1.xml": word_part("hdr", paragraphs("CURRICULUM VITAE")),
                     "word/footer1.xml": word_part("ftr", paragraphs("Page 1"))})
    assert cv_text(tmp_path, cv) == "Marie Dupont\nToulouse\nCURRICULUM VITAE\nPage 1"


def test_document_written_by_python_docx(tmp_path: Path) -> None:
    cv = python_docx("Hélène Dupré-Lefèvre", "31000 Toulouse", "Profil",
                     table=[["Langue", "Niveau"], ["anglais", "courant"]],
                     header="CV confidentiel", footer="hélène@example.com")
    assert cv_text(tmp_path, cv) == (
        "Hélène Dupré-Lefèvre\n31000 Toulouse\nProfil\nLangue\nNiveau\nanglais\ncourant\n"
        "CV confidentiel\nhélène@example.com")


def test_attachment_text_is_not_extracted(tmp_path: Path) -> None:
    files = bundle_files(attachment="cvs/lettre.docx") | {"cvs/lettre.docx": docx()}
    with open_bundle(write(tmp_path, zip_bytes(files))) as opened:
        [person] = opened.bundle.candidates
        [letter] = person.attachments
        assert (letter.role, letter.kind, letter.text) == ("attachment", "docx", None)


# -- legacy .doc ------------------------------------------------------------------------


def test_legacy_doc_text_without_antiword(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    assert legacy_doc_text(legacy_doc()) is None


@pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword is not installed")
def test_legacy_doc_text_antiword_failing() -> None:
    assert legacy_doc_text(legacy_doc()) is None
