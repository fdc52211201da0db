"""The package side of a .docx: content types, relationships and the parts Word
writes around the body (styles with French style ids, theme, settings, fonts,
numbering, document properties). Everything is plain text, so a .docx built here
is byte-for-byte reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from . import zipraw

XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'

NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

RT_OFFICE_DOCUMENT = f"{REL}/officeDocument"
RT_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
RT_EXTENDED = f"{REL}/extended-properties"
RT_STYLES = f"{REL}/styles"
RT_SETTINGS = f"{REL}/settings"
RT_WEB_SETTINGS = f"{REL}/webSettings"
RT_FONT_TABLE = f"{REL}/fontTable"
RT_THEME = f"{REL}/theme"
RT_NUMBERING = f"{REL}/numbering"
RT_HEADER = f"{REL}/header"
RT_FOOTER = f"{REL}/footer"
RT_IMAGE = f"{REL}/image"
RT_HYPERLINK = f"{REL}/hyperlink"
RT_OLE_OBJECT = f"{REL}/oleObject"
RT_ATTACHED_TEMPLATE = f"{REL}/attachedTemplate"
RT_FRAME = f"{REL}/frame"
RT_AF_CHUNK = f"{REL}/aFChunk"
RT_VBA_PROJECT = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
RT_VBA_DATA = "http://schemas.microsoft.com/office/2006/relationships/wordVbaData"

_CT = "application/vnd.openxmlformats-officedocument"
CT_MAIN = f"{_CT}.wordprocessingml.document.main+xml"
CT_MAIN_MACRO = "application/vnd.ms-word.document.macroEnabled.main+xml"
CT_STYLES = f"{_CT}.wordprocessingml.styles+xml"
CT_SETTINGS = f"{_CT}.wordprocessingml.settings+xml"
CT_WEB_SETTINGS = f"{_CT}.wordprocessingml.webSettings+xml"
CT_FONT_TABLE = f"{_CT}.wordprocessingml.fontTable+xml"
CT_NUMBERING = f"{_CT}.wordprocessingml.numbering+xml"
CT_HEADER = f"{_CT}.wordprocessingml.header+xml"
CT_FOOTER = f"{_CT}.wordprocessingml.footer+xml"
CT_THEME = f"{_CT}.theme+xml"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_EXTENDED = f"{_CT}.extended-properties+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_OLE_OBJECT = f"{_CT}.oleObject"
CT_VBA_PROJECT = "application/vnd.ms-office.vbaProject"
CT_VBA_DATA = "application/vnd.ms-word.vbaData+xml"


class Relationships:
    """A .rels part under construction; ``add`` hands out rId1, rId2, ..."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str, bool]] = []

    def add(self, rel_type: str, target: str, *, external: bool = False, rid: str = "") -> str:
        rid = rid or f"rId{len(self.items) + 1}"
        self.items.append((rid, rel_type, target, external))
        return rid

    def xml(self) -> bytes:
        rows = []
        for rid, rel_type, target, external in self.items:
            mode = ' TargetMode="External"' if external else ""
            rows.append(
                f'<Relationship Id="{rid}" Type="{rel_type}" Target={quoteattr(target)}{mode}/>'
            )
        return (
            XML_DECL + f'<Relationships xmlns="{REL_PKG}">' + "".join(rows) + "</Relationships>"
        ).encode()


@dataclass
class DocxPackage:
    """Parts in the order they are zipped, with their content types."""

    parts: dict[str, bytes] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(
        default_factory=lambda: {"rels": CT_RELS, "xml": "application/xml"}
    )
    #: Parts written with method 0 instead of deflate (e.g. padding).
    stored: set[str] = field(default_factory=set)

    def add(self, name: str, data: bytes, content_type: str | None = None) -> None:
        self.parts[name] = data
        if content_type is not None:
            self.overrides["/" + name] = content_type

    def content_types(self) -> bytes:
        defaults = "".join(
            f'<Default Extension="{ext}" ContentType="{ct}"/>'
            for ext, ct in sorted(self.defaults.items())
        )
        overrides = "".join(
            f'<Override PartName="{name}" ContentType="{ct}"/>'
            for name, ct in self.overrides.items()
        )
        return (
            XML_DECL
            + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            + defaults
            + overrides
            + "</Types>"
        ).encode()

    def to_bytes(self) -> bytes:
        """The .docx as Word zips it: [Content_Types].xml first, 1980-01-01 timestamps."""
        members = [_part_member("[Content_Types].xml", self.content_types(), zipraw.DEFLATED)]
        for name, data in self.parts.items():
            method = zipraw.STORED if name in self.stored else zipraw.DEFLATED
            members.append(_part_member(name, data, method))
        return zipraw.build_zip(members)


def _part_member(name: str, data: bytes, method: int) -> zipraw.Member:
    return zipraw.member(
        name,
        data,
        method=method,
        date_time=zipraw.OOXML_DATE,
        create_system=0,
        external_attr=0,
    )


# --- Styles ----------------------------------------------------------------------------


def _style(
    kind: str,
    style_id: str,
    name: str,
    body: str = "",
    *,
    default: bool = False,
    based_on: str = "",
    next_id: str = "",
    link: str = "",
    ui_priority: int | None = None,
    q_format: bool = False,
) -> str:
    attrs = f' w:type="{kind}"' + (' w:default="1"' if default else "")
    parts = [f'<w:name w:val="{name}"/>']
    if based_on:
        parts.append(f'<w:basedOn w:val="{based_on}"/>')
    if next_id:
        parts.append(f'<w:next w:val="{next_id}"/>')
    if link:
        parts.append(f'<w:link w:val="{link}"/>')
    if ui_priority is not None:
        parts.append(f'<w:uiPriority w:val="{ui_priority}"/>')
    if q_format:
        parts.append("<w:qFormat/>")
    return f'<w:style{attrs} w:styleId="{style_id}">' + "".join(parts) + body + "</w:style>"


_HEADING_RPR = (
    '<w:rPr><w:rFonts w:asciiTheme="majorHAnsi" w:eastAsiaTheme="majorEastAsia" '
    'w:hAnsiTheme="majorHAnsi" w:cstheme="majorBidi"/>'
    '<w:color w:val="{color}" w:themeColor="accent1" w:themeShade="BF"/>'
    '<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
)

_LATENT = [
    ("Normal", 0, True),
    ("heading 1", 9, True),
    ("heading 2", 9, True),
    ("heading 3", 9, True),
    ("caption", 35, True),
    ("Title", 10, True),
    ("Default Paragraph Font", 1, False),
    ("Subtitle", 11, True),
    ("Hyperlink", 99, False),
    ("Strong", 22, True),
    ("Emphasis", 20, True),
    ("Table Grid", 39, False),
    ("List Paragraph", 34, True),
    ("Quote", 29, True),
    ("Intense Quote", 30, True),
    ("Subtle Emphasis", 19, True),
    ("Intense Emphasis", 21, True),
    ("Book Title", 33, True),
    ("Bibliography", 37, False),
    ("TOC Heading", 39, True),
]


def styles_xml() -> bytes:
    latent = "".join(
        f'<w:lsdException w:name="{name}" w:uiPriority="{prio}"'
        + (' w:qFormat="1"' if q else ' w:semiHidden="1" w:unhideWhenUsed="1"')
        + "/>"
        for name, prio, q in _LATENT
    )
    heading = _HEADING_RPR
    styles = [
        _style(
            "paragraph",
            "Normal",
            "Normal",
            '<w:pPr><w:spacing w:after="120" w:line="264" w:lineRule="auto"/></w:pPr>',
            default=True,
            q_format=True,
        ),
        _style(
            "paragraph",
            "Titre1",
            "heading 1",
            '<w:pPr><w:keepNext/><w:keepLines/><w:pBdr><w:bottom w:val="single" w:sz="6" '
            'w:space="1" w:color="2F5496" w:themeColor="accent1" w:themeShade="BF"/></w:pBdr>'
            '<w:spacing w:before="360" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr>'
            + heading.format(color="2F5496", size=28),
            based_on="Normal",
            next_id="Normal",
            link="Titre1Car",
            ui_priority=9,
            q_format=True,
        ),
        _style(
            "paragraph",
            "Titre2",
            "heading 2",
            '<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="200" w:after="60"/>'
            '<w:outlineLvl w:val="1"/></w:pPr>' + heading.format(color="2F5496", size=24),
            based_on="Normal",
            next_id="Normal",
            link="Titre2Car",
            ui_priority=9,
            q_format=True,
        ),
        _style(
            "character",
            "Policepardfaut",
            "Default Paragraph Font",
            default=True,
            ui_priority=1,
        ),
        _style(
            "table",
            "TableauNormal",
            "Normal Table",
            '<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" '
            'w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/>'
            '<w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr>',
            default=True,
            ui_priority=99,
        ),
        _style("numbering", "Aucuneliste", "No List", default=True, ui_priority=99),
        _style(
            "paragraph",
            "Titre",
            "Title",
            '<w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
            "<w:contextualSpacing/></w:pPr>"
            '<w:rPr><w:rFonts w:asciiTheme="majorHAnsi" w:hAnsiTheme="majorHAnsi"/>'
            '<w:spacing w:val="-10"/><w:kern w:val="28"/><w:sz w:val="56"/>'
            '<w:szCs w:val="56"/></w:rPr>',
            based_on="Normal",
            next_id="Normal",
            link="TitreCar",
            ui_priority=10,
            q_format=True,
        ),
        _style(
            "paragraph",
            "Sous-titre",
            "Subtitle",
            '<w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr><w:spacing w:after="160"/></w:pPr>'
            '<w:rPr><w:color w:val="5A5A5A" w:themeColor="text1" w:themeTint="A5"/>'
            '<w:spacing w:val="15"/></w:rPr>',
            based_on="Normal",
            next_id="Normal",
            ui_priority=11,
            q_format=True,
        ),
        _style(
            "paragraph",
            "Paragraphedeliste",
            "List Paragraph",
            '<w:pPr><w:ind w:left="720"/><w:contextualSpacing/></w:pPr>',
            based_on="Normal",
            ui_priority=34,
            q_format=True,
        ),
        _style(
            "table",
            "Grilledutableau",
            "Table Grid",
            '<w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
            '<w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
            '<w:left w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
            '<w:bottom w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
            '<w:right w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
            '<w:insideH w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
            '<w:insideV w:val="single" w:sz="4" w:space="0" w:color="auto"/></w:tblBorders>'
            "</w:tblPr>",
            based_on="TableauNormal",
            ui_priority=39,
        ),
        _style(
            "paragraph",
            "En-tte",
            "header",
            '<w:pPr><w:tabs><w:tab w:val="center" w:pos="4536"/>'
            '<w:tab w:val="right" w:pos="9072"/></w:tabs>'
            '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>',
            based_on="Normal",
            link="En-tteCar",
            ui_priority=99,
        ),
        _style(
            "paragraph",
            "Pieddepage",
            "footer",
            '<w:pPr><w:tabs><w:tab w:val="center" w:pos="4536"/>'
            '<w:tab w:val="right" w:pos="9072"/></w:tabs>'
            '<w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>'
            '<w:rPr><w:sz w:val="18"/></w:rPr>',
            based_on="Normal",
            link="PieddepageCar",
            ui_priority=99,
        ),
        _style(
            "character",
            "Lienhypertexte",
            "Hyperlink",
            '<w:rPr><w:color w:val="0563C1" w:themeColor="hyperlink"/><w:u w:val="single"/>'
            "</w:rPr>",
            based_on="Policepardfaut",
            ui_priority=99,
        ),
        _style(
            "character",
            "Titre1Car",
            "Titre 1 Car",
            heading.format(color="2F5496", size=28),
            based_on="Policepardfaut",
            link="Titre1",
            ui_priority=9,
        ),
        _style(
            "character",
            "Titre2Car",
            "Titre 2 Car",
            heading.format(color="2F5496", size=24),
            based_on="Policepardfaut",
            link="Titre2",
            ui_priority=9,
        ),
        _style(
            "character",
            "TitreCar",
            "Titre Car",
            '<w:rPr><w:rFonts w:asciiTheme="majorHAnsi" w:hAnsiTheme="majorHAnsi"/>'
            '<w:spacing w:val="-10"/><w:kern w:val="28"/><w:sz w:val="56"/></w:rPr>',
            based_on="Policepardfaut",
            link="Titre",
            ui_priority=10,
        ),
        _style("character", "En-tteCar", "En-tête Car", based_on="Policepardfaut",
               link="En-tte", ui_priority=99),
        _style("character", "PieddepageCar", "Pied de page Car", '<w:rPr><w:sz w:val="18"/>'
               "</w:rPr>", based_on="Policepardfaut", link="Pieddepage", ui_priority=99),
    ]
    return (
        XML_DECL
        + f'<w:styles xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        f'xmlns:r="{NS_R}" xmlns:w="{NS_W}" '
        'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
        'mc:Ignorable="w14">'
        '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:asciiTheme="minorHAnsi" '
        'w:eastAsiaTheme="minorHAnsi" w:hAnsiTheme="minorHAnsi" w:cstheme="minorBidi"/>'
        '<w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="fr-FR" w:eastAsia="en-US" '
        'w:bidi="ar-SA"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="160" '
        'w:line="259" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>'
        f'<w:latentStyles w:defLockedState="0" w:defUIPriority="99" w:defSemiHidden="0" '
        f'w:defUnhideWhenUsed="0" w:defQFormat="0" w:count="376">{latent}</w:latentStyles>'
        + "".join(styles)
        + "</w:styles>"
    ).encode()


# --- Other fixed parts -------------------------------------------------------------------

_A = "http://schemas.openxmlformats.org/drawingml/2006/main"


def _scheme_color(name: str, rgb: str) -> str:
    return f"<a:{name}><a:srgbClr val=\"{rgb}\"/></a:{name}>"


def theme_xml() -> bytes:
    colors = "".join(
        _scheme_color(n, v)
        for n, v in [
            ("accent1", "4472C4"),
            ("accent2", "ED7D31"),
            ("accent3", "A5A5A5"),
            ("accent4", "FFC000"),
            ("accent5", "5B9BD5"),
            ("accent6", "70AD47"),
            ("hlink", "0563C1"),
            ("folHlink", "954F72"),
        ]
    )
    fill = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    grad = (
        '<a:gradFill rotWithShape="1"><a:gsLst>'
        '<a:gs pos="0"><a:schemeClr val="phClr"><a:lumMod val="110000"/>'
        '<a:satMod val="105000"/><a:tint val="67000"/></a:schemeClr></a:gs>'
        '<a:gs pos="50000"><a:schemeClr val="phClr"><a:lumMod val="105000"/>'
        '<a:satMod val="103000"/><a:tint val="73000"/></a:schemeClr></a:gs>'
        '<a:gs pos="100000"><a:schemeClr val="phClr"><a:lumMod val="105000"/>'
        '<a:satMod val="109000"/><a:tint val="81000"/></a:schemeClr></a:gs>'
        '</a:gsLst><a:lin ang="5400000" scaled="0"/></a:gradFill>'
    )
    line = (
        '<a:ln w="{w}" cap="flat" cmpd="sng" algn="ctr"><a:solidFill><a:schemeClr val="phClr"/>'
        '</a:solidFill><a:prstDash val="solid"/><a:miter lim="800000"/></a:ln>'
    )
    lines = "".join(line.format(w=w) for w in (6350, 12700, 19050))
    effect = "<a:effectStyle><a:effectLst/></a:effectStyle>"
    fonts = (
        '<a:latin typeface="{latin}" panose="{panose}"/><a:ea typeface=""/><a:cs typeface=""/>'
        '<a:font script="Jpan" typeface="游ゴシック"/>'
        '<a:font script="Arab" typeface="Times New Roman"/>'
    )
    return (
        XML_DECL
        + f'<a:theme xmlns:a="{_A}" name="Thème Office"><a:themeElements>'
        '<a:clrScheme name="Office"><a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1>'
        '<a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1>'
        '<a:dk2><a:srgbClr val="44546A"/></a:dk2><a:lt2><a:srgbClr val="E7E6E6"/></a:lt2>'
        + colors
        + '</a:clrScheme><a:fontScheme name="Office"><a:majorFont>'
        + fonts.format(latin="Calibri Light", panose="020F0302020204030204")
        + "</a:majorFont><a:minorFont>"
        + fonts.format(latin="Calibri", panose="020F0502020204030204")
        + '</a:minorFont></a:fontScheme><a:fmtScheme name="Office"><a:fillStyleLst>'
        + fill
        + grad
        + grad
        + "</a:fillStyleLst><a:lnStyleLst>"
        + lines
        + "</a:lnStyleLst><a:effectStyleLst>"
        + effect * 3
        + "</a:effectStyleLst><a:bgFillStyleLst>"
        + fill
        + '<a:solidFill><a:schemeClr val="phClr"><a:tint val="95000"/><a:satMod val="170000"/>'
        "</a:schemeClr></a:solidFill>"
        + grad
        + "</a:bgFillStyleLst></a:fmtScheme></a:themeElements><a:objectDefaults/>"
        "<a:extraClrSchemeLst/></a:theme>"
    ).encode()


def settings_xml(rsids: list[str], extra: str = "") -> bytes:
    rsid_xml = "".join(f'<w:rsid w:val="{r}"/>' for r in rsids)
    return (
        XML_DECL
        + '<w:settings xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        f'xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:r="{NS_R}" '
        'xmlns:m="http://schemas.openxmlformats.org/officeDocument/2006/math" '
        'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:w10="urn:schemas-microsoft-com:office:word" '
        f'xmlns:w="{NS_W}" xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" '
        'xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml" mc:Ignorable="w14 w15">'
        '<w:zoom w:percent="100"/>'
        + extra
        + '<w:proofState w:spelling="clean" w:grammar="clean"/><w:defaultTabStop w:val="708"/>'
        '<w:hyphenationZone w:val="425"/><w:characterSpacingControl w:val="doNotCompress"/>'
        '<w:compat><w:compatSetting w:name="compatibilityMode" '
        'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
        f'<w:rsids><w:rsidRoot w:val="{rsids[0]}"/>{rsid_xml}</w:rsids>'
        '<m:mathPr><m:mathFont m:val="Cambria Math"/><m:brkBin m:val="before"/>'
        '<m:defJc m:val="centerGroup"/><m:wrapIndent m:val="1440"/><m:intLim m:val="subSup"/>'
        '<m:naryLim m:val="undOvr"/></m:mathPr><w:themeFontLang w:val="fr-FR"/>'
        '<w:clrSchemeMapping w:bg1="light1" w:t1="dark1" w:bg2="light2" w:t2="dark2" '
        'w:accent1="accent1" w:accent2="accent2" w:accent3="accent3" w:accent4="accent4" '
        'w:accent5="accent5" w:accent6="accent6" w:hyperlink="hyperlink" '
        'w:followedHyperlink="followedHyperlink"/><w:shapeDefaults>'
        '<o:shapedefaults v:ext="edit" spidmax="2049"/><o:shapelayout v:ext="edit">'
        '<o:idmap v:ext="edit" data="1"/></o:shapelayout></w:shapeDefaults>'
        '<w:decimalSymbol w:val=","/><w:listSeparator w:val=";"/>'
        f'<w14:docId w14:val="{rsids[-1]}"/><w15:chartTrackingRefBased/></w:settings>'
    ).encode()


def web_settings_xml(extra: str = "") -> bytes:
    return (
        XML_DECL + f'<w:webSettings xmlns:r="{NS_R}" xmlns:w="{NS_W}">'
        + extra
        + "<w:optimizeForBrowser/><w:allowPNG/></w:webSettings>"
    ).encode()


_FONTS = [
    ("Symbol", "05050102010706020507", "02", "roman", "variable", "00000000", "10000000"),
    ("Times New Roman", "02020603050405020304", "00", "roman", "variable", "E0002EFF", "400001FF"),
    ("Calibri", "020F0502020204030204", "00", "swiss", "variable", "E4002EFF", "2000019F"),
    ("Calibri Light", "020F0302020204030204", "00", "swiss", "variable", "E4002EFF", "2000019F"),
]


def font_table_xml() -> bytes:
    fonts = "".join(
        f'<w:font w:name="{name}"><w:panose1 w:val="{panose}"/><w:charset w:val="{charset}"/>'
        f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/><w:sig w:usb0="{usb0}" '
        f'w:usb1="{usb1}" w:usb2="00000000" w:usb3="00000000" w:csb0="000001FF" '
        'w:csb1="00000000"/></w:font>'
        for name, panose, charset, family, pitch, usb0, usb1 in _FONTS
    )
    return (XML_DECL + f'<w:fonts xmlns:r="{NS_R}" xmlns:w="{NS_W}">{fonts}</w:fonts>').encode()


def numbering_xml() -> bytes:
    """One bullet list (abstractNum 0, num 1), as Word writes for the '•' button."""
    levels = "".join(
        f'<w:lvl w:ilvl="{i}" w:tplc="040C000{1 + i % 3}"><w:start w:val="1"/>'
        f'<w:numFmt w:val="bullet"/><w:lvlText w:val="{ch}"/><w:lvlJc w:val="left"/>'
        f'<w:pPr><w:ind w:left="{720 + 720 * i}" w:hanging="360"/></w:pPr>'
        f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:hint="default"/></w:rPr></w:lvl>'
        for i, (ch, font) in enumerate([("\uf0b7", "Symbol"), ("o", "Courier New"),
                                        ("\uf0a7", "Wingdings")])
    )
    return (
        XML_DECL + f'<w:numbering xmlns:r="{NS_R}" xmlns:w="{NS_W}">'
        '<w:abstractNum w:abstractNumId="0"><w:nsid w:val="5A3C1E22"/>'
        f'<w:multiLevelType w:val="hybridMultilevel"/><w:tmpl w:val="040C0001"/>{levels}'
        '</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>'
    ).encode()


def core_xml(title: str, creator: str, created: str, modified: str, revision: int) -> bytes:
    return (
        XML_DECL
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(creator)}</dc:creator>"
        f"<cp:lastModifiedBy>{escape(creator)}</cp:lastModifiedBy>"
        f"<cp:revision>{revision}</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{modified}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


def app_xml(words: int, characters: int, paragraphs: int, pages: int = 1) -> bytes:
    lines = max(1, characters // 80)
    return (
        XML_DECL
        + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        'docPropsVTypes"><Template>Normal.dotm</Template><TotalTime>42</TotalTime>'
        f"<Pages>{pages}</Pages><Words>{words}</Words><Characters>{characters}</Characters>"
        "<Application>Microsoft Office Word</Application><DocSecurity>0</DocSecurity>"
        f"<Lines>{lines}</Lines><Paragraphs>{paragraphs}</Paragraphs><ScaleCrop>false</ScaleCrop>"
        "<Company></Company><LinksUpToDate>false</LinksUpToDate>"
        f"<CharactersWithSpaces>{characters + words}</CharactersWithSpaces>"
        "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
        "<AppVersion>16.0000</AppVersion></Properties>"
    ).encode()
