"""Fresh PostgreSQL stores on one throwaway cluster (tests/servers/postgres.py)."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.corpus import REPO
from cvbridge.store import Store

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.servers import PostgresError, PostgresServer, throwaway_postgres

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(proc: Path) -> list[str]:
    return (proc / "stat").read_text().rsplit(")", 1)[1].split()


@dataclass
class PgStores:
    server: PostgresServer
    _names: Iterator[int] = field(default_factory=itertools.count)

    @contextmanager
    def fresh(self) -> Iterator[str]:
        """A new database, migrated to the latest schema, dropped afterwards."""
        name = f"bench_{next(self._names)}"
        url = self.server.create_database(name)
        try:
            Store.upgrade(url)
            yield url
        finally:
            self.server.drop_database(name)

    def server_cpu_s(self) -> float:
        """User + system CPU seconds of the cluster's live processes (the postmaster and its
        children), from /proc: what a client-side profile cannot see. Backends that have
        exited are not counted, so compare readings taken while the clients are connected."""
        # The postmaster's pid is the first line of postmaster.pid (not a command-line match:
        # a client's command line may hold the socket path too).
        pid_file = self.server.socket_dir / "data" / "postmaster.pid"
        postmaster = pid_file.read_text().split("\n", 1)[0].strip()
        ticks = 0
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                fields = _stat_fields(proc)
            except OSError:
                continue
            if postmaster in (proc.name, fields[1]):  # fields[1]: the parent's pid
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / _CLOCK_TICKS


@contextmanager
def postgres_stores() -> Iterator[PgStores | str]:
    """The stores, or the reason why there is no cluster."""
    with ExitStack() as stack:
        try:
            server = stack.enter_context(throwaway_postgres())
        except PostgresError as exc:
            yield f"skipped: {str(exc).splitlines()[0]}"
            return
        yield PgStores(server)
