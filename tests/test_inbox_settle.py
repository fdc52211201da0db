"""Which inbox files are complete: pure settle logic, on an explicit monotonic clock."""

from __future__ import annotations

import pytest

from cvbridge.inbox import InboxFolders, RemoteFile, SettleTracker, is_bundle_name
from cvbridge.inbox._transport import is_claimable_name, move_numbered, numbered_names


def _file(name: str = "a.zip", size: int = 100, mtime: float = 1_700_000_000) -> RemoteFile:
    return RemoteFile(name, size, mtime)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bundle.zip", True),
        ("BUNDLE.ZIP", True),
        ("lot 2024-05 été.zip", True),
        ("bundle.zip.part", False),
        ("bundle.zip.tmp", False),
        ("bundle.zip.filepart", False),
        ("bundle.part", False),
        ("bundle.zip.errors.txt", False),
        (".bundle.zip", False),
        (".hidden", False),
        ("notes.txt", False),
        ("bundle.zipx", False),
        ("zip", False),
    ],
)
def test_bundle_names(name: str, expected: bool) -> None:
    assert is_bundle_name(name) is expected


def test_first_sighting_is_never_settled_even_with_zero_interval() -> None:
    tracker = SettleTracker(0.0)
    assert tracker.observe([_file()], now=10.0) == []
    assert tracker.observe([_file()], now=10.0) == [_file()]


def test_settles_after_interval_unchanged() -> None:
    tracker = SettleTracker(0.5)
    assert tracker.observe([_file()], now=100.0) == []
    assert tracker.observe([_file()], now=100.4) == []
    assert tracker.observe([_file()], now=100.5) == [_file()]


def test_growing_file_restarts_the_interval() -> None:
    tracker = SettleTracker(0.5)
    assert tracker.observe([_file(size=10)], now=0.0) == []
    assert tracker.observe([_file(size=20)], now=1.0) == []  # grew: seen anew at 1.0
    assert tracker.observe([_file(size=20)], now=1.4) == []
    assert tracker.observe([_file(size=20)], now=1.5) == [_file(size=20)]


def test_mtime_change_alone_restarts_the_interval() -> None:
    # A rewrite with the same size (or a touch) is not "unchanged".
    tracker = SettleTracker(0.5)
    tracker.observe([_file(mtime=5)], now=0.0)
    assert tracker.observe([_file(mtime=6)], now=1.0) == []
    assert tracker.observe([_file(mtime=6)], now=1.5) == [_file(mtime=6)]


def test_server_mtime_is_never_compared_with_the_clock() -> None:
    # Server clock far in the past or future: only the local interval between listings counts.
    for mtime in (0.0, 4_000_000_000.0, -5.0):
        tracker = SettleTracker(0.5)
        assert tracker.observe([_file(mtime=mtime)], now=1e9) == []
        assert tracker.observe([_file(mtime=mtime)], now=1e9 + 0.5) == [_file(mtime=mtime)]


def test_ignored_names_are_not_tracked() -> None:
    tracker = SettleTracker(0.0)
    files = [_file("x.zip.part"), _file(".x.zip"), _file("x.zip.errors.txt"), _file("x.txt")]
    tracker.observe(files, now=0.0)
    assert tracker.observe(files, now=1.0) == []
    assert tracker.waiting == 0


def test_disappeared_file_is_forgotten_and_starts_over() -> None:
    tracker = SettleTracker(0.5)
    tracker.observe([_file()], now=0.0)
    tracker.observe([], now=1.0)
    assert tracker.observe([_file()], now=2.0) == []  # a new sighting
    assert tracker.observe([_file()], now=2.5) == [_file()]


def test_part_then_rename_settles_from_the_rename() -> None:
    tracker = SettleTracker(0.5)
    tracker.observe([_file("b.zip.part")], now=0.0)
    assert tracker.observe([_file("b.zip")], now=5.0) == []
    assert tracker.observe([_file("b.zip")], now=5.5) == [_file("b.zip")]


def test_forget_and_order_oldest_first() -> None:
    tracker = SettleTracker(0.0)
    files = [_file("b.zip", mtime=20), _file("c.zip", mtime=10), _file("a.zip", mtime=20)]
    tracker.observe(files, now=0.0)
    settled = tracker.observe(files, now=1.0)
    assert [f.name for f in settled] == ["c.zip", "a.zip", "b.zip"]
    tracker.forget("c.zip")
    assert tracker.waiting == 2
    assert [f.name for f in tracker.observe(files, now=2.0)] == ["a.zip", "b.zip"]


def test_negative_interval_refused() -> None:
    with pytest.raises(ValueError):
        SettleTracker(-1)


def test_numbered_names() -> None:
    names = numbered_names("lot.zip")
    assert [next(names) for _ in range(3)] == ["lot.zip", "lot.2.zip", "lot.3.zip"]
    names = numbered_names("lot.zip.errors.txt")
    assert [next(names) for _ in range(2)] == ["lot.zip.errors.txt", "lot.zip.errors.2.txt"]
    names = numbered_names("README")
    assert [next(names) for _ in range(2)] == ["README", "README.2"]
    *_, last = numbered_names("lot.zip")
    assert last.startswith("lot.") and last.endswith(".zip") and len(last) == 40


def test_move_numbered_skips_taken_and_reserved() -> None:
    existing = {"lot.zip", "lot.2.zip"}
    reserved = {"lot.3.zip"}

    def try_move(candidate: str) -> bool | None:
        if candidate in existing:
            return False
        existing.add(candidate)
        return True

    assert move_numbered(try_move, "lot.zip", reserved=reserved.__contains__) == "lot.4.zip"
    assert move_numbered(lambda candidate: None, "lot.zip") is None


def test_claimable_names() -> None:
    assert is_claimable_name("lot.zip")
    assert not is_claimable_name(".cvbridge-clock.abc")
    assert not is_claimable_name("lot.zip.errors.txt")


@pytest.mark.parametrize(
    ("inbox", "overrides", "expected"),
    [
        ("/srv/vendor/inbox", {}, ("/srv/vendor/processing", "/srv/vendor/processed")),
        ("/srv/vendor/inbox/", {}, ("/srv/vendor/processing", "/srv/vendor/processed")),
        ("inbox", {}, ("processing", "processed")),
        ("/in", {"processing": "work/claimed", "processed": "/done"}, ("/work/claimed", "/done")),
    ],
)
def test_folders_default_to_siblings(
    inbox: str, overrides: dict[str, str], expected: tuple[str, str]
) -> None:
    folders = InboxFolders.around(inbox, **overrides)
    assert (folders.processing, folders.processed) == expected
    assert folders.inbox == inbox.rstrip("/")
