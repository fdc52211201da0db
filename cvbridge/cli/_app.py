"""The root command: global options and sub-apps; errors end as one line (see `_exits`)."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, NoReturn

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
    _status,
    _validate,
)
from cvbridge.cli._context import CliContext
from cvbridge.cli._exits import EXIT_FAILED, exit_code_for, one_line
from cvbridge.cli._globals import GlobalOptionsGroup

app = typer.Typer(
    name="cvbridge",
    cls=GlobalOptionsGroup,
    help="Ingest cvbundle 1.0 CV bundles from a vendor's inbox into the CRM store.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def cvbridge_version() -> str:
    # Here: importlib.metadata takes longer to import than --help takes to print.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cvbridge")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"cvbridge {cvbridge_version()}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db", help="Store URL (sqlite:///path or postgresql+psycopg://...). "
        "Default: $CVBRIDGE_DB_URL, the config file, then sqlite:///var/cvbridge.db. "
        "May also follow the command name.",
        show_default=False)] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help="TOML config file. Default: $CVBRIDGE_CONFIG. May also follow the "
        "command name.", show_default=False)] = None,
    verbose: Annotated[bool, typer.Option(
        "--verbose", help="On an error, print its traceback after the one-line message.")
    ] = False,
    _version: Annotated[bool, typer.Option(
        "--version", "-V", help="Print cvbridge's version and exit.", is_eager=True,
        callback=_print_version)] = False,
) -> None:
    """Global options apply to every command.

    Example: cvbridge candidates list --db sqlite:////srv/cvbridge/crm.db
    """
    # --verbose is declared so that the parser accepts it; main() reads it from the command
    # line itself, which works even when parsing is what failed.
    del verbose
    ctx.obj = CliContext(db_url=db, config_path=config)


app.command("validate")(_validate.validate)
app.command("rules")(_rules.rules)
app.command("ingest")(_ingest.ingest)
app.command("poll")(_poll.poll)
app.command("purge")(_purge.purge)
app.command("status")(_status.status)
app.add_typer(_bundles.app, name="bundles")
app.add_typer(_candidates.app, name="candidates")
app.add_typer(_db.app, name="db")
app.add_typer(_profile.app, name="profile")


def _wants_traceback(args: list[str]) -> bool:
    """``--verbose`` anywhere before ``--`` (the root's, or a command's own such as poll's)."""
    options = args[:args.index("--")] if "--" in args else args
    return "--verbose" in options or "-v" in options


def _fail(message: str, code: int, *, verbose: bool) -> NoReturn:
    if verbose:
        traceback.print_exc(file=sys.stderr)
    print(f"cvbridge: error: {message}", file=sys.stderr)
    sys.exit(code)


def main() -> None:
    """Entry point of the console script: whatever goes wrong ends as one clear line and an
    exit status (see README, "Exit status"); ``--verbose`` adds the traceback."""
    verbose = _wants_traceback(sys.argv[1:])
    try:
        app()
    except CvbridgeError as error:
        _fail(one_line(error), exit_code_for(error), verbose=verbose)
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_INTERRUPTED, verbose=verbose)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as cat does, without a second error
        # when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_FAILED)
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        _fail(f"cannot go on{where}: {error.strerror or one_line(error)}", EXIT_FAILED,
              verbose=verbose)
    except Exception as error:  # a bug: still one line, with the way to report it
        _fail(f"unexpected {type(error).__name__}: {one_line(error)} (this is a bug in "
              "cvbridge; run again with --verbose and report the traceback)", EXIT_FAILED,
              verbose=verbose)
