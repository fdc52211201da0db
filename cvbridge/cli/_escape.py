"""Vendor data shown to people: a name or file name with ESC in it must not drive the
terminal. JSON output keeps the data as it is (JSON escapes control characters itself)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cvbridge.bundle import printable


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [_cell(item) for item in value]
    return value


def printable_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` for a table: every text cell (and text in a list cell) escaped."""
    return [{key: _cell(value) for key, value in row.items()} for row in rows]
