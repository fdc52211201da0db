"""Settings are checked at start-up: every problem at once, one line each, naming where the
value came from (FILE:LINE, $VARIABLE or --option), exit 2, never a traceback."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cvbridge._config import Settings, SettingsError, load_settings
from cvbridge.cli._app import app


def _problems(**kwargs: object) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(**kwargs)  # type: ignore[arg-type]
    return caught.value.problems


@pytest.mark.parametrize("value", ["-5", "inf", "nan", "-inf", "1e999", "soon"])
def test_a_settle_time_that_is_not_a_finite_count_of_seconds_is_refused(value: str) -> None:
    [problem] = _problems(environ={"CVBRIDGE_SETTLE_SECONDS": value})
    assert problem.startswith("$CVBRIDGE_SETTLE_SECONDS: settle_seconds must be a ")
    assert problem.endswith(f"not {value!r}")


def test_settle_may_be_zero_but_a_lease_may_not() -> None:
    assert load_settings(environ={"CVBRIDGE_SETTLE_SECONDS": "0"}).settle_seconds == 0
    assert _problems(environ={"CVBRIDGE_LEASE_SECONDS": "0",
                              "CVBRIDGE_UPLOAD_GRACE_SECONDS": "nan"}) == [
        "$CVBRIDGE_LEASE_SECONDS: lease_seconds must be a finite number of seconds, more than "
        "0, not '0'",
        "$CVBRIDGE_UPLOAD_GRACE_SECONDS: upload_grace_seconds must be a finite number of "
        "seconds, 0 or more, not 'nan'",
    ]


def test_good_settings_come_through_typed(tmp_path: Path) -> None:
    key = tmp_path / "id_ed25519"
    key.write_text("key")
    settings = load_settings(environ={
        "CVBRIDGE_SETTLE_SECONDS": "2.5", "CVBRIDGE_LEASE_SECONDS": "600",
        "CVBRIDGE_SSH_KEY": str(key), "CVBRIDGE_INBOX": "sftp://cv@sftp.example.fr:2222/in",
        "CVBRIDGE_WORK_DIR": str(tmp_path / "new" / "work"),
        "CVBRIDGE_DB_URL": f"sqlite:///{tmp_path}/store.db"})
    assert settings == Settings(
        db_url=f"sqlite:///{tmp_path}/store.db", inbox="sftp://cv@sftp.example.fr:2222/in",
        ssh_key=key, settle_seconds=2.5, lease_seconds=600.0,
        work_dir=tmp_path / "new" / "work")
    assert math.isfinite(settings.upload_grace_seconds)


def test_a_config_file_problem_names_its_line(tmp_path: Path) -> None:
    config = tmp_path / "cvbridge.toml"
    config.write_text('[cvbridge]\n# the inbox\ninbox = "sftp://cv@host:port/in"\n'
                      "lease_seconds = -1\nretention_months = 0\nsetle_seconds = 3\n")
    assert _problems(config_path=config, environ={}) == [
        f"{config}:6: unknown setting setle_seconds; known: db_url, inbox, ssh_key, "
        "ssh_key_passphrase, known_hosts, settle_seconds, retention_months, processing_dir, "
        "processed_dir, failed_dir, lease_seconds, work_dir, upload_grace_seconds, profile, "
        "lang, vendor_lang",

        f"{config}:3: inbox 'sftp://cv@host:port/in' does not parse: Port could not be cast "
        "to integer value as 'port'",
        f"{config}:4: lease_seconds must be a finite number of seconds, more than 0, not -1",
        f"{config}:5: retention_months must be a whole number of months, 1 or more, not 0",
    ]


def test_paths_must_exist_or_be_creatable_and_urls_must_parse(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert _problems(db_url="postgres//nowhere", environ={
        # Left to the SFTP transport: a trust problem (exit 3) whose message says how to fix it.
        "CVBRIDGE_KNOWN_HOSTS": str(tmp_path / "missing"),
        "CVBRIDGE_WORK_DIR": str(blocker / "work"),
        "CVBRIDGE_INBOX": str(tmp_path / "no-inbox"),
    }) == [
        f"$CVBRIDGE_INBOX: inbox folder {tmp_path}/no-inbox does not exist",
        f"$CVBRIDGE_WORK_DIR: work_dir {blocker}/work is not a folder and cannot be created",
        "--db: db_url 'postgres//nowhere' is not a URL (sqlite:///PATH or "
        "postgresql+psycopg://USER@HOST/NAME)",
    ]


def test_a_password_in_a_bad_url_is_masked() -> None:
    [problem] = _problems(environ={"CVBRIDGE_DB_URL": "postgresql://cv:s3cret@host:x/crm"})
    assert "s3cret" not in problem
    assert "cv:***@host:x" in problem


def test_bad_settings_end_any_command_with_one_line_each_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bundles", "list"], env={
        "CVBRIDGE_SETTLE_SECONDS": "-5", "CVBRIDGE_LEASE_SECONDS": "inf",
        "CVBRIDGE_DB_URL": f"sqlite:///{tmp_path}/store.db"})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "cvbridge: error: $CVBRIDGE_SETTLE_SECONDS: settle_seconds must be a finite number of "
        "seconds, 0 or more, not '-5'",
        "cvbridge: error: $CVBRIDGE_LEASE_SECONDS: lease_seconds must be a finite number of "
        "seconds, more than 0, not 'inf'",
    ]


def test_an_endless_poll_interval_is_refused_as_the_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--db", f"sqlite:///{tmp_path}/s.db", "poll",
                                      "--interval", "inf"])
    assert result.exit_code == 2
    assert ("Invalid value for --interval: must be a finite number of seconds, not inf"
            in result.stderr)
