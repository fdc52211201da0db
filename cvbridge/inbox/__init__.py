"""The inbox behind ``cvbridge poll``: where vendors drop bundles, and how we take them.

A transport (local folder or SFTP) lists, claims, downloads and files away bundles; the
:class:`Poller` decides when an upload is complete (:class:`SettleTracker`) and hands each
bundle to an ingest callback. :func:`build_pickup` wires a poller on the configured inbox to
a :class:`~cvbridge.store.Store`: that is what ``cvbridge poll`` runs, and what an operator's
script calls (``build_pickup(load_settings(), store).once(threading.Event())``).
"""

from cvbridge.inbox._local import LocalTransport
from cvbridge.inbox._pickup import Pickup, StoreIngest, build_pickup, vendor_errors_text
from cvbridge.inbox._poller import IngestCallback, IngestResult, Poller, PollSummary
from cvbridge.inbox._settle import SettleTracker, is_bundle_name
from cvbridge.inbox._sftp import SftpSettings, SftpTransport
from cvbridge.inbox._transport import (
    ClaimLostError,
    InboxFolders,
    InboxTransport,
    NotAFileError,
    Outcome,
    RemoteFile,
    TransportFactory,
)
from cvbridge.inbox._url import InboxLocation, parse_inbox_url, transport_factory

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
    "Pickup",
    "PollSummary",
    "Poller",
    "RemoteFile",
    "SettleTracker",
    "SftpSettings",
    "SftpTransport",
    "StoreIngest",
    "TransportFactory",
    "build_pickup",
    "is_bundle_name",
    "parse_inbox_url",
    "transport_factory",
    "vendor_errors_text",
]
