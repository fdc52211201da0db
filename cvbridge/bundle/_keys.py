"""From parsed entries to checked values, by the schema's key rules. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field

from cvbridge.bundle._report import FindingsCollector
from cvbridge.bundle._schema import KeySpec
from cvbridge.bundle._textfile import Entry
from cvbridge.bundle._values import (
    InvalidValue,
    parse_country,
    parse_date,
    parse_datetime,
    parse_email,
    parse_encoding,
    parse_enum,
    parse_identifier,
    parse_integer,
)

CUSTOM_PREFIX = "x-"
_SIMPLE_PARSERS = {
    "identifier": parse_identifier,
    "datetime": parse_datetime,
    "date": parse_date,
    "email": parse_email,
    "country": parse_country,
}


@dataclass
class KeyedEntries:
    """The entries of one text file, grouped by key, with the custom ``x-`` keys apart (each
    may repeat: its entries in order)."""

    values: dict[str, list[Entry]] = field(default_factory=dict)
    custom: dict[str, list[Entry]] = field(default_factory=dict)

    def first(self, key: str) -> Entry | None:
        entries = self.values.get(key)
        return entries[0] if entries else None


def custom_text(entry: Entry) -> str:
    """Spec §5: a custom value is continued like a text value, i.e. joined with a space."""
    return entry.value(" ")


def value_text(spec: KeySpec, entry: Entry) -> str:
    """Continuation lines keep their breaks in multi-line values, join with a space elsewhere."""
    return entry.value("\n" if spec.type == "multiline" else " ")


def group_entries(
    entries: list[Entry],
    specs: dict[str, KeySpec],
    findings: FindingsCollector,
    *,
    member: str,
    candidate: str | None,
) -> KeyedEntries:
    """Group by key: unknown, repeated and missing keys are reported here."""
    keyed = KeyedEntries()
    first_line: dict[str, int] = {}
    for entry in entries:
        spec = specs.get(entry.key)
        if entry.key.startswith(CUSTOM_PREFIX):
            # Spec §5: a custom key may repeat; a site profile, if any, says otherwise.
            keyed.custom.setdefault(entry.key, []).append(entry)
            continue
        repeated = entry.key in first_line
        if repeated and (spec is None or not spec.multi):
            findings.add("KEY-REPEATED", member=member, line=entry.line, candidate=candidate,
                         key=entry.key, first_line=first_line[entry.key])
            continue
        first_line.setdefault(entry.key, entry.line)
        if spec is None:
            findings.add("KEY-UNKNOWN", member=member, line=entry.line, candidate=candidate,
                         key=entry.key)
        elif entry.value(" "):
            keyed.values.setdefault(entry.key, []).append(entry)
    for name, spec in specs.items():
        if spec.required and name not in keyed.values:
            findings.add("KEY-MISSING", member=member, line=first_line.get(name),
                         candidate=candidate, key=name)
    return keyed


def convert(spec: KeySpec, text: str, encodings: tuple[str, ...]) -> object:
    """The typed value for a key whose rule is generic; raises InvalidValue."""
    if spec.type in _SIMPLE_PARSERS:
        return _SIMPLE_PARSERS[spec.type](text)
    if spec.type == "integer":
        return parse_integer(text, spec.minimum)
    if spec.type == "enum":
        return parse_enum(text, spec.values)
    if spec.type == "encoding":
        return parse_encoding(text, encodings)
    return text


def checked_value(
    spec: KeySpec,
    entry: Entry,
    encodings: tuple[str, ...],
    findings: FindingsCollector,
    *,
    member: str,
    candidate: str | None,
) -> object | None:
    """The typed value of one entry, or None after reporting VALUE-INVALID."""
    text = value_text(spec, entry)
    try:
        return convert(spec, text, encodings)
    except InvalidValue as exc:
        findings.add("VALUE-INVALID", member=member, line=entry.line, candidate=candidate,
                     key=spec.name, value=text, reason=exc.reason, fix=exc.fix)
        return None
