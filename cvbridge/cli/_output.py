"""Output shared by the commands that print data: plain tables or JSON."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer

from cvbridge._i18n import _

# Plain columns, as `ps` or `docker ps` print them: two spaces between columns, a dashed
# rule under the headers, never wrapped or truncated, no colour, so `grep`, `cut` and `awk`
# work on them. A header is at least two columns wider than its name.
_HEADER_MARGIN = 2


class DataFormat(StrEnum):
    text = "text"
    json = "json"


FormatOption = Annotated[DataFormat, typer.Option(
    "--format", "-f", help=_("text for people, json for programs."))]


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str],
                empty: str | None = None) -> None:
    if not rows:
        typer.echo(_("(none)") if empty is None else empty)
        return
    from rich.cells import cell_len  # here: commands that print no table start without rich
    from rich.console import Console
    from rich.table import Table

    cells = [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(cell_len(column) + _HEADER_MARGIN, *(cell_len(line[index]) for line in cells))
              for index, column in enumerate(columns)]
    table = Table(box=None, pad_edge=False, padding=(0, 1), header_style="")
    for column, width in zip(columns, widths, strict=True):
        table.add_column(column, no_wrap=True, min_width=width)
    table.add_row(*("-" * width for width in widths))
    for line in cells:
        table.add_row(*line)
    rendered = io.StringIO()
    Console(file=rendered, width=1 << 20, color_system=None, markup=False, emoji=False,
            highlight=False).print(table)
    typer.echo("\n".join(line.rstrip() for line in rendered.getvalue().splitlines()))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
