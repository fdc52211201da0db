"""Checks on an OLE compound file named as a Word document: encryption, what it really is,
macros, embedded objects, the files it refers to, and its text (``_doctext``).

olefile is given a file object, never the bytes: it takes bytes shorter than 1536 for the
name of a file on disk, and would open whatever the document's bytes name. It is imported when
an OLE file turns up: a bundle of .docx CVs is read without it.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from cvbridge._i18n import LazyText
from cvbridge.bundle._doctext import (
    FLAG_ENCRYPTED,
    WORD_IDENTS,
    LegacyDocError,
    LegacyText,
    legacy_text,
    read_fib,
)
from cvbridge.bundle._externals import classify_target, field_reference

_OLE_ERRORS = (OSError, ValueError, IndexError, KeyError, TypeError, struct.error)
# Where Word keeps VBA: "Macros" in a .doc, "_VBA_PROJECT_CUR" where another Office
# application wrote the project.
_VBA_STORAGES = ("macros", "_vba_project_cur")
_OBJECT_POOL = "objectpool"

Report = Callable[..., None]  # report(code, where, **params)


@dataclass(frozen=True)
class OleOutcome:
    """``kind``: "doc" when it is a Word binary document, "ole" otherwise; ``refused`` when
    an error was reported or ``mismatch`` (its kind is not what its extension says, for the
    caller to report); ``text`` the search text (None if not read); ``text_failed`` why
    reading the text failed."""

    kind: Literal["doc", "ole"]
    refused: bool
    text: LegacyText | None = None
    text_failed: str | LazyText | None = None
    mismatch: bool = False


def check_ole(data: bytes, extension: str, report: Report) -> OleOutcome:
    """Check an OLE file; ``report`` receives each finding but the type mismatch.
    ``extension`` "doc" is what a Word binary document must be named."""
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
                report("DOC-ENCRYPTED")
                return OleOutcome("ole", True)
            if not ole.exists("WordDocument"):
                return OleOutcome("ole", True, mismatch=True)
            if extension != "doc":
                return OleOutcome("doc", True, mismatch=True)
            word = ole.openstream("WordDocument").read()
            if len(word) < 12 or int.from_bytes(word[:2], "little") not in WORD_IDENTS:
                report("DOC-CORRUPT", detail=LazyText("the WordDocument stream has no Word "
                                                      "header"))
                return OleOutcome("doc", True)
            if int.from_bytes(word[10:12], "little") & FLAG_ENCRYPTED:
                report("DOC-ENCRYPTED")
                return OleOutcome("doc", True)
            refused = _storages(ole.listdir(streams=False, storages=True), report)
            try:
                fib = read_fib(word)
            except LegacyDocError as exc:
                return OleOutcome("doc", refused, None, exc.reason)
            table_name = fib.table_stream
            table = (ole.openstream(table_name).read()
                     if table_name is not None and ole.exists(table_name) else None)
    except _OLE_ERRORS as exc:
        report("DOC-CORRUPT", detail=LazyText("unreadable OLE container: {reason}",
                                              reason=str(exc)))
        return OleOutcome("ole", True)
    try:
        text = legacy_text(word, table, fib)
    except LegacyDocError as exc:
        return OleOutcome("doc", refused, None, exc.reason)
    except (IndexError, ValueError, struct.error) as exc:
        return OleOutcome("doc", refused, None, str(exc))
    refused = _references(text, report) or refused
    return OleOutcome("doc", refused, text)


def _storages(paths: list[list[str]], report: Report) -> bool:
    """Macros (an error) and embedded objects (a warning, each) among the storages."""
    refused = False
    for path in paths:
        top = path[0].lower()
        if top in _VBA_STORAGES and len(path) == 1:
            report("DOC-MACRO", "/".join(path), detail=LazyText("storage {name}",
                                                                name=path[0]))
            refused = True
        elif top == _OBJECT_POOL and len(path) == 2:
            report("DOC-EMBEDDED-OBJECT", "/".join(path), part="/".join(path))
    return refused


def _references(text: LegacyText, report: Report) -> bool:
    """Fields that load other files, and the files SttbfAssoc names (the template)."""
    refused = False
    for what, path in text.associated:
        refused = _reference("SttbfAssoc", LazyText(what), path, classify_target(path),
                             report) or refused
    for instruction in text.instructions:
        found = field_reference(instruction)
        if found is not None:
            refused = _reference("field", LazyText("{field} field", field=found.field),
                                 found.target, found.risk, report) or refused
    return refused


def _reference(part: str, kind: LazyText, target: str, risk: str, report: Report) -> bool:

    code = "DOC-EXTERNAL-REL" if risk == "remote" else "DOC-EXTERNAL-LOCAL"
    report(code, part, part=part, kind=kind, target=target)
    return risk == "remote"
