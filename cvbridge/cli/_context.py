"""What the root callback hands to every command, and the store it opens on demand."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cvbridge._config import Settings, SettingsError, load_settings
from cvbridge.bundle import Profile, load_profile
from cvbridge.cli._exits import EXIT_USAGE

if TYPE_CHECKING:
    from cvbridge.store import Store


def _print_problem(problem: str) -> None:
    typer.echo(f"cvbridge: error: {problem}", err=True)


@dataclass
class CliContext:
    db_url: str | None
    config_path: Path | None
    lang: str | None = None
    # How a settings problem is told: a line on stderr; `poll --log-format json` logs it.
    report_problem: Callable[[str], None] = _print_problem

    def settings(self) -> Settings:
        """The settings, checked: bad ones end the command with one line per problem, exit 2."""
        try:
            return load_settings(config_path=self.config_path, db_url=self.db_url,
                                 lang=self.lang)
        except SettingsError as error:
            for problem in error.problems:
                self.report_problem(problem)
            raise typer.Exit(EXIT_USAGE) from error


def cli_context(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliContext), "the root callback sets the context"
    return obj


def site_profile(settings: Settings, override: Path | None = None) -> Profile | None:
    """The site profile: --profile, else $CVBRIDGE_PROFILE or the config file's, if any."""
    path = override or settings.profile
    return load_profile(path) if path is not None else None


@contextmanager
def open_store(ctx: typer.Context, *, profile: Path | None = None) -> Iterator[Store]:
    """The store named by --db, $CVBRIDGE_DB_URL or the config file; closed afterwards.
    Ingestion in it checks and types x- values by the site profile (``profile``, else the
    settings')."""
    from cvbridge.store import Store  # here, not at import: validate and --help need no database

    settings = cli_context(ctx).settings()
    with Store(settings.db_url, retention_months=settings.retention_months,
               profile=site_profile(settings, profile)) as store:
        yield store
