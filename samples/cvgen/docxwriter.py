"""Ordinary Word documents (.docx) written with python-docx.

python-docx does the package, the styles, paragraphs and runs (tabs and line breaks), tables,
headers and footers, pictures and document properties. It has no API for three things a CV
carries, so they are added here as small OxmlElement/parse_xml insertions on the python-docx
document, which still saves them: a hyperlink (``w:hyperlink`` on an external relationship),
a PAGE field (``w:fldSimple``) and a floating text box (``mc:AlternateContent``: a DrawingML
``wps:txbx``, with the same paragraphs again in a VML ``v:textbox`` for older readers).

Output is reproducible: one pruned template (python-docx's own default, without the parts and
styles these documents do not use), fixed core properties, python-docx's deterministic part
order, and the ZIP rewritten with Word's fixed 1980-01-01 dates (python-docx stamps each
member with the current time).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import docx
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, RGBColor
from docx.styles.style import BaseStyle
from docx.text.paragraph import Paragraph

from . import zipraw

#: Styles the documents use (python-docx's UI names), with the ids a French Word gives them.
FRENCH_IDS = {
    "Normal": "Normal",
    "Default Paragraph Font": "Policepardfaut",
    "Normal Table": "TableauNormal",
    "No List": "Aucuneliste",
    "Title": "Titre",
    "Subtitle": "Sous-titre",
    "Heading 1": "Titre1",
    "Heading 2": "Titre2",
    "List Bullet": "Listepuces",
    "Table Grid": "Grilledutableau",
    "Header": "En-tte",
    "Footer": "Pieddepage",
    "Hyperlink": "Lienhypertexte",
}
#: Parts of python-docx's template that Word 2016 does not write, or a CV does not need.
_DROPPED = (
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    RT.CUSTOM_XML,
)
#: Parts a reader does not need either: left out of the lean documents (conformance corpus).
_LEAN_DROPPED = (RT.THEME, RT.WEB_SETTINGS, RT.FONT_TABLE)

_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_VML = (
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w10="urn:schemas-microsoft-com:office:word"'
)
_TEXT_BOX = (
    f'<mc:AlternateContent xmlns:mc="{_MC}" '
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    f'{_VML}><mc:Choice Requires="wps"><w:drawing><wp:anchor distT="45720" distB="45720" '
    'distL="114300" distR="114300" simplePos="0" relativeHeight="{z}" behindDoc="0" '
    'locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
    '<wp:positionH relativeFrom="column"><wp:posOffset>3886200</wp:posOffset></wp:positionH>'
    '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
    '<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
    '<wp:wrapSquare wrapText="bothSides"/><wp:docPr id="{id}" name="Zone de texte {id}"/>'
    '<wp:cNvGraphicFramePr/><a:graphic><a:graphicData '
    'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
    '<wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" '
    'cy="{cy}"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill>'
    '<a:srgbClr val="F2F2F2"/></a:solidFill><a:ln w="9525"><a:solidFill><a:srgbClr '
    'val="2F5496"/></a:solidFill></a:ln></wps:spPr><wps:txbx><w:txbxContent/></wps:txbx>'
    '<wps:bodyPr rot="0" vert="horz" wrap="square" anchor="t"><a:spAutoFit/></wps:bodyPr>'
    "</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>"
    '<mc:Fallback><w:pict><v:shape id="Zone de texte {id}" o:spid="_x0000_s{spid}" '
    'type="#_x0000_t202" style="position:absolute;margin-left:306pt;margin-top:0;'
    'width:{width:.1f}pt;height:{height:.1f}pt;z-index:{z};mso-wrap-style:square" '
    'fillcolor="#f2f2f2" strokecolor="#2f5496"><v:textbox style="mso-fit-shape-to-text:t">'
    '<w:txbxContent/></v:textbox><w10:wrap type="square"/></v:shape></w:pict></mc:Fallback>'
    "</mc:AlternateContent>"
)
_EMU_PER_POINT = 12700


@dataclass(frozen=True)
class Properties:
    """Core properties: fixed, so that a document is the same bytes on every run."""

    title: str
    author: str
    created: dt.datetime = dt.datetime(2026, 11, 2, 9, 14, tzinfo=dt.UTC)
    modified: dt.datetime = dt.datetime(2026, 11, 17, 18, 3, tzinfo=dt.UTC)
    revision: int = 3


@cache
def _template(lean: bool) -> bytes:
    """python-docx's default template, pruned, in French (style ids, language), A4 pages."""
    document = docx.Document()
    package_rels = document.part.package.rels
    for rid in [rid for rid, rel in package_rels.items() if rel.reltype == RT.THUMBNAIL]:
        del package_rels[rid]
    dropped = _DROPPED + (_LEAN_DROPPED if lean else ())
    for rid in [rid for rid, rel in document.part.rels.items() if rel.reltype in dropped]:
        document.part.drop_rel(rid)
    hyperlink = document.styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER)
    hyperlink.base_style = document.styles["Default Paragraph Font"]
    hyperlink.font.color.rgb = RGBColor(0x05, 0x63, 0xC1)
    hyperlink.font.underline = True
    _keep_only(document, set(FRENCH_IDS))
    # French text: the language of the document defaults (no python-docx API for it).
    document.styles.element.find(f".//{qn('w:rPrDefault')}//{qn('w:lang')}").set(
        qn("w:val"), "fr-FR")
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _keep_only(document: Document, names: set[str]) -> None:
    """Delete every other style and the latent styles; give the kept ones French ids."""
    styles: list[BaseStyle] = list(document.styles)
    kept = {style.style_id: style for style in styles if style.name in names}
    for style in styles:
        if style.style_id not in kept:
            style.delete()  # type: ignore[no-untyped-call]  # unannotated in python-docx
    for latent in list(document.styles.latent_styles):
        latent.delete()
    renamed = {old: FRENCH_IDS[style.name or ""] for old, style in kept.items()}
    for style in kept.values():
        style.style_id = renamed[style.style_id]
        for ref in style.element.iterchildren(qn("w:basedOn"), qn("w:next"), qn("w:link")):
            old = ref.get(qn("w:val"))
            if old in renamed:
                ref.set(qn("w:val"), renamed[old])
            else:  # a linked character style we deleted
                style.element.remove(ref)


def new_document(*, lean: bool = False) -> Document:
    """An empty document on the pruned template. ``lean`` leaves out the theme, web
    settings and font table (parts a reader does not need: keeps the corpus small)."""
    return docx.Document(io.BytesIO(_template(lean)))


def add_runs(paragraph: Paragraph, text: str, *, bold: bool = False, italic: bool = False,
             color: RGBColor | None = None) -> None:
    """A run; python-docx writes '\\t' as ``w:tab`` and '\\n' as ``w:br`` (a line break)."""
    run = paragraph.add_run(text)
    if bold:
        run.bold = True
    if italic:
        run.italic = True
    if color is not None:
        run.font.color.rgb = color


def add_hyperlink(paragraph: Paragraph, url: str, text: str) -> None:
    """A hyperlink to ``url`` (an external relationship): no python-docx API for it."""
    rid = paragraph.part.relate_to(url, RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink", {qn("r:id"): rid, qn("w:history"): "1"})
    run = paragraph.add_run(text, style="Hyperlink")
    link.append(run._r)  # moves the run into the link
    paragraph._p.append(link)


def add_page_field(paragraph: Paragraph) -> None:
    """A PAGE field showing '1' until Word updates it: no python-docx API for fields."""
    field = OxmlElement("w:fldSimple", {qn("w:instr"): " PAGE   \\* MERGEFORMAT "})
    field.append(paragraph.add_run("1")._r)
    paragraph._p.append(field)


def add_text_box(paragraph: Paragraph, content: Iterable[Paragraph], shape_id: int, *,
                 cx: int = 2360930, cy: int = 1404620) -> None:
    """Move ``content`` (paragraphs just written with python-docx) into a floating text box
    anchored in a new run of ``paragraph``; the VML fallback gets a copy, as Word writes it."""
    box = parse_xml(_TEXT_BOX.format(
        cx=cx, cy=cy, id=shape_id, spid=1024 + shape_id, z=251659264 + shape_id,
        width=cx / _EMU_PER_POINT, height=cy / _EMU_PER_POINT))
    choice, fallback = box.iter(qn("w:txbxContent"))
    for moved in list(content):
        choice.append(moved._p)
        fallback.append(copy.deepcopy(moved._p))
    paragraph.add_run()._r.append(box)


def to_bytes(document: Document, properties: Properties) -> bytes:
    """Save with python-docx, then give the ZIP members Word's fixed dates."""
    core = document.core_properties
    core.title = properties.title
    core.author = core.last_modified_by = properties.author
    core.comments = ""
    core.created, core.modified = properties.created, properties.modified
    core.revision = properties.revision
    out = io.BytesIO()
    document.save(out)
    return rezip(out.getvalue())


def rezip(data: bytes) -> bytes:
    """The same members, bytes and order, with the 1980-01-01 dates Word writes."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [zipraw.ooxml_member(info.filename, archive.read(info))
                   for info in archive.infolist()]
    return zipraw.build_zip(members)
