"""Where a search matched: a short extract of the text around the query's words, with the
spans of the matched words, so a recruiter sees why a candidate was found. Pure."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cvbridge.store._search import words

SNIPPET_CHARS = 160
_WORD = re.compile(r"[^\W_]+")
# Matches looked at per text: a common prefix ("a") may match thousands of words of a CV.
_MAX_MATCHES = 200


def fold(word: str) -> str:
    """A word as the index compares it: no accents, no case, ligatures spelled out."""
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


def _matches(flat: str, prefixes: list[str]) -> list[tuple[int, int, str]]:
    found = []
    for match in _WORD.finditer(flat):
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
    best, best_count = 0, 0
    for index, (start, _end, _prefix) in enumerate(found):
        covered = {prefix for s, e, prefix in found[index:] if e - start <= width}
        if len(covered) > best_count:
            best, best_count = index, len(covered)
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
