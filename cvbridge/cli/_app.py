"""The root command: global options and sub-apps; errors end as one line (see `_exits`)."""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from cvbridge._errors import CvbridgeError
from cvbridge._i18n import _, available_languages
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
from cvbridge.cli._help import TranslatedCommand

app = typer.Typer(
    name="cvbridge",
    cls=GlobalOptionsGroup,
    help=_("Ingest cvbundle 1.0 CV bundles from a vendor's inbox into the CRM store."),
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
        "--db", help=_("Store URL (sqlite:///path or postgresql+psycopg://...). "
        "Default: $CVBRIDGE_DB_URL, the config file, then sqlite:///var/cvbridge.db. "
        "May also follow the command name."),
        show_default=False)] = None,
    config: Annotated[Path | None, typer.Option(
        "--config", help=_("TOML config file. Default: $CVBRIDGE_CONFIG. May also follow the "
        "command name."), show_default=False)] = None,
    verbose: Annotated[bool, typer.Option(
        "--verbose", help=_("On an error, print its traceback after the one-line message."))
    ] = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", metavar="LANG", help=_("Language of messages and help: {languages}. "
        "Default: $CVBRIDGE_LANG, 'lang' in the config file, then the locale (LC_ALL, "
        "LC_MESSAGES, LANG). May also follow the command name.").format(
            languages=", ".join(available_languages())), show_default=False)] = None,
    _version: Annotated[bool, typer.Option(
        "--version", "-V", help=_("Print cvbridge's version and exit."), is_eager=True,
        callback=_print_version)] = False,
) -> None:
    """Global options apply to every command.

    Example: cvbridge candidates list --db sqlite:////srv/cvbridge/crm.db
    """
    # --verbose is declared so that the parser accepts it; main() reads it from the command
    # line itself, which works even when parsing is what failed.
    # main() chose the language before the commands (and their help) were built, see
    # _language; --lang is handed on only so that it wins over the config file's there too.
    del verbose
    ctx.obj = CliContext(db_url=db, config_path=config, lang=lang)


app.command("validate", cls=TranslatedCommand, help=_validate.HELP)(_validate.validate)
app.command("rules", cls=TranslatedCommand, help=_rules.HELP)(_rules.rules)
app.command("ingest", cls=TranslatedCommand, help=_ingest.HELP)(_ingest.ingest)
app.command("poll", cls=TranslatedCommand, help=_poll.HELP)(_poll.poll)
app.command("purge", cls=TranslatedCommand, help=_purge.HELP)(_purge.purge)
app.command("status", cls=TranslatedCommand, help=_status.HELP)(_status.status)
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
        _fail(_("interrupted"), EXIT_INTERRUPTED, verbose=verbose)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, as cat does, without a second error
        # when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_FAILED)
    except OSError as error:
        where = f" {error.filename}" if error.filename else ""
        _fail(_("cannot go on{where}: {reason}")
              .format(where=where, reason=error.strerror or one_line(error)), EXIT_FAILED,
              verbose=verbose)
    except Exception as error:  # a bug: still one line, with the way to report it
        _fail(_("unexpected {kind}: {reason} (this is a bug in cvbridge; run again with "
                "--verbose and report the traceback)")
              .format(kind=type(error).__name__, reason=one_line(error)), EXIT_FAILED,
              verbose=verbose)
