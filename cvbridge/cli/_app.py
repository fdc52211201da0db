"""The root command: global options and sub-apps; errors end as one line (see `_exits`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cvbridge._errors import CvbridgeError
from cvbridge.cli import (
    _bundles,
    _candidates,
    _db,
    _ingest,
    _poll,
    _profile,
    _purge,
    _rules,
    _validate,
)
from cvbridge.cli._context import CliContext
from cvbridge.cli._exits import exit_code_for, one_line

app = typer.Typer(
    name="cvbridge",
    help="Ingest cvbundle 1.0 CV bundles from a vendor's inbox into the CRM store.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db", help="Store URL (sqlite:///path or postgresql+psycopg://...). "
        "Default: $CVBRIDGE_DB_URL, the config file, then sqlite:///var/cvbridge.db.",
        show_default=False)] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="TOML config file. Default: $CVBRIDGE_CONFIG.",
        show_default=False)] = None,
) -> None:
    """Global options apply to every command."""
    ctx.obj = CliContext(db_url=db, config_path=config)


app.command("validate")(_validate.validate)
app.command("rules")(_rules.rules)
app.command("ingest")(_ingest.ingest)
app.command("poll")(_poll.poll)
app.command("purge")(_purge.purge)
app.add_typer(_bundles.app, name="bundles")
app.add_typer(_candidates.app, name="candidates")
app.add_typer(_db.app, name="db")
app.add_typer(_profile.app, name="profile")


def main() -> None:
    """Entry point of the console script: errors of the cvbridge tree end as one clear line."""
    try:
        app()
    except CvbridgeError as error:
        print(f"cvbridge: error: {one_line(error)}", file=sys.stderr)
        sys.exit(exit_code_for(error))
