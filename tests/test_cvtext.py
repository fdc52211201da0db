"""Text of .docx CVs for search (spec §7): body, tables, headers, footers, text boxes, and
the text rules (Strict namespaces, positional tabs, symbols, moves, placeholders, hidden
text, ruby, equations). The .doc reader is tested in test_doctext.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from cvbridge import open_bundle
from cvbridge.bundle._cvtext import PartText, XmlError, part_text, symbol_character
from tests.bundles import (
    MC_NS,
    W_NS,
    bundle_files,
    docx,
    paragraphs,
    python_docx,
    word_part,
    write,
    zip_bytes,
)

VML_NS = "urn:schemas-microsoft-com:vml"


STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"


def read_part(body: str) -> PartText:
    return part_text(word_part("document", f"<w:body>{body}</w:body>"))


def text_of(body: str) -> str:
    return read_part(body).text


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
    found = part_text(
        b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        b'<!ENTITY big "EXPANDED">]>'
        b'<w:document xmlns:w="' + W_NS.encode() + b'"><w:body><w:p><w:r><w:t>a&xxe;&big;b</w:t>'
        b"</w:r></w:p></w:body></w:document>")
    assert "root:" not in found.text
    assert "EXPANDED" not in found.text


def test_malformed_part_is_an_xml_error() -> None:
    with pytest.raises(XmlError):
        part_text(b"<w:document><w:body>")


def test_long_part_is_read_across_chunks() -> None:
    """Far more than one 1 MiB chunk of XML, and of pieces joined: nothing lost."""
    words = [f"mot{i}" for i in range(60_000)]
    assert text_of(paragraphs(*words)).split() == words


def test_a_part_past_one_chunk_reads_by_the_same_rules() -> None:
    """Up to one 1 MiB chunk a part is parsed whole and walked over the elements that count;
    past it, streamed and cleared as it goes: every rule reads alike either way."""
    rules = (text_box("Encadré")
             + f'<w:p><w:moveFrom w:id="1">{run("déplacé")}</w:moveFrom>{run("Profil")}</w:p>'
             + "<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>"
             + paragraphs("Cliquez ici.") + "</w:sdtContent></w:sdt>"
             + f"<w:p>{run('Comptable')}<w:r><w:rPr><w:vanish/></w:rPr><w:t>caché</w:t></w:r>"
             + '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE '
             + '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>'
             + '<w:r><w:tab/><w:sym w:font="Symbol" w:char="F0B7"/><w:br/></w:r></w:p>'
             + '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
             + f"{run('Fin')}</w:p>")
    small = read_part(rules)
    padding = paragraphs(*[f"mot{i}" for i in range(60_000)])
    assert len(word_part("document", f"<w:body>{padding}</w:body>")) > 1 << 20
    large = read_part(padding + rules)
    assert small.text == "Encadré\n\nProfil\nComptable\t•\n\nFin"
    assert large.text.endswith("mot59999\n" + small.text)
    assert (large.hidden, large.instructions) == (small.hidden, small.instructions) == (
        True, [" PAGE "])


def test_a_part_the_streamed_parser_refuses_is_refused_small_too() -> None:
    """UTF-32 (BOM and all): libxml2's whole-buffer parser would read it, the push parser
    the streamed read uses does not. A small part is read by the push parser as well, so
    that a part reads the same whatever its size."""
    data = word_part("document", f"<w:body>{paragraphs('Profil')}</w:body>")
    with pytest.raises(XmlError):
        part_text(data.decode().encode("utf-32"))


# -- the text rules ------------------------------------------------------------------------


def test_strict_namespace_reads_like_transitional() -> None:
    body = (f'<w:p>{run("Ingénieure")}<w:r><w:tab/></w:r>{run("Lyon")}</w:p>'
            f'<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>caché</w:t></w:r></w:p>')
    strict = part_text(
        f'<w:document xmlns:w="{STRICT_W_NS}"><w:body>{body}</w:body></w:document>'.encode())
    assert (strict.text, strict.hidden) == ("Ingénieure\tLyon", True)


def test_positional_tab_is_a_tab() -> None:
    body = (f'<w:p>{run("Dupont")}<w:r><w:ptab w:relativeTo="margin" w:alignment="right" '
            f'w:leader="none"/></w:r>{run("Toulouse")}</w:p>')
    assert text_of(body) == "Dupont\tToulouse"


def test_symbol_is_its_character() -> None:
    body = (f'<w:p><w:r><w:sym w:font="Symbol" w:char="F0B7"/></w:r>{run(" Python")}</w:p>'
            f'<w:p><w:r><w:sym w:font="Wingdings" w:char="F0FC"/></w:r>{run(" permis B")}</w:p>'
            f'<w:p>{run("niveau C")}<w:r><w:sym w:font="Times New Roman" w:char="00B9"/></w:r>'
            "</w:p>")
    assert text_of(body) == "• Python\n✓ permis B\nniveau C¹"


def test_symbol_characters() -> None:
    assert symbol_character("Symbol", "F061") == "\u03b1"  # alpha
    assert symbol_character("Symbol", "F031") == "1"
    assert symbol_character("Marlett", "F031") == "\uf031"  # no table: the code Word stores
    assert symbol_character("Symbol", "zz") == ""


def test_moved_text_counts_once() -> None:
    body = (f'<w:p><w:moveFrom w:id="1" w:author="RH">{run("Anglais courant")}</w:moveFrom>'
            f"{run('Profil')}</w:p>"
            f'<w:p><w:moveTo w:id="2" w:author="RH">{run("Anglais courant")}</w:moveTo></w:p>')
    assert text_of(body) == "Profil\nAnglais courant"


def test_placeholder_of_a_content_control_is_skipped() -> None:
    body = ("<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>"
            f"{paragraphs('Cliquez ici pour entrer du texte.')}</w:sdtContent></w:sdt>"
            "<w:sdt><w:sdtPr><w:alias w:val=\"Ville\"/></w:sdtPr><w:sdtContent>"
            f"{paragraphs('Montpellier')}</w:sdtContent></w:sdt>")
    assert text_of(body) == "Montpellier"


def test_hidden_text_is_left_out_and_noted() -> None:
    body = (f"<w:p>{run('Comptable')}<w:r><w:rPr><w:vanish/></w:rPr>"
            "<w:t>python java kubernetes</w:t></w:r>"
            f'<w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t> confirmé</w:t></w:r></w:p>')
    found = read_part(body)
    assert (found.text, found.hidden) == ("Comptable confirmé", True)


def test_hidden_paragraph_mark_hides_no_text() -> None:
    body = f"<w:p><w:pPr><w:rPr><w:vanish/></w:rPr></w:pPr>{run('Visible')}</w:p>"
    found = read_part(body)
    assert (found.text, found.hidden) == ("Visible", False)


def test_ruby_keeps_its_base_text() -> None:
    body = ("<w:p><w:r><w:ruby><w:rubyPr/><w:rt><w:r><w:t>とうきょう</w:t></w:r></w:rt>"
            "<w:rubyBase><w:r><w:t>東京</w:t></w:r></w:rubyBase></w:ruby></w:r>"
            f"{run('で勤務')}</w:p>")
    assert text_of(body) == "東京で勤務"


def test_equation_as_plain_text() -> None:
    body = (f'<w:p>{run("Score ")}<m:oMath xmlns:m="{M_NS}"><m:r><m:t>E=m</m:t></m:r>'
            "<m:sSup><m:e><m:r><m:t>c</m:t></m:r></m:e><m:sup><m:r><m:t>2</m:t></m:r></m:sup>"
            "</m:sSup></m:oMath></w:p>")
    assert text_of(body) == "Score E=mc2"


def test_field_instructions_are_kept_apart() -> None:
    body = ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> INCLUDETEXT "C:\\\\cv\\\\a.doc" </w:instrText>'
            '</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'{run("résultat")}<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
            '<w:p><w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple></w:p>')
    found = read_part(body)
    assert found.text == "résultat\n1"
    assert [i.strip() for i in found.instructions] == ['INCLUDETEXT "C:\\\\cv\\\\a.doc"', "PAGE"]


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
