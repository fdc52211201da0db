"""The range of the store's ids: every table's id is an INTEGER, 32 bits on PostgreSQL."""

from __future__ import annotations

from cvbridge._errors import NotFoundError
from cvbridge._i18n import _

MAX_ID = 2**31 - 1


def check_id(kind: str, record_id: int) -> None:
    """An id no row can have is a record that does not exist: said as such, before a driver
    turns it into an OverflowError (SQLite) or a numeric-range error (PostgreSQL)."""
    if not 1 <= record_id <= MAX_ID:
        raise NotFoundError(_("no {kind} #{record_id}").format(kind=_(kind), record_id=record_id))
