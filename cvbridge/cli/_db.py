"""``cvbridge db``: the store's schema."""

from __future__ import annotations

import typer

from cvbridge.cli._context import cli_context

app = typer.Typer(help="Create or migrate the store's schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Create the store or migrate it to the latest schema (safe to run again).

    Example: cvbridge --db postgresql+psycopg://cv@/crm db upgrade
    """
    from cvbridge.store import Store  # here: the other commands' --help needs no database

    url = cli_context(ctx).settings().db_url
    Store.upgrade(url)
    typer.echo("store schema is up to date")
