"""Text files of a bundle (manifest and candidate files): decoding and ``key: value`` syntax.

Pure: bytes in, entries and findings out.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from cvbridge._i18n import LazyText
from cvbridge.bundle._report import FindingsCollector

_KEY = re.compile(r"[a-z0-9_-]+")
# A line that starts with a valid key and its colon: nearly every line, taken without the
# general checks below (which it would pass). Only the key is matched: the value is cut with
# str.strip(), never by a pattern that could backtrack over a long line.
_KEY_AND_COLON = re.compile(r"[a-z0-9_-]+:")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CONTINUATION_STARTS = (" ", "\t")


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``key: value`` with its continuation lines, as written."""

    key: str
    first_value: str
    line: int
    continuation: tuple[str, ...] = ()

    def value(self, separator: str) -> str:
        if not self.continuation:  # nearly every entry, and asked for each key of each file
            return self.first_value
        parts = [self.first_value, *self.continuation]
        return separator.join(part for part in parts if part)


def canonical_encoding(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return None


def decode_text(
    data: bytes, encoding: str, findings: FindingsCollector, *, member: str,
    candidate: str | None,
) -> str | None:
    """Decode a text member.

    Each line that is not valid in the encoding is reported and read with U+FFFD in place of
    the bad bytes, so that the rest of the file is still checked (its owner is rejected all
    the same). A UTF-16 file, or one holding NUL characters, is not read at all: None.
    """
    if data.startswith(_UTF16_BOMS):
        findings.add("TEXT-DECODE", member=member, line=1, candidate=candidate,
                     encoding=f"{encoding} (the file is UTF-16)")
        return None
    if canonical_encoding(encoding) == "utf-8" and data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        # Line by line: LF (0x0A) is never part of a multi-byte UTF-8 sequence.
        lines = []
        for number, raw in enumerate(data.split(b"\n"), start=1):
            try:
                lines.append(raw.decode(encoding))
            except UnicodeDecodeError:
                findings.add("TEXT-DECODE", member=member, line=number, candidate=candidate,
                             encoding=encoding)
                lines.append(raw.decode(encoding, errors="replace"))
        text = "\n".join(lines)
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        findings.add("TEXT-DECODE", member=member, line=line, candidate=candidate,
                     encoding=f"{encoding} (it holds NUL characters)")
        return None
    return text


def parse_entries(
    text: str, findings: FindingsCollector, *, member: str, candidate: str | None
) -> list[Entry]:
    """Split text into entries; comments and blank lines are skipped, syntax errors reported."""
    entries: list[Entry] = []
    pending: list[str] = []
    # After a line with a syntax error, its continuation lines belong to no entry: they are
    # dropped (the error is already reported), never attached to the entry before it.
    orphaned = False

    def close_pending() -> None:
        if pending and entries:
            last = entries[-1]
            entries[-1] = Entry(last.key, last.first_value, last.line, tuple(pending))
        pending.clear()

    for number, raw in enumerate(text.split("\n"), start=1):
        key_and_colon = _KEY_AND_COLON.match(raw)
        if key_and_colon is not None:
            if pending:
                close_pending()
            entries.append(Entry(key_and_colon[0][:-1], raw[key_and_colon.end():].strip(),
                                 number))
            orphaned = False
            continue
        line = raw.rstrip("\r")
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith(_CONTINUATION_STARTS):
            if orphaned:
                continue
            if not entries:
                findings.add("TEXT-SYNTAX", member=member, line=number, candidate=candidate,
                             detail="a continuation line with no key before it")
            else:
                pending.append(line.strip())
            continue
        close_pending()
        key, colon, value = line.partition(":")
        key = key.strip().lower()
        orphaned = True
        if not colon:
            findings.add("TEXT-SYNTAX", member=member, line=number, candidate=candidate,
                         detail=LazyText("no ':' on the line"))
        elif not _KEY.fullmatch(key):
            findings.add("TEXT-SYNTAX", member=member, line=number, candidate=candidate,
                         detail=LazyText("'{key}' is not a valid key", key=key))

        else:
            entries.append(Entry(key, value.strip(), number))
            orphaned = False
    close_pending()
    return entries
