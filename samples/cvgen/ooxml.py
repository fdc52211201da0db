"""A .docx as raw parts, for the conformance documents that must be malformed or hostile
on purpose (a DTD, an altChunk, macros, external relationships, cut XML...), which
python-docx would refuse to write. A case loads an ordinary CV written by python-docx
(:func:`DocxPackage.from_bytes`), bends its parts as text, and zips them again.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from xml.etree import ElementTree
from xml.sax.saxutils import quoteattr

from . import zipraw

XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

RT_IMAGE = f"{REL}/image"
RT_OLE_OBJECT = f"{REL}/oleObject"
RT_ATTACHED_TEMPLATE = f"{REL}/attachedTemplate"
RT_FRAME = f"{REL}/frame"
RT_AF_CHUNK = f"{REL}/aFChunk"
RT_VBA_PROJECT = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
RT_VBA_DATA = "http://schemas.microsoft.com/office/2006/relationships/wordVbaData"

_CT = "application/vnd.openxmlformats-officedocument"
CT_MAIN_MACRO = "application/vnd.ms-word.document.macroEnabled.main+xml"
CT_OLE_OBJECT = f"{_CT}.oleObject"
CT_VBA_PROJECT = "application/vnd.ms-office.vbaProject"
CT_VBA_DATA = "application/vnd.ms-word.vbaData+xml"


class Relationships:
    """A .rels part under construction; ``add`` hands out rId1, rId2, ..."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str, bool]] = []

    def add(self, rel_type: str, target: str, *, external: bool = False) -> str:
        rid = f"rId{len(self.items) + 1}"
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
    defaults: dict[str, str] = field(default_factory=dict)
    #: Parts written with method 0 instead of deflate (e.g. padding).
    stored: set[str] = field(default_factory=set)

    @classmethod
    def from_bytes(cls, data: bytes) -> DocxPackage:
        """The parts of a .docx, in their ZIP order, and its content types."""
        pkg = cls()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                pkg.parts[info.filename] = archive.read(info)
        types = ElementTree.fromstring(pkg.parts.pop("[Content_Types].xml"))
        for entry in types:
            if entry.tag.endswith("}Default"):
                pkg.defaults[entry.attrib["Extension"]] = entry.attrib["ContentType"]
            else:
                pkg.overrides[entry.attrib["PartName"]] = entry.attrib["ContentType"]
        return pkg

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
        members = [zipraw.ooxml_member("[Content_Types].xml", self.content_types())]
        for name, data in self.parts.items():
            method = zipraw.STORED if name in self.stored else zipraw.DEFLATED
            members.append(zipraw.ooxml_member(name, data, method))
        return zipraw.build_zip(members)

