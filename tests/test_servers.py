"""Smoke tests proving the throwaway PostgreSQL and sshd servers really work."""

from __future__ import annotations

from pathlib import Path

import paramiko
import pytest
import sqlalchemy as sa

from tests.servers import PostgresServer, SshServer, throwaway_sshd


def test_postgres_serves_a_fresh_database(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            assert (
                conn.execute(sa.text("select version()")).scalar_one().startswith("PostgreSQL 15")
            )
            conn.execute(sa.text("create table cv (id serial primary key, name text)"))
            conn.execute(sa.text("insert into cv (name) values ('Émile')"))
            # The cluster's C.UTF-8 locale must fold non-ASCII case.
            assert conn.execute(sa.text("select lower(name) from cv")).scalar_one() == "émile"
    finally:
        engine.dispose()


def test_postgres_unaccent(postgres_server: PostgresServer, postgres_url: str) -> None:
    if not postgres_server.extension_available("unaccent"):
        pytest.skip("unaccent contrib extension is not installed on this machine")
    engine = sa.create_engine(postgres_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
            query = sa.text("select unaccent('Élodie Müller-Çelik')")
            assert conn.execute(query).scalar_one() == "Elodie Muller-Celik"
    finally:
        engine.dispose()


def _connect(server: SshServer, key_path: Path, known_hosts: Path) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.load_host_keys(str(known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        server.host,
        server.port,
        username=server.username,
        key_filename=str(key_path),
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
    )
    return client


def test_sftp_round_trip(sshd_server: SshServer, sftp_root: Path) -> None:
    client = _connect(sshd_server, sshd_server.client_key_path, sshd_server.known_hosts_path)
    try:
        transport = client.get_transport()
        assert transport is not None
        assert transport.get_remote_server_key().fingerprint == sshd_server.host_key_fingerprint
        with client.open_sftp() as sftp:
            assert sftp.normalize(".") == str(sshd_server.root_dir)
            remote = f"{sftp_root.name}/hello.txt"
            with sftp.open(remote, "w") as fh:
                fh.write(b"bonjour\n")
            with sftp.open(remote, "r") as fh:
                assert fh.read() == b"bonjour\n"
        assert (sftp_root / "hello.txt").read_bytes() == b"bonjour\n"
    finally:
        client.close()


def test_rsa_key_authenticates_with_sha2(sshd_server: SshServer) -> None:
    # OpenSSH 8.8+ refuses SHA-1 "ssh-rsa" signatures; forbid them client-side as well.
    client = paramiko.SSHClient()
    client.load_host_keys(str(sshd_server.known_hosts_path))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(
        sshd_server.host,
        sshd_server.port,
        username=sshd_server.username,
        key_filename=str(sshd_server.client_rsa_key_path),
        look_for_keys=False,
        allow_agent=False,
        disabled_algorithms={"pubkeys": ["ssh-rsa"]},
        timeout=10,
    )
    client.close()


def test_url_points_under_root_dir(sshd_server: SshServer) -> None:
    root = sshd_server.root_dir
    expected = f"sftp://{sshd_server.username}@127.0.0.1:{sshd_server.port}{root}/in/a.zip"
    assert sshd_server.url("in/a.zip") == expected
    assert sshd_server.url(root / "in/a.zip") == expected


def test_wrong_host_key_is_rejected(sshd_server: SshServer, tmp_path: Path) -> None:
    wrong = sshd_server.write_wrong_known_hosts(tmp_path / "known_hosts")
    with pytest.raises(paramiko.BadHostKeyException):
        _connect(sshd_server, sshd_server.client_key_path, wrong)


def test_unknown_host_is_rejected(sshd_server: SshServer, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.touch()
    with pytest.raises(paramiko.SSHException, match="not found in known_hosts"):
        _connect(sshd_server, sshd_server.client_key_path, empty)


def test_unauthorized_key_is_rejected(sshd_server: SshServer) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        _connect(sshd_server, sshd_server.unauthorized_key_path, sshd_server.known_hosts_path)


def test_kill_drops_sessions_and_start_brings_server_back(tmp_path: Path) -> None:
    # A private server: killing the session-wide one would break every later test.
    with throwaway_sshd(tmp_path) as server:
        client = _connect(server, server.client_key_path, server.known_hosts_path)
        try:
            sftp = client.open_sftp()
            server.kill()
            with pytest.raises((OSError, EOFError, paramiko.SSHException)):
                sftp.listdir(".")
        finally:
            client.close()
        with pytest.raises(paramiko.ssh_exception.NoValidConnectionsError):
            _connect(server, server.client_key_path, server.known_hosts_path)

        server.start()
        client = _connect(server, server.client_key_path, server.known_hosts_path)
        with client.open_sftp() as sftp:
            assert sftp.listdir(".") == []
        client.close()
