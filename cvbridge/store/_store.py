"""The library API of the CRM store: one object per store, one session per call."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from cvbridge._config import DEFAULT_RETENTION_MONTHS
from cvbridge.bundle import Limits, Profile
from cvbridge.store import _queries
from cvbridge.store._custom import Condition, apply_profile
from cvbridge.store._engine import create_store_engine, ensure_schema, unit_of_work, upgrade
from cvbridge.store._ingest import Ingestor, IngestOutcome
from cvbridge.store._mapping import now_utc
from cvbridge.store._people import PurgeOutcome, merge_candidates, purge_expired
from cvbridge.store._revert import RevertOutcome, revert_bundle
from cvbridge.store._tables import BundleRecord, CandidateRecord, InboxPickup


class Store:
    """A CRM store reached through ``url``; the schema is checked (SQLite: migrated) on
    first use."""

    def __init__(self, url: str, *, limits: Limits | None = None,
                 retention_months: int = DEFAULT_RETENTION_MONTHS, migrate: bool = True,
                 profile: Profile | None = None) -> None:
        self.url = url
        self.engine: Engine = create_store_engine(url)
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

    # -- bundles ------------------------------------------------------------------------

    def ingest(self, path: Path, *, filename: str | None = None) -> IngestOutcome:
        return self.ingestor.ingest_path(path, filename=filename)

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

    def revert(self, bundle_id: int) -> RevertOutcome:
        with unit_of_work(self.engine) as session:
            return revert_bundle(session, bundle_id)

    def bundles(self, status: str | None = None) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return _queries.list_bundles(session, status)

    def bundle(self, bundle_id: int) -> dict[str, Any]:
        with Session(self.engine) as session:
            return _queries.show_bundle(session, bundle_id)

    # -- candidates ---------------------------------------------------------------------

    def candidates(self, where: Sequence[Condition] = ()) -> list[dict[str, Any]]:
        """Active candidates; ``where``: only those meeting every condition on their custom
        values (``Condition.parse("x-salaire>=40000")``)."""
        with Session(self.engine) as session:
            return _queries.list_candidates(session, where=where)

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
            return filename, document.content, document.sha256

    def apply_profile(self, profile: Profile) -> dict[str, int]:
        """Make ``profile`` the store's and re-type every stored custom value by it (values
        ingested before it, or under another profile, were stored by their old types)."""
        with unit_of_work(self.engine) as session:
            pairs = session.exec(select(CandidateRecord.id, CandidateRecord.custom).where(
                col(CandidateRecord.purged_at).is_(None)).order_by(col(CandidateRecord.id)))
            return apply_profile(session, profile,
                                 ((i, custom) for i, custom in pairs.all() if i is not None))

    def possible_duplicates(self) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            return _queries.list_possible_duplicates(session)

    def merge(self, keep_id: int, other_id: int) -> dict[str, Any]:
        with unit_of_work(self.engine) as session:
            keep = merge_candidates(session, keep_id, other_id,
                                    self.ingestor.retention_months)
            return _queries.candidate_view(session, keep)

    def purge(self, today: date, *, dry_run: bool) -> PurgeOutcome:
        with unit_of_work(self.engine) as session:
            return purge_expired(session, today, dry_run=dry_run,
                                 retention_months=self.ingestor.retention_months)
