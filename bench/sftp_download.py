"""Download throughput of cvbridge's SFTP transport against OpenSSH's ``sftp -b`` client.

Runs a throwaway sshd on loopback (tests/servers/sshd.py) and times, wall clock including
login, (a) 30 bundles of 2.4 MB and (b) one 72 MB file, each through both clients, plus the
whole poll cycle (list, settle, claim, download, file away) on the 30 bundles. MB = 10**6 bytes;
the median of --repeat runs is shown.

    .venv/bin/python bench/sftp_download.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cvbridge._inbox import IngestResult, Poller, SftpSettings, SftpTransport
from tests.servers import SshServer, throwaway_sshd

SMALL_COUNT, SMALL_SIZE = 30, 2_400_000
BIG_SIZE = 72_000_000


def _write_random(path: Path, size: int) -> None:
    with path.open("wb") as out:
        remaining = size
        while remaining:
            chunk = min(remaining, 1 << 20)
            out.write(os.urandom(chunk))
            remaining -= chunk


def _settings(server: SshServer, inbox: Path) -> SftpSettings:
    return SftpSettings(
        host=server.host,
        port=server.port,
        username=server.username,
        inbox=str(inbox),
        key_path=server.client_key_path,
        known_hosts=server.known_hosts_path,
    )


def _ours(server: SshServer, inbox: Path, names: list[str], out_dir: Path) -> None:
    transport = SftpTransport(_settings(server, inbox))
    try:
        for name in names:
            transport.download(name, out_dir / name)
    finally:
        transport.close()


def _openssh(server: SshServer, remote_glob: str, out_dir: Path, work: Path) -> None:
    batch = work / "batch.txt"
    batch.write_text(f"get {remote_glob} {out_dir}/\n")
    subprocess.run(
        [
            "/usr/bin/sftp",
            "-q",
            "-b",
            str(batch),
            "-i",
            str(server.client_key_path),
            "-o",
            f"UserKnownHostsFile={server.known_hosts_path}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-P",
            str(server.port),
            f"{server.username}@{server.host}",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def _rate(run: Callable[[], None], total_bytes: int, out_dir: Path) -> float:
    """MB/s of one run into an emptied *out_dir*."""
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir()
    started = time.perf_counter()
    run()
    elapsed = time.perf_counter() - started
    copied = sum(p.stat().st_size for p in out_dir.iterdir())
    if copied != total_bytes:
        raise SystemExit(f"copied {copied} bytes, expected {total_bytes}")
    return total_bytes / elapsed / 1e6


def _compare(
    ours: Callable[[], None], openssh: Callable[[], None], total: int, out: Path, repeat: int
) -> tuple[float, float, float]:
    """Median MB/s of each client and median of per-round ratios; rounds alternate clients so
    both see the same background load."""
    pairs = [(_rate(ours, total, out), _rate(openssh, total, out)) for _ in range(repeat)]
    return (
        statistics.median(a for a, _ in pairs),
        statistics.median(b for _, b in pairs),
        statistics.median(a / b for a, b in pairs),
    )


def _poll_cycle(server: SshServer, small: Path, vendor: Path, work: Path, repeat: int) -> float:
    """The whole cycle on the 30 bundles: list, settle, claim, download, move to processed/."""
    rates = []
    for _ in range(repeat):
        shutil.rmtree(vendor, ignore_errors=True)
        (vendor / "inbox").mkdir(parents=True)
        for path in small.iterdir():
            shutil.copyfile(path, vendor / "inbox" / path.name)
        os.sync()  # no writeback of the copies during the timed part
        poller = Poller(
            functools.partial(SftpTransport, _settings(server, vendor / "inbox")),
            lambda path, name: IngestResult("processed"),
            work_dir=work / "poll",
            settle_seconds=0.0,
        )
        started = time.perf_counter()
        poller.poll_once()  # first sighting
        summary = poller.poll_once()
        poller.close()
        elapsed = time.perf_counter() - started
        assert summary.processed == SMALL_COUNT, summary
        rates.append(SMALL_COUNT * SMALL_SIZE / elapsed / 1e6)
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cvbridge-bench-") as tmp:
        work = Path(tmp)
        (work / "sshd").mkdir()
        with throwaway_sshd(work / "sshd") as server:
            processing = server.root_dir / "vendor" / "processing"
            processing.mkdir(parents=True)
            inbox = processing.parent / "inbox"
            inbox.mkdir()
            small = server.root_dir / "small"
            small.mkdir()
            names = [f"bundle-{i:02d}.zip" for i in range(SMALL_COUNT)]
            for name in names:
                _write_random(small / name, SMALL_SIZE)
                os.link(small / name, processing / name)
            _write_random(processing / "big.zip", BIG_SIZE)
            os.sync()
            out = work / "out"
            rows = [
                (
                    f"{SMALL_COUNT} x 2.4 MB",
                    *_compare(
                        lambda: _ours(server, inbox, names, out),
                        lambda: _openssh(server, f"{small}/*.zip", out, work),
                        SMALL_COUNT * SMALL_SIZE,
                        out,
                        args.repeat,
                    ),
                ),
                (
                    "1 x 72 MB",
                    *_compare(
                        lambda: _ours(server, inbox, ["big.zip"], out),
                        lambda: _openssh(server, f"{processing}/big.zip", out, work),
                        BIG_SIZE,
                        out,
                        args.repeat,
                    ),
                ),
            ]
            cycle = _poll_cycle(server, small, server.root_dir / "cycle", work, args.repeat)
    print(f"SFTP download over loopback, MB/s (wall, incl. login; median of {args.repeat})")
    print(f"{'files':<12} {'cvbridge':>9} {'openssh':>9} {'ratio':>6}")
    for label, ours, openssh, ratio in rows:
        print(f"{label:<12} {ours:>9.1f} {openssh:>9.1f} {ratio:>5.2f}x")
    print(f"poll cycle (list, claim, download, move) on {SMALL_COUNT} x 2.4 MB: {cycle:.1f} MB/s")


if __name__ == "__main__":
    main()
