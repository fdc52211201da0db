"""Data protection: purge the records past retention (merges are in ``_merges``)."""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlmodel import Session, col, delete, select, update

from cvbridge.store._blobs import discard_bundle_bytes
from cvbridge.store._custom import remove_custom
from cvbridge.store._document_bytes import hold_documents_of
from cvbridge.store._mapping import (
    PERSONAL_FIELDS,
    add_months,
    now_utc,
)
from cvbridge.store._revert import delete_orphan_documents
from cvbridge.store._search import remove_from_index
from cvbridge.store._tables import (
    AuditEvent,
    BundleBlob,
    BundleRecord,
    CandidateDocument,
    CandidateMerge,
    CandidateRecord,
    ExternalRef,
    FindingRecord,
    PossibleDuplicate,
)

_EMPTY: dict[str, object] = {"phones": [], "skills": [], "languages": [], "custom": {}}


@dataclass(frozen=True)
class PurgeOutcome:
    candidates: list[int]
    documents_deleted: int
    # Bundles received before the retention period whose kept bytes and findings (both may
    # quote personal data) were discarded.
    bundles_discarded: list[int]
    # Documents still linked to candidates that were references into those bundles' bytes:
    # their bytes were copied out first (held), so that no candidate loses a document.
    documents_held: int = 0


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
    session.exec(update(CandidateMerge).where(
        (col(CandidateMerge.keep) == record.id) | (col(CandidateMerge.other) == record.id))
        .values(keep_before=None))
    remove_from_index(session, record.id)
    remove_custom(session, record.id)
    session.add(AuditEvent(candidate=record.id, action="purged", at=now))


def expired_bundles(session: Session, today: date, retention_months: int) -> list[BundleRecord]:
    """Bundles received more than the retention period ago whose bytes are still kept."""
    cutoff = datetime.combine(add_months(today, -retention_months), time(), UTC)
    return list(session.exec(select(BundleRecord).join(
        BundleBlob, col(BundleBlob.sha256) == col(BundleRecord.sha256)).where(
        col(BundleRecord.received_at) < cutoff, col(BundleBlob.discarded_at).is_(None),
        col(BundleRecord.status) != "received").order_by(col(BundleRecord.id))).all())


def _discard(session: Session, bundle: BundleRecord, now: datetime) -> int:
    """Discard a bundle's kept bytes and findings; the count of documents held first."""
    blob = session.get(BundleBlob, bundle.sha256)
    held = 0
    if blob is not None and blob.discarded_at is None:
        held = hold_documents_of(session, bundle.sha256)
        discard_bundle_bytes(session, bundle.sha256)
        blob.discarded_at = now
        session.add(blob)
    session.exec(delete(FindingRecord).where(col(FindingRecord.bundle) == bundle.id))
    return held


def purge_expired(session: Session, today: date, *, dry_run: bool,
                  retention_months: int) -> PurgeOutcome:
    """Remove the personal data and documents of candidates past retention, and of the
    records merged into them; keep an anonymous trace (id, vendor, country, dates, bundles)
    and an audit event. The kept bytes and findings of bundles received before the
    retention period are discarded too."""
    expired = expired_candidates(session, today)
    ids = [record.id for record in expired if record.id is not None]
    old_bundles = expired_bundles(session, today, retention_months)
    bundle_ids = [bundle.id for bundle in old_bundles if bundle.id is not None]
    if dry_run:
        return PurgeOutcome(ids, 0, bundle_ids)
    now = now_utc()
    for record in expired:
        assert record.id is not None
        for gone in (record, *_merged_into(session, record.id)):
            _erase(session, gone, now)
    session.flush()
    # Orphans first: only the documents a candidate still needs are copied out of the bytes
    # about to be discarded.
    deleted = delete_orphan_documents(session)
    held = sum(_discard(session, bundle, now) for bundle in old_bundles)
    session.flush()
    return PurgeOutcome(ids, deleted, bundle_ids, held)
