"""``cvbridge purge``: data-protection retention."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from cvbridge.cli._context import open_store
from cvbridge.cli._output import DataFormat, FormatOption, print_json


def purge(
    ctx: typer.Context,
    expired: Annotated[bool, typer.Option(
        "--expired", help="Purge candidates whose retention date has passed.")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Only say which candidates would be purged.")] = False,
    output_format: FormatOption = DataFormat.text,
) -> None:
    """Remove the personal data and documents of candidates past retention.

    Retention ends on consent_until when the vendor sent it, else at the last activity plus
    the retention period (24 months unless configured). An anonymous trace is kept. The kept
    bytes and findings of bundles received before the retention period are discarded too.

    Example: cvbridge purge --expired --dry-run
    """
    if not expired:
        raise typer.BadParameter("say what to purge: --expired", param_hint="--expired")
    with open_store(ctx) as store:
        outcome = store.purge(date.today(), dry_run=dry_run)
    if output_format is DataFormat.json:
        print_json({"dry_run": dry_run, **vars(outcome)})
        return
    verb = "would purge" if dry_run else "purged"
    ids = ", ".join(f"#{i}" for i in outcome.candidates) or "none"
    typer.echo(f"{verb} {len(outcome.candidates)} candidate(s): {ids}")
    if outcome.bundles_discarded:
        verb = "would discard" if dry_run else "discarded"
        bundles = ", ".join(f"#{i}" for i in outcome.bundles_discarded)
        typer.echo(f"{verb} the kept bytes and findings of "
                   f"{len(outcome.bundles_discarded)} old bundle(s): {bundles}")
    if outcome.documents_held:
        typer.echo(f"kept {outcome.documents_held} document(s) that candidates still have, "
                   f"copied out of those bundles' bytes first")
