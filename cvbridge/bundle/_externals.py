"""Where a document's external references point, and how much that matters.

Risk, not form, decides: a reference Word would resolve on another machine (http, https,
ftp, WebDAV, a UNC path ``\\\\host\\share``, ``file://host/…``, ``mhtml:`` or any other
scheme, which may be a protocol handler) is the vector of template injection and of
credential leaks over SMB, so it is refused. A local drive path or a relative path is what an
ordinary Word installation writes (``attachedTemplate`` → ``C:\\Users\\…\\Normal.dotm``, a
local mail-merge source, a linked picture next to the file): it is reported, never followed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote

Risk = Literal["remote", "local"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_DRIVE = re.compile(r"^[A-Za-z]:(?:[\\/]|$)")
_LOCAL_HOSTS = ("", "localhost")
_SWITCH = re.compile(r"^\\[A-Za-z*@#!]$")  # \d, \* MERGEFORMAT: not a target
# Fields that load another file into the document, and where their target is: the first
# argument, or the second for LINK (whose first names the OLE class).
_LOADING_FIELDS = {"INCLUDETEXT": 0, "INCLUDEPICTURE": 0, "IMPORT": 0, "INCLUDE": 0,
                   "LINK": 1}
_COMMAND_FIELDS = ("DDE", "DDEAUTO")  # run another program: refused whatever they name
_NAMED = frozenset((*_LOADING_FIELDS, *_COMMAND_FIELDS))
# What makes the first word _split finds differ from the first one str.split finds.
_QUOTE_OR_COMMENT = re.compile(r"[\"'#]")


def classify_target(target: str) -> Risk:
    """Whether a reference reaches outside this machine (``remote``) or not (``local``)."""
    value = unquote(target.strip()).replace("\\", "/")
    if value.startswith("//"):
        # UNC: only the long-path form of a drive (\\?\C:\…) stays on this machine.
        return "local" if _DRIVE.match(value[4:]) and value[2:4] in ("?/", "./") else "remote"
    if _DRIVE.match(value):
        return "local"
    scheme = _SCHEME.match(value)
    if scheme is None:
        return "local"  # a relative path, or an absolute path on this machine
    if scheme.group(1).lower() != "file":
        return "remote"
    rest = value[len(scheme.group(0)):]
    if not rest.startswith("//"):
        return "local"  # file:C:/x, file:/home/x
    host, _, path = rest[2:].partition("/")
    if host.lower() not in _LOCAL_HOSTS:
        return "remote"
    # file:////host/share and file:///\\host\share are UNC paths again.
    return "remote" if path.startswith("/") else "local"


@dataclass(frozen=True)
class FieldReference:
    field: str  # INCLUDETEXT, LINK, DDEAUTO…
    target: str
    risk: Risk


def field_reference(instruction: str) -> FieldReference | None:
    """The file a field instruction loads or the program it runs, if it does either."""
    first = instruction.split(None, 1)[:1]
    if first and not _QUOTE_OR_COMMENT.search(first[0]) and first[0].upper() not in _NAMED:
        return None  # PAGE, NUMPAGES, DATE...: most fields; no need to split them
    words = _split(instruction)
    if not words:
        return None
    name = words[0].upper()
    if name in _COMMAND_FIELDS:
        return FieldReference(name, " ".join(words[1:3]), "remote")
    at = _LOADING_FIELDS.get(name)
    if at is None:
        return None
    arguments = [w for w in words[1:] if not _SWITCH.match(w)]
    if len(arguments) <= at:
        return None
    target = arguments[at]
    return FieldReference(name, target, classify_target(target))


def _split(instruction: str) -> list[str]:
    """Words of a field instruction: quoted strings kept whole, ``\\\\`` for ``\\``."""
    text = instruction.strip()
    try:
        lexer = shlex.shlex(text, posix=True)
        lexer.whitespace_split = True
        lexer.escape = ""  # backslashes are path separators here, doubled by Word
        words = list(lexer)
    except ValueError:
        words = text.split()
    return [w.replace("\\\\", "\\") for w in words]
