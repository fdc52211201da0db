"""``cvbridge status``: the daily check, as a monitoring plugin (Nagios, Icinga, Zabbix,
check_mk) reports it: a first line ``CVBRIDGE STATE - summary``, details below, and the
plugin exit statuses (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cvbridge._errors import CvbridgeError
from cvbridge._i18n import _
from cvbridge.cli._context import cli_context
from cvbridge.cli._exits import one_line
from cvbridge.cli._output import DataFormat, FormatOption, print_json

if TYPE_CHECKING:
    from cvbridge.store import StatusReport

PLUGIN_EXITS = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}


def _seconds(text: str, option: str, *, zero: bool) -> float:
    from cvbridge.store import parse_duration  # here: --help and validate load no database

    try:
        seconds = parse_duration(text)
    except CvbridgeError as error:
        raise typer.BadParameter(str(error), param_hint=option) from error
    if seconds == 0 and not zero:
        raise typer.BadParameter(_("must be more than 0"), param_hint=option)
    return seconds


HELP = _("Did anything fail? OK, WARNING (partial bundles, a claim held past its lease, no poll"
         " for --stale), CRITICAL (a failed bundle in the window) or UNKNOWN (the store cannot "
         "be read), with the exit status a monitoring system expects. Reads only: works on a "
         "read-only store.\n\n"
         "Example (cron, mail when not OK): cvbridge status --since 24h || mail -s cvbridge ops\n\n"
         "Example (Icinga/Nagios command): cvbridge --db sqlite:///srv/cvbridge.db status "
         "--stale 2h")


def status(
    ctx: typer.Context,
    since: Annotated[str, typer.Option(
        "--since", help=_("The window: bundles received in the last 90s, 30m, 24h, 7d...")
    )] = "24h",
    stale: Annotated[str, typer.Option(
        "--stale", help=_("WARNING when no poll succeeded for this long (0: not checked)."))
    ] = "1h",
    output_format: FormatOption = DataFormat.text,
) -> None:
    since_seconds = _seconds(since, "--since", zero=False)
    stale_seconds = _seconds(stale, "--stale", zero=True)
    from cvbridge.store import Store

    settings = cli_context(ctx).settings()
    try:
        with Store(settings.db_url, migrate=False, read_only=True) as store:
            report = store.status(since_seconds=since_seconds,
                                  lease_seconds=settings.lease_seconds,
                                  stale_seconds=stale_seconds)
    except CvbridgeError as error:
        _unknown(one_line(error), output_format)
        raise typer.Exit(PLUGIN_EXITS["UNKNOWN"]) from error
    if output_format is DataFormat.json:
        print_json(report.as_json())
    else:
        for line in status_lines(report, datetime.now(UTC)):
            typer.echo(line)
    raise typer.Exit(PLUGIN_EXITS[report.state])


def _unknown(message: str, output_format: DataFormat) -> None:
    if output_format is DataFormat.json:
        print_json({"state": "UNKNOWN", "window": None, "bundles": None, "failed": None,
                    "partial": None, "stuck_claims": [], "last_poll": None,
                    "problems": [{"kind": "unknown", "message": message}]})
    else:
        typer.echo(f"CVBRIDGE UNKNOWN - {message}")


def _ago(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return _("{count} {unit} ago").format(count=seconds // size, unit=unit)
    return _("{count} s ago").format(count=seconds)


def _problem_line(problem: dict[str, Any]) -> str:
    kind = problem["kind"]
    if kind in ("failed", "partial"):
        code = problem["code"] or _("no finding")
        return _("{kind}: bundle #{bundle} {name}: {code}, received {ago}").format(
            kind=kind, bundle=problem["bundle"], name=problem["name"], code=code,
            ago=_ago(problem["age_seconds"]))
    if kind == "stuck claim":
        return _("stuck claim: {name} held by {worker} for {seconds} s, longer than its lease "
                 "({inbox})").format(name=problem["name"], worker=problem["worker"],
                                     seconds=problem["age_seconds"], inbox=problem["inbox"])
    if problem["age_seconds"] is None:
        return _("no poll: no successful poll round recorded")
    return _("no poll: the last successful poll was {ago}, more than {stale} s ago").format(
        ago=_ago(problem["age_seconds"]), stale=problem["stale_seconds"])


def status_lines(report: StatusReport, now: datetime) -> list[str]:
    # "CVBRIDGE STATE - " is what monitoring systems read: never translated.
    lines = [f"CVBRIDGE {report.state} - " + _(
        "{bundles} bundles in {window}, {failed} failed, {partial} partial, oldest claim "
        "{oldest} s").format(bundles=report.bundles, window=report.window,
                             failed=report.failed, partial=report.partial,
                             oldest=report.oldest_claim_seconds)]
    lines += [_problem_line(problem) for problem in report.problems]
    if report.last_poll is None:
        lines.append(_("last successful poll: never"))
    else:
        age = max(0, int((now - report.last_poll).total_seconds()))
        lines.append(_("last successful poll: {when} ({ago})").format(
            when=report.last_poll.isoformat(timespec="seconds"), ago=_ago(age)))
    return lines
