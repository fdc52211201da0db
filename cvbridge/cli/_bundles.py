"""``cvbridge bundles``: what each bundle did, and putting it right."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from cvbridge.bundle import Finding, finding_line
from cvbridge.cli._context import open_store
from cvbridge.cli._ingest import print_outcomes
from cvbridge.cli._output import DataFormat, FormatOption, print_json, print_table

if TYPE_CHECKING:
    from cvbridge.store import IngestOutcome

app = typer.Typer(help="List, inspect, reprocess and revert received bundles.",
                  no_args_is_help=True)

LIST_COLUMNS = ("id", "filename", "vendor", "bundle_id", "status", "created", "updated",
                "rejected", "received_at")


class BundleStatus(StrEnum):
    received = "received"
    ingested = "ingested"
    partial = "partial"
    failed = "failed"
    duplicate = "duplicate"
    reverted = "reverted"


@app.command("list")
def list_bundles(
    ctx: typer.Context,
    status: Annotated[BundleStatus | None, typer.Option(
        "--status", help="Only bundles with this status.", show_default=False)] = None,
    output_format: FormatOption = DataFormat.text,
) -> None:
    """List received bundles, oldest first.

    Example: cvbridge bundles list --status failed
    """
    with open_store(ctx) as store:
        rows = store.bundles(status.value if status else None)
    if output_format is DataFormat.json:
        print_json(rows)
    else:
        print_table(rows, LIST_COLUMNS, empty="no bundles")


@app.command("show")
def show_bundle(
    ctx: typer.Context,
    bundle_id: Annotated[int, typer.Argument(metavar="ID", help="Bundle id (see 'list').")],
    output_format: FormatOption = DataFormat.text,
) -> None:
    """Show one bundle and its findings, in the validator's words.

    Example: cvbridge bundles show 3
    """
    with open_store(ctx) as store:
        detail = store.bundle(bundle_id)
    if output_format is DataFormat.json:
        print_json(detail)
        return
    for key in ("id", "filename", "vendor", "bundle_id", "sha256", "status", "created",
                "updated", "rejected", "received_at", "processed_at"):
        typer.echo(f"{key + ':':<14}{'' if detail[key] is None else detail[key]}")
    for message in detail["messages"]:
        finding = Finding(**message)
        typer.echo(finding_line(detail["filename"], finding))
        typer.echo(f"  hint: {finding.suggestion}")


@app.command("reprocess")
def reprocess(
    ctx: typer.Context,
    bundle_ids: Annotated[list[int] | None, typer.Argument(
        metavar="ID...", help="Bundle ids.", show_default=False)] = None,
    all_failed: Annotated[bool, typer.Option(
        "--all-failed", help="Every bundle whose status is failed.")] = False,
    output_format: FormatOption = DataFormat.text,
) -> None:
    """Run failed or partial bundles again from their kept bytes; only what is missing is
    created.

    Example: cvbridge bundles reprocess --all-failed
    """
    if not bundle_ids and not all_failed:
        raise typer.BadParameter("give bundle ids or --all-failed", param_hint="ID...")
    outcomes: list[IngestOutcome] = []
    with open_store(ctx) as store:
        targets = list(bundle_ids or []) + (store.failed_bundle_ids() if all_failed else [])
        for bundle_id in dict.fromkeys(targets):
            outcomes.append(store.reprocess(bundle_id))
    print_outcomes(outcomes, output_format)
    if not all(outcome.succeeded for outcome in outcomes):
        raise typer.Exit(1)


@app.command("revert")
def revert(
    ctx: typer.Context,
    bundle_id: Annotated[int, typer.Argument(metavar="ID", help="Bundle id.")],
    output_format: FormatOption = DataFormat.text,
) -> None:
    """Undo a bundle: candidates it created are removed, those it updated restored.

    Refused, naming the candidates, when a later bundle changed them since.

    Example: cvbridge bundles revert 3
    """
    with open_store(ctx) as store:
        outcome = store.revert(bundle_id)
    if output_format is DataFormat.json:
        print_json(vars(outcome))
    else:
        typer.echo(f"bundle #{outcome.bundle} reverted: {outcome.removed} candidate(s) "
                   f"removed, {outcome.restored} restored")
