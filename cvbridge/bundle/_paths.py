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
    # Set when the archive did not flag the name as UTF-8 and it was not plain ASCII.
    guessed_encoding: str | None = None


def decode_member_name(zip_name: str, flag_bits: int) -> DecodedName:
    """Undo zipfile's cp437 guess for names not flagged UTF-8, then normalise to NFC.

    macOS writes UTF-8 without the flag and Windows writes its OEM code page (cp850 in
    France): strict UTF-8 first, cp850 otherwise.
    """
    if flag_bits & UTF8_FLAG:
        return DecodedName(unicodedata.normalize("NFC", zip_name))
    if zip_name.isascii():  # cp437 keeps ASCII as it is: the bytes were ASCII too
        return DecodedName(zip_name)
    raw = zip_name.encode("cp437")
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("cp850"), "cp850"
    return DecodedName(unicodedata.normalize("NFC", text), encoding)


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
