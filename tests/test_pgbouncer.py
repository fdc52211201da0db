"""The PostgreSQL store through pgbouncer (Debian's), as most PostgreSQL sites pool: two
``cvbridge poll`` daemons through one pgbouncer in transaction mode share its single server
connection, and every bundle is still ingested exactly once, with no traceback; session mode
works too; a driver's error reaches the user as one line, its SQL only at --verbose."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.poll_support import (
    Inbox,
    PollProcess,
    StoreView,
    corpus_bundles,
    poll_env,
    run_cvbridge,
    sha256,
    wait_for,
)
from tests.servers import (
    PgbouncerServer,
    PoolMode,
    PostgresServer,
    SshServer,
    throwaway_pgbouncer,
)


@pytest.fixture
def database(postgres_server: PostgresServer) -> Iterator[str]:
    name = f"cvtest_{uuid.uuid4().hex[:12]}"
    postgres_server.create_database(name)
    yield name
    postgres_server.drop_database(name)


def _bouncer(postgres_server: PostgresServer, mode: PoolMode) -> Iterator[PgbouncerServer]:
    with throwaway_pgbouncer(postgres_server, mode) as bouncer:
        yield bouncer


@pytest.fixture
def transaction_bouncer(postgres_server: PostgresServer) -> Iterator[PgbouncerServer]:
    yield from _bouncer(postgres_server, "transaction")


@pytest.fixture
def session_bouncer(postgres_server: PostgresServer) -> Iterator[PgbouncerServer]:
    yield from _bouncer(postgres_server, "session")


def test_the_fixture_shares_server_connections_in_transaction_mode(
    transaction_bouncer: PgbouncerServer, database: str
) -> None:
    """What broke the workers: psycopg's prepared statements, left on a server connection
    that the next client is handed. If this stops failing, the test below proves nothing."""
    engines = [sa.create_engine(transaction_bouncer.url(database)) for _ in range(2)]
    try:
        connections = [engine.connect() for engine in engines]
        with pytest.raises(sa.exc.ProgrammingError, match="prepared statement"):
            for value in range(8):
                for connection in connections:
                    connection.execute(sa.text("SELECT CAST(:v AS int)"), {"v": value})
                    connection.commit()
    finally:
        for engine in engines:
            engine.dispose()


def test_two_pollers_through_pgbouncer_in_transaction_mode_ingest_each_bundle_once(
    sshd_server: SshServer, sftp_root: Path, transaction_bouncer: PgbouncerServer,
    database: str, tmp_path: Path
) -> None:
    url = transaction_bouncer.url(database)
    inbox = Inbox.on(sshd_server, sftp_root)
    distinct = corpus_bundles(12, per_bundle=3, seed=41)
    sent = {f"lot-{index:02d}.zip": data for index, data in enumerate(distinct)}
    sent["lot-05-copy.zip"] = sent["lot-05.zip"]  # same bytes twice: one is a duplicate
    env = poll_env(inbox, sshd_server, url, tmp_path / "work", CVBRIDGE_SETTLE_SECONDS=0.3)
    upgrade = run_cvbridge(env, "db", "upgrade", cwd=tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr

    moment = time.time() - 30
    names = sorted(sent)
    for name in names[:6]:
        inbox.upload(name, sent[name], mtime=moment)
    workers: list[PollProcess] = []
    try:
        for n in (1, 2):
            workers.append(PollProcess({**env, "CVBRIDGE_WORK_DIR": str(tmp_path / f"work-{n}")},
                                       ("--interval", "0.2"), tmp_path / f"worker-{n}.log",
                                       tmp_path))
        for name in names[6:]:
            inbox.upload(name, sent[name], mtime=moment)
        drained = wait_for(lambda: inbox.drained(len(sent)), timeout=60)
        returncodes = [worker.stop() for worker in workers]
    finally:
        for worker in workers:
            worker.close()
    logs = [worker.log() for worker in workers]
    assert drained, logs
    assert returncodes == [0, 0], logs
    for log in logs:
        assert "Traceback" not in log
        assert "store error" not in log
        assert "prepared statement" not in log
    assert inbox.bundles(inbox.processed) == names
    store = StoreView(url)
    digests = {sha256(data) for data in distinct}
    assert store.primary_statuses() == {digest: ["ingested"] for digest in digests}
    assert store.candidates() == 12 * 3
    assert store.doubled_candidates() == []
    assert sorted(row[0] for row in store.pickups()) == names


def test_session_mode_serves_a_poll_and_the_read_commands(
    sshd_server: SshServer, sftp_root: Path, session_bouncer: PgbouncerServer,
    database: str, tmp_path: Path
) -> None:
    url = session_bouncer.url(database)
    inbox = Inbox.on(sshd_server, sftp_root)
    bundles = corpus_bundles(2, per_bundle=2, seed=42)
    for index, data in enumerate(bundles):
        inbox.upload(f"s-{index}.zip", data, mtime=time.time() - 30)
    env = poll_env(inbox, sshd_server, url, tmp_path / "work")
    assert run_cvbridge(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    polled = run_cvbridge(env, "poll", "--once", cwd=tmp_path)
    assert polled.returncode == 0, polled.stderr
    listed = run_cvbridge(env, "bundles", "list", "--format", "json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count('"ingested"') == 2


def test_a_server_error_is_one_line_and_its_sql_only_at_verbose(
    sshd_server: SshServer, sftp_root: Path, postgres_server: PostgresServer,
    transaction_bouncer: PgbouncerServer, database: str, tmp_path: Path
) -> None:
    url = transaction_bouncer.url(database)
    inbox = Inbox.on(sshd_server, sftp_root)
    env = poll_env(inbox, sshd_server, url, tmp_path / "work")
    assert run_cvbridge(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    engine = sa.create_engine(postgres_server.url(database))
    with engine.begin() as connection:  # a site whose DBA broke the ledger's table
        connection.execute(sa.text("ALTER TABLE inbox_pickup RENAME TO inbox_pickup_old"))
    engine.dispose()
    inbox.upload("one.zip", corpus_bundles(1, per_bundle=1, seed=43)[0], mtime=time.time() - 30)

    quiet = run_cvbridge(env, "poll", "--once", cwd=tmp_path)
    assert quiet.returncode == 4
    last = quiet.stderr.splitlines()[-1]
    assert last == 'cvbridge: error: store: relation "inbox_pickup" does not exist'
    assert "Traceback" not in quiet.stderr
    assert "INSERT" not in quiet.stderr

    loud = run_cvbridge(env, "poll", "--once", "--verbose", cwd=tmp_path)
    assert loud.returncode == 4
    assert "the store refused: INSERT INTO inbox_pickup" in loud.stderr
    # --verbose asks for the traceback too (cli/_app.main); the last line is still the one
    assert loud.stderr.splitlines()[-1] == last
    assert inbox.bundles(inbox.inbox) == ["one.zip"]  # given back, nothing lost
