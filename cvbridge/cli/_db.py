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


@app.command("vacuum")
def vacuum(ctx: typer.Context) -> None:
    """Give the room freed inside a SQLite store back to the disk (after an upgrade that
    dropped data, or a purge). Run it with no other cvbridge using the store; it needs free
    space up to the store's size while it runs.

    Example: cvbridge --db sqlite:////var/lib/cvbridge/crm.db db vacuum
    """
    from cvbridge.store import Store  # here: the other commands' --help needs no database

    url = cli_context(ctx).settings().db_url
    before, after = Store.vacuum(url)
    typer.echo(f"store file: {before} bytes before, {after} after")
