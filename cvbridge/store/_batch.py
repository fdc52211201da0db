"""The fast path of ingestion: candidates no record knows yet, written in bulk.

A bulk load is mostly new people. Writing them one ORM object and one flush at a time costs
more than reading their CVs; here each group of candidates takes a handful of multi-row
statements. Candidates that match a record (or an earlier candidate of the same bundle) still
go through :class:`CandidateWriter`, one by one and after the new ones, so the outcome is the
same as writing every candidate in bundle order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from cvbridge.bundle import Candidate
from cvbridge.store._candidates import Provenance, compose_search_body
from cvbridge.store._custom import index_new_custom
from cvbridge.store._document_bytes import reference_values
from cvbridge.store._mapping import (
    MAPPED_FIELDS,
    email_key,
    mapped_values,
    name_key,
    now_utc,
    retention_for,
)
from cvbridge.store._search import index_new_candidates
from cvbridge.store._tables import (
    AuditEvent,
    CandidateDocument,
    CandidateRecord,
    DocumentRecord,
    ExternalRef,
    PossibleDuplicate,
)

# Candidates per group: bounds the document bytes held at once (about 2.5 MB of CVs).
GROUP_SIZE = 100
_EMPTY_COLLECTIONS: dict[str, Callable[[], Any]] = {
    "phones": list, "skills": list, "languages": list, "custom": dict}


def split_new(session: Session, vendor: str, candidates: Sequence[Candidate]
              ) -> tuple[list[Candidate], list[Candidate]]:
    """(new, known): a known candidate matches a record by (vendor, external_id) or e-mail,
    or shares one of those with an earlier candidate of the bundle."""
    external_ids = {c.external_id for c in candidates if c.external_id}
    keys = {key for c in candidates if (key := email_key(c.email))}
    known_ids = set(session.exec(select(ExternalRef.external_id).where(
        ExternalRef.vendor == vendor, col(ExternalRef.external_id).in_(external_ids))).all())
    known_keys = set(session.exec(select(CandidateRecord.email_key).where(
        col(CandidateRecord.email_key).in_(keys), col(CandidateRecord.merged_into).is_(None),
        col(CandidateRecord.purged_at).is_(None))).all())
    new: list[Candidate] = []
    known: list[Candidate] = []
    for candidate in candidates:
        key = email_key(candidate.email)
        if candidate.external_id in known_ids or (key is not None and key in known_keys):
            known.append(candidate)
            continue
        new.append(candidate)
        if candidate.external_id:
            known_ids.add(candidate.external_id)
        if key is not None:
            known_keys.add(key)
    return new, known


def _groups(candidates: Sequence[Candidate]) -> Iterator[Sequence[Candidate]]:
    for start in range(0, len(candidates), GROUP_SIZE):
        yield candidates[start:start + GROUP_SIZE]


class BulkCreator:
    """Creates new candidates with their documents, identifiers, audit and search entries."""

    def __init__(self, session: Session, provenance: Provenance) -> None:
        self.session = session
        self.provenance = provenance

    def create(self, candidates: Sequence[Candidate]) -> int:
        for group in _groups(candidates):
            self._create_group(group)
        return len(candidates)

    def _row(self, candidate: Candidate) -> dict[str, Any]:
        now = now_utc()
        values = mapped_values(candidate)
        row: dict[str, Any] = {
            field: values[field] if values[field] is not None
            else _EMPTY_COLLECTIONS.get(field, lambda: None)()
            for field in MAPPED_FIELDS}
        row.update(
            name_key=name_key(row["last_name"], row["first_name"]),
            email_key=email_key(row["email"]), vendor=self.provenance.vendor,
            external_id=candidate.external_id, first_bundle=self.provenance.bundle,
            last_bundle=self.provenance.bundle, created_at=now, updated_at=now,
            last_activity_at=now, merged_into=None, purged_at=None,
            retention_until=retention_for(row["consent_until"], now,
                                          self.provenance.retention_months))
        return row

    def _create_group(self, group: Sequence[Candidate]) -> None:
        session, bundle, now = self.session, self.provenance.bundle, now_utc()
        rows = [self._row(candidate) for candidate in group]
        ids = self._insert_candidates(rows)
        self._store_documents(group)
        refs = [{"vendor": self.provenance.vendor, "external_id": c.external_id,
                 "candidate": i, "bundle": bundle} for c, i in zip(group, ids, strict=True)
                if c.external_id]
        links = [{"candidate": i, "document": d.sha256, "role": d.role, "filename": d.path,
                  "current": True, "bundle": bundle, "attached_at": now}
                 for c, i in zip(group, ids, strict=True) for d in c.documents]
        events = [{"bundle": bundle, "candidate": i, "action": "created", "before": None,
                   "at": now} for i in ids]
        for table, values in ((ExternalRef, refs), (CandidateDocument, links),
                              (AuditEvent, events)):
            if values:
                session.execute(insert(table), values)
        self._flag_possible_duplicates(rows, ids)
        index_new_custom(session, [(i, row["custom"]) for i, row in zip(ids, rows, strict=True)])
        index_new_candidates(session, [
            (i, compose_search_body(row.get, [c.cv.text if c.cv else None]))
            for c, i, row in zip(group, ids, rows, strict=True)])

    def _insert_candidates(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert the rows; their ids, in order."""
        session = self.session
        if session.get_bind().dialect.name != "postgresql":
            # SQLite: an INSERT ... RETURNING whose ids must come back in order is sent one
            # row per statement (SQLite promises no order of RETURNING rows): a thousand
            # statements for a thousand candidates. One executemany instead: an INTEGER
            # PRIMARY KEY without AUTOINCREMENT gives each row the highest id plus one, and
            # the insert holds the write lock until the bundle commits, so the rows took the
            # ids that end at the highest one after it.
            session.execute(insert(CandidateRecord), rows)
            last = session.scalar(select(func.max(CandidateRecord.id)))
            assert last is not None, "the rows were inserted"
            return list(range(last - len(rows) + 1, last + 1))
        # PostgreSQL: a multi-row INSERT ... RETURNING of 100 rows has 3,000 parameters, which
        # psycopg parses anew each time (it caches statements of up to 50). Ids taken from
        # the sequence first let every row go as the same small prepared statement instead.
        sequence = func.pg_get_serial_sequence(CandidateRecord.__tablename__, "id")
        ids = sorted(session.scalars(select(func.nextval(sequence)).select_from(
            func.generate_series(1, len(rows)))).all())
        session.execute(insert(CandidateRecord), [
            {**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)])
        return ids

    def _store_documents(self, group: Sequence[Candidate]) -> None:
        documents = {d.sha256: d for c in group for d in c.documents}
        stored = set(self.session.exec(select(DocumentRecord.sha256).where(
            col(DocumentRecord.sha256).in_(documents))).all())
        missing = [d for sha256, d in documents.items() if sha256 not in stored]
        if missing:
            self.session.execute(insert(DocumentRecord), [
                {"sha256": d.sha256, "size": d.size, "kind": d.kind, "text": d.text,
                 **reference_values(d, self.provenance.bundle_sha256)} for d in missing])

    def _flag_possible_duplicates(self, rows: list[dict[str, Any]], ids: list[int]) -> None:
        """Same normalised name and a shared phone as a record that existed before: a person
        decides, nothing is merged."""
        keys = {row["name_key"] for row in rows if row["name_key"] and row["phones"]}
        if not keys:
            return
        namesakes = self.session.exec(select(
            CandidateRecord.id, CandidateRecord.name_key, CandidateRecord.phones).where(
            col(CandidateRecord.name_key).in_(keys), col(CandidateRecord.merged_into).is_(None),
            col(CandidateRecord.purged_at).is_(None)).order_by(col(CandidateRecord.id))).all()
        by_key: dict[str, list[tuple[int, Sequence[str]]]] = {}
        for other_id, key, phones in namesakes:
            if other_id is not None and key is not None:
                by_key.setdefault(key, []).append((other_id, phones))
        pairs = []
        for row, new_id in zip(rows, ids, strict=True):
            for other_id, phones in by_key.get(row["name_key"], []):
                shared = sorted(set(phones) & set(row["phones"]))
                if other_id < new_id and shared:
                    pairs.append({"candidate": new_id, "other": other_id, "status": "open",
                                  "bundle": self.provenance.bundle, "created_at": now_utc(),
                                  "reason": f"same name and phone {shared[0]}"})
        if pairs:
            self.session.execute(insert(PossibleDuplicate), pairs)
