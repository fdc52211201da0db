"""The specification (formats/cvbundle-1.0.md) must agree with the schema it documents.

Checks the findings catalogue (codes, order, severity, title, meaning, fix), the manifest and
candidate key tables, the limits table, and that the prose names no finding code that the
schema does not define.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

FORMATS = Path(__file__).resolve().parent.parent / "formats"
SPEC = FORMATS / "cvbundle-1.0.md"
SCHEMA = FORMATS / "cvbundle-1.0.schema.json"

FINDINGS_HEADER = "| Code | Severity | Title | Meaning | Fix |"
KEYS_HEADER = "| Key | Type | Required | Multi | Rule | Description |"
LIMITS_HEADER = "| Limit | Default | Meaning |"
VALUE_INVALID_FIX = "the fix depends on the key; the message names it"

Row = list[str]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def spec_lines() -> list[str]:
    return SPEC.read_text(encoding="utf-8").splitlines()


def unescape(cell: str) -> str:
    """Undo Markdown backslash escapes (the spec writes '\\\\' for '\\' and '\\|' for '|')."""
    return re.sub(r"\\(.)", r"\1", cell)


def split_row(line: str) -> Row:
    assert line.startswith("|") and line.endswith("|"), f"not a table row: {line!r}"
    cells = re.split(r"(?<!\\)\|", line[1:-1])
    return [c.strip() for c in cells]


def table_after(lines: list[str], header: str, start: int = 0) -> list[Row]:
    """Rows of the first table whose header line is exactly `header`, from line `start` on."""
    for i in range(start, len(lines)):
        if lines[i].strip() == header:
            break
    else:
        raise AssertionError(f"no table with header {header!r} in {SPEC.name}")
    separator = split_row(lines[i + 1].strip())
    assert all(re.fullmatch(r":?-{3,}:?", c) for c in separator), "missing separator row"
    rows = []
    for line in lines[i + 2 :]:
        if not line.startswith("|"):
            break
        row = split_row(line.strip())
        assert len(row) == len(split_row(header)), f"wrong number of cells: {line!r}"
        rows.append(row)
    assert rows, f"table {header!r} is empty"
    return rows


def section_start(lines: list[str], heading: str) -> int:
    matches = [i for i, line in enumerate(lines) if line.startswith("#") and heading in line]
    assert len(matches) == 1, f"expected one heading containing {heading!r}, got {len(matches)}"
    return matches[0]


# --- findings catalogue ---------------------------------------------------------------------


def test_one_findings_table(spec_lines: list[str]) -> None:
    assert sum(line.strip() == FINDINGS_HEADER for line in spec_lines) == 1


def test_findings_codes_match_schema_in_order(
    schema: dict[str, Any], spec_lines: list[str]
) -> None:
    codes = [row[0] for row in table_after(spec_lines, FINDINGS_HEADER)]
    for code in codes:
        assert re.fullmatch(r"[A-Z0-9]+(?:-[A-Z0-9]+)+", code), f"bare code expected: {code!r}"
    assert len(codes) == len(set(codes)), "a code appears twice in the catalogue"
    assert set(codes) == set(schema["findings"])
    assert codes == list(schema["findings"]), "catalogue not in schema order"


def test_findings_rows_match_schema(schema: dict[str, Any], spec_lines: list[str]) -> None:
    for code, severity, title, meaning, fix in table_after(spec_lines, FINDINGS_HEADER):
        finding = schema["findings"][code]
        assert severity == finding["severity"], code
        assert unescape(title) == finding["title"], code
        assert unescape(meaning) == finding["description"], code
        if finding["suggestion"] == "{fix}":
            assert unescape(fix).lower().rstrip(".") == VALUE_INVALID_FIX, code
        else:
            assert unescape(fix) == finding["suggestion"], code


def test_prose_names_no_unknown_code(schema: dict[str, Any], spec_lines: list[str]) -> None:
    """Every code-like word in the spec (outside wildcards such as `DOC-*`) is a real code."""
    prefixes = {code.split("-", 1)[0] for code in schema["findings"]}
    alternatives = "|".join(sorted(prefixes))
    pattern = re.compile(rf"\b(?:{alternatives})(?:-[A-Z0-9]+)+\b")
    found = {m.group(0) for line in spec_lines for m in pattern.finditer(line)}
    assert found, "the pattern found no code at all"
    assert found <= set(schema["findings"]), sorted(found - set(schema["findings"]))


# --- key tables -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "part"), [("Manifest keys", "manifest"), ("Candidate keys", "candidate")]
)
def test_key_table_matches_schema(
    schema: dict[str, Any], spec_lines: list[str], heading: str, part: str
) -> None:
    rows = table_after(spec_lines, KEYS_HEADER, section_start(spec_lines, heading))
    keys = schema[part]["keys"]
    names = []
    for row in rows:
        match = re.fullmatch(r"`([a-z0-9_-]+)`", row[0])
        assert match, f"first cell should be a backticked key: {row[0]!r}"
        names.append(match.group(1))
    assert len(names) == len(set(names)), f"a key appears twice in {heading}"
    assert set(names) == set(keys), f"{heading}: {sorted(set(names) ^ set(keys))}"
    for name, (_, type_, required, multi, _rule, description) in zip(names, rows, strict=True):
        key = keys[name]
        assert type_ == key["type"], name
        assert required == ("yes" if key.get("required") else "no"), name
        assert multi == ("yes" if key.get("multi") else "no"), name
        assert unescape(description) == key["description"], name


# --- limits ---------------------------------------------------------------------------------


def test_limits_table_matches_schema(schema: dict[str, Any], spec_lines: list[str]) -> None:
    rows = table_after(spec_lines, LIMITS_HEADER)
    table = {row[0].strip("`"): (row[1], unescape(row[2])) for row in rows}
    expected = {
        name: (str(limit["default"]), limit["description"])
        for name, limit in schema["limits"].items()
    }
    assert table == expected
