"""A throwaway pgbouncer (Debian's package) in front of the throwaway PostgreSQL cluster.

It listens on a Unix socket in its own temp directory, trusts every user (as the cluster
does) and pools in the mode asked for. The pool is one server connection per database and
user, so clients *share* server connections: in transaction mode, whatever a client leaves
on a connection (a prepared statement, a SET, a session lock) meets the next client.

    with throwaway_postgres() as pg, throwaway_pgbouncer(pg, "transaction") as bouncer:
        url = bouncer.url(name)  # a database created on pg
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .postgres import PostgresServer

PGBOUNCER = Path("/usr/sbin/pgbouncer")
START_TIMEOUT = 10.0
# As root, pgbouncer must be told whom to run as (it refuses root), like PostgreSQL.
_ROOT_RUNS_AS = "postgres"

PoolMode = Literal["transaction", "session"]


class PgbouncerError(RuntimeError):
    """The throwaway pgbouncer could not be started."""


@dataclass(frozen=True)
class PgbouncerServer:
    socket_dir: Path
    port: int
    user: str
    pool_mode: PoolMode
    log_path: Path

    def url(self, name: str) -> str:
        """SQLAlchemy URL of database *name* (on the cluster), reached through pgbouncer."""
        return f"postgresql+psycopg://{self.user}@/{name}?host={self.socket_dir}&port={self.port}"


def _free_port() -> int:
    # The port only names the socket file (.s.PGSQL.PORT); a free TCP port keeps it unique.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _config(work_dir: Path, postgres: PostgresServer, port: int, mode: PoolMode) -> str:
    return f"""\
[databases]
* = host={postgres.socket_dir} port=5432

[pgbouncer]
listen_addr =
listen_port = {port}
unix_socket_dir = {work_dir}
auth_type = trust
auth_file = {work_dir / "userlist.txt"}
pool_mode = {mode}
default_pool_size = 1
max_client_conn = 100
server_reset_query = DISCARD ALL
ignore_startup_parameters = extra_float_digits,options
pidfile = {work_dir / "pgbouncer.pid"}
logfile = {work_dir / "pgbouncer.log"}
"""


@contextmanager
def throwaway_pgbouncer(postgres: PostgresServer, pool_mode: PoolMode,
                        base_dir: Path = Path("/tmp")) -> Iterator[PgbouncerServer]:
    """Start pgbouncer in *pool_mode* in front of *postgres*; stop it and delete its folder
    on exit. *base_dir*: as for :func:`~tests.servers.throwaway_postgres`."""
    if not os.access(PGBOUNCER, os.X_OK):
        raise PgbouncerError(f"{PGBOUNCER} missing: run .ci/install-system-deps")
    owner = _ROOT_RUNS_AS if os.geteuid() == 0 else None
    work_dir = Path(tempfile.mkdtemp(prefix="cvpgb", dir=base_dir))
    port = _free_port()
    (work_dir / "userlist.txt").write_text(f'"{postgres.user}" ""\n')
    config = work_dir / "pgbouncer.ini"
    config.write_text(_config(work_dir, postgres, port, pool_mode))
    log_path = work_dir / "pgbouncer.log"
    if owner:
        shutil.chown(work_dir, user=owner)
    command = [str(PGBOUNCER), "-q", *(["-u", owner] if owner else []), str(config)]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        socket_path = work_dir / f".s.PGSQL.{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while not socket_path.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                _, stderr = process.communicate()
                log = log_path.read_text() if log_path.exists() else ""
                raise PgbouncerError(f"pgbouncer did not start:\n{stderr.decode()}\n{log}")
            time.sleep(0.02)
        yield PgbouncerServer(socket_dir=work_dir, port=port, user=postgres.user,
                              pool_mode=pool_mode, log_path=log_path)
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=START_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr is not None:
            process.stderr.close()
        shutil.rmtree(work_dir, ignore_errors=True)
