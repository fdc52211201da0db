"""Taking bundles over SFTP, against OpenSSH's ``sftp`` client, on a throwaway sshd on loopback
(tests/servers/sshd.py). Wall clock, login included, for every figure:

- ``sftp_openssh``: OpenSSH's ``sftp -b``, one session, a ``get`` of every bundle (the peer);
- ``sftp_cvbridge``: cvbridge's ``SftpTransport``, one session, ``download`` of every bundle
  (download only: no listing or claim; each file is fsynced, as the poller needs);
- ``poll_sftp``: ``cvbridge poll --once`` in a fresh process (start-up included): list, settle
  (``CVBRIDGE_SETTLE_SECONDS=0``), claim, download, ingest into a fresh (migrated) SQLite store
  and move to ``processed/``; the bundles are copied into the inbox again before each run.

The bundles are "uploaded" by copying them into the server's folders (same machine), then
``sync`` so that no writeback runs during a timed part. ``python -m bench`` runs these stages
with the others; on its own this module also times the one big bundle (many read windows):

    python -m bench.sftp [--repeat 5] [--quick]
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import report
from bench.corpus import REPO, CorpusSpec, ensure_corpus
from bench.measure import Sample, Stage, Throughput, run_rounds, skipped
from cvbridge.inbox import SftpSettings, SftpTransport
from cvbridge.store import Store

if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.servers import SshdError, SshServer, throwaway_sshd

SFTP_CLIENT = Path("/usr/bin/sftp")
_LABELS = {"sftp_openssh": "OpenSSH sftp -b: get {what} (peer)",
           "sftp_cvbridge": "cvbridge SFTP transport: download {what}",
           "poll_sftp": "cvbridge poll --once over SFTP, into SQLite"}
_TIMEOUT_S = 600


def _same_files(folder: Path, files: list[Path], what: str) -> None:
    """``folder`` holds exactly ``files``' names, each of the same size."""
    found = {p.name: p.stat().st_size for p in folder.iterdir()}
    expected = {p.name: p.stat().st_size for p in files}
    if found != expected:
        missing = sorted(set(expected) - set(found))[:3]
        raise RuntimeError(f"{what}: {len(found)} files in {folder}, expected {len(expected)} "
                           f"of the same sizes (missing e.g. {missing})")


def _copy_into(folder: Path, files: list[Path]) -> None:
    for path in files:
        shutil.copyfile(path, folder / path.name)


def _fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@dataclass
class SftpBench:
    """A running sshd whose ``download/processing/`` holds copies of the bundles."""

    server: SshServer
    work: Path  # local scratch: downloads, batch file, stores

    @property
    def download_inbox(self) -> Path:  # (a) and (b) read from its sibling processing/
        return self.server.root_dir / "download" / "inbox"

    @property
    def served(self) -> Path:
        return self.download_inbox.parent / "processing"

    @property
    def poll_inbox(self) -> Path:
        return self.server.root_dir / "poll" / "inbox"

    def _out(self) -> Path:
        return _fresh_dir(self.work / "out")

    def openssh_once(self, files: list[Path], cvs: int) -> Sample:
        """OpenSSH's sftp client: one session, one ``get`` per file."""
        out = self._out()
        batch = self.work / "batch.txt"
        batch.write_text("".join(f'get "{self.served / p.name}" "{out / p.name}"\n'
                                 for p in files))
        server = self.server
        command = [str(SFTP_CLIENT), "-q", "-b", str(batch), "-F", "/dev/null",
                   "-i", str(server.client_key_path), "-o", "IdentitiesOnly=yes",
                   "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                   "-o", f"UserKnownHostsFile={server.known_hosts_path}",
                   "-P", str(server.port), f"{server.username}@{server.host}"]
        start = time.perf_counter()
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, timeout=_TIMEOUT_S,
                              check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(f"sftp -b exited with {done.returncode}: {done.stderr.strip()}")
        _same_files(out, files, "OpenSSH sftp")
        return Sample(cvs, seconds)

    def settings(self) -> SftpSettings:
        server = self.server
        return SftpSettings(host=server.host, port=server.port, username=server.username,
                            inbox=str(self.download_inbox), key_path=server.client_key_path,
                            known_hosts=server.known_hosts_path)

    def cvbridge_once(self, files: list[Path], cvs: int) -> Sample:
        """cvbridge's transport: one session (login timed too), ``download`` of every file."""
        out = self._out()
        settings = self.settings()
        start = time.perf_counter()
        transport = SftpTransport(settings)
        login = time.perf_counter() - start
        try:
            for path in files:
                transport.download(path.name, out / path.name)
        finally:
            transport.close()
        seconds = time.perf_counter() - start
        _same_files(out, files, "cvbridge SftpTransport")
        return Sample(cvs, seconds, {"login_s": login})

    def _poll_env(self, store_dir: Path) -> dict[str, str]:
        server = self.server
        env = {k: v for k, v in os.environ.items() if not k.startswith("CVBRIDGE_")}
        return env | {
            "CVBRIDGE_INBOX": server.url(self.poll_inbox),
            "CVBRIDGE_SSH_KEY": str(server.client_key_path),
            "CVBRIDGE_KNOWN_HOSTS": str(server.known_hosts_path),
            "CVBRIDGE_SETTLE_SECONDS": "0",
            "CVBRIDGE_WORK_DIR": str(store_dir / "incoming"),
        }

    def poll_once(self, files: list[Path], cvs: int) -> Sample:
        """``cvbridge poll --once`` in a fresh process, into a fresh SQLite store."""
        vendor = _fresh_dir(self.poll_inbox.parent)
        self.poll_inbox.mkdir()
        _copy_into(self.poll_inbox, files)
        store_dir = _fresh_dir(self.work / "poll-store")
        url = f"sqlite:///{store_dir}/store.db"
        Store.upgrade(url)  # migrating is not part of taking bundles
        os.sync()
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "cvbridge", "--db", url, "poll", "--once"],
                              cwd=store_dir, env=self._poll_env(store_dir),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=_TIMEOUT_S, check=False)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-5:])
            raise RuntimeError(f"cvbridge poll --once exited with {done.returncode}:\n{tail}")
        _same_files(vendor / "processed", files, "cvbridge poll --once, processed/")
        # Every bundle ingested, no CV rejected: all ``cvs`` CVs read (some of the corpus's
        # CVs update others, so created + updated is not the count).
        with sqlite3.connect(store_dir / "store.db") as db:
            rows = db.execute("SELECT status, count(*), sum(rejected) FROM bundle "
                              "GROUP BY status").fetchall()
        if rows != [("ingested", len(files), 0)]:
            raise RuntimeError(f"cvbridge poll --once: (status, bundles, CVs rejected) {rows}, "
                               f"expected {len(files)} ingested, none rejected")
        return Sample(cvs, seconds)

    def stages(self, files: list[Path], cvs: int, *, poll: bool = True, suffix: str = "",
               what: str = "every bundle") -> list[Stage]:
        """(a), (b) and (c) on ``files`` (``cvs`` CVs in all), in this order each round."""
        size = sum(p.stat().st_size for p in files)
        once = {"sftp_openssh": self.openssh_once, "sftp_cvbridge": self.cvbridge_once,
                "poll_sftp": self.poll_once}
        return [Stage(Throughput(key + suffix, _LABELS[key].format(what=what), size=size),
                      functools.partial(run, files, cvs))
                for key, run in once.items() if poll or key != "poll_sftp"]


def skipped_figures(reason: str) -> dict[str, Throughput]:
    return {key: skipped(key, label.format(what="every bundle"), reason)
            for key, label in _LABELS.items()}


@contextmanager
def sftp_bench(workdir: Path, files: list[Path]) -> Iterator[SftpBench | str]:
    """A throwaway sshd serving copies of ``files``, or why there is none."""
    if not os.access(SFTP_CLIENT, os.X_OK):
        yield f"skipped: {SFTP_CLIENT} missing (run .ci/install-system-deps)"
        return
    (workdir / "sshd").mkdir(parents=True)
    with ExitStack() as stack:
        try:
            server = stack.enter_context(throwaway_sshd(workdir / "sshd"))
        except SshdError as exc:
            yield f"skipped: {str(exc).splitlines()[0]}"
            return
        bench = SftpBench(server, workdir)
        bench.download_inbox.mkdir(parents=True)
        bench.served.mkdir()
        _copy_into(bench.served, files)
        os.sync()
        yield bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sftp",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="rounds (default %(default)s)")
    parser.add_argument("--quick", action="store_true", help="the bench-quick corpus")
    args = parser.parse_args(argv)
    corpus = ensure_corpus(CorpusSpec(bundles=4, per_bundle=25, big=250) if args.quick
                           else CorpusSpec())
    with tempfile.TemporaryDirectory(prefix="cvbench-sftp-") as folder, \
            sftp_bench(Path(folder), [*corpus.bundles, corpus.big]) as bench:
        if isinstance(bench, str):
            raise SystemExit(bench)
        stages = bench.stages(corpus.bundles, corpus.cvs)
        stages += bench.stages([corpus.big], corpus.spec.big, poll=False, suffix="_big",
                               what=f"the big bundle ({corpus.spec.big} CVs)")
        run_rounds(stages, args.repeat,
                   lambda step: print(f"bench.sftp: {step} ...", file=sys.stderr, flush=True),
                   os.sync)
    figures = {stage.figure.key: stage.figure.to_dict() for stage in stages}
    results = report.build({}, figures, {})
    results["targets"] = [t for t in results["targets"] if t["result"] != "SKIP"]
    print(f"{corpus.spec.bundles} bundles x {corpus.spec.per_bundle} CVs "
          f"({corpus.size / 1e6:.1f} MB) and one bundle of {corpus.spec.big} CVs; "
          f"median of {args.repeat} rounds; MB = 10^6 bytes\n")
    print(report.tables(results, "simple"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
