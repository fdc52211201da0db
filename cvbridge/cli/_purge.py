"""``cvbridge purge``: data-protection retention."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from cvbridge._i18n import _, ngettext
from cvbridge.cli._context import open_store
from cvbridge.cli._output import DataFormat, FormatOption, print_json

HELP = _("Remove the personal data and documents of candidates past retention.\n\n"
         "Retention ends on consent_until when the vendor sent it, else at the last activity "
         "plus the retention period (24 months unless configured). An anonymous trace is kept. "
         "The kept bytes and findings of bundles received before the retention period are "
         "discarded too.\n\n"
         "Example: cvbridge purge --expired --dry-run")


def purge(
    ctx: typer.Context,
    expired: Annotated[bool, typer.Option(
        "--expired", help=_("Purge candidates whose retention date has passed."))] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help=_("Only say which candidates would be purged."))] = False,
    output_format: FormatOption = DataFormat.text,
) -> None:
    if not expired:
        raise typer.BadParameter(_("say what to purge: --expired"), param_hint="--expired")
    with open_store(ctx) as store:
        outcome = store.purge(date.today(), dry_run=dry_run)
    if output_format is DataFormat.json:
        print_json({"dry_run": dry_run, **vars(outcome)})
        return
    ids = ", ".join(f"#{i}" for i in outcome.candidates) or _("none")
    count = len(outcome.candidates)
    typer.echo((ngettext("would purge {count} candidate(s): {ids}",
                         "would purge {count} candidate(s): {ids}", count) if dry_run else
                ngettext("purged {count} candidate(s): {ids}",
                         "purged {count} candidate(s): {ids}", count))
               .format(count=count, ids=ids))
    if outcome.bundles_discarded:
        bundles = ", ".join(f"#{i}" for i in outcome.bundles_discarded)
        count = len(outcome.bundles_discarded)
        typer.echo((ngettext("would discard the kept bytes and findings of {count} old "
                             "bundle(s): {bundles}",
                             "would discard the kept bytes and findings of {count} old "
                             "bundle(s): {bundles}", count) if dry_run else
                    ngettext("discarded the kept bytes and findings of {count} old bundle(s): "
                             "{bundles}",
                             "discarded the kept bytes and findings of {count} old bundle(s): "
                             "{bundles}", count))
                   .format(count=count, bundles=bundles))
    if outcome.documents_held:
        typer.echo(ngettext("kept {count} document(s) that candidates still have, copied out "
                            "of those bundles' bytes first",
                            "kept {count} document(s) that candidates still have, copied out "
                            "of those bundles' bytes first", outcome.documents_held)
                   .format(count=outcome.documents_held))
