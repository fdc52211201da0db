"""The polling loop: list, settle, claim, download, ingest, file away; reconnect on failure.

Exactly-once is not decided here: the ingest callback (the store) keeps a ledger of content
hashes and answers "duplicate" for a bundle it has seen. The poller guarantees that a bundle is
not lost: it is claimed by an atomic rename, kept in ``processing/`` until ingest has answered,
retried from there after a broken connection, and given back to the inbox when a worker died
holding it (its lease, measured on the server's clock, ran out).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import random
import re
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cvbridge._errors import CvbridgeError, InboxError, InboxTrustError, StoreError
from cvbridge._i18n import _, current_language, speaking
from cvbridge.bundle import has_end_record
from cvbridge.inbox._settle import BUNDLE_SUFFIX, SettleTracker
from cvbridge.inbox._transport import (
    ClaimLostError,
    InboxTransport,
    NotAFileError,
    Outcome,
    RemoteFile,
    TransportFactory,
    is_safe_name,
)

log = logging.getLogger("cvbridge.inbox")


@dataclass(frozen=True)
class IngestResult:
    """What the store made of a bundle; decides where the bundle goes.

    ``status`` is the store's word for it (ingested, partial, failed, duplicate...), for logs.
    With ``errors_text``, a ``NAME.zip.errors.txt`` is written beside the bundle.
    """

    outcome: Outcome
    errors_text: str | None = None
    status: str = "ingested"


# (local copy of the bundle, the file as the inbox listed it) -> result. The local copy is
# deleted afterwards.
IngestCallback = Callable[[Path, RemoteFile], IngestResult]


class Lookahead(Protocol):
    """An ingest callback that reads bundles ahead: told which downloads it will be handed
    next, in that order, it reads them while it writes the one before (two cores busy)."""

    def start(self, files: Sequence[RemoteFile]) -> int:
        """A round is about to take *files* (settled, in order): how many downloads to keep
        ready beyond the one being ingested (0: one at a time)."""
        ...

    def coming(self, path: Path) -> None:
        """*path* (a download) will be ingested after those announced before it."""
        ...

    def stop(self) -> None:
        """The round is over: nothing announced is still to come."""
        ...


# Downloads are named after the host and process that made them, so that the files a killed
# poller left in the work folder can be told from those of a live one and deleted.
_HOST_TAG = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_WORK_FILE = re.compile(r"^\.?bundle-([0-9a-f]{8})-(\d+)-[0-9a-f]{32}\.zip(\..+\.part)?$")


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def sweep_work_dir(work_dir: Path) -> list[str]:
    """Delete the downloads that pollers of this host left behind when they were killed (their
    process is gone); the names deleted."""
    removed = []
    with contextlib.suppress(FileNotFoundError), os.scandir(work_dir) as entries:
        for entry in entries:
            match = _WORK_FILE.match(entry.name)
            if match is None or match.group(1) != _HOST_TAG:
                continue
            pid = int(match.group(2))
            if pid == os.getpid() or _process_alive(pid):
                continue
            with contextlib.suppress(FileNotFoundError):
                Path(entry.path).unlink()
                removed.append(entry.name)
    return removed


def _unsafe_bundle_name(name: str) -> bool:
    return not is_safe_name(name) and name.lower().endswith(BUNDLE_SUFFIX)


@dataclass
class PollSummary:
    listed: int = 0  # regular files in the inbox
    waiting: int = 0  # bundles seen, not (yet) settled
    taken: int = 0  # bundles claimed by this poll
    resumed: int = 0  # claims in hand after a broken connection, taken up again
    processed: int = 0
    failed: int = 0
    released: int = 0  # stale claims (dead workers) given back to the inbox


class PollEvents(Protocol):
    """Told what a poller does, as it does it (the store's record for ``cvbridge status``,
    the metrics file). Must not raise."""

    def claimed(self, name: str) -> None:
        """*name* was claimed into ``processing/`` by this poller."""

    def finished(self, name: str) -> None:
        """*name* left ``processing/``: filed away, given back, lost, or released as stale."""

    def downloaded(self, name: str, size: int) -> None:
        """*size* bytes of *name* were downloaded to the work folder."""

    def round_done(self, summary: PollSummary | None, error: CvbridgeError | None,
                   seconds: float) -> None:
        """A round ended, with its summary, or the error that ended it."""


class _NoEvents:
    def claimed(self, name: str) -> None:
        return None

    def finished(self, name: str) -> None:
        return None

    def downloaded(self, name: str, size: int) -> None:
        return None

    def round_done(self, summary: PollSummary | None, error: CvbridgeError | None,
                   seconds: float) -> None:
        return None


@dataclass
class _Claim:
    file: RemoteFile  # as the inbox listed it (name, size, mtime), passed to ingest
    result: IngestResult | None = None  # set once ingest answered, so it is never asked twice
    local: Path | None = None  # its download in the work folder, until ingest answered


class Poller:
    """Polls one inbox; not thread-safe (one poller per thread, any number per inbox)."""

    def __init__(
        self,
        transport_factory: TransportFactory,
        ingest: IngestCallback,
        *,
        work_dir: Path,
        settle_seconds: float = 10.0,
        lease_seconds: float = 3600.0,
        lease_check_seconds: float = 300.0,
        upload_grace_seconds: float = 0.0,
        max_per_poll: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        backoff_base: float = 1.0,
        backoff_max: float = 300.0,
        rng: random.Random | None = None,
        events: PollEvents | None = None,
        lookahead: Lookahead | None = None,
        vendor_lang: str | None = None,
    ) -> None:
        if lease_seconds <= 0 or backoff_base <= 0 or backoff_max < backoff_base:
            raise ValueError("lease and backoff durations must be positive")
        self._factory = transport_factory
        self._ingest = ingest
        self.work_dir = work_dir
        self.lease_seconds = lease_seconds
        self.lease_check_seconds = lease_check_seconds
        # 0 judges an archive without its end record at once (a library caller's files are
        # whole); ``cvbridge poll`` waits for the configured grace (upload_grace_seconds).
        self.upload_grace_seconds = upload_grace_seconds
        self.max_per_poll = max_per_poll
        self._clock = clock
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._rng = rng or random.Random()
        self.events: PollEvents = events or _NoEvents()
        # The ingest callback's reading ahead, when it does: the next claims are downloaded
        # while it ingests one, and it reads them meanwhile.
        self._lookahead = lookahead
        self.vendor_lang = vendor_lang  # the errors.txt this poller writes; None: ours
        self._tracker = SettleTracker(settle_seconds)
        self._transport: InboxTransport | None = None
        self._owned: dict[str, _Claim] = {}
        self._last_lease_check: float | None = None
        self._swept = False
        self._warned_names: set[str] = set()
        # name -> when (local monotonic) this poller first found it incomplete: an archive
        # that stays without its end record for the grace period is damaged, not uploading.
        self._incomplete_since: dict[str, float] = {}

    @property
    def claims_in_hand(self) -> list[str]:
        """Bundles this poller claimed and has not filed away yet (after a broken connection)."""
        return list(self._owned)

    def poll_once(self, stop: threading.Event | None = None) -> PollSummary:
        """One round; raises InboxError (transport dropped, reconnects next time; or the work
        folder cannot be written), InboxTrustError, or StoreError (the store could not take a
        bundle: it was given back to the inbox). Stops between bundles once *stop* is set."""
        started = time.monotonic()
        try:
            summary = self._round(stop)
        except CvbridgeError as error:
            self.events.round_done(None, error, time.monotonic() - started)
            raise
        self.events.round_done(summary, None, time.monotonic() - started)
        return summary

    def _round(self, stop: threading.Event | None) -> PollSummary:
        summary = PollSummary()
        self._prepare_work_dir()
        try:
            transport = self._connected()
            for claimed in list(self._owned):
                if _stopping(stop):
                    return summary
                summary.resumed += 1
                log.info(_("resuming %(claimed)s"), {"claimed": claimed})
                self._handle(transport, claimed, summary)
            self._release_stale(transport, summary)
            listing = transport.list_inbox()
            summary.listed = len(listing)
            self._warn_unsafe_names(listing)
            self._take_settled(transport, self._tracker.observe(listing, self._clock()),
                               summary, stop)
        except InboxError:
            self._drop_transport()
            raise
        summary.waiting = self._tracker.waiting
        log.debug("poll: %s", summary)
        return summary

    def _take_settled(self, transport: InboxTransport, settled: list[RemoteFile],
                      summary: PollSummary, stop: threading.Event | None) -> None:
        """Claim, download and ingest the settled files in order; with a lookahead, up to
        its depth of the next ones are claimed and downloaded (and read by it) while one is
        ingested. Each is filed away only once the store has answered for it."""
        depth = self._lookahead.start(settled) if self._lookahead and settled else 0
        ahead: deque[str] = deque()  # claimed and downloaded, not yet ingested
        try:
            for file in settled:
                if _stopping(stop) or (
                    self.max_per_poll is not None and summary.taken >= self.max_per_poll
                ):
                    break
                taken = transport.claim(file.name)
                self._tracker.forget(file.name)
                if taken is None:
                    continue
                summary.taken += 1
                self._owned[taken] = _Claim(file)
                self.events.claimed(taken)
                log.info(_("claimed %(taken)s (%(size)d bytes)"),
                         {"taken": taken, "size": file.size})
                if self._fetch(transport, taken):
                    ahead.append(taken)
                    local = self._owned[taken].local
                    if depth and local is not None:
                        assert self._lookahead is not None
                        self._lookahead.coming(local)
                while len(ahead) > depth:
                    self._finish(transport, ahead.popleft(), summary)
            while ahead:
                self._finish(transport, ahead.popleft(), summary)
        except Exception:
            self._give_back_ahead(transport, ahead)
            raise
        finally:
            if depth:
                assert self._lookahead is not None
                self._lookahead.stop()

    def _give_back_ahead(self, transport: InboxTransport, ahead: deque[str]) -> None:
        """The round failed: the claims downloaded ahead and not ingested go back to the inbox
        (or stay in hand, to be resumed, if the inbox cannot take them now)."""
        for claimed in ahead:
            claim = self._owned.get(claimed)
            if claim is None or claim.result is not None:
                continue  # answered: filed away when resumed
            if claim.local is not None:
                claim.local.unlink(missing_ok=True)
                claim.local = None
            if self._transport is not None:
                self._give_back(transport, claimed, "not reached")

    def _prepare_work_dir(self) -> None:
        try:
            # Owner-only when we create it: whoever may rename in it could swap a download
            # between its size check and its ingestion.
            self.work_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self._swept:
                for name in sweep_work_dir(self.work_dir):
                    log.info(_("deleted %(name)s, left in %(work_dir)s by a poller that was "
                               "killed"), {"name": name, "work_dir": self.work_dir})
                self._swept = True
        except OSError as exc:
            raise InboxError(_("cannot use the work folder {work_dir}: {reason}")
                             .format(work_dir=self.work_dir, reason=exc.strerror or exc)) from exc

    def _warn_unsafe_names(self, listing: list[RemoteFile]) -> None:
        """A bundle whose name cannot be used safely is never taken: said once per name."""
        for file in listing:
            if _unsafe_bundle_name(file.name) and file.name not in self._warned_names:
                self._warned_names.add(file.name)
                log.warning(_("not taking %(name)s: its name holds a slash, a backslash, a "
                              "control character or bytes that are not UTF-8; the vendor must "
                              "rename it"), {"name": ascii(file.name)})

    def _connected(self) -> InboxTransport:
        if self._transport is None:
            self._transport = self._factory()
        return self._transport

    def _drop_transport(self) -> None:
        if self._transport is not None:
            with contextlib.suppress(Exception):
                self._transport.close()
            self._transport = None

    def _release_stale(self, transport: InboxTransport, summary: PollSummary) -> None:
        now = self._clock()
        last = self._last_lease_check
        # Never fewer checks than leases: a claim found just short of stale (server times are
        # whole seconds) is given back within a lease, not only at the next 5-minute check.
        if last is not None and now - last < min(self.lease_check_seconds, self.lease_seconds):
            return
        for claimed in transport.stale_claims(self.lease_seconds):
            if claimed in self._owned:
                continue
            released = transport.release(claimed)
            self.events.finished(claimed)
            if released is not None:
                summary.released += 1
                log.warning(_("released stale claim %(claimed)s back to the inbox as %(released)s"),
                            {"claimed": claimed, "released": released})
        self._last_lease_check = now

    def _handle(self, transport: InboxTransport, claimed: str, summary: PollSummary) -> None:
        """Download, ingest and file away one claimed bundle."""
        if self._fetch(transport, claimed):
            self._finish(transport, claimed, summary)

    def _fetch(self, transport: InboxTransport, claimed: str) -> bool:
        """Download a claimed bundle to the work folder, unless ingest answered for it
        already; whether it is to be finished (False: lost, or given back)."""
        claim = self._owned[claimed]
        if claim.result is not None:
            return True
        local = self.work_dir / f"bundle-{_HOST_TAG}-{os.getpid()}-{uuid.uuid4().hex}.zip"
        try:
            started = self._clock()
            try:
                before = transport.stat_claimed(claimed)
                if before is None:
                    raise ClaimLostError(_("{claimed} is no longer in processing/")
                                         .format(claimed=claimed))
                transport.download(claimed, local)
            except ClaimLostError:
                del self._owned[claimed]
                self.events.finished(claimed)
                log.warning(_("lost the claim on %(claimed)s (released by another worker?)"),
                            {"claimed": claimed})
                return False
            except NotAFileError:
                log.warning(_("%(claimed)s is not a regular file (a link?): not read, filed to "
                              "failed/"), {"claimed": claimed})
                with speaking(self.vendor_lang or current_language()):
                    text = _("{file} was NOT ingested: it is not a regular file (a "
                             "symbolic link?). Upload the bundle itself.").format(file=claimed)
                claim.result = IngestResult("failed", text + "\n", "not a file")
                return True
            size = local.stat().st_size
            log.info(_("downloaded %(claimed)s (%(size)d bytes, %(seconds).2f s)"),
                     {"claimed": claimed, "size": size, "seconds": self._clock() - started})
            self.events.downloaded(claimed, size)
            if self._still_uploading(transport, claim, before, local):
                local.unlink(missing_ok=True)
                self._give_back(transport, claimed, "still uploading")
                return False
        except BaseException:
            local.unlink(missing_ok=True)
            raise
        claim.local = local
        return True

    def _finish(self, transport: InboxTransport, claimed: str, summary: PollSummary) -> None:
        """Ingest a downloaded bundle (unless ingest answered already) and file it away."""
        claim = self._owned[claimed]
        if claim.result is None:
            assert claim.local is not None
            try:
                claim.result = self._ingest(claim.local, claim.file)
            except Exception:
                self._give_back(transport, claimed, "raised")
                raise
            finally:
                claim.local.unlink(missing_ok=True)
                claim.local = None
        result = claim.result
        final = transport.complete(claimed, result.outcome, result.errors_text)
        del self._owned[claimed]
        self.events.finished(claimed)
        self._incomplete_since.pop(claimed, None)
        if result.outcome == "processed":
            summary.processed += 1
        else:
            summary.failed += 1
        level = logging.INFO if result.status in ("ingested", "duplicate") and (
            result.outcome == "processed") else logging.WARNING
        log.log(level, _("%(claimed)s: %(status)s, moved to %(outcome)s/ as %(final)s"),
                       {"claimed": claimed, "status": result.status, "outcome": result.outcome,
                        "final": final}, extra={"file": claimed, "outcome": result.status})

    def _still_uploading(self, transport: InboxTransport, claim: _Claim, before: RemoteFile,
                         local: Path) -> bool:
        """Whether the vendor is still writing the bundle in place (no ``.part`` and rename):
        its size or mtime on the server moved during the download, or the copy differs from
        what settled, or the archive lacks its end record while the upload is younger than
        the grace period. Such a copy is not judged: the claim goes back to the inbox."""
        name = claim.file.name
        size = local.stat().st_size
        after = transport.stat_claimed(name)
        if after is None or (after.size, after.mtime) != (before.size, before.mtime) or (
                size != claim.file.size):
            log.info(_("%(name)s: still uploading (%(listed)d bytes listed, %(read)d read, "
                       "%(now)s now on the server): given back to settle again"),
                     {"name": name, "listed": claim.file.size, "read": size,
                      "now": _("gone") if after is None
                      else _("{size} bytes").format(size=after.size)})
            return True
        if has_end_record(local):
            self._incomplete_since.pop(name, None)
            return False
        # Server times on both sides: the claim stamped the file with the server's now.
        age = before.mtime - claim.file.mtime
        first = self._incomplete_since.setdefault(name, self._clock())
        if age >= self.upload_grace_seconds or self._clock() - first >= self.upload_grace_seconds:
            self._incomplete_since.pop(name, None)
            return False  # damaged for good: the store reads it and refuses it
        log.info(_("%(name)s: still uploading (no end of central directory yet, %(size)d bytes): "
                   "given back, judged after %(grace).0f s"),
                 {"name": name, "size": size, "grace": self.upload_grace_seconds})
        return True

    def _give_back(self, transport: InboxTransport, claimed: str, why: str) -> None:
        """Put the bundle back in the inbox (it is taken again) and forget it."""
        try:
            released = transport.release(claimed)
        except InboxError:
            log.warning(_("%(claimed)s: could not be given back to the inbox yet (kept in hand)"),
                        {"claimed": claimed})
            self._drop_transport()
            return
        del self._owned[claimed]
        self.events.finished(claimed)
        if why == "raised":
            log.warning(_("ingest of %(claimed)s raised: given back to the inbox as %(released)s"),
                        {"claimed": claimed, "released": released})
        else:
            log.info(_("%(claimed)s given back to the inbox as %(released)s"),
                     {"claimed": claimed, "released": released})

    def backoff_delay(self, failures: int) -> float:
        """Seconds to wait after *failures* consecutive failures: exponential, equal jitter."""
        ceiling = min(self._backoff_max, self._backoff_base * 2.0 ** min(failures - 1, 30))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def run(self, interval: float, stop_event: threading.Event) -> None:
        """Poll every *interval* seconds until *stop_event* is set.

        An unreachable inbox is retried with a fresh transport after an exponential backoff,
        and so is a store that cannot be reached or written (the bundle in hand was given back
        to the inbox); an untrusted inbox (InboxTrustError) ends the loop by raising. A stop
        request is honoured between bundles: the bundle in hand is always finished first.
        """
        failures = 0
        try:
            while not stop_event.is_set():
                try:
                    summary = self.poll_once(stop_event)
                except InboxTrustError as exc:
                    log.error(_("inbox not trusted, stopping: %(reason)s"), {"reason": exc})
                    raise
                except (InboxError, StoreError) as exc:
                    failures += 1
                    delay = self.backoff_delay(failures)
                    what = _("inbox error") if isinstance(exc, InboxError) else _("store error")
                    log.error(_("%(what)s (%(failures)d in a row), retry in %(delay).1f s: "
                                "%(reason)s"),
                              {"what": what, "failures": failures, "delay": delay,
                               "reason": one_line(str(exc))},
                              extra={"retry_seconds": round(delay, 1)})
                    stop_event.wait(delay)
                    continue
                if failures:
                    log.info(_("inbox and store reachable again after %(failures)d failed "
                               "attempts"), {"failures": failures})
                    failures = 0
                if summary.taken or summary.resumed or summary.released:
                    log.info(
                        _("poll done: %(taken)d taken, %(processed)d processed, %(failed)d failed, "
                          "%(waiting)d waiting"),
                        {"taken": summary.taken + summary.resumed, "processed": summary.processed,
                         "failed": summary.failed, "waiting": summary.waiting},
                    )
                stop_event.wait(interval)
        finally:
            self.close()
        log.info(_("inbox poller stopped"))

    def close(self) -> None:
        self._drop_transport()


def one_line(text: str) -> str:
    """A message on one line: a log entry per event, whatever a driver's message holds."""
    return " ".join(text.split())


def _stopping(stop: threading.Event | None) -> bool:
    return stop is not None and stop.is_set()
