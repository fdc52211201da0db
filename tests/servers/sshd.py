"""A throwaway OpenSSH sshd on 127.0.0.1 with its own host key and client keys.

As root, sshd runs as root and authenticates ``root``; otherwise it runs as the current user
and can only authenticate that user. Either way ``SshServer.username`` is the one to use.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import pwd
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

SSHD = Path("/usr/sbin/sshd")
HOST = "127.0.0.1"
START_TIMEOUT = 10.0
# As root, sshd refuses to start without its privilege separation chroot directory.
_PRIVSEP_DIR = Path("/run/sshd")
# OpenSSH >= 9.8 blocks a source address after a few failed logins; tests fail logins from
# 127.0.0.1 on purpose. Older sshd rejects the option, so it is only kept where accepted.
_PENALTIES_OFF = "PerSourcePenalties no\n"


class SshdError(RuntimeError):
    """The throwaway sshd could not be started."""


@dataclass
class SshServer:
    port: int
    username: str
    root_dir: Path
    client_key_path: Path
    client_rsa_key_path: Path
    unauthorized_key_path: Path
    known_hosts_path: Path
    host_key_fingerprint: str
    config_path: Path
    log_path: Path
    host: str = HOST
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def url(self, path: str | os.PathLike[str]) -> str:
        """``sftp://`` URL of *path*; a relative path is taken under ``root_dir``."""
        absolute = self.root_dir / path
        return f"sftp://{quote(self.username)}@{self.host}:{self.port}{quote(str(absolute))}"

    def write_wrong_known_hosts(self, path: Path) -> Path:
        """Write a known_hosts file pinning a different key for this server's address."""
        path.write_text(f"[{self.host}]:{self.port} {_public_line(Ed25519PrivateKey.generate())}\n")
        return path

    def start(self) -> None:
        """Start sshd (again, after ``stop``/``kill``) and wait until it serves its banner."""
        log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0

        def new_log() -> str:
            return self.log_path.read_bytes()[log_offset:].decode(errors="replace")

        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                [str(SSHD), "-D", "-e", "-f", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_TIMEOUT
        # The banner alone could come from whoever else holds the port; sshd logs that line
        # only once its own listening socket is bound.
        while not ("Server listening on" in new_log() and _serves_banner(self.host, self.port)):
            returncode = self._process.poll()
            if returncode is not None:
                self._process = None
                raise SshdError(f"sshd exited with {returncode}:\n{new_log()}")
            if time.monotonic() > deadline:
                self.kill()
                raise SshdError(f"sshd not serving within {START_TIMEOUT}s:\n{new_log()}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Terminate sshd and every open session."""
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL sshd and every open session, as a crash would."""
        self._signal(signal.SIGKILL)

    def _signal(self, signum: signal.Signals) -> None:
        if self._process is None:
            return
        # Each connection is served by forked children that outlive the listener: collect
        # them before it dies, when they are reparented and no longer findable.
        pids = [self._process.pid, *_descendants(self._process.pid)]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
        self._process.wait(timeout=START_TIMEOUT)
        self._process = None


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # exited while scanning
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
        ppid = int(text.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(stat.parent.name))
    found: list[int] = []
    pending = [pid]
    while pending:
        kids = children.get(pending.pop(), [])
        found.extend(kids)
        pending.extend(kids)
    return found


def _serves_banner(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0) as conn:
            return conn.recv(64).startswith(b"SSH-2.0-")
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _public_line(key: Ed25519PrivateKey | rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()


def _write_private_key(key: Ed25519PrivateKey | rsa.RSAPrivateKey, path: Path) -> str:
    """Write *key* in OpenSSH format, mode 0600 (sshd rejects readable host keys)."""
    path.touch(mode=0o600)
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption()))
    return _public_line(key)


def _fingerprint(public_line: str) -> str:
    blob = base64.b64decode(public_line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def _sshd_config(base_dir: Path, port: int, root_dir: Path) -> str:
    return f"""\
ListenAddress {HOST}
Port {port}
HostKey {base_dir / "host_ed25519"}
PidFile {base_dir / "sshd.pid"}
AuthorizedKeysFile {base_dir / "authorized_keys"}
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
UseDNS no
MaxStartups 100
LogLevel VERBOSE
AllowTcpForwarding no
X11Forwarding no
Subsystem sftp internal-sftp -d {root_dir}
"""


def _test_config(config_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SSHD), "-t", "-f", str(config_path)], capture_output=True, text=True, check=False
    )


def _check_config(config_path: Path) -> None:
    """Validate with ``sshd -t``, dropping the penalties line where sshd predates it."""
    result = _test_config(config_path)
    if result.returncode != 0 and "PerSourcePenalties" in result.stderr:
        config_path.write_text(config_path.read_text().replace(_PENALTIES_OFF, ""))
        result = _test_config(config_path)
    if result.returncode != 0:
        raise SshdError(f"sshd rejected {config_path}:\n{result.stderr}")


@contextmanager
def throwaway_sshd(base_dir: Path) -> Iterator[SshServer]:
    """Start sshd with keys, config and log written into *base_dir*; stop it on exit.

    *base_dir* belongs to the caller (nothing is deleted, so the log survives a failure) and
    must have no whitespace in its path: sshd_config values are whitespace-separated.
    """
    if not os.access(SSHD, os.X_OK):
        raise SshdError(f"{SSHD} missing: run .ci/install-system-deps")
    base_dir = base_dir.resolve()
    if any(char.isspace() for char in str(base_dir)):
        raise ValueError(f"sshd_config cannot hold the path {base_dir!r}")
    root_dir = base_dir / "sftp-root"
    root_dir.mkdir()

    host_public = _write_private_key(Ed25519PrivateKey.generate(), base_dir / "host_ed25519")
    authorized = [
        _write_private_key(Ed25519PrivateKey.generate(), base_dir / "client_ed25519"),
        _write_private_key(rsa.generate_private_key(65537, 2048), base_dir / "client_rsa"),
    ]
    (base_dir / "authorized_keys").write_text("\n".join(authorized) + "\n")
    _write_private_key(Ed25519PrivateKey.generate(), base_dir / "unauthorized_ed25519")

    port = _free_port()
    known_hosts = base_dir / "known_hosts"
    known_hosts.write_text(f"[{HOST}]:{port} {host_public}\n")
    config_path = base_dir / "sshd_config"
    config_path.write_text(_PENALTIES_OFF + _sshd_config(base_dir, port, root_dir))
    if os.geteuid() == 0:
        _PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
    _check_config(config_path)

    server = SshServer(
        port=port,
        username=pwd.getpwuid(os.geteuid()).pw_name,
        root_dir=root_dir,
        client_key_path=base_dir / "client_ed25519",
        client_rsa_key_path=base_dir / "client_rsa",
        unauthorized_key_path=base_dir / "unauthorized_ed25519",
        known_hosts_path=known_hosts,
        host_key_fingerprint=_fingerprint(host_public),
        config_path=config_path,
        log_path=base_dir / "sshd.log",
    )
    try:
        server.start()
        yield server
    finally:
        server.stop()
