"""What the poller needs from an inbox, whatever carries it (a local folder, an SFTP server).

An inbox lives in four sibling folders by default::

    inbox/        the vendor uploads here (``NAME.zip.part`` then rename, ideally)
    processing/   a bundle claimed by a worker (atomic rename out of the inbox)
    processed/    done
    failed/       refused, with ``NAME.zip.errors.txt`` beside it

Every move is a no-overwrite rename: a clash never replaces a file, it picks ``NAME.2.zip``.
"""

from __future__ import annotations

import posixpath
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from cvbridge._errors import InboxError
from cvbridge._i18n import _

Outcome = Literal["processed", "failed"]

ERRORS_SUFFIX = ".errors.txt"
# Dot-files beside claimed bundles are ours (clock markers, temp files) or someone else's:
# never bundles.
CLOCK_MARKER_PREFIX = ".cvbridge-clock."
_MAX_NUMBERED_NAMES = 1000


@dataclass(frozen=True)
class RemoteFile:
    """A file in the inbox, with its size and mtime exactly as the server reports them."""

    name: str
    size: int
    mtime: float


@dataclass(frozen=True)
class InboxFolders:
    """Where the four folders of an inbox are (paths in the transport's own syntax)."""

    inbox: str
    processing: str
    processed: str
    failed: str

    @classmethod
    def around(
        cls,
        inbox: str,
        *,
        processing: str | None = None,
        processed: str | None = None,
        failed: str | None = None,
    ) -> InboxFolders:
        """Folders for *inbox*: siblings by default; a relative override is taken beside it."""
        inbox = inbox.rstrip("/") or "/"
        parent = posixpath.dirname(inbox)

        def resolve(value: str | None, default: str) -> str:
            return posixpath.normpath(posixpath.join(parent, value or default))

        return cls(
            inbox=inbox,
            processing=resolve(processing, "processing"),
            processed=resolve(processed, "processed"),
            failed=resolve(failed, "failed"),
        )

    def others(self) -> tuple[str, str, str]:
        return (self.processing, self.processed, self.failed)


class InboxTransport(Protocol):
    """An inbox: list, claim, fetch and file away bundles.

    Raise :class:`~cvbridge.InboxError` when the inbox cannot be reached (retrying may help) and
    :class:`~cvbridge.InboxTrustError` when it cannot be trusted (retrying will not help).
    """

    def list_inbox(self) -> list[RemoteFile]:
        """Regular files in the inbox folder, unfiltered."""
        ...

    def claim(self, name: str) -> str | None:
        """Move *name* from the inbox into ``processing/``; its name there, or None.

        None means the file is gone (another worker took it) or a file of that name is already
        in ``processing/``. The claim's mtime is set to the server's "now": that is the lease.
        """
        ...

    def download(self, claimed_name: str, dest: Path) -> None:
        """Copy a claimed bundle to *dest* (temp file beside it, size check, rename; not
        fsynced: a scratch copy, the claimed original is what survives a crash).

        Raises :class:`ClaimLostError` if the claimed file is no longer in ``processing/``.
        """
        ...

    def stat_claimed(self, claimed_name: str) -> RemoteFile | None:
        """A claimed bundle's size and mtime in ``processing/`` as the server reports them
        now (an upload written in place goes on after the claim); None if it is gone."""
        ...

    def complete(
        self, claimed_name: str, outcome: Outcome, errors_text: str | None = None
    ) -> str | None:
        """Move a claimed bundle to ``processed/`` or ``failed/``; its final name there.

        With *errors_text*, ``FINAL_NAME.errors.txt`` is written beside it. None when the
        claimed file is no longer in ``processing/`` (a previous attempt moved it).
        """
        ...

    def stale_claims(self, lease_seconds: float) -> list[str]:
        """Files in ``processing/`` claimed more than *lease_seconds* ago, by the server's clock."""
        ...

    def release(self, claimed_name: str) -> str | None:
        """Move a claimed bundle back into the inbox; its name there, or None if gone."""
        ...

    def close(self) -> None:
        """Release the connection; safe to call twice."""
        ...


TransportFactory = Callable[[], InboxTransport]


def is_safe_name(name: str) -> bool:
    """Whether a file name may be used as one path component, logged on one line and stored:
    no slash or backslash (a hostile server's listing, a Windows path), no control or format
    characters (a forged log line, a name that displays as another), valid Unicode (a name
    that was not UTF-8 on disk arrives with lone surrogates, which no database accepts)."""
    if name in ("", ".", "..") or "/" in name or "\\" in name:
        return False
    if any(unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp") for char in name):
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def is_claimable_name(name: str) -> bool:
    """Whether a file in ``processing/`` is a claimed bundle (not a marker, temp or report)."""
    return is_safe_name(name) and not name.startswith(".") and not name.endswith(ERRORS_SUFFIX)


def numbered_names(name: str) -> Iterator[str]:
    """``NAME.zip``, ``NAME.2.zip``, ``NAME.3.zip``, ... then a unique name as a last resort."""
    yield name
    stem, dot, ext = name.rpartition(".")
    if not stem:  # no extension, or a dot-file
        stem, dot, ext = name, "", ""
    for number in range(2, _MAX_NUMBERED_NAMES + 1):
        yield f"{stem}.{number}{dot}{ext}"
    yield f"{stem}.{uuid.uuid4().hex}{dot}{ext}"


def move_numbered(
    try_move: Callable[[str], bool | None],
    name: str,
    reserved: Callable[[str], bool] = lambda candidate: False,
) -> str | None:
    """Move a file to the first free name among :func:`numbered_names` of *name*.

    *try_move(candidate)* renames without overwriting and answers True (moved), False (the
    candidate exists) or None (the source is gone). *reserved* skips candidates whose companion
    files already exist. Returns the name used, or None when the source is gone.
    """
    for candidate in numbered_names(name):
        if reserved(candidate):
            continue
        moved = try_move(candidate)
        if moved is None:
            return None
        if moved:
            return candidate
    raise AssertionError("numbered_names ends with a unique name")  # pragma: no cover


def file_away(
    move_bundle: Callable[[str], bool | None],
    name: str,
    *,
    exists: Callable[[str], bool],
    errors: tuple[str, Callable[[str, str], bool | None]] | None = None,
) -> str | None:
    """Move a claimed bundle to the first free name among :func:`numbered_names` of *name* in
    its destination folder; with *errors*, put its errors file beside it *first*.

    *move_bundle(candidate)* renames the bundle without overwriting (as for
    :func:`move_numbered`). *errors* is (a temp file already written in the destination folder,
    *move_errors(old, new)* renaming there without overwriting). The errors file goes first so
    that a crash between the two moves leaves the bundle claimed (it is taken again, and
    refused again), never a refused bundle without its errors. Returns the bundle's name, or
    None when it was no longer claimed.
    """
    if errors is None:
        return move_numbered(move_bundle, name)
    temp, move_errors = errors
    for candidate in numbered_names(name):
        if exists(candidate):
            continue
        errors_name = candidate + ERRORS_SUFFIX
        placed = move_errors(temp, errors_name)
        if placed is None:
            raise InboxError(_("the errors file of {name} vanished before it was put in place")
                             .format(name=name))
        if not placed:  # an errors file left without its bundle: keep it, try the next name
            continue
        moved = move_bundle(candidate)
        if moved:
            return candidate
        move_errors(errors_name, temp)  # not ours after all: take it back
        if moved is None:
            return None
    raise AssertionError("numbered_names ends with a unique name")  # pragma: no cover


class ClaimLostError(InboxError):
    """A claimed bundle is no longer in ``processing/`` (another worker released or took it)."""


class NotAFileError(InboxError):
    """A claimed "bundle" is not a regular file (a symbolic link swapped in after the listing):
    it is never read, and is filed away to ``failed/``."""
