"""Checks on the documents of a bundle: what the bytes really are, and whether a Word file is
safe to keep and index. Pure: bytes in, findings and text out.
"""

from __future__ import annotations

import io
import posixpath
import re
from dataclasses import dataclass
from typing import Literal

from lxml import etree

from cvbridge._i18n import N_, LazyText
from cvbridge.bundle._archive import (
    ArchiveCaps,
    CheckedArchive,
    Member,
    MemberReadError,
    open_checked_archive,
)
from cvbridge.bundle._cvtext import XmlError, parse_xml, part_text, tidy
from cvbridge.bundle._externals import classify_target, field_reference
from cvbridge.bundle._olecheck import check_ole
from cvbridge.bundle._report import FindingsCollector

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ODT_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.text"
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELATIONSHIP = f"{_REL_NS}Relationship"
_CT_ENTRIES = (f"{_CT_NS}Override", f"{_CT_NS}Default")
_TEXT_PART_TYPES = ("/header", "/footer", "/footnotes", "/endnotes")
_EMBEDDED_TYPES = ("/oleObject", "/package")
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ROOT_START = re.compile(rb"<[A-Za-z_]")
_PROLOG_PEEK = 4096

Kind = Literal["docx", "doc", "pdf", "odt", "rtf", "zip", "ole", "html", "unknown"]
_DESCRIPTIONS: dict[str, str] = {
    "docx": N_("a Word .docx document"), "doc": N_("a legacy Word .doc document"),
    "pdf": N_("a PDF document"), "odt": N_("an OpenDocument text"),
    "rtf": N_("an RTF document"), "zip": N_("a ZIP archive"),
    "ole": N_("an OLE compound file that is not a Word document"),
    "html": N_("an HTML or XML file"), "unknown": N_("not a recognised document"),
}


@dataclass(frozen=True)
class DocumentCheck:
    """What a document turned out to be; ``text`` is None when none could be extracted."""

    kind: Kind
    accepted: bool
    text: str | None


@dataclass(frozen=True)
class _Text:
    """The search text of a document, or why it could not be read; ``hidden``: hidden text
    was left out of it."""

    text: str | None
    failed: str | LazyText | None = None
    hidden: bool = False


def sniff(data: bytes) -> Kind:
    """The document type from its first bytes, the way file(1) would tell it."""
    if data.startswith(ZIP_MAGIC):
        if data[30:30 + len(_ODT_MIMETYPE)] == _ODT_MIMETYPE:
            return "odt"
        return "docx" if b"[Content_Types].xml" in data else "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"{\\rtf"):
        return "rtf"
    if data.lstrip()[:1] == b"<":
        return "html"
    return "unknown"


class DocumentChecker:
    """Checks one document member; findings go to the candidate that references it."""

    def __init__(self, findings: FindingsCollector, caps: ArchiveCaps) -> None:
        self.findings = findings
        self.caps = caps

    def check(self, member: str, data: bytes, *, candidate: str, want_text: bool
              ) -> DocumentCheck:
        """Check one document; with ``want_text`` (a CV) also read its search text, and say
        when there is none (DOC-NO-TEXT) or it could not be read (DOC-TEXT-FAILED)."""
        extension = posixpath.splitext(member)[1].lower().lstrip(".")
        kind = sniff(data)
        if kind == "ole":
            kind, accepted, text = self._check_ole(member, data, extension, candidate)
        elif extension == "docx" and kind in ("docx", "zip"):
            kind, accepted, text = "docx", *self._check_docx(member, data, candidate)
        elif kind != extension:
            self._mismatch(member, extension, kind, candidate)
            return DocumentCheck(kind, False, None)
        else:
            return DocumentCheck(kind, True, None)
        if not accepted or not want_text:
            return DocumentCheck(kind, accepted, None)
        if text.failed is not None:
            self.findings.add("DOC-TEXT-FAILED", member=member, candidate=candidate,
                              detail=text.failed)
        elif not (text.text or "").strip():
            self.findings.add("DOC-NO-TEXT", member=member, candidate=candidate)
        if text.hidden:
            self.findings.add("DOC-HIDDEN-TEXT", member=member, candidate=candidate)
        return DocumentCheck(kind, True, text.text)

    def _mismatch(self, member: str, extension: str, kind: Kind, candidate: str) -> None:
        self.findings.add("DOC-TYPE-MISMATCH", member=member, candidate=candidate,
                          extension=extension, actual=LazyText(_DESCRIPTIONS[kind]))

    def _check_ole(self, member: str, data: bytes, extension: str, candidate: str
                   ) -> tuple[Kind, bool, _Text]:
        def report(code: str, where: str | None = None, **params: object) -> None:
            location = f"{member}!{where}" if where else member
            self.findings.add(code, member=location, candidate=candidate, params=params)

        outcome = check_ole(data, extension, report)
        kind: Kind = outcome.kind
        if outcome.mismatch:
            self._mismatch(member, extension, kind, candidate)
        if outcome.text is None:
            return kind, not outcome.refused, _Text(None, outcome.text_failed)
        return kind, not outcome.refused, _Text(tidy(outcome.text.text))

    def _check_docx(self, member: str, data: bytes, candidate: str) -> tuple[bool, _Text]:
        errors_before = self.findings.error_count(candidate)
        archive = open_checked_archive(io.BytesIO(data), len(data), self.caps, self.findings,
                                       prefix=f"{member}!", candidate=candidate,
                                       unreadable_code="DOC-CORRUPT")
        if archive is None:
            return False, _Text(None)
        try:
            text = _DocxInspector(archive, self, member, candidate).inspect()
            for part, problem in archive.verify_unread():  # the parts no check needed
                self.findings.add(problem.code, member=f"{member}!{part.name}",
                                  candidate=candidate, params=problem.params)
        finally:
            archive.close()
        return self.findings.error_count(candidate) == errors_before, text


class _DocxInspector:
    """Walks the parts of one .docx: DTDs, macros, relationships, then the text."""

    def __init__(self, archive: CheckedArchive, checker: DocumentChecker, member: str,
                 candidate: str) -> None:
        self.archive = archive
        self.checker = checker
        self.findings = checker.findings
        self.member = member
        self.candidate = candidate
        self.parts = {m.name: m for m in archive.members if not m.is_dir}
        # source part ("" for the package) -> (relationship type, target part)
        self.internal_relations: dict[str, list[tuple[str, str]]] = {}

    def add(self, code: str, where: str | None = None, **params: object) -> None:
        location = f"{self.member}!{where}" if where else self.member
        self.findings.add(code, member=location, candidate=self.candidate, params=params)

    def read(self, part: str) -> bytes | None:
        try:
            return self.archive.read(self.parts[part], self.archive.caps.member_size)
        except MemberReadError as exc:
            self.add(exc.code, part, **exc.params)
            return None

    def xml(self, part: str) -> etree._Element | None:
        data = self.read(part)
        if data is None:
            return None
        try:
            return parse_xml(data)
        except XmlError as exc:
            self.add("DOC-CORRUPT", part, detail=LazyText(
                "{part} is not well-formed XML: {reason}", part=part, reason=str(exc)))
            return None

    def inspect(self) -> _Text:
        """Every check; the text parts are read for attachments too, since the fields in
        them (INCLUDETEXT and its kin) are checked like relationships."""
        if "[Content_Types].xml" not in self.parts or "_rels/.rels" not in self.parts:
            self.add("DOC-CORRUPT", detail=LazyText("it has no [Content_Types].xml or "
                                                    "_rels/.rels"))
            return _Text(None)
        if not self._no_dtd_anywhere():
            return _Text(None)
        self._check_macros()
        main_part = self._check_relationships()
        if main_part is None:
            return _Text(None)
        return self._text(main_part)

    def _no_dtd_anywhere(self) -> bool:
        clean = True
        for name, member in self.parts.items():
            if not name.lower().endswith((".xml", ".rels")):
                continue
            try:
                declares = _declares_dtd(self.archive, member)
            except MemberReadError as exc:
                self.add(exc.code, name, **exc.params)
                return False
            if declares:
                self.add("DOC-DTD", name, part=name)
                clean = False
        return clean

    def _check_macros(self) -> None:
        for name in self.parts:
            if name.rpartition("/")[2].lower() in ("vbaproject.bin", "vbadata.xml"):
                self.add("DOC-MACRO", name, detail=LazyText("part {name}", name=name))
        types = self.xml("[Content_Types].xml")
        if types is None:
            return
        for entry in types.iter(_CT_ENTRIES):
            content_type = entry.get("ContentType", "")
            if "macroenabled" in content_type.lower():
                self.add("DOC-MACRO", "[Content_Types].xml",
                         detail=LazyText("content type {type}", type=content_type))

    def _check_relationships(self) -> str | None:
        """Report dangerous relationships, remember the internal ones by source part, and
        return the main document part."""
        for name in sorted(self.parts):
            if not name.endswith(".rels"):
                continue
            root = self.xml(name)
            if root is None:
                continue
            # word/_rels/document.xml.rels speaks for word/document.xml
            source = posixpath.join(posixpath.dirname(posixpath.dirname(name)),
                                    posixpath.basename(name)[: -len(".rels")])
            folder = posixpath.dirname(source)
            for relation in root.iter(_RELATIONSHIP):
                kind = relation.get("Type", "")
                target = relation.get("Target", "")
                if relation.get("TargetMode") == "External":
                    if not kind.endswith("/hyperlink"):
                        code = ("DOC-EXTERNAL-REL" if classify_target(target) == "remote"
                                else "DOC-EXTERNAL-LOCAL")
                        self.add(code, name, part=name, kind=kind.rsplit("/", 1)[-1],
                                 target=target)
                    continue
                resolved = posixpath.normpath(posixpath.join(folder, target)).lstrip("/")
                self.internal_relations.setdefault(source, []).append((kind, resolved))
                if kind.endswith("/aFChunk"):
                    self.add("DOC-ALTCHUNK", resolved, part=resolved)
                elif kind.endswith(_EMBEDDED_TYPES):
                    self.add("DOC-EMBEDDED-OBJECT", resolved, part=resolved)
        main_part = next((target for kind, target in self.internal_relations.get("", [])
                          if kind.endswith("/officeDocument")), None)
        if main_part is None or main_part not in self.parts:
            self.add("DOC-CORRUPT", detail=LazyText("it has no main document part"))

            return None
        return main_part

    def _text_parts(self, main_part: str) -> list[str]:
        """The main part, then its headers, footers and notes, in relationship order."""
        related = self.internal_relations.get(main_part, [])
        return [main_part, *(target for kind, target in related
                             if kind.endswith(_TEXT_PART_TYPES) and target in self.parts)]

    def _text(self, main_part: str) -> _Text:
        texts = []
        hidden = False
        for part in self._text_parts(main_part):
            data = self.read(part)
            if data is None:
                return _Text(None)
            try:
                found = part_text(data)
            except XmlError as exc:
                self.add("DOC-CORRUPT", part, detail=LazyText(
                    "{part} is not well-formed XML: {reason}", part=part, reason=str(exc)))
                return _Text(None)
            del data  # the part's bytes, before the next one is inflated
            texts.append(found.text)
            hidden = hidden or found.hidden
            for instruction in found.instructions:
                reference = field_reference(instruction)
                if reference is not None:
                    code = ("DOC-EXTERNAL-REL" if reference.risk == "remote"
                            else "DOC-EXTERNAL-LOCAL")
                    self.add(code, part, part=part,
                             kind=LazyText("{field} field", field=reference.field),
                             target=reference.target)

        return _Text("\n".join(text for text in texts if text), hidden=hidden)


def _as_utf8(xml: bytes) -> bytes:
    if xml.startswith((b"\xff\xfe", b"\xfe\xff")):
        return xml.decode("utf-16", errors="replace").encode("utf-8")
    return xml


def _declares_dtd(archive: CheckedArchive, member: Member) -> bool:
    """A DOCTYPE can only come before the root element: read no further than the prolog.

    A peek, not a read: the part may never be parsed. A part that is, and fits in the peek,
    is not inflated again (CheckedArchive.peek keeps it for the read).
    """
    head = _as_utf8(archive.peek(member, _PROLOG_PEEK))
    root = _ROOT_START.search(head)
    if root is not None:
        return _DTD.search(head, 0, root.start()) is not None
    if member.info.file_size > _PROLOG_PEEK:
        # No root element in the peek: the whole part, no more than it declares.
        head = _as_utf8(archive.peek(member, member.info.file_size))
    return _DTD.search(head) is not None
