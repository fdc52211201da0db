"""``cvbridge ingest``: bundles from local files into the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cvbridge._i18n import _
from cvbridge.cli._context import open_store
from cvbridge.cli._escape import printable_rows
from cvbridge.cli._options import regular_files
from cvbridge.cli._output import DataFormat, FormatOption, print_json, print_table
from cvbridge.cli._validate import ProfileOption

if TYPE_CHECKING:
    from cvbridge.store import IngestOutcome

OUTCOME_COLUMNS = ("bundle", "file", "status", "created", "updated", "rejected")


def outcome_row(outcome: IngestOutcome) -> dict[str, object]:
    return {"bundle": outcome.bundle, "file": outcome.filename, "status": outcome.status,
            "created": outcome.created, "updated": outcome.updated,
            "rejected": outcome.rejected, "duplicate_of": outcome.duplicate_of,
            "errors": outcome.report.counts()["error"] if outcome.report else 0}


def print_outcomes(outcomes: list[IngestOutcome], output_format: DataFormat) -> None:
    rows = [outcome_row(outcome) for outcome in outcomes]
    if output_format is DataFormat.json:
        print_json(rows)
    else:
        print_table(printable_rows(rows), OUTCOME_COLUMNS)


HELP = _("Ingest bundles into the store, in the order given, and print what each did.\n\n"
         "With a site profile (--profile, else $CVBRIDGE_PROFILE or 'profile' in the config "
         "file), the candidates' x- values are checked against it and stored typed.\n\n"
         "Exit 0 when every bundle was ingested or was a duplicate, 1 otherwise (see 'cvbridge "
         "bundles show ID' for the findings).\n\n"
         "Example: cvbridge ingest samples/valid/*.zip Example: cvbridge ingest --profile "
         "site-profile.toml BUNDLE.zip")


def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(
        help=_("Bundle files (.zip)."), exists=True, dir_okay=False, readable=True,
        metavar="BUNDLE.zip...", show_default=False, callback=regular_files)],
    output_format: FormatOption = DataFormat.text,
    read_ahead: Annotated[bool, typer.Option(
        "--read-ahead/--no-read-ahead",
        help=_("For a batch of 16 MB or more: read the next bundles in a second process while "
             "one is written (two cores busy). Turn off when several ingest processes share "
             "the machine's cores."))
    ] = True,
    profile: ProfileOption = None,
) -> None:
    outcomes: list[IngestOutcome] = []
    from rich.console import Console  # here: start-up of the other commands does without
    from rich.progress import Progress

    # Progress goes to stderr, and only to a terminal: stdout carries the table or the JSON.
    console = Console(stderr=True)
    with open_store(ctx, profile=profile) as store, Progress(
            console=console, transient=True,
            disable=len(paths) < 2 or not console.is_terminal) as progress:
        task = progress.add_task(_("ingesting"), total=len(paths))
        for outcome in store.ingest_many(paths, read_ahead=read_ahead):
            outcomes.append(outcome)
            progress.advance(task)
    print_outcomes(outcomes, output_format)
    if not all(outcome.succeeded for outcome in outcomes):
        raise typer.Exit(1)
