"""``cvbridge poll`` end to end: the real sshd, the real store, the CLI as a real process where
exit codes and signals are the point, the pickup in-process where the logic is."""

from __future__ import annotations

import json
import logging
import re
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    load_ssh_private_key,
)

from cvbridge._config import Settings
from cvbridge.inbox._pickup import build_pickup
from cvbridge.store import Store
from tests.poll_support import (
    Inbox,
    PollProcess,
    StoreView,
    corpus_bundles,
    expected_codes,
    invalid_sample,
    personal_data,
    poll_env,
    run_cvbridge,
    sha256,
    wait_for,
)
from tests.servers import SshServer

pytest_plugins = ("tests.poll_fixtures",)

INVALID = "error-manifest-missing.zip"


def _settings(inbox: Inbox, server: SshServer, db_url: str, work: Path,
              settle: float = 0.2) -> Settings:
    return Settings(db_url=db_url, inbox=inbox.url, ssh_key=server.client_key_path,
                    known_hosts=server.known_hosts_path, settle_seconds=settle, work_dir=work)


def _once(settings: Settings) -> list[str]:
    """One ``poll --once`` in-process: the statuses of the bundles it ingested."""
    with Store(settings.db_url) as store:
        return [result.status for result in build_pickup(settings, store).once(threading.Event())]


# -- 1. the normal flow ------------------------------------------------------------------------


def test_once_ingests_files_away_and_keeps_a_ledger(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    bundles = corpus_bundles(3, per_bundle=3, seed=11)
    uploaded = {}
    for index, data in enumerate(bundles):
        path = inbox.upload(f"lot-{index}.zip", data)
        uploaded[path.name] = (len(data), int(path.stat().st_mtime), sha256(data))
    env = poll_env(inbox, sshd_server, db_url, tmp_path / "work")

    run = run_cvbridge(env, "poll", "--once", cwd=tmp_path)

    assert run.returncode == 0, run.stderr
    assert inbox.bundles(inbox.processed) == sorted(uploaded)
    assert inbox.bundles(inbox.inbox) == inbox.bundles(inbox.processing) == []
    assert not inbox.failed.exists() or inbox.names(inbox.failed) == []
    store = StoreView(db_url)
    assert store.statuses() == {"ingested": 3}
    assert store.candidates() == 9
    assert store.doubled_candidates() == []
    assert sorted(row[:4] for row in store.pickups()) == sorted(
        (name, *facts) for name, facts in uploaded.items())
    assert {row[4:] for row in store.pickups()} == {("ingested", "processed")}

    bad = invalid_sample(INVALID)
    inbox.upload("broken.zip", bad)
    run = run_cvbridge(env, "poll", "--once", cwd=tmp_path)

    assert run.returncode == 1, run.stderr
    assert inbox.names(inbox.failed) == ["broken.zip", "broken.zip.errors.txt"]
    errors = (inbox.failed / "broken.zip.errors.txt").read_text()
    assert "broken.zip was NOT ingested" in errors
    for code in expected_codes(INVALID):
        assert code in errors
    assert (inbox.failed / "broken.zip").read_bytes() == bad
    assert store.statuses() == {"ingested": 3, "failed": 1}
    assert store.candidates() == 9
    assert store.pickups()[-1][0] == "broken.zip"
    assert store.pickups()[-1][3:] == (sha256(bad), "failed", "failed")


# -- 2. the same bytes twice ------------------------------------------------------------------


def test_same_bytes_under_another_name_later_is_a_duplicate(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    data = corpus_bundles(1, per_bundle=3, seed=12)[0]
    settings = _settings(inbox, sshd_server, db_url, tmp_path / "work")
    inbox.upload("monday.zip", data)
    assert _once(settings) == ["ingested"]
    store = StoreView(db_url)
    assert store.candidates() == 3

    inbox.upload("tuesday.zip", data)
    assert _once(settings) == ["duplicate"]

    assert inbox.bundles(inbox.processed) == ["monday.zip", "tuesday.zip"]
    assert inbox.bundles(inbox.inbox) == inbox.bundles(inbox.processing) == []
    assert store.candidates() == 3
    assert store.statuses() == {"ingested": 1, "duplicate": 1}
    assert [(row[0], row[3:]) for row in store.pickups()] == [
        ("monday.zip", (sha256(data), "ingested", "processed")),
        ("tuesday.zip", (sha256(data), "duplicate", "processed")),
    ]


def test_same_bytes_under_two_names_at_once_is_ingested_once(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    data = corpus_bundles(1, per_bundle=3, seed=13)[0]
    moment = time.time() - 5
    inbox.upload("copy-a.zip", data, mtime=moment)
    inbox.upload("copy-b.zip", data, mtime=moment)

    statuses = _once(_settings(inbox, sshd_server, db_url, tmp_path / "work"))

    assert sorted(statuses) == ["duplicate", "ingested"]
    assert inbox.bundles(inbox.processed) == ["copy-a.zip", "copy-b.zip"]
    store = StoreView(db_url)
    assert store.primary_statuses() == {sha256(data): ["ingested"]}
    assert store.candidates() == 3


def test_failed_bytes_sent_again_go_back_to_failed_with_their_errors(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    """A vendor re-sending a refused bundle unchanged must not find it in processed/."""
    bad = invalid_sample(INVALID)
    settings = _settings(inbox, sshd_server, db_url, tmp_path / "work")
    inbox.upload("refused.zip", bad)
    assert _once(settings) == ["failed"]
    inbox.upload("refused-again.zip", bad)

    run = run_cvbridge(poll_env(inbox, sshd_server, db_url, tmp_path / "work"), "poll", "--once",
                       cwd=tmp_path)

    assert run.returncode == 1, run.stderr
    assert "refused-again.zip: duplicate of bundle #1 (failed)" in run.stderr
    assert inbox.bundles(inbox.processed) == []
    assert inbox.names(inbox.failed) == ["refused-again.zip", "refused-again.zip.errors.txt",
                                         "refused.zip", "refused.zip.errors.txt"]
    errors = (inbox.failed / "refused-again.zip.errors.txt").read_text()
    assert "refused-again.zip was NOT ingested" in errors
    for code in expected_codes(INVALID):
        assert code in errors
    assert StoreView(db_url).pickups()[-1][4:] == ("duplicate", "failed")


# -- 3. incomplete uploads --------------------------------------------------------------------


class _Rounds(logging.Handler):
    """Counts the poller's rounds that saw a bundle waiting to settle (its debug summary)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.waiting = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("poll: ") and "waiting=1" in message:
            self.waiting.set()


@pytest.fixture
def rounds() -> Iterator[_Rounds]:
    logger = logging.getLogger("cvbridge.inbox")
    handler, level = _Rounds(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_growing_upload_is_taken_only_once_complete(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path, rounds: _Rounds
) -> None:
    data = corpus_bundles(1, per_bundle=3, seed=14)[0]
    half = data[: len(data) // 2]
    target = inbox.inbox / "growing.zip"
    target.write_bytes(half)  # written in place, no .part: only settling protects it
    settings = _settings(inbox, sshd_server, db_url, tmp_path / "work", settle=1.5)
    statuses: list[str] = []
    poll = threading.Thread(target=lambda: statuses.extend(_once(settings)))
    poll.start()
    try:
        assert rounds.waiting.wait(20), "the poller never listed the upload"
        with target.open("ab") as upload:  # the rest arrives while the poller lets it settle
            upload.write(data[len(half):])
    finally:
        poll.join(30)
    assert not poll.is_alive()

    assert statuses in ([], ["ingested"])
    store = StoreView(db_url)
    assert sha256(half) not in store.blobs()
    if not statuses:  # not settled within --once's rounds: the next poll takes it whole
        assert _once(settings) == ["ingested"]
    assert store.blobs() == {sha256(data)}
    assert store.statuses() == {"ingested": 1}
    assert (inbox.processed / "growing.zip").read_bytes() == data


def test_part_upload_is_ignored_until_renamed(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    data = corpus_bundles(1, per_bundle=3, seed=15)[0]
    part = inbox.inbox / "lot.zip.part"
    part.write_bytes(data)
    settings = _settings(inbox, sshd_server, db_url, tmp_path / "work")

    assert _once(settings) == []
    assert inbox.names(inbox.inbox) == ["lot.zip.part"]
    part.rename(inbox.inbox / "lot.zip")
    assert _once(settings) == ["ingested"]

    assert inbox.bundles(inbox.processed) == ["lot.zip"]
    assert StoreView(db_url).blobs() == {sha256(data)}


# -- 4. an inbox that cannot be trusted -------------------------------------------------------


@pytest.mark.parametrize("fault", ["host key", "client key", "known_hosts"])
def test_untrusted_inbox_stops_the_daemon_at_once_with_exit_3(
    fault: str, inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    inbox.upload("lot.zip", corpus_bundles(1, per_bundle=1, seed=16)[0])
    faults: dict[str, dict[str, Path]] = {
        "host key": {"CVBRIDGE_KNOWN_HOSTS":
                     sshd_server.write_wrong_known_hosts(tmp_path / "known_hosts")},
        "client key": {"CVBRIDGE_SSH_KEY": sshd_server.unauthorized_key_path},
        "known_hosts": {"CVBRIDGE_KNOWN_HOSTS": tmp_path / "missing_known_hosts"},
    }
    env = poll_env(inbox, sshd_server, db_url, tmp_path / "work", **faults[fault])
    expected = {"host key": "host key .* does not match", "client key": "was refused with key",
                "known_hosts": "known_hosts file .* not found"}[fault]
    json_logs = fault == "host key"
    sshd_log = sshd_server.log_path.read_text(errors="replace")

    started = time.monotonic()
    run = run_cvbridge(env, "poll", "--interval", "0.1",
                       *(["--log-format", "json"] if json_logs else []), cwd=tmp_path)
    elapsed = time.monotonic() - started

    assert run.returncode == 3, run.stderr
    assert elapsed < 15  # the daemon gave up at once, no backoff and retry
    if json_logs:  # JSON to the last line, the error that ended it included
        last = json.loads(run.stderr.strip().splitlines()[-1])
        assert (last["level"], last["message"][:7]) == ("error", "error: ")
        message = last["message"]
        assert [json.loads(line) for line in run.stderr.splitlines()]
    else:
        message = run.stderr.strip().splitlines()[-1]
        assert message.startswith("cvbridge: error: ")
    assert re.search(expected, message), message
    assert run.stderr.count("inbox not trusted") == 1
    new_sshd_log = sshd_server.log_path.read_text(errors="replace")[len(sshd_log):]
    assert new_sshd_log.count("Connection from") <= 1  # one attempt, not a retry storm
    assert inbox.bundles(inbox.inbox) == ["lot.zip"]  # untouched


# -- 6. SIGTERM, JSON logs, secrets -----------------------------------------------------------


def _encrypted_key(server: SshServer, path: Path, passphrase: str) -> Path:
    key = load_ssh_private_key(server.client_key_path.read_bytes(), password=None)
    path.touch(mode=0o600)
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH,
                                       BestAvailableEncryption(passphrase.encode())))
    return path


def test_sigterm_finishes_the_bundle_in_hand_and_stops(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    passphrase = "Tr0ub4dor-et-3-cheVaux"
    key = _encrypted_key(sshd_server, tmp_path / "client_encrypted", passphrase)
    bundles = corpus_bundles(6, per_bundle=8, seed=17)
    private = set().union(*(personal_data(data) for data in bundles))
    assert len(private) > 20
    for index, data in enumerate(bundles):
        inbox.upload(f"lot-{index}.zip", data)
    env = poll_env(inbox, sshd_server, db_url, tmp_path / "work", CVBRIDGE_SSH_KEY=key,
                   CVBRIDGE_SSH_KEY_PASSPHRASE=passphrase)

    with PollProcess(env, ("--interval", "0.2", "--log-format", "json"),
                     tmp_path / "poll.log", tmp_path) as poll:
        assert poll.wait_log(r'"message": "claimed '), poll.log()
        poll.signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        returncode = poll.wait(timeout=20)
        assert time.monotonic() - stopped_at < 10
    log = poll.log()

    assert returncode == 0, log
    entries = [json.loads(line) for line in log.splitlines()]  # every line one JSON object
    assert all(isinstance(entry, dict) for entry in entries)
    assert entries[-1]["message"] == "inbox poller stopped"
    assert {"ts", "level", "logger", "message"} <= set(entries[0])
    # the bundle in hand was finished, the others left for the next run: nothing half-done
    assert inbox.bundles(inbox.processing) == []
    done = inbox.bundles(inbox.processed)
    assert done
    assert sorted(done + inbox.bundles(inbox.inbox)) == [f"lot-{i}.zip" for i in range(6)]
    assert StoreView(db_url).statuses() == {"ingested": len(done)}
    # no secret, no personal data
    assert passphrase not in log
    leaked = sorted(value for value in private if value in log)
    assert leaked == []


def test_daemon_stops_on_sigterm_while_idle(
    inbox: Inbox, sshd_server: SshServer, db_url: str, tmp_path: Path
) -> None:
    env = poll_env(inbox, sshd_server, db_url, tmp_path / "work")
    with PollProcess(env, ("--interval", "30"), tmp_path / "poll.log", tmp_path) as poll:
        assert wait_for(lambda: (inbox.root / "processing").is_dir()), poll.log()
        assert poll.wait_log("connected to")
        assert poll.stop(timeout=10) == 0
    assert "stopped" in poll.log().splitlines()[-1]
