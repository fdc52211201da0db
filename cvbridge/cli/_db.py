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
