"""``cvbridge rules``: the catalogue of findings."""

from __future__ import annotations

from typing import Annotated

import typer

from cvbridge._i18n import _
from cvbridge.bundle import load_spec
from cvbridge.bundle._schema import severity_word
from cvbridge.cli._output import DataFormat, print_json

HELP = _("List the finding codes, or explain one.\n\n"
         "Example: cvbridge rules DOC-EXTERNAL-REL")


def rules(
    code: Annotated[str | None, typer.Argument(
        help=_("A finding code, e.g. ZIP-CRC; omit to list them all."), show_default=False)
    ] = None,
    output_format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
) -> None:
    catalogue = {name: kind.translated() for name, kind in load_spec().findings.items()}
    if code is None:
        if output_format is DataFormat.json:
            print_json([vars(kind) for kind in catalogue.values()])
            return
        width = max(len(name) for name in catalogue)
        severities = {kind.severity: severity_word(kind.severity) for kind in catalogue.values()}
        shown = max(len(word) for word in severities.values())
        for kind in catalogue.values():
            typer.echo(f"{kind.code:<{width}}  {severities[kind.severity]:<{shown}}  "
                       f"{kind.title}")
        return
    explained = catalogue.get(code.upper())
    if explained is None:
        raise typer.BadParameter(_("no finding has the code {code!r}; run 'cvbridge rules'")
                                 .format(code=code),
                                 param_hint="CODE")
    if output_format is DataFormat.json:
        print_json(vars(explained))
        return
    typer.echo(_("{code} ({severity}): {title}").format(
        code=explained.code, severity=severity_word(explained.severity), title=explained.title))
    typer.echo(f"\n{explained.description}\n")
    typer.echo(_("Message: {message}").format(message=explained.message))
    typer.echo(_("Fix: {suggestion}").format(suggestion=explained.suggestion))
