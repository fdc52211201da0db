"""Undo a bundle: every candidate it touched goes back to its state before the bundle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, delete, select

from cvbridge._errors import ConflictError, NotFoundError
from cvbridge._i18n import N_, _
from cvbridge.store._candidates import reindex
from cvbridge.store._custom import remove_custom
from cvbridge.store._history import changes_since, describe_candidate
from cvbridge.store._ids import check_id
from cvbridge.store._mapping import MAPPED_FIELDS, now_utc, restore, snapshot
from cvbridge.store._search import remove_from_index
from cvbridge.store._tables import (
    AuditEvent,
    BundleRecord,
    CandidateDocument,
    CandidateMerge,
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
    # One entry per candidate: {"id", "name", "action": "remove" | "restore", "changes":
    # {field: [now, before]}} (the fields a restore puts back).
    candidates: list[dict[str, Any]] = field(default_factory=list)
    dry_run: bool = False


def _changes(current: dict[str, Any], before: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: [current.get(name), before.get(name)] for name in MAPPED_FIELDS
            if current.get(name) != before.get(name)}


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
    # Only undone merges can be left: one that stands blocks the revert.
    session.exec(delete(CandidateMerge).where(
        (col(CandidateMerge.keep) == candidate_id) | (col(CandidateMerge.other) == candidate_id)))
    session.exec(delete(PossibleDuplicate).where(
        (col(PossibleDuplicate.candidate) == candidate_id)
        | (col(PossibleDuplicate.other) == candidate_id)))
    remove_from_index(session, candidate_id)
    remove_custom(session, candidate_id)
    record = session.get(CandidateRecord, candidate_id)
    if record is not None:
        session.delete(record)


def delete_orphan_documents(session: Session) -> int:
    """Delete the documents no candidate links to any more (one statement: their bytes are
    never loaded); the count deleted."""
    linked = select(CandidateDocument.document)
    result = session.exec(delete(DocumentRecord).where(col(DocumentRecord.sha256).not_in(linked)))
    return int(result.rowcount)


def revert_bundle(session: Session, bundle_id: int) -> RevertOutcome:
    check_id(N_("bundle"), bundle_id)
    record = session.get(BundleRecord, bundle_id, with_for_update=True)
    if record is None:
        raise NotFoundError(_("no bundle #{bundle_id}").format(bundle_id=bundle_id))
    if record.status not in REVERTIBLE:
        raise ConflictError(_("bundle #{bundle_id} is {status}; only {statuses} bundles can be "
                              "reverted")
                            .format(bundle_id=bundle_id, status=record.status,
                                    statuses=_(" or ").join(REVERTIBLE)))
    events = session.exec(select(AuditEvent).where(
        AuditEvent.bundle == bundle_id, col(AuditEvent.action).in_(("created", "updated")),
        col(AuditEvent.id) > _last_revert_id(session, bundle_id))
        .order_by(col(AuditEvent.id).desc())).all()
    touched = {event.candidate for event in events if event.candidate is not None}
    first_event = min((event.id for event in events if event.id is not None), default=0)
    blocking = changes_since(session, touched, first_event, own_bundle=bundle_id)
    if blocking:
        raise ConflictError(_("bundle #{bundle_id} cannot be reverted: {blocking}")
                            .format(bundle_id=bundle_id, blocking='; '.join(blocking)))
    done: list[dict[str, Any]] = []
    for event in events:
        assert event.candidate is not None
        entry = {"id": event.candidate, "name": describe_candidate(session, event.candidate)}
        if event.action == "created":
            _delete_candidate(session, event.candidate)
            done.append({**entry, "action": "remove", "changes": {}})
            continue
        candidate = session.get(CandidateRecord, event.candidate)
        if candidate is None or event.before is None:
            continue
        done.append({**entry, "action": "restore",
                     "changes": _changes(snapshot(candidate), event.before["record"])})
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
    session.flush()
    delete_orphan_documents(session)
    record.status = "reverted"
    session.add(record)
    session.add(AuditEvent(bundle=bundle_id, action="reverted", at=now_utc()))
    done.reverse()  # in the order the bundle made them
    return RevertOutcome(bundle_id, sum(c["action"] == "remove" for c in done),
                         sum(c["action"] == "restore" for c in done), done)
