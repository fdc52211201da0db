"""Member names: decoding them as the archiver meant, and refusing the dangerous ones.

Pure functions: no I/O. Python's zipfile only sanitises names in ``extract()``, and we never
extract, so every check on a name happens here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

UTF8_FLAG = 0x800
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SEPARATORS = re.compile(r"[/\\]")
# What any rule of name_problems() could object to: a control character, a backslash, a
# leading '/', a drive, a '..' segment (a backslash-separated one has a backslash).
_SUSPICIOUS = re.compile(r"[\x00-\x1f\x7f\\]|^/|^[A-Za-z]:|(?:^|/)\.\.(?:/|$)")
_SYMLINK_MODE = 0o120000
_FILE_TYPE_MASK = 0o170000


@dataclass(frozen=True)
class DecodedName:
    name: str
    # Set when the name was neither flagged nor valid UTF-8: the code page it was read in.
    guessed_encoding: str | None = None
    # The UTF-8 flag is set on bytes that are not UTF-8: no reading of the name is the one
    # the archiver meant.
    flagged_not_utf8: bool = False


def strip_current_folder(name: str) -> str:
    """'./cvs/a.txt' is 'cvs/a.txt': bsdtar writes every name from the folder it was given."""
    while name.startswith("./"):
        name = name[2:]
    return name


def decode_member_name(raw: bytes, flag_bits: int, unicode_name: str | None = None
                       ) -> DecodedName:
    """The name as the archiver meant it, NFC-normalised, without a leading './'.

    Flagged UTF-8: strictly UTF-8. Otherwise the Info-ZIP Unicode Path field when it is there
    (and matches the name), else UTF-8 when the bytes are valid UTF-8 (Info-ZIP and macOS
    write it without the flag; no French name in a DOS code page is also valid UTF-8), else
    code page 850, what Windows' built-in ZIP writes in France: only that one is a guess.
    """
    if raw.isascii():  # nearly every name: ASCII is already NFC
        text = raw.decode("ascii")
        return DecodedName(strip_current_folder(text) if text.startswith("./") else text)
    guessed = None
    not_utf8 = False
    if flag_bits & UTF8_FLAG:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text, not_utf8 = raw.decode("utf-8", "replace"), True
    elif unicode_name is not None:
        text = unicode_name
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text, guessed = raw.decode("cp850"), "cp850"
    return DecodedName(strip_current_folder(unicodedata.normalize("NFC", text)), guessed,
                       not_utf8)


def has_control_character(name: str) -> bool:
    return _CONTROL.search(name) is not None


def name_problems(name: str) -> list[str]:
    """Finding codes for a member name that must never be trusted as a path."""
    if _SUSPICIOUS.search(name) is None:  # nearly every name: one search instead of five
        return []
    problems = []
    if has_control_character(name):
        problems.append("PATH-CONTROL")
    if "\\" in name:
        problems.append("PATH-BACKSLASH")
    if name.startswith("/"):
        problems.append("PATH-ABSOLUTE")
    if _DRIVE.match(name):
        problems.append("PATH-DRIVE")
    if ".." in _SEPARATORS.split(name):
        problems.append("PATH-TRAVERSAL")
    return problems


def is_symlink(external_attr: int) -> bool:
    return (external_attr >> 16) & _FILE_TYPE_MASK == _SYMLINK_MODE


def clash_key(name: str) -> str:
    """Two names with the same key overwrite each other on case-insensitive file systems."""
    return unicodedata.normalize("NFC", name).casefold()


def common_top_folder(names: list[str]) -> str | None:
    """The single folder every member sits in, if there is one (a 'wrapped' bundle)."""
    tops = {name.split("/", 1)[0] for name in names}
    if len(tops) != 1 or not all("/" in name for name in names):
        return None
    return tops.pop()
