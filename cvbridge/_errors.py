"""The exception tree: every error cvbridge raises derives from :class:`CvbridgeError`.

Problems found *in a bundle* are never exceptions: they are findings in a report. Exceptions
mean that work cannot go on (a file that cannot be opened, a store that cannot be reached, an
inbox that cannot be trusted). Foreign errors are translated at the boundary with
``raise ... from exc`` so callers only ever need to catch this tree.
"""

from __future__ import annotations


class CvbridgeError(Exception):
    """Root of every error raised by cvbridge."""


class SpecError(CvbridgeError):
    """The cvbundle schema shipped with cvbridge is missing or malformed."""


class BundleAccessError(CvbridgeError):
    """A bundle file cannot be opened or read at all (missing, permission, I/O error)."""


class ConfigError(CvbridgeError):
    """The configuration (file, environment or options) is incomplete or contradictory."""


class OutputError(CvbridgeError):
    """A result cannot be written where it was asked to go (a missing folder, a file that
    exists already, a terminal for binary data, a folder we may not write in)."""


class StoreError(CvbridgeError):
    """The CRM store cannot be reached, migrated or written."""


class NotFoundError(StoreError):
    """A record asked for by id does not exist."""


class ConflictError(StoreError):
    """An action was refused because of the state of other records (the message names them)."""


class InboxError(CvbridgeError):
    """The inbox cannot be reached, listed or moved in."""


class InboxTrustError(InboxError):
    """The inbox's server could not be authenticated, or refused our credentials.

    Retrying will not help: a person has to look at the host key or the client key.
    """


class ProfileError(ConfigError):
    """A site profile cannot be read or breaks the profile rules; ``problems`` lists each one,
    located (``path:line: message``)."""

    def __init__(self, message: str, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems or (message,)


class FilterError(ConfigError):
    """A filter on candidates (``--where``) cannot be read, or does not fit its field."""
