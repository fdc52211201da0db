"""Plain text of WordprocessingML parts, for search, read streaming with lxml's pull parser.

Elements are cleared as soon as they end, so memory grows with the text, not with the tree
(a 60 MiB document.xml built whole takes ~1 GB). Transitional and Strict namespaces read
alike. What counts as the candidate's text, and what not:

- paragraphs, tabs (``w:tab``, not the tab stops of ``w:tabs``; ``w:ptab``), breaks, symbols
  (``w:sym``, as the character it shows), equations (``m:t``), ruby base text;
- not the pronunciation guide of ruby (``w:rt``), not the copy of a text box that Word
  writes twice (``mc:Fallback``, the VML twin of ``mc:Choice``), not moved-away text
  (``w:moveFrom``: its ``w:moveTo`` twin counts), not the placeholder of an empty content
  control (``w:showingPlcHdr``), not hidden text (``w:vanish`` on the run: left out and
  noted), not field instructions (kept apart, for the checker).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

_W_NAMESPACES = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                 "http://purl.oclc.org/ooxml/wordprocessingml/main")
_M_NAMESPACES = ("http://schemas.openxmlformats.org/officeDocument/2006/math",
                 "http://purl.oclc.org/ooxml/officeDocument/math")
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_CHUNK = 1 << 20
_JOIN_EVERY = 4096  # pieces of text joined and encoded at a time, to keep the list short
_BLANK_RUNS = re.compile(r"\n{3,}")
_FALSE = ("0", "false", "off")

# What an element means to the text, by its role.
(_P, _T, _TAB, _TABS, _PTAB, _BREAK, _SYM, _HYPHEN, _SKIP, _RUN, _VANISH, _SDT, _PLACEHOLDER,
 _SDT_CONTENT, _INSTR, _FLDCHAR, _FLDSIMPLE) = range(17)
_ROLES: dict[str, int] = {f"{{{_MC}}}Fallback": _SKIP}
for _ns in _W_NAMESPACES:
    for _name, _role in (("p", _P), ("t", _T), ("tab", _TAB), ("tabs", _TABS),
                         ("ptab", _PTAB), ("br", _BREAK), ("cr", _BREAK), ("sym", _SYM),
                         ("noBreakHyphen", _HYPHEN), ("moveFrom", _SKIP), ("rt", _SKIP),
                         ("r", _RUN), ("vanish", _VANISH), ("sdt", _SDT),
                         ("showingPlcHdr", _PLACEHOLDER), ("sdtContent", _SDT_CONTENT),
                         ("instrText", _INSTR), ("fldChar", _FLDCHAR),
                         ("fldSimple", _FLDSIMPLE)):
        _ROLES[f"{{{_ns}}}{_name}"] = _role
for _ns in _M_NAMESPACES:
    _ROLES[f"{{{_ns}}}t"] = _T
_RUN_PROPERTIES = frozenset(f"{{{ns}}}rPr" for ns in _W_NAMESPACES)
_RUNS = frozenset(f"{{{ns}}}r" for ns in _W_NAMESPACES)
# The elements whose start and end the reader acts on: the tab stops (w:tabs) are looked at
# from their w:tab only. Leaving out a whole element, start and end, keeps the depth count of
# a skipped region balanced.
_EVENT_TAGS = tuple(tag for tag, role in _ROLES.items() if role != _TABS)
# Runs matter only to hidden text: in a part with no w:vanish at all, no run is hidden, and
# their events (a third of the rest) are left out too.
_VANISH_TAGS = tuple(tag for tag, role in _ROLES.items() if role == _VANISH)
_EVENT_TAGS_NO_RUNS = tuple(tag for tag in _EVENT_TAGS if _ROLES[tag] != _RUN)
# The elements only the walk reads: hidden runs, symbols, placeholders, fields. A part with
# none of them (most bodies) is read by _PLAIN_TEXT, the same rules run by libxslt: a third
# of the cost of walking its elements in Python.
_WALK_ONLY_TAGS = tuple(tag for tag, role in _ROLES.items()
                        if role in (_VANISH, _SYM, _PLACEHOLDER, _INSTR, _FLDCHAR, _FLDSIMPLE))
_PLAIN_TEXT = etree.XSLT(etree.XML(f"""\
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:w="{_W_NAMESPACES[0]}" xmlns:s="{_W_NAMESPACES[1]}"
    xmlns:m="{_M_NAMESPACES[0]}" xmlns:sm="{_M_NAMESPACES[1]}" xmlns:mc="{_MC}">
  <xsl:output method="text" encoding="utf-8"/>
  <xsl:template match="text()"/>
  <xsl:template match="mc:Fallback|w:moveFrom|s:moveFrom|w:rt|s:rt"/>
  <xsl:template match="w:p|s:p"><xsl:apply-templates/><xsl:text>&#10;</xsl:text></xsl:template>
  <xsl:template match="w:t|s:t|m:t|sm:t">
    <xsl:apply-templates/><xsl:value-of select="node()[1][self::text()]"/></xsl:template>
  <xsl:template match="w:tab|s:tab|w:ptab|s:ptab">
    <xsl:text>&#9;</xsl:text><xsl:apply-templates/></xsl:template>
  <xsl:template
      match="w:tab[parent::w:tabs or parent::s:tabs]|s:tab[parent::w:tabs or parent::s:tabs]">
    <xsl:apply-templates/></xsl:template>
  <xsl:template match="w:br|s:br|w:cr|s:cr">
    <xsl:text>&#10;</xsl:text><xsl:apply-templates/></xsl:template>
  <xsl:template match="w:noBreakHyphen|s:noBreakHyphen">
    <xsl:text>-</xsl:text><xsl:apply-templates/></xsl:template>
</xsl:stylesheet>""".encode()),
    # It loads nothing (no document(), include or import); denied all the same. lxml-stubs
    # do not know the constant.
    access_control=etree.XSLTAccessControl.DENY_ALL)  # type: ignore[attr-defined]

# Symbol font, as Word's w:sym gives it (F000 + its 8-bit code): the Greek letters and the
# signs CVs use; other fonts' private-use codes are kept as they are.
_SYMBOL = {
    **{0x41 + i: c for i, c in enumerate("ΑΒΧΔΕΦΓΗΙϑΚΛΜΝΟΠΘΡΣΤΥςΩΞΨΖ")},
    **{0x61 + i: c for i, c in enumerate("αβχδεφγηιϕκλμνοπθρστυϖωξψζ")},
    0xA3: "≤", 0xA5: "∞", 0xAB: "↔", 0xAC: "←", 0xAD: "↑", 0xAE: "→", 0xAF: "↓",
    0xB0: "°", 0xB1: "±", 0xB3: "≥", 0xB4: "\u00d7", 0xB7: "•", 0xB9: "≠", 0xD2: "®", 0xD3: "©",
    0xD4: "™", 0xE2: "®", 0xE3: "©", 0xE4: "™",
}
_WINGDINGS = {0x6C: "●", 0x6E: "■", 0x71: "❑", 0x76: "❖", 0xA7: "▪", 0xD8: "➢", 0xE8: "➔",
              0xF0: "⇨", 0xFB: "✗", 0xFC: "✓", 0xFD: "☒", 0xFE: "☑"}


class XmlError(ValueError):
    """An XML part is not well-formed."""


def secure_parser() -> etree.XMLParser:
    """No DTD, no entities, no network, no huge trees: the parser for untrusted parts."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


_PARSER = secure_parser()


def parse_xml(data: bytes) -> etree._Element:
    """A small part (relationships, content types, settings) parsed whole."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlError(str(exc)) from exc


@dataclass
class PartText:
    """The search text of one part, whether hidden text was left out, and the field
    instructions it holds (``INCLUDETEXT "…"``)."""

    text: str
    hidden: bool = False
    instructions: list[str] = field(default_factory=list)


def tidy(text: str) -> str:
    """No trailing blanks on a line, no more than one empty line in a row."""
    # Line by line: a regular expression for the trailing blanks tries every character.
    lines = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", lines).strip()


def symbol_character(font: str, code: str) -> str:
    """The character a ``w:sym`` shows: its code in the Symbol or Wingdings font mapped to
    Unicode, a plain code as it is."""
    try:
        value = int(code, 16)
    except ValueError:
        return ""
    low = value - 0xF000 if 0xF000 <= value <= 0xF0FF else value
    table = {"symbol": _SYMBOL, "wingdings": _WINGDINGS}.get(font.strip().lower())
    if table is not None and low in table:
        return table[low]
    if table is _SYMBOL and 0x20 <= low < 0x7F:
        return chr(low)
    return chr(value) if 0 < value < 0x110000 and not 0xD800 <= value < 0xE000 else ""


def _attribute(element: etree._Element, name: str) -> str:
    tag = element.tag
    namespace = tag[:tag.index("}") + 1] if isinstance(tag, str) and tag[0] == "{" else ""
    return element.get(namespace + name) or ""


class _PartReader:
    """The state of one streamed part: what is being skipped, hidden, or a placeholder."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        # Text so far, in UTF-8: French text takes ~1 byte a character there, 2 in a str
        # (one em dash makes a whole str 2 bytes a character).
        self.buffer = bytearray()
        self.skipping = 0  # depth inside an element whose content is not text
        self.runs: list[bool] = []  # open runs: hidden or not
        self.sdts: list[bool] = []  # open content controls: showing their placeholder or not
        self.fields: list[list[str] | None] = []  # open fields' instructions, None once past
        self.newlines = 2  # newlines just emitted: none are wanted at the start
        self.result = PartText("")

    def emit(self, text: str) -> None:
        """Add text; tidied as it comes (no trailing blanks on a line, at most one empty
        line in a row), so the text is never copied whole to tidy it."""
        if "\n" in text and text != "\n":  # line by line, as tidy() reads lines
            first, *lines = text.split("\n")
            self.emit(first)
            for line in lines:
                self.emit("\n")
                self.emit(line)
            return
        pieces = self.pieces
        if text == "\n":
            while pieces and pieces[-1] != "\n" and "\n" not in pieces[-1]:
                stripped = pieces[-1].rstrip()
                if stripped:
                    pieces[-1] = stripped
                    break
                pieces.pop()
            if self.newlines >= 2:
                return
            self.newlines += 1
        elif not text:
            return
        elif not text.isspace():
            self.newlines = 0
        pieces.append(text)
        if len(pieces) >= _JOIN_EVERY:
            self.buffer += "".join(pieces).encode()
            pieces.clear()

    def start(self, element: etree._Element) -> None:
        if self.skipping:
            self.skipping += 1
            return
        role = _ROLES.get(element.tag)
        if role is None:
            return
        if role == _SKIP:
            self.skipping = 1
        elif role == _RUN:
            self.runs.append(False)
        elif role == _VANISH:
            self._vanish(element)
        elif role == _SDT:
            self.sdts.append(False)
        elif role == _PLACEHOLDER:
            if self.sdts and _attribute(element, "val").lower() not in _FALSE:
                self.sdts[-1] = True
        elif role == _SDT_CONTENT:
            if self.sdts and self.sdts[-1]:
                self.skipping = 1
        elif role == _FLDCHAR:
            self._field_char(_attribute(element, "fldCharType"))
        elif role == _FLDSIMPLE:
            self.result.instructions.append(_attribute(element, "instr"))
        elif self.runs and True in self.runs:
            if role in (_T, _TAB, _PTAB, _SYM, _HYPHEN):
                self.result.hidden = True
        elif role == _TAB:
            parent = element.getparent()
            if parent is None or _ROLES.get(parent.tag) != _TABS:
                self.emit("\t")
        elif role == _PTAB:
            self.emit("\t")
        elif role == _BREAK:
            self.emit("\n")
        elif role == _SYM:
            self.emit(symbol_character(_attribute(element, "font"), _attribute(element, "char")))
        elif role == _HYPHEN:
            self.emit("-")

    def _vanish(self, element: etree._Element) -> None:
        properties = element.getparent()
        if (properties is None or properties.tag not in _RUN_PROPERTIES or not self.runs
                or _attribute(element, "val").lower() in _FALSE):
            return
        run = properties.getparent()
        if run is not None and run.tag in _RUNS:
            self.runs[-1] = True

    def _field_char(self, kind: str) -> None:
        if kind == "begin":
            self.fields.append([])
        elif kind in ("separate", "end") and self.fields:
            instruction = self.fields[-1]
            if instruction is not None:
                self.result.instructions.append("".join(instruction))
            if kind == "end":
                self.fields.pop()
            else:
                self.fields[-1] = None

    def end(self, element: etree._Element) -> None:
        if self.skipping:
            self.skipping -= 1
        else:
            role = _ROLES.get(element.tag)
            if role == _T:
                if self.runs and True in self.runs:
                    self.result.hidden = self.result.hidden or bool(element.text)
                else:
                    self.emit(element.text or "")
            elif role == _P:
                self.emit("\n")
            elif role == _RUN and self.runs:
                self.runs.pop()
            elif role == _SDT and self.sdts:
                self.sdts.pop()
            elif role == _INSTR and self.fields and self.fields[-1] is not None:
                self.fields[-1].append(element.text or "")

    def walk(self, events: Iterable[tuple[str, etree._Element]]) -> None:
        """``start`` and ``end`` on each event, with the commonest elements (paragraphs,
        runs, text: four events in five) handled here, as those two would handle them."""
        roles, runs, result = _ROLES, self.runs, self.result
        start, end, emit = self.start, self.end, self.emit
        for event, element in events:
            if self.skipping:
                self.skipping += 1 if event == "start" else -1
                continue
            role = roles.get(element.tag)
            if event == "start":
                if role == _RUN:
                    runs.append(False)
                elif role == _T:
                    if runs and True in runs:
                        result.hidden = True
                elif role != _P:
                    start(element)
            elif role == _T:
                if runs and True in runs:
                    result.hidden = result.hidden or bool(element.text)
                else:
                    emit(element.text or "")
            elif role == _P:
                emit("\n")
            elif role == _RUN:
                if runs:
                    runs.pop()
            else:
                end(element)

    def text(self) -> str:
        buffer = self.buffer
        buffer += "".join(self.pieces).encode()
        self.pieces.clear()
        # Stripped in place, so that decoding is the only copy.
        end = len(buffer.rstrip())
        del buffer[end:]
        del buffer[:len(buffer) - len(buffer.lstrip())]
        text = buffer.decode()
        buffer.clear()
        # Blanks past ASCII (a no-break space) too, as tidy() strips them; no copy when
        # there are none.
        return text.strip()


def part_text(data: bytes) -> PartText:
    """The text of a document, header, footer or notes part, one paragraph per line.

    A part that fits in one chunk (every CV's) is parsed whole, as the streamed read would
    parse it before handing over a single event (same push parser, same options, fed at
    once), then read by the stylesheet when it holds none of the elements only the walk
    reads, else walked over the elements that mean something to the text only: the others
    (run properties, cell widths...) are half of a part and cost as much each. A part that
    does not parse is read again streamed, which reports the error in its own words.
    """
    if len(data) <= _CHUNK:
        parser = secure_parser()
        try:
            parser.feed(data)
            root = parser.close()
        except etree.XMLSyntaxError:
            pass
        else:
            if next(root.iter(_WALK_ONLY_TAGS), None) is None:
                return PartText(tidy(str(_PLAIN_TEXT(root))))
            return walked_text(root)
    return _streamed_part_text(data)


def walked_text(root: etree._Element) -> PartText:
    """The text of a parsed part, walked element by element (whatever it holds)."""
    reader = _PartReader()
    hides = next(root.iter(_VANISH_TAGS), None) is not None
    tags = _EVENT_TAGS if hides else _EVENT_TAGS_NO_RUNS
    reader.walk(etree.iterwalk(root, events=("start", "end"), tag=tags))
    reader.result.text = reader.text()
    return reader.result


def _streamed_part_text(data: bytes) -> PartText:
    """The text of a part of any size, each element dropped once it has ended, so that
    memory grows with the text, not with the tree."""
    parser = etree.XMLPullParser(events=("start", "end"), resolve_entities=False,
                                 no_network=True, load_dtd=False, huge_tree=False,
                                 remove_comments=True, remove_pis=True)
    reader = _PartReader()
    view = memoryview(data)

    def handle_events() -> None:
        for event, element in parser.read_events():
            if not isinstance(element, etree._Element):  # start and end events only
                continue
            if event == "start":
                reader.start(element)
                continue
            reader.end(element)
            # Done with it: drop its content and the siblings before it.
            element.clear()
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]

    try:
        for at in range(0, len(view), _CHUNK):
            parser.feed(bytes(view[at:at + _CHUNK]))
            handle_events()
        parser.close()
        handle_events()
    except etree.XMLSyntaxError as exc:
        raise XmlError(str(exc)) from exc
    reader.result.text = reader.text()
    return reader.result
