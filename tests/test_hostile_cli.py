"""What a new user may type: every command with hostile arguments (ids out of range,
missing files, control characters, stores that cannot be written) ends with one clear
line and its exit status, never a traceback; where data could be lost, nothing is."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from lxml import etree

from cvbridge.cli import main
from cvbridge.store import Store
from tests.bundles import RawMember, raw_bundle
from tests.store_bundles import Dropper, person
from tests.store_checks import Run

HUGE = "99999999999999999999"
MEMORY_URLS = ("sqlite://", "sqlite:///", "sqlite:///:memory:", "sqlite:///x.db?mode=memory")
IN_MEMORY = ("names no file, so the store would live in memory and lose everything when the "
             "command ends; give a file: sqlite:///var/cvbridge.db (relative) or "
             "sqlite:////abs/path.db (absolute)")


def run(monkeypatch: pytest.MonkeyPatch, *args: str) -> Run:
    """The console script, in this process: ``main()`` with ``sys.argv`` set."""
    monkeypatch.setattr(sys, "argv", ["cvbridge", *args])
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return Run(code, out.getvalue(), err.getvalue())


def assert_clean(result: Run, code: int, error: str | None = None) -> None:
    """No traceback, the exit status, and (when given) exactly the one error line."""
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.exit_code == code, (result.exit_code, result.stderr)
    if error is not None:
        assert result.stderr == f"cvbridge: error: {error}\n"
    elif code == 2:  # ours, or a usage error of the parser (its own "Error:" line)
        assert any(line.startswith(("Error: ", "cvbridge: error: "))
                   for line in result.stderr.splitlines()), result.stderr


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A store holding one bundle (#1) and its candidate (#1)."""
    url = f"sqlite:///{tmp_path / 'store' / 'crm.db'}"
    with Store(url) as store:
        store.ingest(Dropper(tmp_path / "in")([person("A-1", "Dupont", "Marie")], "b1.zip"))
    return url


OUT_OF_RANGE = [
    ("bundles", "show", HUGE), ("bundles", "show", "0"), ("bundles", "show", "-5"),
    ("bundles", "revert", HUGE), ("bundles", "revert", "--dry-run", HUGE),
    ("bundles", "reprocess", HUGE), ("bundles", "reprocess", "1", "-1"),
    ("candidates", "show", HUGE), ("candidates", "export-cv", HUGE),
    ("candidates", "merge", "1", HUGE), ("candidates", "merge", HUGE, "1"),
    ("candidates", "unmerge", HUGE), ("candidates", "search", "x", "--limit", HUGE),
    ("candidates", "search", "x", "--limit", "0"), ("candidates", "list", "--limit", "-1"),
    ("bundles", "list", "--limit", HUGE), ("candidates", "duplicates", "--limit", "abc"),
    ("bundles", "show", "1e3"), ("candidates", "show", "٣"),
]


@pytest.mark.parametrize("args", OUT_OF_RANGE, ids=" ".join)
def test_ids_and_limits_out_of_range_are_usage_errors(monkeypatch: pytest.MonkeyPatch,
                                                      url: str, args: tuple[str, ...]) -> None:
    assert_clean(run(monkeypatch, "--db", url, *args), 2)


UNKNOWN = [
    (("bundles", "show", "12345"), "no bundle #12345"),
    (("bundles", "revert", "12345"), "no bundle #12345"),
    (("bundles", "revert", "--dry-run", "12345"), "no bundle #12345"),
    (("bundles", "reprocess", "12345"), "no bundle #12345"),
    (("candidates", "show", "12345"), "no candidate #12345"),
    (("candidates", "export-cv", "12345"), "no candidate #12345"),
    (("candidates", "export-cv", "12345", "--text"), "no candidate #12345"),
    (("candidates", "merge", "1", "12345"), "no candidate #12345"),
    (("candidates", "merge", "12345", "1"), "no candidate #12345"),
    (("candidates", "unmerge", "12345"), "no candidate #12345"),
]


@pytest.mark.parametrize(("args", "error"), UNKNOWN, ids=lambda v: " ".join(v)
                         if isinstance(v, tuple) else "")
def test_unknown_ids_say_so_in_one_line(monkeypatch: pytest.MonkeyPatch, url: str,
                                        args: tuple[str, ...], error: str) -> None:
    assert_clean(run(monkeypatch, "--db", url, *args), 2, error)


def test_refusals_in_one_line(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    assert_clean(run(monkeypatch, "--db", url, "candidates", "unmerge", "1"), 1,
                 "candidate #1 is not merged into another candidate")
    assert_clean(run(monkeypatch, "--db", url, "candidates", "merge", "1", "1"), 1,
                 "a candidate cannot be merged into itself")
    assert_clean(run(monkeypatch, "--db", url, "bundles", "reprocess", "1"), 1,
                 "bundle #1 is ingested; only received, failed, partial, reverted bundles can "
                 "be reprocessed")


def test_missing_and_unreadable_files(monkeypatch: pytest.MonkeyPatch, url: str,
                                      tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.zip")
    fifo = tmp_path / "upload.zip"
    os.mkfifo(fifo)
    for args in (("validate", missing), ("ingest", missing), ("validate", str(tmp_path)),
                 ("validate", "--limit", "member_size=lots", missing),
                 ("validate", "/dev/zero"), ("ingest", "/dev/zero"), ("ingest", str(fifo))):
        assert_clean(run(monkeypatch, "--db", url, *args), 2)
    assert_clean(run(monkeypatch, "--config", str(tmp_path / "none.toml"), "bundles", "list"),
                 2, f"cannot read the config file {tmp_path / 'none.toml'}: No such file or "
                    "directory")
    bad = tmp_path / "bad.toml"
    bad.write_text("db_url = [", encoding="utf-8")
    result = run(monkeypatch, "bundles", "list", "--config", str(bad))
    assert_clean(result, 2)
    assert result.stderr.startswith(f"cvbridge: error: {bad}: not valid TOML: ")
    assert_clean(run(monkeypatch, "rules", "NO-SUCH-CODE"), 2)


def test_exports_to_impossible_places(monkeypatch: pytest.MonkeyPatch, url: str,
                                      tmp_path: Path) -> None:
    assert_clean(run(monkeypatch, "--db", url, "candidates", "export-cv", "1", "--out",
                     "/proc/cv.docx"), 2, "cannot write /proc/cv.docx: No such file or "
                                          "directory")
    assert_clean(run(monkeypatch, "--db", url, "candidates", "export-cv", "1", "--out",
                     f"{tmp_path}/no/such/"), 2,
                 f"cannot write to {tmp_path}/no/such/: the folder does not exist")
    assert_clean(run(monkeypatch, "--db", url, "candidates", "export-cv", "1", "--text",
                     "--out", "/etc/passwd/cv.txt"), 2,
                 "cannot write /etc/passwd/cv.txt: the folder /etc/passwd does not exist")


@pytest.mark.parametrize("memory_url", MEMORY_URLS)
def test_an_in_memory_store_is_refused_and_nothing_is_lost(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, memory_url: str) -> None:
    inbox = tmp_path / "inbox"
    bundle = Dropper(inbox)([person("A-1", "Dupont", "Marie")], "b1.zip")
    data = bundle.read_bytes()
    monkeypatch.setenv("CVBRIDGE_INBOX", str(inbox))
    monkeypatch.chdir(tmp_path)
    error = f"the store URL {memory_url!r} {IN_MEMORY}"

    for args in (("ingest", str(bundle)), ("poll", "--once"), ("db", "upgrade"),
                 ("candidates", "list"), ("purge", "--expired")):
        assert_clean(run(monkeypatch, "--db", memory_url, *args), 2, error)
    monkeypatch.setenv("CVBRIDGE_DB_URL", memory_url)
    assert_clean(run(monkeypatch, "poll", "--once"), 2, error)

    assert sorted(p.name for p in inbox.iterdir()) == ["b1.zip"]  # still in the inbox
    assert bundle.read_bytes() == data
    assert not (tmp_path / "processed").exists()


# A folder that cannot exist is a bad setting (exit 2, checked at start-up); a file the store
# cannot create or open where its folder exists is the store's refusal (exit 4).
IMPOSSIBLE = [
    ("/proc/cv.db", 4, "cannot create the store /proc/cv.db: No such file or directory"),
    ("/etc/passwd/x/cv.db", 2, "--db: db_url: the folder of /etc/passwd/x/cv.db is not a "
                               "folder and cannot be created"),
    ("/proc/version", 4, "store /proc/version: unable to open database file"),
]


@pytest.mark.parametrize(("path", "code", "error"), IMPOSSIBLE,
                         ids=[p for p, _, _ in IMPOSSIBLE])
def test_impossible_store_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, path: str,
                                code: int, error: str) -> None:
    inbox = tmp_path / "inbox"
    Dropper(inbox)([person("A-1", "Dupont", "Marie")], "b1.zip")
    monkeypatch.setenv("CVBRIDGE_INBOX", str(inbox))
    for args in (("bundles", "list"), ("poll", "--once")):
        assert_clean(run(monkeypatch, "--db", f"sqlite:///{path}", *args), code, error)
    assert sorted(p.name for p in inbox.iterdir()) == ["b1.zip"]


def test_a_folder_the_user_may_not_write_in(tmp_path: Path) -> None:
    """A real user without the right (root may write anywhere: run as nobody then)."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    tmp_path.chmod(0o755)
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv to drop to another user")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    for parent in tmp_path.parents:  # nobody must reach the folder to be refused by it
        if str(parent).startswith(("/tmp/", "/var/")):
            parent.chmod(parent.stat().st_mode | 0o005)
    if prefix and subprocess.run([*prefix, sys.executable, "-c", "import cvbridge"],
                                 capture_output=True, check=False).returncode != 0:
        # A checkout in a private folder (mktemp -d is 0700): nobody cannot even start us.
        pytest.skip("the user nobody cannot read this checkout, so cannot run cvbridge")
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "cvbridge", "--db",
         f"sqlite:///{folder / 'crm.db'}", "bundles", "list"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "HOME": str(tmp_path)})
    assert (done.returncode, done.stderr) == (
        4, f"cvbridge: error: cannot create the store {folder / 'crm.db'}: Permission denied\n")
    assert list(folder.iterdir()) == []


def test_control_characters_never_reach_the_terminal_raw(monkeypatch: pytest.MonkeyPatch,
                                                         url: str, tmp_path: Path) -> None:
    evil = tmp_path / "evil\x1b]0;owned\x07.zip"
    evil.write_bytes(raw_bundle([RawMember("cvs/\x1b[2Jx.pdf", b"%PDF-")]))

    text = run(monkeypatch, "validate", str(evil))
    junit = run(monkeypatch, "validate", "--format", "junit", str(evil))
    ingested = run(monkeypatch, "--db", url, "ingest", str(evil))
    listed = run(monkeypatch, "--db", url, "bundles", "list")
    shown = run(monkeypatch, "--db", url, "bundles", "show", "2")

    assert_clean(text, 1)
    assert_clean(junit, 1)
    for result in (text, junit, ingested, listed, shown):
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "cvs/\\x1b[2Jx.pdf" in text.stdout
    assert "evil\\x1b]0;owned\\x07.zip" in text.stdout
    suites = etree.fromstring(junit.stdout.encode("utf-8"))
    assert "cvs/\\x1b[2Jx.pdf" in "".join(suites.itertext())
    assert "evil\\x1b]0;owned\\x07.zip" in listed.stdout
    assert_clean(run(monkeypatch, "--db", url, "candidates", "search", "\x1b[31m\x00"), 0)


def test_a_store_server_that_does_not_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(monkeypatch, "--db", "postgresql+psycopg://cv@127.0.0.1:1/crm", "bundles",
                 "list")
    assert_clean(result, 4)
    assert result.stderr.startswith("cvbridge: error: store: connection failed: ")
    assert len(result.stderr.splitlines()) == 1


def test_global_options_after_the_command_and_a_bad_store_url(
        monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    assert_clean(run(monkeypatch, "candidates", "list", "--db", url), 0)
    assert_clean(run(monkeypatch, "candidates", "list", "--db"), 2)
    bad_url = ("--db: db_url 'not a url' is not a URL (sqlite:///PATH or "
               "postgresql+psycopg://USER@HOST/NAME)")
    assert_clean(run(monkeypatch, "bundles", "list", "--db", "not a url"), 2, bad_url)
    # Bad settings are listed, one line each, before any work: --verbose adds nothing to them.
    result = run(monkeypatch, "--db", "not a url", "--verbose", "bundles", "list")
    assert (result.exit_code, result.stderr) == (2, f"cvbridge: error: {bad_url}\n")
    # An error met while working comes with its traceback when asked for.
    result = run(monkeypatch, "--db", url, "--verbose", "bundles", "show", "999")
    assert result.exit_code == 2
    assert result.stderr.startswith("Traceback")
    assert result.stderr.endswith("cvbridge: error: no bundle #999\n")
