"""Fixtures shared by the poll tests: an SFTP inbox on the throwaway sshd and a SQLite store.
Test modules load this file with ``pytest_plugins`` (never import it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.poll_support import Inbox
from tests.servers import SshServer


@pytest.fixture
def inbox(sshd_server: SshServer, sftp_root: Path) -> Inbox:
    """An inbox on the test sshd: the vendor folder with inbox/, processing/, processed/ and
    failed/."""
    return Inbox.on(sshd_server, sftp_root)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"
