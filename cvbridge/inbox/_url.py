"""Where the inbox is: ``sftp://user@host:port/path`` or a local folder."""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from cvbridge._errors import ConfigError
from cvbridge._i18n import _
from cvbridge.inbox._local import LocalTransport
from cvbridge.inbox._sftp import SftpSettings, SftpTransport
from cvbridge.inbox._transport import InboxTransport, TransportFactory

DEFAULT_SFTP_PORT = 22


@dataclass(frozen=True)
class InboxLocation:
    """A parsed inbox address. ``path`` is a remote path for SFTP, a local one otherwise."""

    scheme: Literal["sftp", "local"]
    path: str
    host: str | None = None
    port: int = DEFAULT_SFTP_PORT
    username: str | None = None

    def __str__(self) -> str:
        if self.scheme == "local":
            return self.path
        host = f"[{self.host}]" if self.host and ":" in self.host else self.host
        user = f"{self.username}@" if self.username else ""
        return f"sftp://{user}{host}:{self.port}{self.path}"


def parse_inbox_url(text: str) -> InboxLocation:
    """Parse ``sftp://[user@]host[:port]/path``, ``file:///path`` or a plain local path.

    The SFTP path is taken as written (percent-decoded): ``sftp://h/srv/inbox`` is
    ``/srv/inbox``. Passwords, queries and fragments are refused: authentication is by key.
    """
    text = text.strip()
    if not text:
        raise ConfigError(_("the inbox location is empty"))
    if "://" not in text:
        return InboxLocation("local", text)
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ConfigError(_("file URL with a host is not supported: {text!r}")
                              .format(text=text))
        return InboxLocation("local", unquote(parts.path))
    if scheme != "sftp":
        raise ConfigError(_("inbox URL scheme must be sftp:// or file://, not {scheme!r}")
                          .format(scheme=parts.scheme))
    if parts.password is not None:
        raise ConfigError(_("inbox URL must not contain a password: authentication is by key file"))
    if parts.query or parts.fragment:
        raise ConfigError(_("inbox URL must not have a query or fragment: {text!r}")
                          .format(text=text))
    if not parts.hostname:
        raise ConfigError(_("inbox URL has no host: {text!r}").format(text=text))
    try:
        port = parts.port or DEFAULT_SFTP_PORT
    except ValueError as exc:
        raise ConfigError(_("inbox URL has an invalid port: {text!r}").format(text=text)) from exc
    path = unquote(parts.path)
    if path in ("", "/"):
        raise ConfigError(_("inbox URL must name the inbox folder: {text!r}").format(text=text))
    username = unquote(parts.username) if parts.username else None
    return InboxLocation("sftp", path, parts.hostname, port, username)


def transport_factory(
    location: InboxLocation | str,
    *,
    key_path: Path | None = None,
    known_hosts: Path | None = None,
    passphrase: str | None = None,
    processing: str | None = None,
    processed: str | None = None,
    failed: str | None = None,
    connect_timeout: float = 15.0,
    io_timeout: float = 60.0,
    disabled_algorithms: Mapping[str, Iterable[str]] | None = None,
) -> TransportFactory:
    """A function opening a fresh transport to *location* each time it is called.

    For SFTP, *key_path* is required and *known_hosts* defaults to ``~/.ssh/known_hosts``.
    Nothing connects until the factory is called.
    """
    if isinstance(location, str):
        location = parse_inbox_url(location)
    if location.scheme == "local":
        path = location.path

        def open_local() -> InboxTransport:
            return LocalTransport(path, processing=processing, processed=processed, failed=failed)

        return open_local
    if key_path is None:
        raise ConfigError(_("{location}: an SFTP inbox needs a private key file")
                          .format(location=location))
    assert location.host is not None
    settings = SftpSettings(
        host=location.host,
        port=location.port,
        username=location.username or getpass.getuser(),
        inbox=location.path,
        key_path=key_path,
        known_hosts=known_hosts or Path("~/.ssh/known_hosts").expanduser(),
        passphrase=passphrase,
        connect_timeout=connect_timeout,
        io_timeout=io_timeout,
        disabled_algorithms=disabled_algorithms,
        processing=processing,
        processed=processed,
        failed=failed,
    )

    def open_sftp() -> InboxTransport:
        return SftpTransport(settings)

    return open_sftp
