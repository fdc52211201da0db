"""Where a search matched: a short extract of the text around the query's words, with the
spans of the matched words, so a recruiter sees why a candidate was found. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from cvbridge.store._search import words

SNIPPET_CHARS = 160
_WORD = re.compile(r"[^\W_]+")
# Matches looked at per text: a common prefix ("a") may match thousands of words of a CV.
_MAX_MATCHES = 200


@lru_cache(maxsize=8192)
def fold(word: str) -> str:
    """A word as the index compares it: no accents, no case, ligatures spelled out. Cached:
    a page of results folds the same few thousand words."""
    if word.isascii():
        return word.lower()
    spelled = "".join(words(word))
    decomposed = unicodedata.normalize("NFKD", spelled)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@dataclass(frozen=True)
class Snippet:
    text: str
    # [start, end) of each matched word in ``text``
    matches: list[tuple[int, int]]
    # how many distinct words of the query it shows
    covered: int

    def to_dict(self) -> dict[str, object]:
        return {"text": self.text, "matches": [list(span) for span in self.matches]}


@lru_cache(maxsize=1)
def _starters() -> dict[str, str]:
    """Every character a word may start with, by the first character it folds to ("e" for
    "É", "o" for "œ"): built once, from the letters of the scripts CVs are written in."""
    table: dict[str, set[str]] = {}
    for code in range(0x20, 0x2000):
        char = chr(code)
        folded = fold(char)
        if folded:
            table.setdefault(folded[0], set()).add(char)
    for extra in "ﬀﬁﬂﬃﬄﬅﬆ":  # the Latin ligatures NFKC spells out
        table.setdefault(fold(extra)[0], set()).add(extra)
    return {first: "".join(sorted(chars)) for first, chars in table.items()}


def _candidates(prefixes: list[str]) -> re.Pattern[str]:
    """Words starting with a character that can fold to a prefix's first one: the regular
    expression engine skips the others, and only these are folded and compared."""
    chars = "".join(_starters().get(prefix[0], prefix[0]) for prefix in prefixes)
    return re.compile(r"(?<![^\W_])[" + re.escape(chars) + r"][^\W_]*")


def _matches(flat: str, prefixes: list[str]) -> list[tuple[int, int, str]]:
    found = []
    for match in _candidates(prefixes).finditer(flat):
        folded = fold(match.group())
        prefix = next((p for p in prefixes if folded.startswith(p)), None)
        if prefix is not None:
            found.append((match.start(), match.end(), prefix))
            if len(found) == _MAX_MATCHES:
                break
    return found


def make_snippet(text: str | None, query: str, width: int = SNIPPET_CHARS) -> Snippet | None:
    """The extract of ``text`` (whitespace flattened) that holds the most distinct words of
    ``query`` within ``width`` characters, the earliest such; None when nothing matches."""
    prefixes = [fold(token) for token in words(query)]
    flat = " ".join((text or "").split())
    found = _matches(flat, [p for p in prefixes if p])
    if not found:
        return None
    # A window sliding over the matches: the distinct prefixes between ``index`` and ``ahead``.
    best, best_count, ahead = 0, 0, 0
    inside: Counter[str] = Counter()
    for index, (start, _end, _prefix) in enumerate(found):
        while ahead < len(found) and found[ahead][1] - start <= width:
            inside[found[ahead][2]] += 1
            ahead += 1
        if len(inside) > best_count:
            best, best_count = index, len(inside)
        inside[found[index][2]] -= 1
        if not inside[found[index][2]]:
            del inside[found[index][2]]
    first = found[best][0]
    # A little context before the first matched word, starting at a word.
    start = max(0, first - width // 4)
    if start > 0:
        space = flat.find(" ", start, first)
        start = space + 1 if space != -1 else first
    end = min(len(flat), start + width)
    if end < len(flat):
        space = flat.rfind(" ", found[best][1], end)
        end = space if space != -1 else end
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(flat) else ""
    shift = len(lead) - start
    spans = [(s + shift, e + shift) for s, e, _ in found if s >= start and e <= end]
    return Snippet(lead + flat[start:end] + tail, spans, best_count)


def best_snippet(texts: list[str | None], query: str) -> Snippet | None:
    """The snippet of the first of ``texts`` that shows the most words of ``query``."""
    found = [snippet for text in texts if (snippet := make_snippet(text, query)) is not None]
    return max(found, key=lambda snippet: snippet.covered, default=None)
