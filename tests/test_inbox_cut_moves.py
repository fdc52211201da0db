"""A local-inbox move cut short by a kill: never filed twice, never taken twice.

Where the filesystem cannot rename without replacing in one step, a move is a link then an
unlink; a poller killed between the two leaves one upload under two names (``processing/`` and
the destination). The restart must recognise the move that already happened and finish it --
moving the ``processing/`` name again filed the upload a second time (processed/NAME.2.zip).
The kill is the exception raised at that precise unlink; a fresh poller is the restart.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cvbridge.inbox import IngestResult, LocalTransport, Poller, _local
from tests.inbox_fakes import FakeClock, RecordingIngest, drop


class Killed(BaseException):
    """SIGKILL at this step (a BaseException: no ``except Exception`` of ours catches it)."""


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "vendor" / "inbox"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def link_then_unlink(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Moves by the fallback, as on a filesystem without RENAME_NOREPLACE."""
    monkeypatch.setattr(_local, "_renameat2", lambda: None)
    yield


def _poller(inbox: Path, ingest: RecordingIngest, clock: FakeClock) -> Poller:
    return Poller(lambda: LocalTransport(inbox), ingest, work_dir=inbox.parent.parent / "work",
                  settle_seconds=0.5, lease_seconds=3600, clock=clock)


def _killed_at_unlink(monkeypatch: pytest.MonkeyPatch, victim: Path, poller: Poller,
                      clock: FakeClock) -> None:
    """Run *poller* until it unlinks *victim*, and kill it right there."""
    real_unlink = Path.unlink

    def unlink(self: Path, missing_ok: bool = False) -> None:
        if self == victim:
            raise Killed
        real_unlink(self, missing_ok)

    with monkeypatch.context() as patch:
        patch.setattr(Path, "unlink", unlink)
        with pytest.raises(Killed):
            for _ in range(5):
                poller.poll_once()
                clock.now += 1


def _names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.is_dir() else []


def _dead_for_two_hours(path: Path) -> None:
    past = path.stat().st_mtime - 7200
    os.utime(path, (past, past))


@pytest.mark.parametrize(("step", "outcome", "left_in"), [
    ("claim", "processed", "inbox"),  # inbox/ -> processing/
    ("complete", "processed", "processed"),  # processing/ -> processed/
    ("complete", "failed", "failed"),  # processing/ -> failed/, its errors file first
])
@pytest.mark.usefixtures("link_then_unlink")
def test_a_move_cut_short_is_finished_on_restart_not_repeated(
        inbox: Path, monkeypatch: pytest.MonkeyPatch, step: str, outcome: str,
        left_in: str) -> None:
    vendor = inbox.parent
    digest = drop(inbox, "lot.zip")
    answers = {"lot.zip": IngestResult("failed", "line 1: bad manifest\n", "failed")
               } if outcome == "failed" else {}
    ingest = RecordingIngest(answers=dict(answers))
    clock = FakeClock()
    victim = (inbox if step == "claim" else vendor / "processing") / "lot.zip"
    _killed_at_unlink(monkeypatch, victim, _poller(inbox, ingest, clock), clock)
    # What the kill left: one file under two names.
    claimed = vendor / "processing" / "lot.zip"
    assert claimed.samefile(vendor / left_in / "lot.zip")
    assert len(ingest.calls) == (step == "complete")

    _dead_for_two_hours(claimed)  # the dead poller's lease runs out
    restart = _poller(inbox, ingest, clock)
    for _ in range(3):
        restart.poll_once()
        clock.now += 1

    assert _names(vendor / "processing") == _names(inbox) == []
    expected = {"processed": ["lot.zip"], "failed": ["lot.zip", "lot.zip.errors.txt"]}
    assert _names(vendor / "processed") == (expected["processed"] * (outcome == "processed"))
    assert _names(vendor / "failed") == (expected["failed"] * (outcome == "failed"))
    assert ingest.calls == [("lot.zip", digest)]  # taken once, whichever step was cut


@pytest.mark.usefixtures("link_then_unlink")
def test_a_release_cut_short_gives_the_bundle_back_once(
        inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    vendor = inbox.parent
    digest = drop(inbox, "lot.zip")
    LocalTransport(inbox).claim("lot.zip")  # by a worker that died
    claimed = vendor / "processing" / "lot.zip"
    _dead_for_two_hours(claimed)
    ingest, clock = RecordingIngest(), FakeClock()
    _killed_at_unlink(monkeypatch, claimed, _poller(inbox, ingest, clock), clock)
    assert claimed.samefile(inbox / "lot.zip")  # given back, and still claimed

    _dead_for_two_hours(claimed)
    restart = _poller(inbox, ingest, clock)
    assert restart.poll_once().released == 1
    clock.now += 1
    assert restart.poll_once().processed == 1
    assert _names(vendor / "processed") == ["lot.zip"]
    assert _names(inbox) == _names(vendor / "processing") == []
    assert ingest.calls == [("lot.zip", digest)]


def test_moves_are_one_atomic_rename_where_the_system_has_it(
        inbox: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No link-then-unlink window at all on Linux (glibc 2.28+, ext4, tmpfs, xfs, btrfs)."""
    if _local._renameat2() is None:
        pytest.skip("renameat2 is not available on this system")

    def no_link(*_: object, **__: object) -> None:
        raise AssertionError("moved by link and unlink")

    monkeypatch.setattr(os, "link", no_link)
    drop(inbox, "lot.zip")
    (inbox.parent / "processed").mkdir()
    (inbox.parent / "processed" / "lot.zip").write_bytes(b"older")
    transport = LocalTransport(inbox)
    assert transport.claim("lot.zip") == "lot.zip"
    assert transport.claim("lot.zip") is None
    assert transport.complete("lot.zip", "processed") == "lot.2.zip"  # never replaces
    assert (inbox.parent / "processed" / "lot.zip").read_bytes() == b"older"
    assert transport.complete("lot.zip", "processed") is None
