"""``cvbridge candidates``: find people, read their record, export their CV."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any

import typer

from cvbridge._errors import FilterError
from cvbridge.cli._context import open_store
from cvbridge.cli._output import DataFormat, FormatOption, print_json, print_table
from cvbridge.store import Condition

app = typer.Typer(help="List, show, search, export and merge candidates.",
                  no_args_is_help=True)

LIST_COLUMNS = ("id", "last_name", "first_name", "email", "phones", "city", "position", "cv")
CandidateId = Annotated[int, typer.Argument(metavar="ID", help="Candidate id (see 'list').")]


def _rows(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**view, **view["custom"], "cv": view["cv"]["filename"] if view["cv"] else None}
            for view in views]


def _print_candidates(views: list[dict[str, Any]], output_format: DataFormat,
                      empty: str, custom_columns: tuple[str, ...] = ()) -> None:
    if output_format is DataFormat.json:
        print_json(views)
    else:
        print_table(_rows(views), LIST_COLUMNS + custom_columns, empty=empty)


def custom_text(value: Any) -> str:
    """A typed custom value as the text output shows it."""
    if isinstance(value, list):
        return ", ".join(custom_text(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@app.command("list")
def list_candidates(
    ctx: typer.Context,
    output_format: FormatOption = DataFormat.text,
    where: Annotated[list[str] | None, typer.Option(
        "--where", metavar="x-FIELD OP VALUE",
        help="Only candidates whose custom field matches (repeatable: all must match). OP: "
             "= != < <= > >= (as the field's type: numbers, dates as dates), ~ (contains; on "
             "a repeated field, one of its values).", show_default=False)] = None,
) -> None:
    """List candidates (merged and purged ones left out).

    Example: cvbridge candidates list --format json

    Example: cvbridge candidates list --where "x-salaire>=40000" --where "x-mobilite~PACA"
    """
    try:
        conditions = [Condition.parse(text) for text in where or []]
        with open_store(ctx) as store:
            views = store.candidates(where=conditions)
    except FilterError as exc:
        raise typer.BadParameter(str(exc), param_hint="--where") from exc
    fields = tuple(dict.fromkeys(condition.field for condition in conditions))
    if output_format is DataFormat.text:
        views = [{**view, "custom": {k: custom_text(v) for k, v in view["custom"].items()}}
                 for view in views]
    _print_candidates(views, output_format, "no candidates", fields)


@app.command("show")
def show_candidate(ctx: typer.Context, candidate_id: CandidateId,
                   output_format: FormatOption = DataFormat.text) -> None:
    """Show one candidate: record, vendor identifiers, documents (current and earlier).

    Example: cvbridge candidates show 12
    """
    with open_store(ctx) as store:
        detail = store.candidate(candidate_id)
    if output_format is DataFormat.json:
        print_json(detail)
        return
    for key, value in detail.items():
        if key in ("documents", "external_refs", "cv"):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        if isinstance(value, dict):
            shown = "; ".join(f"{k}={custom_text(v)}" for k, v in value.items())
        typer.echo(f"{key + ':':<18}{'' if shown is None else shown}")
    for ref in detail["external_refs"]:
        typer.echo(f"{'external ref:':<18}{ref['vendor']}/{ref['external_id']}")
    for document in detail["documents"]:
        state = "current" if document["current"] else "earlier"
        typer.echo(f"{document['role'] + ':':<18}{document['filename']} ({state}, "
                   f"{document['size']} bytes, sha256 {document['sha256'][:12]}…, "
                   f"bundle #{document['bundle']})")


@app.command("search")
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="Words to find; accents and case ignored.")],
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 50,
    output_format: FormatOption = DataFormat.text,
) -> None:
    """Search candidates and the text of their current CV.

    Every word must match (as a word prefix); "lefevre ingenieur" finds "Lefèvre, ingénieur".

    Example: cvbridge candidates search "ingenieur toulouse"
    """
    with open_store(ctx) as store:
        views = store.search(query, limit)
    _print_candidates(views, output_format, "no match")


@app.command("export-cv")
def export_cv(
    ctx: typer.Context,
    candidate_id: CandidateId,
    out: Annotated[Path, typer.Option("--out", "-o", help="File or folder to write to.",
                                      show_default=False)],
) -> None:
    """Write a candidate's current CV, byte for byte as received.

    Example: cvbridge candidates export-cv 12 --out ~/Downloads/
    """
    with open_store(ctx) as store:
        filename, content, sha256 = store.export_cv(candidate_id)
    target = out / Path(filename).name if out.is_dir() else out
    if hashlib.sha256(content).hexdigest() != sha256:
        raise typer.BadParameter("the stored CV does not match its SHA-256")
    target.write_bytes(content)
    typer.echo(f"{target} ({len(content)} bytes, sha256 {sha256})")


@app.command("duplicates")
def duplicates(ctx: typer.Context, output_format: FormatOption = DataFormat.text) -> None:
    """Pairs of candidates that may be one person (same name, shared phone), to review.

    Example: cvbridge candidates duplicates
    """
    with open_store(ctx) as store:
        pairs = store.possible_duplicates()
    if output_format is DataFormat.json:
        print_json(pairs)
        return
    rows = [{"pair": pair["id"], "candidate": pair["candidate"]["id"],
             "other": pair["other"]["id"],
             "name": f"{pair['candidate']['first_name']} {pair['candidate']['last_name']}",
             "reason": pair["reason"]} for pair in pairs]
    print_table(rows, ("pair", "candidate", "other", "name", "reason"),
                empty="no possible duplicates")


@app.command("merge")
def merge(ctx: typer.Context,
          keep: Annotated[int, typer.Argument(metavar="KEEP", help="Candidate to keep.")],
          other: Annotated[int, typer.Argument(metavar="OTHER", help="Candidate folded in.")],
          output_format: FormatOption = DataFormat.text) -> None:
    """Merge OTHER into KEEP: documents, vendor identifiers and missing fields move over.

    Example: cvbridge candidates merge 12 31
    """
    with open_store(ctx) as store:
        view = store.merge(keep, other)
    if output_format is DataFormat.json:
        print_json(view)
    else:
        typer.echo(f"candidate #{other} merged into #{keep}")
