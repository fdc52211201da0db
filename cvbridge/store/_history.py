"""What happened to candidates after a given point of the audit trail, said so that the
person undoing something knows what stands in the way and the command that clears it."""

from __future__ import annotations

from sqlmodel import Session, col, or_, select

from cvbridge._i18n import _, ngettext
from cvbridge.store._tables import AuditEvent, BundleRecord, CandidateMerge, CandidateRecord


def describe_candidate(session: Session, candidate_id: int) -> str:
    """``#2 (Paul Martin)``, or ``#2`` for a record without a name (purged)."""
    record = session.get(CandidateRecord, candidate_id)
    if record is None or not record.last_name:
        return f"#{candidate_id}"
    return f"#{candidate_id} ({' '.join(filter(None, (record.first_name, record.last_name)))})"


def _merge_of(session: Session, event: AuditEvent) -> CandidateMerge | None:
    """The recorded merge a ``merged`` event belongs to (None for one made before merges
    were recorded, or purged since)."""
    merge_id = (event.before or {}).get("merge")
    return session.get(CandidateMerge, merge_id) if isinstance(merge_id, int) else None


def _blocker(session: Session, event: AuditEvent) -> str | None:
    if event.bundle is not None:
        bundle = session.get(BundleRecord, event.bundle)
        if bundle is None or bundle.status == "reverted":
            return None
        return _("changed since by bundle #{bundle} (undo that first: cvbridge bundles revert "
                 "{bundle})").format(bundle=event.bundle)
    if event.action == "unmerged":
        return None  # with its merge's event, it leaves the pair as it was
    if event.action == "merged":
        merge = _merge_of(session, event)
        if merge is not None and merge.undone_at is not None:
            return None
        if merge is None:
            return _("merged since, by a merge that cannot be undone (made before merges were "
                     "recorded, or purged since)")
        return _("merged since (#{other} into #{keep}; undo that first: cvbridge candidates "
                 "unmerge {other})").format(other=merge.other, keep=merge.keep)
    if event.action == "purged":
        return _("purged since: a purge cannot be undone")
    return _("changed since by a {action}").format(action=event.action)


def changes_since(session: Session, candidates: set[int], after_event: int,
                  *, own_bundle: int | None = None) -> list[str]:
    """What still stands of the changes made to ``candidates`` after audit event
    ``after_event`` (by another bundle than ``own_bundle``, a merge or a purge): one phrase
    per bundle or merge, naming the candidates it changed, oldest first."""
    if not candidates:
        return []
    query = select(AuditEvent).where(col(AuditEvent.candidate).in_(candidates),
                                     col(AuditEvent.id) > after_event)
    if own_bundle is not None:
        # bundle IS NULL for merges and purges; `!=` alone would skip them (NULL != x).
        query = query.where(or_(col(AuditEvent.bundle).is_(None),
                                col(AuditEvent.bundle) != own_bundle))
    found: dict[str, dict[str, None]] = {}  # what blocks -> the candidates it changed
    for event in session.exec(query.order_by(col(AuditEvent.id))).all():
        blocker = _blocker(session, event)
        if blocker is not None and event.candidate is not None:
            found.setdefault(blocker, {})[describe_candidate(session, event.candidate)] = None
    return [ngettext("candidate {names} was {blocker}", "candidates {names} were {blocker}",
                     len(names)).format(names=", ".join(names), blocker=blocker)
            for blocker, named in found.items() if (names := list(named))]
