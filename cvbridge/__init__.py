"""cvbridge: ingest cvbundle 1.0 CV bundles into a CRM store.

The library API; the ``cvbridge`` command is a thin layer over it.
"""

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
from cvbridge._model import Bundle, Candidate, DocumentInfo, Manifest
from cvbridge._reader import OpenedBundle, open_bundle, validate_bundle
from cvbridge._report import Finding, Report
from cvbridge._schema import FindingType, FormatSpec, Limits, load_spec
from cvbridge._values import Phone

__version__ = "0.1.0"

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
    "Limits",
    "Manifest",
    "NotFoundError",
    "OpenedBundle",
    "Phone",
    "Report",
    "SpecError",
    "StoreError",
    "__version__",
    "load_spec",
    "open_bundle",
    "validate_bundle",
]
