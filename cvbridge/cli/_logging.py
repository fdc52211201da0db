"""One line per event on stderr, as text or JSON; no personal data is logged by cvbridge."""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from enum import StrEnum

from cvbridge._i18n import _


class LogFormat(StrEnum):
    text = "text"
    json = "json"


_FIELDS = ("bundle", "file", "sha256", "outcome", "codes", "retry_seconds")


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        # What an operator filters on, when the event is about a bundle or a retry.
        for key in _FIELDS:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(entry, ensure_ascii=False)


def _log_thread_exception(args: threading.ExceptHookArgs) -> None:
    """An exception ending a background thread (paramiko's prefetch thread, when the link
    drops mid-download) as one log line, not a traceback among the log lines. The poller
    sees the same failure in the main thread and retries."""
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    logging.getLogger("cvbridge").warning(
        _("background thread %(name)s ended: %(kind)s: %(reason)s"),
        {"name": name, "kind": args.exc_type.__name__, "reason": args.exc_value})


def configure_logging(log_format: LogFormat, *, verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format is LogFormat.json:
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("cvbridge")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    logger.propagate = False
    # paramiko logs every channel event at INFO; its warnings are enough. They go through our
    # handler too: left to Python's last-resort handler, a dropped link would print a bare
    # "Socket exception: ..." line among the JSON ones.
    paramiko_logger = logging.getLogger("paramiko")
    paramiko_logger.handlers[:] = [handler]
    paramiko_logger.setLevel(logging.WARNING)
    paramiko_logger.propagate = False
    threading.excepthook = _log_thread_exception
