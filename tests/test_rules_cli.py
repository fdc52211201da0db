"""``cvbridge rules``: the findings catalogue, from the schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from cvbridge.cli import app

runner = CliRunner()
SCHEMA = Path(__file__).resolve().parent.parent / "formats" / "cvbundle-1.0.schema.json"


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def findings() -> dict[str, dict[str, Any]]:
    schema: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return schema["findings"]  # type: ignore[no-any-return]


def test_rules_lists_every_code_in_schema_order(findings: dict[str, dict[str, Any]]) -> None:
    result = invoke("rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(findings)
    assert [line.split()[0] for line in lines] == list(findings)


def test_rules_line_format(findings: dict[str, dict[str, Any]]) -> None:
    width = max(len(code) for code in findings)
    lines = invoke("rules").stdout.splitlines()
    assert lines[0] == f"{'ZIP-NOT-ZIP':<{width}}  error    Not a ZIP archive"
    assert f"{'PATH-ENCODING':<{width}}  warning  Name neither flagged nor valid UTF-8" in lines


def test_rules_explains_one_code() -> None:
    result = invoke("rules", "ZIP-CRC")
    assert result.exit_code == 0
    assert result.stdout == (
        "ZIP-CRC (error): Member fails its CRC check\n"
        "\n"
        "The bytes of a member do not match the CRC-32 recorded in the archive. Every member "
        "is checked, whether a candidate refers to it or not.\n"
        "\n"
        "Message: the content of this member (data at offset {offset}) is damaged (CRC-32 "
        "mismatch)\n"
        "Fix: Rebuild the archive from the original files and upload it again.\n")


def test_rules_code_is_case_insensitive() -> None:
    assert invoke("rules", "zip-crc").stdout == invoke("rules", "ZIP-CRC").stdout


def test_rules_unknown_code_exits_2() -> None:
    result = invoke("rules", "ZIP-BOMB")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no finding has the code 'ZIP-BOMB'; run 'cvbridge rules'" in result.stderr


def test_rules_json_lists_the_catalogue(findings: dict[str, dict[str, Any]]) -> None:
    result = invoke("rules", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [{"code": code, **entry}
                                         for code, entry in findings.items()]


def test_rules_json_for_one_code(findings: dict[str, dict[str, Any]]) -> None:
    result = invoke("rules", "DOC-EXTERNAL-REL", "--format", "json")
    assert json.loads(result.stdout) == {"code": "DOC-EXTERNAL-REL",
                                         **findings["DOC-EXTERNAL-REL"]}


def test_rules_bad_format_exits_2() -> None:
    assert invoke("rules", "--format", "junit").exit_code == 2
