"""``candidates export-cv`` behaves like cp: a folder gets the CV under its own name, a
missing folder or an existing file is refused in one line, ``-`` or nothing is stdout when
that is not a terminal; ``--text`` gives the text search sees."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from cvbridge.cli import main
from tests.store_bundles import Dropper, member_bytes, person, sha256, simple_cv
from tests.store_checks import cli

pytest_plugins = ("tests.store_fixtures",)

MARIE = person("A-1", "Dupont", "Marie", city="Lyon")
CV = simple_cv("Marie Dupont", "comptable confirmée", "Lyon")


@pytest.fixture
def url(tmp_path: Path, drop: Dropper) -> str:
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    bundle = drop([MARIE], "b1.zip", cvs={"cvs/A-1.docx": CV})
    assert cli(url, "ingest", str(bundle)).exit_code == 0
    return url


def _original(drop: Dropper) -> bytes:
    return member_bytes((drop.folder / "b1.zip").read_bytes(), "cvs/A-1.docx")


def test_a_folder_gets_the_cv_under_its_own_name(url: str, tmp_path: Path,
                                                 drop: Dropper) -> None:
    original = _original(drop)
    (tmp_path / "existing").mkdir()
    for out in (tmp_path / "existing", f"{tmp_path / 'existing'}/"):
        target = tmp_path / "existing" / "A-1.docx"
        target.unlink(missing_ok=True)
        run = cli(url, "candidates", "export-cv", "1", "--out", str(out))
        assert (run.exit_code, run.stdout) == (
            0, f"{target} ({len(original)} bytes, sha256 {sha256(original)})\n")
        assert target.read_bytes() == original


def test_a_missing_folder_is_an_error_not_a_file(url: str, tmp_path: Path) -> None:
    downloads = tmp_path / "Downloads"
    run = cli(url, "candidates", "export-cv", "1", "--out", f"{downloads}/")
    assert (run.exit_code, run.stderr) == (
        2, f"cvbridge: error: cannot write to {downloads}/: the folder does not exist\n")
    deeper = cli(url, "candidates", "export-cv", "1", "--out", str(downloads / "cv.docx"))
    assert (deeper.exit_code, deeper.stderr) == (
        2, f"cvbridge: error: cannot write {downloads / 'cv.docx'}: the folder {downloads} "
           "does not exist\n")
    assert not downloads.exists()


def test_an_existing_file_is_kept_unless_force(url: str, tmp_path: Path,
                                               drop: Dropper) -> None:
    target = tmp_path / "cv.docx"
    target.write_bytes(b"my own notes")
    refused = cli(url, "candidates", "export-cv", "1", "-o", str(target))
    assert (refused.exit_code, refused.stderr) == (
        2, f"cvbridge: error: {target} exists already; add --force to overwrite it\n")
    assert target.read_bytes() == b"my own notes"

    forced = cli(url, "candidates", "export-cv", "1", "-o", str(target), "--force")

    assert forced.exit_code == 0
    assert target.read_bytes() == _original(drop)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".cv")) == []


def test_stdout_when_not_a_terminal(url: str, drop: Dropper,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for args in (("--out", "-"), ()):
        run = _binary_main(monkeypatch, url, "candidates", "export-cv", "1", *args)
        assert (run.exit_code, run.stderr) == (0, "")
        assert run.stdout == _original(drop)


def test_never_binary_to_a_terminal(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    run = _binary_main(monkeypatch, url, "candidates", "export-cv", "1", terminal=True)
    assert run.stdout == b""
    assert (run.exit_code, run.stderr) == (
        2, "cvbridge: error: will not write a Word document to the terminal: give --out FILE "
           "or a folder, or redirect the output (> cv.docx)\n")


def test_text_is_what_search_indexes(url: str, tmp_path: Path) -> None:
    text = cli(url, "candidates", "export-cv", "1", "--text")
    assert (text.exit_code, text.stdout) == (0, "Marie Dupont\ncomptable confirmée\nLyon\n")

    into = cli(url, "candidates", "export-cv", "1", "--text", "--out", str(tmp_path))

    written = tmp_path / "A-1.txt"
    assert into.stdout.startswith(f"{written} (")
    assert written.read_text(encoding="utf-8") == "Marie Dupont\ncomptable confirmée\nLyon\n"


def test_an_unknown_candidate(url: str) -> None:
    run = cli(url, "candidates", "export-cv", "7", "--text")
    assert (run.exit_code, run.stderr) == (2, "cvbridge: error: no candidate #7\n")


@dataclass(frozen=True)
class _BytesRun:
    exit_code: int
    stdout: bytes
    stderr: str


class _Stdout(io.TextIOWrapper):
    terminal = False

    def isatty(self) -> bool:
        return self.terminal


def _binary_main(monkeypatch: pytest.MonkeyPatch, url: str, *args: str,
                 terminal: bool = False) -> _BytesRun:
    """The console script with a stdout that keeps bytes: a pipe, or a terminal."""
    raw = io.BytesIO()
    stdout = _Stdout(raw, encoding="utf-8")
    stdout.terminal = terminal
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "argv", ["cvbridge", "--db", url, *args])
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    code = 0
    try:
        main()
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    stdout.flush()
    return _BytesRun(code, raw.getvalue(), stderr.getvalue())



