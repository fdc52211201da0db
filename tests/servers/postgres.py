"""A throwaway PostgreSQL cluster reachable only through a Unix socket in a temp directory.

Usable from pytest fixtures and from plain scripts (benchmarks)::

    with throwaway_postgres() as pg:
        url = pg.create_database("bench")
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

# The Unix socket lives in the cluster directory; its full path must fit sockaddr_un.sun_path.
_MAX_SOCKET_PATH = 107
_SOCKET_NAME = ".s.PGSQL.5432"
_ROOT_RUNS_AS = "postgres"

# Tuned for tests: durability is worthless for a cluster deleted at exit.
_SERVER_SETTINGS = {
    "listen_addresses": "''",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
    "max_connections": "50",
}


class PostgresError(RuntimeError):
    """The throwaway cluster could not be created or started."""


@dataclass(frozen=True)
class PostgresServer:
    socket_dir: Path
    user: str

    def _connect_admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=str(self.socket_dir), user=self.user, dbname="postgres", autocommit=True
        )

    def url(self, name: str) -> str:
        """SQLAlchemy URL of database *name* on this cluster."""
        return f"postgresql+psycopg://{self.user}@/{name}?host={self.socket_dir}"

    def create_database(self, name: str) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        with self._connect_admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database even if a test leaked connections to it."""
        with self._connect_admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    def checkpoint(self) -> None:
        """Write every dirty buffer out now (the benchmark settles between figures)."""
        with self._connect_admin() as conn:
            conn.execute("CHECKPOINT")

    def extension_available(self, name: str) -> bool:
        """Whether ``CREATE EXTENSION name`` can succeed (its contrib files are installed)."""
        with self._connect_admin() as conn:
            row = conn.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = %s", (name,)
            ).fetchone()
        return row is not None


def _as_owner(args: list[str], owner: str | None) -> list[str]:
    # PostgreSQL refuses to run as root, so as root everything runs as the owner account.
    return ["runuser", "-u", owner, "--", *args] if owner else args


def _run(args: list[str], owner: str | None, cwd: Path) -> None:
    result = subprocess.run(
        _as_owner(args, owner), cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise PostgresError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}"
        )


@contextmanager
def throwaway_postgres(base_dir: Path = Path("/tmp")) -> Iterator[PostgresServer]:
    """Run a fresh cluster in a new directory under *base_dir*; stop and delete it on exit.

    The server runs as the current user, or as ``postgres`` when that is root. *base_dir*
    must be short (the socket path limit) and, as root, traversable by ``postgres``: the
    default /tmp is both, pytest's 0700 tmp_path is not.
    """
    for binary in ("initdb", "pg_ctl", "postgres"):
        if shutil.which(binary) is None:
            raise PostgresError(f"{binary} not on PATH: run .ci/install-system-deps")
    owner = _ROOT_RUNS_AS if os.geteuid() == 0 else None
    cluster_dir = Path(tempfile.mkdtemp(prefix="cvpg", dir=base_dir))
    if len(str(cluster_dir / _SOCKET_NAME)) > _MAX_SOCKET_PATH:
        shutil.rmtree(cluster_dir)
        raise PostgresError(f"socket path under {cluster_dir} is too long for a Unix socket")
    data_dir = cluster_dir / "data"
    log_file = cluster_dir / "server.log"
    superuser = owner or pwd.getpwuid(os.geteuid()).pw_name
    may_be_running = False
    try:
        if owner:
            shutil.chown(cluster_dir, user=owner)
        _run(
            [
                "initdb",
                "--pgdata",
                str(data_dir),
                "--username",
                superuser,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                # C.UTF-8, not C: lower()/upper() must fold non-ASCII letters (É -> é).
                "--locale",
                "C.UTF-8",
                "--no-sync",
                "--no-instructions",
            ],
            owner,
            cluster_dir,
        )
        settings = {**_SERVER_SETTINGS, "unix_socket_directories": f"'{cluster_dir}'"}
        with (data_dir / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        may_be_running = True  # from here even a failed start must be followed by a stop
        try:
            _run(
                ["pg_ctl", "start", "--wait", "-D", str(data_dir), "-l", str(log_file)],
                owner,
                cluster_dir,
            )
        except PostgresError as exc:
            log = log_file.read_text() if log_file.exists() else ""
            raise PostgresError(f"{exc}\nserver log:\n{log}") from exc
        yield PostgresServer(socket_dir=cluster_dir, user=superuser)
    finally:
        if may_be_running:
            subprocess.run(
                _as_owner(["pg_ctl", "stop", "--wait", "-m", "fast", "-D", str(data_dir)], owner),
                cwd=cluster_dir,
                capture_output=True,
                check=False,  # it may never have come up
            )
        shutil.rmtree(cluster_dir, ignore_errors=True)
