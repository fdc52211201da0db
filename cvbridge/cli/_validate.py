"""``cvbridge validate``: every finding for each bundle, offline."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cvbridge._errors import SpecError
from cvbridge._i18n import _
from cvbridge.bundle import Limits, load_profile, load_spec
from cvbridge.cli._options import regular_files

if TYPE_CHECKING:
    from cvbridge.bundle import Limits

# Shared by the commands that read bundles (validate, ingest).
ProfileOption = Annotated[Path | None, typer.Option(
    "--profile", help=_("Site profile (TOML): check the candidates' x- values against it."),
    exists=True, dir_okay=False, show_default=False)]


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    junit = "junit"


def parse_limits(assignments: list[str]) -> Limits:
    """``--limit member_size=1000000`` options on top of the schema's defaults."""
    overrides: dict[str, int] = {}
    for assignment in assignments:
        name, equals, value = assignment.partition("=")
        if not equals or not value.strip().isdigit():
            raise typer.BadParameter(_("expected NAME=BYTES, got {assignment!r}")
                                     .format(assignment=assignment),
                                     param_hint="--limit")
        overrides[name.strip()] = int(value)
    try:
        return load_spec().limits.with_overrides(**overrides)
    except SpecError as exc:
        raise typer.BadParameter(str(exc), param_hint="--limit") from exc


HELP = _("Check bundles against cvbundle 1.0 and print every problem at once.\n\n"
         "With --profile, the candidates' x- values are checked against the site's profile too "
         "(PROFILE-* findings): vendors get the profile from the site.\n\n"
         "Exit 0 when every bundle is valid (warnings allowed unless --strict), 1 when any is "
         "invalid, 2 on usage errors. Bundles are read in parallel (--jobs); the output is in "
         "the order given, the same whatever the number of jobs.\n\n"
         "Example: cvbridge validate samples/valid/*.zip --format json Example: cvbridge "
         "validate --profile site-profile.toml BUNDLE.zip")


def validate(
    paths: Annotated[list[Path], typer.Argument(
        help=_("Bundle files (.zip) to check."), exists=True, dir_okay=False, readable=True,
        metavar="BUNDLE.zip...",
        show_default=False, callback=regular_files)],
    output_format: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help=_("text for people, json for programs, junit for CI."))
    ] = ReportFormat.text,
    strict: Annotated[bool, typer.Option(
        "--strict", help=_("Warnings fail the bundle too."))] = False,
    limit: Annotated[list[str] | None, typer.Option(
        "--limit", help=_("Override a limit, e.g. --limit member_size=10000000 (repeatable)."),
        show_default=False)] = None,
    jobs: Annotated[int | None, typer.Option(
        "--jobs", "-j", min=1, help=_("Processes that read at once: bundles spread over them, or "
        "the documents of a bundle read alone. Default: the cores available."),
        show_default=False)] = None,
    profile: ProfileOption = None,
) -> None:
    # Here, not at import: the readers' libraries (lxml, phonenumbers...) load when a bundle
    # is read, and --help goes without them.
    from cvbridge.bundle import render_json, render_junit, render_text, validate_bundles

    limits = parse_limits(limit or [])
    site_profile = load_profile(profile) if profile is not None else None
    # A command holds no threads or connections: a bundle read alone may fork for its checks.
    reports = list(validate_bundles(paths, limits=limits, profile=site_profile, jobs=jobs,
                                    fork=True))
    if output_format is ReportFormat.json:
        sys.stdout.write(render_json(reports))
    elif output_format is ReportFormat.junit:
        sys.stdout.write(render_junit(reports, strict=strict))
    else:
        sys.stdout.write(render_text(reports, strict=strict))
    if not all(report.passes(strict=strict) for report in reports):
        raise typer.Exit(1)
