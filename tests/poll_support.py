"""Helpers for the end-to-end tests of ``cvbridge poll``: an inbox on the throwaway sshd,
the CLI as a real process, a view of the store in plain SQL, and a TCP proxy that cuts links.

Nothing here stands in for cvbridge code: the poller, the transports and the store are the
real ones; these helpers only upload, watch and count.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from samples.cvgen import corpus as _corpus
from tests.servers import SshServer

# How long a condition may take before a test gives up: generous (2 cores, shared), bounded.
DEADLINE = 30.0


def wait_for(condition: Callable[[], bool], timeout: float = DEADLINE,
             interval: float = 0.02) -> bool:
    """Poll *condition* until it holds (True) or *timeout* seconds passed (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- bundles ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _photos_cached() -> Iterator[None]:
    """The corpus generator draws its 16 ID photos again for every bundle (~1 s); they depend
    only on their seed strings, so a cache gives the same bytes much faster."""
    namespace = vars(_corpus)
    original = namespace["photo_png"]
    namespace["photo_png"] = functools.cache(original)
    try:
        yield
    finally:
        namespace["photo_png"] = original


def corpus_bundles(count: int, per_bundle: int = 3, seed: int = 0, *,
                   start: int = 0) -> list[bytes]:
    """The bytes of realistic bundles ``start .. start+count-1`` of the corpus for *seed*."""
    with _photos_cached():
        return [_corpus.corpus_bundle(seed, index, per_bundle)
                for index in range(start, start + count)]


SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def invalid_sample(name: str = "error-manifest-missing.zip") -> bytes:
    return (SAMPLES / "conformance" / name).read_bytes()


def expected_codes(name: str = "error-manifest-missing.zip") -> list[str]:
    cases = json.loads((SAMPLES / "conformance" / "cases.json").read_text())
    codes: list[str] = next(case["expected"] for case in cases if case["file"] == name)
    return codes


def personal_data(bundle: bytes) -> set[str]:
    """Names, e-mails and phones of the candidates in *bundle*: none may reach a log."""
    found: set[str] = set()
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        for member in archive.namelist():
            if not member.startswith("candidats/"):
                continue
            for line in archive.read(member).decode("utf-8").splitlines():
                key, _, value = line.partition(": ")
                if key in ("last_name", "email", "phone") and len(value) >= 4:
                    found.add(value)
                if key == "first_name":
                    found.add(value)
    return found


# -- the inbox --------------------------------------------------------------------------------


@dataclass
class Inbox:
    """An inbox folder on the SFTP server's disk and its three siblings."""

    root: Path  # the vendor folder, holding inbox/ processing/ processed/ failed/
    url: str

    @classmethod
    def on(cls, server: SshServer, sftp_root: Path) -> Inbox:
        (sftp_root / "inbox").mkdir()
        return cls(sftp_root, server.url((sftp_root / "inbox").relative_to(server.root_dir)))

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def processing(self) -> Path:
        return self.root / "processing"

    @property
    def processed(self) -> Path:
        return self.root / "processed"

    @property
    def failed(self) -> Path:
        return self.root / "failed"

    def upload(self, name: str, data: bytes, *, mtime: float | None = None) -> Path:
        """Upload as a careful vendor does: ``NAME.part``, then a rename."""
        part = self.inbox / f"{name}.part"
        part.write_bytes(data)
        if mtime is not None:
            os.utime(part, (mtime, mtime))
        final = self.inbox / name
        part.rename(final)
        return final

    @staticmethod
    def names(folder: Path) -> list[str]:
        if not folder.is_dir():
            return []
        return sorted(path.name for path in folder.iterdir() if not path.name.startswith("."))

    def bundles(self, folder: Path) -> list[str]:
        return [name for name in self.names(folder) if name.endswith(".zip")]

    def digests(self, folder: Path) -> Counter[str]:
        return Counter(sha256((folder / name).read_bytes()) for name in self.bundles(folder))

    def drained(self, expected: int) -> bool:
        """Nothing left in the inbox or in processing/, *expected* bundles filed away."""
        done = len(self.bundles(self.processed)) + len(self.bundles(self.failed))
        return not self.bundles(self.inbox) and not self.bundles(self.processing) and (
            done == expected)


# -- the CLI as a process ---------------------------------------------------------------------


def poll_env(inbox: Inbox, server: SshServer, db_url: str, work: Path,
             **overrides: str | Path | float | None) -> dict[str, str]:
    """The environment of a ``cvbridge poll`` process; a None override removes a variable."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CVBRIDGE_")}
    settings: dict[str, str | Path | float | None] = {
        "CVBRIDGE_INBOX": inbox.url,
        "CVBRIDGE_SSH_KEY": server.client_key_path,
        "CVBRIDGE_KNOWN_HOSTS": server.known_hosts_path,
        "CVBRIDGE_SETTLE_SECONDS": 0.2,
        "CVBRIDGE_DB_URL": db_url,
        "CVBRIDGE_WORK_DIR": work,
        **overrides,
    }
    env.update({key: str(value) for key, value in settings.items() if value is not None})
    return env


def cvbridge_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "cvbridge", *args]


def run_cvbridge(env: Mapping[str, str], *args: str, cwd: Path,
                 timeout: float = DEADLINE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cvbridge_command(*args), env=dict(env), cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, check=False)


@dataclass
class PollProcess:
    """``cvbridge poll ARGS`` running in the background, stderr (its log) kept in a file."""

    env: Mapping[str, str]
    args: tuple[str, ...]
    log_path: Path
    cwd: Path
    process: subprocess.Popen[bytes] = field(init=False)

    def __post_init__(self) -> None:
        self._log_start = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                cvbridge_command("poll", *self.args), env=dict(self.env), cwd=self.cwd,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        """What this process wrote so far (not what earlier runs left in the same file)."""
        return self.log_path.read_bytes()[self._log_start:].decode("utf-8", errors="replace")

    def wait_log(self, pattern: str, timeout: float = DEADLINE) -> bool:
        """Wait until the log matches *pattern* (a regex); False if it exited or timed out."""
        regex = re.compile(pattern)
        return wait_for(lambda: bool(regex.search(self.log())) or self.process.poll() is not None,
                        timeout) and bool(regex.search(self.log()))

    def signal(self, signum: signal.Signals) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signum)

    def wait(self, timeout: float = DEADLINE) -> int:
        return self.process.wait(timeout=timeout)

    def stop(self, timeout: float = DEADLINE) -> int:
        """SIGTERM, then wait for the exit status."""
        self.signal(signal.SIGTERM)
        return self.wait(timeout)

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would, and reap it."""
        self.signal(signal.SIGKILL)
        self.process.wait(timeout=DEADLINE)

    def close(self) -> None:
        """Never leave a daemon behind: kill it if it still runs."""
        if self.process.poll() is None:
            self.kill()

    def __enter__(self) -> PollProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


# -- the store, in plain SQL ------------------------------------------------------------------


@dataclass
class StoreView:
    """Counts read straight from the store's tables, independent of the Store API."""

    url: str

    def rows(self, query: str, **params: Any) -> list[tuple[Any, ...]]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return [tuple(row) for row in connection.execute(text(query), params)]
        finally:
            engine.dispose()

    def statuses(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for status, count in self.rows("SELECT status, count(*) FROM bundle GROUP BY status"):
            counts[status] = int(count)
        return counts

    def primary_statuses(self) -> dict[str, list[str]]:
        """sha256 -> statuses of its primary records (one each, if nothing was doubled)."""
        found: dict[str, list[str]] = {}
        for digest, status in self.rows(
                "SELECT sha256, status FROM bundle WHERE duplicate_of IS NULL ORDER BY id"):
            found.setdefault(digest, []).append(status)
        return found

    def blobs(self) -> set[str]:
        return {digest for (digest,) in self.rows("SELECT sha256 FROM bundle_blob")}

    def candidates(self) -> int:
        return int(self.rows("SELECT count(*) FROM candidate")[0][0])

    def doubled_candidates(self) -> list[tuple[Any, ...]]:
        """(vendor, external_id) held by more than one candidate: must be empty."""
        return self.rows("SELECT vendor, external_id, count(*) FROM candidate "
                         "GROUP BY vendor, external_id HAVING count(*) > 1")

    def pickups(self) -> list[tuple[Any, ...]]:
        """The inbox ledger: (name, size, mtime, sha256, status, outcome) in order."""
        return self.rows("SELECT name, size, mtime, sha256, status, outcome FROM inbox_pickup "
                         "ORDER BY id")


# -- a link that breaks -----------------------------------------------------------------------


class CuttingProxy:
    """Forwards 127.0.0.1:port to the sshd; cuts its first connection after *cut_after* bytes
    from the server, closing both sockets as a dropped link would."""

    def __init__(self, target_port: int, cut_after: int) -> None:
        self.target_port = target_port
        self.cut_after = cut_after
        self.cuts = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def known_hosts(self, server: SshServer, path: Path) -> Path:
        """A known_hosts file pinning the server's key under the proxy's address."""
        path.write_text(server.known_hosts_path.read_text().replace(
            f":{server.port} ", f":{self.port} "))
        return path

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                limit = self._next_limit()
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._pump, args=(client, server, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, limit), daemon=True).start()

    def _next_limit(self) -> int | None:
        """Bytes from the server after which a new connection is cut (None: never)."""
        return self.cut_after if self.connections == 1 else None

    def _pump(self, src: socket.socket, dst: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while data := src.recv(65536):
                dst.sendall(data)
                sent += len(data)
                if limit is not None and sent >= limit:
                    with self._lock:
                        self.cuts += 1
                    break
        except OSError:
            pass
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._listener.close()
