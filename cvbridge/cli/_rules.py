"""``cvbridge rules``: the catalogue of findings."""

from __future__ import annotations

from typing import Annotated

import typer

from cvbridge._i18n import _
from cvbridge.bundle import load_spec
from cvbridge.cli._output import DataFormat, print_json

HELP = _("List the finding codes, or explain one.\n\n"
         "Example: cvbridge rules DOC-EXTERNAL-REL")


def rules(
    code: Annotated[str | None, typer.Argument(
        help=_("A finding code, e.g. ZIP-CRC; omit to list them all."), show_default=False)
    ] = None,
    output_format: Annotated[DataFormat, typer.Option("--format", "-f")] = DataFormat.text,
) -> None:
    catalogue = load_spec().findings
    if code is None:
        if output_format is DataFormat.json:
            print_json([vars(kind) for kind in catalogue.values()])
            return
        width = max(len(name) for name in catalogue)
        for kind in catalogue.values():
            typer.echo(f"{kind.code:<{width}}  {kind.severity:<7}  {kind.title}")
        return
    explained = catalogue.get(code.upper())
    if explained is None:
        raise typer.BadParameter(_("no finding has the code {code!r}; run 'cvbridge rules'")
                                 .format(code=code),
                                 param_hint="CODE")
    if output_format is DataFormat.json:
        print_json(vars(explained))
        return
    typer.echo(f"{explained.code} ({explained.severity}): {explained.title}\n\n"
               f"{explained.description}\n\nMessage: {explained.message}\n"
               f"Fix: {explained.suggestion}")
