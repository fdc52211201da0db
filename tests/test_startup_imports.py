"""Start-up: a command imports what it needs when it runs. ``validate``, ``rules`` and
``--help`` load no database, SSH or migration library (each costs tens of milliseconds);
``--help``, ``--version`` and ``rules`` not even the libraries that read a bundle, and
``validate`` only those its bundles need. Times are the bench's to prove, not these tests'."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

VALID = Path(__file__).resolve().parent.parent / "samples" / "valid"
SAMPLE = VALID / "valid-basic.zip"  # .docx CVs only
# pydantic comes with sqlmodel; typer 0.29 would import it for every parameter (80 ms).
HEAVY = ("sqlalchemy", "sqlmodel", "alembic", "paramiko", "psycopg", "pydantic")
# What reading a bundle needs: XML, phone numbers, e-mail addresses, countries, OLE files.
FORMAT_LIBRARIES = ("lxml", "phonenumbers", "email_validator", "pycountry", "olefile")


def imported_packages(*args: str, command: tuple[str, ...] = ("-m", "cvbridge")) -> set[str]:
    """Top-level packages that ``python -X importtime -m cvbridge ARGS`` imported."""
    run = subprocess.run([sys.executable, "-X", "importtime", *command, *args],
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
    assert {"sqlalchemy", "sqlmodel", "alembic", "pydantic"} <= imported_packages(
        "--db", f"sqlite:///{tmp_path / 'crm.db'}", "candidates", "list")


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("rules",), ("rules", "--format",
                                  "json"), ("validate", "--help"), ("bundles", "--help")])
def test_no_format_library_before_a_bundle_is_read(args: tuple[str, ...]) -> None:
    assert imported_packages(*args) & set(FORMAT_LIBRARIES) == set()


def test_the_package_face_imports_nothing_it_does_not_use() -> None:
    """``import cvbridge`` (a library caller's first line) loads the format on first use."""
    imported = imported_packages("import cvbridge", command=("-c",))
    assert imported & {*FORMAT_LIBRARIES, *HEAVY, "typer"} == set()


def test_validate_loads_what_its_bundle_needs_and_no_more() -> None:
    """.docx CVs: XML, phones, e-mails, countries; no OLE reader (no .doc in it), and no
    process pool for one small bundle (it is read in this process)."""
    imported = imported_packages("validate", str(SAMPLE))
    assert {"lxml", "phonenumbers", "email_validator", "pycountry"} <= imported
    assert imported & {"olefile", "multiprocessing", "concurrent", "rich"} == set()


def test_a_legacy_doc_loads_the_ole_reader() -> None:
    """The check above cannot pass by missing olefile: a .doc CV brings it in."""
    assert "olefile" in imported_packages("validate", str(VALID / "valid-legacy-doc.zip"))
