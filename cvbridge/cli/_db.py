"""``cvbridge db``: the store's schema."""

from __future__ import annotations

import typer

from cvbridge._i18n import _
from cvbridge.cli._context import cli_context
from cvbridge.cli._help import TranslatedCommand, TranslatedGroup

app = typer.Typer(cls=TranslatedGroup, help=_("Create or migrate the store's schema."),
                  no_args_is_help=True)


@app.command("upgrade", cls=TranslatedCommand,
              help=_("Create the store or migrate it to the latest schema (safe to run again).\n\n"
                     "Example: cvbridge --db postgresql+psycopg://cv@/crm db upgrade"))
def upgrade(ctx: typer.Context) -> None:
    from cvbridge.store import Store  # here: the other commands' --help needs no database

    url = cli_context(ctx).settings().db_url
    Store.upgrade(url)
    typer.echo(_("store schema is up to date"))


@app.command("vacuum", cls=TranslatedCommand,
              help=_("Give the room freed inside a SQLite store back to the disk (after an "
                     "upgrade that dropped data, or a purge). Run it with no other cvbridge "
                     "using the store; it needs free space up to the store's size while it "
                     "runs.\n\n"
                     "Example: cvbridge --db sqlite:////var/lib/cvbridge/crm.db db vacuum"))
def vacuum(ctx: typer.Context) -> None:
    from cvbridge.store import Store  # here: the other commands' --help needs no database

    url = cli_context(ctx).settings().db_url
    before, after = Store.vacuum(url)
    typer.echo(_("store file: {before} bytes before, {after} after")
               .format(before=before, after=after))
