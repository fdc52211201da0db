"""The obvious things a new user tries: --version, global options after the command name,
--limit on every list in a stable order, ids outside the store's range."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cvbridge._errors import ConfigError, NotFoundError
from cvbridge.bundle import printable
from cvbridge.cli import _app as cli_app
from cvbridge.cli import app
from cvbridge.cli._globals import GlobalOptionsGroup, hoist_global_options
from cvbridge.store import MAX_ID, Store
from tests.store_bundles import Dropper, person
from tests.store_checks import cli

pytest_plugins = ("tests.store_fixtures",)

PEOPLE = [person(f"P-{n}", name, first, city="Lyon", phone=phone)
          for n, (name, first, phone) in enumerate([
              ("Martin", "Paul", "0612345678"), ("Bernard", "Léa", "0698765432"),
              ("Martin", "Paul", "0612345678"), ("Bernard", "Léa", "0698765432")])]


def test_version(store_url: str) -> None:
    for flag in ("--version", "-V"):
        run = cli(store_url, flag)
        assert (run.exit_code, run.stdout) == (0, f"cvbridge {version('cvbridge')}\n")


def test_global_options_after_the_command_name(tmp_path: Path, drop: Dropper,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    config = tmp_path / "cvbridge.toml"
    config.write_text(f'db_url = "{url}"\n', encoding="utf-8")
    bundle = str(drop(PEOPLE[:1], "b1.zip"))

    assert CliRunner().invoke(app, ["ingest", bundle, "--db", url]).exit_code == 0
    for args in (["candidates", "list", "--db", url], ["candidates", "list", f"--db={url}"],
                 ["candidates", "list", "--config", str(config)],
                 ["--config", str(config), "candidates", "list"],
                 ["candidates", "list", "--db", "sqlite:///unused.db", "--db", url]):
        run = CliRunner().invoke(app, args)
        assert (run.exit_code, run.stdout.splitlines()[2].split()[:2]) == (
            0, ["1", "Martin"]), args
    assert not Path("unused.db").exists()
    # after "--" nothing is an option: "--db" is the words searched for
    assert cli(url, "candidates", "search", "--", "--db").stdout == "no match\n"


def test_every_list_has_a_limit_and_a_stable_order(store_url: str, drop: Dropper) -> None:
    for index, people in enumerate((PEOPLE[:2], PEOPLE[2:])):
        cli(store_url, "ingest", str(drop(people, f"b{index}.zip", bundle_id=f"B{index}")))

    def ids(*args: str) -> list[int]:
        return [row["id"] for row in json.loads(cli(store_url, *args, "-f", "json").stdout)]

    assert ids("candidates", "list") == [1, 2, 3, 4]
    assert ids("candidates", "list", "--limit", "3") == [1, 2, 3]
    assert ids("bundles", "list", "--limit", "1") == [1]
    assert ids("candidates", "duplicates") == ids("candidates", "duplicates", "--limit", "5")
    assert len(ids("candidates", "duplicates", "--limit", "1")) == 1
    # equal ranks come back in id order, every time
    assert ids("candidates", "search", "lyon") == [1, 2, 3, 4]
    assert ids("candidates", "search", "lyon", "--limit", "2") == [1, 2]
    text = cli(store_url, "candidates", "list", "--limit", "1")
    assert len(text.lines) == 3


def test_ids_outside_the_stores_range_are_records_that_do_not_exist(store: Store) -> None:
    for bad in (0, -1, MAX_ID + 1, 10**20):
        with pytest.raises(NotFoundError, match=f"no bundle #{bad}"):
            store.bundle(bad)
        with pytest.raises(NotFoundError, match=f"no candidate #{bad}"):
            store.candidate(bad)
        with pytest.raises(NotFoundError, match=f"no bundle #{bad}"):
            store.revert(bad)
        with pytest.raises(NotFoundError, match=f"no bundle #{bad}"):
            store.reprocess(bad)
        with pytest.raises(NotFoundError, match=f"no candidate #{bad}"):
            store.unmerge(bad)


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///", "sqlite:///:memory:",
                                 "sqlite:///file::memory:?cache=shared"])
def test_the_library_refuses_an_in_memory_store(url: str) -> None:
    with pytest.raises(ConfigError, match=re.escape("sqlite:////abs/path.db")):
        Store(url)


def test_printable_escapes_what_would_drive_a_terminal() -> None:
    assert printable("cvs/dupont.docx") == "cvs/dupont.docx"
    assert printable("C:\\CV\\é.doc") == "C:\\CV\\é.doc"
    assert printable("a\x1b[2Jb\x00\x7f") == "a\\x1b[2Jb\\x00\\x7f"
    assert printable("x\u202egnp.exe") == "x\\u202egnp.exe"  # right-to-left override
    assert printable("bad\udce9byte") == "bad\\udce9byte"  # an undecodable byte
    assert printable("line\u2028break") == "line\\u2028break"


def test_the_license_file_is_the_one_pyproject_declares() -> None:
    root = Path(__file__).resolve().parent.parent
    declared = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    assert declared["project"]["license"] == "MIT"
    assert (root / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


@pytest.mark.parametrize(("typed", "parsed"), [
    (["candidates", "list", "--db", "X"], ["--db", "X", "candidates", "list"]),
    (["bundles", "show", "3", "--db=X", "--config", "c.toml"],
     ["--db=X", "--config", "c.toml", "bundles", "show", "3"]),
    (["candidates", "list", "--verbose"], ["--verbose", "candidates", "list"]),
    # poll has its own --verbose (debug logging): it stays poll's
    (["poll", "--once", "--verbose"], ["poll", "--once", "--verbose"]),
    (["candidates", "search", "--", "--db", "X"], ["candidates", "search", "--", "--db", "X"]),
])
def test_global_options_are_moved_before_the_command(typed: list[str],
                                                     parsed: list[str]) -> None:
    group = typer.main.get_group(app)
    assert isinstance(group, GlobalOptionsGroup)
    with group.make_context("cvbridge", ["--help"], resilient_parsing=True) as ctx:
        assert hoist_global_options(group, ctx, typed) == parsed


def test_a_global_option_without_its_value() -> None:
    run = CliRunner().invoke(app, ["candidates", "list", "--db"])
    assert run.exit_code == 2
    assert run.stderr.splitlines()[-1] == "Error: Invalid value for --db: needs a value"


def _failing(error: BaseException) -> Callable[[], None]:
    def command() -> None:
        raise error
    return command


@pytest.mark.parametrize(("error", "code", "line"), [
    (ZeroDivisionError("division by zero"), 1,
     "cvbridge: error: unexpected ZeroDivisionError: division by zero (this is a bug in "
     "cvbridge; run again with --verbose and report the traceback)\n"),
    (KeyboardInterrupt(), 130, "cvbridge: error: interrupted\n"),
    (PermissionError(13, "Permission denied", "/srv/out"), 1,
     "cvbridge: error: cannot go on /srv/out: Permission denied\n"),
])
def test_whatever_escapes_a_command_ends_as_one_line(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        error: BaseException, code: int, line: str) -> None:
    """The last line of defence in ``main()``, fed the errors no command should let out."""
    monkeypatch.setattr(cli_app, "app", _failing(error))
    for verbose in (False, True):
        monkeypatch.setattr(sys, "argv", ["cvbridge", *(["--verbose"] if verbose else []),
                                          "bundles", "list"])
        with pytest.raises(SystemExit) as exited:
            cli_app.main()
        err = capsys.readouterr().err
        assert exited.value.code == code
        assert err.endswith(line)
        assert err.startswith("Traceback") == verbose
