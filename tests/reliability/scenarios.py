"""The reliability cases, each a function that runs it end to end and returns a
:class:`CaseResult`: what was tried, the faults injected, the bundles sent, and how many were
lost or doubled (both must be 0), with the invariant violations in words.

The CI tests call them with small sizes (``tests/test_reliability_*.py``); ``long_run`` calls
them with big ones (``make reliability``).
"""

from __future__ import annotations

import random
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cvbridge.store import Store
from tests.poll_support import Inbox, PollProcess, StoreView, cvbridge_command, wait_for
from tests.reliability.harness import (
    ClusterControl,
    CuttingLinks,
    Sent,
    bundle_pool,
    cli_env,
    filed,
    fill,
    left_in_inbox,
    local_inbox,
    reference,
    sftp_inbox,
    sftp_settings,
    sha256,
    small_tmpfs,
    tracebacks,
    work_files,
)
from tests.reliability.invariants import (
    Tally,
    count_lost_doubled,
    folder_tally,
    violations,
)
from tests.servers import SshServer

DAEMON = ("--interval", "0.2")
DRAIN_SECONDS = 90.0


@dataclass
class CaseResult:
    case: str
    tried: int = 0  # runs (crash cases) or streams (the others)
    kills: int = 0
    cuts: int = 0
    disk_full: int = 0
    db_down: int = 0
    tally: Tally = field(default_factory=Tally)
    notes: Counter[str] = field(default_factory=Counter)  # where kills landed, errors seen
    seconds: float = 0.0
    logs: dict[str, str] = field(default_factory=dict)  # for failure messages

    @property
    def ok(self) -> bool:
        return not self.tally.lost and not self.tally.doubled and not self.tally.problems

    def summary(self) -> str:
        return (f"{self.case}: {self.tried} tried, {self.kills} kills, {self.cuts} cuts, "
                f"{self.disk_full} disk-full, {self.db_down} db-down, {self.tally.bundles} "
                f"bundles, {self.tally.lost} lost, {self.tally.doubled} doubled "
                f"({self.seconds:.1f} s); {dict(self.notes)}; problems: "
                f"{self.tally.problems[:8]}")


def _upgrade(env: dict[str, str], cwd: Path) -> float:
    """``cvbridge db upgrade``; how long a cvbridge process takes to start and reach the
    store (the earliest moment a kill can hit anything)."""
    started = time.monotonic()
    run = subprocess.run(cvbridge_command("db", "upgrade"), env=env, cwd=cwd,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    return time.monotonic() - started


def handles_sigterm(pid: int) -> bool:
    """Whether the process has installed its SIGTERM handler (is past its imports): a SIGTERM
    before that ends it by the default action, before it could do anything."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next((line.split()[1] for line in status.splitlines()
                   if line.startswith("SigCgt:")), "0")
    return bool(int(caught, 16) & (1 << (signal.SIGTERM - 1)))


def _failed_without_errors(inbox: Inbox) -> list[str]:
    return [name for name in inbox.bundles(inbox.failed)
            if not (inbox.failed / f"{name}.errors.txt").exists()]


def _drain(inbox: Inbox, env: dict[str, str], cwd: Path, log: Path, expected: int,
           result: CaseResult, what: str = "drain") -> None:
    """A daemon until *expected* bundles are filed away, then SIGTERM: it must exit 0."""
    with PollProcess(env, DAEMON, log, cwd) as poll:
        wait_for(lambda: handles_sigterm(poll.pid) or poll.process.poll() is not None)
        drained = wait_for(lambda: inbox.drained(expected), timeout=DRAIN_SECONDS)
        returncode = poll.stop()
    result.logs[what] = poll.log()[-4000:]
    if not drained:
        result.tally.problems.append(
            f"{what}: not drained: inbox {inbox.bundles(inbox.inbox)}, processing "
            f"{inbox.bundles(inbox.processing)}")
    if returncode != 0:
        result.tally.problems.append(f"{what}: daemon exited {returncode}")


def _finish(result: CaseResult, url: str, expected_sent: Sent, inbox: Inbox | None,
            uploads: dict[str, bytes], logs: str) -> None:
    tally = count_lost_doubled(url, reference(expected_sent))
    if inbox is not None:
        tally.add(folder_tally(uploads, Counter(filed(inbox)), left_in_inbox(inbox)))
        tally.problems += [f"{name} in failed/ without its errors file"
                           for name in _failed_without_errors(inbox)]
    tally.bundles = len({sha256(data) for _, data in expected_sent})
    if tracebacks(logs):
        tally.problems.append(f"{tracebacks(logs)} tracebacks in the logs")
    result.tally.add(tally)


# -- 2. crash consistency -----------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """How long a cvbridge process takes to start and reach the store, and to ingest one
    bundle: kills are spread over the moments work is done, not over the imports."""

    startup: float
    per_bundle: float


def _calibrate(env: dict[str, str], cwd: Path, files: Path, samples: Sent) -> Timing:
    """Time a process that only reads the store, and an ingest in-process (into a scratch
    store: the campaign's store must only see the campaign's bundles)."""
    started = time.monotonic()
    subprocess.run(cvbridge_command("bundles", "list", "--status", "received"), env=env,
                   cwd=cwd, capture_output=True, timeout=60, check=True)
    startup = time.monotonic() - started
    scratch = files.parent / "calibration"
    scratch.mkdir()
    with Store(f"sqlite:///{scratch / 'store.db'}") as store:
        started = time.monotonic()
        for name, data in samples:
            (scratch / name).write_bytes(data)
            store.ingest(scratch / name)
        per_bundle = (time.monotonic() - started) / len(samples)
    if not env["CVBRIDGE_DB_URL"].startswith("sqlite"):
        per_bundle *= 2  # PostgreSQL round trips
    return Timing(startup, per_bundle)


def crash_campaign(case: str, db_url: str, root: Path, *, runs: int, seed: int,
                   server: SshServer | None = None) -> CaseResult:
    """*runs* processes, ``cvbridge ingest FILES`` and ``cvbridge poll`` in turn, each SIGKILLed
    at a random moment, the store checked after each kill; then a clean recovery (ingest
    again, poll until drained) and the final count. With *server*, the inbox is on SFTP,
    otherwise a local folder."""
    started = time.monotonic()
    result = CaseResult(case)
    rng = random.Random(seed)
    pool = bundle_pool(seed, max(2, runs))
    ingest_queue, poll_queue = pool[0::2], pool[1::2]
    poll_queue.append((f"again-{ingest_queue[0][0]}", ingest_queue[0][1]))  # via both paths
    files, work, log = root / "files", root / "work", root / "cvbridge.log"
    files.mkdir(parents=True)
    inbox = sftp_inbox(server) if server is not None else local_inbox(root / "vendor")
    settings = sftp_settings(server) if server is not None else {}
    env = cli_env(db_url, inbox=inbox.url, settle_seconds=0.1, lease_seconds=0.5,
                  work_dir=work, **settings)
    _upgrade(env, root)
    timing = _calibrate(env, root, files, [item for item in pool if item[0][0] == 'c'][:2])
    result.notes[f'startup {timing.startup:.2f} s, {timing.per_bundle * 1000:.0f} ms a bundle'] = 1
    store = StoreView(db_url)
    attempted: list[Path] = []
    uploads: dict[str, bytes] = {}
    for run in range(runs):
        before = store.primary_statuses()
        if run % 2 == 0:
            point, exited = _killed_ingest(env, root, log, rng, ingest_queue, files, attempted,
                                           timing)
            in_processing: list[str] = []
        else:
            point, exited = _killed_poll(env, root, log, rng, poll_queue, inbox, uploads,
                                         timing)
            in_processing = [sha256((inbox.processing / name).read_bytes())
                             for name in inbox.bundles(inbox.processing)]
            result.notes["work files left by kills"] += len(work_files(work))
        result.tried += 1
        result.kills += not exited
        result.notes[_kill_point(before, store.primary_statuses(), exited, in_processing,
                                 point)] += 1
        problems = violations(db_url)
        if problems:
            result.tally.problems += [f"after kill {run}: {problem}" for problem in problems]
            break

    # Recovery: every file ingested again (resumed, or a duplicate), the inbox drained.
    for name, data in ingest_queue:
        path = files / name
        if not path.exists():
            path.write_bytes(data)
    final = subprocess.run(cvbridge_command("ingest", *sorted(str(p) for p in files.iterdir())),
                           env=env, cwd=root, capture_output=True, text=True, timeout=300,
                           check=False)
    if final.returncode not in (0, 1) or tracebacks(final.stderr):
        result.tally.problems.append(f"recovery ingest exited {final.returncode}: "
                                     f"{final.stderr[-2000:]}")
    for name, data in poll_queue:
        if name not in uploads:
            inbox.upload(name, data)
            uploads[name] = data
    _drain(inbox, env, root, log, len(uploads), result)
    if work_files(work):
        result.tally.problems.append(f"downloads left in the work folder: {work_files(work)}")
    _finish(result, db_url, pool, inbox, uploads, log.read_text(errors="replace"))
    result.seconds = time.monotonic() - started
    return result


def _kill_after(process: subprocess.Popen[bytes], delay: float) -> bool:
    """SIGKILL *process* after *delay* seconds; whether it had exited on its own by then."""
    try:
        process.wait(timeout=delay)
        return True
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        return False


def _killed_ingest(env: dict[str, str], cwd: Path, log: Path, rng: random.Random,
                   queue: Sent, files: Path, attempted: list[Path], timing: Timing
                   ) -> tuple[str, bool]:
    new = []
    for _ in range(rng.randint(1, 2)):
        if len(attempted) < len(queue):
            name, data = queue[len(attempted)]
            path = files / name
            path.write_bytes(data)
            attempted.append(path)
            new.append(path)
    old = rng.sample(attempted[:len(attempted) - len(new)],
                     k=min(len(attempted) - len(new), rng.randint(0, 2)))
    args = new + old
    rng.shuffle(args)
    with log.open("ab") as out:
        process = subprocess.Popen(cvbridge_command("ingest", *map(str, args)), env=env,
                                   cwd=cwd, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=out)
    work = timing.per_bundle * sum(1.0 if path in new else 0.3 for path in args)
    exited = _kill_after(process, rng.uniform(timing.startup - 0.1, timing.startup + work))
    return "ingest", exited


def _killed_poll(env: dict[str, str], cwd: Path, log: Path, rng: random.Random, queue: Sent,
                 inbox: Inbox, uploads: dict[str, bytes], timing: Timing) -> tuple[str, bool]:
    sent = [item for item in queue if item[0] not in uploads][:rng.randint(1, 2)]
    if not sent and uploads:  # everything sent: send one again under a new name
        name, data = rng.choice(sorted(uploads.items()))
        sent = [(f"again{len(uploads)}-{name}", data)]
    for name, data in sent:
        inbox.upload(name, data)
        uploads[name] = data
    poll = PollProcess(env, DAEMON, log, cwd)
    try:
        poll.wait_log(r"claimed |resuming ", timeout=15)
        time.sleep(rng.uniform(0.0, timing.per_bundle * 1.2 * len(sent)))
        exited = poll.process.poll() is not None
        poll.kill()
    finally:
        poll.close()
    return "poll", exited


def _kill_point(before: dict[str, list[str]], after: dict[str, list[str]], exited: bool,
                in_processing: list[str], kind: str) -> str:
    """Where a kill landed, from what it left behind."""
    if exited:
        return f"{kind}: ended before the kill"
    if any("received" in statuses and "received" not in before.get(digest, [])
           for digest, statuses in after.items()):
        return f"{kind}: mid-bundle (bytes kept, not applied)"
    finished = {digest for digest, statuses in after.items() if statuses != ["received"]}
    if any(digest in finished for digest in in_processing):
        return f"{kind}: applied, not yet filed away"
    if in_processing:
        return f"{kind}: claimed, nothing stored yet"
    done_before = {digest for digest, statuses in before.items() if statuses != ["received"]}
    if finished - done_before:
        return f"{kind}: between bundles"
    return f"{kind}: before anything was stored"


# -- 3. several workers at once -----------------------------------------------------------------


def concurrent_stream(case: str, db_url: str, root: Path, server: SshServer, *, seed: int,
                      count: int = 40, workers: int = 3, seconds: float = 3.0) -> CaseResult:
    """*workers* poll daemons on one SFTP inbox and one store while a thread uploads *count*
    bundles over *seconds* (``.part`` then rename), among them the same bytes under two names
    at the same moment and a bundle already processed, sent again."""
    started = time.monotonic()
    result = CaseResult(case, tried=1)
    pool = bundle_pool(seed, max(1, count - 6))
    inbox = sftp_inbox(server)
    env = cli_env(db_url, inbox=inbox.url, settle_seconds=0.3, **sftp_settings(server))
    _upgrade(env, root)
    uploads: dict[str, bytes] = {}
    twins = pool[len(pool) // 2]
    errors: list[BaseException] = []

    def upload_stream() -> None:
        try:
            pause = seconds / (len(pool) + 3)
            for index, (name, data) in enumerate(pool):
                inbox.upload(name, data)
                uploads[name] = data
                if index == len(pool) // 2:  # the same bytes under two names, at once
                    _upload_together(inbox, {f"twin-a-{twins[0]}": twins[1],
                                             f"twin-b-{twins[0]}": twins[1]}, uploads)
                time.sleep(pause)
            # A bundle already processed, sent again.
            if wait_for(lambda: bool(inbox.bundles(inbox.processed)), timeout=30):
                done = inbox.bundles(inbox.processed)[0]
                data = (inbox.processed / done).read_bytes()
                inbox.upload(f"again-{done}", data)
                uploads[f"again-{done}"] = data
        except BaseException as exc:  # reported by the caller
            errors.append(exc)

    daemons = [PollProcess({**env, "CVBRIDGE_WORK_DIR": str(root / f"work-{n}")}, DAEMON,
                           root / f"worker-{n}.log", root) for n in range(workers)]
    try:
        for daemon in daemons:
            daemon.wait_log("connected to")
        uploader = threading.Thread(target=upload_stream)
        uploader.start()
        uploader.join(120)
        drained = wait_for(lambda: inbox.drained(len(uploads)), timeout=DRAIN_SECONDS)
        returncodes = [daemon.stop() for daemon in daemons]
    finally:
        for daemon in daemons:
            daemon.close()
    logs = "".join(daemon.log() for daemon in daemons)
    result.logs = {f"worker-{n}": daemon.log()[-3000:] for n, daemon in enumerate(daemons)}
    if errors or not drained or returncodes != [0] * workers:
        result.tally.problems.append(f"uploads {errors}, drained {drained}, exits "
                                     f"{returncodes}")
    ledger = StoreView(db_url).pickups()
    if sorted(row[0] for row in ledger) != sorted(uploads):
        result.tally.problems.append("the ledger does not list each upload once: "
                                     f"{Counter(row[0] for row in ledger).most_common(3)}")
    claims = len(re.findall(r"claimed \S+ \(", logs))
    if claims != len(uploads):
        result.tally.problems.append(f"{claims} claims for {len(uploads)} uploads")
    result.notes.update(Counter(row[4] for row in ledger))
    _finish(result, db_url, pool, inbox, uploads, logs)
    result.seconds = time.monotonic() - started
    return result


def _upload_together(inbox: Inbox, files: dict[str, bytes], uploads: dict[str, bytes]) -> None:
    parts = []
    for name, data in files.items():
        part = inbox.inbox / f"{name}.part"
        part.write_bytes(data)
        parts.append((part, inbox.inbox / name))
    for part, final in parts:
        part.rename(final)
    uploads.update(files)


# -- 4. exhaustion ------------------------------------------------------------------------------


def _error_lines(log: str, pattern: str) -> list[str]:
    return [line for line in log.splitlines() if re.search(pattern, line)]


def disk_full_work_dir(case: str, db_url: str, root: Path, server: SshServer, *,
                       seed: int) -> CaseResult:
    """The poller's work folder is a 2 MB tmpfs, nearly full: the download fails (ENOSPC).
    One line in the log, the bundle kept claimed and nothing stored; once space is freed, the
    retry ingests it once."""
    started = time.monotonic()
    result = CaseResult(case, tried=1)
    big = bundle_pool(seed, 1, per_bundle=10)
    big = [item for item in big if item[0].startswith("c")]
    inbox = sftp_inbox(server)
    with small_tmpfs(root / "work") as work:
        env = cli_env(db_url, inbox=inbox.url, settle_seconds=0.1, work_dir=work,
                      **sftp_settings(server))
        _upgrade(env, root)
        ballast = fill(work, leave=48 * 1024)
        for name, data in big:
            inbox.upload(name, data)
        with PollProcess(env, DAEMON, root / "poll.log", root) as poll:
            failed = poll.wait_log(r"inbox error \(1 in a row\).*No space left", timeout=30)
            result.disk_full += failed
            held = inbox.bundles(inbox.processing) == [big[0][0]]
            stored = StoreView(db_url).statuses()
            ballast.unlink()
            drained = wait_for(lambda: inbox.drained(1), timeout=DRAIN_SECONDS)
            returncode = poll.stop()
        log = poll.log()
    result.logs["poll"] = log[-4000:]
    lines = _error_lines(log, "No space left")
    result.notes["error lines"] = len(lines)
    if not (failed and held and not stored and drained and returncode == 0):
        result.tally.problems.append(f"disk full: error seen {failed}, kept claimed {held}, "
                                     f"stored meanwhile {dict(stored)}, drained {drained}, "
                                     f"exit {returncode}")
    _finish(result, db_url, big, inbox, dict(big), log)
    result.seconds = time.monotonic() - started
    return result


def disk_full_store(case: str, root: Path, *, seed: int) -> CaseResult:
    """The SQLite store lives on a 2 MB tmpfs, nearly full: keeping the bundle's bytes fails.
    ``poll --once`` exits 4 with one line; a daemon logs one line per attempt and backs off;
    nothing is half-written and the bundle is back in the inbox; once space is freed, it is
    ingested once."""
    started = time.monotonic()
    result = CaseResult(case, tried=1)
    big = [item for item in bundle_pool(seed, 1, per_bundle=10) if item[0].startswith("c")]
    inbox = local_inbox(root / "vendor")
    with small_tmpfs(root / "db") as db_dir:
        db_url = f"sqlite:///{db_dir / 'store.db'}"
        env = cli_env(db_url, inbox=inbox.url, settle_seconds=0.1, work_dir=root / "work")
        _upgrade(env, root)
        ballast = fill(db_dir, leave=160 * 1024)
        for name, data in big:
            inbox.upload(name, data)
        once = subprocess.run(cvbridge_command("poll", "--once"), env=env, cwd=root,
                              capture_output=True, text=True, timeout=60, check=False)
        result.disk_full += 1
        last = once.stderr.strip().splitlines()[-1:] or [""]
        result.logs["once"] = once.stderr[-3000:]
        once_ok = (once.returncode == 4 and last[0].startswith("cvbridge: error: ")
                   and "full" in last[0] and not tracebacks(once.stderr))
        back = inbox.bundles(inbox.inbox) == [big[0][0]]
        # Reading a WAL store needs room for its index too: look with the ballast gone.
        ballast.unlink()
        half = violations(db_url) + [f"{count} bundle rows" for count in
                                     [sum(StoreView(db_url).statuses().values())] if count]
        ballast = fill(db_dir, leave=160 * 1024)
        with PollProcess(env, DAEMON, root / "poll.log", root) as poll:
            failed = poll.wait_log(r"store error \(1 in a row\).*(full|disk)", timeout=30)
            result.disk_full += failed
            ballast.unlink()
            drained = wait_for(lambda: inbox.drained(1), timeout=DRAIN_SECONDS)
            returncode = poll.stop()
        log = poll.log()
        result.logs["poll"] = log[-4000:]
        if not (once_ok and back and not half and failed and drained and returncode == 0):
            result.tally.problems.append(
                f"store full: --once exit {once.returncode} {last[0]!r}, back in inbox {back}, "
                f"half-written {half}, daemon error {failed}, drained {drained}, "
                f"exit {returncode}")
        _finish(result, db_url, big, inbox, dict(big), log + once.stderr)
    result.seconds = time.monotonic() - started
    return result


def database_down(case: str, cluster: ClusterControl, db_url: str, root: Path,
                  server: SshServer, *, seed: int, count: int = 10,
                  outages: int = 1) -> CaseResult:
    """PostgreSQL stopped (``pg_ctl stop -m immediate``) while a daemon ingests a stream:
    one-line errors, the bundles kept (processing/ or back in the inbox), retries with
    backoff; once the cluster is back everything is ingested once."""
    started = time.monotonic()
    result = CaseResult(case, tried=1)
    pool = bundle_pool(seed, count)
    inbox = sftp_inbox(server)
    env = cli_env(db_url, inbox=inbox.url, settle_seconds=0.1, **sftp_settings(server))
    _upgrade(env, root)
    uploads: dict[str, bytes] = {}
    queue = list(pool)

    def send(how_many: int) -> None:
        for name, data in queue[:how_many]:
            inbox.upload(name, data)
            uploads[name] = data
        del queue[:how_many]

    per_outage = max(1, len(pool) // (2 * outages + 1))
    lost_meanwhile: list[str] = []
    with PollProcess(env, DAEMON, root / "poll.log", root) as poll:
        for _ in range(outages):
            done = poll.log().count("cvbridge.poll: bundle ")
            send(per_outage)
            wait_for(lambda n=done: poll.log().count("cvbridge.poll: bundle ") > n, timeout=30)
            cluster.stop_immediate()  # while the stream is being ingested
            result.db_down += 1
            errors_before = poll.log().count("store error (")
            send(2)  # more arrives while the store is down
            wait_for(lambda n=errors_before: poll.log().count("store error (") >= n + 2,
                     timeout=30)
            kept = (inbox.bundles(inbox.inbox) + inbox.bundles(inbox.processing)
                    + inbox.bundles(inbox.processed) + inbox.bundles(inbox.failed))
            lost_meanwhile += sorted(set(uploads) - set(kept))
            back = poll.log().count("reachable again")
            cluster.start()
            wait_for(lambda n=back: poll.log().count("reachable again") > n, timeout=30)
        send(len(queue))
        drained = wait_for(lambda: inbox.drained(len(uploads)), timeout=DRAIN_SECONDS)
        returncode = poll.stop()
    log = poll.log()
    result.logs["poll"] = log
    store_errors = _error_lines(log, r"store error \(")
    result.notes["store error lines"] = len(store_errors)
    if lost_meanwhile or not store_errors or not drained or returncode != 0:
        result.tally.problems.append(f"db down: missing while down {lost_meanwhile}, error "
                                     f"lines {len(store_errors)}, drained {drained}, "
                                     f"exit {returncode}")
    _finish(result, db_url, pool, inbox, uploads, log)
    result.seconds = time.monotonic() - started
    return result


def link_cuts(case: str, db_url: str, root: Path, server: SshServer, *, seed: int,
              count: int = 12, cuts: int = 6) -> CaseResult:
    """The SFTP link is cut at random points of the first *cuts* connections while a daemon
    takes a stream of bundles: each cut is retried from where it stopped; nothing is lost."""
    started = time.monotonic()
    result = CaseResult(case, tried=1)
    pool = bundle_pool(seed, count, per_bundle=8)
    inbox = sftp_inbox(server)
    proxy = CuttingLinks(server.port, cuts, random.Random(seed))
    url = inbox.url.replace(f":{server.port}/", f":{proxy.port}/")
    env = cli_env(db_url, inbox=url, settle_seconds=0.1, ssh_key=server.client_key_path,
                  known_hosts=proxy.known_hosts(server, root / "known_hosts"))
    _upgrade(env, root)
    uploads = dict(pool)
    for name, data in pool:
        inbox.upload(name, data)
    try:
        _drain(inbox, env, root, root / "poll.log", len(uploads), result, "cuts")
    finally:
        proxy.close()
    result.cuts = proxy.cuts
    log = (root / "poll.log").read_text(errors="replace")
    _finish(result, db_url, pool, inbox, uploads, log)
    result.seconds = time.monotonic() - started
    return result
