"""Read side of the store: what the recruiters' commands list and show, as plain dicts
(the same dicts ``--format json`` prints)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlmodel import Session, col, select

from cvbridge._errors import NotFoundError
from cvbridge._i18n import N_, _
from cvbridge.store._candidates import compose_search_body
from cvbridge.store._custom import Condition, condition_clause, custom_views
from cvbridge.store._ids import check_id
from cvbridge.store._search import search_ids
from cvbridge.store._snippet import best_snippet
from cvbridge.store._tables import (
    BundleRecord,
    CandidateDocument,
    CandidateRecord,
    DocumentRecord,
    ExternalRef,
    FindingRecord,
    PossibleDuplicate,
)

# Ids per IN (...) list: far below SQLite's and PostgreSQL's limits on parameters.
_IDS_PER_QUERY = 500


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def bundle_view(record: BundleRecord) -> dict[str, Any]:
    return {
        "id": record.id, "filename": record.filename, "vendor": record.vendor,
        "bundle_id": record.bundle_id, "sha256": record.sha256, "size": record.size,
        "status": record.status, "created": record.created, "updated": record.updated,
        "rejected": record.rejected, "errors": record.error_count,
        "warnings": record.warning_count, "duplicate_of": record.duplicate_of,
        "received_at": _iso(record.received_at), "processed_at": _iso(record.processed_at),
    }


def finding_view(record: FindingRecord) -> dict[str, Any]:
    return {"code": record.code, "severity": record.severity, "message": record.message,
            "member": record.member, "line": record.line, "suggestion": record.suggestion,
            "candidate": record.candidate_file}


def list_bundles(session: Session, status: str | None = None, limit: int | None = None
                 ) -> list[dict[str, Any]]:
    query = select(BundleRecord).order_by(col(BundleRecord.id)).limit(limit)
    if status is not None:
        query = query.where(BundleRecord.status == status)
    return [bundle_view(record) for record in session.exec(query).all()]


def get_bundle(session: Session, bundle_id: int) -> BundleRecord:
    check_id(N_("bundle"), bundle_id)
    record = session.get(BundleRecord, bundle_id)
    if record is None:
        raise NotFoundError(_("no bundle #{bundle_id}").format(bundle_id=bundle_id))
    return record


def show_bundle(session: Session, bundle_id: int) -> dict[str, Any]:
    record = get_bundle(session, bundle_id)
    findings = session.exec(select(FindingRecord).where(FindingRecord.bundle == bundle_id)
                            .order_by(col(FindingRecord.id))).all()
    return {**bundle_view(record), "messages": [finding_view(f) for f in findings]}


def _documents(session: Session, candidate_id: int) -> list[tuple[CandidateDocument, int]]:
    rows = session.exec(select(CandidateDocument, DocumentRecord.size).join(
        DocumentRecord, col(CandidateDocument.document) == col(DocumentRecord.sha256)).where(
        CandidateDocument.candidate == candidate_id).order_by(col(CandidateDocument.id))).all()
    return [(link, size) for link, size in rows]


def _current_cvs(session: Session, candidate_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The current CV of each candidate that has one, in as few queries as the ids allow."""
    cvs: dict[int, dict[str, Any]] = {}
    for start in range(0, len(candidate_ids), _IDS_PER_QUERY):
        rows = session.exec(select(CandidateDocument, DocumentRecord.size).join(
            DocumentRecord, col(CandidateDocument.document) == col(DocumentRecord.sha256)).where(
            col(CandidateDocument.candidate).in_(candidate_ids[start:start + _IDS_PER_QUERY]),
            CandidateDocument.role == "cv", col(CandidateDocument.current))
            .order_by(col(CandidateDocument.id))).all()
        for link, size in rows:  # the latest current link of a candidate wins
            cvs[link.candidate] = {"filename": link.filename, "sha256": link.document,
                                   "size": size}
    return cvs


def candidate_views(session: Session, records: Sequence[CandidateRecord]
                    ) -> list[dict[str, Any]]:
    ids = [record.id for record in records if record.id is not None]
    cvs, custom = _current_cvs(session, ids), custom_views(session, ids)
    return [_candidate_view(record, cvs.get(record.id or 0), custom.get(record.id or 0, {}))
            for record in records]


def candidate_view(session: Session, record: CandidateRecord) -> dict[str, Any]:
    return candidate_views(session, [record])[0]


def _candidate_view(record: CandidateRecord, current_cv: dict[str, Any] | None,
                    custom: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": record.id, "vendor": record.vendor, "external_id": record.external_id,
        "civility": record.civility, "last_name": record.last_name,
        "first_name": record.first_name, "email": record.email, "phones": record.phones,
        "address": record.address, "city": record.city, "postal_code": record.postal_code,
        "country": record.country, "position": record.position, "skills": record.skills,
        "languages": record.languages, "experience_years": record.experience_years,
        "birth_date": _iso(record.birth_date), "availability": _iso(record.availability),
        "consent_until": _iso(record.consent_until), "custom": custom,
        "cv": current_cv, "retention_until": _iso(record.retention_until),
        "merged_into": record.merged_into, "purged": record.purged_at is not None,
    }


def list_candidates(session: Session, *, include_inactive: bool = False,
                    limit: int | None = None, where: Sequence[Condition] = ()
                    ) -> list[dict[str, Any]]:
    """Candidates by id, at most ``limit``; ``where``: only those meeting every condition on
    custom values."""
    query = select(CandidateRecord).order_by(col(CandidateRecord.id)).limit(limit)
    for condition in where:
        query = query.where(condition_clause(session, condition, CandidateRecord.id))
    if not include_inactive:
        query = query.where(col(CandidateRecord.merged_into).is_(None),
                            col(CandidateRecord.purged_at).is_(None))
    return candidate_views(session, session.exec(query).all())


def get_candidate(session: Session, candidate_id: int) -> CandidateRecord:
    check_id(N_("candidate"), candidate_id)
    record = session.get(CandidateRecord, candidate_id)
    if record is None:
        raise NotFoundError(_("no candidate #{candidate_id}").format(candidate_id=candidate_id))
    return record


def show_candidate(session: Session, candidate_id: int) -> dict[str, Any]:
    record = get_candidate(session, candidate_id)
    refs = session.exec(select(ExternalRef).where(ExternalRef.candidate == candidate_id)).all()
    return {
        **candidate_view(session, record),
        "summary": record.summary,
        "received_at": _iso(record.received_at),
        "created_at": _iso(record.created_at), "updated_at": _iso(record.updated_at),
        "first_bundle": record.first_bundle, "last_bundle": record.last_bundle,
        "external_refs": [{"vendor": ref.vendor, "external_id": ref.external_id}
                          for ref in refs],
        "documents": [{"role": link.role, "filename": link.filename, "sha256": link.document,
                       "size": size, "current": link.current, "bundle": link.bundle,
                       "attached_at": _iso(link.attached_at)}
                      for link, size in _documents(session, candidate_id)],
    }


def search_candidates(session: Session, query: str, limit: int = 50
                      ) -> list[dict[str, Any]]:
    """Matching candidates, best first, each with the ``snippet`` of its CV, or of its
    record when that shows more of the words, that shows where they are."""
    records = [record for candidate_id in search_ids(session, query, limit)
               if (record := session.get(CandidateRecord, candidate_id)) is not None]
    views = candidate_views(session, records)
    texts = _cv_texts(session, [view["cv"]["sha256"] for view in views if view["cv"]])
    for record, view in zip(records, views, strict=True):
        cv_text = texts.get(view["cv"]["sha256"]) if view["cv"] else None
        found = best_snippet(
            [cv_text, compose_search_body(partial(getattr, record), [])], query)
        view["snippet"] = found.to_dict() if found else None
    return views


def _cv_texts(session: Session, sha256s: list[str]) -> dict[str, str | None]:
    """The text of these documents, without their bytes, in as few queries as IN lists
    allow."""
    texts: dict[str, str | None] = {}
    for start in range(0, len(sha256s), _IDS_PER_QUERY):
        texts.update(session.exec(select(DocumentRecord.sha256, DocumentRecord.text).where(
            col(DocumentRecord.sha256).in_(sha256s[start:start + _IDS_PER_QUERY]))).all())
    return texts


def current_cv(session: Session, candidate_id: int) -> tuple[str, DocumentRecord]:
    """The file name and document of a candidate's current CV."""
    get_candidate(session, candidate_id)
    link = session.exec(select(CandidateDocument).where(
        CandidateDocument.candidate == candidate_id, CandidateDocument.role == "cv",
        col(CandidateDocument.current)).order_by(col(CandidateDocument.id).desc())).first()
    document = session.get(DocumentRecord, link.document) if link else None
    if link is None or document is None:
        raise NotFoundError(_("candidate #{candidate_id} has no CV")
                            .format(candidate_id=candidate_id))
    return link.filename, document


def list_possible_duplicates(session: Session, limit: int | None = None
                             ) -> list[dict[str, Any]]:
    pairs = session.exec(select(PossibleDuplicate).where(PossibleDuplicate.status == "open")
                         .order_by(col(PossibleDuplicate.id)).limit(limit)).all()
    views = []
    for pair in pairs:
        first = session.get(CandidateRecord, pair.candidate)
        second = session.get(CandidateRecord, pair.other)
        if first is None or second is None:
            continue
        views.append({"id": pair.id, "candidate": candidate_view(session, first),
                      "other": candidate_view(session, second), "reason": pair.reason,
                      "bundle": pair.bundle})
    return views
