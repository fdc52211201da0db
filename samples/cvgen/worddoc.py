"""Minimal Word binary document (.doc) writers: Word 97-2003, and Word 6.0/95.

The file is a CFB container with a ``WordDocument`` stream (a Word 97 FIB,
``nFib`` 0x00C1, followed by the text as 8-bit cp1252 characters), a ``1Table``
stream holding the piece table (a CLX with one compressed piece), and the
``\\x01CompObj`` and ``\\x05SummaryInformation`` streams Word writes. There is no
formatting (no FKPs, no stylesheet): Word-compatible readers such as antiword
fall back to plain paragraphs.

``build_word6_doc`` writes the Word 6.0/95 layout (no free writer of it exists): a FIB with
``wIdent`` 0xA5DC (or 0xA699, as some tools wrote Word 6 files), ``nFib`` 101, everything in
the WordDocument stream (Word 6 has no table stream), the text as one non-complex run of
8-bit characters from ``fcMin``: main text, then the header story that a PlcfHdd divides.
"""

from __future__ import annotations

import struct

from .cfb import Storage, build_cfb

NFIB_WORD97 = 0x00C1
LID_FRENCH = 0x040C
TEXT_START = 0x0800  # fcMin: Word 97 starts the text after the FIB and padding
_FIB_SIZE = 0x0384
_RGFCLCB_COUNT = 0x5D
_FCLCB_OFFSET = 0x9A
_INDEX_STSHF = 1
_INDEX_STTBFFFN = 15
_INDEX_STTBF_ASSOC = 32
_INDEX_CLX = 33
_ASSOC_COUNT = 18  # SttbfAssoc has 18 strings; 1 is the attached template (ibstAssocDot)

FLAG_ENCRYPTED = 0x0100
FLAG_WHICH_TBL = 0x0200
FLAG_EXT_CHAR = 0x1000

_COMPOBJ = (
    bytes.fromhex("0100FEFF030A0000FFFFFFFF0609020000000000C000000000000046")
    + struct.pack("<I", 32)
    + b"Microsoft Word 97-2003 Document\0"
    + struct.pack("<I", 10)
    + b"MSWordDoc\0"
    + struct.pack("<I", 16)
    + b"Word.Document.8\0"
    + bytes.fromhex("F439B271")
    + bytes(12)
)


def _fib(
    ccp_text: int, fc_mac: int, tables: dict[int, tuple[int, int]], flags: int, key: int
) -> bytes:
    fib = bytearray(_FIB_SIZE)
    struct.pack_into(
        "<HHHHHHHIBBHHII",
        fib,
        0,
        0xA5EC,  # wIdent
        NFIB_WORD97,
        0x6A62,  # unused (Word writes the product build here)
        LID_FRENCH,
        0,  # pnNext
        flags | FLAG_WHICH_TBL | FLAG_EXT_CHAR,
        0x00BF,  # nFibBack
        key,  # lKey
        0,  # envr
        0,  # flags2
        0,
        0,
        TEXT_START,  # fcMin (reserved in later specs, read by Word 97 era tools)
        fc_mac,  # fcMac
    )
    struct.pack_into("<H", fib, 0x20, 14)  # csw
    struct.pack_into("<H", fib, 0x3C, LID_FRENCH)  # fibRgW.lidFE
    struct.pack_into("<H", fib, 0x3E, 22)  # cslw
    struct.pack_into("<I", fib, 0x40, fc_mac)  # cbMac
    struct.pack_into("<I", fib, 0x4C, ccp_text)  # ccpText
    struct.pack_into("<H", fib, 0x98, _RGFCLCB_COUNT)
    for index, (fc, lcb) in tables.items():
        struct.pack_into("<II", fib, _FCLCB_OFFSET + 8 * index, fc, lcb)
    struct.pack_into("<H", fib, _FCLCB_OFFSET + 8 * _RGFCLCB_COUNT, 0)  # cswNew
    return bytes(fib)


def _stylesheet() -> bytes:
    """An STSH with one style, Normal (sti 0): STSHI, then one LPStd."""
    stshi = struct.pack("<HHHHHH3H", 1, 10, 1, 0x5B, 0x0F, 0, 0, 0, 0)
    name = "Normal"
    xstz = struct.pack("<H", len(name)) + name.encode("utf-16-le") + b"\0\0"
    upx_papx = struct.pack("<HH", 2, 0)  # cbUpx, istd 0, no sprm
    upx_chpx = struct.pack("<H", 0)
    body_len = 10 + len(xstz) + len(upx_papx) + len(upx_chpx)
    std_base = struct.pack("<HHHHH", 0x0000, 0xFFF1, 0x0002, body_len, 0)
    std = std_base + xstz + upx_papx + upx_chpx
    return struct.pack("<H", len(stshi)) + stshi + struct.pack("<H", len(std)) + std


def _font_table(names: list[str]) -> bytes:
    """SttbfFfn: a count, then one FFN per font (FFID, weight, charset, PANOSE, FONTSIGNATURE)."""
    out = struct.pack("<HH", len(names), 0)
    for name in names:
        xsz = name.encode("utf-16-le") + b"\0\0"
        ffn = struct.pack("<BHBB", 0x16, 400, 0, 0) + bytes(10) + bytes(24) + xsz
        out += struct.pack("<B", len(ffn)) + ffn
    return out


def _clx(ccp_text: int) -> bytes:
    """A CLX holding a PlcPcd with a single piece: compressed (cp1252) text at TEXT_START."""
    fc_compressed = (TEXT_START * 2) | 0x40000000
    pcd = struct.pack("<HIH", 0x0040, fc_compressed, 0)  # fNoParaLast unset; prm 0
    plc = struct.pack("<II", 0, ccp_text) + pcd
    return b"\x02" + struct.pack("<I", len(plc)) + plc


def _summary_information(title: str, author: str) -> bytes:
    """A \\x05SummaryInformation property set with title, author and code page 1252."""

    def lpstr(value: str) -> bytes:
        raw = value.encode("cp1252") + b"\0"
        return struct.pack("<II", 0x1E, len(raw)) + raw + bytes(-len(raw) % 4)

    props = [(1, struct.pack("<Ih2x", 2, 1252)), (2, lpstr(title)), (4, lpstr(author))]
    props += [(18, lpstr("Microsoft Office Word"))]
    offset = 8 + 8 * len(props)
    index, values = b"", b""
    for pid, value in props:
        index += struct.pack("<II", pid, offset + len(values))
        values += value
    section = struct.pack("<II", 8 + len(index) + len(values), len(props)) + index + values
    fmtid = bytes.fromhex("E0859FF2F94F6810AB9108002B27B3D9")
    header = struct.pack("<HHI16sI", 0xFFFE, 0, 0x00020006, bytes(16), 1)
    return header + fmtid + struct.pack("<I", len(header) + 20) + section


def _sttbf_assoc(template: str) -> bytes:
    """An extended STTB of the document's associated strings, the template second."""
    strings = [""] * _ASSOC_COUNT
    strings[1] = template
    out = struct.pack("<HHH", 0xFFFF, len(strings), 0)
    for value in strings:
        out += struct.pack("<H", len(value)) + value.encode("utf-16-le")
    return out


def encode_text(paragraphs: list[str]) -> bytes:
    """Word's 8-bit text: paragraphs end with CR, '\\n' inside one becomes a line break."""
    text = "".join(p.replace("\n", "\x0b") + "\r" for p in paragraphs)
    return text.encode("cp1252")


def build_doc(
    paragraphs: list[str],
    *,
    title: str = "",
    author: str = "",
    encrypted: bool = False,
    template: str = "",
    storages: dict[str, Storage] | None = None,
) -> bytes:
    """A Word 97-2003 .doc whose main text is ``paragraphs``.

    ``template``: the attached template's path, in SttbfAssoc; ``storages``: more storages
    at the root (``Macros``, ``ObjectPool``). A field is written inline as Word stores it:
    ``\x13`` instruction ``\x14`` result ``\x15``.

    With ``encrypted`` the FIB says fEncrypted and the table stream starts with an
    RC4 encryption header, as Word writes for a password-protected file (the text
    itself is left readable: only the flag matters to a validator).
    """
    text = encode_text(paragraphs)
    ccp_text = len(text)
    fc_mac = TEXT_START + ccp_text
    table = b""
    key = 0
    if encrypted:
        # EncryptionHeader of RC4 encryption: version 1.1, salt, verifier, verifier hash.
        table = struct.pack("<HH", 1, 1) + bytes(range(16)) + bytes(range(16, 48))
        key = len(table)
    tables: dict[int, tuple[int, int]] = {}
    for index, part in (
        (_INDEX_STSHF, _stylesheet()),
        (_INDEX_STTBFFFN, _font_table(["Times New Roman", "Symbol", "Arial"])),
        (_INDEX_CLX, _clx(ccp_text)),
        *(((_INDEX_STTBF_ASSOC, _sttbf_assoc(template)),) if template else ()),
    ):
        tables[index] = (len(table), len(part))
        table += part
    flags = FLAG_ENCRYPTED if encrypted else 0
    fib = _fib(ccp_text, fc_mac, tables, flags, key)
    word = fib + bytes(TEXT_START - len(fib)) + text
    word += bytes(max(0, 4096 - len(word)))  # keep it out of the mini stream
    word += bytes(-len(word) % 512)
    root = Storage(
        streams={
            "WordDocument": word,
            "1Table": table,
            "\x01CompObj": _COMPOBJ,
            "\x05SummaryInformation": _summary_information(title, author),
        },
        storages=storages or {},
        clsid=bytes.fromhex("0609020000000000C000000000000046"),
    )
    return build_cfb(root)


WORD6_IDENT = 0xA5DC
NFIB_WORD6 = 0x0065
_WORD6_FIB_SIZE = 0x02E0
_WORD6_CCP_AT = 0x34
_WORD6_FCLCB_AT = 0x58
_INDEX_PLCFHDD = 11
_WORD6_TEXT_START = 0x0300

_COMPOBJ6 = (
    bytes.fromhex("0100FEFF030A0000FFFFFFFF0009020000000000C000000000000046")
    + struct.pack("<I", 28) + b"Microsoft Word 6.0 Document\0"
    + struct.pack("<I", 10) + b"MSWordDoc\0"
    + struct.pack("<I", 16) + b"Word.Document.6\0"
    + bytes(4)
)


def build_word6_doc(
    paragraphs: list[str],
    *,
    headers: list[str] = (),  # type: ignore[assignment]
    ident: int = WORD6_IDENT,
    encrypted: bool = False,
) -> bytes:
    """A Word 6.0/95 .doc: ``paragraphs`` as its main text, ``headers`` (one paragraph each)
    as the stories of its header story (odd-page header, then odd-page footer...)."""
    text = encode_text(paragraphs)
    header_text = encode_text(list(headers))
    ccp_hdd = len(header_text) + (1 if headers else 0)  # the guard paragraph mark
    body = text + header_text + (b"\r" if headers else b"") + (b"\r" if headers else b"")
    fc_mac = _WORD6_TEXT_START + len(body)
    fib = bytearray(_WORD6_FIB_SIZE)
    struct.pack_into("<HHHHHHHIBBHHII", fib, 0, ident, NFIB_WORD6, 0x6065, LID_FRENCH, 0,
                     FLAG_ENCRYPTED if encrypted else 0, NFIB_WORD6, 0, 0, 0, 0, 0,
                     _WORD6_TEXT_START, fc_mac)
    struct.pack_into("<I", fib, 0x20, fc_mac)  # cbMac
    struct.pack_into("<II", fib, _WORD6_CCP_AT, len(text), 0)  # ccpText, ccpFtn
    struct.pack_into("<I", fib, _WORD6_CCP_AT + 8, ccp_hdd)  # ccpHdd
    tail = b""
    if headers:
        # PlcfHdd: where each header story starts in the header story, and its end.
        cps, at = [], 0
        for header in headers:
            cps.append(at)
            at += len(encode_text([header]))
        cps += [at, ccp_hdd]
        plc = struct.pack(f"<{len(cps)}I", *cps)
        place = _WORD6_TEXT_START + len(body)
        struct.pack_into("<II", fib, _WORD6_FCLCB_AT + 8 * _INDEX_PLCFHDD, place, len(plc))
        tail = plc
    word = bytes(fib) + bytes(_WORD6_TEXT_START - len(fib)) + body + tail
    word += bytes(max(0, 4096 - len(word)))  # keep it out of the mini stream
    word += bytes(-len(word) % 512)
    root = Storage(
        streams={"WordDocument": word, "\x01CompObj": _COMPOBJ6},
        clsid=bytes.fromhex("0009020000000000C000000000000046"),
    )
    return build_cfb(root)
