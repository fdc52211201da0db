"""The inbox poller wired to the store: each bundle a poller takes is ingested, entered in the
inbox ledger, and answered with where it goes and what the vendor should read."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cvbridge._config import Settings
from cvbridge._errors import ConfigError, CvbridgeError, StoreError
from cvbridge._i18n import _, current_language, speaking
from cvbridge.bundle import render_text
from cvbridge.inbox._poller import IngestResult, Poller, PollSummary, one_line
from cvbridge.inbox._transport import Outcome, RemoteFile
from cvbridge.inbox._url import parse_inbox_url, transport_factory
from cvbridge.store import IngestOutcome, Store

if TYPE_CHECKING:
    from cvbridge.inbox._metrics import PollMetrics
    from cvbridge.store._readahead import BundleReads

log = logging.getLogger("cvbridge.poll")


def vendor_errors_text(outcome: IngestOutcome, language: str | None = None) -> str | None:
    """The findings of a failed or partial bundle, in words the vendor can act on, in
    ``language`` (the site's ``vendor_lang``; None: the language the process speaks). A bundle
    re-sent unchanged gets the findings of its first receipt: it is refused the same way (in
    the words they were recorded in: the store keeps the text, not the template fields)."""
    report = outcome.report
    status = outcome.original_status if outcome.status == "duplicate" else outcome.status
    if report is None or not report.findings or status not in ("failed", "partial"):
        return None
    with speaking(language or current_language()):
        if status == "failed":
            verdict = _("{file} was NOT ingested: nothing from it was loaded. Fix the errors "
                        "and send it again.")
        else:
            verdict = _("{file} was ingested in part: the candidates with errors were "
                        "rejected, the others were loaded. Send the rejected candidates again "
                        "in a new bundle.")
        again = ""
        if outcome.status == "duplicate":
            again = _("It is the same file, byte for byte, as a bundle received before: "
                      "sending it again unchanged changes nothing.") + "\n"
        return (verdict.format(file=outcome.filename) + f"\n{again}\n"
                + render_text([report.translated()])
                + "\n" + _("Each code is explained in the cvbundle 1.0 specification (findings "
                           "catalogue).") + "\n")


class StoreIngest:
    """The poller's ingest callback: the store decides, the ledger remembers.

    It is the poller's lookahead too: for a round worth it (the store's rule, as for
    ``cvbridge ingest``), the store's read-ahead process reads the downloads announced next
    while this process writes the one before."""

    def __init__(self, store: Store, inbox: str, metrics: PollMetrics | None = None, *,
                 vendor_lang: str | None = None) -> None:
        self.store = store
        self.inbox = inbox
        self.metrics = metrics
        self.vendor_lang = vendor_lang  # None: the language the process speaks
        self.results: list[IngestResult] = []  # every bundle ingested, in order
        self._reads: BundleReads | None = None
        self._coming: deque[Path] = deque()  # added to the reads, not yet ingested

    def start(self, files: Sequence[RemoteFile]) -> int:
        self._reads = self.store.read_ahead([file.size for file in files])
        return 0 if self._reads is None else self._reads.window

    def coming(self, path: Path) -> None:
        if self._reads is not None:
            self._reads.add(path)
            self._coming.append(path)

    def stop(self) -> None:
        self._coming.clear()
        if self._reads is not None:
            self._reads.close()
            self._reads = None

    def __call__(self, path: Path, file: RemoteFile) -> IngestResult:
        read = None
        if self._reads is not None and self._coming and self._coming[0] == path:
            self._coming.popleft()
            read = self._reads.take()
        outcome = self.store.ingest(path, filename=file.name, read=read)
        # Refused bytes go to failed/, also when sent again (or taken again after a crash
        # between ingestion and the move): a duplicate of a failed bundle is still refused.
        destination: Outcome = "failed" if outcome.refused else "processed"
        self.store.record_pickup(inbox=self.inbox, name=file.name, size=file.size,
                                 mtime=file.mtime, outcome=outcome, destination=destination)
        status = outcome.status
        if outcome.original_status is not None:
            status += _(" of bundle #{bundle} ({status})").format(
                bundle=outcome.duplicate_of, status=outcome.original_status)
        report = outcome.report
        codes = sorted({finding.code for finding in report.findings}) if report else []
        # An operator filtering at WARNING sees every bundle that was not loaded whole.
        level = logging.INFO if outcome.succeeded and not outcome.refused else logging.WARNING
        log.log(level, _("bundle %(name)s: %(status)s (bundle #%(bundle)s, %(created)d created, "
                         "%(updated)d updated, %(rejected)d rejected%(codes)s)"),
                       {"name": file.name, "status": status, "bundle": outcome.bundle,
                        "created": outcome.created, "updated": outcome.updated,
                        "rejected": outcome.rejected,
                        "codes": _("; {codes}").format(codes=", ".join(codes)) if codes else ""},
                extra={"bundle": outcome.bundle, "file": file.name,
                       "sha256": report.sha256 if report else None,
                       "outcome": outcome.status, "codes": codes})
        if self.metrics is not None:
            self.metrics.bundle(outcome.status, outcome.created, outcome.updated,
                                outcome.rejected)
        result = IngestResult(destination, vendor_errors_text(outcome, self.vendor_lang),
                              outcome.status)
        self.results.append(result)
        return result


class PollRecorder:
    """The poller's events, kept in the store (for ``cvbridge status``) and in the metrics
    file. Recording is best effort: a store that cannot take it is logged, and the bundle
    work (which needs the store too) reports the fault itself."""

    def __init__(self, store: Store, inbox: str, metrics: PollMetrics | None = None) -> None:
        self.store = store
        self.inbox = inbox
        self.metrics = metrics
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self.claims: set[str] = set()

    def _record(self, what: str, action: Callable[[], None]) -> None:
        try:
            action()
        except StoreError as error:
            log.warning(_("could not record %(what)s in the store: %(reason)s"),
                        {"what": what, "reason": one_line(str(error))})

    def claimed(self, name: str) -> None:
        self.claims.add(name)
        self._record(f"the claim of {name}", lambda: self.store.record_claim(
            inbox=self.inbox, name=name, worker=self.worker))

    def finished(self, name: str) -> None:
        self.claims.discard(name)
        self._record(f"the end of the claim of {name}", lambda: self.store.forget_claim(
            inbox=self.inbox, name=name))

    def downloaded(self, name: str, size: int) -> None:
        if self.metrics is not None:
            self.metrics.downloaded.inc(size)

    def round_done(self, summary: PollSummary | None, error: CvbridgeError | None,
                   seconds: float) -> None:
        message = None if error is None else one_line(str(error))
        self._record("the poll round", lambda: self.store.record_poll_round(
            inbox=self.inbox, worker=self.worker, ok=error is None, error=message))
        if self.metrics is not None:
            try:
                self.metrics.round(ok=error is None, seconds=seconds, claims=len(self.claims))
            except CvbridgeError as failure:
                log.error("%s", one_line(str(failure)))


@dataclass
class Pickup:
    """A poller on the configured inbox, feeding the store."""

    poller: Poller
    ingest: StoreIngest
    settle_seconds: float

    def run(self, interval: float, stop: threading.Event) -> None:
        self.poller.run(interval, stop)

    def once(self, stop: threading.Event, max_rounds: int = 3) -> list[IngestResult]:
        """``poll --once``: a file is taken only once its size and mtime held still for the
        settle interval, so one round would take nothing new: round again after the interval
        while uploads are waiting (a few times at most). Returns what became of each bundle
        ingested."""
        start = len(self.ingest.results)
        try:
            for _ in range(max_rounds):
                summary = self.poller.poll_once(stop)
                if not summary.waiting or stop.is_set():
                    break
                stop.wait(self.settle_seconds)
        finally:
            self.poller.close()
        return self.ingest.results[start:]


def build_pickup(settings: Settings, store: Store, *,
                 metrics_file: Path | None = None) -> Pickup:
    """A poller on the configured inbox feeding *store*; with *metrics_file*, Prometheus
    metrics written there after each round."""
    if not settings.inbox:
        raise ConfigError(_("no inbox configured: set CVBRIDGE_INBOX or 'inbox' in the config file "
                            "(sftp://user@host:port/path or a local folder)"))
    location = parse_inbox_url(settings.inbox)
    factory = transport_factory(
        location, key_path=settings.ssh_key, known_hosts=settings.known_hosts,
        passphrase=settings.ssh_key_passphrase, processing=settings.processing_dir,
        processed=settings.processed_dir, failed=settings.failed_dir)
    metrics = None
    if metrics_file is not None:
        from cvbridge.inbox._metrics import PollMetrics  # prometheus_client only when asked

        metrics = PollMetrics(metrics_file)
    ingest = StoreIngest(store, str(location), metrics, vendor_lang=settings.vendor_lang)

    recorder = PollRecorder(store, str(location), metrics)
    poller = Poller(factory, ingest, work_dir=settings.work_dir,
                    settle_seconds=settings.settle_seconds, lease_seconds=settings.lease_seconds,
                    upload_grace_seconds=settings.upload_grace_seconds, events=recorder,
                    lookahead=ingest, vendor_lang=settings.vendor_lang)
    return Pickup(poller, ingest, settings.settle_seconds)
