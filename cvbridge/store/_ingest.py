"""Ingestion: a bundle's bytes are kept first, then read, checked and applied to the store in
one transaction. Runs the same for a local file, an inbox download or a reprocess."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from cvbridge._config import DEFAULT_RETENTION_MONTHS
from cvbridge._errors import BundleAccessError, ConflictError, NotFoundError, StoreError
from cvbridge._i18n import N_, _
from cvbridge.bundle import (
    Bundle,
    Finding,
    FindingsCollector,
    Limits,
    Profile,
    Report,
    Severity,
    open_bundle,
    sha256_of,
)
from cvbridge.store._batch import BulkCreator, split_new
from cvbridge.store._blobs import copy_bundle_bytes, store_bundle_bytes
from cvbridge.store._candidates import CandidateWriter, Provenance
from cvbridge.store._custom import register_profile
from cvbridge.store._engine import unit_of_work
from cvbridge.store._ids import check_id
from cvbridge.store._mapping import now_utc
from cvbridge.store._readahead import BundleRead, BundleReads, worth_reading_ahead
from cvbridge.store._tables import BundleBlob, BundleRecord, FindingRecord

REPROCESSABLE = ("received", "failed", "partial", "reverted")
# Documents' bytes held from their check to their write: none. The store keeps a document as
# a reference into the bundle's kept bytes (where the check found it), so neither this
# process nor the reader ahead of it holds or hands over a CV's bytes.
KEPT_DOCUMENT_BYTES = 0


@dataclass(frozen=True)
class IngestOutcome:
    bundle: int  # the store's id of the bundle record
    filename: str
    status: str
    created: int = 0
    updated: int = 0
    rejected: int = 0
    duplicate_of: int | None = None
    report: Report | None = None
    # A duplicate: the status of the bundle first received with these bytes (a re-sent failed
    # bundle is still refused), and ``report`` holds that bundle's findings.
    original_status: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status in ("ingested", "duplicate")

    @property
    def refused(self) -> bool:
        """Nothing of these bytes was loaded, now or when they were first received."""
        return self.status == "failed" or (
            self.status == "duplicate" and self.original_status == "failed")


def _file_sha256(path: Path) -> tuple[str, int]:
    with path.open("rb") as source:
        return sha256_of(source), source.tell()


class Ingestor:
    """Ingests bundles into one store."""

    def __init__(self, engine: Engine, *, limits: Limits | None = None,
                 retention_months: int = DEFAULT_RETENTION_MONTHS,
                 profile: Profile | None = None) -> None:
        self.engine = engine
        self.limits = limits
        self.retention_months = retention_months
        # The site profile: candidates' x- values are checked against it and stored typed.
        self.profile = profile

    # -- entry points -------------------------------------------------------------------

    def ingest_path(self, path: Path, *, filename: str | None = None,
                    read: BundleRead | None = None) -> IngestOutcome:
        """Keep the bytes, then ingest them, unless the same bytes were ingested before.

        ``read``: the bundle as read before (ahead, in another process); used if it read
        these bytes.
        """
        try:
            sha256, size = _file_sha256(path)
        except OSError as exc:
            raise BundleAccessError(_("cannot read {path}: {reason}")
                                    .format(path=path, reason=exc.strerror or exc)) from exc
        name = filename or path.name
        record, original = self._receive(path, sha256, size, name)
        if original is not None:
            return _duplicate_outcome(record.id or 0, name, original)
        return self._process(record, path, ("received",), read)

    def ingest_paths(self, paths: Sequence[Path], *, read_ahead: bool = False
                     ) -> Iterator[IngestOutcome]:
        """Ingest files in order, one outcome each as it is done.

        With ``read_ahead`` (and a batch big enough to pay for it: 16 MB) a reader process
        reads the next bundles while one is written: two cores busy instead of one.
        """
        if not (read_ahead and worth_reading_ahead(paths)):
            for path in paths:
                yield self.ingest_path(path)
            return
        with BundleReads(paths, self.limits, KEPT_DOCUMENT_BYTES, self.profile) as reads:
            for path, read in zip(paths, reads, strict=True):
                yield self.ingest_path(path, read=read)

    def reprocess(self, bundle_id: int) -> IngestOutcome:
        """Run a failed or partial bundle again from its kept bytes; only what is missing is
        created."""
        with tempfile.NamedTemporaryFile(suffix=".zip") as handle:
            with Session(self.engine) as session:
                check_id(N_("bundle"), bundle_id)
                record = session.get(BundleRecord, bundle_id)
                if record is None:
                    raise NotFoundError(_("no bundle #{bundle_id}").format(bundle_id=bundle_id))
                if record.status not in REPROCESSABLE:
                    raise ConflictError(_("bundle #{bundle_id} is {status}; only {statuses} "
                                          "bundles can be reprocessed")
                                        .format(bundle_id=bundle_id, status=record.status,
                                                statuses=", ".join(REPROCESSABLE)))
                blob = session.get(BundleBlob, record.sha256)
                if blob is None or blob.discarded_at is not None:
                    raise NotFoundError(_("the bytes of bundle #{bundle_id} were discarded")
                                        .format(bundle_id=bundle_id))
                if copy_bundle_bytes(session, record.sha256, handle) != record.sha256:
                    raise StoreError(_("the kept bytes of bundle #{bundle_id} are damaged")
                                     .format(bundle_id=bundle_id))
            handle.flush()
            return self._process(record, Path(handle.name), REPROCESSABLE)

    # -- steps --------------------------------------------------------------------------

    def _receive(self, path: Path, sha256: str, size: int, name: str
                 ) -> tuple[BundleRecord, _Original | None]:
        """Commit the original bytes and a bundle record before anything else happens.

        Returns the record and, for a duplicate receipt, what became of the first one. A
        primary record still 'received' (a crash mid-ingestion) is resumed rather than counted
        as a duplicate.
        """
        for _attempt in range(3):
            try:
                with unit_of_work(self.engine) as session:
                    primary = session.exec(select(BundleRecord).where(
                        BundleRecord.sha256 == sha256,
                        col(BundleRecord.duplicate_of).is_(None))).first()
                    if primary is not None and primary.status != "received":
                        duplicate = BundleRecord(
                            sha256=sha256, filename=name, size=size, vendor=primary.vendor,
                            bundle_id=primary.bundle_id, status="duplicate",
                            duplicate_of=primary.id, received_at=now_utc(),
                            processed_at=now_utc())
                        session.add(duplicate)
                        return duplicate, _Original.of(session, primary)
                    if primary is not None:
                        return primary, None
                    if session.get(BundleBlob, sha256) is None:
                        session.add(BundleBlob(sha256=sha256, size=size))
                        session.flush()
                        if store_bundle_bytes(session, sha256, path) != sha256:
                            raise BundleAccessError(_("{name} changed while it was being read")
                                                    .format(name=name))
                    record = BundleRecord(sha256=sha256, filename=name, size=size,
                                          received_at=now_utc())
                    session.add(record)
                    return record, None
            except IntegrityError:
                continue  # another worker received the same bytes at the same moment
        raise ConflictError(_("could not record {name}: the store kept refusing it")
                            .format(name=name))

    def _process(self, record: BundleRecord, path: Path, expected: tuple[str, ...],
                 read: BundleRead | None = None) -> IngestOutcome:
        """Read the bundle and apply it, if its record is still in an ``expected`` status."""
        with self._opened(record, path, read) as (report, bundle), \
                unit_of_work(self.engine) as session:
            current = session.get(BundleRecord, record.id, with_for_update=True)
            if current is None or current.status not in expected:
                # Another worker finished it while we were reading: these bytes are done.
                original = None if current is None else _Original.of(session, current)
                return _duplicate_outcome(record.id or 0, record.filename, original,
                                          duplicate_of=record.id)
            return self._apply(session, current, report, bundle)

    @contextmanager
    def _opened(self, record: BundleRecord, path: Path, read: BundleRead | None
                ) -> Iterator[tuple[Report, Bundle]]:
        """The report and model of the bundle at ``path``: as read ahead, or read now; either
        way of the bytes the record kept, or BundleAccessError. No document is read again
        after its check (the store refers to it where the check found it), so a read ahead
        needs no second look at the file."""
        if read is not None and read.report.sha256 == record.sha256:
            yield read.report, read.bundle
            return
        with open_bundle(path, limits=self.limits, display_name=record.filename,
                         keep_documents=KEPT_DOCUMENT_BYTES, profile=self.profile) as opened:
            if opened.report.sha256 != record.sha256:
                raise BundleAccessError(_("{filename} changed while it was being read")
                                        .format(filename=record.filename))
            yield opened.report, opened.bundle

    def _apply(self, session: Session, record: BundleRecord, report: Report, bundle: Bundle
               ) -> IngestOutcome:
        manifest = bundle.manifest
        # What the bundle did over its runs: a reprocess of a partial bundle adds to the first
        # run, whose candidates are still the bundle's doing (and what a revert would undo).
        earlier = (record.created, record.updated) if record.status == "partial" else (0, 0)
        record.vendor, record.bundle_id = report.vendor, report.bundle_id
        extra = FindingsCollector()
        if manifest is not None and not report.bundle_errors:
            self._check_reuse(session, record, extra)
        findings = [*report.findings, *extra.findings]
        created = updated = 0
        accepted = bundle.accepted_candidates
        if manifest is not None and not report.bundle_errors and not extra.findings:
            assert record.id is not None
            provenance = Provenance(manifest.vendor, record.id, self.retention_months,
                                    record.sha256)
            if self.profile is not None:  # its types, before values are stored by them
                register_profile(session, self.profile)
            new, known = split_new(session, manifest.vendor, accepted)
            created += BulkCreator(session, provenance).create(new)
            writer = CandidateWriter(session, provenance)
            for candidate in known:
                action = writer.write(candidate)
                created += action == "created"
                updated += action == "updated"
            rejected = len(report.rejected_candidates)
            record.status = "partial" if rejected else "ingested"
            if accepted == [] and rejected:
                record.status = "failed"
        else:
            rejected = report.candidates
            record.status = "failed"
        session.exec(delete(FindingRecord).where(col(FindingRecord.bundle) == record.id))
        for finding in findings:
            session.add(FindingRecord(
                bundle=record.id or 0, code=finding.code, severity=finding.severity,
                message=finding.message, suggestion=finding.suggestion, member=finding.member,
                line=finding.line, candidate_file=finding.candidate))
        record.created, record.updated = earlier[0] + created, earlier[1] + updated
        record.rejected = rejected
        record.error_count = sum(f.severity == "error" for f in findings)
        record.warning_count = sum(f.severity == "warning" for f in findings)
        record.processed_at = now_utc()
        session.add(record)
        report.findings = findings
        return IngestOutcome(record.id or 0, record.filename, record.status, created, updated,
                             rejected, report=report)

    def _check_reuse(self, session: Session, record: BundleRecord,
                     findings: FindingsCollector) -> None:
        """The same (vendor, bundle_id) with other bytes: a correction of a failed or partial
        bundle is welcome; a fully ingested one is not replaced silently."""
        earlier = session.exec(select(BundleRecord).where(
            BundleRecord.vendor == record.vendor, BundleRecord.bundle_id == record.bundle_id,
            BundleRecord.sha256 != record.sha256, BundleRecord.status == "ingested")).first()
        if earlier is not None:
            findings.add("INGEST-BUNDLE-REUSED", bundle_id=record.bundle_id,
                         vendor=record.vendor, other=earlier.id)


@dataclass(frozen=True)
class _Original:
    """The first receipt of some bytes, as a duplicate receipt reports it."""

    id: int
    status: str
    report: Report | None  # its findings, for a failed or partial bundle

    @classmethod
    def of(cls, session: Session, record: BundleRecord) -> _Original:
        report = None
        if record.status in ("failed", "partial"):
            report = _recorded_report(session, record)
        return cls(record.id or 0, record.status, report)


def _duplicate_outcome(bundle: int, name: str, original: _Original | None, *,
                       duplicate_of: int | None = None) -> IngestOutcome:
    if original is None:
        return IngestOutcome(bundle, name, "duplicate", duplicate_of=duplicate_of)
    report = original.report
    if report is not None:
        report.path = name
    return IngestOutcome(bundle, name, "duplicate", duplicate_of=original.id, report=report,
                         original_status=original.status)


def _recorded_report(session: Session, record: BundleRecord) -> Report:
    """The report of an ingested bundle, rebuilt from its stored findings."""
    rows = session.exec(select(FindingRecord).where(FindingRecord.bundle == record.id)
                        .order_by(col(FindingRecord.id))).all()
    findings = [Finding(code=row.code, severity=cast(Severity, row.severity),
                        message=row.message, suggestion=row.suggestion, member=row.member,
                        line=row.line, candidate=row.candidate_file) for row in rows]
    rejected = sorted({f.candidate for f in findings if f.severity == "error" and f.candidate})
    return Report(path=record.filename, findings=findings, bundle_id=record.bundle_id,
                  vendor=record.vendor, sha256=record.sha256, size=record.size,
                  candidates=record.created + record.updated + record.rejected,
                  rejected_candidates=rejected)
