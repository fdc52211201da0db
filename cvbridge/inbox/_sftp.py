"""An inbox on an SFTP server, through paramiko.

Trust: host key pinned in known_hosts (``RejectPolicy``, never AutoAdd); one private key file,
no agent, no key search. Liveness: connect/banner/auth/channel timeouts, keepalives, and a
timeout on the SFTP channel so a stalled read raises instead of blocking forever.
Speed: TCP_NODELAY (with Nagle on, paramiko's small pipelined read requests wait for delayed
ACKs: 3x slower on 2.4 MB bundles) and reads pipelined in windows through ``SFTPFile.readv``,
never ``max_concurrent_prefetch_requests`` (paramiko 5.1 ends prefetch early with it).
Time: a claim's lease is its mtime in ``processing/``, set from the *server's* clock, read from
a marker file's mtime; the local wall clock is never compared with server times.
"""

from __future__ import annotations

import contextlib
import logging
import os
import posixpath
import socket
import stat
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import paramiko

from cvbridge._errors import InboxError, InboxTrustError
from cvbridge._i18n import _
from cvbridge.inbox._local import work_dir_errors
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

_READ_CHUNK = 32 * 1024  # SFTPFile.MAX_REQUEST_SIZE: every server must serve reads this big
_CLOCK_REFRESH_SECONDS = 60.0


@dataclass(frozen=True)
class SftpSettings:
    """How to reach and trust an SFTP inbox. The passphrase never appears in a repr or log."""

    host: str
    port: int
    username: str
    inbox: str
    key_path: Path
    known_hosts: Path
    passphrase: str | None = field(default=None, repr=False)
    processing: str | None = None
    processed: str | None = None
    failed: str | None = None
    connect_timeout: float = 15.0
    io_timeout: float = 60.0
    keepalive_seconds: int = 30
    disabled_algorithms: Mapping[str, Iterable[str]] | None = None
    # Bytes requested at once (pipelined) per download: bounds the memory a download uses.
    read_window: int = 2 * 1024 * 1024

    @property
    def where(self) -> str:
        return f"sftp://{self.host}:{self.port}"

    @property
    def host_key_name(self) -> str:  # as OpenSSH and paramiko write it in known_hosts
        return self.host if self.port == 22 else f"[{self.host}]:{self.port}"


def _is_status_error(exc: BaseException) -> bool:
    """An SFTP status reply (FileNotFoundError, PermissionError, bare IOError for the rest),
    not a broken link (EOFError, SSHException, socket error subclasses). A closed channel also
    raises a bare ``socket.error``: callers re-check with a request, which then fails right."""
    return type(exc) in (OSError, FileNotFoundError, PermissionError)


def _load_key(settings: SftpSettings) -> paramiko.PKey:
    path = settings.key_path
    # paramiko 5.1's from_path wants the password as bytes, whatever its annotation says.
    password = None if settings.passphrase is None else settings.passphrase.encode()
    try:
        return paramiko.PKey.from_path(path, cast(Any, password))
    except OSError as exc:
        raise InboxTrustError(_("cannot read the client key {path}: {reason}")
                              .format(path=path, reason=exc.strerror)) from exc
    except TypeError as exc:  # encrypted, no passphrase given
        raise InboxTrustError(_("client key {path} is encrypted: a passphrase is needed")
                              .format(path=path)) from exc
    except (ValueError, paramiko.SSHException) as exc:
        raise InboxTrustError(_("cannot load client key {path} (bad passphrase or key)")
                              .format(path=path)) from exc


def _check_known_hosts(client: paramiko.SSHClient, settings: SftpSettings) -> None:
    known_hosts = settings.known_hosts
    hint = _("check the server's fingerprint with its administrator, then add it "
             "(ssh-keyscan -p {port} {host} >> {known_hosts})").format(
        port=settings.port, host=settings.host, known_hosts=known_hosts)
    if not known_hosts.is_file():
        raise InboxTrustError(_("known_hosts file {known_hosts} not found: {hint}")
                              .format(known_hosts=known_hosts, hint=hint))
    try:
        client.load_host_keys(str(known_hosts))
    except (OSError, paramiko.SSHException, ValueError) as exc:
        raise InboxTrustError(_("cannot read known_hosts file {known_hosts}: {reason}")
                              .format(known_hosts=known_hosts, reason=exc)) from exc
    if client.get_host_keys().lookup(settings.host_key_name) is None:
        raise InboxTrustError(_("no host key for {host_key_name} in {known_hosts}: {hint}")
                              .format(host_key_name=settings.host_key_name, known_hosts=known_hosts,
                                      hint=hint))


def _connect(settings: SftpSettings) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    _check_known_hosts(client, settings)
    key = _load_key(settings)
    where = settings.where
    try:
        sock = socket.create_connection(
            (settings.host, settings.port), timeout=settings.connect_timeout
        )
    except OSError as exc:
        raise InboxError(_("{where}: cannot connect: {reason}")
                         .format(where=where, reason=exc)) from exc
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client.connect(
            settings.host,
            settings.port,
            username=settings.username,
            pkey=key,
            sock=sock,
            timeout=settings.connect_timeout,
            banner_timeout=settings.connect_timeout,
            auth_timeout=settings.connect_timeout,
            channel_timeout=settings.connect_timeout,
            look_for_keys=False,
            allow_agent=False,
            disabled_algorithms=settings.disabled_algorithms,
        )
    except paramiko.BadHostKeyException as exc:
        client.close()
        raise InboxTrustError(
            _("{where}: the server's host key ({get_name} {fingerprint}) does not match "
              "{known_hosts}: refusing to connect")
            .format(where=where, get_name=exc.key.get_name(), fingerprint=exc.key.fingerprint,
                    known_hosts=settings.known_hosts)
        ) from exc
    except paramiko.AuthenticationException as exc:
        client.close()
        raise InboxTrustError(
            _("{where}: user {username!r} was refused with key {key_path}")
            .format(where=where, username=settings.username, key_path=settings.key_path)
        ) from exc
    except paramiko.SSHException as exc:
        client.close()
        text = str(exc)
        if "known_hosts" in text or "host key" in text:
            raise InboxTrustError(_("{where}: cannot authenticate the server: {text}")
                                  .format(where=where, text=text)) from exc
        raise InboxError(_("{where}: SSH handshake failed: {text}")
                         .format(where=where, text=text)) from exc
    except (OSError, EOFError) as exc:
        client.close()
        raise InboxError(_("{where}: connection lost during login: {reason}")
                         .format(where=where, reason=exc)) from exc
    return client


class SftpTransport:
    """The inbox protocol over one SFTP session, kept open for many files."""

    def __init__(self, settings: SftpSettings) -> None:
        self.settings = settings
        self.folders = InboxFolders.around(
            settings.inbox,
            processing=settings.processing,
            processed=settings.processed,
            failed=settings.failed,
        )
        self._clock: tuple[float, float] | None = None  # (server time, local monotonic)
        self._client = _connect(settings)
        try:
            with self._op(_("open the SFTP session")):
                transport = self._client.get_transport()
                if transport is None or not transport.is_active():
                    raise InboxError(_("{where}: connection closed after login")
                                     .format(where=settings.where))
                transport.set_keepalive(settings.keepalive_seconds)
                self._sftp = self._client.open_sftp()
                channel = self._sftp.get_channel()
                if channel is not None:
                    channel.settimeout(settings.io_timeout)
            self._prepare_folders()
        except BaseException:
            self._client.close()
            raise
        log.info(_("connected to %(where)s as %(username)s"),
                 {"where": settings.where, "username": settings.username})

    @contextlib.contextmanager
    def _op(self, what: str) -> Iterator[None]:
        try:
            yield
        except InboxError:
            raise
        except (OSError, EOFError, paramiko.SSHException, paramiko.SFTPError) as exc:
            detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise InboxError(_("{where}: cannot {what}: {detail}")
                             .format(where=self.settings.where, what=what, detail=detail)) from exc

    def _prepare_folders(self) -> None:
        inbox = self.folders.inbox
        with self._op(_("open the inbox {inbox}").format(inbox=inbox)):
            try:
                attrs = self._sftp.stat(inbox)
            except FileNotFoundError as exc:
                raise InboxError(_("{where}: inbox {inbox} does not exist")
                                 .format(where=self.settings.where, inbox=inbox)) from exc
            if not stat.S_ISDIR(attrs.st_mode or 0):
                raise InboxError(_("{where}: inbox {inbox} is not a folder")
                                 .format(where=self.settings.where, inbox=inbox))
        for folder in self.folders.others():
            with self._op(_("create {folder}").format(folder=folder)):
                if self._exists(folder):
                    continue
                try:
                    self._sftp.mkdir(folder)
                except OSError as exc:
                    if not (_is_status_error(exc) and self._exists(folder)):  # lost a race
                        raise
                log.info(_("created %(folder)s"), {"folder": folder})

    def _exists(self, path: str) -> bool:
        try:
            self._sftp.stat(path)
        except FileNotFoundError:
            return False
        return True

    def _rename_no_replace(self, src: str, dst: str) -> bool | None:
        """SSH_FXP_RENAME never overwrites (OpenSSH: link + unlink; fails if *dst* exists)."""
        try:
            self._sftp.rename(src, dst)
        except FileNotFoundError:
            # OpenSSH answers "no such file" for a missing (or non-folder) destination folder
            # too: that is a fault to report, not a source another worker took.
            if self._exists(src):
                raise
            return None
        except OSError as exc:
            if not _is_status_error(exc):
                raise
            if self._exists(dst):
                return False
            if not self._exists(src):
                return None
            raise
        return True

    def _server_now(self, *, refresh: bool = False) -> float:
        """The server's clock: a fresh marker's mtime, plus local monotonic time elapsed since."""
        clock = self._clock
        if refresh or clock is None or time.monotonic() - clock[1] > _CLOCK_REFRESH_SECONDS:
            marker = f"{self.folders.processing}/{CLOCK_MARKER_PREFIX}{uuid.uuid4().hex}"
            with self._sftp.open(marker, "wbx") as handle:
                handle.write(b"\n")
                handle.flush()
                server_time = handle.stat().st_mtime
                local = time.monotonic()
            self._sftp.remove(marker)
            if server_time is None:
                raise InboxError(_("{where}: the server does not report mtimes")
                                 .format(where=self.settings.where))
            clock = self._clock = (float(server_time), local)
        return clock[0] + (time.monotonic() - clock[1])

    def list_inbox(self) -> list[RemoteFile]:
        with self._op(_("list {inbox}").format(inbox=self.folders.inbox)):
            try:
                entries = self._sftp.listdir_attr(self.folders.inbox)
            except UnicodeDecodeError as exc:  # paramiko decodes names as strict UTF-8
                bad = exc.object[max(0, exc.start - 20) : exc.end + 20]
                raise InboxError(_("inbox: file name {bad!r} is not UTF-8: rename it")
                                 .format(bad=bad)) from exc
        return [
            RemoteFile(entry.filename, entry.st_size or 0, float(entry.st_mtime or 0))
            for entry in entries
            if stat.S_ISREG(entry.st_mode or 0)
        ]

    def claim(self, name: str) -> str | None:
        src = posixpath.join(self.folders.inbox, name)
        with self._op(_("claim {name}").format(name=name)):
            now = self._server_now()
            # Stamp before the rename (which keeps the mtime): stamping after it would let a
            # live claim look stale, with its upload mtime, for a round trip.
            try:
                self._sftp.utime(src, (now, now))
            except FileNotFoundError:
                return None
            except OSError as exc:
                if not _is_status_error(exc):
                    raise
                log.warning(_("cannot set the claim time of %(name)s: its lease may end early"),
                            {"name": name})
            moved = self._rename_no_replace(src, posixpath.join(self.folders.processing, name))
        if not moved:
            if moved is False:
                log.info(_("not claimed: %(name)s is already in processing"), {"name": name})
            return None
        return name

    def download(self, claimed_name: str, dest: Path) -> None:
        remote = posixpath.join(self.folders.processing, claimed_name)
        window = max(_READ_CHUNK, self.settings.read_window)
        with work_dir_errors(claimed_name, dest):
            fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.",
                                            suffix=".part")
        tmp = Path(tmp_name)
        try:
            with work_dir_errors(claimed_name, dest), os.fdopen(fd, "wb") as out, \
                    self._op(_("download {claimed_name}").format(claimed_name=claimed_name)), \
                    self._open_claimed(remote) as src:
                attrs = src.stat()
                if not stat.S_ISREG(attrs.st_mode or stat.S_IFREG):
                    raise NotAFileError(_("{claimed_name} is not a regular file")
                                        .format(claimed_name=claimed_name))
                expected = attrs.st_size or 0
                offset = 0
                while offset < expected:
                    end = min(expected, offset + window)
                    chunks = [
                        (start, min(_READ_CHUNK, end - start))
                        for start in range(offset, end, _READ_CHUNK)
                    ]
                    for (start, length), data in zip(chunks, src.readv(chunks), strict=True):
                        if len(data) != length:
                            # A cut link also ends a read short: same words either way.
                            raise InboxError(
                                _("{where}: cannot download {claimed_name}: it ended at "
                                  "{value} bytes, its size is {expected}")
                                .format(where=self.settings.where, claimed_name=claimed_name,
                                        value=start + len(data), expected=expected)
                            )
                        with work_dir_errors(claimed_name, dest):
                            out.write(data)
                    offset = end
            # Not fsynced: the download is scratch (see _local._copy_to).
            with work_dir_errors(claimed_name, dest):
                tmp.replace(dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _open_claimed(self, remote: str) -> paramiko.SFTPFile:
        # The server follows a symbolic link on open: one swapped in after the listing is
        # refused first (the SFTP account could read its target anyway; it is still not ours).
        try:
            attrs = self._sftp.lstat(remote)
        except FileNotFoundError as exc:
            raise ClaimLostError(_("{where}: {remote} is gone")
                                 .format(where=self.settings.where, remote=remote)) from exc
        if not stat.S_ISREG(attrs.st_mode or stat.S_IFREG):
            raise NotAFileError(_("{remote} is not a regular file").format(remote=remote))
        try:
            return self._sftp.open(remote, "rb")
        except FileNotFoundError as exc:
            raise ClaimLostError(_("{where}: {remote} is gone")
                                 .format(where=self.settings.where, remote=remote)) from exc

    def stat_claimed(self, claimed_name: str) -> RemoteFile | None:
        remote = posixpath.join(self.folders.processing, claimed_name)
        with self._op(_("look at {claimed_name}").format(claimed_name=claimed_name)):
            try:
                attrs = self._sftp.lstat(remote)
            except FileNotFoundError:
                return None
        return RemoteFile(claimed_name, attrs.st_size or 0, float(attrs.st_mtime or 0))

    def complete(
        self, claimed_name: str, outcome: Outcome, errors_text: str | None = None
    ) -> str | None:
        folder = self.folders.processed if outcome == "processed" else self.folders.failed
        src = posixpath.join(self.folders.processing, claimed_name)

        def rename_in_folder(old: str, new: str) -> bool | None:
            return self._rename_no_replace(posixpath.join(folder, old), posixpath.join(folder, new))

        with self._op(_("move {claimed_name} to {folder}")
                      .format(claimed_name=claimed_name, folder=folder)):
            temp = None if errors_text is None else self._write_temp(folder, errors_text)
            try:
                final = file_away(
                    lambda candidate: self._rename_no_replace(
                        src, posixpath.join(folder, candidate)),
                    claimed_name,
                    exists=lambda candidate: self._exists(posixpath.join(folder, candidate)),
                    errors=None if temp is None else (temp, rename_in_folder),
                )
            finally:
                if temp is not None:
                    with contextlib.suppress(OSError):
                        self._sftp.remove(posixpath.join(folder, temp))
            if final is None:
                log.warning(_("%(claimed_name)s was no longer in processing: already moved"),
                            {"claimed_name": claimed_name})
                return None
        return final

    def _write_temp(self, folder: str, text: str) -> str:
        """The errors text in a dot-file of *folder*, ready to be renamed; its name."""
        temp = f".errors.{uuid.uuid4().hex}.tmp"
        with self._sftp.open(posixpath.join(folder, temp), "wbx") as handle:
            handle.write(text.encode("utf-8"))
        return temp

    def stale_claims(self, lease_seconds: float) -> list[str]:
        with self._op(_("list {processing}").format(processing=self.folders.processing)):
            now = self._server_now(refresh=True)
            entries = self._sftp.listdir_attr(self.folders.processing)
        return sorted(
            entry.filename
            for entry in entries
            if is_claimable_name(entry.filename)
            and stat.S_ISREG(entry.st_mode or 0)
            and (entry.st_mtime or 0) < now - lease_seconds
        )

    def release(self, claimed_name: str) -> str | None:
        src = posixpath.join(self.folders.processing, claimed_name)
        inbox = self.folders.inbox
        with self._op(_("release {claimed_name}").format(claimed_name=claimed_name)):
            return move_numbered(
                lambda new: self._rename_no_replace(src, posixpath.join(inbox, new)), claimed_name
            )

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._sftp.close()
        with contextlib.suppress(Exception):
            self._client.close()
