"""Writing candidates: matching, creating, updating, attaching documents, indexing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from cvbridge.bundle import Candidate, DocumentInfo
from cvbridge.store._custom import index_custom
from cvbridge.store._document_bytes import reference_values
from cvbridge.store._mapping import (
    apply_values,
    email_key,
    mapped_values,
    now_utc,
    retention_until,
    snapshot,
)
from cvbridge.store._search import index_candidate
from cvbridge.store._tables import (
    AuditEvent,
    CandidateDocument,
    CandidateRecord,
    DocumentRecord,
    ExternalRef,
    PossibleDuplicate,
)


@dataclass(frozen=True)
class Provenance:
    vendor: str
    bundle: int
    retention_months: int
    bundle_sha256: str  # of the kept bytes its documents are references into


def live(record: CandidateRecord | None, session: Session) -> CandidateRecord | None:
    """Follow merges to the record that holds a person now."""
    seen = 0
    while record is not None and record.merged_into is not None and seen < 100:
        record = session.get(CandidateRecord, record.merged_into)
        seen += 1
    return record


def find_match(session: Session, vendor: str, candidate: Candidate
               ) -> tuple[CandidateRecord | None, bool]:
    """Same (vendor, external_id) first, then the same normalised e-mail; and whether the
    store knows the candidate's (vendor, external_id) already."""
    ref = session.exec(select(ExternalRef).where(
        ExternalRef.vendor == vendor, ExternalRef.external_id == candidate.external_id)).first()
    if ref is not None:
        return live(session.get(CandidateRecord, ref.candidate), session), True
    key = email_key(candidate.email)
    if key is None:
        return None, False
    return session.exec(select(CandidateRecord).where(
        CandidateRecord.email_key == key, col(CandidateRecord.merged_into).is_(None),
        col(CandidateRecord.purged_at).is_(None)).order_by(col(CandidateRecord.id))
    ).first(), False


def links_state(links: Iterable[CandidateDocument]) -> list[dict[str, Any]]:
    return [{"id": link.id, "current": link.current} for link in links]


_SEARCHED_FIELDS = ("first_name", "last_name", "email", "city", "position", "postal_code",
                    "skills", "languages", "summary")


def compose_search_body(field: Callable[[str], Any], cv_texts: Iterable[str | None]) -> str:
    """Everything a recruiter may search for: the record's words and its current CV's text.
    ``field`` reads a record field by name (from a record, or a row about to be inserted)."""
    parts: list[str | None] = []
    for name in _SEARCHED_FIELDS:
        value = field(name)
        parts.extend(value if isinstance(value, list) else [value])
    parts.extend(cv_texts)
    return "\n".join(part for part in parts if part)


def search_body(session: Session, record: CandidateRecord) -> str:
    assert record.id is not None
    texts = session.exec(select(DocumentRecord.text).join(
        CandidateDocument, col(CandidateDocument.document) == col(DocumentRecord.sha256)).where(
        CandidateDocument.candidate == record.id, col(CandidateDocument.current),
        CandidateDocument.role == "cv")).all()
    return compose_search_body(lambda name: getattr(record, name), texts)


def reindex(session: Session, record: CandidateRecord) -> None:
    """Rebuild what is derived from a record: its search entry and its typed custom values."""
    assert record.id is not None
    index_candidate(session, record.id, search_body(session, record))
    index_custom(session, record.id, record.custom)


class CandidateWriter:
    """Applies the accepted candidates of one bundle inside the bundle's transaction."""

    def __init__(self, session: Session, provenance: Provenance) -> None:
        self.session = session
        self.provenance = provenance

    def write(self, candidate: Candidate) -> str:
        """Create or update; return 'created', 'updated' or 'unchanged'."""
        # Statements run as they come and the session flushes before each query (autoflush):
        # no explicit flush but where an id is needed.
        session = self.session
        now = now_utc()
        record, ref_known = find_match(session, self.provenance.vendor, candidate)
        if record is not None and record.last_bundle is not None \
                and record.last_bundle >= self.provenance.bundle:
            # This bundle wrote the record already (a reprocess replays its bytes), or a
            # bundle received later did: older values never overwrite newer ones.
            assert record.id is not None
            self._remember_ref(record.id, candidate.external_id, ref_known)
            return "unchanged"
        values = mapped_values(candidate)
        existing: list[CandidateDocument] = []
        if record is None:
            record = CandidateRecord(vendor=self.provenance.vendor,
                                     external_id=candidate.external_id, created_at=now,
                                     updated_at=now, last_activity_at=now,
                                     first_bundle=self.provenance.bundle)
            apply_values(record, values)
            action, before = "created", None
        else:
            assert record.id is not None
            existing = list(session.exec(select(CandidateDocument).where(
                CandidateDocument.candidate == record.id)).all())
            before = {"record": snapshot(record), "links": links_state(existing)}
            action = "updated" if apply_values(record, values) else "unchanged"
        record.last_bundle = self.provenance.bundle
        record.last_activity_at = now
        record.retention_until = retention_until(record, self.provenance.retention_months)
        if action != "unchanged":
            record.updated_at = now
        session.add(record)
        if record.id is None:
            session.flush()
        assert record.id is not None
        self._remember_ref(record.id, candidate.external_id, ref_known)
        attached = self._attach(record.id, candidate, existing)
        if action == "unchanged" and attached:
            action = "updated"
        if action == "created":
            self._flag_possible_duplicates(record)
        if action != "unchanged":
            session.add(AuditEvent(bundle=self.provenance.bundle, candidate=record.id,
                                   action=action, before=before, at=now))
            reindex(session, record)
        return action

    def _remember_ref(self, candidate_id: int, external_id: str | None, known: bool) -> None:
        """``known``: the store holds (vendor, external_id) already, as find_match found (it
        looked with every earlier write of the bundle flushed)."""
        if external_id is not None and not known:
            self.session.add(ExternalRef(vendor=self.provenance.vendor, external_id=external_id,
                                         candidate=candidate_id, bundle=self.provenance.bundle))

    def _attach(self, candidate_id: int, candidate: Candidate,
                existing: list[CandidateDocument]) -> bool:
        """Attach new documents; a new CV becomes current and the previous one history.
        ``existing``: the candidate's links (none for a record just created)."""
        session = self.session
        changed = False
        for document in candidate.documents:
            self._store_document(document)
            same = [link for link in existing
                    if link.document == document.sha256 and link.role == document.role]
            if document.role == "cv":
                if any(link.current for link in same):
                    continue
                for link in existing:
                    if link.role == "cv" and link.current:
                        link.current = False
                        session.add(link)
            elif same:
                continue
            link = CandidateDocument(candidate=candidate_id, document=document.sha256,
                                     role=document.role, filename=document.path, current=True,
                                     bundle=self.provenance.bundle, attached_at=now_utc())
            session.add(link)
            existing.append(link)
            changed = True
        return changed

    def _store_document(self, document: DocumentInfo) -> None:
        if self.session.get(DocumentRecord, document.sha256) is None:
            # Inserted now: no ORM relationship would order it before the link to it.
            self.session.execute(insert(DocumentRecord).values(
                sha256=document.sha256, size=document.size, kind=document.kind,
                text=document.text,
                **reference_values(document, self.provenance.bundle_sha256)))

    def _flag_possible_duplicates(self, record: CandidateRecord) -> None:
        """Same normalised name and a shared phone: a person decides, nothing is merged."""
        if record.name_key is None or not record.phones:
            return
        namesakes = self.session.exec(select(CandidateRecord).where(
            CandidateRecord.name_key == record.name_key, CandidateRecord.id != record.id,
            col(CandidateRecord.merged_into).is_(None),
            col(CandidateRecord.purged_at).is_(None))).all()
        for other in namesakes:
            shared = sorted(set(other.phones) & set(record.phones))
            if shared and record.id is not None and other.id is not None:
                self.session.add(PossibleDuplicate(
                    candidate=record.id, other=other.id, bundle=self.provenance.bundle,
                    reason=f"same name and phone {shared[0]}", created_at=now_utc()))
