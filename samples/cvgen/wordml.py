"""WordprocessingML fragments (the XML of document.xml, header and footer parts),
written the way Word 2016 writes them: rsid attributes, French style ids,
``mc:AlternateContent`` text boxes with their VML fallback, ...
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .ooxml import NS_R, NS_W, XML_DECL

_NAMESPACES = (
    'xmlns:wpc="http://schemas.microsoft.com/office/word/2010/wordprocessingCanvas" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:o="urn:schemas-microsoft-com:office:office" '
    f'xmlns:r="{NS_R}" '
    'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:wp14="http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:w10="urn:schemas-microsoft-com:office:word" '
    f'xmlns:w="{NS_W}" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
    'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml" '
    'xmlns:wpg="http://schemas.microsoft.com/office/word/2010/wordprocessingGroup" '
    'xmlns:wpi="http://schemas.microsoft.com/office/word/2010/wordprocessingInk" '
    'xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'mc:Ignorable="w14 w15 wp14"'
)
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_PIC = "http://schemas.openxmlformats.org/drawingml/2006/picture"


def document(body: str, sect_pr: str, prefix: str = "") -> bytes:
    """``prefix`` goes between the XML declaration and the root (a DOCTYPE, say)."""
    return (
        XML_DECL + prefix + f"<w:document {_NAMESPACES}><w:body>{body}{sect_pr}</w:body>"
        "</w:document>"
    ).encode()


def header(paragraphs: str) -> bytes:
    return (XML_DECL + f"<w:hdr {_NAMESPACES}>{paragraphs}</w:hdr>").encode()


def footer(paragraphs: str) -> bytes:
    return (XML_DECL + f"<w:ftr {_NAMESPACES}>{paragraphs}</w:ftr>").encode()


def run(
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int | None = None,
    color: str | None = None,
    style: str | None = None,
    caps: bool = False,
) -> str:
    """A run; tabs become ``<w:tab/>`` and newlines ``<w:br/>`` (line breaks in the run)."""
    props = []
    if style:
        props.append(f'<w:rStyle w:val="{style}"/>')
    if bold:
        props.append("<w:b/><w:bCs/>")
    if italic:
        props.append("<w:i/><w:iCs/>")
    if caps:
        props.append("<w:caps/>")
    if color:
        props.append(f'<w:color w:val="{color}"/>')
    if size:
        props.append(f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>')
    rpr = f"<w:rPr>{''.join(props)}</w:rPr>" if props else ""
    pieces = []
    for i, line in enumerate(text.split("\n")):
        if i:
            pieces.append("<w:br/>")
        for j, chunk in enumerate(line.split("\t")):
            if j:
                pieces.append("<w:tab/>")
            if chunk:
                space = ' xml:space="preserve"' if chunk != chunk.strip() else ""
                pieces.append(f"<w:t{space}>{escape(chunk)}</w:t>")
    return f"<w:r>{rpr}{''.join(pieces)}</w:r>"


def paragraph(
    content: str | list[str],
    *,
    style: str | None = None,
    align: str | None = None,
    bullet: bool = False,
    rsid: str = "00A1B2C3",
    tabs: list[tuple[str, int]] | None = None,
    space_after: int | None = None,
) -> str:
    """``content`` is plain text (one run) or a list of run/hyperlink/drawing XML strings."""
    runs = run(content) if isinstance(content, str) else "".join(content)
    props = []
    if style:
        props.append(f'<w:pStyle w:val="{style}"/>')
    if bullet:
        props.append('<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>')
    if tabs:
        props.append(
            "<w:tabs>"
            + "".join(f'<w:tab w:val="{kind}" w:pos="{pos}"/>' for kind, pos in tabs)
            + "</w:tabs>"
        )
    if space_after is not None:
        props.append(f'<w:spacing w:after="{space_after}"/>')
    if align:
        props.append(f'<w:jc w:val="{align}"/>')
    ppr = f"<w:pPr>{''.join(props)}</w:pPr>" if props else ""
    return f'<w:p w:rsidR="{rsid}" w:rsidRDefault="{rsid}">{ppr}{runs}</w:p>'


def hyperlink(rid: str, text: str) -> str:
    """A hyperlink to an external relationship (Word's 'Lien hypertexte' character style)."""
    linked = run(text, style="Lienhypertexte")
    return f'<w:hyperlink r:id="{rid}" w:history="1">{linked}</w:hyperlink>'


def page_field() -> str:
    return (
        '<w:fldSimple w:instr=" PAGE   \\* MERGEFORMAT "><w:r><w:rPr><w:noProof/></w:rPr>'
        "<w:t>1</w:t></w:r></w:fldSimple>"
    )


def table(rows: list[list[str]], widths: list[int], *, header_row: bool = True) -> str:
    """A 'Grille du tableau' table; the first row is bold and repeated on each page."""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    out = [
        '<w:tbl><w:tblPr><w:tblStyle w:val="Grilledutableau"/><w:tblW w:w="0" w:type="auto"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        f'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
    ]
    for index, cells in enumerate(rows):
        is_header = header_row and index == 0
        trpr = "<w:trPr><w:tblHeader/></w:trPr>" if is_header else ""
        out.append(f"<w:tr>{trpr}")
        for width, cell in zip(widths, cells, strict=True):
            shade = '<w:shd w:val="clear" w:color="auto" w:fill="D9E2F3"/>' if is_header else ""
            out.append(
                f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}</w:tcPr>'
                + paragraph([run(cell, bold=is_header)], space_after=0)
                + "</w:tc>"
            )
        out.append("</w:tr>")
    out.append("</w:tbl>")
    return "".join(out)


def inline_image(rid: str, cx: int, cy: int, pic_id: int, name: str) -> str:
    """A picture in line with text (``wp:inline``), EMU sizes."""
    return (
        '<w:r><w:rPr><w:noProof/></w:rPr><w:drawing><wp:inline distT="0" distB="0" distL="0" '
        f'distR="0"><wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{pic_id}" name="Image {pic_id}"/><wp:cNvGraphicFramePr>'
        f'<a:graphicFrameLocks xmlns:a="{_A}" noChangeAspect="1"/></wp:cNvGraphicFramePr>'
        f'<a:graphic xmlns:a="{_A}"><a:graphicData uri="{_PIC}"><pic:pic xmlns:pic="{_PIC}">'
        f'<pic:nvPicPr><pic:cNvPr id="0" name={quoteattr(name)}/><pic:cNvPicPr/></pic:nvPicPr>'
        f'<pic:blipFill><a:blip r:embed="{rid}"><a:extLst><a:ext '
        'uri="{28A0092B-C50C-407E-A947-70E740481C1C}"><a14:useLocalDpi '
        'xmlns:a14="http://schemas.microsoft.com/office/drawing/2010/main" val="0"/></a:ext>'
        "</a:extLst></a:blip><a:stretch><a:fillRect/></a:stretch></pic:blipFill>"
        f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData>'
        "</a:graphic></wp:inline></w:drawing></w:r>"
    )


def text_box(paragraphs: str, shape_id: int, *, cx: int = 2360930, cy: int = 1404620) -> str:
    """A floating text box, as Word writes it: a DrawingML ``wps:txbx`` in ``mc:Choice``
    and the same content again in a VML ``v:textbox`` in ``mc:Fallback``."""
    box_style = (
        f"position:absolute;margin-left:306pt;margin-top:0;width:{cx / 12700:.1f}pt;"
        f"height:{cy / 12700:.1f}pt;z-index:251659264;visibility:visible;"
        "mso-wrap-style:square;mso-width-percent:400;mso-height-percent:200;"
        "mso-wrap-distance-left:9pt;mso-wrap-distance-top:3.6pt;mso-wrap-distance-right:9pt;"
        "mso-wrap-distance-bottom:3.6pt;mso-position-horizontal:absolute;"
        "mso-position-horizontal-relative:text;mso-position-vertical:absolute;"
        "mso-position-vertical-relative:text;mso-width-relative:margin;"
        "mso-height-relative:margin;v-text-anchor:top"
    )
    return (
        "<w:r><w:rPr><w:noProof/></w:rPr><mc:AlternateContent>"
        '<mc:Choice Requires="wps"><w:drawing><wp:anchor distT="45720" distB="45720" '
        'distL="114300" distR="114300" simplePos="0" relativeHeight="251659264" behindDoc="0" '
        'locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        '<wp:positionH relativeFrom="column"><wp:posOffset>3886200</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="{cx}" cy="{cy}"/><wp:effectExtent l="0" t="0" r="22860" b="11430"/>'
        f'<wp:wrapSquare wrapText="bothSides"/><wp:docPr id="{shape_id}" '
        f'name="Zone de texte {shape_id}"/><wp:cNvGraphicFramePr><a:graphicFrameLocks '
        f'xmlns:a="{_A}"/></wp:cNvGraphicFramePr><a:graphic xmlns:a="{_A}"><a:graphicData '
        'uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
        '<wps:cNvSpPr txBox="1"><a:spLocks noChangeArrowheads="1"/></wps:cNvSpPr>'
        f'<wps:spPr bwMode="auto"><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/>'
        '</a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:solidFill>'
        '<a:srgbClr val="F2F2F2"/></a:solidFill><a:ln w="9525"><a:solidFill>'
        '<a:srgbClr val="2F5496"/></a:solidFill><a:miter lim="800000"/><a:headEnd/><a:tailEnd/>'
        f"</a:ln></wps:spPr><wps:txbx><w:txbxContent>{paragraphs}</w:txbxContent></wps:txbx>"
        '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="91440" tIns="45720" rIns="91440" '
        'bIns="45720" anchor="t" anchorCtr="0"><a:spAutoFit/></wps:bodyPr></wps:wsp>'
        '</a:graphicData></a:graphic><wp14:sizeRelH relativeFrom="margin"><wp14:pctWidth>40000'
        '</wp14:pctWidth></wp14:sizeRelH><wp14:sizeRelV relativeFrom="margin"><wp14:pctHeight>'
        "20000</wp14:pctHeight></wp14:sizeRelV></wp:anchor></w:drawing></mc:Choice>"
        '<mc:Fallback><w:pict><v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
        'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/><v:path '
        'gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        f'<v:shape id="Zone de texte {shape_id}" o:spid="_x0000_s{1024 + shape_id}" '
        f'type="#_x0000_t202" style="{box_style}" fillcolor="#f2f2f2" strokecolor="#2f5496">'
        '<v:textbox style="mso-fit-shape-to-text:t">'
        f"<w:txbxContent>{paragraphs}</w:txbxContent></v:textbox>"
        '<w10:wrap type="square"/></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'
    )


def ole_object(image_rid: str, object_rid: str, prog_id: str, object_id: str) -> str:
    """An embedded OLE object shown as an icon (``w:object`` with ``o:OLEObject Type="Embed"``)."""
    return (
        '<w:r><w:object w:dxaOrig="1520" w:dyaOrig="960"><v:shapetype id="_x0000_t75" '
        'coordsize="21600,21600" o:spt="75" o:preferrelative="t" path="m@4@5l@4@11@9@11@9@5xe" '
        'filled="f" stroked="f"><v:stroke joinstyle="miter"/><v:path o:extrusionok="f" '
        'gradientshapeok="t" o:connecttype="rect"/><o:lock v:ext="edit" aspectratio="t"/>'
        '</v:shapetype><v:shape id="_x0000_i1025" type="#_x0000_t75" '
        'style="width:76pt;height:48pt" o:ole=""><v:imagedata '
        f'r:id="{image_rid}" o:title=""/></v:shape><o:OLEObject Type="Embed" '
        f'ProgID="{prog_id}" ShapeID="_x0000_i1025" DrawAspect="Icon" ObjectID="{object_id}" '
        f'r:id="{object_rid}"/></w:object></w:r>'
    )


def sect_pr(header_rid: str | None, footer_rid: str | None, rsid: str = "00A1B2C3") -> str:
    """A4 portrait, 2.5 cm margins, as a French Word writes by default."""
    refs = ""
    if header_rid:
        refs += f'<w:headerReference w:type="default" r:id="{header_rid}"/>'
    if footer_rid:
        refs += f'<w:footerReference w:type="default" r:id="{footer_rid}"/>'
    return (
        f'<w:sectPr w:rsidR="{rsid}">{refs}<w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1417" w:right="1417" w:bottom="1417" w:left="1417" w:header="708" '
        'w:footer="708" w:gutter="0"/><w:cols w:space="708"/><w:docGrid w:linePitch="360"/>'
        "</w:sectPr>"
    )
