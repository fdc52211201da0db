"""The inbox behind ``cvbridge poll``: where vendors drop bundles, and how we take them.

A transport (local folder or SFTP) lists, claims, downloads and files away bundles; the
:class:`Poller` decides when an upload is complete (:class:`SettleTracker`) and hands each
bundle to an ingest callback (the store).
"""

from cvbridge._inbox._local import LocalTransport
from cvbridge._inbox._poller import IngestCallback, IngestResult, Poller, PollSummary
from cvbridge._inbox._settle import SettleTracker, is_bundle_name
from cvbridge._inbox._sftp import SftpSettings, SftpTransport
from cvbridge._inbox._transport import (
    ClaimLostError,
    InboxFolders,
    InboxTransport,
    NotAFileError,
    Outcome,
    RemoteFile,
    TransportFactory,
)
from cvbridge._inbox._url import InboxLocation, parse_inbox_url, transport_factory

__all__ = [
    "ClaimLostError",
    "InboxFolders",
    "InboxLocation",
    "InboxTransport",
    "IngestCallback",
    "IngestResult",
    "LocalTransport",
    "NotAFileError",
    "Outcome",
    "PollSummary",
    "Poller",
    "RemoteFile",
    "SettleTracker",
    "SftpSettings",
    "SftpTransport",
    "TransportFactory",
    "is_bundle_name",
    "parse_inbox_url",
    "transport_factory",
]
