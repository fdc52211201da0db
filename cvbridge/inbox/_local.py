"""An inbox in a local (or mounted) folder.

Moves are no-overwrite renames within one filesystem: Linux's ``renameat2`` with
``RENAME_NOREPLACE`` (one atomic step: a process killed mid-move leaves the file under one
name), else ``os.link`` then ``os.unlink`` (the link fails if the target exists, which a plain
``os.rename`` would silently replace). A kill between that link and unlink leaves the file
under both names: ``release`` and ``complete`` recognise such a move cut short and finish it
instead of moving the file again (which would file one upload twice). Times that must be
compared ("now" for leases) are taken from the filesystem, never from ``time.time()``, so a
network mount with its own clock still works.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import logging
import os
import stat
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from cvbridge._errors import InboxError
from cvbridge._i18n import _
from cvbridge.inbox._transport import (
    CLOCK_MARKER_PREFIX,
    ClaimLostError,
    InboxFolders,
    NotAFileError,
    Outcome,
    RemoteFile,
    file_away,
    is_claimable_name,
    move_numbered,
)

log = logging.getLogger("cvbridge.inbox")

# Filesystems without hard links: fall back to check-then-rename (what OpenSSH does too).
_NO_LINK_ERRNOS = frozenset({errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS})
_COPY_BUFFER = 1024 * 1024


@contextlib.contextmanager
def _inbox_errors(what: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise InboxError(_("inbox: cannot {what}: {reason}")
                         .format(what=what, reason=exc.strerror or exc)) from exc


# renameat2(2): flags from linux/fs.h, AT_FDCWD from linux/fcntl.h.
_RENAME_NOREPLACE = 1
_AT_FDCWD = -100
# The filesystem does not do RENAME_NOREPLACE (some network and FUSE ones): link and unlink.
_NO_NOREPLACE_ERRNOS = frozenset({errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP,
                                  errno.ENOTSUP})
_Renameat2 = Callable[[int, bytes, int, bytes, int], int]


@functools.cache
def _renameat2() -> _Renameat2 | None:
    """libc's renameat2 (glibc 2.28 and later), or None. The standard library has no
    no-replace rename; ctypes reaches the one system call that does it atomically."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # an older or another libc
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                         ctypes.c_uint)
    function.restype = ctypes.c_int
    return function


def _rename_atomically(src: Path, dst: Path) -> bool | OSError | None:
    """renameat2 RENAME_NOREPLACE: as :func:`rename_no_replace`, or the OSError saying that
    this system or filesystem cannot do it."""
    function = _renameat2()
    if function is None:
        return OSError(errno.ENOSYS, "renameat2 is not available")
    if function(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst),
                _RENAME_NOREPLACE) == 0:
        return True
    number = ctypes.get_errno()
    if number == errno.EEXIST:
        return False
    if number == errno.ENOENT and dst.parent.is_dir():
        return None
    failure = OSError(number, os.strerror(number), os.fspath(src), None, os.fspath(dst))
    if number in _NO_NOREPLACE_ERRNOS:
        return failure
    raise failure


def rename_no_replace(src: Path, dst: Path) -> bool | None:
    """Rename *src* to *dst* unless *dst* exists: True moved, False exists, None src gone."""
    moved = _rename_atomically(src, dst)
    if not isinstance(moved, OSError):
        return moved
    try:
        os.link(src, dst, follow_symlinks=False)
    except FileExistsError:
        return False
    except FileNotFoundError:
        if not dst.parent.is_dir():
            raise
        return None
    except OSError as exc:
        if exc.errno not in _NO_LINK_ERRNOS:
            raise
        if dst.exists():
            return False
        try:
            src.rename(dst)
        except FileNotFoundError:
            return None
        return True
    with contextlib.suppress(FileNotFoundError):
        src.unlink()
    return True


def _copy_to(source: BinaryIO, expected: int, dest: Path, name: str) -> None:
    """Copy *source* to *dest* through a private temp file beside it (size check, rename).
    A read that fails is the inbox's fault; a write that fails, the work folder's.

    Not fsynced: the copy is scratch. The store commits the bytes it keeps itself, and until
    it has, the claimed original in ``processing/`` is what survives a crash."""
    with work_dir_errors(name, dest):
        fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        copied = 0
        with work_dir_errors(name, dest), os.fdopen(fd, "wb") as out:
            while True:
                with _inbox_errors(_("read {name}").format(name=name)):
                    chunk = source.read(_COPY_BUFFER)
                if not chunk:
                    break
                out.write(chunk)
                copied += len(chunk)
        if copied != expected:
            raise InboxError(_("{name}: copied {copied} of {expected} bytes")
                             .format(name=name, copied=copied, expected=expected))
        with work_dir_errors(name, dest):
            tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def work_dir_errors(name: str, dest: Path) -> Iterator[None]:
    """A download that cannot be written here (disk full, quota, permissions): one line naming
    the local folder, retried by the poller like an unreachable inbox."""
    try:
        yield
    except OSError as exc:
        raise InboxError(_("cannot write the download of {name} to {parent}: {reason}")
                         .format(name=name, parent=dest.parent,
                                 reason=exc.strerror or exc)) from exc


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalTransport:
    """The inbox protocol over a local folder (see :class:`InboxTransport`)."""

    def __init__(
        self,
        inbox: str | os.PathLike[str],
        *,
        processing: str | None = None,
        processed: str | None = None,
        failed: str | None = None,
    ) -> None:
        folders = InboxFolders.around(
            os.fspath(Path(inbox).absolute()),
            processing=processing,
            processed=processed,
            failed=failed,
        )
        self.folders = folders
        self.inbox = Path(folders.inbox)
        self.processing = Path(folders.processing)
        self.processed = Path(folders.processed)
        self.failed = Path(folders.failed)
        if not self.inbox.is_dir():
            raise InboxError(_("inbox folder {inbox} does not exist").format(inbox=self.inbox))
        with _inbox_errors(_("create the inbox folders")):
            for folder in (self.processing, self.processed, self.failed):
                folder.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"LocalTransport({str(self.inbox)!r})"

    def list_inbox(self) -> list[RemoteFile]:
        files = []
        with _inbox_errors(_("list {inbox}")
                           .format(inbox=self.inbox)), os.scandir(self.inbox) as entries:
            for entry in entries:
                try:
                    info = entry.stat(follow_symlinks=False)
                except FileNotFoundError:  # taken while listing
                    continue
                if stat.S_ISREG(info.st_mode):
                    files.append(RemoteFile(entry.name, info.st_size, info.st_mtime))
        return files

    def claim(self, name: str) -> str | None:
        src = self.inbox / name
        with _inbox_errors(_("claim {name}").format(name=name)):
            # Stamp first, so the claim's mtime (kept by the rename) is the filesystem's now:
            # stamping after the rename would show a live claim as stale for a moment.
            try:
                os.utime(src, follow_symlinks=False)
            except FileNotFoundError:
                return None
            moved = rename_no_replace(src, self.processing / name)
        if not moved:
            if moved is False:
                log.info(_("not claimed: %(name)s is already in processing"), {"name": name})
            return None
        return name

    def download(self, claimed_name: str, dest: Path) -> None:
        src = self.processing / claimed_name
        with _inbox_errors(_("download {claimed_name}").format(claimed_name=claimed_name)):
            try:
                # Never through a symbolic link: one swapped in after the listing would make us
                # read (and keep) a file the vendor may not read.
                fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except FileNotFoundError as exc:
                raise ClaimLostError(_("{claimed_name} is no longer in {processing}")
                                     .format(claimed_name=claimed_name,
                                             processing=self.processing)) from exc
            except OSError as exc:
                if exc.errno != errno.ELOOP:
                    raise
                raise NotAFileError(_("{claimed_name} is a symbolic link")
                                    .format(claimed_name=claimed_name)) from exc
            with os.fdopen(fd, "rb") as source:
                info = os.fstat(source.fileno())
                if not stat.S_ISREG(info.st_mode):
                    raise NotAFileError(_("{claimed_name} is not a regular file")
                                        .format(claimed_name=claimed_name))
                expected = info.st_size
                _copy_to(source, expected, dest, claimed_name)

    def stat_claimed(self, claimed_name: str) -> RemoteFile | None:
        with _inbox_errors(_("look at {claimed_name}").format(claimed_name=claimed_name)):
            try:
                info = (self.processing / claimed_name).lstat()
            except FileNotFoundError:
                return None
        return RemoteFile(claimed_name, info.st_size, info.st_mtime)

    def complete(
        self, claimed_name: str, outcome: Outcome, errors_text: str | None = None
    ) -> str | None:
        folder = self.processed if outcome == "processed" else self.failed
        src = self.processing / claimed_name
        with _inbox_errors(_("move {claimed_name} to {name}")
                           .format(claimed_name=claimed_name, name=folder.name)):
            done = self._finish_cut_move(claimed_name, (folder,))
            if done is not None:
                return done.name
            temp = None if errors_text is None else self._write_temp(folder, errors_text)
            try:
                final = file_away(
                    lambda candidate: rename_no_replace(src, folder / candidate),
                    claimed_name,
                    exists=lambda candidate: (folder / candidate).exists(),
                    errors=None if temp is None else (
                        temp.name,
                        lambda old, new: rename_no_replace(folder / old, folder / new),
                    ),
                )
            finally:
                if temp is not None:
                    temp.unlink(missing_ok=True)
            if final is None:
                log.warning(_("%(claimed_name)s was no longer in processing: already moved"),
                            {"claimed_name": claimed_name})
                return None
            fsync_dir(folder)
        return final

    def _write_temp(self, folder: Path, text: str) -> Path:
        """The errors text in a dot-file of *folder*, on disk, ready to be renamed."""
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=".errors.", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(text.encode("utf-8"))
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp

    def stale_claims(self, lease_seconds: float) -> list[str]:
        with _inbox_errors(_("list {processing}").format(processing=self.processing)):
            now = self._filesystem_now()
            stale = []
            with os.scandir(self.processing) as entries:
                for entry in entries:
                    if not is_claimable_name(entry.name):
                        continue
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue
                    if stat.S_ISREG(info.st_mode) and info.st_mtime < now - lease_seconds:
                        stale.append(entry.name)
        return sorted(stale)

    def _filesystem_now(self) -> float:
        """The processing folder's filesystem clock: the mtime of a file written just now."""
        marker = self.processing / f"{CLOCK_MARKER_PREFIX}{uuid.uuid4().hex}"
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"\n")
            return os.fstat(fd).st_mtime
        finally:
            os.close(fd)
            marker.unlink(missing_ok=True)

    def release(self, claimed_name: str) -> str | None:
        src = self.processing / claimed_name
        with _inbox_errors(_("release {claimed_name}").format(claimed_name=claimed_name)):
            done = self._finish_cut_move(claimed_name, (self.inbox, self.processed, self.failed))
            if done is not None:  # back in the inbox already, or filed away: not taken again
                return done.name if done.parent == self.inbox else None
            return move_numbered(
                lambda candidate: rename_no_replace(src, self.inbox / candidate), claimed_name
            )

    def _finish_cut_move(self, claimed_name: str, folders: Iterable[Path]) -> Path | None:
        """A move of the claimed bundle that was cut short between its link and its unlink
        (the fallback of :func:`rename_no_replace`, killed there) left the same file in
        ``processing/`` and in one of *folders*: finish that move (drop the name in
        ``processing/``) and return where the file is. None when there was no such move."""
        src = self.processing / claimed_name
        try:
            info = src.lstat()
        except FileNotFoundError:
            return None
        if info.st_nlink < 2 or not stat.S_ISREG(info.st_mode):
            return None
        for folder in folders:
            with os.scandir(folder) as entries:
                # inode() comes from the directory listing: no stat per file.
                twins = [Path(entry.path) for entry in entries if entry.inode() == info.st_ino]
            for twin in twins:
                if twin.lstat().st_dev == info.st_dev:
                    log.info(_("%(claimed)s: finishing a move to %(folder)s/ cut short (it "
                               "was there already as %(twin)s)"),
                             {"claimed": claimed_name, "folder": folder.name, "twin": twin.name})
                    with contextlib.suppress(FileNotFoundError):
                        src.unlink()
                    return twin
        return None

    def close(self) -> None:
        return None
