"""Real servers for tests and benchmarks: a throwaway PostgreSQL cluster, pgbouncer in front
of it, and OpenSSH sshd."""

from .pgbouncer import PgbouncerError, PgbouncerServer, PoolMode, throwaway_pgbouncer
from .postgres import PostgresError, PostgresServer, throwaway_postgres
from .sshd import SshdError, SshServer, throwaway_sshd

__all__ = [
    "PgbouncerError",
    "PgbouncerServer",
    "PoolMode",
    "PostgresError",
    "PostgresServer",
    "SshServer",
    "SshdError",
    "throwaway_pgbouncer",
    "throwaway_postgres",
    "throwaway_sshd",
]
