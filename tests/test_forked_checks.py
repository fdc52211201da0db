"""One bundle's documents checked by two processes (``fork_checks``): the report is the one a
single process makes, finding for finding and in order, whatever the child does."""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cvbridge.bundle import FindingsCollector, _forked_checks, open_bundle, validate_bundle
from cvbridge.bundle._archive import ArchiveCaps, open_checked_archive
from cvbridge.cli import app
from tests.bundles import limits, manifest, zip_bytes

CONFORMANCE = Path(__file__).resolve().parent.parent / "samples" / "conformance"
runner = CliRunner()


def _merged_document_cases() -> dict[str, bytes | str]:
    """The candidates of the valid samples and of every conformance case about a document, in
    one bundle: ordinary CVs, hidden text, macros, DTDs, corrupt and encrypted files,
    mismatched types, .doc and .docx."""
    files: dict[str, bytes | str] = {}
    valid = CONFORMANCE.parent / "valid"
    cases = [valid / f"valid-{name}.zip" for name in (
        "attachments", "basic", "custom-fields", "international", "legacy-doc", "minimal-keys",
        "textbox-cv")] + sorted(CONFORMANCE.glob("*-doc-*.zip"))
    for number, case in enumerate(cases):
        with zipfile.ZipFile(case) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        renamed = {name: f"{posix_dir(name)}{number:02d}-{name.rsplit('/', 1)[-1]}"
                   for name in members if name != "manifest.txt"}
        for name, new_name in renamed.items():
            if not name.endswith(".txt"):
                files[new_name] = members[name]
                continue
            text = members[name].decode("utf-8")
            for old, new in renamed.items():
                text = text.replace(f": {old}\n", f": {new}\n")
            files[new_name] = re.sub(r"(?m)^external_id: (.*)$",
                                     rf"external_id: \1-{number:02d}", text)
    count = sum(name.endswith(".txt") for name in files)
    return {"manifest.txt": manifest(candidate_count=str(count)), **files}


def posix_dir(name: str) -> str:
    return name.rsplit("/", 1)[0] + "/" if "/" in name else ""


@pytest.fixture(scope="module")
def mixed_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forked") / "mixed.zip"
    path.write_bytes(zip_bytes(_merged_document_cases()))
    return path


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[int]]]:
    """The checks whose findings were replayed: by the child's, or this process's, index."""
    used: dict[str, list[int]] = {"child": [], "reader": []}
    original = _forked_checks.CheckResult.replay

    def spy(self: _forked_checks.CheckResult, findings: object) -> object:
        used["reader" if self.data is not None else "child"].append(self.index)
        return original(self, findings)  # type: ignore[arg-type]

    monkeypatch.setattr(_forked_checks.CheckResult, "replay", spy)
    yield used


def test_the_mixed_bundle_has_the_findings_of_every_document_case(mixed_bundle: Path) -> None:
    codes = {finding.code for finding in validate_bundle(mixed_bundle).findings}
    assert {"DOC-MACRO", "DOC-HIDDEN-TEXT", "DOC-DTD", "DOC-CORRUPT", "DOC-ENCRYPTED",
            "DOC-TYPE-MISMATCH", "DOC-NO-TEXT", "DOC-EXTERNAL-REL"} <= codes


def test_the_report_is_the_one_process_report(mixed_bundle: Path,
                                              replays: dict[str, list[int]]) -> None:
    alone = validate_bundle(mixed_bundle)
    split = validate_bundle(mixed_bundle, fork_checks=True)
    assert split.to_dict() == alone.to_dict()
    # The child checks from the first document on, in order; this process from the last.
    assert replays["child"] == list(range(len(replays["child"])))
    assert len(replays["child"]) >= 10


def test_the_model_and_texts_are_the_one_process_ones(mixed_bundle: Path) -> None:
    with open_bundle(mixed_bundle) as alone, open_bundle(mixed_bundle, fork_checks=True) as split:
        assert split.bundle == alone.bundle
        texts = [c.cv.text for c in split.bundle.candidates if c.cv is not None and c.cv.text]
        assert len(texts) >= 15


def test_a_child_that_dies_leaves_its_checks_to_the_reader(
        mixed_bundle: Path, monkeypatch: pytest.MonkeyPatch,
        replays: dict[str, list[int]]) -> None:
    def send_two_then_die(spec: object, caps: object, documents: Callable[[], Iterable[object]],
                          fd: int) -> None:
        original_run(spec, caps, lambda: islice(documents(), 2), fd)  # type: ignore[arg-type]
        os._exit(3)

    original_run = _forked_checks._run_child
    monkeypatch.setattr(_forked_checks, "_run_child", send_two_then_die)
    assert validate_bundle(mixed_bundle, fork_checks=True).to_dict() == \
        validate_bundle(mixed_bundle).to_dict()
    assert replays["child"] == [0, 1]


def test_a_read_over_the_budget_here_is_read_again(mixed_bundle: Path,
                                                   replays: dict[str, list[int]]) -> None:
    """The child had its own inflate budget: where this process's would not cover a read
    the child made, the document is read here, to meet LIMIT-TOTAL-SIZE as it would."""
    size = sum(info.file_size for info in zipfile.ZipFile(mixed_bundle).infolist())
    tight = limits(total_size=size // 2)
    alone = validate_bundle(mixed_bundle, limits=tight)
    assert "LIMIT-TOTAL-SIZE" in {finding.code for finding in alone.findings}
    assert validate_bundle(mixed_bundle, limits=tight, fork_checks=True).to_dict() == \
        alone.to_dict()


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the children forked during the test."""
    forked: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return forked


def test_the_child_is_reaped(mixed_bundle: Path, children: list[int]) -> None:
    validate_bundle(mixed_bundle, fork_checks=True)
    assert len(children) == 1
    with pytest.raises(ChildProcessError):
        os.waitpid(children[0], os.WNOHANG)


def test_a_bundle_of_few_candidates_is_read_in_one_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise AssertionError("forked for a one-candidate bundle")

    monkeypatch.setattr(os, "fork", no_fork)
    path = tmp_path / "one.zip"
    with zipfile.ZipFile(CONFORMANCE / "warning-doc-hidden-text.zip") as archive:
        path.write_bytes(zip_bytes({n: archive.read(n) for n in archive.namelist()}))
    assert [f.code for f in validate_bundle(path, fork_checks=True).findings] == \
        ["DOC-HIDDEN-TEXT"]


def test_validate_forks_for_one_bundle_unless_one_job(mixed_bundle: Path,
                                                      children: list[int]) -> None:
    one = runner.invoke(app, ["validate", "--jobs", "1", "--format", "json", str(mixed_bundle)])
    assert children == []
    two = runner.invoke(app, ["validate", "--jobs", "2", "--format", "json", str(mixed_bundle)])
    assert len(children) == 1
    assert one.exit_code == two.exit_code == 1
    assert two.stdout == one.stdout


def test_another_process_reads_the_same_file_without_moving_its_offset(
        mixed_bundle: Path) -> None:
    caps = ArchiveCaps(10_000, 50 << 20, 500 << 20, 1000, 1 << 20)
    with mixed_bundle.open("rb") as source:
        archive = open_checked_archive(source, mixed_bundle.stat().st_size, caps,
                                       FindingsCollector())
        assert archive is not None
        other = archive.for_another_process()
        member = archive.members[-1]
        source.seek(123)
        theirs = other.read(member, caps.member_size)
        assert source.tell() == 123
        assert theirs == archive.read(member, caps.member_size)
        assert archive.count_read_elsewhere(member, caps.member_size)
        assert archive.verify_unread() == []
