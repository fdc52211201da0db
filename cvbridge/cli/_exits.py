"""How an error of the cvbridge tree ends a command: its exit status and its one line."""

from __future__ import annotations

from cvbridge._errors import (
    BundleAccessError,
    ConfigError,
    ConflictError,
    CvbridgeError,
    InboxError,
    InboxTrustError,
    NotFoundError,
    OutputError,
    StoreError,
)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INBOX = 3
EXIT_STORE = 4


def exit_code_for(error: CvbridgeError) -> int:
    if isinstance(error, InboxTrustError | InboxError):
        return EXIT_INBOX
    if isinstance(error, ConfigError | BundleAccessError | NotFoundError | OutputError):
        return EXIT_USAGE
    if isinstance(error, ConflictError):
        return EXIT_FAILED  # refused, and the message says why
    if isinstance(error, StoreError):
        return EXIT_STORE
    return EXIT_FAILED


def one_line(error: BaseException) -> str:
    """An error's message on one line, whatever a driver or library put in it."""
    return " ".join(str(error).split())
