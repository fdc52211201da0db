"""The two readings of a part's text agree: the stylesheet (a part with no hidden text,
symbol, placeholder or field) and the element walk (any part).

On the real documents of tests/corpus/word (LibreOffice, Word, Strict) and on generated
bodies mixing every element the rules name, with blanks and line breaks anywhere."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from cvbridge.bundle._cvtext import (
    _PLAIN_TEXT,
    _WALK_ONLY_TAGS,
    part_text,
    secure_parser,
    tidy,
    walked_text,
)
from tests.bundles import MC_NS, word_part

CORPUS = Path(__file__).parent / "corpus" / "word"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
STRICT_W_NS = "http://purl.oclc.org/ooxml/wordprocessingml/main"


def parsed(data: bytes) -> etree._Element:
    parser = secure_parser()
    parser.feed(data)
    return parser.close()


def stylesheet_text(root: etree._Element) -> str:
    return tidy(str(_PLAIN_TEXT(root)))


def text_parts() -> list[tuple[str, bytes]]:
    parts = []
    for document in sorted(CORPUS.glob("*/*.docx")):
        with zipfile.ZipFile(document) as package:
            for name in package.namelist():
                if name.startswith("word/") and name.endswith(".xml") and any(
                        kind in name for kind in ("document", "header", "footer", "notes")):
                    parts.append((f"{document.parent.name}/{document.name}!{name}",
                                  package.read(name)))
    return parts


PARTS = text_parts()


def test_the_corpus_is_read_by_the_stylesheet() -> None:
    """Real CVs have none of the walk's elements in their bodies, headers and notes: the
    comparison below is of the two readings, not of the walk with itself."""
    plain = [name for name, data in PARTS
             if next(parsed(data).iter(_WALK_ONLY_TAGS), None) is None]
    assert len(plain) >= 100


@pytest.mark.parametrize(("name", "data"), PARTS, ids=[name for name, _ in PARTS])
def test_real_parts_read_alike(name: str, data: bytes) -> None:
    root = parsed(data)
    walked = walked_text(root)
    assert part_text(data) == walked
    if next(root.iter(_WALK_ONLY_TAGS), None) is None:
        assert stylesheet_text(root) == walked.text
        assert (walked.hidden, walked.instructions) == (False, [])


_TEXTS = st.text(alphabet=st.sampled_from("ab é\t\n\u00a0  "), max_size=6)


def _runs(texts: list[str]) -> str:
    return "".join(f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>' for text in texts)


_INLINE = st.one_of(
    st.lists(_TEXTS, min_size=1, max_size=3).map(_runs),
    st.sampled_from(["<w:r><w:tab/></w:r>", "<w:r><w:br/></w:r>", "<w:r><w:cr/></w:r>",
                     '<w:r><w:ptab w:alignment="right"/></w:r>',
                     "<w:r><w:noBreakHyphen/></w:r>",
                     "<w:r><w:delText>supprimé</w:delText></w:r>",
                     f'<m:oMath xmlns:m="{M_NS}"><m:r><m:t>x=1</m:t></m:r></m:oMath>']),
    _TEXTS.map(lambda text: f'<w:moveFrom w:id="1">{_runs([text or "x"])}</w:moveFrom>'),
    _TEXTS.map(lambda text: f"<w:ruby><w:rt>{_runs(['ふり'])}</w:rt>"
                            f"<w:rubyBase>{_runs([text])}</w:rubyBase></w:ruby>"),
)


def _paragraph(inline: list[str], tab_stops: bool) -> str:
    properties = ('<w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>'
                  if tab_stops else "")
    return f"<w:p>{properties}{''.join(inline)}</w:p>"


_PARAGRAPHS = st.builds(_paragraph, st.lists(_INLINE, max_size=4), st.booleans())


def _boxed(paragraphs: list[str]) -> str:
    content = f"<w:txbxContent>{''.join(paragraphs)}</w:txbxContent>"
    return (f'<w:p><w:r><mc:AlternateContent xmlns:mc="{MC_NS}"><mc:Choice Requires="wps">'
            f"<w:drawing>{content}</w:drawing></mc:Choice><mc:Fallback>{content}</mc:Fallback>"
            "</mc:AlternateContent></w:r></w:p>")


_BLOCKS = st.one_of(
    _PARAGRAPHS,
    st.lists(_PARAGRAPHS, min_size=1, max_size=3).map(_boxed),
    st.lists(_PARAGRAPHS, min_size=1, max_size=2).map(
        lambda cells: f"<w:tbl><w:tr>{''.join(f'<w:tc>{c}</w:tc>' for c in cells)}"
                      "</w:tr></w:tbl>"),
    st.lists(_PARAGRAPHS, min_size=1, max_size=2).map(
        lambda inner: f"<w:sdt><w:sdtPr/><w:sdtContent>{''.join(inner)}</w:sdtContent></w:sdt>"),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_BLOCKS, max_size=6), st.booleans())
def test_generated_bodies_read_alike(blocks: list[str], strict: bool) -> None:
    data = word_part("document", f"<w:body>{''.join(blocks)}</w:body>")
    if strict:
        data = data.replace(b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                            STRICT_W_NS.encode())
    root = parsed(data)
    assert next(root.iter(_WALK_ONLY_TAGS), None) is None
    assert stylesheet_text(root) == walked_text(root).text
