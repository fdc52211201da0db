"""The cvbundle 1.0 format: read a bundle and check it against the agreed rules.

Pure: no database, no network. :func:`validate_bundle` is what ``cvbridge validate`` runs;
:func:`open_bundle` also hands over the candidates and the documents' bytes for ingestion.
Problems found in a bundle are :class:`Finding` values in a :class:`Report`, never
exceptions; the catalogue of finding types comes from the schema (:func:`load_spec`).

Each name is imported from its module on first use (PEP 562), so that a command imports
only what it runs: ``cvbridge rules`` and ``--help`` never load lxml, phonenumbers,
email-validator or pycountry, which only reading a bundle needs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cvbridge.bundle._model import Bundle, Candidate, DocumentInfo, Manifest, MemberSlice
    from cvbridge.bundle._parallel import available_cores, validate_bundles
    from cvbridge.bundle._profile import (
        FieldSpec,
        Profile,
        check_profile_file,
        load_profile,
        read_profile,
    )
    from cvbridge.bundle._profile_values import FIELD_TYPES, ORDERED_TYPES, StorageKind, Typed
    from cvbridge.bundle._reader import (
        OpenedBundle,
        open_bundle,
        reopen_bundle,
        sha256_of,
        validate_bundle,
    )
    from cvbridge.bundle._report import Finding, FindingsCollector, Report
    from cvbridge.bundle._report_formats import (
        finding_line,
        hint_line,
        printable,
        render_json,
        render_junit,
        render_text,
    )
    from cvbridge.bundle._schema import FindingType, FormatSpec, Limits, Severity, load_spec
    from cvbridge.bundle._values import Phone
    from cvbridge.bundle._zip_end import has_end_record

_MODULES = {
    "_model": ("Bundle", "Candidate", "DocumentInfo", "Manifest", "MemberSlice"),
    "_parallel": ("available_cores", "validate_bundles"),
    "_profile": ("FieldSpec", "Profile", "check_profile_file", "load_profile", "read_profile"),
    "_profile_values": ("FIELD_TYPES", "ORDERED_TYPES", "StorageKind", "Typed"),
    "_reader": ("OpenedBundle", "open_bundle", "reopen_bundle", "sha256_of",
                "validate_bundle"),
    "_report": ("Finding", "FindingsCollector", "Report"),
    "_report_formats": ("finding_line", "hint_line", "printable", "render_json", "render_junit",
                        "render_text"),
    "_schema": ("FindingType", "FormatSpec", "Limits", "Severity", "load_spec"),
    "_values": ("Phone",),
    "_zip_end": ("has_end_record",),
}
_LAZY = {name: f"{__name__}.{module}" for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "FIELD_TYPES",
    "ORDERED_TYPES",
    "Bundle",
    "Candidate",
    "DocumentInfo",
    "FieldSpec",
    "Finding",
    "FindingType",
    "FindingsCollector",
    "FormatSpec",
    "Limits",
    "Manifest",
    "MemberSlice",
    "OpenedBundle",
    "Phone",
    "Profile",
    "Report",
    "Severity",
    "StorageKind",
    "Typed",
    "available_cores",
    "check_profile_file",
    "finding_line",
    "has_end_record",
    "hint_line",
    "load_profile",
    "load_spec",
    "open_bundle",
    "printable",
    "read_profile",
    "render_json",
    "render_junit",
    "render_text",
    "reopen_bundle",
    "sha256_of",
    "validate_bundle",
    "validate_bundles",
]
