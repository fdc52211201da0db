"""``cvbridge status``, the daily check: the monitoring-plugin first line, the details, exit
0/1/2/3; the poller's rounds and claims that feed it; and a read-only store (a SQLite copy on
a read-only mount, a PostgreSQL database that refuses writes) that can still be listed,
shown, searched and checked, while writing commands say why they cannot."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from cvbridge.store import Store
from cvbridge.store._mapping import now_utc
from tests.poll_support import cvbridge_command, invalid_sample, run_cvbridge
from tests.store_bundles import Dropper, person
from tests.store_checks import cli, downgrade_store

pytest_plugins = ("tests.store_fixtures",)

JSON_KEYS = ["state", "window", "bundles", "failed", "partial", "stuck_claims", "last_poll",
             "problems"]


def _ingest_two_good(url: str, drop: Dropper) -> None:
    first = drop([person("E1", "Martin", "Léa")], "lot-1.zip", bundle_id="ACME-1")
    second = drop([person("E2", "Petit", "Hugo")], "lot-2.zip", bundle_id="ACME-2")
    assert cli(url, "ingest", str(first), str(second)).exit_code == 0


def _polled(url: str) -> None:
    with Store(url) as store:
        store.record_poll_round(inbox="/srv/inbox", worker="host:1", ok=True)


def test_ok_when_nothing_failed(store_url: str, drop: Dropper) -> None:
    _ingest_two_good(store_url, drop)
    _polled(store_url)
    result = cli(store_url, "status")
    assert result.exit_code == 0, result.stdout
    assert result.lines[0] == ("CVBRIDGE OK - 2 bundles in 24h, 0 failed, 0 partial, "
                               "oldest claim 0 s")
    assert result.lines[1].startswith("last successful poll: ")
    assert result.lines[1].endswith(" s ago)")
    assert len(result.lines) == 2


def test_critical_on_a_failed_bundle_with_its_first_finding(
    store_url: str, drop: Dropper
) -> None:
    _ingest_two_good(store_url, drop)
    bad = drop.bytes(invalid_sample(), "refused.zip")
    assert cli(store_url, "ingest", str(bad)).exit_code == 1
    _polled(store_url)
    result = cli(store_url, "status", "--since", "2h")
    assert result.exit_code == 2
    assert result.lines[0] == ("CVBRIDGE CRITICAL - 3 bundles in 2h, 1 failed, 0 partial, "
                               "oldest claim 0 s")
    assert result.lines[1].startswith("failed: bundle #3 refused.zip: MANIFEST-MISSING, "
                                      "received ")

    document = json.loads(cli(store_url, "status", "--format", "json").stdout)
    assert list(document) == JSON_KEYS
    assert (document["state"], document["window"], document["bundles"], document["failed"],
            document["partial"], document["stuck_claims"]) == ("CRITICAL", "24h", 3, 1, 0, [])
    [problem] = document["problems"]
    assert {key: problem[key] for key in ("kind", "bundle", "name", "code")} == {
        "kind": "failed", "bundle": 3, "name": "refused.zip", "code": "MANIFEST-MISSING"}
    assert document["last_poll"] is not None


def test_a_failed_bundle_sent_again_is_counted_as_failed(tmp_path: Path, drop: Dropper) -> None:
    url = f"sqlite:///{tmp_path}/store.db"
    first = drop.bytes(invalid_sample(), "first.zip")
    assert cli(url, "ingest", str(first)).exit_code == 1
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # the first receipt was last week
        connection.execute(sa.text("UPDATE bundle SET received_at = :t"),
                           {"t": now_utc() - timedelta(days=7)})
    engine.dispose()
    again = drop.bytes(invalid_sample(), "again.zip")
    assert cli(url, "ingest", str(again)).exit_code == 0  # `ingest` calls it a duplicate
    result = cli(url, "status", "--stale", "0")
    assert result.exit_code == 2
    assert result.lines[0] == ("CVBRIDGE CRITICAL - 1 bundles in 24h, 1 failed, 0 partial, "
                               "oldest claim 0 s")
    assert result.lines[1].startswith("failed: bundle #2 again.zip: MANIFEST-MISSING, ")


def test_a_failure_outside_the_window_is_not_counted(store_url: str, drop: Dropper) -> None:
    bad = drop.bytes(invalid_sample(), "old.zip")
    assert cli(store_url, "ingest", str(bad)).exit_code == 1
    _polled(store_url)
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE bundle SET received_at = :t"),
                           {"t": now_utc() - timedelta(days=2)})
    engine.dispose()
    result = cli(store_url, "status")
    assert (result.exit_code, result.lines[0]) == (
        0, "CVBRIDGE OK - 0 bundles in 24h, 0 failed, 0 partial, oldest claim 0 s")
    assert cli(store_url, "status", "--since", "7d").exit_code == 2


def test_warning_on_a_claim_held_past_its_lease_and_on_no_recent_poll(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(store_url) as store:
        store.record_claim(inbox="sftp://cv@host:22/in", name="lot-9.zip", worker="host:42")
    engine = sa.create_engine(store_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE inbox_claim SET claimed_at = :t"),
                           {"t": now_utc() - timedelta(seconds=4000)})
    engine.dispose()
    monkeypatch.setenv("CVBRIDGE_LEASE_SECONDS", "3600")
    result = cli(store_url, "status")
    assert result.exit_code == 1
    assert result.lines[0].startswith("CVBRIDGE WARNING - 0 bundles in 24h, 0 failed, 0 "
                                      "partial, oldest claim 40")
    assert result.lines[1].startswith("stuck claim: lot-9.zip held by host:42 for 40")
    assert result.lines[1].endswith(" s, longer than its lease (sftp://cv@host:22/in)")
    assert result.lines[2:] == ["no poll: no successful poll round recorded",
                                "last successful poll: never"]
    assert cli(store_url, "status", "--stale", "0").exit_code == 1  # the claim still warns
    with Store(store_url) as store:
        store.forget_claim(inbox="sftp://cv@host:22/in", name="lot-9.zip")
    assert cli(store_url, "status", "--stale", "0").exit_code == 0


def test_unknown_when_the_store_cannot_be_reached(tmp_path: Path) -> None:
    url = "postgresql+psycopg://cv@/crm?host=/nonexistent-socket-dir"
    result = cli(url, "status")
    assert result.exit_code == 3
    assert result.lines[0].startswith("CVBRIDGE UNKNOWN - store: ")
    assert len(result.lines) == 1
    missing = cli(f"sqlite:///{tmp_path}/none.db", "status", "--format", "json")
    assert missing.exit_code == 3
    assert json.loads(missing.stdout)["state"] == "UNKNOWN"
    assert not (tmp_path / "none.db").exists()  # status creates nothing


def test_bad_durations_are_usage_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    for args in (("--since", "soon"), ("--since", "0"), ("--stale", "-1h")):
        result = cli(url, "status", *args)
        assert result.exit_code == 2, args


# -- the poller feeds it ------------------------------------------------------------------


def test_poll_records_its_rounds_writes_metrics_and_logs_failures_at_warning(
    tmp_path: Path, drop: Dropper
) -> None:
    inbox = tmp_path / "vendor" / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(drop([person("E1", "Martin", "Léa")], "good.zip"), inbox / "good.zip")
    (inbox / "bad.zip").write_bytes(invalid_sample())
    url = f"sqlite:///{tmp_path}/store.db"
    env = {key: value for key, value in os.environ.items() if not key.startswith("CVBRIDGE_")}
    env.update(CVBRIDGE_INBOX=str(inbox), CVBRIDGE_DB_URL=url, CVBRIDGE_SETTLE_SECONDS="0",
               CVBRIDGE_WORK_DIR=str(tmp_path / "work"))
    metrics = tmp_path / "textfile" / "cvbridge.prom"
    metrics.parent.mkdir()
    polled = run_cvbridge(env, "poll", "--once", "--log-format", "json", "--metrics-file",
                          str(metrics), cwd=tmp_path)
    assert polled.returncode == 1, polled.stderr  # a bundle failed
    entries = [json.loads(line) for line in polled.stderr.splitlines()]
    [refused] = [e for e in entries if e.get("outcome") == "failed" and "codes" in e]
    assert refused["level"] == "warning"
    assert refused["codes"] == ["MANIFEST-MISSING"]
    assert len(refused["sha256"]) == 64 and isinstance(refused["bundle"], int)
    [taken] = [e for e in entries if e.get("outcome") == "ingested" and "codes" in e]
    assert taken["level"] == "info"
    assert "Martin" not in polled.stderr and "Léa" not in polled.stderr

    text = metrics.read_text()
    for line in ('cvbridge_bundles_total{outcome="ingested"} 1.0',
                 'cvbridge_bundles_total{outcome="failed"} 1.0',
                 'cvbridge_candidates_total{change="created"} 1.0',
                 'cvbridge_claims_in_processing 0.0'):
        assert line in text.splitlines(), text
    assert "cvbridge_poll_last_success_timestamp_seconds " in text
    assert "cvbridge_poll_round_duration_seconds " in text
    assert "cvbridge_downloaded_bytes_total " in text
    assert list(metrics.parent.iterdir()) == [metrics]  # written atomically: no temp left

    status = run_cvbridge(env, "status", cwd=tmp_path)
    assert status.returncode == 2
    lines = status.stdout.splitlines()
    assert lines[0] == "CVBRIDGE CRITICAL - 2 bundles in 24h, 1 failed, 0 partial, oldest claim 0 s"
    assert lines[-1].startswith("last successful poll: ")
    assert lines[-1] != "last successful poll: never"


# -- read-only stores ---------------------------------------------------------------------


def _on_read_only_mount(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``cvbridge ARGS`` in a private mount namespace where *folder* is mounted read-only: a
    copy of the store on a read-only disk, which even root cannot write."""
    script = ('mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"')
    return subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c",
                           script, str(folder), *cvbridge_command(*args)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_a_read_only_sqlite_copy_is_listed_shown_searched_and_checked(
    tmp_path: Path, drop: Dropper
) -> None:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        pytest.skip("needs root and unshare to mount a folder read-only")
    url = f"sqlite:///{tmp_path}/live.db"
    _ingest_two_good(url, drop)
    # A copy is taken whole: fold the WAL into the file first.
    with Store(url) as store, store.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    copy_dir = tmp_path / "laptop"
    copy_dir.mkdir()
    shutil.copy(tmp_path / "live.db", copy_dir / "copy.db")
    copy = f"sqlite:///{copy_dir}/copy.db"
    probe = _on_read_only_mount(copy_dir, "--db", copy, "bundles", "list", "--format", "json")
    if "mount" in probe.stderr and probe.returncode != 0:
        pytest.skip(f"cannot mount here: {probe.stderr.strip()}")
    assert probe.returncode == 0, probe.stderr
    assert [row["filename"] for row in json.loads(probe.stdout)] == ["lot-1.zip", "lot-2.zip"]
    for args in (("bundles", "show", "1"), ("candidates", "search", "Martin"),
                 ("candidates", "list")):
        done = _on_read_only_mount(copy_dir, "--db", copy, *args)
        assert done.returncode == 0, (args, done.stderr)
    status = _on_read_only_mount(copy_dir, "--db", copy, "status", "--stale", "0")
    assert (status.returncode, status.stdout.splitlines()[0]) == (
        0, "CVBRIDGE OK - 2 bundles in 24h, 0 failed, 0 partial, oldest claim 0 s")
    refused = _on_read_only_mount(copy_dir, "--db", copy, "bundles", "revert", "1")
    assert refused.returncode == 4
    assert refused.stderr == (f"cvbridge: error: store {copy_dir}/copy.db: the store is "
                              "read-only (a replica, or a file we may not write): attempt to "
                              "write a readonly database\n")
    assert sorted(p.name for p in copy_dir.iterdir()) == ["copy.db"]


@pytest.mark.postgres
def test_a_postgresql_store_that_refuses_writes_is_read_and_checked(
    postgres_url: str, drop: Dropper
) -> None:
    Store.upgrade(postgres_url)
    _ingest_two_good(postgres_url, drop)
    engine = sa.create_engine(postgres_url)
    with engine.connect() as connection:  # what a hot-standby replica answers
        name = connection.execute(sa.text("SELECT current_database()")).scalar_one()
        connection.execute(sa.text(f'ALTER DATABASE "{name}" SET '
                                   "default_transaction_read_only = on"))
        connection.commit()
    engine.dispose()
    assert cli(postgres_url, "bundles", "list").exit_code == 0
    assert cli(postgres_url, "candidates", "search", "Martin").exit_code == 0
    assert cli(postgres_url, "status", "--stale", "0").exit_code == 0
    refused = cli(postgres_url, "bundles", "revert", "1")
    assert refused.exit_code == 4
    assert refused.stderr.startswith("cvbridge: error: store: the store is read-only (a "
                                     "replica, or a file we may not write): cannot execute ")


def test_a_store_made_before_the_poll_tables_is_upgraded_with_its_bundles(
    store_url: str, drop: Dropper
) -> None:
    """A store of the previous version (revision 0004, no poll_worker nor inbox_claim):
    status says to upgrade; after ``db upgrade`` the bundles are still there and counted."""
    from cvbridge.store._engine import create_store_engine

    _ingest_two_good(store_url, drop)
    downgrade_store(store_url, "0004")
    engine = create_store_engine(store_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"poll_worker", "inbox_claim"}.isdisjoint(tables)
    before = cli(store_url, "status", "--stale", "0")
    assert before.exit_code == 3
    assert before.lines == ["CVBRIDGE UNKNOWN - the store's schema is not up to date: run "
                            "'cvbridge db upgrade'"]
    assert cli(store_url, "db", "upgrade").exit_code == 0
    after = cli(store_url, "status", "--stale", "0")
    assert (after.exit_code, after.lines[0]) == (
        0, "CVBRIDGE OK - 2 bundles in 24h, 0 failed, 0 partial, oldest claim 0 s")
