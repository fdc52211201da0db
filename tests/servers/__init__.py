"""Real servers for tests and benchmarks: a throwaway PostgreSQL cluster and OpenSSH sshd."""

from .postgres import PostgresError, PostgresServer, throwaway_postgres
from .sshd import SshdError, SshServer, throwaway_sshd

__all__ = [
    "PostgresError",
    "PostgresServer",
    "SshServer",
    "SshdError",
    "throwaway_postgres",
    "throwaway_sshd",
]
