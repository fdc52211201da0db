"""The inbox poller wired to the store: each bundle a poller takes is ingested, entered in the
inbox ledger, and answered with where it goes and what the vendor should read."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from cvbridge._config import Settings
from cvbridge._errors import ConfigError
from cvbridge.bundle import render_text
from cvbridge.inbox._poller import IngestResult, Poller
from cvbridge.inbox._transport import Outcome, RemoteFile
from cvbridge.inbox._url import parse_inbox_url, transport_factory
from cvbridge.store import IngestOutcome, Store

log = logging.getLogger("cvbridge.poll")


def vendor_errors_text(outcome: IngestOutcome) -> str | None:
    """The findings of a failed or partial bundle, in words the vendor can act on. A bundle
    re-sent unchanged gets the findings of its first receipt: it is refused the same way."""
    report = outcome.report
    status = outcome.original_status if outcome.status == "duplicate" else outcome.status
    if report is None or not report.findings or status not in ("failed", "partial"):
        return None
    if status == "failed":
        verdict = "was NOT ingested: nothing from it was loaded. Fix the errors and send it again."
    else:
        verdict = ("was ingested in part: the candidates with errors were rejected, the others "
                   "were loaded. Send the rejected candidates again in a new bundle.")
    again = ""
    if outcome.status == "duplicate":
        again = ("It is the same file, byte for byte, as a bundle received before: sending it "
                 "again unchanged changes nothing.\n")
    return (f"{outcome.filename} {verdict}\n{again}\n"
            + render_text([report])
            + "\nEach code is explained in the cvbundle 1.0 specification (findings catalogue).\n")


class StoreIngest:
    """The poller's ingest callback: the store decides, the ledger remembers."""

    def __init__(self, store: Store, inbox: str) -> None:
        self.store = store
        self.inbox = inbox
        self.results: list[IngestResult] = []  # every bundle ingested, in order

    def __call__(self, path: Path, file: RemoteFile) -> IngestResult:
        outcome = self.store.ingest(path, filename=file.name)
        # Refused bytes go to failed/, also when sent again (or taken again after a crash
        # between ingestion and the move): a duplicate of a failed bundle is still refused.
        destination: Outcome = "failed" if outcome.refused else "processed"
        self.store.record_pickup(inbox=self.inbox, name=file.name, size=file.size,
                                 mtime=file.mtime, outcome=outcome, destination=destination)
        status = outcome.status
        if outcome.original_status is not None:
            status += f" of bundle #{outcome.duplicate_of} ({outcome.original_status})"
        log.info("bundle %s: %s (bundle #%s, %d created, %d updated, %d rejected)",
                 file.name, status, outcome.bundle, outcome.created, outcome.updated,
                 outcome.rejected)
        result = IngestResult(destination, vendor_errors_text(outcome), outcome.status)
        self.results.append(result)
        return result


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


def build_pickup(settings: Settings, store: Store) -> Pickup:
    if not settings.inbox:
        raise ConfigError("no inbox configured: set CVBRIDGE_INBOX or 'inbox' in the config "
                          "file (sftp://user@host:port/path or a local folder)")
    location = parse_inbox_url(settings.inbox)
    factory = transport_factory(
        location, key_path=settings.ssh_key, known_hosts=settings.known_hosts,
        passphrase=settings.ssh_key_passphrase, processing=settings.processing_dir,
        processed=settings.processed_dir, failed=settings.failed_dir)
    ingest = StoreIngest(store, str(location))
    poller = Poller(factory, ingest, work_dir=settings.work_dir,
                    settle_seconds=settings.settle_seconds, lease_seconds=settings.lease_seconds,
                    upload_grace_seconds=settings.upload_grace_seconds)
    return Pickup(poller, ingest, settings.settle_seconds)
