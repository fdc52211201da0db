"""``cvbridge profile``: check, show and apply a site profile (the CRM's own custom fields)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cvbridge._i18n import _
from cvbridge.bundle import FieldSpec, check_profile_file, load_profile
from cvbridge.cli._context import open_store
from cvbridge.cli._help import TranslatedCommand, TranslatedGroup
from cvbridge.cli._output import DataFormat, FormatOption, print_json, print_table

app = typer.Typer(cls=TranslatedGroup,
                  help=_("Check, show and apply a site profile: the custom x- fields a "
                         "site's CRM expects, with their types."), no_args_is_help=True)

ProfileArgument = Annotated[Path, typer.Argument(
    metavar="PROFILE.toml", help=_("The site profile (TOML)."), exists=True, dir_okay=False,
    show_default=False)]
SHOW_COLUMNS = ("field", "type", "required", "repeatable", "rule", "description")


def field_row(spec: FieldSpec) -> dict[str, Any]:
    return {"field": spec.name, "type": spec.type, "required": spec.required,
            "repeatable": spec.repeatable, "rule": spec.rule_text(),
            "description": spec.description}


def _yes(value: bool) -> str:
    return _("yes") if value else _("no")


@app.command("check", cls=TranslatedCommand,
              help=_("Check a profile: one line per problem, with its line number.\n\n"
                     "Exit 0 when the profile is fine, 1 when it has problems.\n\n"
                     "Example: cvbridge profile check site-profile.toml"))
def check(path: ProfileArgument) -> None:
    profile, problems = check_profile_file(path)
    if profile is None:
        for problem in problems:
            typer.echo(problem)
        raise typer.Exit(1)
    typer.echo(_("{path}: profile '{name}' is valid ({count} fields)")
               .format(path=path, name=profile.name, count=len(profile.fields)))


@app.command("show", cls=TranslatedCommand,
              help=_("Show the fields a profile declares, as a table.\n\n"
                     "Example: cvbridge profile show site-profile.toml"))
def show(path: ProfileArgument, output_format: FormatOption = DataFormat.text) -> None:
    profile = load_profile(path)
    rows = [field_row(spec) for spec in profile.fields.values()]
    if output_format is DataFormat.json:
        print_json({"name": profile.name, "description": profile.description, "fields": rows})
        return
    typer.echo((_("profile {name}: {description}") if profile.description else
                _("profile {name}")).format(name=profile.name, description=profile.description))
    print_table([{**row, "required": _yes(row["required"]),
                  "repeatable": _yes(row["repeatable"])} for row in rows], SHOW_COLUMNS)


@app.command("apply", cls=TranslatedCommand,
              help=_("Make a profile the store's: its fields typed, and every stored value "
                     "re-typed.\n\n"
                     "Values of bundles ingested before (stored as text) are read again as "
                     "their field's type; a value that does not read as its type stays text, "
                     "and is counted. Fields the profile no longer declares become text.\n\n"
                     "Example: cvbridge profile apply site-profile.toml"))
def apply(ctx: typer.Context, path: ProfileArgument,
          output_format: FormatOption = DataFormat.text) -> None:
    profile = load_profile(path)
    with open_store(ctx) as store:
        outcome = store.apply_profile(profile)
    if output_format is DataFormat.json:
        print_json(outcome)
        return
    typer.echo(_("profile '{name}' applied: {fields} fields; {values} values, {typed} of them "
                 "typed; {untyped} kept as text: they do not read as their field's type")
               .format(name=profile.name, fields=outcome['fields'], values=outcome['values'],
                       typed=outcome['typed'], untyped=outcome['untyped']))
