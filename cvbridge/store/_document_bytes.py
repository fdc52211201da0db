"""A stored document's bytes: held whole, or read back from the slice of its bundle's kept
bytes (see :class:`DocumentRecord`). Either way they are checked (size, CRC-32, SHA-256)
before anyone gets a byte: a damaged store gives a one-line StoreError, never wrong bytes."""

from __future__ import annotations

import hashlib
import zlib
from typing import Any

from sqlmodel import Session, col, select

from cvbridge._errors import StoreError
from cvbridge._i18n import _
from cvbridge.bundle import DocumentInfo
from cvbridge.store._blobs import read_bundle_slice
from cvbridge.store._tables import BundleRecord, DocumentRecord

_STORED, _DEFLATED = 0, 8


def reference_values(document: DocumentInfo, bundle_sha256: str) -> dict[str, Any]:
    """The columns of a document kept as a reference into its bundle's bytes."""
    where = document.member_slice
    return {"content": None, "bundle_sha256": bundle_sha256, "member": document.archive_name,
            "data_offset": where.offset, "compressed_size": where.compressed_size,
            "method": where.method, "crc32": where.crc32}


def document_bytes(session: Session, document: DocumentRecord) -> bytes:
    """The original bytes of a document, checked."""
    if document.content is not None:
        if hashlib.sha256(document.content).hexdigest() != document.sha256:
            raise StoreError(_("document {sha256} is damaged in the store (its SHA-256 "
                               "differs)").format(sha256=document.sha256[:12]))
        return document.content
    if document.bundle_sha256 is None or document.data_offset is None \
            or document.compressed_size is None:
        raise StoreError(_("document {sha256} has no bytes in the store")
                         .format(sha256=document.sha256[:12]))
    raw = read_bundle_slice(session, document.bundle_sha256, document.data_offset,
                            document.compressed_size)
    problem: str | None = _("the bundle's kept bytes end before it")
    if raw is not None:
        data, problem = _checked(raw, document)
        if problem is None:
            return data
    raise StoreError(_("the kept bytes of {bundle} are damaged: {member} does not match its "
                       "document ({problem})").format(
        bundle=_bundle_name(session, document.bundle_sha256), member=document.member,
        problem=problem))


def _checked(raw: bytes, document: DocumentRecord) -> tuple[bytes, str | None]:
    """The document inflated from its slice, and what is wrong with it (None: nothing)."""
    if document.method == _STORED:
        data = raw
    elif document.method == _DEFLATED:
        try:
            # One byte more than its size: data that inflates past it shows as a mismatch.
            data = zlib.decompressobj(-15).decompress(raw, document.size + 1)
        except zlib.error:
            return b"", _("its data does not inflate")
    else:
        return b"", _("unknown method {method}").format(method=document.method)
    if len(data) != document.size:
        return data, _("{size} bytes, not {expected}").format(size=len(data),
                                                              expected=document.size)
    if zlib.crc32(data) != document.crc32:
        return data, _("its CRC-32 differs")
    if hashlib.sha256(data).hexdigest() != document.sha256:
        return data, _("its SHA-256 differs")
    return data, None


def _bundle_name(session: Session, sha256: str) -> str:
    found = session.exec(select(BundleRecord.id, BundleRecord.filename).where(
        BundleRecord.sha256 == sha256, col(BundleRecord.duplicate_of).is_(None))).first()
    if found is None:
        return _("bundle {sha256}").format(sha256=sha256[:12])
    return _("bundle #{id} ({filename})").format(id=found[0], filename=found[1])


def hold_documents_of(session: Session, bundle_sha256: str) -> int:
    """Copy out of a bundle's kept bytes every document that refers to them, before the
    bytes are discarded: the candidates still holding them keep their documents. The count
    copied."""
    shas = session.exec(select(DocumentRecord.sha256).where(
        DocumentRecord.bundle_sha256 == bundle_sha256)).all()
    for sha256 in shas:
        document = session.get(DocumentRecord, sha256)
        assert document is not None
        document.content = document_bytes(session, document)
        document.bundle_sha256 = document.member = None
        document.data_offset = document.compressed_size = document.method = None
        document.crc32 = None
        session.add(document)
        session.flush()  # one document's bytes in memory at a time
        session.expunge(document)
    return len(shas)
