"""What the reliability cases send, what a clean run makes of it, and the faults they inject.

Nothing here stands in for cvbridge: the CLI runs as real processes against real stores (a
SQLite file, a throwaway PostgreSQL cluster) and real inboxes (a local folder, the throwaway
sshd). These helpers only build bundles, start, kill, cut, fill and stop things, and count.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from cvbridge.store import Store
from tests.poll_support import CuttingProxy, Inbox, corpus_bundles, invalid_sample
from tests.reliability.invariants import Expected
from tests.servers import PostgresServer, SshServer
from tests.store_bundles import bundle, person, simple_cv

Sent = list[tuple[str, bytes]]  # (file name, bytes), in the order they are sent

INVALID = ("error-manifest-missing.zip", "error-key-missing.zip")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- what is sent -------------------------------------------------------------------------------


def bundle_pool(seed: int, count: int, *, per_bundle: int = 3) -> Sent:
    """*count* realistic bundles of the corpus, plus bundles that exercise the other paths:
    two refused ones (failed, with their findings), a partial one (a candidate without its
    CV), and two bundles about the same two people (one creates them, the other updates their
    record and makes the new CV current, whichever comes first)."""
    pool: Sent = [(f"c{seed}-{index:03d}.zip", data) for index, data in
                  enumerate(corpus_bundles(count, per_bundle=per_bundle, seed=seed))]
    pool += [(f"bad{seed}-{index}.zip", invalid_sample(name)) for index, name in
             enumerate(INVALID)]
    partial = [person(f"P{seed}-1", "Martin", "Luc"), person(f"P{seed}-2", "Durand", "Eva")]
    pool.append((f"part{seed}.zip", bundle(partial, bundle_id=f"PART-{seed}",
                                           omit=[f"cvs/P{seed}-2.docx"])))
    for version in ("A", "B"):
        people = [person(f"U{seed}-{n}", "Leroy", f"Nina{n}", city=f"Ville{version}")
                  for n in (1, 2)]
        pool.append((f"upd{seed}-{version}.zip", bundle(
            people, bundle_id=f"UPD-{seed}-{version}",
            cvs={f"cvs/U{seed}-{n}.docx": _cv(f"CV {version} {n} {seed}") for n in (1, 2)})))
    random.Random(seed).shuffle(pool)
    return pool


def _cv(text: str) -> bytes:
    return simple_cv(text, "Ingenieur")


def reference(sent: Sent) -> Expected:
    """What a clean, uninterrupted run makes of *sent*: the final status of each distinct
    content and the candidates created (ingested in-process into a scratch SQLite store)."""
    expected = Expected()
    with tempfile.TemporaryDirectory(prefix="cvref") as scratch:
        url = f"sqlite:///{scratch}/reference.db"
        with Store(url) as store:
            for index, (name, data) in enumerate(sent):
                digest = sha256(data)
                if digest in expected.statuses:
                    continue
                path = Path(scratch) / f"{index}.zip"
                path.write_bytes(data)
                expected.statuses[digest] = store.ingest(path, filename=name).status
            with store.engine.connect() as connection:
                expected.identifiers = {
                    (str(vendor), str(external_id)) for vendor, external_id in
                    connection.execute(text("SELECT vendor, external_id FROM external_ref"))}
                expected.people = int(connection.execute(
                    text("SELECT count(*) FROM candidate")).scalar_one())
    return expected


# -- the CLI as processes -----------------------------------------------------------------------


def cli_env(db_url: str, **settings: str | Path | float | None) -> dict[str, str]:
    """The environment of a cvbridge process: ours, without any CVBRIDGE_* of the caller."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CVBRIDGE_")}
    env["CVBRIDGE_DB_URL"] = db_url
    for key, value in settings.items():
        if value is not None:
            env[f"CVBRIDGE_{key.upper()}"] = str(value)
    return env


def sftp_settings(server: SshServer) -> dict[str, str | Path | float | None]:
    return {"ssh_key": server.client_key_path, "known_hosts": server.known_hosts_path}


def local_inbox(root: Path) -> Inbox:
    (root / "inbox").mkdir(parents=True)
    return Inbox(root, str(root / "inbox"))


def sftp_inbox(server: SshServer) -> Inbox:
    root = server.root_dir / f"r_{uuid.uuid4().hex[:12]}"
    root.mkdir()
    return Inbox.on(server, root)


def filed(inbox: Inbox) -> dict[str, int]:
    """Contents in processed/ and failed/ (sha256 -> files)."""
    counts: dict[str, int] = {}
    for folder in (inbox.processed, inbox.failed):
        for name in inbox.bundles(folder):
            digest = sha256((folder / name).read_bytes())
            counts[digest] = counts.get(digest, 0) + 1
    return counts


def left_in_inbox(inbox: Inbox) -> int:
    return len(inbox.bundles(inbox.inbox)) + len(inbox.bundles(inbox.processing))


def work_files(work: Path) -> list[str]:
    """Downloads in a poller's work folder (left by a killed poller, until swept)."""
    if not work.is_dir():
        return []
    return sorted(path.name for path in work.iterdir() if "bundle-" in path.name)


def tracebacks(text: str) -> int:
    return text.count("Traceback (most recent call last)")


# -- faults -------------------------------------------------------------------------------------


@contextlib.contextmanager
def small_tmpfs(path: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of *size* mounted on *path* (root only), unmounted afterwards whatever
    happened."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
                   check=True, capture_output=True)
    try:
        yield path
    finally:
        for _ in range(50):  # a process that just died may still hold a file there
            result = subprocess.run(["umount", str(path)], capture_output=True, check=False)
            if result.returncode == 0:
                break
            threading.Event().wait(0.1)
        else:
            subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def can_mount() -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    with tempfile.TemporaryDirectory(prefix="cvmnt") as scratch:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", scratch],
                                capture_output=True, check=False)
        if result.returncode != 0:
            return False
        subprocess.run(["umount", scratch], capture_output=True, check=False)
    return True


def fill(folder: Path, leave: int) -> Path:
    """Fill the filesystem of *folder* until about *leave* bytes are free; the ballast file."""
    ballast = folder / "ballast"
    free = shutil.disk_usage(folder).free
    with ballast.open("wb") as out:
        remaining = max(0, free - leave)
        block = b"\0" * 65536
        try:
            while remaining > 0:
                remaining -= out.write(block[:min(len(block), remaining)])
        except OSError:
            pass
    return ballast


@dataclass
class ClusterControl:
    """Stop and start a throwaway PostgreSQL cluster (one started for the test: the
    session-wide one is never stopped).

    The throwaway clusters run with ``synchronous_commit = off`` (speed): a commit is then
    acknowledged before its WAL is written, and ``pg_ctl stop -m immediate`` loses the last
    few hundred milliseconds of commits -- bundles cvbridge was told were stored, and filed
    away. A real store keeps the default (``on``); so does this cluster, from here on."""

    server: PostgresServer

    def __post_init__(self) -> None:
        import psycopg

        with psycopg.connect(host=str(self.server.socket_dir), user=self.server.user,
                             dbname="postgres", autocommit=True) as connection:
            connection.execute("ALTER SYSTEM SET synchronous_commit = on")
            connection.execute("SELECT pg_reload_conf()")

    @property
    def data_dir(self) -> Path:
        return self.server.socket_dir / "data"

    def _pg_ctl(self, *args: str) -> None:
        owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*owner, "pg_ctl", *args, "-D", str(self.data_dir)], check=True,
                       capture_output=True, cwd=self.server.socket_dir, timeout=60)

    def stop_immediate(self) -> None:
        self._pg_ctl("stop", "--wait", "-m", "immediate")

    def start(self) -> None:
        self._pg_ctl("start", "--wait", "-l", str(self.server.socket_dir / "server.log"))


class CuttingLinks(CuttingProxy):
    """A TCP proxy to the sshd that cuts each of its first *cuts* connections after a random
    number of bytes from the server (between *low* and *high*), as a flaky link would."""

    def __init__(self, target_port: int, cuts: int, rng: random.Random,
                 low: int = 20_000, high: int = 400_000) -> None:
        self.remaining = cuts
        self._rng = rng
        self._range = (low, high)
        super().__init__(target_port, cut_after=0)  # starts accepting: set the rest first

    def _next_limit(self) -> int | None:
        if self.remaining <= 0:
            return None
        self.remaining -= 1
        return self._rng.randint(*self._range)
