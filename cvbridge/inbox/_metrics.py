"""``cvbridge poll --metrics-file``: the poller's counters in Prometheus text format, written
atomically after each round for node_exporter's textfile collector.

prometheus_client does the format and the atomic write (a temp file renamed over the old
one), so node_exporter never reads half a file. Imported only when a metrics file is asked
for: the library takes a fifth of a second to import.
"""

from __future__ import annotations

import time
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Gauge, write_to_textfile

from cvbridge._errors import InboxError
from cvbridge._i18n import _


class PollMetrics:
    """The counters of one poller process, and the file they are written to."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.registry = CollectorRegistry()
        self.bundles = Counter("cvbridge_bundles", "Bundles ingested, by outcome.",
                               ["outcome"], registry=self.registry)
        self.candidates = Counter("cvbridge_candidates", "Candidates, by what a bundle did.",
                                  ["change"], registry=self.registry)
        self.downloaded = Counter("cvbridge_downloaded_bytes", "Bytes downloaded from the inbox.",
                                  registry=self.registry)
        self.rounds = Counter("cvbridge_poll_rounds", "Poll rounds, by result.", ["result"],
                              registry=self.registry)
        self.round_seconds = Gauge("cvbridge_poll_round_duration_seconds",
                                   "How long the last poll round took.", registry=self.registry)
        self.last_success = Gauge("cvbridge_poll_last_success_timestamp_seconds",
                                  "When a poll round last succeeded (Unix time).",
                                  registry=self.registry)
        self.claims = Gauge("cvbridge_claims_in_processing",
                            "Bundles claimed into processing/ and not filed away yet.",
                            registry=self.registry)
        for outcome in ("ingested", "partial", "failed", "duplicate"):
            self.bundles.labels(outcome)
        for change in ("created", "updated", "rejected"):
            self.candidates.labels(change)
        for result in ("ok", "error"):
            self.rounds.labels(result)

    def bundle(self, status: str, created: int, updated: int, rejected: int) -> None:
        self.bundles.labels(status).inc()
        self.candidates.labels("created").inc(created)
        self.candidates.labels("updated").inc(updated)
        self.candidates.labels("rejected").inc(rejected)

    def round(self, *, ok: bool, seconds: float, claims: int) -> None:
        self.rounds.labels("ok" if ok else "error").inc()
        self.round_seconds.set(seconds)
        self.claims.set(claims)
        if ok:
            self.last_success.set(time.time())
        self.write()

    def write(self) -> None:
        try:
            write_to_textfile(str(self.path), self.registry)
        except OSError as exc:
            raise InboxError(_("cannot write the metrics file {path}: {reason}")
                             .format(path=self.path, reason=exc.strerror or exc)) from exc
