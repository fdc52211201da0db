"""What recruiters do to people by hand: merge two records into one, and undo that merge
while nothing changed since."""

from __future__ import annotations

from sqlmodel import Session, col, select

from cvbridge._errors import ConflictError
from cvbridge._i18n import _
from cvbridge.store._candidates import reindex
from cvbridge.store._history import changes_since
from cvbridge.store._mapping import (
    MAPPED_FIELDS,
    email_key,
    name_key,
    now_utc,
    restore,
    retention_until,
    snapshot,
)
from cvbridge.store._queries import get_candidate
from cvbridge.store._search import remove_from_index
from cvbridge.store._tables import (
    AuditEvent,
    CandidateDocument,
    CandidateMerge,
    CandidateRecord,
    ExternalRef,
    PossibleDuplicate,
)


def merge_candidates(session: Session, keep_id: int, other_id: int,
                     retention_months: int) -> CandidateRecord:
    """Fold ``other`` into ``keep``: documents, vendor identifiers, and the fields ``keep``
    lacks. ``other`` stays as a pointer to ``keep`` so old identifiers still resolve. What
    moved is recorded (``CandidateMerge``) so that ``unmerge_candidate`` can undo it."""
    if keep_id == other_id:
        raise ConflictError(_("a candidate cannot be merged into itself"))
    keep, other = get_candidate(session, keep_id), get_candidate(session, other_id)
    for record in (keep, other):
        if record.merged_into is not None or record.purged_at is not None:
            raise ConflictError(_("candidate #{id} was already merged or purged")
                                .format(id=record.id))
    now = now_utc()
    merge = CandidateMerge(keep=keep_id, other=other_id, merged_at=now,
                           keep_before=snapshot(keep))
    session.add(merge)
    session.flush()
    keep_event = AuditEvent(candidate=keep_id, action="merged", at=now, before={
        "record": snapshot(keep), "other": other_id, "merge": merge.id})
    other_event = AuditEvent(candidate=other_id, action="merged", at=now, before={
        "record": snapshot(other), "into": keep_id, "merge": merge.id})
    session.add_all([keep_event, other_event])
    for field in MAPPED_FIELDS:
        if getattr(keep, field) in (None, [], {}) and getattr(other, field) not in (None, [], {}):
            setattr(keep, field, getattr(other, field))
    keep_has_cv = session.exec(select(CandidateDocument).where(
        CandidateDocument.candidate == keep_id, CandidateDocument.role == "cv",
        col(CandidateDocument.current))).first() is not None
    for link in session.exec(select(CandidateDocument).where(
            CandidateDocument.candidate == other_id)).all():
        merge.moved_links = [*merge.moved_links, {"id": link.id, "current": link.current}]
        link.candidate = keep_id
        if link.role == "cv" and keep_has_cv:
            link.current = False
        session.add(link)
    for ref in session.exec(select(ExternalRef).where(ExternalRef.candidate == other_id)).all():
        assert ref.id is not None
        merge.moved_refs = [*merge.moved_refs, ref.id]
        ref.candidate = keep_id
        session.add(ref)
    for pair in session.exec(select(PossibleDuplicate).where(
            col(PossibleDuplicate.candidate).in_((keep_id, other_id)),
            col(PossibleDuplicate.other).in_((keep_id, other_id)))).all():
        merge.pairs = [*merge.pairs, {"id": pair.id, "status": pair.status}]
        pair.status = "merged"
        session.add(pair)
    other.merged_into = keep_id
    # The matching keys follow the fields: an e-mail or name brought by ``other`` must match.
    keep.name_key = name_key(keep.last_name, keep.first_name)
    keep.email_key = email_key(keep.email)
    keep.updated_at = keep.last_activity_at = now
    keep.retention_until = retention_until(keep, retention_months)
    session.add_all([keep, other])
    session.flush()
    merge.last_event = max(keep_event.id or 0, other_event.id or 0)
    session.add(merge)
    assert other.id is not None
    remove_from_index(session, other.id)
    reindex(session, keep)
    return keep


def unmerge_candidate(session: Session, other_id: int) -> tuple[CandidateRecord,
                                                                CandidateRecord]:
    """Undo the merge of ``other`` into another record: ``other`` stands again with its
    documents and identifiers, the kept record goes back to its state before the merge.
    Refused, naming what and how to undo it first, when either changed since."""
    other = get_candidate(session, other_id)
    if other.merged_into is None:
        raise ConflictError(_("candidate #{other_id} is not merged into another candidate")
                            .format(other_id=other_id))
    merge = session.exec(select(CandidateMerge).where(
        CandidateMerge.other == other_id, col(CandidateMerge.undone_at).is_(None))
        .order_by(col(CandidateMerge.id).desc())).first()
    if merge is None or merge.keep_before is None:
        raise ConflictError(_("the merge of candidate #{other_id} into #{merged_into} was not "
                              "recorded (merged before cvbridge kept merges, or purged since): it "
                              "cannot be undone")
                            .format(other_id=other_id, merged_into=other.merged_into))
    keep = get_candidate(session, merge.keep)
    blocking = changes_since(session, {merge.keep, other_id}, merge.last_event)
    if blocking:
        raise ConflictError(_("candidate #{other_id} cannot be unmerged: {blocking}")
                            .format(other_id=other_id, blocking='; '.join(blocking)))
    now = now_utc()
    restore(keep, merge.keep_before)
    for state in merge.moved_links:
        link = session.get(CandidateDocument, state["id"])
        if link is not None:
            link.candidate, link.current = other_id, state["current"]
            session.add(link)
    for ref_id in merge.moved_refs:
        ref = session.get(ExternalRef, ref_id)
        if ref is not None:
            ref.candidate = other_id
            session.add(ref)
    for state in merge.pairs:
        pair = session.get(PossibleDuplicate, state["id"])
        if pair is not None:
            pair.status = state["status"]
            session.add(pair)
    other.merged_into = None
    merge.undone_at = now
    session.add_all([keep, other, merge])
    session.add_all([AuditEvent(candidate=candidate, action="unmerged", at=now,
                                before={"merge": merge.id})
                     for candidate in (merge.keep, other_id)])
    session.flush()
    reindex(session, keep)
    reindex(session, other)
    return keep, other
