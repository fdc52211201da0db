"""The CRM store: candidates, their documents, bundles and what each bundle did."""

from cvbridge.store._people import PurgeOutcome
from cvbridge.store._revert import RevertOutcome
from cvbridge.store._store import Store

__all__ = ["PurgeOutcome", "RevertOutcome", "Store"]
