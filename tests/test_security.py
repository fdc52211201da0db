"""Security of the pickup (issue 6, item 5): what a hostile or careless inbox can do to us,
what must never reach a log, and who may read what we write. Hostile archives themselves are
covered by tests/test_conformance.py (one sample per error code) and the fuzzing; these tests
are about the inbox side.

- Names: ``..``, a backslash, control and bidi characters, bytes that are not UTF-8, and (from
  a hostile server's listing) a slash: never taken, one escaped warning each, never a forged
  log line; a name that is not ``*.zip`` is ignored.
- Links: a symbolic link in the inbox pointing outside is never followed, listed or swapped
  in after the listing (local inbox and SFTP).
- A file that changes after it was listed (replaced, or rewritten in place during the
  download): ingested as the new bytes, or refused by the ZIP checks; never a mix.
- Secrets (SSH key passphrase, PostgreSQL password) never in logs, errors or JSON output;
  candidates' personal data never in poll logs at the default level.
- Permissions: the SQLite store (and its -wal, -shm) 0600 whatever the umask; downloads and
  the work folder owner-only.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import stat
import struct
import subprocess
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import paramiko
import pytest

from cvbridge.inbox import (
    IngestResult,
    Poller,
    RemoteFile,
    SftpSettings,
    SftpTransport,
    parse_inbox_url,
)
from cvbridge.inbox._local import LocalTransport
from cvbridge.inbox._pickup import StoreIngest
from cvbridge.inbox._transport import InboxTransport, Outcome
from cvbridge.store import Store
from tests.poll_support import (
    Inbox,
    PollProcess,
    StoreView,
    corpus_bundles,
    cvbridge_command,
    invalid_sample,
    personal_data,
    sha256,
    wait_for,
)
from tests.reliability.harness import cli_env, local_inbox, sftp_inbox, sftp_settings
from tests.reliability.invariants import assert_consistent
from tests.servers import PostgresServer, SshServer
from tests.store_bundles import bundle, person

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) ")


def _run(env: dict[str, str], *args: str, cwd: Path, timeout: float = 60
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cvbridge_command(*args), env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, check=False)


@contextlib.contextmanager
def _sftp(server: SshServer) -> Iterator[paramiko.SFTPClient]:
    """A plain SFTP session on the test server, as the vendor's client."""
    client = paramiko.SSHClient()
    client.load_host_keys(str(server.known_hosts_path))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(server.host, server.port, username=server.username,
                   key_filename=str(server.client_key_path), look_for_keys=False,
                   allow_agent=False)
    try:
        yield client.open_sftp()
    finally:
        client.close()


def _assert_text_log(stderr: str) -> None:
    """Every line one event: a forged line (a name with a newline) would break this."""
    lines = stderr.splitlines()
    odd = [line for line in lines if not (LOG_LINE.match(line) or
                                          line.startswith("cvbridge: error: "))]
    assert not odd, odd


# -- names -------------------------------------------------------------------------------------

ODD_NAMES = [
    "..\\..\\evil.zip",  # a Windows path
    "evil\n2026-01-01 00:00:00,000 ERROR cvbridge: forged.zip",  # a forged log line
    "\x1b[31mred\x1b[0m.zip",  # terminal escapes
    "bidi\u202egpj.zip",  # shows as "bidiqiz.jpg"
    "tab\there.zip",
]


def test_sftp_odd_names_are_never_taken_and_logged_escaped(
    sshd_server: SshServer, tmp_path: Path
) -> None:
    inbox = sftp_inbox(sshd_server)
    good = corpus_bundles(2, per_bundle=1, seed=51)
    with _sftp(sshd_server) as sftp:
        remote = _remote(inbox)
        for name, data in [("ok.zip", good[0]), ("a..b.zip", good[1]),
                           ("notes.txt", b"not a bundle")] + [(n, good[0]) for n in ODD_NAMES]:
            with sftp.open(f"{remote}/{name}", "wb") as handle:
                handle.write(data)
    listed = sorted(path.name for path in inbox.inbox.iterdir())
    assert len(listed) == len(ODD_NAMES) + 3  # the server took every name as it was
    env = cli_env(f"sqlite:///{tmp_path / 'store.db'}", inbox=inbox.url, settle_seconds=0.1,
                  work_dir=tmp_path / "work", **sftp_settings(sshd_server))

    run = _run(env, "poll", "--once", cwd=tmp_path)

    assert run.returncode == 0, run.stderr
    _assert_text_log(run.stderr)
    assert inbox.names(inbox.processed) == ["a..b.zip", "ok.zip"]
    assert sorted(path.name for path in inbox.inbox.iterdir()) == sorted(
        [*ODD_NAMES, "notes.txt"])
    assert inbox.names(inbox.processing) == []
    warnings = [line for line in run.stderr.splitlines() if "not taking" in line]
    assert len(warnings) == len(ODD_NAMES), run.stderr
    assert "'evil\\n2026" in run.stderr and "\\x1b[31m" in run.stderr and "\\u202e" in run.stderr
    assert not (inbox.root.parent / "evil.zip").exists()
    assert StoreView(env["CVBRIDGE_DB_URL"]).statuses() == {"ingested": 2}


def test_local_name_not_utf8_is_ignored_not_a_crash(tmp_path: Path) -> None:
    inbox = local_inbox(tmp_path / "vendor")
    data = corpus_bundles(1, per_bundle=1, seed=52)[0]
    Path(os.fsdecode(os.fsencode(inbox.inbox) + b"/caf\xe9.zip")).write_bytes(data)
    (inbox.inbox / "ok.zip").write_bytes(data)
    env = cli_env(f"sqlite:///{tmp_path / 'store.db'}", inbox=inbox.url, settle_seconds=0.1,
                  work_dir=tmp_path / "work")

    run = _run(env, "poll", "--once", "--log-format", "json", cwd=tmp_path)

    assert run.returncode == 0, run.stderr
    messages = [json.loads(line)["message"] for line in run.stderr.splitlines()]
    assert any("not taking 'caf\\udce9.zip'" in message for message in messages), messages
    assert inbox.names(inbox.processed) == ["ok.zip"]
    assert [os.fsencode(path.name) for path in inbox.inbox.iterdir()] == [b"caf\xe9.zip"]


def _fake_entry(name: str, size: int = 1000) -> paramiko.SFTPAttributes:
    attrs = paramiko.SFTPAttributes()
    attrs.filename = name
    attrs.st_mode = stat.S_IFREG | 0o644
    attrs.st_size = size
    attrs.st_mtime = 1_700_000_000
    return attrs


class _Recorder:
    """An ingest callback that keeps what it was given (path mode, work folder mode, bytes)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []  # (name, sha256)
        self.modes: list[tuple[int, int]] = []  # (download, work folder)

    def __call__(self, path: Path, file: RemoteFile) -> IngestResult:
        self.calls.append((file.name, sha256(path.read_bytes())))
        self.modes.append((stat.S_IMODE(path.stat().st_mode),
                           stat.S_IMODE(path.parent.stat().st_mode)))
        return IngestResult("processed")


def _remote(inbox: Inbox) -> str:
    """The inbox folder's path on the SFTP server."""
    return parse_inbox_url(inbox.url).path


def _settings(server: SshServer, inbox: Inbox, **overrides: Any) -> SftpSettings:
    return SftpSettings(host=server.host, port=server.port, username=server.username,
                        inbox=_remote(inbox), key_path=server.client_key_path,
                        known_hosts=server.known_hosts_path, **overrides)


def test_hostile_server_listing_with_slashes_is_never_followed(
    sshd_server: SshServer, tmp_path: Path
) -> None:
    """A server (not OpenSSH) could list names with a slash: ``../outside.zip`` would make a
    claim rename a file from outside the inbox. Such names are never claimed nor released."""
    inbox = sftp_inbox(sshd_server)
    outside = inbox.root / "outside.zip"
    outside.write_bytes(b"outside the inbox")
    claimed = inbox.root / "processing"
    claimed.mkdir()
    (inbox.root / "elsewhere.zip").write_bytes(b"x")
    data = corpus_bundles(1, per_bundle=1, seed=53)[0]
    inbox.upload("ok.zip", data)
    settings = _settings(sshd_server, inbox)

    def hostile() -> InboxTransport:
        transport = SftpTransport(settings)
        real = transport._sftp.listdir_attr

        def listdir_attr(path: str = ".") -> list[paramiko.SFTPAttributes]:
            entries = real(path)
            if path == transport.folders.inbox:
                entries += [_fake_entry("../outside.zip"), _fake_entry("sub/x.zip")]
            if path == transport.folders.processing:
                entries += [_fake_entry("../elsewhere.zip")]
            return entries

        transport._sftp.listdir_attr = listdir_attr  # type: ignore[method-assign]
        return transport

    recorder = _Recorder()
    poller = Poller(hostile, recorder, work_dir=tmp_path / "work", settle_seconds=0.0,
                    lease_seconds=0.001, lease_check_seconds=0.0)
    try:
        poller.poll_once()
        poller.poll_once()
        transport = hostile()
        stale = transport.stale_claims(0.0)
        transport.close()
    finally:
        poller.close()
    assert recorder.calls == [("ok.zip", sha256(data))]
    assert outside.read_bytes() == b"outside the inbox"
    assert (inbox.root / "elsewhere.zip").read_bytes() == b"x"
    assert "../elsewhere.zip" not in stale
    assert inbox.names(inbox.processed) == ["ok.zip"]


# -- links -------------------------------------------------------------------------------------


def _secret(tmp_path: Path) -> tuple[Path, bytes]:
    """A valid bundle outside the inbox: if a link were followed, it would be ingested."""
    data = corpus_bundles(1, per_bundle=1, seed=54)[0]
    path = tmp_path / "secret" / "secret.zip"
    path.parent.mkdir()
    path.write_bytes(data)
    return path, data


@pytest.mark.parametrize("kind", ["local", "sftp"])
def test_symlink_in_the_inbox_is_not_followed(kind: str, sshd_server: SshServer,
                                              tmp_path: Path) -> None:
    secret, secret_data = _secret(tmp_path)
    ok = corpus_bundles(1, per_bundle=1, seed=55)[0]
    if kind == "local":
        inbox = local_inbox(tmp_path / "vendor")
        (inbox.inbox / "link.zip").symlink_to(secret)
        settings: dict[str, Any] = {}
    else:
        inbox = sftp_inbox(sshd_server)
        with _sftp(sshd_server) as sftp:
            sftp.symlink(str(secret), f"{_remote(inbox)}/link.zip")
        settings = sftp_settings(sshd_server)
    assert (inbox.inbox / "link.zip").is_symlink()
    inbox.upload("ok.zip", ok)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    env = cli_env(url, inbox=inbox.url, settle_seconds=0.1, work_dir=tmp_path / "work",
                  **settings)

    run = _run(env, "poll", "--once", cwd=tmp_path)

    assert run.returncode == 0, run.stderr
    assert inbox.names(inbox.processed) == ["ok.zip"]
    assert (inbox.inbox / "link.zip").is_symlink()  # left alone
    assert secret.read_bytes() == secret_data
    assert sha256(secret_data) not in StoreView(url).blobs()


class _Tampering:
    """A transport that lets the test act on the inbox at the worst moment: just before a
    claim (after the listing) or just before a download (after the claim)."""

    def __init__(self, inner: InboxTransport, *, before_claim: Callable[[str], None] | None = None,
                 before_download: Callable[[str], None] | None = None) -> None:
        self.inner = inner
        self.before_claim = before_claim
        self.before_download = before_download

    def list_inbox(self) -> list[RemoteFile]:
        return self.inner.list_inbox()

    def claim(self, name: str) -> str | None:
        if self.before_claim is not None:
            self.before_claim(name)
            self.before_claim = None
        return self.inner.claim(name)

    def download(self, claimed_name: str, dest: Path) -> None:
        if self.before_download is not None:
            self.before_download(claimed_name)
            self.before_download = None
        self.inner.download(claimed_name, dest)

    def stat_claimed(self, claimed_name: str) -> RemoteFile | None:
        return self.inner.stat_claimed(claimed_name)

    def complete(self, claimed_name: str, outcome: Outcome, errors_text: str | None = None
                 ) -> str | None:
        return self.inner.complete(claimed_name, outcome, errors_text)

    def stale_claims(self, lease_seconds: float) -> list[str]:
        return self.inner.stale_claims(lease_seconds)

    def release(self, claimed_name: str) -> str | None:
        return self.inner.release(claimed_name)

    def close(self) -> None:
        self.inner.close()


def _transport(kind: str, server: SshServer, inbox: Inbox, **overrides: Any
               ) -> Callable[[], InboxTransport]:
    if kind == "local":
        return lambda: LocalTransport(inbox.inbox)
    settings = _settings(server, inbox, **overrides)
    return lambda: SftpTransport(settings)


def _poll(poller: Poller, rounds: int = 2) -> None:
    try:
        for _ in range(rounds):
            poller.poll_once()
    finally:
        poller.close()


@pytest.mark.parametrize("kind", ["local", "sftp"])
def test_symlink_swapped_in_after_the_listing_is_never_read(
    kind: str, sshd_server: SshServer, tmp_path: Path
) -> None:
    secret, secret_data = _secret(tmp_path)
    inbox = local_inbox(tmp_path / "vendor") if kind == "local" else sftp_inbox(sshd_server)
    inbox.upload("swap.zip", corpus_bundles(1, per_bundle=1, seed=56)[0])

    def swap(name: str) -> None:
        (inbox.inbox / name).unlink()
        (inbox.inbox / name).symlink_to(secret)

    inner = _transport(kind, sshd_server, inbox)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store(url) as store:
        poller = Poller(lambda: _Tampering(inner(), before_claim=swap),
                        StoreIngest(store, inbox.url), work_dir=tmp_path / "work",
                        settle_seconds=0.0)
        _poll(poller)
    assert inbox.names(inbox.failed) == ["swap.zip", "swap.zip.errors.txt"]
    assert (inbox.failed / "swap.zip").is_symlink()
    assert "not a regular file" in (inbox.failed / "swap.zip.errors.txt").read_text()
    assert StoreView(url).blobs() == set()
    assert secret.read_bytes() == secret_data


# -- a file that changes -------------------------------------------------------------------------


def _padded(data: bytes, size: int) -> bytes:
    """*data* grown to *size* bytes with a ZIP comment: the same bundle, as long as another."""
    assert data[-22:-18] == b"PK\x05\x06" and data[-2:] == b"\0\0"
    extra = size - len(data)
    assert 0 <= extra < 65536
    return data[:-2] + struct.pack("<H", extra) + b" " * extra


def _member_digests(data: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {sha256(archive.read(name)) for name in archive.namelist()}


@pytest.mark.parametrize("kind", ["local", "sftp"])
def test_file_replaced_between_listing_and_download_is_taken_as_the_new_bytes(
    kind: str, sshd_server: SshServer, tmp_path: Path
) -> None:
    old, new = corpus_bundles(2, per_bundle=2, seed=57)
    if len(new) == len(old):
        new = _padded(new, len(new) + 10)
    inbox = local_inbox(tmp_path / "vendor") if kind == "local" else sftp_inbox(sshd_server)
    inbox.upload("lot.zip", old)

    def replace(name: str) -> None:
        (inbox.processing / name).write_bytes(new)  # the vendor rewrites it, another size

    inner = _transport(kind, sshd_server, inbox)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store(url) as store:
        poller = Poller(lambda: _Tampering(inner(), before_download=replace),
                        StoreIngest(store, inbox.url), work_dir=tmp_path / "work",
                        settle_seconds=0.0)
        _poll(poller, rounds=2)
        assert inbox.bundles(inbox.inbox) == ["lot.zip"]  # given back, to settle again
        assert StoreView(url).blobs() == set()
        poller = Poller(inner, StoreIngest(store, inbox.url), work_dir=tmp_path / "work",
                        settle_seconds=0.0)
        _poll(poller, rounds=2)
    assert StoreView(url).blobs() == {sha256(new)}  # the new bytes, whole; never the old
    assert (inbox.processed / "lot.zip").read_bytes() == new
    assert_consistent(url, settled=True)


class _RewritingFile:
    """A claimed file on the SFTP server whose bytes the vendor rewrites in place (same size)
    after our first read window: what we read is a mix of the two versions."""

    def __init__(self, handle: paramiko.SFTPFile, on_disk: Path, new: bytes) -> None:
        self.handle = handle
        self.on_disk = on_disk
        self.new = new
        self.windows = 0

    def stat(self) -> paramiko.SFTPAttributes:
        return self.handle.stat()

    def readv(self, chunks: list[tuple[int, int]]) -> Iterator[bytes]:
        data = list(self.handle.readv(chunks))
        self.windows += 1
        if self.windows == 1:
            with self.on_disk.open("r+b") as out:  # in place: same inode, same size
                out.write(self.new)
        return iter(data)

    def __enter__(self) -> _RewritingFile:
        return self

    def __exit__(self, *_: object) -> None:
        self.handle.close()


def test_file_rewritten_during_the_download_is_never_ingested_as_a_mix(
    sshd_server: SshServer, tmp_path: Path
) -> None:
    old, new = corpus_bundles(2, per_bundle=3, seed=58)
    size = max(len(old), len(new))
    old, new = _padded(old, size), _padded(new, size)
    inbox = sftp_inbox(sshd_server)
    inbox.upload("lot.zip", old)
    settings = _settings(sshd_server, inbox, read_window=32 * 1024)
    mixes: list[_RewritingFile] = []

    def rewriting() -> InboxTransport:
        transport = SftpTransport(settings)
        real = transport._open_claimed

        def open_claimed(remote: str) -> Any:
            mix = _RewritingFile(real(remote), inbox.processing / Path(remote).name, new)
            mixes.append(mix)
            return mix

        transport._open_claimed = open_claimed  # type: ignore[method-assign]
        return transport

    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Store(url) as store:
        ingest = StoreIngest(store, inbox.url)
        _poll(Poller(rewriting, ingest, work_dir=tmp_path / "work", settle_seconds=0.0))
    assert mixes and mixes[0].windows > 1  # the rewrite fell inside the download
    [result] = ingest.results
    view = StoreView(url)
    kept = view.rows("SELECT sha256 FROM bundle")
    assert kept and kept[0][0] not in (sha256(old), sha256(new))  # we did read a mix
    documents = {digest for (digest,) in view.rows("SELECT sha256 FROM document")}
    # Refused by the ZIP checks, or (at most) members whose CRC matched: never a member
    # that is in neither version.
    assert result.status in ("failed", "partial"), result
    assert documents <= _member_digests(new) | _member_digests(old)
    assert "ZIP-" in (inbox.failed / "lot.zip.errors.txt").read_text()
    assert_consistent(url, settled=True)


# -- secrets -----------------------------------------------------------------------------------

PASSWORD = "s3cr3t-Pg-pa55"
SOCKET_URL = f"postgresql+psycopg://cv:{PASSWORD}@/crm?host=/nonexistent-socket-dir"
TCP_URL = f"postgresql+psycopg://cv:{PASSWORD}@127.0.0.1:1/crm"
MALFORMED = [f"postgresql+psycopg//cv:{PASSWORD}@localhost/crm", f"cv:{PASSWORD}@localhost/crm"]
POLL_ONCE, POLL_JSON = ("poll", "--once"), ("poll", "--interval", "0.1", "--log-format", "json")


def test_database_password_never_in_errors_or_json(tmp_path: Path) -> None:
    """The store unreachable (a missing socket, a closed port) or its URL malformed: every
    command ends with one line, exit 4 (or 2), and the password is nowhere."""
    bundle_path = tmp_path / "b.zip"
    bundle_path.write_bytes(invalid_sample())
    (tmp_path / "inbox").mkdir()
    every = [POLL_ONCE, ("poll", "--once", "--log-format", "json"), POLL_JSON,
             ("bundles", "list", "--format", "json"),
             ("ingest", str(bundle_path), "--format", "json"),
             ("candidates", "search", "x", "--format", "json"), ("db", "upgrade")]
    cases = [(SOCKET_URL, args) for args in every]
    cases += [(TCP_URL, args) for args in (POLL_ONCE, every[3], every[6])]
    cases += [(url, args) for url in MALFORMED for args in (POLL_JSON, every[4])]

    def run(case: tuple[str, tuple[str, ...]]) -> subprocess.CompletedProcess[str]:
        env = cli_env(case[0], inbox=tmp_path / "inbox", settle_seconds=0)
        return _run(env, *case[1], cwd=tmp_path)

    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(run, cases))
    for (url, args), done in zip(cases, runs, strict=True):
        where = (url, args, done.stderr)
        assert done.returncode == (2 if url in MALFORMED else 4), where
        assert PASSWORD not in done.stdout + done.stderr, where
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, where  # one clear line, no traceback
        if "json" in args and args[0] == "poll":
            assert json.loads(lines[0])["message"].startswith("error: "), where
        else:
            assert lines[0].startswith("cvbridge: error: "), where
        if url in MALFORMED:
            assert "cv:***@localhost/crm" in lines[0], where


def test_database_password_and_key_passphrase_never_in_logs(
    postgres_server: PostgresServer, postgres_url: str, sshd_server: SshServer, tmp_path: Path
) -> None:
    """A daemon at debug level, JSON logs, a password in the store URL (the throwaway cluster
    trusts local connections, so any password is accepted), an encrypted SSH key."""
    from tests.test_poll_e2e import _encrypted_key

    passphrase = "Correct-Horse-B4ttery"
    key = _encrypted_key(sshd_server, tmp_path / "client_key", passphrase)
    url = postgres_url.replace(f"{postgres_server.user}@", f"{postgres_server.user}:{PASSWORD}@")
    inbox = sftp_inbox(sshd_server)
    inbox.upload("lot.zip", corpus_bundles(1, per_bundle=1, seed=59)[0])
    inbox.upload("bad.zip", invalid_sample())
    env = cli_env(url, inbox=inbox.url, settle_seconds=0.1, work_dir=tmp_path / "work",
                  ssh_key=key, known_hosts=sshd_server.known_hosts_path,
                  ssh_key_passphrase=passphrase)
    assert _run(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    with PollProcess(env, ("--interval", "0.2", "--log-format", "json", "-v"),
                     tmp_path / "poll.log", tmp_path) as poll:
        assert wait_for(lambda: inbox.drained(2)), poll.log()
        assert poll.stop() == 0
    wrong = _run({**env, "CVBRIDGE_SSH_KEY_PASSPHRASE": "Wrong-Pass-Phrase"}, "poll", "--once",
                 cwd=tmp_path)
    assert wrong.returncode == 3 and "bad passphrase or key" in wrong.stderr
    everything = poll.log() + wrong.stderr + wrong.stdout
    everything += "".join(path.read_text() for path in inbox.failed.glob("*.txt"))
    for secret in (PASSWORD, passphrase, "Wrong-Pass-Phrase"):
        assert secret not in everything


def test_personal_data_never_in_poll_logs(tmp_path: Path) -> None:
    bundles = corpus_bundles(3, per_bundle=6, seed=60)
    partial = bundle([person("Z-1", "Quasimodo", "Zephyrine", email="zephyrine@example.org",
                             phone="+33 6 12 34 56 78"),
                      person("Z-2", "Frollo", "Esmeralda", email="esme@example.org")],
                     bundle_id="Z-PART", omit=["cvs/Z-2.docx"])
    private = set().union(*(personal_data(data) for data in [*bundles, partial]))
    assert len(private) > 40
    inbox = local_inbox(tmp_path / "vendor")
    for index, data in enumerate([*bundles, partial, invalid_sample()]):
        inbox.upload(f"lot-{index}.zip", data)
    env = cli_env(f"sqlite:///{tmp_path / 'store.db'}", inbox=inbox.url, settle_seconds=0.1,
                  work_dir=tmp_path / "work")
    text_run = _run(env, "poll", "--once", cwd=tmp_path)
    assert text_run.returncode == 1  # a partial and a failed bundle
    for index, data in enumerate([*bundles, partial]):  # the same again: duplicates
        inbox.upload(f"again-{index}.zip", data)
    json_run = _run(env, "poll", "--once", "--log-format", "json", cwd=tmp_path)
    assert json_run.returncode == 0, json_run.stderr  # duplicates of a partial: not refused
    logs = text_run.stderr + json_run.stderr
    assert "bundle lot-" in logs
    assert sorted(value for value in private if value in logs) == []


# -- permissions -------------------------------------------------------------------------------


def _umask_zero() -> None:
    os.umask(0)


def test_sqlite_store_files_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    inbox = local_inbox(tmp_path / "vendor")
    inbox.upload("lot.zip", corpus_bundles(1, per_bundle=1, seed=61)[0])
    store = tmp_path / "var" / "store.db"
    env = cli_env(f"sqlite:///{store}", inbox=inbox.url, settle_seconds=0.1,
                  work_dir=tmp_path / "work")
    with (tmp_path / "poll.log").open("ab") as log:
        process = subprocess.Popen(cvbridge_command("poll", "--interval", "0.2"), env=env,
                                   cwd=tmp_path, stdout=log, stderr=log,
                                   preexec_fn=_umask_zero)
    try:
        assert wait_for(lambda: inbox.drained(1))
        files = {path.name: stat.S_IMODE(path.stat().st_mode) for path in store.parent.iterdir()}
        work_mode = stat.S_IMODE((tmp_path / "work").stat().st_mode)
    finally:
        process.terminate()
        process.wait(30)
    assert files == {"store.db": 0o600, "store.db-wal": 0o600, "store.db-shm": 0o600}
    assert stat.S_IMODE(store.parent.stat().st_mode) == 0o700
    assert work_mode == 0o700


@pytest.mark.parametrize("kind", ["local", "sftp"])
def test_downloads_are_not_world_readable(kind: str, sshd_server: SshServer,
                                          tmp_path: Path) -> None:
    inbox = local_inbox(tmp_path / "vendor") if kind == "local" else sftp_inbox(sshd_server)
    (inbox.inbox / "lot.zip").write_bytes(b"bundle bytes")
    (inbox.inbox / "lot.zip").chmod(0o644)
    recorder = _Recorder()
    previous = os.umask(0)
    try:
        _poll(Poller(_transport(kind, sshd_server, inbox), recorder, work_dir=tmp_path / "work",
                     settle_seconds=0.0))
    finally:
        os.umask(previous)
    assert recorder.calls == [("lot.zip", sha256(b"bundle bytes"))]
    assert recorder.modes == [(0o600, 0o700)]
    assert list((tmp_path / "work").iterdir()) == []


def test_only_downloads_of_killed_pollers_are_swept(tmp_path: Path) -> None:
    """Two pollers on one work folder (two workers on one machine) name their downloads
    apart, and one never deletes the other's download as left over by a killed poller."""
    from cvbridge.inbox._poller import sweep_work_dir

    work = tmp_path / "work"
    work.mkdir()
    alive = work / f"bundle-{_host_tag()}-{os.getpid()}-{'a' * 32}.zip"
    alive.write_bytes(b"in use")
    dead_pid = _dead_pid()
    dead = work / f"bundle-{_host_tag()}-{dead_pid}-{'b' * 32}.zip"
    dead_part = work / f".bundle-{_host_tag()}-{dead_pid}-{'c' * 32}.zip.x1y2.part"
    other_host = work / f"bundle-00000000-{dead_pid}-{'d' * 32}.zip"
    for path in (dead, dead_part, other_host):
        path.write_bytes(b"left behind")
    assert sorted(sweep_work_dir(work)) == sorted([dead.name, dead_part.name])
    assert sorted(path.name for path in work.iterdir()) == sorted([alive.name,
                                                                   other_host.name])


def _host_tag() -> str:
    from cvbridge.inbox._poller import _HOST_TAG

    return _HOST_TAG


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid
