"""The cvbundle 1.0 schema: keys, limits and the findings catalogue, loaded from ``formats/``.

The same JSON file is the appendix of the written specification, so the document and the
validator cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from cvbridge._errors import SpecError
from cvbridge._i18n import N_, _, gettext

SCHEMA_FILE = "cvbundle-1.0.schema.json"
Severity = Literal["error", "warning"]
# The severities as people read them (the data, JSON included, keeps the English word).
SEVERITY_WORDS: dict[str, str] = {"error": N_("error"), "warning": N_("warning")}


def severity_word(severity: str) -> str:
    """``error`` or ``warning`` in the language spoken now."""
    return gettext(SEVERITY_WORDS[severity])


@dataclass(frozen=True)
class Limits:
    """Caps applied to every bundle; each is configurable by the receiver.

    The defaults come from the schema: ``load_spec().limits``.
    """

    bundle_size: int
    member_count: int
    member_size: int
    total_size: int
    ratio: int
    ratio_min_size: int
    text_size: int
    document_part_count: int

    def with_overrides(self, **overrides: int) -> Limits:
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise SpecError(_("unknown limit {names}; known: {known}").format(
                names=", ".join(sorted(unknown)), known=", ".join(sorted(known))))
        return replace(self, **overrides)


@dataclass(frozen=True)
class KeySpec:
    name: str
    type: str
    description: str
    required: bool = False
    multi: bool = False
    minimum: int | None = None
    values: tuple[str, ...] = ()
    extensions: tuple[str, ...] = ()


@dataclass(frozen=True)
class FindingType:
    """One entry of the catalogue: a stable code and the words that go with it."""

    code: str
    severity: Severity
    title: str
    description: str
    message: str
    suggestion: str

    def translated(self) -> FindingType:
        """The entry in the language spoken now: the code and the severity stay as they are
        (they are data), the words are translated."""
        return replace(self, title=gettext(self.title), description=gettext(self.description),
                       message=gettext(self.message), suggestion=gettext(self.suggestion))


@dataclass(frozen=True)
class JunkRules:
    """Leftovers of operating systems and editors, ignored with a warning."""

    folders: frozenset[str]
    files: frozenset[str]
    prefixes: tuple[str, ...]

    def matches(self, path: str) -> bool:
        *folders, basename = path.rstrip("/").split("/")
        return (
            any(folder in self.folders for folder in folders)
            or basename in self.folders
            or basename in self.files
            or basename.startswith(self.prefixes)
        )


@dataclass(frozen=True)
class FormatSpec:
    version: str
    encodings: tuple[str, ...]
    limits: Limits
    manifest_member: str
    manifest_keys: dict[str, KeySpec]
    candidate_keys: dict[str, KeySpec]
    junk: JunkRules
    nested_archive_extensions: tuple[str, ...]
    findings: dict[str, FindingType] = field(repr=False)

    def finding(self, code: str) -> FindingType:
        try:
            return self.findings[code]
        except KeyError:
            raise SpecError(_("finding code {code!r} is not in the catalogue").format(
                code=code)) from None


def schema_path() -> Path:
    """Where the schema lives: inside the installed wheel, else in the source tree."""
    packaged = resources.files("cvbridge").joinpath("formats", SCHEMA_FILE)
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "formats" / SCHEMA_FILE


def _keys(section: dict[str, Any]) -> dict[str, KeySpec]:
    return {
        name: KeySpec(
            name=name,
            type=entry["type"],
            description=entry["description"],
            required=entry.get("required", False),
            multi=entry.get("multi", False),
            minimum=entry.get("minimum"),
            values=tuple(entry.get("values", ())),
            extensions=tuple(entry.get("extensions", ())),
        )
        for name, entry in section["keys"].items()
    }


@cache
def load_spec() -> FormatSpec:
    path = schema_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return FormatSpec(
            version=raw["version"],
            encodings=tuple(raw["encodings"]),
            limits=Limits(**{name: entry["default"] for name, entry in raw["limits"].items()}),
            manifest_member=raw["manifest"]["member"],
            manifest_keys=_keys(raw["manifest"]),
            candidate_keys=_keys(raw["candidate"]),
            junk=JunkRules(
                folders=frozenset(raw["junk"]["folders"]),
                files=frozenset(raw["junk"]["files"]),
                prefixes=tuple(raw["junk"]["prefixes"]),
            ),
            nested_archive_extensions=tuple(raw["nested_archive_extensions"]),
            findings={
                code: FindingType(code=code, **entry) for code, entry in raw["findings"].items()
            },
        )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SpecError(_("cannot load the cvbundle schema from {path}: {reason}").format(
            path=path, reason=exc)) from exc
