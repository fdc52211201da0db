"""cvbridge: ingest cvbundle 1.0 CV bundles into a CRM store.

The library API; the ``cvbridge`` command is a thin layer over it. Three packages, one per
concern, imports pointing one way (``inbox → store → bundle``):

- :mod:`cvbridge.bundle`: the format. ``validate_bundle(path)`` returns a :class:`Report`;
  ``open_bundle(path)`` also hands over the candidates and documents.
- :mod:`cvbridge.store`: the CRM store. ``with Store("sqlite:///var/cvbridge.db") as store:
  store.ingest(path)``.
- :mod:`cvbridge.inbox`: transports and the poller; ``build_pickup(settings, store)`` is what
  ``cvbridge poll`` runs.

``Store`` is also reachable here as ``cvbridge.Store``. Every name is imported on first use,
so that validating a bundle never loads the database libraries, and ``--help`` not even the
format's.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from cvbridge._errors import (
    BundleAccessError,
    ConfigError,
    ConflictError,
    CvbridgeError,
    InboxError,
    InboxTrustError,
    NotFoundError,
    SpecError,
    StoreError,
)

if TYPE_CHECKING:
    from cvbridge.bundle import (
        Bundle,
        Candidate,
        DocumentInfo,
        Finding,
        FindingType,
        FormatSpec,
        Limits,
        Manifest,
        OpenedBundle,
        Phone,
        Report,
        load_spec,
        open_bundle,
        validate_bundle,
    )
    from cvbridge.store import IngestOutcome, Store

__version__ = "0.1.0"

# Imported on first use (see store/__init__ and bundle/__init__): ``cvbridge --help`` loads
# neither the database libraries nor the format's (lxml, phonenumbers...).
_LAZY = {
    **dict.fromkeys(("Bundle", "Candidate", "DocumentInfo", "Finding", "FindingType",
                     "FormatSpec", "Limits", "Manifest", "OpenedBundle", "Phone", "Report",
                     "load_spec", "open_bundle", "validate_bundle"), "cvbridge.bundle"),
    "Store": "cvbridge.store",
    "IngestOutcome": "cvbridge.store",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cvbridge' has no attribute {name!r}")


__all__ = [
    "Bundle",
    "BundleAccessError",
    "Candidate",
    "ConfigError",
    "ConflictError",
    "CvbridgeError",
    "DocumentInfo",
    "Finding",
    "FindingType",
    "FormatSpec",
    "InboxError",
    "InboxTrustError",
    "IngestOutcome",
    "Limits",
    "Manifest",
    "NotFoundError",
    "OpenedBundle",
    "Phone",
    "Report",
    "SpecError",
    "Store",
    "StoreError",
    "__version__",
    "load_spec",
    "open_bundle",
    "validate_bundle",
]
