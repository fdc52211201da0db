"""The inbox layer against a real OpenSSH server (tests/servers/sshd.py)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    load_ssh_private_key,
)

from cvbridge import InboxError, InboxTrustError
from cvbridge.inbox import (
    IngestResult,
    Poller,
    SftpSettings,
    SftpTransport,
    transport_factory,
)
from tests.inbox_fakes import FakeClock, RecordingIngest, drop
from tests.poll_support import CuttingProxy
from tests.servers import SshServer, throwaway_sshd


@pytest.fixture
def inbox(sftp_root: Path) -> Path:
    path = sftp_root / "inbox"
    path.mkdir()
    return path


def _settings(server: SshServer, inbox: Path, **overrides: object) -> SftpSettings:
    values: dict[str, object] = {
        "host": server.host,
        "port": server.port,
        "username": server.username,
        "inbox": str(inbox),
        "key_path": server.client_key_path,
        "known_hosts": server.known_hosts_path,
        "io_timeout": 20.0,
    }
    values.update(overrides)
    return SftpSettings(**values)  # type: ignore[arg-type]


@contextlib.contextmanager
def _transport(server: SshServer, inbox: Path, **overrides: object) -> Iterator[SftpTransport]:
    transport = SftpTransport(_settings(server, inbox, **overrides))
    try:
        yield transport
    finally:
        transport.close()


def _poller(
    server: SshServer, inbox: Path, ingest: RecordingIngest, clock: FakeClock, **overrides: object
) -> Poller:
    settings = _settings(server, inbox, **overrides)
    return Poller(
        lambda: SftpTransport(settings),
        ingest,
        work_dir=inbox.parent / "work",
        settle_seconds=0.5,
        clock=clock,
    )


def test_normal_flow(sshd_server: SshServer, inbox: Path) -> None:
    good = drop(inbox, "lot-1.zip")
    bad = drop(inbox, "lot-2.zip")
    drop(inbox, "lot-3.zip.tmp")
    ingest = RecordingIngest({"lot-2.zip": IngestResult("failed", "manifest: missing\n", "failed")})
    clock = FakeClock()
    poller = _poller(sshd_server, inbox, ingest, clock)
    try:
        assert poller.poll_once().taken == 0
        clock.now += 0.5
        summary = poller.poll_once()
    finally:
        poller.close()
    assert (summary.taken, summary.processed, summary.failed) == (2, 1, 1)
    assert sorted(ingest.calls) == [("lot-1.zip", good), ("lot-2.zip", bad)]
    vendor = inbox.parent
    assert [p.name for p in inbox.iterdir()] == ["lot-3.zip.tmp"]
    assert [p.name for p in (vendor / "processed").iterdir()] == ["lot-1.zip"]
    assert (vendor / "failed" / "lot-2.zip.errors.txt").read_text() == "manifest: missing\n"
    assert [p.name for p in (vendor / "processing").iterdir()] == []


def test_growing_file_is_not_taken_until_unchanged(sshd_server: SshServer, inbox: Path) -> None:
    clock = FakeClock()
    ingest = RecordingIngest()
    poller = _poller(sshd_server, inbox, ingest, clock)
    bundle = inbox / "lot.zip"
    try:
        bundle.write_bytes(os.urandom(1000))
        assert poller.poll_once().taken == 0
        clock.now += 2
        with bundle.open("ab") as upload:
            upload.write(os.urandom(1000))
        assert poller.poll_once().taken == 0  # grew since the last listing
        clock.now += 0.4
        assert poller.poll_once().taken == 0  # unchanged, but not for 0.5 s yet
        clock.now += 0.1
        assert poller.poll_once().processed == 1
    finally:
        poller.close()
    assert len(ingest.calls) == 1
    assert (inbox.parent / "processed" / "lot.zip").stat().st_size == 2000


def test_part_file_ignored_then_taken_after_rename(sshd_server: SshServer, inbox: Path) -> None:
    clock = FakeClock()
    ingest = RecordingIngest()
    poller = _poller(sshd_server, inbox, ingest, clock)
    try:
        digest = drop(inbox, "lot.zip.part")
        poller.poll_once()
        clock.now += 10
        assert poller.poll_once().taken == 0
        (inbox / "lot.zip.part").rename(inbox / "lot.zip")
        poller.poll_once()
        clock.now += 0.5
        assert poller.poll_once().processed == 1
    finally:
        poller.close()
    assert ingest.calls == [("lot.zip", digest)]


def test_host_key_mismatch_is_a_trust_error(
    sshd_server: SshServer, inbox: Path, tmp_path: Path
) -> None:
    wrong = sshd_server.write_wrong_known_hosts(tmp_path / "known_hosts")
    with pytest.raises(InboxTrustError, match="does not match"):
        SftpTransport(_settings(sshd_server, inbox, known_hosts=wrong))


def test_unauthorized_key_is_a_trust_error(sshd_server: SshServer, inbox: Path) -> None:
    settings = _settings(sshd_server, inbox, key_path=sshd_server.unauthorized_key_path)
    with pytest.raises(InboxTrustError, match="refused"):
        SftpTransport(settings)


def test_missing_known_hosts_is_a_trust_error(
    sshd_server: SshServer, inbox: Path, tmp_path: Path
) -> None:
    with pytest.raises(InboxTrustError, match="not found"):
        SftpTransport(_settings(sshd_server, inbox, known_hosts=tmp_path / "nope"))
    other = tmp_path / "other_hosts"
    other.write_text(sshd_server.known_hosts_path.read_text().replace("[127.0.0.1]", "[10.9.9.9]"))
    with pytest.raises(InboxTrustError, match="no host key"):
        SftpTransport(_settings(sshd_server, inbox, known_hosts=other))


def test_run_stops_at_once_on_trust_error(
    sshd_server: SshServer, inbox: Path, tmp_path: Path
) -> None:
    wrong = sshd_server.write_wrong_known_hosts(tmp_path / "known_hosts")
    poller = _poller(sshd_server, inbox, RecordingIngest(), FakeClock(), known_hosts=wrong)
    with pytest.raises(InboxTrustError):
        poller.run(0.01, threading.Event())


def test_unreachable_server_is_an_inbox_error(inbox: Path, sshd_server: SshServer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens on it
    known = inbox.parent / "known_hosts"
    known.write_text(
        sshd_server.known_hosts_path.read_text().replace(f":{sshd_server.port} ", f":{port} ")
    )
    with pytest.raises(InboxError) as caught:
        SftpTransport(_settings(sshd_server, inbox, port=port, known_hosts=known))
    assert not isinstance(caught.value, InboxTrustError)


def test_rsa_key_works(sshd_server: SshServer, inbox: Path) -> None:
    drop(inbox, "lot.zip")
    with _transport(sshd_server, inbox, key_path=sshd_server.client_rsa_key_path) as transport:
        assert [f.name for f in transport.list_inbox()] == ["lot.zip"]


def test_encrypted_key_needs_its_passphrase(
    sshd_server: SshServer, inbox: Path, tmp_path: Path
) -> None:
    key = load_ssh_private_key(sshd_server.client_key_path.read_bytes(), password=None)
    encrypted = tmp_path / "client_encrypted"
    encrypted.write_bytes(
        key.private_bytes(
            Encoding.PEM, PrivateFormat.OpenSSH, BestAvailableEncryption(b"s3cret-phrase")
        )
    )
    with pytest.raises(InboxTrustError, match="passphrase") as caught:
        SftpTransport(_settings(sshd_server, inbox, key_path=encrypted))
    with pytest.raises(InboxTrustError) as caught:
        SftpTransport(_settings(sshd_server, inbox, key_path=encrypted, passphrase="wrong"))
    assert "wrong" not in str(caught.value).replace("wrong passphrase", "")
    settings = _settings(sshd_server, inbox, key_path=encrypted, passphrase="s3cret-phrase")
    assert "s3cret" not in repr(settings)
    SftpTransport(settings).close()


def test_name_clash_in_processed_does_not_overwrite(sshd_server: SshServer, inbox: Path) -> None:
    processed = inbox.parent / "processed"
    processed.mkdir()
    (processed / "lot.zip").write_bytes(b"earlier bundle")
    digest = drop(inbox, "lot.zip")
    with _transport(sshd_server, inbox) as transport:
        assert transport.claim("lot.zip") == "lot.zip"
        assert transport.complete("lot.zip", "processed") == "lot.2.zip"
    assert (processed / "lot.zip").read_bytes() == b"earlier bundle"
    assert hashlib.sha256((processed / "lot.2.zip").read_bytes()).hexdigest() == digest


def test_failed_bundle_gets_errors_file(sshd_server: SshServer, inbox: Path) -> None:
    failed = inbox.parent / "failed"
    failed.mkdir()
    (failed / "lot.zip").write_bytes(b"earlier")
    drop(inbox, "lot.zip")
    with _transport(sshd_server, inbox) as transport:
        transport.claim("lot.zip")
        assert transport.complete("lot.zip", "failed", "entry 3: zip bomb\n") == "lot.2.zip"
    assert (failed / "lot.2.zip.errors.txt").read_text() == "entry 3: zip bomb\n"
    assert sorted(p.name for p in failed.iterdir()) == [
        "lot.2.zip",
        "lot.2.zip.errors.txt",
        "lot.zip",
    ]


def test_claim_is_exclusive_and_never_overwrites(sshd_server: SshServer, inbox: Path) -> None:
    drop(inbox, "lot.zip")
    with _transport(sshd_server, inbox) as first, _transport(sshd_server, inbox) as second:
        assert first.claim("lot.zip") == "lot.zip"
        assert second.claim("lot.zip") is None
        drop(inbox, "lot.zip")  # re-sent under the same name
        assert second.claim("lot.zip") is None
        assert (inbox / "lot.zip").exists()


def test_download_integrity_5mb(sshd_server: SshServer, inbox: Path, tmp_path: Path) -> None:
    digest = drop(inbox, "big.zip", size=5 * 1024 * 1024 + 123)
    dest = tmp_path / "big.zip"
    with _transport(sshd_server, inbox, read_window=1024 * 1024) as transport:
        transport.claim("big.zip")
        transport.download("big.zip", dest)
        transport.download("big.zip", dest)  # same session, again: replaces the local copy
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == digest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.zip"]  # no temp files left


def test_stale_claims_by_server_clock(sshd_server: SshServer, inbox: Path) -> None:
    drop(inbox, "old.zip")
    drop(inbox, "new.zip")
    processing = inbox.parent / "processing"
    with _transport(sshd_server, inbox) as transport:
        transport.claim("old.zip")
        transport.claim("new.zip")
        stamped = (processing / "new.zip").stat().st_mtime
        os.utime(processing / "old.zip", (stamped - 7200, stamped - 7200))
        assert transport.stale_claims(3600) == ["old.zip"]
        assert transport.release("old.zip") == "old.zip"
    assert (inbox / "old.zip").exists()
    assert not [p for p in processing.iterdir() if p.name.startswith(".")]


def test_transport_factory_from_url(sshd_server: SshServer, inbox: Path) -> None:
    drop(inbox, "lot.zip")
    open_transport = transport_factory(
        sshd_server.url(inbox.relative_to(sshd_server.root_dir)),
        key_path=sshd_server.client_key_path,
        known_hosts=sshd_server.known_hosts_path,
    )
    transport = open_transport()
    try:
        assert [f.name for f in transport.list_inbox()] == ["lot.zip"]
    finally:
        transport.close()


def test_connection_cut_mid_download_then_retry(
    sshd_server: SshServer, inbox: Path, tmp_path: Path
) -> None:
    proxy = CuttingProxy(sshd_server.port, cut_after=1_500_000)
    known = tmp_path / "known_hosts"
    known.write_text(
        sshd_server.known_hosts_path.read_text().replace(f":{sshd_server.port} ", f":{proxy.port} ")
    )
    digest = drop(inbox, "big.zip", size=5 * 1024 * 1024)
    clock = FakeClock()
    ingest = RecordingIngest()
    poller = _poller(sshd_server, inbox, ingest, clock, port=proxy.port, known_hosts=known)
    try:
        poller.poll_once()
        clock.now += 1
        with pytest.raises(InboxError) as caught:
            poller.poll_once()
        assert not isinstance(caught.value, InboxTrustError)
        assert proxy.cuts == 1
        assert ingest.calls == []
        assert poller.claims_in_hand == ["big.zip"]
        assert (inbox.parent / "processing" / "big.zip").exists()
        assert list((inbox.parent / "work").iterdir()) == []  # partial download removed

        summary = poller.poll_once()  # a fresh transport, through the proxy, not cut this time
        assert (summary.resumed, summary.processed) == (1, 1)
    finally:
        poller.close()
        proxy.close()
    assert ingest.calls == [("big.zip", digest)]
    assert poller.claims_in_hand == []
    processed = inbox.parent / "processed" / "big.zip"
    assert hashlib.sha256(processed.read_bytes()).hexdigest() == digest


def test_run_reconnects_after_the_server_restarts(tmp_path: Path) -> None:
    # A server of its own: this test kills it, which the session's server must not suffer.
    (tmp_path / "sshd").mkdir()
    with throwaway_sshd(tmp_path / "sshd") as server:
        inbox = server.root_dir / "inbox"
        inbox.mkdir()
        processed = server.root_dir / "processed"
        settings = _settings(server, inbox)
        errors: list[BaseException] = []
        stop = threading.Event()
        poller = Poller(
            lambda: SftpTransport(settings),
            RecordingIngest(),
            work_dir=tmp_path / "work",
            settle_seconds=0.0,
            backoff_base=0.05,
            backoff_max=0.2,
        )

        def run() -> None:
            try:
                poller.run(0.05, stop)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        thread = threading.Thread(target=run)
        thread.start()
        try:
            drop(inbox, "first.zip")
            assert _wait_for(lambda: (processed / "first.zip").exists())
            server.kill()  # the session dies; reconnects are refused for a while
            time.sleep(0.5)
            drop(inbox, "second.zip")
            server.start()
            assert _wait_for(lambda: (processed / "second.zip").exists())
        finally:
            stop.set()
            thread.join(20)
        assert not thread.is_alive()
        assert errors == []


def _wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_non_utf8_name_is_an_inbox_error_not_a_crash(sshd_server: SshServer, inbox: Path) -> None:
    (Path(os.fsdecode(os.fsencode(inbox) + b"/caf\xe9.zip"))).write_bytes(b"latin-1 name")
    with _transport(sshd_server, inbox) as transport, pytest.raises(InboxError, match="UTF-8"):
        transport.list_inbox()
