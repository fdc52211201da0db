"""The library API of the CRM store: one object per store, one session per call."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from cvbridge._config import DEFAULT_RETENTION_MONTHS
from cvbridge._errors import StoreError
from cvbridge._i18n import _
from cvbridge.bundle import Limits, Profile
from cvbridge.store import _queries
from cvbridge.store._custom import Condition, apply_profile
from cvbridge.store._document_bytes import document_bytes
from cvbridge.store._engine import (
    create_store_engine,
    current_revision,
    ensure_schema,
    head_revision,
    unit_of_work,
    upgrade,
    vacuum_sqlite,
)
from cvbridge.store._ingest import KEPT_DOCUMENT_BYTES, Ingestor, IngestOutcome
from cvbridge.store._mapping import now_utc
from cvbridge.store._merges import merge_candidates, unmerge_candidate
from cvbridge.store._monitoring import (
    StatusReport,
    forget_claim,
    record_claim,
    record_round,
    status_report,
)
from cvbridge.store._people import PurgeOutcome, purge_expired
from cvbridge.store._readahead import BundleRead, BundleReads, worth_reading_ahead_sizes
from cvbridge.store._revert import RevertOutcome, revert_bundle
from cvbridge.store._tables import BundleRecord, CandidateRecord, InboxPickup


class Store:
    """A CRM store reached through ``url``; the schema is checked (SQLite: migrated) on
    first use."""

    def __init__(self, url: str, *, limits: Limits | None = None,
                 retention_months: int = DEFAULT_RETENTION_MONTHS, migrate: bool = True,
                 read_only: bool = False, profile: Profile | None = None) -> None:
        self.url = url
        self.engine: Engine = create_store_engine(url, read_only=read_only)
        if migrate:
            ensure_schema(self.engine)
        self.ingestor = Ingestor(self.engine, limits=limits, retention_months=retention_months,
                                 profile=profile)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @classmethod
    def upgrade(cls, url: str) -> None:
        engine = create_store_engine(url)
        try:
            upgrade(engine)
        finally:
            engine.dispose()

    @classmethod
    def vacuum(cls, url: str) -> tuple[int, int]:
        """SQLite: give the room freed inside the file back to the disk (see
        :func:`vacuum_sqlite`); the file's size before and after."""
        engine = create_store_engine(url)
        try:
            return vacuum_sqlite(engine)
        finally:
            engine.dispose()

    # -- bundles ------------------------------------------------------------------------

    def ingest(self, path: Path, *, filename: str | None = None,
               read: BundleRead | None = None) -> IngestOutcome:
        """``read``: the bundle as a :meth:`read_ahead` reader read it (used only if it read
        these very bytes)."""
        return self.ingestor.ingest_path(path, filename=filename, read=read)

    def read_ahead(self, sizes: Sequence[int]) -> BundleReads | None:
        """A reader process for bundles handed over one at a time, as they arrive
        (``reads.add(path)``), then ingested in that order with ``ingest(path,
        read=reads.take())``: the next bundles are read while one is written, as
        :meth:`ingest_many` does. None when bundles of these *sizes* would not pay for
        starting the reader. Close it when done; the caveat of :meth:`ingest_many` (spawn)
        applies."""
        if not worth_reading_ahead_sizes(sizes):
            return None
        ingestor = self.ingestor
        return BundleReads([], ingestor.limits, KEPT_DOCUMENT_BYTES, ingestor.profile)

    def ingest_many(self, paths: Sequence[Path], *, read_ahead: bool = False
                    ) -> Iterator[IngestOutcome]:
        """Ingest files in order, yielding each outcome as it is done.

        ``read_ahead``: a second process reads the next bundles while one is written (as
        ``cvbridge ingest`` does). It is started the way multiprocessing's "spawn" starts
        one, which imports the main module again: a script calling this must keep its own
        work under ``if __name__ == "__main__":``.
        """
        return self.ingestor.ingest_paths(paths, read_ahead=read_ahead)

    def reprocess(self, bundle_id: int) -> IngestOutcome:
        return self.ingestor.reprocess(bundle_id)

    def failed_bundle_ids(self) -> list[int]:
        with Session(self.engine) as session:
            return [i for i in session.exec(select(BundleRecord.id).where(
                BundleRecord.status == "failed").order_by(col(BundleRecord.id))).all()
                if i is not None]

    def record_pickup(self, *, inbox: str, name: str, size: int, mtime: float,
                      outcome: IngestOutcome, destination: str) -> None:
        """Enter a file taken from an inbox (name, size and mtime as the server reported them)
        in the ledger."""
        with unit_of_work(self.engine) as session:
            sha256 = session.exec(select(BundleRecord.sha256).where(
                BundleRecord.id == outcome.bundle)).first()
            session.add(InboxPickup(
                inbox=inbox, name=name, size=size, mtime=mtime, sha256=sha256 or "",
                bundle=outcome.bundle, status=outcome.status, outcome=destination,
                picked_at=now_utc()))

    # -- what the pollers did, for `cvbridge status` --------------------------------------

    def record_poll_round(self, *, inbox: str, worker: str, ok: bool,
                          error: str | None = None) -> None:
        with unit_of_work(self.engine) as session:
            record_round(session, inbox=inbox, worker=worker, ok=ok, error=error)

    def record_claim(self, *, inbox: str, name: str, worker: str) -> None:
        with unit_of_work(self.engine) as session:
            record_claim(session, inbox=inbox, name=name, worker=worker)

    def forget_claim(self, *, inbox: str, name: str) -> None:
        with unit_of_work(self.engine) as session:
            forget_claim(session, inbox=inbox, name=name)

    def status(self, *, since_seconds: float, lease_seconds: float,
               stale_seconds: float) -> StatusReport:
        """The daily check (see :func:`status_report`). Reads only: a store opened without
        migrating must be at the latest schema, or this says to upgrade it."""
        if current_revision(self.engine) != head_revision():
            raise StoreError(_("the store's schema is not up to date: run 'cvbridge db upgrade'"))
        with Session(self.engine) as session:
            return status_report(session, since_seconds=since_seconds,
                                 lease_seconds=lease_seconds, stale_seconds=stale_seconds)

    def revert(self, bundle_id: int, *, dry_run: bool = False) -> RevertOutcome:
        """Undo a bundle. ``dry_run``: the same revert, rolled back, to show what it would
        change (or what blocks it)."""
        if not dry_run:
            with unit_of_work(self.engine) as session:
                return revert_bundle(session, bundle_id)
        with Session(self.engine) as session:
            try:
                return replace(revert_bundle(session, bundle_id), dry_run=True)
            finally:
                session.rollback()

    def bundles(self, status: str | None = None, limit: int | None = None
                ) -> list[dict[str, Any]]:
        """Bundles by id (the order they were received), at most ``limit``."""
        with Session(self.engine) as session:
            return _queries.list_bundles(session, status, limit)

    def bundle(self, bundle_id: int) -> dict[str, Any]:
        with Session(self.engine) as session:
            return _queries.show_bundle(session, bundle_id)

    # -- candidates ---------------------------------------------------------------------

    def candidates(self, limit: int | None = None, where: Sequence[Condition] = ()
                   ) -> list[dict[str, Any]]:
        """Live candidates by id, at most ``limit``; ``where``: only those meeting every
        condition on their custom values (``Condition.parse("x-salaire>=40000")``)."""
        with Session(self.engine) as session:
            return _queries.list_candidates(session, limit=limit, where=where)

    def candidate(self, candidate_id: int) -> dict[str, Any]:
        with Session(self.engine) as session:
            return _queries.show_candidate(session, candidate_id)

    def search(self, query: str, limit: int = 50) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return _queries.search_candidates(session, query, limit)

    def export_cv(self, candidate_id: int) -> tuple[str, bytes, str]:
        """File name, original bytes and SHA-256 of the current CV."""
        with Session(self.engine) as session:
            filename, document = _queries.current_cv(session, candidate_id)
            return filename, document_bytes(session, document), document.sha256

    def apply_profile(self, profile: Profile) -> dict[str, int]:
        """Make ``profile`` the store's and re-type every stored custom value by it (values
        ingested before it, or under another profile, were stored by their old types)."""
        with unit_of_work(self.engine) as session:
            pairs = session.exec(select(CandidateRecord.id, CandidateRecord.custom).where(
                col(CandidateRecord.purged_at).is_(None)).order_by(col(CandidateRecord.id)))
            return apply_profile(session, profile,
                                 ((i, custom) for i, custom in pairs.all() if i is not None))

    def cv_text(self, candidate_id: int) -> tuple[str, str | None]:
        """File name of the current CV and its text as extracted and indexed for search
        (None when none could be read)."""
        with Session(self.engine) as session:
            filename, document = _queries.current_cv(session, candidate_id)
            return filename, document.text

    def possible_duplicates(self, limit: int | None = None) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return _queries.list_possible_duplicates(session, limit)

    def merge(self, keep_id: int, other_id: int) -> dict[str, Any]:
        with unit_of_work(self.engine) as session:
            keep = merge_candidates(session, keep_id, other_id,
                                    self.ingestor.retention_months)
            return _queries.candidate_view(session, keep)

    def unmerge(self, other_id: int) -> tuple[dict[str, Any], dict[str, Any]]:
        """Undo the merge of ``other_id``: the views of the kept and the restored record."""
        with unit_of_work(self.engine) as session:
            keep, other = unmerge_candidate(session, other_id)
            return _queries.candidate_view(session, keep), _queries.candidate_view(session, other)

    def purge(self, today: date, *, dry_run: bool) -> PurgeOutcome:
        with unit_of_work(self.engine) as session:
            return purge_expired(session, today, dry_run=dry_run,
                                 retention_months=self.ingestor.retention_months)
