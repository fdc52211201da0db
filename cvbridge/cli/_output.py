"""Output shared by the commands that print data: plain tables or JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
from tabulate import tabulate


class DataFormat(StrEnum):
    text = "text"
    json = "json"


FormatOption = Annotated[DataFormat, typer.Option(
    "--format", "-f", help="text for people, json for programs.")]


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str],
                empty: str = "(none)") -> None:
    if not rows:
        typer.echo(empty)
        return
    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    typer.echo(tabulate(cells, headers=list(columns), tablefmt="simple",
                        disable_numparse=True))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
