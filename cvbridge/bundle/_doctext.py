"""Text of a legacy Word .doc, read from its piece table ([MS-DOC] 2.4.1), in-process.

Word 97-2003 (FIB ``wIdent`` 0xA5EC) keeps the CLX (Prc records, then the PlcPcd) in the
table stream that ``fWhichTblStm`` names; Word 6.0/95 (``wIdent`` 0xA5DC, or 0xA699 from
tools that wrote Word 6 files) keeps it in the WordDocument stream itself, with 8-bit text
only, and a file that was never fast-saved has no CLX at all: its text runs from ``fcMin``.
Both lay the stories end to end in character positions (CPs): main text, footnotes, headers
and footers, macros (Word 6), comments, endnotes, text boxes, header text boxes. The
search text is every story but macros and comments; field instructions are kept apart
(their results stay in the text), so the checker can look at INCLUDETEXT and its kin.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from cvbridge._i18n import N_, LazyText

WORD97_IDENT = 0xA5EC
WORD6_IDENTS = (0xA5DC, 0xA699)
WORD_IDENTS = (WORD97_IDENT, *WORD6_IDENTS)
FLAG_ENCRYPTED = 0x0100
_FLAG_WHICH_TABLE = 0x0200
_WORD6_NFIB_MAX = 0x0069  # nFib 101..105: Word 6.0 and Word 95
_WORD6_CCP_AT = 0x34
_WORD6_FCLCB_AT = 0x58
_INDEX_STTBF_ASSOC = 32
_INDEX_CLX = 33
# Stories in CP order, by index of their ccp among the eight counts the FIB holds.
_STORIES = ("text", "footnotes", "headers", "macros", "comments", "endnotes", "textboxes",
            "header textboxes")
_SKIPPED_STORIES = frozenset({"macros", "comments"})
# SttbfAssoc entries that name another file: ibstAssocDot, ibstAssocDataDoc, ibstAssocHeaderDoc.
ASSOCIATED_FILES = {1: N_("template"), 8: N_("mail-merge data source"),
                    9: N_("mail-merge header")}
_COMPRESSED = 0x40000000
_FIELD_BEGIN, _FIELD_SEPARATE, _FIELD_END = "\x13", "\x14", "\x15"
# Word's special characters: paragraph, cell/row marks, breaks, hyphens; anchors of
# pictures, notes, separators and comments carry no text.
_SPECIALS = str.maketrans({
    "\r": "\n", "\x07": "\t", "\x0b": "\n", "\x0c": "\n", "\x0e": "\n", "\x1e": "-",
    "\x1f": None, "\xa0": " ", **{chr(c): None for c in (1, 2, 3, 4, 5, 6, 8, 0x0F, 0x10,
                                                          0x11, 0x12, 0x16, 0x17, 0x18,
                                                          0x19, 0x1A, 0x1B, 0x1C, 0x1D)}})
# Word 6 stores 8-bit text in the code page of the document's language (its lid).
_CODE_PAGES = {
    **dict.fromkeys((0x02, 0x19, 0x22, 0x23, 0x2F, 0x1C1A), "cp1251"),
    0x08: "cp1253", 0x1F: "cp1254", 0x0D: "cp1255", 0x01: "cp1256",
    **dict.fromkeys((0x25, 0x26, 0x27), "cp1257"),
    **dict.fromkeys((0x05, 0x0E, 0x15, 0x18, 0x1A, 0x1B, 0x24), "cp1250"),
}


_CP1252_HIGH = {c: bytes([c]).decode("cp1252") for c in range(0x80, 0xA0)
                if c not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


class LegacyDocError(ValueError):
    """The Word binary structures cannot be followed to the text; ``reason`` says where."""

    def __init__(self, reason: LazyText) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Fib:
    """What the reader needs of the File Information Block."""

    ident: int
    nfib: int
    flags: int
    lid: int
    fc_min: int
    ccps: tuple[int, ...]  # the eight story lengths, in _STORIES order
    fclcb: dict[int, tuple[int, int]]  # index in FibRgFcLcb -> (fc, lcb)

    @property
    def word6(self) -> bool:
        return self.ident in WORD6_IDENTS or self.nfib <= _WORD6_NFIB_MAX

    @property
    def table_stream(self) -> str | None:
        if self.word6:
            return None  # Word 6/95 keeps its tables in the WordDocument stream
        return "1Table" if self.flags & _FLAG_WHICH_TABLE else "0Table"


@dataclass
class LegacyText:
    text: str
    instructions: list[str] = field(default_factory=list)
    associated: list[tuple[str, str]] = field(default_factory=list)  # (what, path)


def _u16(data: bytes, at: int) -> int:
    if at + 2 > len(data):
        raise LegacyDocError(LazyText("the FIB ends before offset {offset}", offset=at))
    return int.from_bytes(data[at:at + 2], "little")


def _u32(data: bytes, at: int) -> int:
    if at + 4 > len(data):
        raise LegacyDocError(LazyText("the FIB ends before offset {offset}", offset=at))
    return int.from_bytes(data[at:at + 4], "little")


def read_fib(word: bytes) -> Fib:
    """The FIB at the start of the WordDocument stream, Word 97 or Word 6/95 layout."""
    ident, nfib, lid, flags = _u16(word, 0), _u16(word, 2), _u16(word, 6), _u16(word, 10)
    fc_min = _u32(word, 0x18)
    if ident in WORD6_IDENTS or (ident == WORD97_IDENT and nfib <= _WORD6_NFIB_MAX):
        ccps = tuple(_u32(word, _WORD6_CCP_AT + 4 * i) for i in range(len(_STORIES)))
        base, count = _WORD6_FCLCB_AT, _INDEX_CLX + 1
    elif ident == WORD97_IDENT:
        csw = _u16(word, 0x20)
        lw_at = 0x22 + 2 * csw + 2
        cslw = _u16(word, lw_at - 2)
        if cslw < 11:
            raise LegacyDocError(LazyText("the FIB has {count} story counts, fewer than 11",
                                          count=cslw))
        # fibRgLw97: cbMac, two product words, then ccpText, ccpFtn, ccpHdd, a reserved
        # word (ccpMcr in Word 6), ccpAtn, ccpEdn, ccpTxbx, ccpHdrTxbx.
        ccps = tuple(_u32(word, lw_at + 4 * (3 + i)) for i in range(len(_STORIES)))
        count_at = lw_at + 4 * cslw
        base, count = count_at + 2, _u16(word, count_at)
    else:
        raise LegacyDocError(LazyText("unknown FIB identifier {ident}",
                                      ident="0x" + format(ident, "04X")))
    fclcb = {index: (_u32(word, base + 8 * index), _u32(word, base + 8 * index + 4))
             for index in (_INDEX_STTBF_ASSOC, _INDEX_CLX) if index < count}
    return Fib(ident, nfib, flags, lid, fc_min, ccps, fclcb)


@dataclass(frozen=True)
class _Piece:
    cp_start: int
    cp_end: int
    fc: int
    compressed: bool


def _structure(fib: Fib, word: bytes, table: bytes | None, index: int) -> bytes:
    fc, lcb = fib.fclcb.get(index, (0, 0))
    source = word if table is None else table
    if lcb == 0:
        return b""
    if fc + lcb > len(source):
        raise LegacyDocError(LazyText("structure {index} lies past the end of its stream",
                                      index=index))
    return source[fc:fc + lcb]


def _pieces(fib: Fib, clx: bytes, cp_total: int) -> list[_Piece]:
    if not clx:
        # Never fast-saved (Word 6/95): one run of 8-bit text from fcMin.
        return [_Piece(0, cp_total, fib.fc_min, True)]
    at = 0
    while at < len(clx) and clx[at] == 0x01:  # Prc: property modifiers of complex pieces
        if at + 3 > len(clx):
            raise LegacyDocError(LazyText("the CLX ends inside a Prc"))
        at += 3 + int.from_bytes(clx[at + 1:at + 3], "little", signed=True)
    if at + 5 > len(clx) or clx[at] != 0x02:
        raise LegacyDocError(LazyText("the CLX has no piece table"))
    lcb = int.from_bytes(clx[at + 1:at + 5], "little")
    plc = clx[at + 5:at + 5 + lcb]
    if len(plc) != lcb or lcb < 16 or (lcb - 4) % 12:
        raise LegacyDocError(LazyText("a piece table of {size} bytes is not a PlcPcd", size=lcb))
    count = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}I", plc)
    pieces = []
    for i in range(count):
        raw_fc = int.from_bytes(plc[4 * (count + 1) + 8 * i + 2:][:4], "little")
        if fib.word6:
            pieces.append(_Piece(cps[i], cps[i + 1], raw_fc, True))
        elif raw_fc & _COMPRESSED:
            pieces.append(_Piece(cps[i], cps[i + 1], (raw_fc & ~_COMPRESSED) // 2, True))
        else:
            pieces.append(_Piece(cps[i], cps[i + 1], raw_fc, False))
    return pieces


def _decode(word: bytes, piece: _Piece, start: int, end: int, code_page: str) -> str:
    """Characters [start, end) of the document, which lie in ``piece``."""
    width = 1 if piece.compressed else 2
    begin = piece.fc + (start - piece.cp_start) * width
    stop = begin + (end - start) * width
    if begin < 0 or stop > len(word) or start > end:
        raise LegacyDocError(LazyText(
            "a piece of text lies past the end of the WordDocument stream"))
    raw = word[begin:stop]
    if width == 2:
        return raw.decode("utf-16-le", errors="replace")
    if code_page == "cp1252":
        # Word's own rule for compressed text: cp1252, and Latin-1 where cp1252 has a hole.
        return raw.decode("latin-1").translate(_CP1252_HIGH)
    return raw.decode(code_page, errors="replace")


def _range_text(word: bytes, pieces: list[_Piece], start: int, end: int,
                code_page: str) -> str:
    out = []
    for piece in pieces:
        low, high = max(start, piece.cp_start), min(end, piece.cp_end)
        if low < high:
            out.append(_decode(word, piece, low, high, code_page))
    return "".join(out)


def split_fields(text: str, instructions: list[str]) -> str:
    """The text with field instructions taken out (into ``instructions``), results kept."""
    out: list[str] = []
    stack: list[list[str] | None] = []  # per open field: its instruction, None once separated
    for char in text:
        if char == _FIELD_BEGIN:
            stack.append([])
        elif char == _FIELD_SEPARATE and stack:
            top = stack[-1]
            if top is not None:
                instructions.append("".join(top))
            stack[-1] = None
        elif char == _FIELD_END and stack:
            top = stack.pop()
            if top is not None:
                instructions.append("".join(top))
        elif stack and (top := stack[-1]) is not None:
            top.append(char)
        else:
            out.append(char)
    return "".join(out)


def _associated(fib: Fib, word: bytes, table: bytes | None) -> list[tuple[str, str]]:
    """The files SttbfAssoc names: the attached template, mail-merge sources."""
    data = _structure(fib, word, table, _INDEX_STTBF_ASSOC)
    strings: list[str] = []
    if fib.word6 and len(data) >= 2:
        at = 2  # Word 6: the total byte count, then Pascal strings of 8-bit characters
        while at < len(data):
            size = data[at]
            strings.append(data[at + 1:at + 1 + size].decode("cp1252", errors="replace"))
            at += 1 + size
    elif len(data) >= 6 and data[:2] == b"\xff\xff":
        count, extra = _u16(data, 2), _u16(data, 4)
        at = 6
        for _ in range(count):
            if at + 2 > len(data):
                break
            size = _u16(data, at)
            strings.append(data[at + 2:at + 2 + 2 * size].decode("utf-16-le", errors="replace"))
            at += 2 + 2 * size + extra
    return [(what, strings[index].strip("\0 ")) for index, what in ASSOCIATED_FILES.items()
            if index < len(strings) and strings[index].strip("\0 ")]


def legacy_text(word: bytes, table: bytes | None, fib: Fib | None = None) -> LegacyText:
    """The search text of a .doc from its WordDocument and table streams (the table stream
    is None for Word 6/95). Raises LegacyDocError where the structures do not hold."""
    fib = fib or read_fib(word)
    if not fib.word6 and table is None:
        raise LegacyDocError(LazyText("the {stream} stream is missing", stream=fib.table_stream))
    tables = None if fib.word6 else table
    cp_total = sum(fib.ccps) + (1 if sum(fib.ccps[1:]) else 0)
    pieces = _pieces(fib, _structure(fib, word, tables, _INDEX_CLX), cp_total)
    code_page = _CODE_PAGES.get(fib.lid & 0x3FF, _CODE_PAGES.get(fib.lid, "cp1252")) \
        if fib.word6 else "cp1252"
    result = LegacyText("")
    texts = []
    start = 0
    for story, length in zip(_STORIES, fib.ccps, strict=True):
        if length and story not in _SKIPPED_STORIES:
            raw = _range_text(word, pieces, start, start + length, code_page)
            texts.append(split_fields(raw, result.instructions).translate(_SPECIALS))
        start += length
    result.text = "\n".join(texts)
    result.associated = _associated(fib, word, tables)
    return result
