"""The CRM store: candidates, their documents, bundles and what each bundle did.

:class:`Store` opens a store by URL (SQLite by default, PostgreSQL with the ``postgresql``
extra), migrates it, ingests bundles (:meth:`Store.ingest`, :meth:`Store.ingest_many`) and
answers the recruiters' questions. Each ingestion returns an :class:`IngestOutcome`.

The names are imported on first use: the read-ahead process (``_readahead``, spawned afresh)
imports this package without loading SQLAlchemy, and starts in a fraction of the time.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cvbridge.store._custom import Condition
    from cvbridge.store._ids import MAX_ID
    from cvbridge.store._ingest import IngestOutcome
    from cvbridge.store._monitoring import StatusReport, parse_duration
    from cvbridge.store._people import PurgeOutcome
    from cvbridge.store._revert import RevertOutcome
    from cvbridge.store._store import Store

_HOMES = {
    "Condition": "cvbridge.store._custom",
    "IngestOutcome": "cvbridge.store._ingest",
    "MAX_ID": "cvbridge.store._ids",
    "PurgeOutcome": "cvbridge.store._people",
    "RevertOutcome": "cvbridge.store._revert",
    "StatusReport": "cvbridge.store._monitoring",
    "Store": "cvbridge.store._store",
    "parse_duration": "cvbridge.store._monitoring",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'cvbridge.store' has no attribute {name!r}")


__all__ = ["MAX_ID", "Condition", "IngestOutcome", "PurgeOutcome", "RevertOutcome",
           "StatusReport", "Store", "parse_duration"]
