"""Options and arguments several commands share: ids in the store's range, --limit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cvbridge._i18n import _
from cvbridge.store import MAX_ID

# An id outside the store's range is refused by the parser, before any database sees it.
BundleId = Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID,
                                         help=_("Bundle id (see 'list')."))]
CandidateId = Annotated[int, typer.Argument(metavar="ID", min=1, max=MAX_ID,
                                            help=_("Candidate id (see 'list')."))]
LimitOption = Annotated[int | None, typer.Option(
    "--limit", min=1, max=MAX_ID, help=_("At most this many, the first in the order shown."),
    show_default=False)]


def regular_files(paths: list[Path] | None) -> list[Path] | None:
    """Bundles are files: a device (/dev/zero) or a FIFO would be read forever."""
    for path in paths or []:
        if not path.is_file():
            raise typer.BadParameter(_("{path} is not a regular file").format(path=path))
    return paths
