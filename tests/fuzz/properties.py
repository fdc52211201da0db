"""The properties the fuzzers check, shared by the pytest tests and the long run.

Each ``check_*`` function raises :class:`PropertyViolation` (an AssertionError) when a property
does not hold; any other exception escaping from cvbridge is a crash in its own right.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import signal
import sys
import threading
import time
import traceback
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

import cvbridge
from cvbridge import Report
from cvbridge.store import Store
from cvbridge.store._blobs import copy_bundle_bytes
from cvbridge.store._ingest import IngestOutcome
from cvbridge.store._search import indexed_ids
from tests.fuzz import CASE_SECONDS, HANG_SECONDS, PEAK_BYTES
from tests.fuzz.mutations import ROOT, Case

CRASH_DIR = ROOT / "var" / "fuzz-crashes"
STATUSES = frozenset({"ingested", "partial", "failed", "duplicate"})


class PropertyViolation(AssertionError):
    """A property of the fuzzers does not hold."""


class Hang(Exception):
    """A case ran longer than HANG_SECONDS: stopped by an alarm."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PropertyViolation(message)


@contextmanager
def hang_guard(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Turn a hang into an exception (SIGALRM; main thread only, else a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def alarm(_signum: int, _frame: object) -> None:
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- what validation may touch -------------------------------------------------------------

_watched: list[tuple[str, str]] | None = None  # (event, detail) while a watch is on
_hook_installed = False
_WATCHED_PREFIXES = ("socket.", "subprocess.", "os.system", "os.exec", "os.spawn", "os.posix",
                     "os.remove", "os.rename", "os.unlink", "os.rmdir", "os.mkdir",
                     "os.chmod", "os.truncate", "shutil.", "urllib.", "http.")


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _watched is None:
        return
    if event == "open":
        target = args[0]
        if isinstance(target, (str, bytes, os.PathLike)):
            _watched.append((event, os.fsdecode(target)))
    elif event.startswith(_WATCHED_PREFIXES):
        _watched.append((event, repr(args)[:200]))


def _allowed(event: str, detail: str, bundle: Path) -> bool:
    if event == "open":
        path = os.path.realpath(detail)
        if path == os.path.realpath(bundle):
            return True
        # libraries loading their own data (pycountry, phonenumbers, the schema), imports
        return path.startswith((sys.prefix, sys.base_prefix, str(ROOT / "cvbridge"),
                                str(ROOT / "formats")))
    return False


@contextmanager
def side_effects_checked(bundle: Path) -> Iterator[None]:
    """Validation reads the bundle and nothing else: no other file, no network, no process
    at all (.doc text is read in-process). (A Python audit hook, installed once, on only
    inside this block.)"""
    global _watched, _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)
        _hook_installed = True
    _watched = []
    try:
        yield
    finally:
        seen, _watched = _watched, None
    unexpected = [(event, detail) for event, detail in seen
                  if not _allowed(event, detail, bundle)]
    _require(not unexpected, f"validation touched the outside: {unexpected[:3]}")


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_bytes: int


@contextmanager
def measured() -> Iterator[list[Measured]]:
    """Wall time and tracemalloc peak of the block (appended to the yielded list)."""
    started_tracing = not tracemalloc.is_tracing()
    if started_tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    baseline = tracemalloc.get_traced_memory()[0]
    result: list[Measured] = []
    start = time.perf_counter()
    try:
        yield result
    finally:
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] - baseline
        if started_tracing:
            tracemalloc.stop()
        result.append(Measured(elapsed, peak))


def check_report(report: object, *, catalogue: dict[str, object] | None = None) -> Report:
    """Property 1 on a report already produced."""
    _require(isinstance(report, Report), f"validate_bundle returned {type(report).__name__}")
    assert isinstance(report, Report)
    catalogue = catalogue if catalogue is not None else dict(cvbridge.load_spec().findings)
    document = report.to_dict()
    try:
        # ensure_ascii=False and a UTF-8 encode: the report can be printed and written as
        # UTF-8 text (no lone surrogate in a message), not only dumped as escaped JSON.
        json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise PropertyViolation(f"report.to_dict() is not JSON-serialisable: {exc}") from exc
    unknown = {f.code for f in report.findings} - set(catalogue)
    _require(not unknown, f"finding codes outside the catalogue: {sorted(unknown)}")
    for finding in report.findings:
        kind = catalogue[finding.code]
        _require(finding.severity == getattr(kind, "severity", finding.severity),
                 f"{finding.code} reported as {finding.severity}")
    has_error = any(f.severity == "error" for f in report.findings)
    _require(report.valid == (not has_error) == document["valid"],
             f"valid={report.valid} but errors={has_error}")
    _require(document["counts"]["error"] == len(report.errors), "error count disagrees")
    rejected = set(report.rejected_candidates)
    blamed = {f.candidate for f in report.errors if f.candidate is not None}
    _require(rejected == blamed,
             f"rejected candidates {sorted(rejected)} != candidates with errors {sorted(blamed)}")
    return report


def validate_case(path: Path, *, time_limit: float | None = CASE_SECONDS
                  ) -> tuple[Report, Measured]:
    """Property 1: validate_bundle returns a sound report, in time and memory bounds.

    Two runs: a plain one is timed (tracemalloc slows allocation-heavy code several times
    over) and watched for side effects, a traced one measures the peak. Their reports must
    be equal.
    """
    with hang_guard():
        start = time.perf_counter()
        with side_effects_checked(path):
            first = cvbridge.validate_bundle(path)
        seconds = time.perf_counter() - start
        with measured() as result:
            report = cvbridge.validate_bundle(path)
    check_report(report)
    spent = Measured(seconds, result[0].peak_bytes)
    _require(spent.peak_bytes < PEAK_BYTES,
             f"tracemalloc peak {spent.peak_bytes / 1e6:.1f} MB >= {PEAK_BYTES / 1e6:.0f} MB")
    if time_limit is not None:
        _require(spent.seconds < time_limit, f"took {spent.seconds:.2f} s >= {time_limit} s")
    _require(isinstance(first, Report) and first.to_dict() == report.to_dict(),
             "two validations of the same bytes disagree")
    return report, spent


def validate_zip_case(path: Path) -> Report:
    """The ZIP property (issue 13): whatever a real archive's headers say, validate_bundle
    returns a sound report (``cvbridge validate`` exits 0 or 1), no exception reached the
    structure checker's last net (its findings say "unreadable ("), and an archive it
    accepts is one that zipfile reads whole, every CRC right."""
    with hang_guard():
        report = cvbridge.validate_bundle(path)
    check_report(report)
    netted = [f.message for f in report.findings if "unreadable (" in f.message]
    _require(not netted, f"an exception reached the structure check's net: {netted[:1]}")
    if report.valid:
        try:
            with zipfile.ZipFile(path) as archive:
                damaged = archive.testzip()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
                zlib.error) as exc:
            damaged = f"{type(exc).__name__}: {exc}"
        _require(damaged is None, f"accepted, but zipfile finds it damaged: {damaged}")
    return report


# -- the store --------------------------------------------------------------------------


def _scalar(session: Session, sql: str, **params: object) -> int:
    return int(session.execute(text(sql), params).scalar_one())


def check_store(store: Store) -> None:
    """The store is consistent whatever was ingested into it."""
    with Session(store.engine) as session:
        live = {int(row[0]) for row in session.execute(text(
            "SELECT id FROM candidate WHERE merged_into IS NULL AND purged_at IS NULL"))}
        without_cv = [int(row[0]) for row in session.execute(text(
            "SELECT c.id FROM candidate c WHERE c.merged_into IS NULL AND c.purged_at IS NULL "
            "AND (SELECT count(*) FROM candidate_document l JOIN document d "
            "ON d.sha256 = l.document WHERE l.candidate = c.id AND l.role = 'cv' "
            "AND l.current) != 1"))]
        _require(not without_cv, f"candidates without exactly one current CV: {without_cv}")
        dangling = _scalar(session, "SELECT count(*) FROM candidate_document l LEFT JOIN "
                                    "document d ON d.sha256 = l.document WHERE d.sha256 IS NULL")
        _require(dangling == 0, f"{dangling} candidate_document rows point at no document")
        orphans = _scalar(session, "SELECT count(*) FROM candidate_document l LEFT JOIN "
                                   "candidate c ON c.id = l.candidate WHERE c.id IS NULL")
        _require(orphans == 0, f"{orphans} candidate_document rows point at no candidate")
        indexed = indexed_ids(session)
        _require(indexed == live, f"search index ids {sorted(indexed ^ live)[:10]} differ "
                                  "from the live candidates")
        blobless = _scalar(session, "SELECT count(*) FROM bundle b LEFT JOIN bundle_blob k "
                                    "ON k.sha256 = b.sha256 WHERE k.sha256 IS NULL")
        _require(blobless == 0, f"{blobless} bundle records without their bytes")


def check_ingest(store: Store, path: Path, *, report_check: bool = True) -> IngestOutcome:
    """Property 2: one ingestion ends in a known status and leaves the store consistent."""
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    with hang_guard():
        outcome = store.ingest(path)
    _require(outcome.status in STATUSES, f"ingest status {outcome.status!r}")
    if outcome.report is not None and report_check:
        check_report(outcome.report)
    with Session(store.engine) as session:
        row = session.execute(text("SELECT status, sha256 FROM bundle WHERE id = :id"),
                              {"id": outcome.bundle}).first()
        _require(row is not None, f"no bundle record #{outcome.bundle}")
        assert row is not None
        _require(row[0] == outcome.status, f"record says {row[0]}, outcome {outcome.status}")
        _require(row[1] == sha256, "bundle record holds another SHA-256")
        size = session.execute(text("SELECT size FROM bundle_blob WHERE sha256 = :s"),
                               {"s": sha256}).scalar()
        _require(size == len(data), "the bundle's bytes were not kept")
        _require(copy_bundle_bytes(session, sha256, io.BytesIO()) == sha256,
                 "bundle_blob does not hold the bundle's bytes")
        wrote = {
            table: _scalar(session, f"SELECT count(*) FROM {table} WHERE {column} = :id",
                           id=outcome.bundle)
            for table, column in (("candidate", "last_bundle"), ("candidate", "first_bundle"),
                                  ("candidate_document", "bundle"), ("external_ref", "bundle"),
                                  ("audit_event", "bundle"))}
    if outcome.status in ("failed", "duplicate"):
        _require(not any(wrote.values()), f"a {outcome.status} bundle wrote rows: {wrote}")
        _require(outcome.created == outcome.updated == 0,
                 f"a {outcome.status} bundle created {outcome.created}, "
                 f"updated {outcome.updated}")
    if outcome.report is not None and outcome.status in ("ingested", "partial"):
        report = outcome.report
        _require(not report.bundle_errors, f"{outcome.status} despite bundle-level errors")
        _require((outcome.status == "ingested") == (not report.errors),
                 f"{outcome.status} but errors: {[f.code for f in report.errors]}")
        accepted = report.candidates - len(report.rejected_candidates)
        _require(outcome.created + outcome.updated <= accepted,
                 f"created {outcome.created} + updated {outcome.updated} > {accepted} accepted")
    check_store(store)
    return outcome


# -- reproducers ------------------------------------------------------------------------


def save_reproducer(case: Case, error: BaseException, *, kind: str = "crash") -> Path:
    """Write the bundle and what happened under var/fuzz-crashes/; return the bundle path."""
    CRASH_DIR.mkdir(parents=True, exist_ok=True)
    stem = CRASH_DIR / f"{kind}-{case.sha256[:16]}"
    bundle = stem.with_suffix(".zip")
    bundle.write_bytes(case.data)
    details = "".join(traceback.format_exception(error))
    stem.with_suffix(".txt").write_text(
        f"seed: {case.seed}\nsha256: {case.sha256}\nsteps:\n"
        + "".join(f"  - {step}\n" for step in case.steps)
        + f"\n{details}", encoding="utf-8", errors="backslashreplace")
    return bundle
