"""Undo a bundle: every candidate it touched goes back to its state before the bundle."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, delete, or_, select

from cvbridge._errors import ConflictError, NotFoundError
from cvbridge.store._candidates import reindex
from cvbridge.store._custom import remove_custom
from cvbridge.store._mapping import now_utc, restore
from cvbridge.store._search import remove_from_index
from cvbridge.store._tables import (
    AuditEvent,
    BundleRecord,
    CandidateDocument,
    CandidateRecord,
    DocumentRecord,
    ExternalRef,
    PossibleDuplicate,
)

REVERTIBLE = ("ingested", "partial")


@dataclass(frozen=True)
class RevertOutcome:
    bundle: int
    removed: int
    restored: int


_BY_HAND = {"merged": "a merge", "purged": "a purge"}


def _later_touches(session: Session, bundle_id: int, candidates: set[int],
                   first_event: int) -> list[str]:
    """Candidates a later, still standing bundle (or a merge or purge) changed since."""
    later = session.exec(select(AuditEvent).where(
        col(AuditEvent.candidate).in_(candidates),
        # bundle IS NULL for merges and purges; `!=` alone would skip them (NULL != x).
        or_(col(AuditEvent.bundle).is_(None), col(AuditEvent.bundle) != bundle_id),
        col(AuditEvent.id) > first_event)).all()
    blocking = []
    for event in later:
        if event.bundle is not None:
            other = session.get(BundleRecord, event.bundle)
            if other is None or other.status == "reverted":
                continue
            by = f"bundle #{event.bundle}"
        else:
            by = _BY_HAND.get(event.action, f"a {event.action}")
        record = session.get(CandidateRecord, event.candidate)
        who = f"#{event.candidate}" + (f" ({record.first_name} {record.last_name})"
                                       if record and record.last_name else "")
        blocking.append(f"candidate {who} by {by}")
    return sorted(set(blocking))


def _last_revert_id(session: Session, bundle_id: int) -> int:
    """The audit id of this bundle's latest revert: a bundle reverted, then reprocessed, is
    reverted again from the events of its latest run only."""
    last = session.exec(select(AuditEvent.id).where(
        AuditEvent.bundle == bundle_id, AuditEvent.action == "reverted")
        .order_by(col(AuditEvent.id).desc())).first()
    return last or 0


def _delete_candidate(session: Session, candidate_id: int) -> None:
    session.exec(delete(CandidateDocument).where(col(CandidateDocument.candidate) == candidate_id))
    session.exec(delete(ExternalRef).where(col(ExternalRef.candidate) == candidate_id))
    session.exec(delete(PossibleDuplicate).where(
        (col(PossibleDuplicate.candidate) == candidate_id)
        | (col(PossibleDuplicate.other) == candidate_id)))
    remove_from_index(session, candidate_id)
    remove_custom(session, candidate_id)
    record = session.get(CandidateRecord, candidate_id)
    if record is not None:
        session.delete(record)


def delete_orphan_documents(session: Session) -> int:
    linked = select(CandidateDocument.document)
    orphans = session.exec(select(DocumentRecord).where(
        col(DocumentRecord.sha256).not_in(linked))).all()
    for document in orphans:
        session.delete(document)
    return len(orphans)


def revert_bundle(session: Session, bundle_id: int) -> RevertOutcome:
    record = session.get(BundleRecord, bundle_id, with_for_update=True)
    if record is None:
        raise NotFoundError(f"no bundle #{bundle_id}")
    if record.status not in REVERTIBLE:
        raise ConflictError(f"bundle #{bundle_id} is {record.status}; only "
                            f"{' or '.join(REVERTIBLE)} bundles can be reverted")
    events = session.exec(select(AuditEvent).where(
        AuditEvent.bundle == bundle_id, col(AuditEvent.action).in_(("created", "updated")),
        col(AuditEvent.id) > _last_revert_id(session, bundle_id))
        .order_by(col(AuditEvent.id).desc())).all()
    touched = {event.candidate for event in events if event.candidate is not None}
    first_event = min((event.id for event in events if event.id is not None), default=0)
    blocking = _later_touches(session, bundle_id, touched, first_event)
    if blocking:
        raise ConflictError(f"bundle #{bundle_id} cannot be reverted: changed since: "
                            f"{'; '.join(blocking)}. Revert those first.")
    removed = restored = 0
    for event in events:
        assert event.candidate is not None
        if event.action == "created":
            _delete_candidate(session, event.candidate)
            removed += 1
            continue
        candidate = session.get(CandidateRecord, event.candidate)
        if candidate is None or event.before is None:
            continue
        restore(candidate, event.before["record"])
        session.exec(delete(CandidateDocument).where(
            col(CandidateDocument.candidate) == event.candidate,
            col(CandidateDocument.bundle) == bundle_id))
        for state in event.before["links"]:
            link = session.get(CandidateDocument, state["id"])
            if link is not None:
                link.current = state["current"]
                session.add(link)
        session.exec(delete(ExternalRef).where(col(ExternalRef.candidate) == event.candidate,
                                               col(ExternalRef.bundle) == bundle_id))
        session.add(candidate)
        session.flush()
        reindex(session, candidate)
        restored += 1
    session.flush()
    delete_orphan_documents(session)
    record.status = "reverted"
    session.add(record)
    session.add(AuditEvent(bundle=bundle_id, action="reverted", at=now_utc()))
    return RevertOutcome(bundle_id, removed, restored)
