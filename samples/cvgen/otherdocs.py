"""Documents other than Word files: PNG pictures, PDF, RTF and ODT attachments,
and the OLE 'Package' object Word embeds when a file is dropped into a document.
All written byte by byte, deterministically.
"""

from __future__ import annotations

import random
import struct
import zlib
from xml.sax.saxutils import escape

from . import zipraw
from .cfb import Storage, build_cfb


def png(width: int, height: int, rows: list[bytes], *, color: bool = True) -> bytes:
    """A PNG from raw scanlines (RGB or grey, 8 bits), each row prefixed with filter 'Up'."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    previous = bytes(len(rows[0]))
    raw = bytearray()
    for row in rows:
        raw.append(2)
        raw += bytes((a - b) & 0xFF for a, b in zip(row, previous, strict=True))
        previous = row
    header = struct.pack(">IIBBBBB", width, height, 8, 2 if color else 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"pHYs", struct.pack(">IIB", 3780, 3780, 1))
        + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + chunk(b"IEND", b"")
    )


def photo_png(seed: str, width: int = 90, height: int = 120, grain: int = 6) -> bytes:
    """A passport-style portrait: plain background, a head and shoulders, some grain."""
    rng = random.Random(seed)
    background = (rng.randint(170, 220), rng.randint(190, 230), rng.randint(200, 240))
    skin = (rng.randint(150, 235), rng.randint(110, 190), rng.randint(90, 160))
    shirt = (rng.randint(20, 120), rng.randint(20, 120), rng.randint(40, 160))
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            dx, dy = (x - width / 2) / (width * 0.22), (y - height * 0.38) / (height * 0.22)
            if dx * dx + dy * dy < 1:
                base = skin
            elif y > height * 0.68 and abs(x - width / 2) < width * (0.2 + (y / height - 0.68)):
                base = shirt
            else:
                base = background
            shade = rng.randint(-grain, grain)
            row += bytes(max(0, min(255, v + shade - y // 8)) for v in base)
        rows.append(bytes(row))
    return png(width, height, rows)


def scan_png(seed: str, width: int = 210, height: int = 297) -> bytes:
    """A greyscale 'scanned page': bars where lines of text would be. No text."""
    rng = random.Random(seed)
    lengths = [rng.randint(width // 2, width - 30) for _ in range(height // 12 + 1)]
    rows = []
    for y in range(height):
        in_line = 20 < y < height - 20 and (y // 6) % 2 == 0
        length = lengths[y // 12] if in_line else 0
        rows.append(bytes(60 if 15 <= x < length else 246 for x in range(width)))
    return png(width, height, rows, color=False)


def pdf(lines: list[str], title: str) -> bytes:
    """A one-page PDF 1.4 with Helvetica text (WinAnsiEncoding), correct xref table."""

    def text(value: str) -> bytes:
        raw = value.encode("cp1252")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    stream = b"BT /F1 11 Tf 56 780 Td 14 TL\n"
    for line in lines:
        stream += text(line) + b" '\n"
    stream += b"ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"endstream",
        b"<< /Title " + text(title)
        + b" /Producer (cvgen) /CreationDate (D:20261112093000+01'00') >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def rtf(paragraphs: list[str]) -> bytes:
    """RTF 1 as WordPad writes it: ANSI code page 1252, \\'xx escapes for accents."""

    def encode(value: str) -> str:
        out = []
        for ch in value:
            if ch in "\\{}":
                out.append("\\" + ch)
            elif ord(ch) < 128:
                out.append(ch)
            else:
                try:
                    out.append(f"\\'{ch.encode('cp1252')[0]:02x}")
                except UnicodeEncodeError:
                    out.append(f"\\u{ord(ch)}?")
        return "".join(out)

    body = "".join(f"\\pard\\sa200\\sl276\\slmult1\\f0\\fs22\\lang1036 {encode(p)}\\par\r\n"
                   for p in paragraphs)
    return (
        "{\\rtf1\\ansi\\ansicpg1252\\deff0\\nouicompat\\deflang1036"
        "{\\fonttbl{\\f0\\fnil\\fcharset0 Calibri;}}\r\n"
        "{\\*\\generator Riched20 10.0.19041}\\viewkind4\\uc1 \r\n"
        + body
        + "}\r\n\0"
    ).encode("ascii")


def odt(paragraphs: list[str], title: str) -> bytes:
    """An OpenDocument text: 'mimetype' stored first, then manifest, content, meta, styles."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    body = "".join(f'<text:p text:style-name="Standard">{escape(p)}</text:p>' for p in paragraphs)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document-content xmlns:office="{office}" xmlns:text="{text_ns}" '
        f'office:version="1.3"><office:body><office:text>{body}</office:text></office:body>'
        "</office:document-content>"
    )
    meta = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document-meta xmlns:office="{office}" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" office:version="1.3">'
        f"<office:meta><dc:title>{escape(title)}</dc:title>"
        "<meta:generator>LibreOffice/7.6.4.1$Linux_X86_64</meta:generator>"
        "<dc:date>2026-11-10T16:20:00</dc:date><dc:language>fr-FR</dc:language>"
        "</office:meta></office:document-meta>"
    )
    styles = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document-styles xmlns:office="{office}" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.3">'
        '<office:styles><style:style style:name="Standard" style:family="paragraph"/>'
        "</office:styles></office:document-styles>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.3" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    date = zipraw.OOXML_DATE
    members = [
        zipraw.member("mimetype", b"application/vnd.oasis.opendocument.text",
                      method=zipraw.STORED, date_time=date),
        zipraw.member("content.xml", content.encode(), date_time=date),
        zipraw.member("styles.xml", styles.encode(), date_time=date),
        zipraw.member("meta.xml", meta.encode(), date_time=date),
        zipraw.member("META-INF/manifest.xml", manifest.encode(), date_time=date),
    ]
    return zipraw.build_zip(members)


def ole_package(filename: str, data: bytes) -> bytes:
    """The CFB Word stores for an embedded 'Package' object (an \\x01Ole10Native stream)."""
    label = filename.encode("cp1252") + b"\0"
    path = f"C:\\Users\\candidat\\Documents\\{filename}".encode("cp1252") + b"\0"
    native = (
        struct.pack("<H", 2) + label + path + struct.pack("<HH", 0, 3)
        + struct.pack("<I", len(path)) + path + struct.pack("<I", len(data)) + data
    )
    compobj = (
        bytes.fromhex("0100FEFF030A0000FFFFFFFF0C00030000000000C000000000000046")
        + struct.pack("<I", 8) + b"Package\0" + struct.pack("<I", 0)
        + struct.pack("<I", 8) + b"Package\0" + bytes.fromhex("F439B271") + bytes(12)
    )
    root = Storage(
        streams={
            "\x01Ole10Native": struct.pack("<I", len(native)) + native,
            "\x01CompObj": compobj,
            "\x03ObjInfo": bytes.fromhex("000003000D00"),
        },
        clsid=bytes.fromhex("0C00030000000000C000000000000046"),
    )
    return build_cfb(root)
