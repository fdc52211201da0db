"""``cvbridge poll``: take complete uploads from the inbox and ingest them."""

from __future__ import annotations

import logging
import math
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from cvbridge._errors import CvbridgeError
from cvbridge._i18n import _
from cvbridge.cli._context import cli_context, site_profile
from cvbridge.cli._exits import exit_code_for, one_line
from cvbridge.cli._logging import LogFormat, configure_logging

if TYPE_CHECKING:
    from cvbridge.inbox import IngestResult

log = logging.getLogger("cvbridge.poll")


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


HELP = _("Watch the inbox (SFTP or a local folder) and ingest every complete upload, once.\n\n"
         "The inbox, key and known_hosts come from the environment (CVBRIDGE_INBOX, "
         "CVBRIDGE_SSH_KEY, CVBRIDGE_SSH_KEY_PASSPHRASE, CVBRIDGE_KNOWN_HOSTS, "
         "CVBRIDGE_SETTLE_SECONDS, CVBRIDGE_DB_URL) or the config file. SIGTERM or Ctrl-C stops"
         " after the bundle in hand.\n\n"
         "Exit (with --once): 0 every bundle taken was ingested or a duplicate, 1 any was "
         "partial or failed (or was a failed bundle sent again), 3 the inbox could not be "
         "reached or trusted.\n\n"
         "Example: CVBRIDGE_INBOX=sftp://cv@sftp.example.fr:22/inbox cvbridge poll --once\n\n"
         "Example: cvbridge poll --metrics-file /var/lib/node_exporter/textfile/cvbridge.prom")


def poll(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option(
        "--once", help=_("One round (waiting for uploads to settle), then exit."))] = False,
    interval: Annotated[float, typer.Option(
        "--interval", min=0.1, help=_("Seconds between rounds when running as a daemon."))] = 60.0,
    log_format: Annotated[LogFormat, typer.Option(
        "--log-format", help=_("text, or json for one JSON object per line."))] = LogFormat.text,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=_("Debug logging."))] = False,
    metrics_file: Annotated[Path | None, typer.Option(
        "--metrics-file", help=_("Write Prometheus metrics to this file after each round "
        "(atomically: for node_exporter's textfile collector, name it *.prom)."),
        show_default=False)] = None,
) -> None:
    if not math.isfinite(interval):
        raise typer.BadParameter(_("must be a finite number of seconds, not {interval}")
                                 .format(interval=interval),
                                 param_hint="--interval")
    configure_logging(log_format, verbose=verbose)
    if log_format is LogFormat.json:
        cli_context(ctx).report_problem = lambda problem: log.error(_("error: %(problem)s"),
                                                                    {"problem": problem})
    stop = threading.Event()
    _stop_on_signals(stop)
    try:
        results = _poll(ctx, once=once, interval=interval, stop=stop,
                        metrics_file=metrics_file)
    except CvbridgeError as error:
        if log_format is not LogFormat.json:
            raise  # the root command prints it as one line and picks the exit status
        # JSON logs stay JSON to the end: the error that stops us is one more JSON line.
        log.error(_("error: %(reason)s"), {"reason": one_line(error)})
        raise typer.Exit(exit_code_for(error)) from error
    if any(result.outcome == "failed" or result.status not in ("ingested", "duplicate")
           for result in results):
        raise typer.Exit(1)


def _poll(ctx: typer.Context, *, once: bool, interval: float, stop: threading.Event,
          metrics_file: Path | None) -> list[IngestResult]:
    # Here, not at import: SSH and the database are for polling, not for --help or validate.
    from cvbridge.inbox import build_pickup
    from cvbridge.store import Store

    settings = cli_context(ctx).settings()
    with Store(settings.db_url, retention_months=settings.retention_months,
               profile=site_profile(settings)) as store:
        pickup = build_pickup(settings, store, metrics_file=metrics_file)
        if not once:
            pickup.run(interval, stop)
            return []
        return pickup.once(stop)
