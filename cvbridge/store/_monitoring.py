"""What ``cvbridge status`` reads: the pollers' rounds, the claims they hold, and the bundles
received in a window, judged the way monitoring plugins judge (OK, WARNING, CRITICAL).

Only reads happen here for the report, so it works on a read-only store (a copy of the SQLite
file, a PostgreSQL replica). The pollers write their rounds and claims as they go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, delete, func, select

from cvbridge._errors import ConfigError
from cvbridge._i18n import _
from cvbridge.store._mapping import now_utc
from cvbridge.store._tables import BundleRecord, FindingRecord, InboxClaim, PollWorker

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd]?)")
# Rows of pollers silent this long are dropped when a new worker registers: the table keeps
# one row per process, and processes come and go.
_FORGET_WORKERS_AFTER = timedelta(days=30)


def parse_duration(text: str) -> float:
    """Seconds in ``90s``, ``30m``, ``24h``, ``7d`` or a plain number of seconds."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ConfigError(_("not a duration: {text!r} (examples: 90s, 30m, 24h, 7d)")
                          .format(text=text))
    return float(match.group(1)) * _UNITS[match.group(2) or "s"]


def format_duration(seconds: float) -> str:
    """The largest whole unit: 86400 -> ``24h`` (hours up to two days), 90 -> ``90s``."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0 and not (unit == "d" and seconds <= 172800):
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


# -- what the pollers write -----------------------------------------------------------------


def record_round(session: Session, *, inbox: str, worker: str, ok: bool,
                 error: str | None) -> None:
    now = now_utc()
    row = session.exec(select(PollWorker).where(PollWorker.inbox == inbox,
                                                PollWorker.worker == worker)).first()
    if row is None:
        session.exec(delete(PollWorker).where(
            col(PollWorker.last_round_at) < now - _FORGET_WORKERS_AFTER))
        row = PollWorker(inbox=inbox, worker=worker, started_at=now, last_round_at=now)
    row.last_round_at = now
    if ok:
        row.last_success_at, row.failures, row.last_error = now, 0, None
    else:
        row.failures += 1
        row.last_error = error
    session.add(row)


def record_claim(session: Session, *, inbox: str, name: str, worker: str) -> None:
    session.add(InboxClaim(inbox=inbox, name=name, worker=worker, claimed_at=now_utc()))


def forget_claim(session: Session, *, inbox: str, name: str) -> None:
    session.exec(delete(InboxClaim).where(
        col(InboxClaim.inbox) == inbox, col(InboxClaim.name) == name))


# -- what status reads ----------------------------------------------------------------------


@dataclass
class StatusReport:
    """The daily check. ``state`` is OK, WARNING or CRITICAL; ``problems`` say why."""

    state: str
    window: str
    bundles: int
    failed: int
    partial: int
    oldest_claim_seconds: int
    stuck_claims: list[dict[str, Any]] = field(default_factory=list)
    last_poll: datetime | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"state": self.state, "window": self.window, "bundles": self.bundles,
                "failed": self.failed, "partial": self.partial,
                "stuck_claims": self.stuck_claims,
                "last_poll": None if self.last_poll is None else self.last_poll.isoformat(),
                "problems": self.problems}


def _age(now: datetime, then: datetime) -> int:
    return max(0, int((now - then).total_seconds()))


def status_report(session: Session, *, since_seconds: float, lease_seconds: float,
                  stale_seconds: float) -> StatusReport:
    """The bundles received in the last *since_seconds*, the claims held longer than
    *lease_seconds*, and whether a poll succeeded in the last *stale_seconds* (0: not
    checked)."""
    now = now_utc()
    start = now - timedelta(seconds=since_seconds)
    counts = dict(session.exec(
        select(BundleRecord.status, func.count()).where(
            col(BundleRecord.received_at) >= start).group_by(col(BundleRecord.status))).all())
    refused = session.exec(select(BundleRecord).where(
        col(BundleRecord.received_at) >= start,
        col(BundleRecord.status).in_(("failed", "partial"))).order_by(
        col(BundleRecord.id))).all()
    # A failed bundle sent again unchanged is refused again (filed to failed/): it counts.
    failed_ids = select(BundleRecord.id).where(BundleRecord.status == "failed")
    resent = session.exec(select(BundleRecord).where(
        col(BundleRecord.received_at) >= start, BundleRecord.status == "duplicate",
        col(BundleRecord.duplicate_of).in_(failed_ids)).order_by(col(BundleRecord.id))).all()
    # Findings are kept on the first receipt.
    finding_of = {record.id or 0: record.duplicate_of or record.id or 0
                  for record in [*refused, *resent]}
    first_codes: dict[int, str] = {}
    if finding_of:
        for bundle, code in session.exec(select(FindingRecord.bundle, FindingRecord.code).where(
                col(FindingRecord.bundle).in_(set(finding_of.values()))).order_by(
                col(FindingRecord.id))).all():
            first_codes.setdefault(bundle, code)
    problems: list[dict[str, Any]] = [
        {"kind": "failed" if record.status == "duplicate" else record.status,
         "bundle": record.id, "name": record.filename,
         "code": first_codes.get(finding_of[record.id or 0]),
         "age_seconds": _age(now, record.received_at)}
        for record in sorted([*refused, *resent], key=lambda r: r.id or 0)]

    claims = session.exec(select(InboxClaim).order_by(col(InboxClaim.claimed_at))).all()
    oldest = _age(now, claims[0].claimed_at) if claims else 0
    stuck = [{"name": claim.name, "inbox": claim.inbox, "worker": claim.worker,
              "age_seconds": _age(now, claim.claimed_at)}
             for claim in claims if _age(now, claim.claimed_at) > lease_seconds]
    problems += [{"kind": "stuck claim", **claim} for claim in stuck]

    last_poll = session.exec(select(func.max(PollWorker.last_success_at))).first()
    stale = stale_seconds > 0 and (last_poll is None or _age(now, last_poll) > stale_seconds)
    if stale:
        problems.append({"kind": "no poll", "age_seconds": None if last_poll is None
                         else _age(now, last_poll), "stale_seconds": int(stale_seconds)})

    failed, partial = counts.get("failed", 0) + len(resent), counts.get("partial", 0)
    state = "CRITICAL" if failed else "WARNING" if partial or stuck or stale else "OK"
    return StatusReport(state=state, window=format_duration(since_seconds),
                        bundles=sum(counts.values()), failed=failed, partial=partial,
                        oldest_claim_seconds=oldest, stuck_claims=stuck, last_poll=last_poll,
                        problems=problems)
