"""Text recall against a reference: the share of the reference's words a reader found.

Words are runs of letters or of digits (so "ingénieur1" is two), compared case-folded and
NFC-normalised, as multisets: a word the reference has twice must be found twice.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

_WORD = re.compile(r"[^\W\d_]+|\d+")


def words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(unicodedata.normalize("NFC", text).casefold()))


def recall(reference: str, found: str) -> float:
    wanted = words(reference)
    total = sum(wanted.values())
    if total == 0:
        return 1.0
    return sum((wanted & words(found)).values()) / total


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of the values lie (nearest rank, lower)."""
    ordered = sorted(values)
    return ordered[max(0, int(share * len(ordered) + 0.999999) - 1)]
