"""``cvbridge bundles``: what each bundle did, and putting it right."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cvbridge._i18n import _, ngettext
from cvbridge.bundle import Finding, finding_line, hint_line, printable
from cvbridge.cli._context import open_store
from cvbridge.cli._escape import printable_rows
from cvbridge.cli._help import TranslatedCommand, TranslatedGroup
from cvbridge.cli._ingest import print_outcomes
from cvbridge.cli._options import BundleId, LimitOption
from cvbridge.cli._output import DataFormat, FormatOption, print_json, print_table
from cvbridge.store import MAX_ID

if TYPE_CHECKING:
    from cvbridge.store import IngestOutcome, RevertOutcome

app = typer.Typer(cls=TranslatedGroup,
                  help=_("List, inspect, reprocess and revert received bundles."),
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


@app.command("list", cls=TranslatedCommand,
              help=_("List received bundles, oldest first (by id).\n\n"
                     "Example: cvbridge bundles list --status failed --limit 20"))
def list_bundles(
    ctx: typer.Context,
    status: Annotated[BundleStatus | None, typer.Option(
        "--status", help=_("Only bundles with this status."), show_default=False)] = None,
    output_format: FormatOption = DataFormat.text,
    limit: LimitOption = None,
) -> None:
    with open_store(ctx) as store:
        rows = store.bundles(status.value if status else None, limit)
    if output_format is DataFormat.json:
        print_json(rows)
    else:
        print_table(printable_rows(rows), LIST_COLUMNS, empty=_("no bundles"))


@app.command("show", cls=TranslatedCommand,
              help=_("Show one bundle and its findings, in the validator's words.\n\n"
                     "Example: cvbridge bundles show 3"))
def show_bundle(
    ctx: typer.Context,
    bundle_id: BundleId,
    output_format: FormatOption = DataFormat.text,
) -> None:
    with open_store(ctx) as store:
        detail = store.bundle(bundle_id)
    if output_format is DataFormat.json:
        print_json(detail)
        return
    for key in ("id", "filename", "vendor", "bundle_id", "sha256", "status", "created",
                "updated", "rejected", "received_at", "processed_at"):
        typer.echo(printable(f"{key + ':':<14}{'' if detail[key] is None else detail[key]}"))
    for message in detail["messages"]:
        finding = Finding(**message)
        typer.echo(finding_line(detail["filename"], finding))
        typer.echo(hint_line(finding))


@app.command("reprocess", cls=TranslatedCommand,
              help=_("Run failed or partial bundles again from their kept bytes; only what is "
                     "missing is created.\n\n"
                     "Example: cvbridge bundles reprocess --all-failed"))
def reprocess(
    ctx: typer.Context,
    bundle_ids: Annotated[list[int] | None, typer.Argument(
        metavar="ID...", min=1, max=MAX_ID, help=_("Bundle ids."), show_default=False)] = None,
    all_failed: Annotated[bool, typer.Option(
        "--all-failed", help=_("Every bundle whose status is failed."))] = False,
    output_format: FormatOption = DataFormat.text,
) -> None:
    if not bundle_ids and not all_failed:
        raise typer.BadParameter(_("give bundle ids or --all-failed"), param_hint="ID...")
    outcomes: list[IngestOutcome] = []
    with open_store(ctx) as store:
        targets = list(bundle_ids or []) + (store.failed_bundle_ids() if all_failed else [])
        for bundle_id in dict.fromkeys(targets):
            outcomes.append(store.reprocess(bundle_id))
    print_outcomes(outcomes, output_format)
    if not all(outcome.succeeded for outcome in outcomes):
        raise typer.Exit(1)


def _shown(value: Any) -> str:
    if value in (None, [], {}):
        return _("(none)")
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def revert_lines(outcome: RevertOutcome) -> list[str]:
    """What a revert did, or would do: a summary, then one line per candidate."""
    summary = (ngettext("bundle #{bundle} would be reverted: {removed} candidate(s) removed, "
                        "{restored} restored",
                        "bundle #{bundle} would be reverted: {removed} candidate(s) removed, "
                        "{restored} restored", outcome.removed) if outcome.dry_run else
               ngettext("bundle #{bundle} reverted: {removed} candidate(s) removed, {restored} "
                        "restored",
                        "bundle #{bundle} reverted: {removed} candidate(s) removed, {restored} "
                        "restored", outcome.removed))
    lines = [summary.format(bundle=outcome.bundle, removed=outcome.removed,
                            restored=outcome.restored)]
    if not outcome.dry_run:
        return lines
    for candidate in outcome.candidates:
        if candidate["action"] == "remove":
            lines.append(_("  remove candidate {name} (created by this bundle)")
                         .format(name=candidate["name"]))
            continue
        changes = "; ".join(f"{name}: {_shown(now)} -> {_shown(before)}"
                            for name, (now, before) in candidate["changes"].items())
        lines.append((_("  restore candidate {name}: {changes}") if changes else
                      _("  restore candidate {name} (its documents from this bundle detached)"))
                     .format(name=candidate["name"], changes=changes))
    return [printable(line) for line in lines]


@app.command("revert", cls=TranslatedCommand,
              help=_("Undo a bundle: candidates it created are removed, those it updated "
                     "restored.\n\n"
                     "Refused when a later bundle or a merge changed them since; the message "
                     "names it and the command that undoes it first.\n\n"
                     "Example: cvbridge bundles revert 3 --dry-run"))
def revert(
    ctx: typer.Context,
    bundle_id: BundleId,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help=_("Only say what would change (or what stands in the way)."))
    ] = False,
    output_format: FormatOption = DataFormat.text,
) -> None:
    with open_store(ctx) as store:
        outcome = store.revert(bundle_id, dry_run=dry_run)
    if output_format is DataFormat.json:
        print_json(vars(outcome))
    else:
        for line in revert_lines(outcome):
            typer.echo(line)
