"""Start-up: a command imports what it needs when it runs. ``validate``, ``rules`` and
``--help`` load no database, SSH or migration library (each costs tens of milliseconds)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "valid" / "valid-basic.zip"
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "paramiko", "psycopg")


def imported_packages(*args: str) -> set[str]:
    """Top-level packages that ``python -X importtime -m cvbridge ARGS`` imported."""
    run = subprocess.run([sys.executable, "-X", "importtime", "-m", "cvbridge", *args],
                         capture_output=True, text=True, check=False)
    assert run.returncode in (0, 1), run.stderr[-2000:]
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert "cvbridge" in names  # the output was the importtime listing
    return names


@pytest.mark.parametrize("args", [("validate", str(SAMPLE)), ("rules",), ("--help",),
                                  ("validate", "--help"), ("candidates", "--help")])
def test_no_database_ssh_or_migration_library(args: tuple[str, ...]) -> None:
    assert imported_packages(*args) & set(HEAVY) == set()


def test_the_check_sees_them_when_they_are_imported(tmp_path: Path) -> None:
    """``candidates list`` opens the store: the listing names SQLAlchemy then, so the test
    above cannot pass by missing it."""
    assert {"sqlalchemy", "sqlmodel", "alembic"} <= imported_packages(
        "--db", f"sqlite:///{tmp_path / 'crm.db'}", "candidates", "list")
