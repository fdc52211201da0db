"""What recruiters do to people by hand: merge two records, purge expired ones."""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, delete, select, update

from cvbridge._errors import ConflictError
from cvbridge.store._candidates import reindex
from cvbridge.store._mapping import (
    MAPPED_FIELDS,
    PERSONAL_FIELDS,
    email_key,
    name_key,
    now_utc,
    snapshot,
)
from cvbridge.store._queries import get_candidate
from cvbridge.store._revert import delete_orphan_documents
from cvbridge.store._search import remove_from_index
from cvbridge.store._tables import (
    AuditEvent,
    CandidateDocument,
    CandidateRecord,
    ExternalRef,
    PossibleDuplicate,
)


def merge_candidates(session: Session, keep_id: int, other_id: int) -> CandidateRecord:
    """Fold ``other`` into ``keep``: documents, vendor identifiers, and the fields ``keep``
    lacks. ``other`` stays as a pointer to ``keep`` so old identifiers still resolve."""
    if keep_id == other_id:
        raise ConflictError("a candidate cannot be merged into itself")
    keep, other = get_candidate(session, keep_id), get_candidate(session, other_id)
    for record in (keep, other):
        if record.merged_into is not None or record.purged_at is not None:
            raise ConflictError(f"candidate #{record.id} was already merged or purged")
    now = now_utc()
    session.add(AuditEvent(candidate=keep_id, action="merged", at=now,
                           before={"record": snapshot(keep), "other": other_id}))
    session.add(AuditEvent(candidate=other_id, action="merged", at=now,
                           before={"record": snapshot(other), "into": keep_id}))
    for field in MAPPED_FIELDS:
        if getattr(keep, field) in (None, [], {}) and getattr(other, field) not in (None, [], {}):
            setattr(keep, field, getattr(other, field))
    keep_has_cv = session.exec(select(CandidateDocument).where(
        CandidateDocument.candidate == keep_id, CandidateDocument.role == "cv",
        col(CandidateDocument.current))).first() is not None
    for link in session.exec(select(CandidateDocument).where(
            CandidateDocument.candidate == other_id)).all():
        link.candidate = keep_id
        if link.role == "cv" and keep_has_cv:
            link.current = False
        session.add(link)
    for ref in session.exec(select(ExternalRef).where(ExternalRef.candidate == other_id)).all():
        ref.candidate = keep_id
        session.add(ref)
    for pair in session.exec(select(PossibleDuplicate).where(
            col(PossibleDuplicate.candidate).in_((keep_id, other_id)),
            col(PossibleDuplicate.other).in_((keep_id, other_id)))).all():
        pair.status = "merged"
        session.add(pair)
    other.merged_into = keep_id
    # The matching keys follow the fields: an e-mail or name brought by ``other`` must match.
    keep.name_key = name_key(keep.last_name, keep.first_name)
    keep.email_key = email_key(keep.email)
    keep.updated_at = keep.last_activity_at = now
    session.add_all([keep, other])
    session.flush()
    assert other.id is not None
    remove_from_index(session, other.id)
    reindex(session, keep)
    return keep


_EMPTY: dict[str, object] = {"phones": [], "skills": [], "languages": [], "custom": {}}


@dataclass(frozen=True)
class PurgeOutcome:
    candidates: list[int]
    documents_deleted: int


def expired_candidates(session: Session, today: date) -> list[CandidateRecord]:
    return list(session.exec(select(CandidateRecord).where(
        col(CandidateRecord.retention_until) < today, col(CandidateRecord.purged_at).is_(None),
        col(CandidateRecord.merged_into).is_(None)).order_by(col(CandidateRecord.id))).all())


def _merged_into(session: Session, candidate_id: int) -> list[CandidateRecord]:
    """Every record merged, directly or not, into ``candidate_id``: the same person."""
    found: list[CandidateRecord] = []
    pending = [candidate_id]
    while pending:
        children = session.exec(select(CandidateRecord).where(
            col(CandidateRecord.merged_into).in_(pending))).all()
        found += children
        pending = [child.id for child in children if child.id is not None]
    return found


def _erase(session: Session, record: CandidateRecord, now: datetime) -> None:
    """Remove a record's personal data wherever the store keeps it: the record, its
    documents and identifiers, the index, the earlier values kept for revert, and the
    possible-duplicate pairs (their reason quotes a phone number)."""
    assert record.id is not None
    for field in PERSONAL_FIELDS:
        setattr(record, field, copy(_EMPTY.get(field)))
    record.purged_at = now
    session.add(record)
    session.exec(delete(CandidateDocument).where(col(CandidateDocument.candidate) == record.id))
    session.exec(delete(ExternalRef).where(col(ExternalRef.candidate) == record.id))
    session.exec(delete(PossibleDuplicate).where(
        (col(PossibleDuplicate.candidate) == record.id)
        | (col(PossibleDuplicate.other) == record.id)))
    session.exec(update(AuditEvent).where(col(AuditEvent.candidate) == record.id)
                 .values(before=None))
    remove_from_index(session, record.id)
    session.add(AuditEvent(candidate=record.id, action="purged", at=now))


def purge_expired(session: Session, today: date, *, dry_run: bool) -> PurgeOutcome:
    """Remove the personal data and documents of candidates past retention, and of the
    records merged into them; keep an anonymous trace (id, vendor, country, dates, bundles)
    and an audit event."""
    expired = expired_candidates(session, today)
    ids = [record.id for record in expired if record.id is not None]
    if dry_run or not ids:
        return PurgeOutcome(ids, 0)
    now = now_utc()
    for record in expired:
        assert record.id is not None
        for gone in (record, *_merged_into(session, record.id)):
            _erase(session, gone, now)
    session.flush()
    return PurgeOutcome(ids, delete_orphan_documents(session))
